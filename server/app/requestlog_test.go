package app_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// mustFind returns the lines that have every given attribute (compared as
// printed), failing the test when there is none.
func mustFind(t testing.TB, lines []map[string]any, want map[string]any) []map[string]any {
	t.Helper()
	var found []map[string]any
	for _, l := range lines {
		ok := true
		for k, v := range want {
			if fmt.Sprint(l[k]) != fmt.Sprint(v) {
				ok = false
				break
			}
		}
		if ok {
			found = append(found, l)
		}
	}
	if len(found) == 0 {
		t.Fatalf("no log line with %v", want)
	}
	return found
}

// TestRequestLog sends real requests of every kind (queries that succeed and
// fail, an unparsable one, a GET, a webhook delivery, a probe, a websocket
// subscription), shuts the server down, and reads its log: one line per
// request with what the README promises, one per websocket operation and
// close, two at shutdown, and never a token or anything from a body, a
// query string or variables.
func TestRequestLog(t *testing.T) {
	var logs testserver.SyncBuffer
	log := slog.New(slog.NewJSONHandler(io.MultiWriter(&logs, testserver.LogWriter{T: t}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := mustServerLog(t, "", log)
	f := s.LiveFixture(t, "RL1")
	tok := s.Token(t, auth.RoleCustomer, "mina@example.com")
	// The marker stands for anything private a client sends: it goes into
	// variables, query text, a query string and a webhook body.
	const marker = "private-marker-5f3c9a"
	const orderQuery = `query OrderStatus($number: String!) { order(number: $number) { number } }`

	s.GQL(t, tok, orderQuery, map[string]any{"number": "RL1"}).MustOK(t, nil)
	s.GQL(t, tok, orderQuery, map[string]any{"number": marker}).MustCode(t, "NOT_FOUND")
	parse := s.GQL(t, tok, "query Broken { order(number: \""+marker+"\") { ", nil)
	parse.MustCode(t, "GRAPHQL_PARSE_FAILED")

	get, err := http.Get(s.URL() + "/query?query=" + url.QueryEscape(`{ order(number: "`+marker+`") { number } }`) + "&token=" + tok)
	if err != nil {
		t.Fatal(err)
	}
	_ = get.Body.Close()

	ev := testserver.Event("rl-1", "IN_TRANSIT", testserver.T0)
	ev["message"] = marker
	if st, body := s.Webhook(t, testserver.WebhookBody(t, "DHL", f.Tracking, ev), testserver.WebhookSecret); st != http.StatusOK {
		t.Fatalf("webhook: %d %v", st, body)
	}
	if res, err := http.Get(s.URL() + "/healthz"); err != nil {
		t.Fatal(err)
	} else {
		_ = res.Body.Close()
	}

	c := s.ConnectWS(t, tok)
	c.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order})
	s.WaitSubscribed(t, c, f)
	c.Send(testserver.WSMessage{ID: "1", Type: "complete"})
	c.Subscribe("2", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": "999999"})
	if m, err := c.ReadFor("2", 10e9); err != nil || testserver.ErrorCode(m) != "NOT_FOUND" {
		t.Fatalf("subscribing to a missing order: %+v %v", m, err)
	}
	_ = c.Conn.Close(websocket.StatusNormalClosure, "")
	// The server ends its side of the close on its own goroutine: wait for
	// it, or shutdown could still count this connection as open.
	logs.WaitFor(t, `"msg":"websocket closed","code":1000`)
	open := s.ConnectWS(t, tok) // still open at shutdown
	_ = open
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	all := logs.String()
	for _, secret := range []string{tok, marker, "eyJ", string(testserver.WebhookSecret), "sha256="} {
		if strings.Contains(all, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	lines := logs.Lines(t)
	query := map[string]any{"msg": "request", "level": "INFO", "method": "POST", "path": "/query", "op": "OrderStatus", "type": "query"}
	ok := mustFind(t, lines, with(query, "status", 200))
	if _, has := ok[0]["codes"]; has {
		t.Errorf("a successful query logged codes: %v", ok[0])
	}
	for _, attr := range []string{"ms", "bytes", "time"} {
		if _, has := ok[0][attr]; !has {
			t.Errorf("request line without %s: %v", attr, ok[0])
		}
	}
	mustFind(t, lines, with(query, "codes", "NOT_FOUND"))
	mustFind(t, lines, map[string]any{"msg": "request", "path": "/query", "type": "unknown", "codes": "GRAPHQL_PARSE_FAILED", "status": parse.Status})
	mustFind(t, lines, map[string]any{"msg": "request", "method": "GET", "path": "/query", "status": get.StatusCode, "op": "anonymous", "type": "query"})
	mustFind(t, lines, map[string]any{"msg": "request", "level": "INFO", "method": "POST", "path": "/webhooks/tracking", "status": 200})
	mustFind(t, lines, map[string]any{"msg": "request", "level": "DEBUG", "path": "/healthz", "status": 200})
	mustFind(t, lines, map[string]any{"msg": "request", "method": "GET", "path": "/query", "status": 101})
	mustFind(t, lines, map[string]any{"msg": "subscription started", "op": "OrderUpdates"})
	ended := mustFind(t, lines, map[string]any{"msg": "subscription ended", "op": "OrderUpdates"})
	if _, has := ended[0]["ms"]; !has {
		t.Errorf("subscription end without its duration: %v", ended[0])
	}
	mustFind(t, lines, map[string]any{"msg": "graphql operation", "op": "OrderUpdates", "type": "subscription", "codes": "[NOT_FOUND]"})
	mustFind(t, lines, map[string]any{"msg": "websocket closed", "code": 1000})
	mustFind(t, lines, map[string]any{"msg": "websocket closed", "code": 1001})
	mustFind(t, lines, map[string]any{"msg": "shutting down"})
	mustFind(t, lines, map[string]any{"msg": "shutdown complete", "websockets_closed": 1, "ok": true})
}

// with returns a copy of m with k set to v.
func with(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{k: v}
	for key, val := range m {
		if key != k {
			out[key] = val
		}
	}
	return out
}
