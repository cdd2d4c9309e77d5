package wsproto_test

// Pings, pong deadlines and credential expiry, on a fake clock: the tests
// move time and count pings instead of waiting (real-time timeouts below
// only bound how long a frame that must come may take).

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/graph/wsproto"
)

// waitTimers waits until the fake clock has n pending timers: the
// transport's timer callbacks run on goroutines of their own, and re-arm
// their timer there.
func waitTimers(tb testing.TB, clock *clockwork.FakeClock, n int) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := clock.BlockUntilContext(ctx, n); err != nil {
		tb.Fatalf("waiting for %d pending timers: %v", n, err)
	}
}

// waitConnections waits until the transport tracks n connections.
func waitConnections(tb testing.TB, tr *wsproto.Transport, n int) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for tr.Connections() != n {
		if time.Now().After(deadline) {
			tb.Fatalf("open connections: %d, want %d", tr.Connections(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// silentClient is a websocket client that does only what the test says: it
// never answers a ping or a close frame by itself, like a client that has
// stopped reading.
type silentClient struct {
	tb   testing.TB
	conn net.Conn
	r    io.Reader
}

func dialSilent(tb testing.TB, url string) *silentClient {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, br, _, err := ws.Dialer{Protocols: []string{wsproto.Subprotocol}}.Dial(ctx, url)
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { _ = conn.Close() })
	c := &silentClient{tb: tb, conn: conn, r: conn}
	if br != nil {
		c.r = io.MultiReader(br, conn)
	}
	return c
}

func (c *silentClient) send(msg string) {
	c.tb.Helper()
	if err := wsutil.WriteClientText(c.conn, []byte(msg)); err != nil {
		c.tb.Fatalf("write %s: %v", msg, err)
	}
}

// frame reads the next frame the server sends.
func (c *silentClient) frame() (ws.Frame, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	return ws.ReadFrame(c.r)
}

// expect reads the next frame and checks it is a message of type typ.
func (c *silentClient) expect(typ string) {
	c.tb.Helper()
	f, err := c.frame()
	if err != nil {
		c.tb.Fatalf("waiting for %s: %v", typ, err)
	}
	var m message
	if f.Header.OpCode != ws.OpText || json.Unmarshal(f.Payload, &m) != nil || m.Type != typ {
		c.tb.Fatalf("got frame %v %q, want a %s message", f.Header.OpCode, f.Payload, typ)
	}
}

// expectClose reads the next frame and checks it is a close frame with
// code and reason; the client does not answer it.
func (c *silentClient) expectClose(code ws.StatusCode, reason string) {
	c.tb.Helper()
	f, err := c.frame()
	if err != nil {
		c.tb.Fatalf("waiting for close %d: %v", code, err)
	}
	if f.Header.OpCode != ws.OpClose {
		c.tb.Fatalf("got frame %v %q, want close %d %q", f.Header.OpCode, f.Payload, code, reason)
	}
	if gotCode, gotReason := ws.ParseCloseFrameData(f.Payload); gotCode != code || gotReason != reason {
		c.tb.Fatalf("close %d %q, want %d %q", gotCode, gotReason, code, reason)
	}
}

// expectDropped checks that the server has closed the TCP connection.
func (c *silentClient) expectDropped() {
	c.tb.Helper()
	f, err := c.frame()
	var ne net.Error
	if err == nil || errors.As(err, &ne) && ne.Timeout() {
		c.tb.Fatalf("the connection is still open (frame %v %q, err %v)", f.Header.OpCode, f.Payload, err)
	}
}

// TestAnsweringClientStays: a client that answers every ping keeps its
// connection through many intervals, and it still works.
func TestAnsweringClientStays(t *testing.T) {
	clock := clockwork.NewFakeClock()
	url, _ := newServer(t, serverOptions{clock: clock})
	c := dialSilent(t, url)
	c.send(initMsg)
	c.expect("connection_ack")
	waitTimers(t, clock, 1) // the ping timer; the init timer is stopped
	const interval, timeout = wsproto.DefaultPingInterval, wsproto.DefaultPongTimeout
	clock.Advance(interval)
	for range 5 {
		c.expect("ping")
		c.send(`{"type":"pong"}`)
		c.send(`{"type":"ping"}`)
		c.expect("pong")       // the server has read the pong before this ping
		clock.Advance(timeout) // the pong deadline: answered
		waitTimers(t, clock, 1)
		clock.Advance(interval - timeout) // the next ping
	}
	c.expect("ping")
	c.send(`{"id":"q","type":"subscribe","payload":{"query":"{ name }"}}`)
	c.expect("next")
	c.expect("complete")
}

// TestStalledClientIsDroppedWithinDropAfter plays the worst case of a client
// that stops reading: its last frame is the answer to a ping, a whole
// interval before the next one. It gets exactly one more ping, the close
// frame at that ping's pong deadline, and loses its TCP connection at
// Transport.DropAfter after its last frame, not a tick later and not before:
// within the two ping intervals RELIABILITY.md allows.
func TestStalledClientIsDroppedWithinDropAfter(t *testing.T) {
	clock := clockwork.NewFakeClock()
	var tr *wsproto.Transport
	url, _ := newServer(t, serverOptions{clock: clock, configure: func(w *wsproto.Transport) { tr = w }})
	const interval, timeout = wsproto.DefaultPingInterval, wsproto.DefaultPongTimeout
	grace := tr.DropAfter() - interval - timeout
	if tr.DropAfter() > 2*interval || grace <= 0 {
		t.Fatalf("DropAfter %v: want within 2 × %v, with a positive close grace", tr.DropAfter(), interval)
	}

	c := dialSilent(t, url)
	c.send(initMsg)
	c.expect("connection_ack")
	waitTimers(t, clock, 1)
	clock.Advance(interval)
	c.expect("ping")
	c.send(`{"type":"pong"}`) // its last answer
	c.send(`{"type":"ping"}`)
	c.expect("pong")
	last := clock.Now()
	clock.Advance(timeout)
	waitTimers(t, clock, 1) // answered in time: the next ping is due

	// From here on the client answers nothing.
	clock.Advance(interval - timeout)
	c.expect("ping")
	clock.Advance(timeout - time.Nanosecond)
	if n := tr.Connections(); n != 1 {
		t.Fatalf("closed before the pong deadline (%d connections)", n)
	}
	clock.Advance(time.Nanosecond)
	c.expectClose(ws.StatusGoingAway, "no pong") // the only frame after the ping
	clock.Advance(grace - time.Nanosecond)
	if n := tr.Connections(); n != 1 {
		t.Fatalf("dropped before the close grace ran out (%d connections)", n)
	}
	clock.Advance(time.Nanosecond)
	c.expectDropped()
	waitConnections(t, tr, 0)
	if got := clock.Since(last); got != tr.DropAfter() {
		t.Fatalf("dropped %v after its last frame, want DropAfter %v", got, tr.DropAfter())
	}
}

// TestPongTimeoutIsCappedByInterval: a pong timeout longer than the interval
// would let the next ping come before the deadline; it is cut to the
// interval.
func TestPongTimeoutIsCappedByInterval(t *testing.T) {
	tr := &wsproto.Transport{PingInterval: time.Second, PongTimeout: time.Minute}
	if got := tr.DropAfter() - (&wsproto.Transport{PingInterval: time.Second, PongTimeout: time.Second}).DropAfter(); got != 0 {
		t.Fatalf("a pong timeout over the interval adds %v", got)
	}
	if d := (&wsproto.Transport{}).DropAfter(); d != 27*time.Second {
		t.Fatalf("DropAfter with the defaults = %v, want 27s", d)
	}
}

// expiringInit is a connection_init whose credential expires at exp.
func expiringInit(exp time.Time) string {
	return `{"type":"connection_init","payload":{"expiresAt":"` + exp.Format(time.RFC3339Nano) + `"}}`
}

// expectOnlyClose checks that the next thing on the connection is its close,
// with code and reason: no message before it.
func (c *client) expectOnlyClose(code websocket.StatusCode, reason string) {
	c.tb.Helper()
	m, err := c.read()
	if err == nil {
		c.tb.Fatalf("got %s %q %s, want close %d %q and nothing before it", m.Type, m.ID, m.Payload, code, reason)
	}
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != code || ce.Reason != reason {
		c.tb.Fatalf("got %v, want close %d %q", err, code, reason)
	}
}

// lateClock is a fake clock whose timers fire a day late: it plays a
// credential that expires before the transport's timer has run.
type lateClock struct{ *clockwork.FakeClock }

func (c lateClock) AfterFunc(d time.Duration, f func()) clockwork.Timer {
	return lateTimer{c.FakeClock.AfterFunc(d+24*time.Hour, f)}
}

type lateTimer struct{ clockwork.Timer }

func (t lateTimer) Reset(d time.Duration) bool { return t.Timer.Reset(d + 24*time.Hour) }

// TestCredentialExpiry: the connection closes with 4403 "Forbidden: token
// expired" when the credential of its connection_init expires, and nothing
// else tells the client: no complete, no error, no answer to a subscribe
// that comes after it.
func TestCredentialExpiry(t *testing.T) {
	const day = 24 * time.Hour // pings out of the way
	t.Run("open subscriptions end with the connection", func(t *testing.T) {
		clock := clockwork.NewFakeClock()
		url, h := newServer(t, serverOptions{clock: clock, pingInterval: day})
		c := dial(t, url)
		c.send(expiringInit(clock.Now().Add(time.Hour)))
		c.expect("connection_ack", "")
		c.subscribe("1")
		c.subscribe("2")
		h.WaitActive(t, 2)
		waitTimers(t, clock, 2) // the ping and the expiry
		clock.Advance(time.Hour - time.Nanosecond)
		h.Publish("a")
		ids := map[string]bool{}
		for range 2 {
			m, err := c.read()
			if err != nil || m.Type != "next" {
				t.Fatalf("before expiry: %+v %v, want next", m, err)
			}
			expectTick(t, m, "a")
			ids[m.ID] = true
		}
		if !ids["1"] || !ids["2"] {
			t.Fatalf("before expiry: updates for %v, want 1 and 2", ids)
		}
		clock.Advance(time.Nanosecond)
		c.expectOnlyClose(wsproto.CloseForbidden, wsproto.ExpiredReason)
		h.WaitActive(t, 0)
	})
	t.Run("expired at connection_init", func(t *testing.T) {
		clock := clockwork.NewFakeClock()
		url, _ := newServer(t, serverOptions{clock: clock, pingInterval: day})
		c := dial(t, url)
		c.send(expiringInit(clock.Now()))
		c.expectOnlyClose(wsproto.CloseForbidden, wsproto.ExpiredReason)
	})
	t.Run("subscribe after expiry, before the timer has run", func(t *testing.T) {
		clock := lateClock{clockwork.NewFakeClock()}
		url, h := newServer(t, serverOptions{clock: clock, pingInterval: day})
		c := dial(t, url)
		c.send(expiringInit(clock.Now().Add(time.Hour)))
		c.expect("connection_ack", "")
		c.subscribe("1")
		h.WaitStarted(t, 1)
		clock.Advance(time.Hour) // no timer fires
		c.subscribe("2")
		c.expectOnlyClose(wsproto.CloseForbidden, wsproto.ExpiredReason)
		h.WaitActive(t, 0)
		h.WaitStarted(t, 1) // "2" never ran
	})
	t.Run("a stream the server ends after expiry", func(t *testing.T) {
		clock := lateClock{clockwork.NewFakeClock()}
		url, h := newServer(t, serverOptions{clock: clock, pingInterval: day})
		c := dial(t, url)
		c.send(expiringInit(clock.Now().Add(time.Hour)))
		c.expect("connection_ack", "")
		c.subscribe("1")
		h.WaitActive(t, 1)
		clock.Advance(time.Hour)
		h.EndAll() // as a service ending its streams at expiry does
		c.expectOnlyClose(wsproto.CloseForbidden, wsproto.ExpiredReason)
	})
	t.Run("no expiry, no close", func(t *testing.T) {
		clock := clockwork.NewFakeClock()
		url, h := newServer(t, serverOptions{clock: clock, pingInterval: day})
		c := dial(t, url)
		c.handshake()
		c.subscribe("1")
		h.WaitActive(t, 1)
		waitTimers(t, clock, 1) // the ping timer only
		clock.Advance(day - time.Nanosecond)
		h.Publish("a")
		expectTick(t, c.expect("next", "1"), "a")
	})
}
