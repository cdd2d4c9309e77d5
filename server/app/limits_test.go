package app_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// TestOrderStatusStatements checks the mobile app's query runs at most two
// SQL statements whatever the number of items, shipments and events, for a
// customer and for staff alike: the order with its customer and its items
// with their products, then the shipments with a page of events each
// (graph/orderstatus.go). The bound is three.
func TestOrderStatusStatements(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		build := func(number string, items, shipments, events int) {
			o := s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: number, Items: items})
			for i := 0; i < shipments; i++ {
				it := o.Items[i%len(o.Items)]
				tn := fmt.Sprintf("JJD%s%03d", strings.ReplaceAll(number, "-", ""), i)
				s.MustShip(t, o.ID, "DHL", tn, map[string]any{"orderItemId": it.ID, "quantity": 1})
				var evs []map[string]any
				for e := 0; e < events; e++ {
					evs = append(evs, testserver.Event(fmt.Sprint(tn, "-", e), "IN_TRANSIT", testserver.T0.Add(time.Duration(e)*time.Minute)))
				}
				s.MustTrack(t, "DHL", tn, evs...)
			}
		}
		build("S-1", 1, 1, 1)
		build("S-2", 12, 4, 30)
		build("S-3", 1, 0, 0)
		for _, who := range []struct {
			name, token string
		}{
			{"customer", s.Token(t, auth.RoleCustomer, "mina@example.com")},
			{"admin", s.Token(t, auth.RoleAdmin, "")},
		} {
			count := func(number string) int64 {
				s.Statements.Store(0)
				var res testserver.OrderStatus
				s.GQL(t, who.token, testserver.OrderStatusQuery, map[string]any{"number": number}).MustOK(t, &res)
				if res.Order == nil || res.Order.Number != number {
					t.Fatalf("%s: order %s not read: %+v", who.name, number, res.Order)
				}
				return s.Statements.Load()
			}
			// The first request looks the customer up by email; later ones
			// find the viewer in the cache.
			count("S-1")
			small, large, bare := count("S-1"), count("S-2"), count("S-3")
			t.Logf("OrderStatus as %s: %d statements for 1 item/1 shipment/1 event, %d for 12 items/4 shipments/120 events, %d without shipments", who.name, small, large, bare)
			if small != large || bare > small {
				t.Errorf("%s: statement count grows with the data: %d, %d, %d", who.name, small, large, bare)
			}
			if small > 2 {
				t.Errorf("%s: OrderStatus runs %d statements; want at most 2", who.name, small)
			}
		}
	})
}

// TestRejectedBeforeSQL checks that over-budget and malformed operations are
// refused before any resolver touches the database.
func TestRejectedBeforeSQL(t *testing.T) {
	s := mustServer(t, "")
	tok := s.Token(t, auth.RoleAdmin, "") // staff: no per-request customer lookup
	var aliases strings.Builder
	aliases.WriteString("{")
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&aliases, " a%d: orders(first: 100) { edges { node { shipments { events(first: 100) { totalCount } } } } }", i)
	}
	aliases.WriteString(" }")
	var fields strings.Builder
	fields.WriteString("{ viewer {")
	for i := 0; i < 8000; i++ {
		fields.WriteString(" id")
	}
	fields.WriteString(" } }")
	var bomb strings.Builder
	bomb.WriteString("query { orders(first: 1) { edges { node { ...F0 } } } }\n")
	for i := 0; i < 22; i++ {
		fmt.Fprintf(&bomb, "fragment F%d on Order { number ...F%d ...F%d }\n", i, i+1, i+1)
	}
	bomb.WriteString("fragment F22 on Order { number }\n")
	for _, c := range []struct {
		name, query, code string
	}{
		{"200 aliases", aliases.String(), "QUERY_TOO_EXPENSIVE"},
		{"8000 repeated fields", fields.String(), "GRAPHQL_VALIDATION_FAILED"},
		{"over the token limit", "{ viewer {" + strings.Repeat(" id", 20000) + " } }", "GRAPHQL_PARSE_FAILED"},
		{"fragment bomb", bomb.String(), "GRAPHQL_VALIDATION_FAILED"},
		{"fragment cycle", `{ orders(first: 1) { edges { node { ...A } } } } fragment A on Order { ...B } fragment B on Order { ...A }`, "GRAPHQL_VALIDATION_FAILED"},
		{"missing first", `{ orders { totalCount } }`, "INVALID_INPUT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s.Statements.Store(0)
			start := time.Now()
			r := s.GQL(t, tok, c.query, nil)
			elapsed := time.Since(start)
			r.MustCode(t, c.code)
			if n := s.Statements.Load(); n != 0 {
				t.Errorf("%d SQL statements ran before the rejection", n)
			}
			// Generous: what matters is that nothing quadratic or exponential
			// runs (those take seconds); the benchmarks print real figures.
			if elapsed > time.Second {
				t.Errorf("rejection took %v", elapsed)
			}
			t.Logf("rejected in %v", elapsed)
		})
	}
}

func TestHTTPSurface(t *testing.T) {
	s := mustServer(t, "")
	prod := s.URL() + "/query"
	post := func(url, contentType string, body []byte) *http.Response {
		res, err := http.Post(url, contentType, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := post(prod, "application/json", bytes.Repeat([]byte(" "), 2<<20)); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB body: status %d, want 413", res.StatusCode)
	}
	if res := post(prod, "text/plain", []byte(`{"query":"{ __typename }"}`)); res.StatusCode < 400 {
		t.Errorf("text/plain POST accepted (CSRF): status %d", res.StatusCode)
	}
	if res := post(prod, "application/x-www-form-urlencoded", []byte(`query=%7B__typename%7D`)); res.StatusCode < 400 {
		t.Errorf("form POST accepted (CSRF): status %d", res.StatusCode)
	}
	get, err := http.Get(prod + "?query=" + url.QueryEscape(`mutation { __typename }`))
	if err != nil {
		t.Fatal(err)
	}
	get.Body.Close()
	if get.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("mutation over GET: status %d, want 405", get.StatusCode)
	}
	tok := s.Token(t, auth.RoleAdmin, "")
	s.GQL(t, tok, `{ __schema { types { name } } }`, nil).MustCode(t, "GRAPHQL_VALIDATION_FAILED")
	r := s.GQL(t, tok, `{ ordr(number: "x") { id } }`, nil)
	if len(r.Errors) == 0 || strings.Contains(r.Errors[0].Message, "Did you mean") {
		t.Errorf("production error leaks suggestions: %+v", r.Errors)
	}
	if res, _ := http.Get(s.URL() + "/"); res.StatusCode == http.StatusOK {
		t.Error("GraphiQL served outside development mode")
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := http.Get(s.URL() + path)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Errorf("%s: %v %v", path, res, err)
		}
	}

	dev := mustServer(t, "", func(c *app.Config) { c.Dev = true })
	var schema struct {
		Schema struct{ Types []struct{ Name string } } `json:"__schema"`
	}
	dev.GQL(t, tok, `{ __schema { types { name } } }`, nil).MustOK(t, &schema)
	if len(schema.Schema.Types) == 0 {
		t.Error("no introspection in development mode")
	}
	// This server has no web-demo build, so `/` explains how to build
	// GraphiQL (TestExplorerRoutes covers a built one).
	if res, _ := http.Get(dev.URL() + "/"); res.StatusCode != http.StatusNotFound {
		t.Errorf("GraphiQL in development mode without a build: status %d, want 404 with build instructions", res.StatusCode)
	}
}

func TestCORS(t *testing.T) {
	s := mustServer(t, "", func(c *app.Config) { c.AllowedOrigins = []string{"https://shop.example.com"} })
	preflight := func(origin string) string {
		req, _ := http.NewRequest(http.MethodOptions, s.URL()+"/query", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("credentials allowed for %s", origin)
		}
		return res.Header.Get("Access-Control-Allow-Origin")
	}
	if got := preflight("https://shop.example.com"); got != "https://shop.example.com" {
		t.Errorf("configured origin: Allow-Origin %q", got)
	}
	if got := preflight("https://evil.example.net"); got != "" {
		t.Errorf("unlisted origin: Allow-Origin %q", got)
	}
}

// TestViewerBudget: a customer who spends their cost budget gets THROTTLED
// with a retryAfter, over HTTP and when subscribing over a websocket, and
// nothing runs; other customers and staff keep theirs; the budget refills.
func TestViewerBudget(t *testing.T) {
	const perSecond = 10 // slow, so that refills during the test stay small
	s := mustServer(t, "", func(c *app.Config) {
		c.CostBudget = 5_000
		c.ViewerBurst = 5_000
		c.ViewerPerSecond = perSecond
	})
	f := s.LiveFixture(t, "B1")
	mina := s.Token(t, auth.RoleCustomer, "mina@example.com")
	// 1 + 100 × (1 + 1 + 1 × (1 + 1)) = 401 points: 12 fit in the burst.
	const orders = `{ orders(first: 100) { edges { cursor node { number } } } }`
	const cheap = `{ orders(first: 1) { totalCount } }` // 2 points
	spendUntilThrottled := func(query string) (int, *testserver.Response) {
		t.Helper()
		for i := 0; i < 3_000; i++ {
			res := s.GQL(t, mina, query, nil)
			switch res.Code() {
			case "":
			case "THROTTLED":
				return i, res
			default:
				t.Fatalf("query %d: %s", i+1, res.Code())
			}
		}
		t.Fatalf("never throttled")
		return 0, nil
	}
	spent, throttled := spendUntilThrottled(orders)
	if spent != 12 {
		t.Errorf("throttled after %d queries of 401 points in a burst of 5,000, want 12", spent)
	}
	ext := throttled.Errors[0].Extensions
	// 12 × 401 = 4,812 spent, so the 13th lacks 401 − 188 = 213 points, 22 s
	// at 10 per second (a little less after refills during the loop).
	if ra, _ := ext["retryAfter"].(float64); ra < 15 || ra > 22 || ext["cost"] != float64(401) {
		t.Errorf("extensions %v, want cost 401 and retryAfter about 22", ext)
	}
	if throttled.Data != nil && string(throttled.Data) != "null" {
		t.Errorf("a throttled operation returned data: %s", throttled.Data)
	}
	if got, want := throttled.Header.Get("Retry-After"), fmt.Sprint(ext["retryAfter"]); got != want {
		t.Errorf("Retry-After header %q, want %q as in extensions.retryAfter", got, want)
	}
	// Spend the rest, so that even a small operation is refused.
	spendUntilThrottled(cheap)

	// Subscribing costs too: a websocket with the same token is throttled.
	c := s.ConnectWS(t, mina)
	c.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order})
	if m := c.Read(); testserver.ErrorCode(m) != "THROTTLED" {
		t.Fatalf("subscribe over budget: %s %s", m.Type, m.Payload)
	}

	// Others keep their own budgets.
	s.GQL(t, s.Token(t, auth.RoleCustomer, "leo@example.com"), orders, nil).MustOK(t, nil)
	s.GQL(t, s.Token(t, auth.RoleAdmin, ""), orders, nil).MustOK(t, nil)

	// And it refills: 2 points take 0.2 s.
	time.Sleep(500 * time.Millisecond)
	s.GQL(t, mina, cheap, nil).MustOK(t, nil)
}
