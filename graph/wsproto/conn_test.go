package wsproto

import (
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// gqlgenLike mirrors gqlgen's unexported graphqltransportwsMessage.
type gqlgenLike struct {
	Payload json.RawMessage `json:"payload,omitempty"`
	ID      string          `json:"id,omitempty"`
	Type    textType        `json:"type"`
	noOp    bool
}

type textType string

func (t textType) MarshalText() ([]byte, error) { return []byte(t), nil }

type withMarshaler struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

func (withMarshaler) MarshalJSON() ([]byte, error) { return []byte(`{}`), nil }

type marshalerField string

func (marshalerField) MarshalJSON() ([]byte, error) { return []byte(`"x"`), nil }

func TestFastFields(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want bool
	}{
		{"gqlgen's message shape", &gqlgenLike{}, true},
		{"struct value, not settable", gqlgenLike{}, false},
		{"nil pointer", (*gqlgenLike)(nil), false},
		{"nil", nil, false},
		{"map", &map[string]string{}, false},
		{"no id field", &struct {
			Type string `json:"type"`
		}{}, false},
		{"id under another key", &struct {
			ID   string `json:"ident"`
			Type string `json:"type"`
		}{}, false},
		{"untagged fields encode as ID and Type", &struct{ ID, Type string }{}, false},
		{"type implements MarshalJSON", &withMarshaler{}, false},
		{"field implements MarshalJSON", &struct {
			ID   marshalerField `json:"id"`
			Type string         `json:"type"`
		}{}, false},
		{"non-string id", &struct {
			ID   int    `json:"id"`
			Type string `json:"type"`
		}{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, got := fastFields(tt.v); got != tt.want {
				t.Errorf("fastFields: got %v, want %v", got, tt.want)
			}
		})
	}
}

// fakeConn records what the guard writes to the inner connection.
type fakeConn struct {
	mu     sync.Mutex
	writes []string
	closes []int
}

func (f *fakeConn) NextReader() (int, io.Reader, error) { select {} }
func (f *fakeConn) Close() error                        { return nil }
func (f *fakeConn) Subprotocol() string                 { return Subprotocol }

func (f *fakeConn) WriteJSON(v any) error {
	b, err := json.Marshal(v)
	f.mu.Lock()
	f.writes = append(f.writes, string(b))
	f.mu.Unlock()
	return err
}

func (f *fakeConn) WriteClose(code int, _ string) error {
	f.mu.Lock()
	f.closes = append(f.closes, code)
	f.mu.Unlock()
	return nil
}

func newTestConn(inner *fakeConn) *conn {
	c := newConn(inner, config{initTimeout: time.Hour, maxSubs: 10}, slog.New(slog.DiscardHandler))
	c.acked = true
	return c
}

// TestWriteJSONMapsIDs covers both write paths: gqlgen's struct (reflection)
// and any other value (marshal, rewrite, write raw).
func TestWriteJSONMapsIDs(t *testing.T) {
	tests := []struct {
		name string
		msg  func(typ, id string) any
	}{
		{"fast path", func(typ, id string) any {
			return &gqlgenLike{Type: textType(typ), ID: id, Payload: json.RawMessage(`{"data":{}}`)}
		}},
		{"fallback", func(typ, id string) any {
			return map[string]any{"type": typ, "id": id, "payload": map[string]any{"data": map[string]any{}}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner := &fakeConn{}
			c := newTestConn(inner)
			out, err := c.handle([]byte(`{"type":"subscribe","id":"client-a","payload":{"query":"subscription { tick }"}}`))
			if err != nil {
				t.Fatal(err)
			}
			if want := `{"type":"subscribe","id":"1","payload":{"query":"subscription { tick }"}}`; string(out) != want {
				t.Fatalf("gqlgen reads %s, want %s", out, want)
			}
			for _, typ := range []string{"next", "complete", "complete", "next"} {
				if err := c.WriteJSON(tt.msg(typ, "1")); err != nil {
					t.Fatal(err)
				}
			}
			var got []message
			for _, w := range inner.writes {
				var m message
				if err := json.Unmarshal([]byte(w), &m); err != nil {
					t.Fatal(err)
				}
				got = append(got, m)
			}
			// Only next and the first complete go out, under the client's id.
			if len(got) != 2 || got[0] != (message{"next", "client-a"}) || got[1] != (message{"complete", "client-a"}) {
				t.Fatalf("written %q", inner.writes)
			}
			if len(c.byClient) != 0 || len(c.byInternal) != 0 {
				t.Fatalf("operations left: %v %v", c.byClient, c.byInternal)
			}
		})
	}
}

type message struct{ Type, ID string }

// TestOnlyFirstCloseReachesTheWire: gqlgen closes again after the guard did.
func TestOnlyFirstCloseReachesTheWire(t *testing.T) {
	inner := &fakeConn{}
	c := newTestConn(inner)
	if _, err := c.handle([]byte(`{"type":"bogus"}`)); err == nil {
		t.Fatal("want an error for an unknown type")
	}
	_ = c.WriteClose(1000, "terminated")
	_ = c.WriteClose(1002, "unexpected message")
	if err := c.WriteJSON(&gqlgenLike{Type: "pong"}); err == nil {
		t.Error("write after close succeeded")
	}
	if len(inner.closes) != 1 || inner.closes[0] != CloseBadRequest {
		t.Fatalf("close codes written %v, want [%d]", inner.closes, CloseBadRequest)
	}
}

func TestTruncateReason(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"short", "Unauthorized", "Unauthorized"},
		{"ascii", strings.Repeat("a", 200), strings.Repeat("a", maxCloseReason)},
		// 123 bytes would end inside the 62nd é.
		{"cut at a rune boundary", strings.Repeat("é", 100), strings.Repeat("é", 61)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := truncateReason(tt.in); got != tt.want {
				t.Errorf("got %q (%d bytes), want %q", got, len(got), tt.want)
			}
		})
	}
}

func BenchmarkWriteJSON(b *testing.B) {
	inner := &discardConn{}
	c := newConn(inner, config{initTimeout: time.Hour, maxSubs: 10}, slog.New(slog.DiscardHandler))
	c.acked = true
	if _, err := c.handle([]byte(`{"type":"subscribe","id":"a","payload":{}}`)); err != nil {
		b.Fatal(err)
	}
	payload := json.RawMessage(`{"data":{"shipment":{"id":"1","status":"IN_TRANSIT"}}}`)
	b.Run("fast path", func(b *testing.B) {
		for b.Loop() {
			_ = c.WriteJSON(&gqlgenLike{Type: "next", ID: "1", Payload: payload})
		}
	})
	b.Run("fallback", func(b *testing.B) {
		for b.Loop() {
			_ = c.WriteJSON(map[string]any{"type": "next", "id": "1", "payload": payload})
		}
	})
}

type discardConn struct{ fakeConn }

func (*discardConn) WriteJSON(any) error { return nil }
