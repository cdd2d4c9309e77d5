package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/aftercart/aftercart/graph"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// TestWebsocketCloseCodes asserts graphql-transport-ws close codes on the
// wire against the real server (graph/wsproto has the exhaustive cases).
func TestWebsocketCloseCodes(t *testing.T) {
	s := mustServer(t, "", func(c *app.Config) {
		c.WSInitTimeout = 300 * time.Millisecond
		c.AllowedOrigins = []string{"https://shop.example.com"}
	})
	f := s.LiveFixture(t, "W1")
	tok := s.Token(t, auth.RoleCustomer, "mina@example.com")
	sub := map[string]any{"orderId": f.Order}
	for _, c := range []struct {
		name string
		run  func(c *testserver.WSClient)
		want websocket.StatusCode
	}{
		{"no connection_init in time", func(c *testserver.WSClient) {}, 4408},
		{"invalid token", func(c *testserver.WSClient) {
			c.Send(testserver.WSMessage{Type: "connection_init", Payload: testserver.MustJSON(map[string]any{"authorization": "Bearer nope"})})
		}, 4403},
		{"subscribe before ack", func(c *testserver.WSClient) { c.Subscribe("1", testserver.ShipmentUpdatedSubscription, sub) }, 4401},
		{"second init", func(c *testserver.WSClient) {
			c.Send(testserver.WSMessage{Type: "connection_init", Payload: testserver.MustJSON(map[string]any{"authorization": "Bearer " + tok})})
			c.Read()
			c.Send(testserver.WSMessage{Type: "connection_init"})
		}, 4429},
		{"duplicate active id", func(c *testserver.WSClient) {
			c.Send(testserver.WSMessage{Type: "connection_init", Payload: testserver.MustJSON(map[string]any{"authorization": "Bearer " + tok})})
			c.Read()
			c.Subscribe("1", testserver.ShipmentUpdatedSubscription, sub)
			c.Subscribe("1", testserver.ShipmentUpdatedSubscription, sub)
		}, 4409},
		{"malformed message", func(c *testserver.WSClient) {
			if err := c.Conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":`)); err != nil {
				t.Fatal(err)
			}
		}, 4400},
		{"unknown message type", func(c *testserver.WSClient) { c.Send(testserver.WSMessage{Type: "subscribe_all"}) }, 4400},
	} {
		t.Run(c.name, func(t *testing.T) {
			ws := s.DialWS(t)
			ws.T = t
			c.run(ws)
			if got := ws.CloseStatus(); got != c.want {
				t.Fatalf("close code %d, want %d", got, c.want)
			}
		})
	}

	t.Run("cross-origin upgrade from an unlisted origin", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for origin, ok := range map[string]bool{"https://evil.example.net": false, "https://shop.example.com": true} {
			conn, res, err := websocket.Dial(ctx, strings.Replace(s.URL(), "http", "ws", 1)+"/query", &websocket.DialOptions{
				Subprotocols: []string{"graphql-transport-ws"},
				HTTPHeader:   http.Header{"Origin": {origin}},
			})
			if ok && err != nil {
				t.Errorf("%s refused: %v", origin, err)
			}
			if !ok && (err == nil || res == nil || res.StatusCode != http.StatusForbidden) {
				t.Errorf("%s: want 403, got %v %v", origin, res, err)
			}
			if conn != nil {
				_ = conn.CloseNow()
			}
		}
	})
}

// TestConnectionsPerViewer caps a customer's open websockets; closing one
// frees its place, and other viewers are unaffected.
func TestConnectionsPerViewer(t *testing.T) {
	s := mustServer(t, "")
	mina := s.Token(t, auth.RoleCustomer, "mina@example.com")
	init := func(c *testserver.WSClient, tok string) {
		c.Send(testserver.WSMessage{Type: "connection_init", Payload: testserver.MustJSON(map[string]any{"authorization": "Bearer " + tok})})
	}
	var open []*testserver.WSClient
	for i := 0; i < graphMaxConnectionsPerViewer; i++ {
		open = append(open, s.ConnectWS(t, mina))
	}
	over := s.DialWS(t)
	init(over, mina)
	if code := over.CloseStatus(); code != 4429 {
		t.Fatalf("connection %d: close code %d, want 4429", graphMaxConnectionsPerViewer+1, code)
	}
	// Another customer is not affected.
	s.ConnectWS(t, s.Token(t, auth.RoleCustomer, "leo@example.com"))
	// Closing one frees a place (once the server has seen the close).
	_ = open[0].Conn.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := s.DialWS(t)
		init(c, mina)
		m, err := c.TryRead(5 * time.Second)
		if err == nil && m.Type == "connection_ack" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no place freed after a close: %+v %v", m, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

const graphMaxConnectionsPerViewer = graph.MaxConnectionsPerViewer
