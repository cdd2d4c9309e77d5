package testserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// WSClient speaks graphql-transport-ws to the server over a real websocket.
type WSClient struct {
	// T is the test the client fails; a subtest that uses a client its
	// parent dialled sets it to itself.
	T testing.TB
	// Conn is the websocket, for tests that write malformed frames or
	// close it themselves.
	Conn *websocket.Conn
	msgs chan WSMessage // filled by pump
	err  chan error     // the read error that ended pump
}

// WSMessage is one protocol message.
type WSMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// DialWS opens a websocket to the server (no connection_init yet).
func (s *Server) DialWS(t testing.TB) *WSClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, strings.Replace(s.URL(), "http", "ws", 1)+"/query", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"},
	})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	conn.SetReadLimit(1 << 20)
	t.Cleanup(func() { _ = conn.CloseNow() })
	c := &WSClient{T: t, Conn: conn, msgs: make(chan WSMessage, 4096), err: make(chan error, 1)}
	go c.pump()
	return c
}

// pump reads every message, answers pings, and queues the rest. Reading in
// one goroutine with a background context matters: coder/websocket closes
// the connection when a read's context is cancelled.
func (c *WSClient) pump() {
	for {
		var m WSMessage
		if err := wsjson.Read(context.Background(), c.Conn, &m); err != nil {
			c.err <- err
			close(c.msgs)
			return
		}
		switch m.Type {
		case "ping":
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = wsjson.Write(ctx, c.Conn, WSMessage{Type: "pong"})
			cancel()
		case "pong":
		default:
			c.msgs <- m
		}
	}
}

// ConnectWS dials and completes connection_init with token.
func (s *Server) ConnectWS(t testing.TB, token string) *WSClient {
	t.Helper()
	c := s.DialWS(t)
	c.Send(WSMessage{Type: "connection_init", Payload: MustJSON(map[string]any{"authorization": "Bearer " + token})})
	if m := c.Read(); m.Type != "connection_ack" {
		t.Fatalf("want connection_ack, got %+v", m)
	}
	return c
}

// MustJSON encodes v, which must be encodable.
func MustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// Send writes m within five seconds, failing the test otherwise.
func (c *WSClient) Send(m WSMessage) {
	c.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := wsjson.Write(ctx, c.Conn, m); err != nil {
		select {
		case rerr := <-c.err:
			c.err <- rerr
			c.T.Fatalf("ws write: %v (the connection closed: %v, code %d)", err, rerr, websocket.CloseStatus(rerr))
		case <-time.After(time.Second):
			c.T.Fatalf("ws write: %v", err)
		}
	}
}

// Read returns the next message that is not a ping/pong, within 10 s.
func (c *WSClient) Read() WSMessage {
	c.T.Helper()
	m, err := c.TryRead(10 * time.Second)
	if err != nil {
		c.T.Fatalf("ws read: %v", err)
	}
	return m
}

// ErrReadTimeout is TryRead's error when nothing arrived in time.
var ErrReadTimeout = errors.New("no message in time")

// TryRead returns the next message, ErrReadTimeout, or the error that closed
// the connection (see CloseStatus).
func (c *WSClient) TryRead(timeout time.Duration) (WSMessage, error) {
	select {
	case m, ok := <-c.msgs:
		if !ok {
			err := <-c.err
			c.err <- err // keep it for later calls
			return WSMessage{}, err
		}
		return m, nil
	case <-time.After(timeout):
		return WSMessage{}, ErrReadTimeout
	}
}

// CloseStatus waits for the server to close the connection and returns the
// close code (-1 if it closed without one).
func (c *WSClient) CloseStatus() websocket.StatusCode {
	c.T.Helper()
	for {
		m, err := c.TryRead(10 * time.Second)
		if errors.Is(err, ErrReadTimeout) {
			c.T.Fatal("the server did not close the connection")
		}
		if err != nil {
			return websocket.CloseStatus(err)
		}
		_ = m // messages before the close are not the point
	}
}

// Subscribe starts a subscription.
func (c *WSClient) Subscribe(id, query string, vars map[string]any) {
	c.Send(WSMessage{ID: id, Type: "subscribe", Payload: MustJSON(map[string]any{"query": query, "variables": vars})})
}

// ShipmentUpdatedSubscription is the order page's live feed.
const ShipmentUpdatedSubscription = `subscription OrderUpdates($orderId: ID!, $after: String) {
  shipmentUpdated(orderId: $orderId, after: $after) {
    cursor
    shipment { id status subStatus latestEstimatedDeliveryAt }
    event { status subStatus message location occurredAt }
  }
}`

// LiveUpdate is one shipmentUpdated payload.
type LiveUpdate struct {
	Cursor   string
	Shipment struct {
		ID, Status                string
		LatestEstimatedDeliveryAt *time.Time
	}
	Event *struct {
		Status, Message string
		OccurredAt      time.Time
	}
}

// Next reads the next `next` message for id and decodes its update; it fails
// the test on anything else.
func (c *WSClient) Next(id string) LiveUpdate {
	c.T.Helper()
	m := c.Read()
	if m.Type != "next" || m.ID != id {
		c.T.Fatalf("want next for %s, got %s %s %s", id, m.Type, m.ID, m.Payload)
	}
	return DecodeUpdate(c.T, m)
}

// ReadFor returns the next message for subscription id, skipping messages
// for others (such as the completes of subscriptions already stopped).
func (c *WSClient) ReadFor(id string, timeout time.Duration) (WSMessage, error) {
	deadline := time.Now().Add(timeout)
	for {
		m, err := c.TryRead(time.Until(deadline))
		if err != nil || m.ID == id {
			return m, err
		}
	}
}

// DecodeUpdate decodes a `next` message carrying a shipmentUpdated.
func DecodeUpdate(t testing.TB, m WSMessage) LiveUpdate {
	t.Helper()
	var p struct {
		Data   struct{ ShipmentUpdated LiveUpdate }
		Errors []Error
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 || m.Type != "next" {
		t.Fatalf("want a next with an update, got %s %s (%v)", m.Type, m.Payload, err)
	}
	return p.Data.ShipmentUpdated
}

// EventNames lists updates as "STATUS:message" ("-" for no event).
func EventNames(us []LiveUpdate) string {
	var parts []string
	for _, u := range us {
		if u.Event == nil {
			parts = append(parts, "-")
			continue
		}
		parts = append(parts, u.Event.Message)
	}
	return fmt.Sprint(parts)
}
