package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/pgtest"
)

// liveFixture is an order with one shipment, and a customer socket.
type liveFixture struct {
	order, shipment string
	tracking        string
}

func (s *testServer) liveFixture(t *testing.T, number string) liveFixture {
	t.Helper()
	o := s.mustImport(t, orderSpec{email: "mina@example.com", number: number, items: 2})
	tn := "JJD" + number + "01"
	sh := s.mustShip(t, o.ID, "DHL", tn, map[string]any{"orderItemId": o.Items[0].ID, "quantity": 1})
	return liveFixture{order: o.ID, shipment: sh, tracking: tn}
}

func TestShipmentUpdatedLive(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		f := s.liveFixture(t, "L1")
		c := s.connectWS(t, s.token(t, auth.RoleCustomer, "mina@example.com"))
		c.subscribe("1", shipmentUpdatedSubscription, map[string]any{"orderId": f.order})
		// Live only: nothing from before the subscription is replayed. The
		// first update proves the subscription is established.
		waitSubscribed(t, s, c, f)

		// Through the webhook, which says when it committed.
		before := time.Now()
		st, body := s.webhook(t, webhookBody(t, "DHL", f.tracking, event("hook-1", "IN_TRANSIT", t0.Add(time.Hour))), testWebhookSecret)
		if st != http.StatusOK {
			t.Fatalf("webhook: %d %v", st, body)
		}
		if at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(body["recordedAt"])); err != nil || at.Before(before) || at.After(time.Now()) {
			t.Fatalf("webhook recordedAt %v (%v), want between the request and its response", body["recordedAt"], err)
		}
		u := c.next("1")
		if u.Event == nil || u.Event.Message != "Event hook-1" || u.Shipment.ID != f.shipment || u.Shipment.Status != "IN_TRANSIT" || u.Cursor == "" {
			t.Fatalf("webhook update = %+v", u)
		}
		// An estimate that moves without a checkpoint: event is null.
		eta := time.Date(2026, 11, 9, 18, 0, 0, 0, time.UTC)
		s.gql(t, s.integration(t), trackMutation, map[string]any{"input": map[string]any{
			"carrier": "DHL", "trackingNumber": f.tracking, "estimatedDeliveryAt": eta.Format(time.RFC3339), "events": []any{}}}).mustOK(t, nil)
		u = c.next("1")
		if u.Event != nil || u.Shipment.LatestEstimatedDeliveryAt == nil || !u.Shipment.LatestEstimatedDeliveryAt.Equal(eta) {
			t.Fatalf("ETA update = %+v", u)
		}
		// A batch arrives oldest first, one update per checkpoint.
		s.mustTrack(t, "DHL", f.tracking, event("b-3", "OUT_FOR_DELIVERY", t0.Add(5*time.Hour)), event("b-2", "IN_TRANSIT", t0.Add(3*time.Hour)))
		if got := eventNames([]liveUpdate{c.next("1"), c.next("1")}); got != "[Event b-2 Event b-3]" {
			t.Fatalf("batch = %s", got)
		}
		// A duplicate delivery changes nothing and streams nothing; the next
		// real change does.
		s.mustTrack(t, "DHL", f.tracking, event("b-2", "IN_TRANSIT", t0.Add(3*time.Hour)))
		s.mustTrack(t, "DHL", f.tracking, event("b-4", "DELIVERED", t0.Add(6*time.Hour)))
		if u := c.next("1"); u.Event == nil || u.Event.Message != "Event b-4" {
			t.Fatalf("after duplicate = %+v", u)
		}
		c.send(wsMessage{ID: "1", Type: "complete"})
	})
}

// waitSubscribed returns once subscription "1" on c streams live updates of
// f: a live-only stream misses what commits before it joins, and the
// protocol has no "subscribed" message, so it records probes until one
// arrives, then a sync event, and discards everything before the sync.
func waitSubscribed(t *testing.T, s *testServer, c *wsClient, f liveFixture) (cursor string) {
	t.Helper()
	seq := probeSeq.Add(1)
	for i := 0; ; i++ {
		if i == 50 {
			t.Fatal("subscription never received a probe")
		}
		s.mustTrack(t, "DHL", f.tracking, event(fmt.Sprintf("probe-%d-%d", seq, i), "INFO_RECEIVED", t0))
		m, err := c.readFor("1", 200*time.Millisecond)
		if err == nil {
			if m.Type != "next" {
				t.Fatalf("waiting for a probe: %s %s", m.Type, m.Payload)
			}
			break
		} else if !errors.Is(err, errReadTimeout) {
			t.Fatalf("waiting for a probe: %v", err)
		}
	}
	sync := fmt.Sprintf("sync-%d", seq)
	s.mustTrack(t, "DHL", f.tracking, event(sync, "INFO_RECEIVED", t0))
	for {
		m, err := c.readFor("1", 10*time.Second)
		if err != nil {
			t.Fatalf("waiting for %s: %v", sync, err)
		}
		if u := decodeUpdate(t, m); u.Event != nil && u.Event.Message == "Event "+sync {
			return u.Cursor
		}
	}
}

var probeSeq atomic.Int64

func TestShipmentUpdatedAuthorization(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		f := s.liveFixture(t, "L2")
		s.mustImport(t, orderSpec{email: "leo@example.com", number: "L2-leo", items: 1})
		for name, c := range map[string]struct {
			token, order, code string
		}{
			"another customer's order": {s.token(t, auth.RoleCustomer, "leo@example.com"), f.order, "NOT_FOUND"},
			"a missing order":          {s.token(t, auth.RoleCustomer, "leo@example.com"), "999999999", "NOT_FOUND"},
			"anonymous":                {"", f.order, "UNAUTHENTICATED"},
		} {
			t.Run(name, func(t *testing.T) {
				var ws *wsClient
				if c.token == "" {
					ws = s.dialWS(t)
					ws.send(wsMessage{Type: "connection_init"})
					if m := ws.read(); m.Type != "connection_ack" {
						t.Fatalf("anonymous init: %+v", m)
					}
				} else {
					ws = s.connectWS(t, c.token)
				}
				ws.subscribe("1", shipmentUpdatedSubscription, map[string]any{"orderId": c.order})
				m := ws.read()
				if code := errorCode(m); code != c.code {
					t.Fatalf("got %s %s, want error %s", m.Type, m.Payload, c.code)
				}
			})
		}
		t.Run("staff may follow any order", func(t *testing.T) {
			ws := s.connectWS(t, s.token(t, auth.RoleAdmin, ""))
			ws.subscribe("1", shipmentUpdatedSubscription, map[string]any{"orderId": f.order})
			waitSubscribed(t, s, ws, f)
		})
	})
}

// wsErrors returns the errors of an `error` message or of a `next`
// carrying errors.
func wsErrors(m wsMessage) []gqlError {
	var errs []gqlError
	switch m.Type {
	case "error":
		_ = json.Unmarshal(m.Payload, &errs)
	case "next":
		var p struct{ Errors []gqlError }
		_ = json.Unmarshal(m.Payload, &p)
		errs = p.Errors
	}
	return errs
}

// errorCode returns the extensions.code of an error delivered either as an
// `error` message or as a `next` carrying errors.
func errorCode(m wsMessage) string {
	errs := wsErrors(m)
	if len(errs) == 0 {
		return ""
	}
	c, _ := errs[0].Extensions["code"].(string)
	return c
}

func TestShipmentUpdatedResume(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		f := s.liveFixture(t, "L3")
		tok := s.token(t, auth.RoleCustomer, "mina@example.com")
		c := s.connectWS(t, tok)
		c.subscribe("1", shipmentUpdatedSubscription, map[string]any{"orderId": f.order})
		waitSubscribed(t, s, c, f)
		s.mustTrack(t, "DHL", f.tracking, event("seen", "IN_TRANSIT", t0.Add(time.Hour)))
		last := c.next("1").Cursor
		_ = c.conn.CloseNow() // the phone drops off the network

		for i := 1; i <= 5; i++ {
			s.mustTrack(t, "DHL", f.tracking, event(fmt.Sprint("missed-", i), "IN_TRANSIT", t0.Add(time.Duration(1+i)*time.Hour)))
		}
		c = s.connectWS(t, tok)
		c.subscribe("2", shipmentUpdatedSubscription, map[string]any{"orderId": f.order, "after": last})
		var got []liveUpdate
		for i := 0; i < 5; i++ {
			got = append(got, c.next("2"))
		}
		if names := eventNames(got); names != "[Event missed-1 Event missed-2 Event missed-3 Event missed-4 Event missed-5]" {
			t.Fatalf("resumed with %s", names)
		}
		s.mustTrack(t, "DHL", f.tracking, event("live", "OUT_FOR_DELIVERY", t0.Add(9*time.Hour)))
		if u := c.next("2"); u.Event == nil || u.Event.Message != "Event live" {
			t.Fatalf("after catch-up = %+v", u)
		}
		// A cursor from elsewhere is refused clearly.
		c.subscribe("3", shipmentUpdatedSubscription, map[string]any{"orderId": f.order, "after": "bogus"})
		if m := c.read(); errorCode(m) != "INVALID_INPUT" {
			t.Fatalf("bogus cursor: %s %s", m.Type, m.Payload)
		}
	})
}

func TestShipmentUpdatedAcrossInstances(t *testing.T) {
	dsn := pgtestDatabase(t)
	a := mustServer(t, dsn)
	b := mustServer(t, dsn)
	f := a.liveFixture(t, "L5")
	c := b.connectWS(t, b.token(t, auth.RoleCustomer, "mina@example.com"))
	c.subscribe("1", shipmentUpdatedSubscription, map[string]any{"orderId": f.order})
	// Recorded through instance A, streamed by instance B.
	waitSubscribed(t, a, c, f)
	if st, body := a.webhook(t, webhookBody(t, "DHL", f.tracking, event("via-a", "IN_TRANSIT", t0.Add(time.Hour))), testWebhookSecret); st != http.StatusOK {
		t.Fatalf("webhook: %d %v", st, body)
	}
	if u := c.next("1"); u.Event == nil || u.Event.Message != "Event via-a" {
		t.Fatalf("update on B = %+v", u)
	}
}

// TestShipmentUpdatedSurvivesPostgresRestart restarts Postgres while events
// keep being recorded: every subscriber must end with every event exactly
// once, in order. Notifications sent while the listener was down are lost;
// the resync after it reconnects re-reads them from the change log.
func TestShipmentUpdatedSurvivesPostgresRestart(t *testing.T) {
	cluster := pgtest.Start(t)
	s := mustServer(t, cluster.NewDatabase(t))
	f := s.liveFixture(t, "R1")
	tok := s.token(t, auth.RoleCustomer, "mina@example.com")
	first := s.connectWS(t, tok)
	first.subscribe("1", shipmentUpdatedSubscription, map[string]any{"orderId": f.order})
	start := waitSubscribed(t, s, first, f)
	clients := []*wsClient{first}
	for i := 0; i < 3; i++ {
		c := s.connectWS(t, tok)
		c.subscribe("1", shipmentUpdatedSubscription, map[string]any{"orderId": f.order, "after": start})
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
		body := webhookBody(t, "DHL", f.tracking, event(fmt.Sprint("r-", i), "IN_TRANSIT", t0.Add(time.Duration(i)*time.Minute)))
		// A sender retries until the delivery is accepted; redelivery is idempotent.
		deadline := time.Now().Add(time.Minute)
		for {
			st, _ := s.webhook(t, body, testWebhookSecret)
			if st == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("event %d never accepted (last status %d)", i, st)
			}
			time.Sleep(100 * time.Millisecond)
		}
		want = append(want, fmt.Sprint("Event r-", i))
	}
	for n, c := range clients {
		var got []liveUpdate
		for len(got) < total {
			got = append(got, c.next("1"))
		}
		if names := eventNames(got); names != fmt.Sprint(want) {
			t.Errorf("subscriber %d got %s\nwant %v", n, names, want)
		}
		if m, err := c.tryRead(300 * time.Millisecond); err == nil {
			t.Errorf("subscriber %d got an extra message: %s %s", n, m.Type, m.Payload)
		}
	}
}

// TestSubscriptionCyclesLeaveNoGoroutines subscribes and unsubscribes 1,000
// times on one connection, then closes it: the goroutine count must return
// to where it was.
func TestSubscriptionCyclesLeaveNoGoroutines(t *testing.T) {
	eachDB(t, testSubscriptionCycles)
}

func testSubscriptionCycles(t *testing.T, dbURL string) {
	s := mustServer(t, dbURL)
	f := s.liveFixture(t, "G1")
	tok := s.token(t, auth.RoleCustomer, "mina@example.com")
	warm := s.connectWS(t, tok) // first use starts lazily created goroutines (pools, timers)
	warm.subscribe("1", shipmentUpdatedSubscription, map[string]any{"orderId": f.order})
	waitSubscribed(t, s, warm, f)
	_ = warm.conn.Close(websocket.StatusNormalClosure, "")
	before := settledGoroutines(0)

	c := s.connectWS(t, tok)
	for i := 0; i < 1000; i++ {
		id := fmt.Sprint("cycle-", i)
		c.subscribe(id, shipmentUpdatedSubscription, map[string]any{"orderId": f.order})
		c.send(wsMessage{ID: id, Type: "complete"})
	}
	// A client this fast is throttled while the server winds the stopped
	// subscriptions down; once it has, a fresh subscription streams.
	for attempt := 0; ; attempt++ {
		// A fresh id each time: an earlier attempt may still be live (just
		// slow), and reusing its id would rightly close the socket (4409).
		id := fmt.Sprint("probe-", attempt)
		c.subscribe(id, shipmentUpdatedSubscription, map[string]any{"orderId": f.order})
		s.mustTrack(t, "DHL", f.tracking, event(fmt.Sprint("cycle-probe-", attempt), "INFO_RECEIVED", t0))
		m, err := c.readFor(id, 2*time.Second)
		if err == nil && m.Type == "next" {
			break
		}
		if attempt == 50 || err == nil && errorCode(m) != "THROTTLED" {
			t.Fatalf("probe subscription: %s %s %v", m.Type, m.Payload, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = c.conn.Close(websocket.StatusNormalClosure, "")
	if after := settledGoroutines(before); after > before+3 {
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
	s := mustServer(t, "", func(c *app.Config) { c.Clock = clockwork.NewFakeClock() })
	f := s.liveFixture(t, "S1")
	tok := s.token(t, auth.RoleCustomer, "mina@example.com")
	healthy := s.connectWS(t, tok)
	healthy.subscribe("1", shipmentUpdatedSubscription, map[string]any{"orderId": f.order})
	start := waitSubscribed(t, s, healthy, f)

	// The stalled client subscribes, then never reads again: its pump is
	// not started, so the server's writes back up in the socket buffers.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stalled, _, err := websocket.Dial(ctx, strings.Replace(s.URL(), "http", "ws", 1)+"/query", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.CloseNow()
	for _, m := range []wsMessage{
		{Type: "connection_init", Payload: mustJSON(map[string]any{"authorization": "Bearer " + tok})},
		{ID: "1", Type: "subscribe", Payload: mustJSON(map[string]any{"query": shipmentUpdatedSubscription, "variables": map[string]any{"orderId": f.order, "after": start}})},
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
			e := event(fmt.Sprintf("s-%d-%d", b, i), "IN_TRANSIT", t0.Add(time.Duration(b*perBatch+i)*time.Second))
			e["message"], e["location"], e["subStatus"] = long, where, where
			evs = append(evs, e)
		}
		s.mustTrack(t, "DHL", f.tracking, evs...)
	}
	for n := 0; n < batches*perBatch; n++ {
		m, err := healthy.readFor("1", 30*time.Second)
		if err != nil || m.Type != "next" {
			t.Fatalf("healthy subscriber stopped after %d of %d updates: %s %v", n, batches*perBatch, m.Type, err)
		}
	}
	t.Logf("healthy subscriber got %d updates in %v beside a stalled one", batches*perBatch, time.Since(begin))

	// Now the stalled client reads again: it gets everything, once, in order.
	ctx, cancel = context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for n := 0; n < batches*perBatch; n++ {
		var m wsMessage
		if err := wsjson.Read(ctx, stalled, &m); err != nil {
			t.Fatalf("stalled subscriber, update %d: %v", n, err)
		}
		switch m.Type {
		case "connection_ack":
			n--
			continue
		case "ping":
			_ = wsjson.Write(ctx, stalled, wsMessage{Type: "pong"})
			n--
			continue
		}
		u := decodeUpdate(t, m)
		if want := t0.Add(time.Duration(n) * time.Second); u.Event == nil || !u.Event.OccurredAt.Equal(want) {
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
func wsjsonReadTimeout(c *websocket.Conn, d time.Duration) (wsMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var m wsMessage
	err := wsjson.Read(ctx, c, &m)
	return m, err
}

// TestSharedRenderOutlivesFirstSubscriber: subscribers of one order with the
// same query share one render per change, through the first one's operation;
// when that first subscriber leaves, the others still get every update, and
// a staff subscriber (another viewer, so another group) gets its own.
func TestSharedRenderOutlivesFirstSubscriber(t *testing.T) {
	s := mustServer(t, "")
	f := s.liveFixture(t, "G1")
	mina := s.token(t, auth.RoleCustomer, "mina@example.com")
	first, second := s.connectWS(t, mina), s.connectWS(t, mina)
	staff := s.connectWS(t, s.token(t, auth.RoleAdmin, ""))
	first.subscribe("1", shipmentUpdatedSubscription, map[string]any{"orderId": f.order})
	waitSubscribed(t, s, first, f) // first's operation renders for the group
	for _, c := range []*wsClient{second, staff} {
		c.subscribe("1", shipmentUpdatedSubscription, map[string]any{"orderId": f.order})
		waitSubscribed(t, s, c, f)
	}
	first.send(wsMessage{ID: "1", Type: "complete"})
	// The connection handles messages in order: once a query sent after
	// the complete is answered, the subscription is cancelled; the hub's
	// leave runs right after, on its own goroutine.
	first.subscribe("q", `{ orders(first: 1) { totalCount } }`, nil)
	for m := first.read(); m.ID != "q" || m.Type != "complete"; m = first.read() {
	}
	time.Sleep(100 * time.Millisecond)

	s.mustTrack(t, "DHL", f.tracking, event("after-first-left", "IN_TRANSIT", t0.Add(2*time.Hour)))
	for _, c := range []*wsClient{second, staff} {
		for { // skip the other subscribers' probes
			if u := c.next("1"); u.Event != nil && u.Event.Message == "Event after-first-left" {
				break
			}
		}
	}
}
