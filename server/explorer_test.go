package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/demo"
)

// TestExplorerRoutes covers how GraphiQL is served: at `/` in development
// mode from the web-demo build, never under /demo/ and never in production,
// and with build instructions when the build is missing. The page itself
// runs in TestGraphiQLInBrowser.
func TestExplorerRoutes(t *testing.T) {
	built := t.TempDir()
	for name, body := range map[string]string{
		"index.html":     "<!doctype html><title>aftercart demo</title>",
		app.ExplorerPage: "<!doctype html><title>GraphiQL · aftercart</title>",
		"assets/gql.js":  "console.log('graphiql')",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(built, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(built, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do := func(method, url string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}

	dev := mustServer(t, "", func(c *app.Config) { c.Dev, c.DemoDir = true, built })
	res, body := do(http.MethodGet, dev.URL()+"/")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "GraphiQL · aftercart") {
		t.Errorf("dev /: %d %q, want the built GraphiQL page", res.StatusCode, body)
	}
	if got := res.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("dev /: Content-Type %q", got)
	}
	if res.Header.Get("Cache-Control") != "no-cache" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("dev /: headers %v, want no-cache and nosniff", res.Header)
	}
	if res, _ := do(http.MethodPost, dev.URL()+"/"); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("dev POST /: %d, want 405", res.StatusCode)
	}
	// Its assets are the build's, under /demo/assets/.
	if res, body := do(http.MethodGet, dev.URL()+"/demo/assets/gql.js"); res.StatusCode != http.StatusOK || !strings.Contains(body, "graphiql") {
		t.Errorf("dev /demo/assets/gql.js: %d %q", res.StatusCode, body)
	}

	prod := mustServer(t, "", func(c *app.Config) { c.DemoDir = built })
	for _, s := range []*testServer{dev, prod} {
		if res, _ := do(http.MethodGet, s.URL()+"/demo/"+app.ExplorerPage); res.StatusCode != http.StatusNotFound {
			t.Errorf("dev=%v /demo/%s: %d, want 404 (GraphiQL is served only at / in development mode)", s.Config.Dev, app.ExplorerPage, res.StatusCode)
		}
		// The catalog's images ship in the binary, build or no build.
		res, body := do(http.MethodGet, s.URL()+demo.ImagePrefix+"nw-yirgacheffe.svg")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(body, "<svg") {
			t.Errorf("dev=%v product image: %d %q", s.Config.Dev, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
	if res, body := do(http.MethodGet, prod.URL()+"/"); res.StatusCode != http.StatusNotFound || strings.Contains(body, "GraphiQL") {
		t.Errorf("production /: %d %q, want a plain 404", res.StatusCode, body)
	}

	unbuilt := mustServer(t, "", func(c *app.Config) { c.Dev, c.DemoDir = true, filepath.Join(t.TempDir(), "dist") })
	if res, body := do(http.MethodGet, unbuilt.URL()+"/"); res.StatusCode != http.StatusNotFound ||
		!strings.Contains(body, "GraphiQL is not built") || !strings.Contains(body, "npm run build --prefix web-demo") {
		t.Errorf("unbuilt dev /: %d %q, want how to build it", res.StatusCode, body)
	}
}

// TestREADMEQueryIsGraphiQLs keeps the OrderStatus query the README shows
// and the one GraphiQL opens with (web-demo/src/graphiql/OrderStatus.graphql)
// identical, so what a newcomer reads is what they run.
func TestREADMEQueryIsGraphiQLs(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(webDemoDir, "src", "graphiql", "OrderStatus.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, m := range regexp.MustCompile("(?ms)^```graphql\n(.*?)^```").FindAllStringSubmatch(string(readme), -1) {
		if strings.Contains(m[1], "query OrderStatus") {
			found = append(found, m[1])
		}
	}
	if len(found) != 1 {
		t.Fatalf("README.md has %d graphql blocks with query OrderStatus, want 1", len(found))
	}
	if found[0] != string(page) {
		t.Errorf("README.md's OrderStatus query differs from web-demo/src/graphiql/OrderStatus.graphql:\nREADME:\n%s\nGraphiQL:\n%s", found[0], page)
	}
}
