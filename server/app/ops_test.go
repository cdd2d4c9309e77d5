package app_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// TestPprofAddr: with -pprof-addr a CPU profile can be fetched from a
// listener of its own; the main listener serves no profiles, with or
// without it.
func TestPprofAddr(t *testing.T) {
	s := mustServer(t, "", func(c *app.Config) { c.PprofAddr = "127.0.0.1:0" })
	if !strings.HasPrefix(s.PprofURL(), "http://127.0.0.1:") {
		t.Fatalf("PprofURL %q", s.PprofURL())
	}
	res, err := http.Get(s.PprofURL() + "profile?seconds=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	// A CPU profile is a gzipped protocol buffer.
	if res.StatusCode != http.StatusOK || !bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		t.Fatalf("status %d, %d bytes starting %q", res.StatusCode, len(body), body[:min(len(body), 16)])
	}
	for _, url := range []string{s.URL(), mustServer(t, "").URL()} {
		res, err := http.Get(url + "/debug/pprof/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Errorf("%s serves /debug/pprof/ on the main listener", url)
		}
	}
	if u := mustServer(t, "").PprofURL(); u != "" {
		t.Errorf("without -pprof-addr: PprofURL %q", u)
	}
}

// TestIntegrationBudget: an INTEGRATION token (a store's backend, serving
// its customers through one token) has a bucket of its own, far larger by
// default than an ADMIN token's, and configurable.
func TestIntegrationBudget(t *testing.T) {
	// 1 + 100 × (1 + 1 + 1 × (1 + 1)) = 401 points.
	const orders = `{ orders(first: 100) { edges { cursor node { number } } } }`
	spendUntilThrottled := func(s *testServer, token string, most int) (int, *testserver.Response) {
		t.Helper()
		for i := range most {
			res := s.GQL(t, token, orders, nil)
			switch res.Code() {
			case "":
			case "THROTTLED":
				return i, res
			default:
				t.Fatalf("query %d: %s", i+1, res.Code())
			}
		}
		return most, nil
	}
	slow := func(c *app.Config) { c.CostBudget, c.ViewerBurst, c.ViewerPerSecond = 5_000, 5_000, 1 }

	s := mustServer(t, "", slow)
	// Staff: 10 × 5,000 points at once, 124 such queries.
	if n, _ := spendUntilThrottled(s, s.Token(t, auth.RoleAdmin, ""), 200); n != 124 {
		t.Errorf("an ADMIN token ran %d queries of 401 points before THROTTLED, want 124", n)
	}
	// The integration default (2,000,000 at once) is not reached.
	if n, res := spendUntilThrottled(s, s.Integration(t), 200); n != 200 {
		t.Errorf("an INTEGRATION token was throttled after %d queries: %+v", n, res.Errors)
	}

	s = mustServer(t, "", slow, func(c *app.Config) { c.IntegrationBurst, c.IntegrationPerSecond = 5_000, 7 })
	n, res := spendUntilThrottled(s, s.Integration(t), 200)
	if n != 12 || !strings.Contains(res.Errors[0].Message, "refills at 7 per second") {
		t.Errorf("with -integration-cost-burst 5000: throttled after %d, %+v; want 12 and the integration rate", n, res)
	}
}
