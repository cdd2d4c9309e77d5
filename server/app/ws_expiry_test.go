package app_test

// Token expiry on open websockets and the drop of clients that stop
// reading, on the real server with a fake clock (Config.Clock): the tests
// move time instead of waiting for it.

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/graph"
	"github.com/aftercart/aftercart/graph/wsproto"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// expectOnlyClose checks that the next thing on the socket is its close,
// with code and reason: no message before it.
func expectOnlyClose(c *testserver.WSClient, code websocket.StatusCode, reason string) {
	c.T.Helper()
	m, err := c.TryRead(10 * time.Second)
	if err == nil {
		c.T.Fatalf("got %s %q %s, want close %d %q and nothing before it", m.Type, m.ID, m.Payload, code, reason)
	}
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != code || ce.Reason != reason {
		c.T.Fatalf("got %v, want close %d %q", err, code, reason)
	}
}

// expiresAt is when tok stops being valid.
func (s *testServer) expiresAt(t testing.TB, tok string) time.Time {
	t.Helper()
	v, err := s.Issuer.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	return v.ExpiresAt
}

// TestShipmentUpdatedTokenExpiry: when the token expires, the server closes
// the socket with 4403 "Forbidden: token expired", with no complete or error
// before it (either could pass for "no more updates"). The expired token
// opens no new socket; a fresh one and the last cursor resume the stream
// with what committed meanwhile, which is what graphql-ws clients do on
// 4403 when connectionParams fetches a fresh token.
func TestShipmentUpdatedTokenExpiry(t *testing.T) {
	clock := clockwork.NewFakeClock()
	s := mustServer(t, "", func(c *app.Config) { c.Clock = clock })
	f := s.LiveFixture(t, "L4")
	tok, err := s.Issuer.Issue(auth.RoleCustomer, "mina@example.com", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c := s.ConnectWS(t, tok)
	c.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order})
	s.WaitSubscribed(t, c, f)

	// Up to the last moment the stream runs.
	clock.Advance(clock.Until(s.expiresAt(t, tok)) - time.Nanosecond)
	s.MustTrack(t, "DHL", f.Tracking, testserver.Event("before-expiry", "IN_TRANSIT", testserver.T0.Add(time.Hour)))
	u := c.Next("1")
	if u.Event == nil || u.Event.Message != "Event before-expiry" {
		t.Fatalf("before expiry: %+v", u)
	}
	clock.Advance(time.Nanosecond)
	expectOnlyClose(c, wsproto.CloseForbidden, wsproto.ExpiredReason)

	// The same token cannot open another socket.
	again := s.DialWS(t)
	again.Send(testserver.WSMessage{Type: "connection_init", Payload: testserver.MustJSON(map[string]any{"authorization": "Bearer " + tok})})
	expectOnlyClose(again, wsproto.CloseForbidden, wsproto.ExpiredReason)

	// What commits while the client gets a fresh token is not lost.
	s.MustTrack(t, "DHL", f.Tracking, testserver.Event("while-away", "OUT_FOR_DELIVERY", testserver.T0.Add(2*time.Hour)))
	fresh, err := s.Issuer.Issue(auth.RoleCustomer, "mina@example.com", 3*time.Hour) // the clock has moved an hour on
	if err != nil {
		t.Fatal(err)
	}
	c = s.ConnectWS(t, fresh)
	c.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order, "after": u.Cursor})
	if u := c.Next("1"); u.Event == nil || u.Event.Message != "Event while-away" {
		t.Fatalf("after a fresh token: %+v", u)
	}
}

// expiryTarget is a live.Target outside any transport: it records how the
// feed ends the stream.
type expiryTarget struct {
	ctx   context.Context
	start func(render func() ([]byte, error))
	ended chan error
}

func (e *expiryTarget) Accept(start func(render func() ([]byte, error))) { e.start = start }
func (e *expiryTarget) Context() context.Context                         { return e.ctx }
func (e *expiryTarget) Key(viewer, _ string) string                      { return viewer }
func (e *expiryTarget) Send([]byte) bool                                 { return true }
func (e *expiryTarget) Backlogged() bool                                 { return false }
func (e *expiryTarget) OnDrained(func())                                 {}
func (e *expiryTarget) End(err error)                                    { e.ended <- err }

// TestLiveFeedEndsExpiredStreamsWithAnError: the stream engine itself,
// whatever the transport, ends a stream at its token's expiry with an
// UNAUTHENTICATED error, never a complete, and refuses a viewer whose token
// has already expired.
func TestLiveFeedEndsExpiredStreamsWithAnError(t *testing.T) {
	clock := clockwork.NewFakeClock()
	s := mustServer(t, "", func(c *app.Config) { c.Clock = clock })
	f := s.LiveFixture(t, "L5")
	orderID, err := strconv.Atoi(f.Order)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tok := s.Token(t, auth.RoleCustomer, "mina@example.com")
	v, err := s.Issuer.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if err := graph.NewViewerCache(s.DB.Client).Resolve(ctx, v); err != nil {
		t.Fatal(err)
	}
	target := &expiryTarget{ctx: ctx, ended: make(chan error, 1)}
	if _, err := s.Shipments.Subscribe(auth.NewContext(ctx, v), orderID, nil, target, ""); err != nil {
		t.Fatal(err)
	}
	target.start(func() ([]byte, error) { return []byte(`{}`), nil })
	waitTimers(t, clock, 1) // the member's expiry
	clock.Advance(clock.Until(v.ExpiresAt))
	select {
	case err := <-target.ended:
		if e, ok := errs.As(err); !ok || e.Code != errs.Unauthenticated {
			t.Fatalf("ended with %v, want an UNAUTHENTICATED error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end at expiry")
	}

	// Now that it has expired, subscribing again is refused.
	_, err = s.Shipments.Subscribe(auth.NewContext(ctx, v), orderID, nil, &expiryTarget{ctx: ctx}, "")
	if e, ok := errs.As(err); !ok || e.Code != errs.Unauthenticated {
		t.Fatalf("subscribing with an expired token: %v, want UNAUTHENTICATED", err)
	}
}

// waitTimers waits until the fake clock has n pending timers.
func waitTimers(t testing.TB, clock *clockwork.FakeClock, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := clock.BlockUntilContext(ctx, n); err != nil {
		t.Fatalf("waiting for %d pending timers: %v", n, err)
	}
}

// TestStalledClientDroppedWithin30s keeps the README's promise on the real
// server: a client that stops reading, in the worst case (its last frame
// answers a ping, a whole interval before the next), gets one more ping,
// a close (1001) at that ping's pong deadline, and loses its TCP
// connection within 30 s of its last frame (2 × the ping interval,
// RELIABILITY.md). The client is anonymous, so no expiry timer runs.
func TestStalledClientDroppedWithin30s(t *testing.T) {
	clock := clockwork.NewFakeClock()
	s := mustServer(t, "", func(c *app.Config) { c.Clock = clock })
	const interval, timeout = graph.WSPingInterval, graph.WSPongTimeout
	bound := (&wsproto.Transport{PingInterval: interval, PongTimeout: timeout}).DropAfter()
	if bound > 30*time.Second || bound > 2*interval {
		t.Fatalf("the server drops a stalled client after up to %v; the README promises 30 s", bound)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc, br, _, err := ws.Dialer{Protocols: []string{wsproto.Subprotocol}}.Dial(ctx, strings.Replace(s.URL(), "http", "ws", 1)+"/query")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	var r io.Reader = nc
	if br != nil {
		r = io.MultiReader(br, nc)
	}
	send := func(msg string) {
		t.Helper()
		if err := wsutil.WriteClientText(nc, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(want string) ws.Frame {
		t.Helper()
		_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		f, err := ws.ReadFrame(r)
		if err != nil || !strings.Contains(string(f.Payload), want) {
			t.Fatalf("want a frame with %s, got %q %v", want, f.Payload, err)
		}
		return f
	}

	send(`{"type":"connection_init"}`)
	expect(`"connection_ack"`)
	waitTimers(t, clock, 1) // the ping timer
	clock.Advance(interval)
	expect(`"ping"`)
	send(`{"type":"pong"}`) // its last answer
	send(`{"type":"ping"}`)
	expect(`"pong"`) // the server has read the pong
	last := clock.Now()
	clock.Advance(timeout)
	waitTimers(t, clock, 1) // answered: the next ping is due

	// It stops reading: the frames below only reach its socket buffer.
	clock.Advance(interval - timeout)
	expect(`"ping"`)
	clock.Advance(timeout)
	if f := expect("no pong"); f.Header.OpCode != ws.OpClose {
		t.Fatalf("want the close frame, got %v", f.Header.OpCode)
	}
	clock.Advance(bound - (clock.Since(last)))
	_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := ws.ReadFrame(r); err == nil || isTimeout(err) {
		t.Fatalf("the connection is still open %v after the client's last frame (%v)", clock.Since(last), err)
	}
	t.Logf("a client that stopped reading was dropped %v after its last frame", clock.Since(last))
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
