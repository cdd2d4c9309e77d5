package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/tracking"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// eachDB runs f on the embedded SQLite and on a fresh Postgres database. The
// Postgres half skips locally without the binaries and fails in CI.
func eachDB(t *testing.T, f func(t *testing.T, dbURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { f(t, "") })
	t.Run("postgres", func(t *testing.T) { f(t, pgtest.Get(t).NewDatabase(t)) })
}

// testServer is the real server, listening on a loopback port.
type testServer struct {
	*app.App
	statements atomic.Int64
	// logs holds everything the server logged, for tests that check what
	// is (and is never) logged.
	logs *syncBuffer
}

var (
	testJWTSecret     = []byte("test-jwt-secret-0123456789abcdef-0123456789")
	testWebhookSecret = []byte("test-webhook-secret")
)

// mustServer starts a server on dbURL ("" for SQLite in a temp dir).
func mustServer(t testing.TB, dbURL string, configure ...func(*app.Config)) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	s := mustServerLog(t, dbURL, slog.New(slog.NewTextHandler(io.MultiWriter(testLogWriter{t}, logs), nil)), configure...)
	s.logs = logs
	return s
}

// mustServerLog starts a server as mustServer does, logging to log (and
// not to s.logs).
func mustServerLog(t testing.TB, dbURL string, log *slog.Logger, configure ...func(*app.Config)) *testServer {
	t.Helper()
	s := &testServer{logs: &syncBuffer{}}
	c := app.Config{
		Addr:             "127.0.0.1:0",
		DataDir:          t.TempDir(),
		DatabaseURL:      dbURL,
		ReturnPolicy:     "30 days, free returns.",
		ReturnWindowDays: 30,
		JWTSecret:        testJWTSecret,
		WebhookSecret:    testWebhookSecret,
		OnStatement:      func(context.Context, string) { s.statements.Add(1) },
		// No cleanup loop: its timer would count among the fake clock's
		// waiters that websocket tests wait for (server/media tests it).
		MediaCleanupInterval: -1,
	}
	for _, f := range configure {
		f(&c)
	}
	s.App = app.New(c, log)
	if err := s.Run(context.Background()); err != nil {
		t.Fatalf("starting server: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// token issues a token for role (and email, for customers).
func (s *testServer) token(t testing.TB, role auth.Role, email string) string {
	t.Helper()
	tok, err := s.Issuer.Issue(role, email, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (s *testServer) integration(t testing.TB) string { return s.token(t, auth.RoleIntegration, "") }

// gqlError is one GraphQL error as the client sees it.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// gqlResponse is a GraphQL response plus its HTTP status.
type gqlResponse struct {
	Status int
	Header http.Header
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
	// raw is the body as received.
	raw []byte
}

// code returns the first error's extensions.code, or "".
func (r *gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// mustOK fails the test if the response has errors, and decodes data into v.
func (r *gqlResponse) mustOK(t testing.TB, v any) {
	t.Helper()
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		t.Fatalf("status %d, errors: %+v", r.Status, r.Errors)
	}
	if v != nil {
		if err := json.Unmarshal(r.Data, v); err != nil {
			t.Fatalf("decoding %s: %v", r.Data, err)
		}
	}
}

// mustCode fails the test unless the response failed with the given code.
func (r *gqlResponse) mustCode(t testing.TB, code string) {
	t.Helper()
	if r.code() != code {
		t.Fatalf("want error code %s, got status %d data %s errors %+v", code, r.Status, r.Data, r.Errors)
	}
}

// gql posts a GraphQL operation as token ("" for anonymous).
func (s *testServer) gql(t testing.TB, token, query string, vars map[string]any) *gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := &gqlResponse{Status: res.StatusCode, Header: res.Header}
	raw, _ := io.ReadAll(res.Body)
	out.raw = raw
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("status %d, body %q: %v", res.StatusCode, raw, err)
	}
	return out
}

// webhook posts body to /webhooks/tracking signed with secret (unsigned if nil).
func (s *testServer) webhook(t testing.TB, body []byte, secret []byte) (int, map[string]any) {
	t.Helper()
	sig := ""
	if secret != nil {
		sig = tracking.Sign(secret, body)
	}
	return s.webhookWithSignature(t, body, sig)
}

// webhookWithSignature posts body with the given signature header value.
func (s *testServer) webhookWithSignature(t testing.TB, body []byte, sig string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/webhooks/tracking", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(tracking.SignatureHeader, sig)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// orderSpec describes an order for importOrderVars.
type orderSpec struct {
	email, number string
	items         int
	placedAt      time.Time
}

// importOrderVars builds importOrder variables with n items.
func importOrderVars(o orderSpec) map[string]any {
	if o.placedAt.IsZero() {
		o.placedAt = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	}
	items := make([]any, o.items)
	for i := range items {
		items[i] = map[string]any{
			"externalId": fmt.Sprintf("%s-line-%d", o.number, i),
			"sku":        fmt.Sprintf("SKU-%d", i),
			"name":       fmt.Sprintf("Product %d", i),
			"imageUrl":   fmt.Sprintf("https://img.example.com/%d.jpg", i),
			"quantity":   i%3 + 1,
			"unitPrice":  fmt.Sprintf("%d.%02d", 10+i, i%100),
		}
	}
	first := strings.SplitN(o.email, "@", 2)[0]
	return map[string]any{"input": map[string]any{
		"externalId":   "ext-" + o.number,
		"number":       o.number,
		"placedAt":     o.placedAt.Format(time.RFC3339),
		"currencyCode": "EUR",
		"customer":     map[string]any{"email": o.email, "firstName": strings.ToUpper(first[:1]) + first[1:]},
		"items":        items,
		"shippingCost": "4.90",
		"tax":          "3.10",
		"shippingAddress": map[string]any{
			"name": "Mina Okafor", "line1": "Torstraße 1", "city": "Berlin", "postalCode": "10119", "countryCode": "DE",
		},
		"paymentMethod": map[string]any{"kind": "card", "brand": "Visa", "last4": "4242"},
	}}
}

const importOrderMutation = `mutation Import($input: ImportOrderInput!) {
  importOrder(input: $input) {
    created changed
    order { id number status updatedAt total { amount currencyCode } items { id quantity } }
  }
}`

// importedOrder is what mustImport returns.
type importedOrder struct {
	ID     string
	Number string
	Status string
	Items  []struct {
		ID       string
		Quantity int
	}
}

// mustImport imports an order through the API and returns it.
func (s *testServer) mustImport(t testing.TB, o orderSpec) importedOrder {
	t.Helper()
	var out struct {
		ImportOrder struct{ Order importedOrder }
	}
	s.gql(t, s.integration(t), importOrderMutation, importOrderVars(o)).mustOK(t, &out)
	return out.ImportOrder.Order
}

const createShipmentMutation = `mutation Ship($input: CreateShipmentInput!) {
  createShipment(input: $input) { created shipment { id carrier trackingNumber trackingUrl status } }
}`

// mustShip ships every remaining unit of the order (or the given items).
func (s *testServer) mustShip(t testing.TB, orderID, carrier, number string, items ...map[string]any) string {
	t.Helper()
	in := map[string]any{"orderId": orderID, "carrier": carrier, "trackingNumber": number,
		"estimatedDeliveryAt": "2026-11-05T18:00:00Z"}
	if len(items) > 0 {
		in["items"] = items
	}
	var out struct {
		CreateShipment struct{ Shipment struct{ ID string } }
	}
	s.gql(t, s.integration(t), createShipmentMutation, map[string]any{"input": in}).mustOK(t, &out)
	return out.CreateShipment.Shipment.ID
}

// TrackMutation is the contract's mutation, verbatim.
const trackMutation = `mutation Track($input: RecordTrackingEventsInput!) {
  recordTrackingEvents(input: $input) { shipment { id status latestEstimatedDeliveryAt } }
}`

// event builds one TrackingEventInput.
func event(id, status string, at time.Time) map[string]any {
	return map[string]any{"externalId": id, "status": status, "message": "Event " + id,
		"location": "Leipzig, DE", "occurredAt": at.UTC().Format(time.RFC3339)}
}

// mustTrack records events through the GraphQL mutation.
func (s *testServer) mustTrack(t testing.TB, carrier, number string, events ...map[string]any) {
	t.Helper()
	in := map[string]any{"carrier": carrier, "trackingNumber": number, "events": events}
	s.gql(t, s.integration(t), trackMutation, map[string]any{"input": in}).mustOK(t, nil)
}

// testLogWriter sends server logs to the test log, shown only on failure.
type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// fmtMap renders a map deterministically for comparison.
func fmtMap(m map[string]int) string { return fmt.Sprint(m) }

// pgtestDatabase returns a fresh database on the shared throwaway cluster.
func pgtestDatabase(t *testing.T) string { return pgtest.Get(t).NewDatabase(t) }
