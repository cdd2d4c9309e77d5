package wsproto_test

// The tests' server (gqlgen with the transport and a tick subscription),
// and a websocket client that speaks graphql-transport-ws.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/jonboulle/clockwork"
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
	// changed is closed (and replaced) whenever seq or subs change, so
	// waiters wake on the change itself instead of polling.
	changed chan struct{}
}

// changedLocked wakes every waiter; h.mu must be held.
func (h *hub) changedLocked() {
	if h.changed != nil {
		close(h.changed)
	}
	h.changed = make(chan struct{})
}

// waitFor waits until cond, read under h.mu, holds; it fails the test after
// 5 s with what describe says.
func (h *hub) waitFor(tb testing.TB, cond func() bool, describe func() string) {
	tb.Helper()
	timeout := time.NewTimer(5 * time.Second)
	defer timeout.Stop()
	for {
		h.mu.Lock()
		if cond() {
			h.mu.Unlock()
			return
		}
		if h.changed == nil {
			h.changed = make(chan struct{})
		}
		changed := h.changed
		h.mu.Unlock()
		select {
		case <-changed:
		case <-timeout.C:
			h.mu.Lock()
			msg := describe()
			h.mu.Unlock()
			tb.Fatal(msg)
		}
	}
}

func (h *hub) exec(ctx context.Context) graphql.ResponseHandler {
	switch graphql.GetOperationContext(ctx).Operation.Operation {
	case ast.Subscription:
		ch := make(chan string, 16)
		h.mu.Lock()
		h.seq++
		id := h.seq
		h.subs[id] = ch
		h.changedLocked()
		h.mu.Unlock()
		context.AfterFunc(ctx, func() {
			h.mu.Lock()
			delete(h.subs, id)
			h.changedLocked()
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
	h.changedLocked()
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
	h.waitFor(tb, func() bool { return h.seq >= n },
		func() string { return fmt.Sprintf("started subscriptions: got %d, want %d", h.seq, n) })
	h.mu.Lock()
	seq := h.seq
	h.mu.Unlock()
	if seq != n {
		tb.Fatalf("started subscriptions: got %d, want %d", seq, n)
	}
}

// WaitActive waits until exactly n subscriptions run.
func (h *hub) WaitActive(tb testing.TB, n int) {
	tb.Helper()
	h.waitFor(tb, func() bool { return len(h.subs) == n },
		func() string { return fmt.Sprintf("active subscriptions: got %d, want %d", len(h.subs), n) })
}

var schema = gqlparser.MustLoadSchema(&ast.Source{Input: `
	type Query { name: String! }
	type Subscription { tick: String! }
`})

type serverOptions struct {
	maxSubscriptions int
	pingInterval     time.Duration
	// clock is the transport's Clock (nil: the real one).
	clock clockwork.Clock
	// configure, if set, sees the transport before it serves.
	configure func(*wsproto.Transport)
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
		Clock:            opts.clock,
		// The payload's "expiresAt" (RFC 3339) is the credential's expiry.
		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, error) {
			if p.GetString("token") == "bad" {
				return nil, errors.New("invalid token")
			}
			if s := p.GetString("expiresAt"); s != "" {
				at, err := time.Parse(time.RFC3339Nano, s)
				if err != nil {
					return nil, err
				}
				ctx = wsproto.WithExpiry(ctx, at)
			}
			return ctx, nil
		},
	}
	if opts.configure != nil {
		opts.configure(ws)
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
