package orders_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"testing"
)

// osFetch posts one OrderStatus for number, as token, to p and returns the
// status and the decoded body.
func osFetch(tb testing.TB, p *osProc, query, token, number string) (int, map[string]any) {
	tb.Helper()
	return osPost(tb, p, token, osRequestBody(query, number))
}

// osPost posts a GraphQL request body as token ("" for none) to p and
// returns the status and the decoded answer.
func osPost(tb testing.TB, p *osProc, token string, body []byte) (int, map[string]any) {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.url+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		tb.Fatalf("%s: status %d, body %q: %v", p.name, res.StatusCode, raw, err)
	}
	return res.StatusCode, out
}

// osOrder returns body's data.order, failing tb unless it is an order with
// the given number and the body has no errors.
func osOrder(tb testing.TB, who string, status int, body map[string]any, number string) map[string]any {
	tb.Helper()
	data, _ := body["data"].(map[string]any)
	order, _ := data["order"].(map[string]any)
	if status != http.StatusOK || body["errors"] != nil || order == nil || order["number"] != number {
		tb.Fatalf("%s, order %s: want the order, got status %d: %v", who, number, status, body)
	}
	return order
}

// osSample picks up to n pairs spread evenly over a rotation.
func osSample(pairs []osPair, n int) []osPair {
	if len(pairs) <= n {
		return pairs
	}
	out := make([]osPair, n)
	for i := range out {
		out[i] = pairs[i*len(pairs)/n]
	}
	return out
}

// check makes sure, before anything is timed, that every variant answers
// real data and that the answers agree: the ceiling's equals aftercart's
// field for field, a customer sees exactly what an ADMIN sees of their
// order, and another customer's order answers NOT_FOUND. It also checks the
// per-shipment-cost pair: 20 events and a next page for both.
func (e *osEnv) check(tb testing.TB) {
	tb.Helper()
	admin := e.admin.pairs[0].token
	for _, p := range osSample(e.admin.pairs, 8) {
		status, a := osFetch(tb, e.admin.proc, e.query, p.token, p.number)
		want := osOrder(tb, e.admin.name, status, a, p.number)
		status, c := osFetch(tb, e.ceiling.proc, e.query, p.token, p.number)
		got := osOrder(tb, e.ceiling.name, status, c, p.number)
		if d := jsonDiff("order", want, got); d != "" {
			tb.Fatalf("order %s: the ceiling's answer differs from aftercart's at %s", p.number, d)
		}
	}
	for _, p := range osSample(e.customers.pairs, 8) {
		status, c := osFetch(tb, e.customers.proc, e.query, p.token, p.number)
		got := osOrder(tb, e.customers.name, status, c, p.number)
		status, a := osFetch(tb, e.admin.proc, e.query, admin, p.number)
		if d := jsonDiff("order", osOrder(tb, e.admin.name, status, a, p.number), got); d != "" {
			tb.Fatalf("order %s: the customer's answer differs from the ADMIN's at %s", p.number, d)
		}
	}
	// The first customer asks for an order of another one.
	first := e.customers.pairs[0]
	for _, p := range e.customers.pairs {
		if p.token == first.token {
			continue
		}
		status, body := osFetch(tb, e.customers.proc, e.query, first.token, p.number)
		data, _ := body["data"].(map[string]any)
		errs, _ := body["errors"].([]any)
		code := ""
		if len(errs) > 0 {
			ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
			code, _ = ext["code"].(string)
		}
		if status != http.StatusOK || data == nil || data["order"] != nil || code != "NOT_FOUND" {
			tb.Fatalf("a customer asking for another customer's order %s: status %d %v; want NOT_FOUND", p.number, status, body)
		}
		break
	}
	if e.sqlite != nil {
		for _, p := range osSample(e.sqlite.pairs, 4) {
			status, body := osFetch(tb, e.sqlite.proc, e.query, p.token, p.number)
			osOrder(tb, e.sqlite.name, status, body, p.number)
		}
	}
	for _, t := range []*osTarget{e.big, e.small} {
		if t == nil {
			continue
		}
		p := t.pairs[0]
		status, body := osFetch(tb, t.proc, e.query, p.token, p.number)
		order := osOrder(tb, t.name, status, body, p.number)
		ships, _ := order["shipments"].([]any)
		if len(ships) != 1 {
			tb.Fatalf("%s: %d shipments, want 1", t.name, len(ships))
		}
		events, _ := ships[0].(map[string]any)["events"].(map[string]any)
		edges, _ := events["edges"].([]any)
		info, _ := events["pageInfo"].(map[string]any)
		if len(edges) != 20 || info["hasNextPage"] != true {
			tb.Fatalf("%s: %d events and pageInfo %v, want 20 and a next page", t.name, len(edges), info)
		}
	}
}

// jsonDiff returns the path of the first difference between two decoded
// JSON values, with both values there, or "" when they are equal.
func jsonDiff(path string, want, got any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if d := jsonDiff(path+"."+k, w[k], g[k]); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			break
		}
		for i := range w {
			if d := jsonDiff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); d != "" {
				return d
			}
		}
		return ""
	}
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return fmt.Sprintf("%s: %v (reference) vs %v", path, want, got)
}
