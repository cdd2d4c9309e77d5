package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// scrape is one parsed /metrics answer.
type scrape map[string]*dto.MetricFamily

// mustScrape fetches and parses url in Prometheus' text format.
func mustScrape(t testing.TB, url string) scrape {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parsing %s: %v", url, err)
	}
	return fams
}

// value returns the value of the series of family name whose labels include
// labels: a counter's or gauge's value, a histogram's count; 0 if absent.
func (s scrape) value(name string, labels ...string) float64 {
	f := s[name]
	if f == nil {
		return 0
	}
	for _, m := range f.GetMetric() {
		if !hasLabels(m, labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			return m.Untyped.GetValue()
		}
	}
	return 0
}

// has reports whether family name has a series with labels.
func (s scrape) has(name string, labels ...string) bool {
	for _, m := range s[name].GetMetric() {
		if hasLabels(m, labels) {
			return true
		}
	}
	return false
}

func hasLabels(m *dto.Metric, pairs []string) bool {
	for i := 0; i+1 < len(pairs); i += 2 {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == pairs[i] && l.GetValue() == pairs[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

const operationSeries = "aftercart_graphql_operation_duration_seconds"

// TestMetrics scrapes /metrics (on its own listener) around real traffic (a
// query, errors, webhook deliveries, a websocket subscription that gets a
// change, a resync) and checks each series moved by what was sent.
func TestMetrics(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, func(c *app.Config) { c.MetricsAddr = "127.0.0.1:0" })
		if !strings.HasPrefix(s.MetricsURL(), "http://127.0.0.1:") || strings.HasPrefix(s.MetricsURL(), s.URL()) {
			t.Fatalf("MetricsURL %q: want a listener of its own (server at %s)", s.MetricsURL(), s.URL())
		}
		f := s.LiveFixture(t, "M1")
		tok := s.Token(t, auth.RoleCustomer, "mina@example.com")
		a := mustScrape(t, s.MetricsURL())

		// A subscription, made live.
		c := s.ConnectWS(t, tok)
		c.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order})
		s.WaitSubscribed(t, c, f)
		b := mustScrape(t, s.MetricsURL())
		sub := []string{"type", "subscription", "operation", "OrderUpdates", "outcome", "ok"}
		if d := b.value(operationSeries, sub...) - a.value(operationSeries, sub...); d != 1 {
			t.Errorf("subscriptions counted: +%v, want +1", d)
		}
		for name, want := range map[string]float64{"aftercart_graphql_subscriptions_active": 1, "aftercart_websocket_connections": 1} {
			if got := b.value(name); got != want {
				t.Errorf("%s = %v, want %v", name, got, want)
			}
		}

		// A query, a failing one, an unparsable one.
		const orderQuery = `query OrderStatus($number: String!) { order(number: $number) { number } }`
		s.GQL(t, tok, orderQuery, map[string]any{"number": "M1"}).MustOK(t, nil)
		s.GQL(t, tok, orderQuery, map[string]any{"number": "none"}).MustCode(t, "NOT_FOUND")
		s.GQL(t, tok, "query Broken { order(", nil).MustCode(t, "GRAPHQL_PARSE_FAILED")
		postRaw(t, s.URL()+"/query", `{"query": "query Named { order(", "operationName": "Named"}`)
		// A delivery (its change reaches the subscriber) and a forged one.
		body := testserver.WebhookBody(t, "DHL", f.Tracking, testserver.Event("m-1", "IN_TRANSIT", testserver.T0.Add(time.Hour)))
		if st, _ := s.Webhook(t, body, testserver.WebhookSecret); st != http.StatusOK {
			t.Fatalf("webhook: %d", st)
		}
		if u := c.Next("1"); u.Event == nil || u.Event.Message != "Event m-1" {
			t.Fatalf("update = %+v", u)
		}
		if st, _ := s.Webhook(t, body, []byte("wrong secret")); st != http.StatusUnauthorized {
			t.Fatalf("forged webhook: %d", st)
		}
		s.Live.Resync() // what the Postgres listener does after reconnecting
		c.Send(testserver.WSMessage{ID: "1", Type: "complete"})
		_ = c.Conn.Close(websocket.StatusNormalClosure, "")

		// The socket closes asynchronously, and a scrape reads the series
		// in no particular order: wait for all three.
		var z scrape
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			z = mustScrape(t, s.MetricsURL())
			if z.value("aftercart_websocket_connections") == 0 && z.value("aftercart_graphql_subscriptions_active") == 0 &&
				z.value("aftercart_websocket_closed_total", "code", "1000") > b.value("aftercart_websocket_closed_total", "code", "1000") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("websockets %v, subscriptions %v after closing", z.value("aftercart_websocket_connections"), z.value("aftercart_graphql_subscriptions_active"))
			}
		}
		moved := func(name string, want float64, labels ...string) {
			t.Helper()
			if d := z.value(name, labels...) - b.value(name, labels...); d != want {
				t.Errorf("%s%v moved by %v, want %v", name, labels, d, want)
			}
		}
		movedAtLeast := func(name string, want float64, labels ...string) {
			t.Helper()
			if d := z.value(name, labels...) - b.value(name, labels...); d < want {
				t.Errorf("%s%v moved by %v, want at least %v", name, labels, d, want)
			}
		}
		moved(operationSeries, 1, "type", "query", "operation", "OrderStatus", "outcome", "ok")
		moved(operationSeries, 1, "type", "query", "operation", "OrderStatus", "outcome", "NOT_FOUND")
		moved(operationSeries, 1, "type", "unknown", "operation", "anonymous", "outcome", "GRAPHQL_PARSE_FAILED")
		// Never validated, so its name gets no series of its own.
		moved(operationSeries, 1, "type", "unknown", "operation", "other", "outcome", "GRAPHQL_PARSE_FAILED")
		if z.has(operationSeries, "operation", "Named") {
			t.Errorf("an operation name seen only in an unparsable request has a series")
		}
		moved("aftercart_webhook_deliveries_total", 1, "code", "200")
		moved("aftercart_webhook_deliveries_total", 1, "code", "401")
		moved("aftercart_webhook_delivery_duration_seconds", 2)
		// At least: a send is counted just after it is written, so the
		// sync update waitSubscribed read may count after scrape b.
		movedAtLeast("aftercart_live_updates_sent_total", 1)
		moved("aftercart_live_resyncs_total", 1)
		movedAtLeast("aftercart_live_changelog_reads_total", 1, "reader", "hub", "result", "ok")
		movedAtLeast("aftercart_live_changes_read_total", 1, "reader", "hub")
		moved("aftercart_websocket_closed_total", 1, "code", "1000")
		// The same queries again reuse their prepared statements.
		movedAtLeast("aftercart_db_statements_total", 1, "event", "hit")
		for _, event := range []string{"prepared", "evicted", "replanned"} {
			if !z.has("aftercart_db_statements_total", "event", event) {
				t.Errorf("no aftercart_db_statements_total{event=%q}", event)
			}
		}
		for _, name := range []string{"go_sql_max_open_connections", "go_sql_open_connections", "go_sql_in_use_connections", "go_sql_wait_count_total"} {
			if !z.has(name, "db_name", "aftercart") {
				t.Errorf("no %s{db_name=aftercart}", name)
			}
		}
		if z.value("go_sql_open_connections", "db_name", "aftercart") < 1 {
			t.Errorf("go_sql_open_connections = 0 after traffic")
		}
		if !z.has("go_goroutines") || !z.has("process_resident_memory_bytes") {
			t.Errorf("no runtime or process metrics")
		}
	})
}

// TestMetricsListener: production serves /metrics only on -metrics-addr,
// development also on the main listener, and each server has a registry of
// its own, so two in one process neither collide nor mix their counts.
func TestMetricsListener(t *testing.T) {
	prod := mustServer(t, "")
	res, err := http.Get(prod.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusNotFound || prod.MetricsURL() != "" {
		t.Fatalf("production without -metrics-addr: GET /metrics = %d, MetricsURL %q; want 404 and none", res.StatusCode, prod.MetricsURL())
	}

	dev := mustServer(t, "", func(c *app.Config) { c.Dev = true })
	if dev.MetricsURL() != dev.URL()+"/metrics" {
		t.Fatalf("dev MetricsURL = %q", dev.MetricsURL())
	}
	other := mustServer(t, "", func(c *app.Config) { c.MetricsAddr = "127.0.0.1:0" })
	const q = `query Ping { __typename }`
	for i := 0; i < 3; i++ {
		dev.GQL(t, "", q, nil).MustOK(t, nil)
	}
	other.GQL(t, "", q, nil).MustOK(t, nil)
	ping := []string{"type", "query", "operation", "Ping", "outcome", "ok"}
	if got := mustScrape(t, dev.MetricsURL()).value(operationSeries, ping...); got != 3 {
		t.Errorf("dev server counted %v Ping, want 3", got)
	}
	if got := mustScrape(t, other.MetricsURL()).value(operationSeries, ping...); got != 1 {
		t.Errorf("other server counted %v Ping, want 1", got)
	}
}

// postRaw posts a raw JSON body and discards the answer.
func postRaw(t testing.TB, url, body string) {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
}
