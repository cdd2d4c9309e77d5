package main

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

// wsClient speaks graphql-transport-ws to the server over a real websocket.
type wsClient struct {
	t    testing.TB
	conn *websocket.Conn
	msgs chan wsMessage // filled by pump
	err  chan error     // the read error that ended pump
}

// wsMessage is one protocol message.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// dialWS opens a websocket to the server (no connection_init yet).
func (s *testServer) dialWS(t testing.TB) *wsClient {
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
	c := &wsClient{t: t, conn: conn, msgs: make(chan wsMessage, 4096), err: make(chan error, 1)}
	go c.pump()
	return c
}

// pump reads every message, answers pings, and queues the rest. Reading in
// one goroutine with a background context matters: coder/websocket closes
// the connection when a read's context is cancelled.
func (c *wsClient) pump() {
	for {
		var m wsMessage
		if err := wsjson.Read(context.Background(), c.conn, &m); err != nil {
			c.err <- err
			close(c.msgs)
			return
		}
		switch m.Type {
		case "ping":
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = wsjson.Write(ctx, c.conn, wsMessage{Type: "pong"})
			cancel()
		case "pong":
		default:
			c.msgs <- m
		}
	}
}

// connect dials and completes connection_init with token.
func (s *testServer) connectWS(t testing.TB, token string) *wsClient {
	t.Helper()
	c := s.dialWS(t)
	c.send(wsMessage{Type: "connection_init", Payload: mustJSON(map[string]any{"authorization": "Bearer " + token})})
	if m := c.read(); m.Type != "connection_ack" {
		t.Fatalf("want connection_ack, got %+v", m)
	}
	return c
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (c *wsClient) send(m wsMessage) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := wsjson.Write(ctx, c.conn, m); err != nil {
		select {
		case rerr := <-c.err:
			c.err <- rerr
			c.t.Fatalf("ws write: %v (the connection closed: %v, code %d)", err, rerr, websocket.CloseStatus(rerr))
		case <-time.After(time.Second):
			c.t.Fatalf("ws write: %v", err)
		}
	}
}

// read returns the next message that is not a ping/pong, within 10 s.
func (c *wsClient) read() wsMessage {
	c.t.Helper()
	m, err := c.tryRead(10 * time.Second)
	if err != nil {
		c.t.Fatalf("ws read: %v", err)
	}
	return m
}

// errReadTimeout is tryRead's error when nothing arrived in time.
var errReadTimeout = errors.New("no message in time")

// tryRead returns the next message, errReadTimeout, or the error that closed
// the connection (see closeStatus).
func (c *wsClient) tryRead(timeout time.Duration) (wsMessage, error) {
	select {
	case m, ok := <-c.msgs:
		if !ok {
			err := <-c.err
			c.err <- err // keep it for later calls
			return wsMessage{}, err
		}
		return m, nil
	case <-time.After(timeout):
		return wsMessage{}, errReadTimeout
	}
}

// closeStatus waits for the server to close the connection and returns the
// close code (-1 if it closed without one).
func (c *wsClient) closeStatus() websocket.StatusCode {
	c.t.Helper()
	for {
		m, err := c.tryRead(10 * time.Second)
		if errors.Is(err, errReadTimeout) {
			c.t.Fatal("the server did not close the connection")
		}
		if err != nil {
			return websocket.CloseStatus(err)
		}
		_ = m // messages before the close are not the point
	}
}

// subscribe starts a subscription.
func (c *wsClient) subscribe(id, query string, vars map[string]any) {
	c.send(wsMessage{ID: id, Type: "subscribe", Payload: mustJSON(map[string]any{"query": query, "variables": vars})})
}

const shipmentUpdatedSubscription = `subscription OrderUpdates($orderId: ID!, $after: String) {
  shipmentUpdated(orderId: $orderId, after: $after) {
    cursor
    shipment { id status subStatus latestEstimatedDeliveryAt }
    event { status subStatus message location occurredAt }
  }
}`

// liveUpdate is one shipmentUpdated payload.
type liveUpdate struct {
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

// next reads the next `next` message for id and decodes its update; it fails
// the test on anything else.
func (c *wsClient) next(id string) liveUpdate {
	c.t.Helper()
	m := c.read()
	if m.Type != "next" || m.ID != id {
		c.t.Fatalf("want next for %s, got %s %s %s", id, m.Type, m.ID, m.Payload)
	}
	return decodeUpdate(c.t, m)
}

// readFor returns the next message for subscription id, skipping messages
// for others (such as the completes of subscriptions already stopped).
func (c *wsClient) readFor(id string, timeout time.Duration) (wsMessage, error) {
	deadline := time.Now().Add(timeout)
	for {
		m, err := c.tryRead(time.Until(deadline))
		if err != nil || m.ID == id {
			return m, err
		}
	}
}

// decodeUpdate decodes a `next` message carrying a shipmentUpdated.
func decodeUpdate(t testing.TB, m wsMessage) liveUpdate {
	t.Helper()
	var p struct {
		Data   struct{ ShipmentUpdated liveUpdate }
		Errors []gqlError
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 || m.Type != "next" {
		t.Fatalf("want a next with an update, got %s %s (%v)", m.Type, m.Payload, err)
	}
	return p.Data.ShipmentUpdated
}

// eventNames lists updates as "STATUS:message" ("-" for no event).
func eventNames(us []liveUpdate) string {
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
