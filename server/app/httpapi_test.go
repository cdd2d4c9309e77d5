package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/aftercart/aftercart/graph"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// rawResponse is an HTTP answer from /query, undecoded.
type rawResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// decode parses the body as a GraphQL response, keeping whether the data
// entry was present at all.
func (r rawResponse) decode(t *testing.T) (hasData bool, res testserver.Response) {
	t.Helper()
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &entries); err != nil {
		t.Fatalf("status %d, body %q is not a JSON object: %v", r.Status, r.Body, err)
	}
	if err := json.Unmarshal(r.Body, &res); err != nil {
		t.Fatal(err)
	}
	res.Status, res.Header = r.Status, r.Header
	_, hasData = entries["data"]
	return hasData, res
}

// send sends one request to /query.
func (s *testServer) send(t *testing.T, method string, body io.Reader, header map[string]string) rawResponse {
	t.Helper()
	target := s.URL() + "/query"
	if method == http.MethodGet {
		if q, ok := body.(*strings.Reader); ok {
			raw, _ := io.ReadAll(q)
			target += "?" + string(raw)
			body = nil
		}
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return rawResponse{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// onlyReader hides a reader's type, so net/http cannot know its length and
// sends it chunked.
type onlyReader struct{ io.Reader }

// TestHTTPRequestErrors checks what a request that is not a usable GraphQL
// request gets, for both response media types: a clear status and
// extensions.code, no data entry, no echo of the body, and nothing logged
// above INFO.
func TestHTTPRequestErrors(t *testing.T) {
	s := mustServer(t, "")
	const secret = "s3cr3t-body-marker"
	jsonCT := map[string]string{"Content-Type": "application/json"}
	gqlResp := map[string]string{"Content-Type": "application/json", "Accept": "application/graphql-response+json"}
	huge := `{"query":"{ __typename }","variables":{"x":"` + secret + strings.Repeat("a", graph.MaxBodyBytes) + `"}}`
	for _, tc := range []struct {
		name   string
		method string
		body   func() io.Reader
		header map[string]string
		status int
		code   string
		// message is a fragment of the error's message.
		message string
	}{
		{"batch", http.MethodPost, func() io.Reader { return strings.NewReader(`[{"query":"{ __typename }"},{"query":"{ __typename }"}]`) }, jsonCT, 400, "BAD_REQUEST", "batched"},
		{"batch, graphql-response+json", http.MethodPost, func() io.Reader { return strings.NewReader(` [{"query":"{ __typename }"}]`) }, gqlResp, 400, "BAD_REQUEST", "batched"},
		{"not JSON", http.MethodPost, func() io.Reader { return strings.NewReader(`{"query": "` + secret) }, jsonCT, 400, "BAD_REQUEST", "not valid JSON"},
		{"not an object", http.MethodPost, func() io.Reader { return strings.NewReader(`"` + secret + `"`) }, jsonCT, 400, "BAD_REQUEST", "JSON object"},
		{"empty body", http.MethodPost, func() io.Reader { return strings.NewReader(``) }, jsonCT, 400, "BAD_REQUEST", "empty"},
		{"query of the wrong type", http.MethodPost, func() io.Reader { return strings.NewReader(`{"query": {"a": 1}}`) }, jsonCT, 400, "BAD_REQUEST", "query parameter must be a string"},
		{"missing query", http.MethodPost, func() io.Reader { return strings.NewReader(`{"qeury": "{ __typename }"}`) }, jsonCT, 400, "BAD_REQUEST", "query parameter is missing"},
		{"variables not an object", http.MethodPost, func() io.Reader { return strings.NewReader(`{"query": "{ __typename }", "variables": [1]}`) }, jsonCT, 400, "BAD_REQUEST", "variables parameter"},
		{"text/plain (CSRF)", http.MethodPost, func() io.Reader { return strings.NewReader(`{"query":"{ __typename }"}`) }, map[string]string{"Content-Type": "text/plain"}, 415, "BAD_REQUEST", "application/json"},
		{"form (CSRF)", http.MethodPost, func() io.Reader { return strings.NewReader(`query=%7B__typename%7D`) }, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, "BAD_REQUEST", "application/json"},
		{"over the limit with Content-Length", http.MethodPost, func() io.Reader { return strings.NewReader(huge) }, jsonCT, 413, "BAD_REQUEST", "over"},
		{"over the limit, chunked", http.MethodPost, func() io.Reader { return onlyReader{strings.NewReader(huge)} }, jsonCT, 413, "BAD_REQUEST", "over"},
		{"mutation over GET", http.MethodGet, func() io.Reader {
			return strings.NewReader("query=" + url.QueryEscape(`mutation { __typename }`))
		}, nil, 405, "BAD_REQUEST", "POST"},
		{"subscription over POST", http.MethodPost, func() io.Reader {
			return strings.NewReader(`{"query":"subscription { shipmentUpdated(orderId: \"1\") { cursor } }"}`)
		}, gqlResp, 400, "BAD_REQUEST", "websockets"},
		{"unacceptable Accept", http.MethodPost, func() io.Reader { return strings.NewReader(`{"query":"{ __typename }"}`) }, map[string]string{"Content-Type": "application/json", "Accept": "text/html"}, 406, "BAD_REQUEST", "Accept"},
		// Document errors: 200 for application/json (the spec's legacy
		// rule), 400 for graphql-response+json; never a data entry.
		{"parse error", http.MethodPost, func() io.Reader { return strings.NewReader(`{"query":"{"}`) }, jsonCT, 200, "GRAPHQL_PARSE_FAILED", ""},
		{"parse error, graphql-response+json", http.MethodPost, func() io.Reader { return strings.NewReader(`{"query":"{"}`) }, gqlResp, 400, "GRAPHQL_PARSE_FAILED", ""},
		{"validation error", http.MethodPost, func() io.Reader { return strings.NewReader(`{"query":"{ nope }"}`) }, jsonCT, 200, "GRAPHQL_VALIDATION_FAILED", ""},
		{"validation error, graphql-response+json", http.MethodPost, func() io.Reader { return strings.NewReader(`{"query":"{ nope }"}`) }, gqlResp, 400, "GRAPHQL_VALIDATION_FAILED", ""},
		{"variable coercion, graphql-response+json", http.MethodPost, func() io.Reader {
			return strings.NewReader(`{"query":"query Q($id: ID!) { node(id: $id) { id } }","variables":{"id":null}}`)
		}, gqlResp, 400, "GRAPHQL_VALIDATION_FAILED", ""},
		{"too expensive, graphql-response+json", http.MethodPost, func() io.Reader {
			return strings.NewReader(`{"query":"{ orders(first: 100) { edges { node { items { product { name } } shipments { events(first: 100) { edges { node { message } } } } } } } }"}`)
		}, gqlResp, 400, "QUERY_TOO_EXPENSIVE", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(s.Logs.String())
			hasData, res := s.send(t, tc.method, tc.body(), tc.header).decode(t)
			if res.Status != tc.status || res.Code() != tc.code || !strings.Contains(firstMessage(res), tc.message) {
				t.Fatalf("got %d %s %+v, want %d %s with %q", res.Status, res.Code(), res.Errors, tc.status, tc.code, tc.message)
			}
			if hasData {
				t.Errorf("a request error has a data entry: %s", res.Data)
			}
			if len(res.Errors) != 1 {
				t.Errorf("want one error, got %+v", res.Errors)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/") || !strings.Contains(ct, "json") {
				t.Errorf("content type %q", ct)
			}
			logged := s.Logs.String()[before:]
			if strings.Contains(logged, secret) {
				t.Errorf("the body reached the log:\n%s", logged)
			}
			if strings.Contains(logged, "level=ERROR") || strings.Contains(logged, "level=WARN") {
				t.Errorf("a client mistake was logged above INFO:\n%s", logged)
			}
			if n := strings.Count(logged, "\n"); n > 1 {
				t.Errorf("a client mistake took %d log lines, want at most one:\n%s", n, logged)
			}
			for _, e := range res.Errors {
				if strings.Contains(e.Message, secret) {
					t.Errorf("the body is echoed in the error: %q", e.Message)
				}
			}
		})
	}
}

func firstMessage(r testserver.Response) string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Message
}

// TestAcceptNegotiation checks the response media type chosen from Accept.
func TestAcceptNegotiation(t *testing.T) {
	s := mustServer(t, "")
	for accept, want := range map[string]string{
		"":                                  "application/json",
		"*/*":                               "application/json",
		"application/json":                  "application/json",
		"application/graphql-response+json": "application/graphql-response+json",
		"application/graphql-response+json, application/json;q=0.9": "application/graphql-response+json",
		"application/json;q=0.5, application/graphql-response+json": "application/graphql-response+json",
		"application/graphql-response+json;q=0.1, application/json": "application/json",
		"text/html, application/*;q=0.8":                            "application/json",
	} {
		res := s.send(t, http.MethodPost, strings.NewReader(`{"query":"{ __typename }"}`),
			map[string]string{"Content-Type": "application/json", "Accept": accept})
		if res.Status != 200 || res.Header.Get("Content-Type") != want+"; charset=utf-8" {
			t.Errorf("Accept %q: %d %q, want 200 %s", accept, res.Status, res.Header.Get("Content-Type"), want)
		}
	}
}

// TestMalformedIDs checks that an id that cannot be one of aftercart's is
// the client's mistake (INVALID_INPUT naming the argument), on every path
// that takes one, and is not logged as a server error.
func TestMalformedIDs(t *testing.T) {
	s := mustServer(t, "")
	admin := s.Token(t, auth.RoleAdmin, "")
	for _, tc := range []struct {
		query string
		vars  map[string]any
		field string
	}{
		{`{ node(id: "abc") { id } }`, nil, "id"},
		{`{ node(id: "-1") { id } }`, nil, "id"},
		{`{ nodes(ids: ["1", "abc"]) { id } }`, nil, "ids[1]"},
		{`query Q($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": "AC-1001"}, "id"},
		{`query Q($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": 1.5}, "id"},
	} {
		before := len(s.Logs.String())
		res := s.GQL(t, admin, tc.query, tc.vars)
		res.MustCode(t, "INVALID_INPUT")
		if res.Status != http.StatusOK || res.Errors[0].Extensions["field"] != tc.field {
			t.Errorf("%s: status %d, errors %+v, want field %q", tc.query, res.Status, res.Errors, tc.field)
		}
		if logged := s.Logs.String()[before:]; strings.Contains(logged, "level=ERROR") {
			t.Errorf("%s: logged as a server error:\n%s", tc.query, logged)
		}
	}
	// nodes takes at most a page of ids, refused before any SQL.
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprint(i + 1)
	}
	before := s.Statements.Load()
	s.GQL(t, admin, `query Q($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": many}).MustCode(t, "INVALID_INPUT")
	if n := s.Statements.Load() - before; n != 0 {
		t.Errorf("101 ids: %d SQL statements", n)
	}
	// A well-formed id of nothing is NOT_FOUND, as before.
	res := s.GQL(t, admin, `{ node(id: "999999999") { id } }`, nil)
	res.MustCode(t, "NOT_FOUND")
}

// TestMissingToken checks the README's rule: no token is an anonymous
// request (200; fields that need a viewer fail with UNAUTHENTICATED); a
// token that is there but unusable gets 401 before anything runs.
func TestMissingToken(t *testing.T) {
	s := mustServer(t, "")
	s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "T-1", Items: 1})
	res := s.GQL(t, "", `{ order(number: "T-1") { number } }`, nil)
	res.MustCode(t, "UNAUTHENTICATED")
	if res.Status != http.StatusOK || string(res.Data) != `{"order":null}` {
		t.Errorf("anonymous: %d %s", res.Status, res.Data)
	}
	// Minted by hand: the Issuer refuses to issue an expired token.
	expired, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"role": "CUSTOMER", "email": "mina@example.com", "sub": "mina@example.com", "iss": auth.TokenIssuer,
		"iat": time.Now().Add(-2 * time.Hour).Unix(), "exp": time.Now().Add(-time.Hour).Unix(),
	}).SignedString(testserver.JWTSecret)
	if err != nil {
		t.Fatal(err)
	}
	for name, token := range map[string]string{"malformed": "not-a-jwt", "expired": expired} {
		res := s.GQL(t, token, `{ order(number: "T-1") { number } }`, nil)
		res.MustCode(t, "UNAUTHENTICATED")
		if res.Status != http.StatusUnauthorized || res.Data != nil {
			t.Errorf("%s token: %d %s", name, res.Status, res.Data)
		}
	}
}

// TestUnavailableIs503 checks the one rule for a database that is down:
// queries, mutations and GETs, anonymous, staff and customers alike, get 503
// with Retry-After and UNAVAILABLE, and no data.
func TestUnavailableIs503(t *testing.T) {
	cluster := pgtest.Start(t)
	s := mustServer(t, cluster.NewDatabase(t))
	o := s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "U-1", Items: 1})
	customer := s.Token(t, auth.RoleCustomer, "mina@example.com")
	admin := s.Token(t, auth.RoleAdmin, "")
	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	post := func(token, query string, accept string) rawResponse {
		body, _ := json.Marshal(map[string]any{"query": query})
		h := map[string]string{"Content-Type": "application/json", "Accept": accept}
		if token != "" {
			h["Authorization"] = "Bearer " + token
		}
		return s.send(t, http.MethodPost, bytes.NewReader(body), h)
	}
	for name, res := range map[string]rawResponse{
		"query as staff":                  post(admin, `{ orders(first: 1) { totalCount } }`, ""),
		"query as a customer":             post(customer, `{ order(number: "U-1") { number } }`, ""),
		"query, graphql-response+json":    post(admin, `{ node(id: "`+o.ID+`") { id } }`, "application/graphql-response+json"),
		"mutation":                        post(admin, `mutation { createShipment(input: {orderId: "`+o.ID+`", carrier: "DHL", trackingNumber: "JJDX1"}) { shipment { id } } }`, ""),
		"mutation, graphql-response+json": post(admin, `mutation { createShipment(input: {orderId: "`+o.ID+`", carrier: "DHL", trackingNumber: "JJDX1"}) { shipment { id } } }`, "application/graphql-response+json"),
		"GET query": s.send(t, http.MethodGet, strings.NewReader("query="+url.QueryEscape(`{ orders(first: 1) { totalCount } }`)),
			map[string]string{"Authorization": "Bearer " + admin}),
	} {
		hasData, r := res.decode(t)
		if r.Status != http.StatusServiceUnavailable || r.Code() != "UNAVAILABLE" || hasData || r.Header.Get("Retry-After") == "" {
			t.Errorf("%s: status %d, Retry-After %q, data %v, errors %+v; want 503, Retry-After, UNAVAILABLE, no data",
				name, r.Status, r.Header.Get("Retry-After"), hasData, r.Errors)
		}
	}
}

// TestRefusedOperationsCostNoSQL checks that an operation refused before it
// runs costs no SQL, even for a customer (whose viewer is looked up by
// email), and that a customer's repeated requests look the customer up once.
func TestRefusedOperationsCostNoSQL(t *testing.T) {
	s := mustServer(t, "", func(c *app.Config) { c.CostBudget, c.ViewerBurst = 10_000, 10_000 })
	s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "Q-1", Items: 1})
	mina := s.Token(t, auth.RoleCustomer, "mina@example.com")
	expensive := `{ orders(first: 100) { edges { node { items { product { name } } shipments { events(first: 100) { edges { node { message } } } } } } } }`
	affordable := `{ orders(first: 100) { edges { node { items { product { name } } shipments { events(first: 20) { edges { node { message } } } } } } } }`
	for name, query := range map[string]string{
		"parse error":      `{`,
		"validation error": `{ nope }`,
		"too expensive":    expensive,
		"malformed id":     `{ node(id: "abc") { id } }`,
	} {
		before := s.Statements.Load()
		res := s.GQL(t, mina, query, nil)
		if len(res.Errors) == 0 {
			t.Fatalf("%s: not refused", name)
		}
		if n := s.Statements.Load() - before; n != 0 && name != "malformed id" {
			t.Errorf("%s: %d SQL statements for a refused operation", name, n)
		}
	}
	// Spend the budget, then check the throttled refusal costs nothing.
	s.GQL(t, mina, affordable, nil).MustOK(t, nil)
	before := s.Statements.Load()
	res := s.GQL(t, mina, affordable, nil)
	res.MustCode(t, "THROTTLED")
	if n := s.Statements.Load() - before; n != 0 {
		t.Errorf("throttled: %d SQL statements", n)
	}

	// The customer was looked up once, above; the same query twice now
	// costs the same statements each time, with no lookup.
	other := s.Token(t, auth.RoleCustomer, "mina@example.com")
	count := func() int64 {
		before := s.Statements.Load()
		s.GQL(t, other, `{ order(number: "Q-1") { number } }`, nil).MustOK(t, nil)
		return s.Statements.Load() - before
	}
	first, second := count(), count()
	if first != second || first == 0 {
		t.Errorf("statements per order query: %d then %d, want equal (the viewer is cached)", first, second)
	}
}

// TestMalformedIDOverWebsocket checks shipmentUpdated(orderId: "abc"): the
// subscriber's mistake, INVALID_INPUT naming orderId, and the connection
// stays usable.
func TestMalformedIDOverWebsocket(t *testing.T) {
	s := mustServer(t, "")
	f := s.LiveFixture(t, "W1")
	ws := s.ConnectWS(t, s.Token(t, auth.RoleAdmin, ""))
	before := len(s.Logs.String())
	ws.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": "abc"})
	m := ws.Read()
	// Arguments are decoded as the subscription's field runs: the error
	// comes as a `next` with errors (then `complete`), as a resolver's would.
	errs := testserver.WSErrors(m)
	if len(errs) != 1 || errs[0].Extensions["code"] != "INVALID_INPUT" || errs[0].Extensions["field"] != "orderId" {
		t.Fatalf("got %s %s, want one INVALID_INPUT error on orderId", m.Type, m.Payload)
	}
	if logged := s.Logs.String()[before:]; strings.Contains(logged, "level=ERROR") {
		t.Errorf("logged as a server error:\n%s", logged)
	}
	if m.Type == "next" {
		if m := ws.Read(); m.Type != "complete" || m.ID != "1" {
			t.Fatalf("after the error: %s %s, want complete", m.Type, m.Payload)
		}
	}
	// The id is free again, and the connection still works.
	ws.Subscribe("1", testserver.ShipmentUpdatedSubscription, map[string]any{"orderId": f.Order})
	s.WaitSubscribed(t, ws, f)
}
