package wsproto_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/aftercart/aftercart/graph/wsproto"
)

// initTimeout is the transport's connection_init timeout in these tests.
const initTimeout = 300 * time.Millisecond

// hub is the tests' subscription source: every running `tick` subscription
// has a channel here until its resolver context is cancelled, so Active()
// tells whether gqlgen really stopped an operation.
type hub struct {
	mu   sync.Mutex
	seq  int
	subs map[int]chan string
}

func (h *hub) exec(ctx context.Context) graphql.ResponseHandler {
	switch graphql.GetOperationContext(ctx).Operation.Operation {
	case ast.Subscription:
		ch := make(chan string, 16)
		h.mu.Lock()
		h.seq++
		id := h.seq
		h.subs[id] = ch
		h.mu.Unlock()
		context.AfterFunc(ctx, func() {
			h.mu.Lock()
			delete(h.subs, id)
			h.mu.Unlock()
		})
		return func(context.Context) *graphql.Response {
			select {
			case <-ctx.Done():
				return nil
			case v, ok := <-ch:
				if !ok {
					return nil
				}
				data, _ := json.Marshal(map[string]string{"tick": v})
				return &graphql.Response{Data: data}
			}
		}
	default:
		return graphql.OneShot(&graphql.Response{Data: json.RawMessage(`{"name":"test"}`)})
	}
}

// Publish sends v to every running subscription.
func (h *hub) Publish(v string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ch := range h.subs {
		ch <- v
	}
}

// EndAll ends every running subscription from the server side.
func (h *hub) EndAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, ch := range h.subs {
		close(ch)
		delete(h.subs, id)
	}
}

func (h *hub) Active() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// WaitStarted waits until n subscriptions have started in total. Cancelled
// ones leave Active asynchronously, so a count alone cannot tell an old
// operation from a new one.
func (h *hub) WaitStarted(tb testing.TB, n int) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		h.mu.Lock()
		seq := h.seq
		h.mu.Unlock()
		if seq == n {
			return
		}
		if seq > n || time.Now().After(deadline) {
			tb.Fatalf("started subscriptions: got %d, want %d", seq, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// WaitActive waits until exactly n subscriptions run.
func (h *hub) WaitActive(tb testing.TB, n int) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.Active() != n {
		if time.Now().After(deadline) {
			tb.Fatalf("active subscriptions: got %d, want %d", h.Active(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

var schema = gqlparser.MustLoadSchema(&ast.Source{Input: `
	type Query { name: String! }
	type Subscription { tick: String! }
`})

type serverOptions struct {
	maxSubscriptions int
	pingInterval     time.Duration
	onOpen           func()
	onClose          func(code int, open time.Duration)
}

// newServer starts gqlgen with the transport, wired as production wires it,
// and returns its ws:// URL.
func newServer(tb testing.TB, opts serverOptions) (string, *hub) {
	tb.Helper()
	h := &hub{subs: map[int]chan string{}}
	srv := handler.New(&graphql.ExecutableSchemaMock{
		ExecFunc:   h.exec,
		SchemaFunc: func() *ast.Schema { return schema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
			return 1, true
		},
	})
	ws := &wsproto.Transport{
		InitTimeout:      initTimeout,
		PingInterval:     opts.pingInterval,
		MaxSubscriptions: opts.maxSubscriptions,
		OnOpen:           opts.onOpen,
		OnClose:          opts.onClose,
		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, error) {
			if p.GetString("token") == "bad" {
				return nil, errors.New("invalid token")
			}
			return ctx, nil
		},
	}
	srv.AddTransport(ws)
	ts := httptest.NewServer(srv)
	tb.Cleanup(func() {
		ts.Close()
		ws.Close()
	})
	return "ws" + strings.TrimPrefix(ts.URL, "http"), h
}

type message struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

type client struct {
	tb   testing.TB
	conn *websocket.Conn
	// noPong makes the client ignore the server's pings, like a client
	// that stopped reading.
	noPong bool
}

func dial(tb testing.TB, url string) *client {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{wsproto.Subprotocol}})
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { _ = c.CloseNow() })
	return &client{tb: tb, conn: c}
}

func (c *client) send(raw string) {
	c.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(raw)); err != nil {
		c.tb.Fatalf("write %s: %v", raw, err)
	}
}

// read returns the next message, answering the server's pings on the way.
// coder/websocket closes the connection when a read times out, so this is
// only for messages that must come.
func (c *client) read() (message, error) {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, data, err := c.conn.Read(ctx)
		cancel()
		if err != nil {
			return message{}, err
		}
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			c.tb.Fatalf("server sent invalid JSON %s: %v", data, err)
		}
		if m.Type == "ping" && !c.noPong {
			c.send(`{"type":"pong"}`)
			continue
		}
		return m, nil
	}
}

func (c *client) expect(typ, id string) message {
	c.tb.Helper()
	m, err := c.read()
	if err != nil {
		c.tb.Fatalf("waiting for %s %q: %v", typ, id, err)
	}
	if m.Type != typ || m.ID != id {
		c.tb.Fatalf("got %s %q (payload %s), want %s %q", m.Type, m.ID, m.Payload, typ, id)
	}
	return m
}

// expectClose reads until the connection closes and checks the close frame;
// messages before it (an ack, say) are skipped.
func (c *client) expectClose(code websocket.StatusCode, reason string) {
	c.tb.Helper()
	for {
		m, err := c.read()
		if err == nil {
			c.tb.Logf("before close: %s %q %s", m.Type, m.ID, m.Payload)
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			c.tb.Fatalf("want close %d %q, got %v", code, reason, err)
		}
		if ce.Code != code || ce.Reason != reason {
			c.tb.Fatalf("close: got %d %q, want %d %q", ce.Code, ce.Reason, code, reason)
		}
		return
	}
}

func (c *client) handshake() {
	c.tb.Helper()
	c.send(`{"type":"connection_init","payload":{"token":"good"}}`)
	c.expect("connection_ack", "")
}

func (c *client) subscribe(id string) {
	c.tb.Helper()
	c.send(`{"id":"` + id + `","type":"subscribe","payload":{"query":"subscription { tick }"}}`)
}

func (c *client) complete(id string) {
	c.tb.Helper()
	c.send(`{"id":"` + id + `","type":"complete"}`)
}

func expectTick(tb testing.TB, m message, want string) {
	tb.Helper()
	var p struct {
		Data struct{ Tick string } `json:"data"`
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || p.Data.Tick != want {
		tb.Fatalf("next payload %s: want tick %q", m.Payload, want)
	}
}

const (
	initMsg      = `{"type":"connection_init"}`
	subscribeMsg = `{"id":"1","type":"subscribe","payload":{"query":"subscription { tick }"}}`
)

func TestProtocolViolationsClose(t *testing.T) {
	tests := []struct {
		name      string
		handshake bool // complete connection_init/ack before sending frames
		frames    []string
		code      websocket.StatusCode
		reason    string
	}{
		{"no init within the timeout", false, nil, 4408, "Connection initialisation timeout"},
		{"ping does not count as init", false, []string{`{"type":"ping"}`}, 4408, "Connection initialisation timeout"},
		{"second init", true, []string{initMsg}, 4429, "Too many initialisation requests"},
		{"second init before the ack", false, []string{initMsg, initMsg}, 4429, "Too many initialisation requests"},
		{"subscribe before init", false, []string{subscribeMsg}, 4401, "Unauthorized"},
		{"subscribe with an active id", true, []string{subscribeMsg, subscribeMsg}, 4409, "Subscriber for 1 already exists"},
		{"rejected token", false, []string{`{"type":"connection_init","payload":{"token":"bad"}}`}, 4403, "Forbidden"},
		{"malformed JSON", true, []string{`{"type":"subscribe",`}, 4400, "Invalid message received"},
		{"malformed JSON before init", false, []string{`not json`}, 4400, "Invalid message received"},
		{"trailing data", true, []string{`{"type":"ping"} {}`}, 4400, "Invalid message received"},
		{"not an object", true, []string{`["ping"]`}, 4400, "Invalid message received"},
		{"missing type", true, []string{`{"id":"1"}`}, 4400, "Invalid message received: missing type"},
		{"unknown type", true, []string{`{"type":"start","id":"1"}`}, 4400, `Unexpected message of type "start" received`},
		{"server-only type", true, []string{`{"type":"next","id":"1"}`}, 4400, `Unexpected message of type "next" received`},
		{"subscribe without id", true, []string{`{"type":"subscribe","payload":{"query":"{ name }"}}`}, 4400, "Invalid message received: subscribe without id"},
		{"complete without id", true, []string{`{"type":"complete"}`}, 4400, "Invalid message received: complete without id"},
		{"numeric id", true, []string{`{"type":"subscribe","id":1,"payload":{"query":"{ name }"}}`}, 4400, "Invalid message received"},
		{"init payload not an object", false, []string{`{"type":"connection_init","payload":"token"}`}, 4400, "Invalid message received: payload must be an object"},
		{"long id is cut to fit the close frame", true, []string{
			`{"id":"` + strings.Repeat("é", 100) + `","type":"subscribe","payload":{"query":"subscription { tick }"}}`,
			`{"id":"` + strings.Repeat("é", 100) + `","type":"subscribe","payload":{"query":"subscription { tick }"}}`,
		}, 4409, "Subscriber for " + strings.Repeat("é", 54)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, h := newServer(t, serverOptions{})
			base := runtime.NumGoroutine()
			c := dial(t, url)
			if tt.handshake {
				c.handshake()
			}
			start := time.Now()
			for _, f := range tt.frames {
				c.send(f)
			}
			c.expectClose(tt.code, tt.reason)
			if tt.code == 4408 && time.Since(start) > 3*time.Second {
				t.Errorf("4408 after %v: the %v timeout did not fire", time.Since(start), initTimeout)
			}
			h.WaitActive(t, 0)
			_ = c.conn.CloseNow()
			settleGoroutines(t, base)
		})
	}
}

// TestDuplicateIDDoesNotLeak checks the bug of gqlgen's own transport that
// this one must not have: a second subscribe with an active id overwrote the
// first operation's cancel func and left it running for the connection's life.
func TestDuplicateIDDoesNotLeak(t *testing.T) {
	url, h := newServer(t, serverOptions{})
	base := runtime.NumGoroutine()

	c := dial(t, url)
	c.handshake()
	c.subscribe("1")
	h.WaitActive(t, 1)
	h.Publish("a")
	expectTick(t, c.expect("next", "1"), "a")
	c.subscribe("1")
	c.expectClose(4409, "Subscriber for 1 already exists")

	h.WaitActive(t, 0) // the first operation's resolver context was cancelled
	_ = c.conn.CloseNow()
	settleGoroutines(t, base)
}

func TestRejectedTokenGetsNoAck(t *testing.T) {
	url, _ := newServer(t, serverOptions{})
	c := dial(t, url)
	c.send(`{"type":"connection_init","payload":{"token":"bad"}}`)
	m, err := c.read()
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != wsproto.CloseForbidden {
		t.Fatalf("got message %+v, err %v; want close 4403 and nothing before it", m, err)
	}
}

func TestPingPong(t *testing.T) {
	tests := []struct {
		name      string
		handshake bool
	}{
		{"before init", false},
		{"after ack", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, _ := newServer(t, serverOptions{})
			c := dial(t, url)
			if tt.handshake {
				c.handshake()
			}
			c.send(`{"type":"ping","payload":{"seq":7}}`)
			if m := c.expect("pong", ""); string(m.Payload) != `{"seq":7}` {
				t.Errorf("pong payload %s, want the ping's", m.Payload)
			}
			c.send(`{"type":"pong"}`) // unsolicited pongs are allowed
			if !tt.handshake {
				c.handshake() // the connection still works
			}
			c.send(`{"id":"q","type":"subscribe","payload":{"query":"{ name }"}}`)
			c.expect("next", "q")
			c.expect("complete", "q")
		})
	}
}

// TestServerPings checks the server's pings: a client that answers stays,
// one that does not is dropped after about two intervals.
func TestServerPings(t *testing.T) {
	// Long enough for a loaded CI machine to answer a ping within one interval.
	const interval = 250 * time.Millisecond
	url, _ := newServer(t, serverOptions{pingInterval: interval})

	t.Run("answering client stays", func(t *testing.T) {
		c := dial(t, url)
		c.noPong = true
		c.handshake()
		for range 5 {
			c.expect("ping", "")
			c.send(`{"type":"pong"}`)
		}
		c.send(`{"id":"q","type":"subscribe","payload":{"query":"{ name }"}}`)
		c.noPong = false
		c.expect("next", "q")
		c.expect("complete", "q")
	})
	t.Run("silent client is dropped", func(t *testing.T) {
		// Counting pings instead of timing: a client that answers
		// nothing gets exactly one ping, and the next tick closes the
		// connection, two intervals after its last frame at most.
		c := dial(t, url)
		c.noPong = true
		c.handshake()
		pings := 0
		for {
			m, err := c.read()
			if err != nil {
				var ce websocket.CloseError
				if !errors.As(err, &ce) || ce.Code != websocket.StatusGoingAway {
					t.Fatalf("want close 1001, got %v", err)
				}
				break
			}
			if m.Type != "ping" {
				t.Fatalf("unexpected %s", m.Type)
			}
			pings++
		}
		if pings != 1 {
			t.Errorf("dropped after %d unanswered pings, want 1", pings)
		}
	})
}

func TestMaxSubscriptions(t *testing.T) {
	url, h := newServer(t, serverOptions{maxSubscriptions: 2})
	c := dial(t, url)
	c.handshake()
	c.subscribe("a")
	c.subscribe("b")
	c.subscribe("c")
	m := c.expect("error", "c")
	var errs []struct {
		Message    string
		Extensions struct{ Code string }
	}
	if err := json.Unmarshal(m.Payload, &errs); err != nil || len(errs) != 1 || errs[0].Extensions.Code != wsproto.ThrottledCode {
		t.Fatalf("error payload %s, want one error with code %s", m.Payload, wsproto.ThrottledCode)
	}

	h.WaitActive(t, 2)
	h.Publish("x")
	got := map[string]bool{}
	for range 2 {
		m, err := c.read()
		if err != nil || m.Type != "next" {
			t.Fatalf("got %+v, %v; want next for a and b", m, err)
		}
		expectTick(t, m, "x")
		got[m.ID] = true
	}
	if !got["a"] || !got["b"] {
		t.Fatalf("next went to %v, want a and b", got)
	}

	// Completing one frees its slot at once, and the throttled id is free.
	c.complete("a")
	c.subscribe("c")
	h.WaitStarted(t, 3)
	h.WaitActive(t, 2)
	h.Publish("y")
	got = map[string]bool{}
	for range 2 {
		m, err := c.read()
		if err != nil || m.Type != "next" {
			t.Fatalf("got %+v, %v; want next for b and c", m, err)
		}
		got[m.ID] = true
	}
	if !got["b"] || !got["c"] {
		t.Fatalf("next went to %v, want b and c", got)
	}
}

func TestSubscriptionFlow(t *testing.T) {
	url, h := newServer(t, serverOptions{})
	c := dial(t, url)
	c.handshake()

	// A query over the socket: one next, then complete.
	c.send(`{"id":"q1","type":"subscribe","payload":{"query":"{ name }"}}`)
	if m := c.expect("next", "q1"); !strings.Contains(string(m.Payload), `"name":"test"`) {
		t.Fatalf("query result %s", m.Payload)
	}
	c.expect("complete", "q1")

	// A subscription the server ends.
	c.subscribe("s1")
	h.WaitActive(t, 1)
	h.Publish("a")
	expectTick(t, c.expect("next", "s1"), "a")
	h.EndAll()
	c.expect("complete", "s1")
	h.WaitActive(t, 0)

	// A subscription the client ends: no "complete" follows (PROTOCOL.md:
	// nothing more about it after the client's).
	c.subscribe("s2")
	h.WaitActive(t, 1)
	c.complete("s2")
	h.WaitActive(t, 0)
	time.Sleep(50 * time.Millisecond) // room for a wrong late complete
	c.send(`{"type":"ping"}`)
	c.expect("pong", "")

	// The id is free again, and the new operation can be stopped.
	c.subscribe("s2")
	h.WaitActive(t, 1)
	h.Publish("b")
	expectTick(t, c.expect("next", "s2"), "b")
	c.complete("s2")
	h.WaitActive(t, 0)

	// A complete for an unknown id is ignored.
	c.complete("nope")
	c.send(`{"type":"ping"}`)
	c.expect("pong", "")

	// Invalid operations end with an error for that id only.
	c.send(`{"id":"bad","type":"subscribe","payload":{"query":"subscription { nope }"}}`)
	m, err := c.read()
	if err != nil || m.ID != "bad" || (m.Type != "error" && m.Type != "next") {
		t.Fatalf("got %+v, %v; want an error result for bad", m, err)
	}
	c.subscribe("bad") // it ended: the id can be used again
	h.WaitActive(t, 1)

	if err := c.conn.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatalf("close: %v", err)
	}
	h.WaitActive(t, 0)
}

// TestIDReuseRace reuses one id as fast as the client can: subscribe,
// complete, subscribe: a late cleanup of an earlier operation must never
// remove the new one.
func TestIDReuseRace(t *testing.T) {
	url, h := newServer(t, serverOptions{})
	c := dial(t, url)
	c.handshake()
	for range 50 {
		c.subscribe("x")
		c.complete("x")
	}
	c.subscribe("x")
	h.WaitStarted(t, 51)
	h.WaitActive(t, 1)
	h.Publish("z")
	expectTick(t, c.expect("next", "x"), "z")
	c.complete("x")
	h.WaitActive(t, 0)
}

func TestLegacySubprotocolRefused(t *testing.T) {
	url, _ := newServer(t, serverOptions{})
	tests := []struct {
		name         string
		subprotocols []string
		wantStatus   int
	}{
		{"graphql-ws only", []string{"graphql-ws"}, http.StatusBadRequest},
		{"no subprotocol", nil, http.StatusBadRequest},
		{"both, legacy first", []string{"graphql-ws", "graphql-transport-ws"}, http.StatusSwitchingProtocols},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: tt.subprotocols})
			if resp == nil {
				t.Fatalf("dial: %v", err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if c != nil {
				defer c.CloseNow()
				if c.Subprotocol() != wsproto.Subprotocol {
					t.Fatalf("negotiated %q", c.Subprotocol())
				}
			}
		})
	}
}

// TestNoGoroutineLeak runs many short connections and checks that nothing
// stays behind: not the reader, worker or flusher goroutines, not a timer,
// not a subscription.
func TestNoGoroutineLeak(t *testing.T) {
	url, h := newServer(t, serverOptions{})
	cycle := func() {
		c := dial(t, url)
		c.handshake()
		c.subscribe("1")
		h.WaitActive(t, 1)
		h.Publish("a")
		expectTick(t, c.expect("next", "1"), "a")
		c.complete("1")
		h.WaitActive(t, 0)
		if err := c.conn.Close(websocket.StatusNormalClosure, ""); err != nil {
			t.Fatalf("close: %v", err)
		}
	}
	cycle() // warm up lazily started goroutines
	base := runtime.NumGoroutine()
	for range 200 {
		cycle()
	}
	settleGoroutines(t, base)
}

func settleGoroutines(tb testing.TB, base int) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			tb.Fatalf("%d goroutines, want at most %d:\n%s", n, base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}
