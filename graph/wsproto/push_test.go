package wsproto_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/coder/websocket"
	"github.com/gobwas/ws"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/aftercart/aftercart/graph/wsproto"
)

var pushSchema = gqlparser.MustLoadSchema(&ast.Source{Input: `
	type Query { name: String! }
	type Subscription { tick(after: String): String! }
`})

// pushHub plays the service side of Push: every subscription accepts its
// Push, the hub keeps one renderer per Key (the first subscriber's), and
// Publish renders once per Key and sends the bytes to each.
type pushHub struct {
	mu        sync.Mutex
	subs      map[*wsproto.Push]string // Key
	renderers map[string]*keyRenderer
	renders   atomic.Int32
}

type keyRenderer struct {
	ch     chan string
	render wsproto.Renderer
}

func (h *pushHub) exec(ctx context.Context) graphql.ResponseHandler {
	if graphql.GetOperationContext(ctx).Operation.Operation != ast.Subscription {
		return graphql.OneShot(&graphql.Response{Data: json.RawMessage(`{"name":"test"}`)})
	}
	p, ok := wsproto.PushFrom(ctx)
	if !ok {
		return graphql.OneShot(graphql.ErrorResponse(ctx, "no push"))
	}
	ch := make(chan string, 1)
	key := p.Key("viewer", "after")
	p.Accept(func(render wsproto.Renderer) {
		h.mu.Lock()
		h.subs[p] = key
		if h.renderers[key] == nil {
			h.renderers[key] = &keyRenderer{ch: ch, render: render}
		}
		h.mu.Unlock()
		context.AfterFunc(p.Context(), func() {
			h.mu.Lock()
			delete(h.subs, p)
			h.mu.Unlock()
		})
	})
	sel := graphql.GetOperationContext(ctx).Operation.SelectionSet[0].(*ast.Field)
	return func(ctx context.Context) *graphql.Response {
		select {
		case v := <-ch:
			h.renders.Add(1)
			data, _ := json.Marshal(map[string]string{sel.Alias: v})
			return &graphql.Response{Data: data}
		case <-ctx.Done():
			return nil
		}
	}
}

// Publish delivers v to every subscription, rendering once per Key.
func (h *pushHub) Publish(v string) {
	h.mu.Lock()
	groups := map[string][]*wsproto.Push{}
	for p, k := range h.subs {
		groups[k] = append(groups[k], p)
	}
	h.mu.Unlock()
	for k, g := range groups {
		h.mu.Lock()
		r := h.renderers[k]
		h.mu.Unlock()
		r.ch <- v
		payload, err := r.render()
		if err != nil {
			continue
		}
		for _, p := range g {
			p.Send(payload)
		}
	}
}

func (h *pushHub) Pushes() []*wsproto.Push {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*wsproto.Push
	for p := range h.subs {
		out = append(out, p)
	}
	return out
}

func (h *pushHub) WaitActive(tb testing.TB, n int) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(h.Pushes()) != n {
		if time.Now().After(deadline) {
			tb.Fatalf("active push subscriptions: got %d, want %d", len(h.Pushes()), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func newPushServer(tb testing.TB, t *wsproto.Transport) (string, *pushHub) {
	tb.Helper()
	h := &pushHub{subs: map[*wsproto.Push]string{}, renderers: map[string]*keyRenderer{}}
	srv := handler.New(&graphql.ExecutableSchemaMock{
		ExecFunc:   h.exec,
		SchemaFunc: func() *ast.Schema { return pushSchema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
			return 1, true
		},
	})
	srv.AddTransport(t)
	ts := httptest.NewServer(srv)
	tb.Cleanup(func() {
		ts.Close()
		t.Close()
	})
	return "ws" + strings.TrimPrefix(ts.URL, "http"), h
}

func subscribeTick(c *client, id, query string, vars map[string]any) {
	c.tb.Helper()
	b, _ := json.Marshal(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query, "variables": vars}})
	c.send(string(b))
}

// TestPushRendersOncePerKey: subscribers with the same document and
// variables share one render; a different selection, or a cursor variable
// used more than once, gets its own; each gets the payload of its selection.
func TestPushRendersOncePerKey(t *testing.T) {
	url, h := newPushServer(t, &wsproto.Transport{})
	const byCursor = `subscription S($after: String) { tick(after: $after) }`
	const twice = `subscription S($after: String) { tick(after: $after) again: tick(after: $after) }`
	subs := []struct {
		query string
		vars  map[string]any
		want  string
	}{
		{byCursor, map[string]any{"after": "a"}, `{"data":{"tick":"x"}}`},
		{byCursor, map[string]any{"after": "b"}, `{"data":{"tick":"x"}}`}, // same key: the cursor is ignored
		{byCursor, nil, `{"data":{"tick":"x"}}`},
		{`subscription { renamed: tick }`, nil, `{"data":{"renamed":"x"}}`},
		{twice, map[string]any{"after": "a"}, `{"data":{"tick":"x"}}`},
		{twice, map[string]any{"after": "b"}, `{"data":{"tick":"x"}}`}, // $after used twice: kept
	}
	var clients []*client
	for _, s := range subs {
		c := dial(t, url)
		c.handshake()
		subscribeTick(c, "1", s.query, s.vars)
		clients = append(clients, c)
	}
	h.WaitActive(t, len(subs))
	h.Publish("x")
	for i, c := range clients {
		m := c.expect("next", "1")
		if string(m.Payload) != subs[i].want {
			t.Errorf("subscriber %d: payload %s, want %s", i, m.Payload, subs[i].want)
		}
	}
	if got := h.renders.Load(); got != 4 {
		t.Errorf("%d renders for 6 subscribers in 4 keys, want 4", got)
	}
}

// TestPushEnd: the service ends a subscription with complete, or with an
// error presented like any GraphQL error; the id is free again after.
func TestPushEnd(t *testing.T) {
	url, h := newPushServer(t, &wsproto.Transport{})
	c := dial(t, url)
	c.handshake()
	c.subscribe("1")
	h.WaitActive(t, 1)
	h.Pushes()[0].End(nil)
	c.expect("complete", "1")
	h.WaitActive(t, 0)

	c.subscribe("1")
	h.WaitActive(t, 1)
	p := h.Pushes()[0]
	p.End(errors.New("feed closed"))
	m := c.expect("error", "1")
	if !strings.Contains(string(m.Payload), "feed closed") {
		t.Errorf("error payload %s", m.Payload)
	}
	h.WaitActive(t, 0)
	if p.Send([]byte(`{"data":{"tick":"late"}}`)) {
		t.Error("Send after End reported success")
	}
	c.send(`{"type":"ping"}`)
	c.expect("pong", "") // nothing about 1 came in between
}

// TestPushBacklog: writes to a client that stops reading never block the
// sender; the connection reports it is backlogged, and OnDrained fires once
// the client reads again, with every message delivered in order.
func TestPushBacklog(t *testing.T) {
	url, h := newPushServer(t, &wsproto.Transport{PingInterval: time.Minute})
	c := dial(t, url)
	c.handshake()
	c.subscribe("1")
	h.WaitActive(t, 1)
	p := h.Pushes()[0]

	big := `{"data":{"tick":"` + strings.Repeat("x", 64<<10) + `"}}`
	sent := 0
	begin := time.Now()
	for !p.Backlogged() {
		if !p.Send([]byte(big)) {
			t.Fatalf("send %d failed", sent)
		}
		if sent++; sent > 2000 {
			t.Fatal("128 MB sent and the connection never backlogged")
		}
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("sending to a stalled reader took %v: it blocked", d)
	}
	drained := make(chan struct{})
	p.OnDrained(func() { close(drained) })
	select {
	case <-drained:
		t.Fatal("drained before the client read anything")
	case <-time.After(100 * time.Millisecond):
	}
	c.conn.SetReadLimit(1 << 20)
	for i := range sent {
		m := c.expect("next", "1")
		if len(m.Payload) != len(big) {
			t.Fatalf("message %d: %d bytes, want %d", i, len(m.Payload), len(big))
		}
	}
	select {
	case <-drained:
	case <-time.After(5 * time.Second):
		t.Fatal("OnDrained did not fire after the client read everything")
	}
	t.Logf("backlogged after %d messages of 64 KB (the kernel's socket buffers hold the rest)", sent)
}

func TestOriginCheck(t *testing.T) {
	url, _ := newPushServer(t, &wsproto.Transport{OriginPatterns: []string{"app.example.com", "*.shop.test"}})
	host := strings.TrimPrefix(url, "ws://")
	tests := []struct {
		origin string
		want   int
	}{
		{"", http.StatusSwitchingProtocols}, // not a browser
		{"http://" + host, http.StatusSwitchingProtocols},
		{"https://app.example.com", http.StatusSwitchingProtocols},
		{"https://eu.shop.test", http.StatusSwitchingProtocols},
		{"https://evil.example.com", http.StatusForbidden},
		{"null", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			h := http.Header{}
			if tt.origin != "" {
				h.Set("Origin", tt.origin)
			}
			c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{wsproto.Subprotocol}, HTTPHeader: h})
			if resp == nil {
				t.Fatalf("dial: %v", err)
			}
			if c != nil {
				defer c.CloseNow()
			}
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

// TestFrames covers the websocket layer with hand-made frames: a message
// split into fragments, control frames between them, and frames a client
// must not send.
func TestFrames(t *testing.T) {
	url, _ := newPushServer(t, &wsproto.Transport{ReadLimit: 1024})
	dialRaw := func(t *testing.T) (*rawClient, func()) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		nc, br, _, err := ws.Dialer{Protocols: []string{wsproto.Subprotocol}}.Dial(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		rc := &rawClient{t: t, nc: nc}
		rc.r = nc
		if br != nil {
			rc.r = br
		}
		return rc, func() { _ = nc.Close() }
	}

	t.Run("fragmented message with a ping inside", func(t *testing.T) {
		c, done := dialRaw(t)
		defer done()
		msg := []byte(`{"type":"connection_init","payload":{}}`)
		c.frame(ws.OpText, false, msg[:10])
		c.frame(ws.OpPing, true, []byte("hi"))
		c.frame(ws.OpContinuation, false, msg[10:20])
		c.frame(ws.OpContinuation, true, msg[20:])
		if f := c.next(); f.Header.OpCode != ws.OpPong || string(f.Payload) != "hi" {
			t.Fatalf("want pong hi, got %v %q", f.Header.OpCode, f.Payload)
		}
		if f := c.next(); !bytes.Contains(f.Payload, []byte(`"connection_ack"`)) {
			t.Fatalf("want connection_ack, got %q", f.Payload)
		}
	})
	for _, tt := range []struct {
		name string
		send func(c *rawClient)
		code ws.StatusCode
	}{
		{"unmasked frame", func(c *rawClient) {
			_ = ws.WriteFrame(c.nc, ws.NewTextFrame([]byte(`{"type":"ping"}`)))
		}, 1002},
		{"continuation without a start", func(c *rawClient) { c.frame(ws.OpContinuation, true, []byte("x")) }, 1002},
		{"message over the read limit", func(c *rawClient) { c.frame(ws.OpText, true, bytes.Repeat([]byte("x"), 2000)) }, 1009},
		{"client closes", func(c *rawClient) { c.frame(ws.OpClose, true, ws.NewCloseFrameBody(4000, "bye")) }, 4000},
		{"client closes with a code nobody may send", func(c *rawClient) { c.frame(ws.OpClose, true, []byte{0x03, 0xee}) }, 1000}, // 1006
		{"invalid UTF-8 text", func(c *rawClient) { c.frame(ws.OpText, true, []byte{'"', 0xff, '"'}) }, 1007},
		{"invalid UTF-8 across fragments", func(c *rawClient) {
			c.frame(ws.OpText, false, []byte{'"', 0xe2})
			c.frame(ws.OpContinuation, true, []byte{0x28, '"'})
		}, 1007},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, done := dialRaw(t)
			defer done()
			tt.send(c)
			f := c.next()
			if f.Header.OpCode != ws.OpClose {
				t.Fatalf("want a close frame, got %v %q", f.Header.OpCode, f.Payload)
			}
			if code, _ := ws.ParseCloseFrameData(f.Payload); code != tt.code {
				t.Fatalf("close code %d, want %d", code, tt.code)
			}
		})
	}
}

type rawClient struct {
	t  *testing.T
	nc interface {
		Write([]byte) (int, error)
		Close() error
	}
	r interface{ Read([]byte) (int, error) }
}

func (c *rawClient) frame(op ws.OpCode, fin bool, p []byte) {
	c.t.Helper()
	if err := ws.WriteFrame(c.nc, ws.MaskFrame(ws.NewFrame(op, fin, p))); err != nil {
		c.t.Fatal(err)
	}
}

func (c *rawClient) next() ws.Frame {
	c.t.Helper()
	if nc, ok := c.nc.(interface{ SetReadDeadline(time.Time) error }); ok {
		_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	}
	f, err := ws.ReadFrame(c.r)
	if err != nil {
		c.t.Fatalf("reading a frame: %v", err)
	}
	return f
}

// TestRendererOutlivesItsSubscription: the Renderer a service keeps for a
// Key still renders after the subscription it came from has ended.
func TestRendererOutlivesItsSubscription(t *testing.T) {
	url, h := newPushServer(t, &wsproto.Transport{})
	first, second := dial(t, url), dial(t, url)
	first.handshake()
	second.handshake()
	first.subscribe("1")
	h.WaitActive(t, 1) // first's renderer is the Key's
	second.subscribe("1")
	h.WaitActive(t, 2)
	first.complete("1")
	h.WaitActive(t, 1)
	h.Publish("after")
	expectTick(t, second.expect("next", "1"), "after")
	if got := h.renders.Load(); got != 1 {
		t.Errorf("%d renders, want 1", got)
	}
}

// TestEarlyBytes: a client that sends its first message in the same packet
// as its upgrade request (net/http has already read it into its buffer
// when the connection is handed over) is still heard.
func TestEarlyBytes(t *testing.T) {
	url, _ := newPushServer(t, &wsproto.Transport{})
	host := strings.TrimPrefix(url, "ws://")
	nc, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	var frame bytes.Buffer
	if err := ws.WriteFrame(&frame, ws.MaskFrame(ws.NewTextFrame([]byte(`{"type":"connection_init"}`)))); err != nil {
		t.Fatal(err)
	}
	req := "GET / HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Protocol: " + wsproto.Subprotocol + "\r\n\r\n"
	if _, err := nc.Write(append([]byte(req), frame.Bytes()...)); err != nil { // one write, one packet
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	f, err := ws.ReadFrame(br)
	if err != nil || !bytes.Contains(f.Payload, []byte(`"connection_ack"`)) {
		t.Fatalf("want connection_ack, got %q %v", f.Payload, err)
	}
}

// TestCloseEndsConnections: closing the transport (server shutdown) closes
// every websocket with 1001.
func TestCloseEndsConnections(t *testing.T) {
	tr := &wsproto.Transport{}
	url, _ := newPushServer(t, tr)
	c := dial(t, url)
	c.handshake()
	if n := tr.Connections(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
	tr.Close()
	c.expectClose(websocket.StatusGoingAway, "server shutting down")
	deadline := time.Now().Add(5 * time.Second)
	for tr.Connections() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections left after Close", tr.Connections())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
