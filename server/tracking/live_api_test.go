package tracking_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

func TestShipmentUpdatedLive(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := testserver.Start(t, dbURL)
		f := s.LiveFixture(t, "L1")
		c := s.ConnectWS(t, s.Token(t, auth.RoleCustomer, "mina@example.com"))
		c.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order})
		// Live only: nothing from before the subscription is replayed. The
		// first update proves the subscription is established.
		s.WaitSubscribed(t, c, f)

		// Through the webhook, which says when it committed.
		before := time.Now()
		st, body := s.Webhook(t, testserver.WebhookBody(t, "DHL", f.Tracking, testserver.Event("hook-1", "IN_TRANSIT", testserver.T0.Add(time.Hour))), testserver.WebhookSecret)
		if st != http.StatusOK {
			t.Fatalf("webhook: %d %v", st, body)
		}
		if at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(body["recordedAt"])); err != nil || at.Before(before) || at.After(time.Now()) {
			t.Fatalf("webhook recordedAt %v (%v), want between the request and its response", body["recordedAt"], err)
		}
		u := c.Next("1")
		if u.Event == nil || u.Event.Message != "Event hook-1" || u.Shipment.ID != f.Shipment || u.Shipment.Status != "IN_TRANSIT" || u.Cursor == "" {
			t.Fatalf("webhook update = %+v", u)
		}
		// An estimate that moves without a checkpoint: event is null.
		eta := time.Date(2026, 11, 9, 18, 0, 0, 0, time.UTC)
		s.GQL(t, s.Integration(t), testserver.TrackMutation, map[string]any{"input": map[string]any{
			"carrier": "DHL", "trackingNumber": f.Tracking, "estimatedDeliveryAt": eta.Format(time.RFC3339), "events": []any{}}}).MustOK(t, nil)
		u = c.Next("1")
		if u.Event != nil || u.Shipment.LatestEstimatedDeliveryAt == nil || !u.Shipment.LatestEstimatedDeliveryAt.Equal(eta) {
			t.Fatalf("ETA update = %+v", u)
		}
		// A batch arrives oldest first, one update per checkpoint.
		s.MustTrack(t, "DHL", f.Tracking, testserver.Event("b-3", "OUT_FOR_DELIVERY", testserver.T0.Add(5*time.Hour)), testserver.Event("b-2", "IN_TRANSIT", testserver.T0.Add(3*time.Hour)))
		if got := testserver.EventNames([]testserver.LiveUpdate{c.Next("1"), c.Next("1")}); got != "[Event b-2 Event b-3]" {
			t.Fatalf("batch = %s", got)
		}
		// A duplicate delivery changes nothing and streams nothing; the next
		// real change does.
		s.MustTrack(t, "DHL", f.Tracking, testserver.Event("b-2", "IN_TRANSIT", testserver.T0.Add(3*time.Hour)))
		s.MustTrack(t, "DHL", f.Tracking, testserver.Event("b-4", "DELIVERED", testserver.T0.Add(6*time.Hour)))
		if u := c.Next("1"); u.Event == nil || u.Event.Message != "Event b-4" {
			t.Fatalf("after duplicate = %+v", u)
		}
		c.Send(testserver.WSMessage{ID: "1", Type: "complete"})
	})
}

func TestShipmentUpdatedAuthorization(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := testserver.Start(t, dbURL)
		f := s.LiveFixture(t, "L2")
		s.MustImport(t, testserver.OrderSpec{Email: "leo@example.com", Number: "L2-leo", Items: 1})
		for name, c := range map[string]struct {
			token, order, code string
		}{
			"another customer's order": {s.Token(t, auth.RoleCustomer, "leo@example.com"), f.Order, "NOT_FOUND"},
			"a missing order":          {s.Token(t, auth.RoleCustomer, "leo@example.com"), "999999999", "NOT_FOUND"},
			"anonymous":                {"", f.Order, "UNAUTHENTICATED"},
		} {
			t.Run(name, func(t *testing.T) {
				var ws *testserver.WSClient
				if c.token == "" {
					ws = s.DialWS(t)
					ws.Send(testserver.WSMessage{Type: "connection_init"})
					if m := ws.Read(); m.Type != "connection_ack" {
						t.Fatalf("anonymous init: %+v", m)
					}
				} else {
					ws = s.ConnectWS(t, c.token)
				}
				ws.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": c.order})
				m := ws.Read()
				if code := testserver.ErrorCode(m); code != c.code {
					t.Fatalf("got %s %s, want error %s", m.Type, m.Payload, c.code)
				}
			})
		}
		t.Run("staff may follow any order", func(t *testing.T) {
			ws := s.ConnectWS(t, s.Token(t, auth.RoleAdmin, ""))
			ws.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order})
			s.WaitSubscribed(t, ws, f)
		})
	})
}

func TestShipmentUpdatedResume(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := testserver.Start(t, dbURL)
		f := s.LiveFixture(t, "L3")
		tok := s.Token(t, auth.RoleCustomer, "mina@example.com")
		c := s.ConnectWS(t, tok)
		c.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order})
		s.WaitSubscribed(t, c, f)
		s.MustTrack(t, "DHL", f.Tracking, testserver.Event("seen", "IN_TRANSIT", testserver.T0.Add(time.Hour)))
		last := c.Next("1").Cursor
		_ = c.Conn.CloseNow() // the phone drops off the network

		for i := 1; i <= 5; i++ {
			s.MustTrack(t, "DHL", f.Tracking, testserver.Event(fmt.Sprint("missed-", i), "IN_TRANSIT", testserver.T0.Add(time.Duration(1+i)*time.Hour)))
		}
		c = s.ConnectWS(t, tok)
		c.Subscribe("2", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order, "after": last})
		var got []testserver.LiveUpdate
		for i := 0; i < 5; i++ {
			got = append(got, c.Next("2"))
		}
		if names := testserver.EventNames(got); names != "[Event missed-1 Event missed-2 Event missed-3 Event missed-4 Event missed-5]" {
			t.Fatalf("resumed with %s", names)
		}
		s.MustTrack(t, "DHL", f.Tracking, testserver.Event("live", "OUT_FOR_DELIVERY", testserver.T0.Add(9*time.Hour)))
		if u := c.Next("2"); u.Event == nil || u.Event.Message != "Event live" {
			t.Fatalf("after catch-up = %+v", u)
		}
		// A cursor from elsewhere is refused clearly.
		c.Subscribe("3", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order, "after": "bogus"})
		if m := c.Read(); testserver.ErrorCode(m) != "INVALID_INPUT" {
			t.Fatalf("bogus cursor: %s %s", m.Type, m.Payload)
		}
	})
}

func TestShipmentUpdatedAcrossInstances(t *testing.T) {
	dsn := pgtest.Get(t).NewDatabase(t)
	a := testserver.Start(t, dsn)
	b := testserver.Start(t, dsn)
	f := a.LiveFixture(t, "L5")
	c := b.ConnectWS(t, b.Token(t, auth.RoleCustomer, "mina@example.com"))
	c.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order})
	// Recorded through instance A, streamed by instance B.
	a.WaitSubscribed(t, c, f)
	if st, body := a.Webhook(t, testserver.WebhookBody(t, "DHL", f.Tracking, testserver.Event("via-a", "IN_TRANSIT", testserver.T0.Add(time.Hour))), testserver.WebhookSecret); st != http.StatusOK {
		t.Fatalf("webhook: %d %v", st, body)
	}
	if u := c.Next("1"); u.Event == nil || u.Event.Message != "Event via-a" {
		t.Fatalf("update on B = %+v", u)
	}
}

// TestShipmentUpdatedSurvivesPostgresRestart restarts Postgres while events
// keep being recorded: every subscriber must end with every event exactly
// once, in order. Notifications sent while the listener was down are lost;
// the resync after it reconnects re-reads them from the change log.
func TestShipmentUpdatedSurvivesPostgresRestart(t *testing.T) {
	cluster := pgtest.Start(t)
	s := testserver.Start(t, cluster.NewDatabase(t))
	f := s.LiveFixture(t, "R1")
	tok := s.Token(t, auth.RoleCustomer, "mina@example.com")
	first := s.ConnectWS(t, tok)
	first.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order})
	start := s.WaitSubscribed(t, first, f)
	clients := []*testserver.WSClient{first}
	for i := 0; i < 3; i++ {
		c := s.ConnectWS(t, tok)
		c.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order, "after": start})
		clients = append(clients, c)
	}

	const total = 30
	var want []string
	for i := 1; i <= total; i++ {
		if i == total/3 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if err := cluster.Restart(ctx); err != nil {
				t.Fatal(err)
			}
			cancel()
		}
		body := testserver.WebhookBody(t, "DHL", f.Tracking, testserver.Event(fmt.Sprint("r-", i), "IN_TRANSIT", testserver.T0.Add(time.Duration(i)*time.Minute)))
		// A sender retries until the delivery is accepted; redelivery is
		// idempotent. Restart returns once Postgres accepts connections,
		// so what still fails is a pooled connection the restart broke,
		// which database/sql then discards: at most one per connection,
		// and retrying at once is bounded by the pool.
		for attempt := 0; ; attempt++ {
			st, _ := s.Webhook(t, body, testserver.WebhookSecret)
			if st == http.StatusOK {
				break
			}
			if attempt > s.DB.Pool.MaxOpen {
				t.Fatalf("event %d refused %d times (last status %d), more than the pool's %d connections", i, attempt+1, st, s.DB.Pool.MaxOpen)
			}
		}
		want = append(want, fmt.Sprint("Event r-", i))
	}
	for n, c := range clients {
		var got []testserver.LiveUpdate
		for len(got) < total {
			got = append(got, c.Next("1"))
		}
		if names := testserver.EventNames(got); names != fmt.Sprint(want) {
			t.Errorf("subscriber %d got %s\nwant %v", n, names, want)
		}
		if m, err := c.TryRead(300 * time.Millisecond); err == nil {
			t.Errorf("subscriber %d got an extra message: %s %s", n, m.Type, m.Payload)
		}
	}
}

// TestSubscriptionCyclesLeaveNoGoroutines subscribes and unsubscribes 1,000
// times on one connection, then closes it: the goroutine count must return
// to where it was.
func TestSubscriptionCyclesLeaveNoGoroutines(t *testing.T) {
	testserver.EachDB(t, testSubscriptionCycles)
}

func testSubscriptionCycles(t *testing.T, dbURL string) {
	s := testserver.Start(t, dbURL)
	f := s.LiveFixture(t, "G1")
	tok := s.Token(t, auth.RoleCustomer, "mina@example.com")
	warm := s.ConnectWS(t, tok) // first use starts lazily created goroutines (pools, timers)
	warm.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order})
	s.WaitSubscribed(t, warm, f)
	_ = warm.Conn.Close(websocket.StatusNormalClosure, "")
	before := settledGoroutines(0)

	c := s.ConnectWS(t, tok)
	for i := 0; i < 1000; i++ {
		id := fmt.Sprint("cycle-", i)
		c.Subscribe(id, testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order})
		c.Send(testserver.WSMessage{ID: id, Type: "complete"})
	}
	// A client this fast is throttled while the server winds the stopped
	// subscriptions down; once it has, a fresh subscription streams.
	for attempt := 0; ; attempt++ {
		// A fresh id each time: an earlier attempt may still be live (just
		// slow), and reusing its id would rightly close the socket (4409).
		id := fmt.Sprint("probe-", attempt)
		c.Subscribe(id, testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order})
		s.MustTrack(t, "DHL", f.Tracking, testserver.Event(fmt.Sprint("cycle-probe-", attempt), "INFO_RECEIVED", testserver.T0))
		m, err := c.ReadFor(id, 2*time.Second)
		if err == nil && m.Type == "next" {
			break
		}
		if attempt == 50 || err == nil && testserver.ErrorCode(m) != "THROTTLED" {
			t.Fatalf("probe subscription: %s %s %v", m.Type, m.Payload, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = c.Conn.Close(websocket.StatusNormalClosure, "")
	// A leak per cycle would show as hundreds; a few either way are the
	// server's own background work (River's queues and maintenance start
	// and stop goroutines on their own schedule).
	if after := settledGoroutines(before); after > before+10 {
		t.Fatalf("goroutines: %d before, %d after 1,000 subscribe/unsubscribe cycles", before, after)
	}
}

// settledGoroutines waits (up to 10 s) for the goroutine count to reach
// target or stop falling, and returns it.
func settledGoroutines(target int) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m <= target || (target == 0 && m == n) {
			return m
		}
		n = m
	}
	return n
}

// TestStalledReaderDoesNotSlowOthers has one subscriber stop reading its
// socket while 10,000 large updates stream: the other still gets every update
// promptly, and the stalled one, once it reads again, gets every update too,
// exactly once and in order: it fell back to the change log rather than
// being buffered without bound or dropped.
func TestStalledReaderDoesNotSlowOthers(t *testing.T) {
	// A clock that never moves: no pings, so the stalled client, which
	// answers none, is not dropped should the test run past the pong
	// deadline on a loaded machine (the drop is
	// TestStalledClientDroppedWithin30s's).
	s := testserver.Start(t, "", func(c *app.Config) { c.Clock = clockwork.NewFakeClock() })
	f := s.LiveFixture(t, "S1")
	tok := s.Token(t, auth.RoleCustomer, "mina@example.com")
	healthy := s.ConnectWS(t, tok)
	healthy.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order})
	start := s.WaitSubscribed(t, healthy, f)

	// The stalled client subscribes, then never reads again: its pump is
	// not started, so the server's writes back up in the socket buffers.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stalled, _, err := websocket.Dial(ctx, strings.Replace(s.URL(), "http", "ws", 1)+"/query", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.CloseNow()
	for _, m := range []testserver.WSMessage{
		{Type: "connection_init", Payload: testserver.MustJSON(map[string]any{"authorization": "Bearer " + tok})},
		{ID: "1", Type: "subscribe", Payload: testserver.MustJSON(map[string]any{"query": testserver.ShipmentUpdatedSubscription, "variables": map[string]any{"orderId": f.Order, "after": start}})},
	} {
		if err := wsjson.Write(ctx, stalled, m); err != nil {
			t.Fatal(err)
		}
	}

	// ~15 MB: more than loopback TCP buffers hold (they autotune to MBs).
	const batches, perBatch = 100, 100
	long := strings.Repeat("x", 1024)
	where := strings.Repeat("y", 256)
	begin := time.Now()
	for b := 0; b < batches; b++ {
		var evs []map[string]any
		for i := 0; i < perBatch; i++ {
			e := testserver.Event(fmt.Sprintf("s-%d-%d", b, i), "IN_TRANSIT", testserver.T0.Add(time.Duration(b*perBatch+i)*time.Second))
			e["message"], e["location"], e["subStatus"] = long, where, where
			evs = append(evs, e)
		}
		s.MustTrack(t, "DHL", f.Tracking, evs...)
	}
	for n := 0; n < batches*perBatch; n++ {
		m, err := healthy.ReadFor("1", 30*time.Second)
		if err != nil || m.Type != "next" {
			t.Fatalf("healthy subscriber stopped after %d of %d updates: %s %v", n, batches*perBatch, m.Type, err)
		}
	}
	t.Logf("healthy subscriber got %d updates in %v beside a stalled one", batches*perBatch, time.Since(begin))

	// Now the stalled client reads again: it gets everything, once, in order.
	ctx, cancel = context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for n := 0; n < batches*perBatch; n++ {
		var m testserver.WSMessage
		if err := wsjson.Read(ctx, stalled, &m); err != nil {
			t.Fatalf("stalled subscriber, update %d: %v", n, err)
		}
		switch m.Type {
		case "connection_ack":
			n--
			continue
		case "ping":
			_ = wsjson.Write(ctx, stalled, testserver.WSMessage{Type: "pong"})
			n--
			continue
		}
		u := testserver.DecodeUpdate(t, m)
		if want := testserver.T0.Add(time.Duration(n) * time.Second); u.Event == nil || !u.Event.OccurredAt.Equal(want) {
			t.Fatalf("stalled subscriber, update %d: want the event of %v, got %+v", n, want, u.Event)
		}
	}
	if m, err := wsjsonReadTimeout(stalled, 300*time.Millisecond); err == nil && m.Type == "next" {
		t.Fatalf("stalled subscriber got an extra update: %s", m.Payload)
	}
	t.Logf("the stalled subscriber caught up with all %d updates after reading again", batches*perBatch)
}

// wsjsonReadTimeout reads one message or gives up; the connection is closed
// on timeout (coder/websocket closes on a cancelled read), so call it last.
func wsjsonReadTimeout(c *websocket.Conn, d time.Duration) (testserver.WSMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var m testserver.WSMessage
	err := wsjson.Read(ctx, c, &m)
	return m, err
}

// TestSharedRenderOutlivesFirstSubscriber: subscribers of one order with the
// same query share one render per change, through the first one's operation;
// when that first subscriber leaves, the others still get every update, and
// a staff subscriber (another viewer, so another group) gets its own.
func TestSharedRenderOutlivesFirstSubscriber(t *testing.T) {
	s := testserver.Start(t, "")
	f := s.LiveFixture(t, "G1")
	mina := s.Token(t, auth.RoleCustomer, "mina@example.com")
	first, second := s.ConnectWS(t, mina), s.ConnectWS(t, mina)
	staff := s.ConnectWS(t, s.Token(t, auth.RoleAdmin, ""))
	first.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order})
	s.WaitSubscribed(t, first, f) // first's operation renders for the group
	for _, c := range []*testserver.WSClient{second, staff} {
		c.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order})
		s.WaitSubscribed(t, c, f)
	}
	first.Send(testserver.WSMessage{ID: "1", Type: "complete"})
	// The hub's leave runs on its own goroutine once the subscription is
	// cancelled: wait for it, so that the event below is rendered after
	// the first subscriber (whose operation the group rendered with) left.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Live.WaitMembers(ctx, func(n int) bool { return n == 2 }); err != nil {
		t.Fatalf("the first subscriber never left its hub: %v", err)
	}

	s.MustTrack(t, "DHL", f.Tracking, testserver.Event("after-first-left", "IN_TRANSIT", testserver.T0.Add(2*time.Hour)))
	for _, c := range []*testserver.WSClient{second, staff} {
		for { // skip the other subscribers' probes
			if u := c.Next("1"); u.Event != nil && u.Event.Message == "Event after-first-left" {
				break
			}
		}
	}
}
