package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
)

// TestWebDemoInBrowser runs web-demo/e2e/browser.mjs: the built order-status
// page in Debian's Chromium (driven by playwright-core), served by the real
// server at /demo/, while the script records tracking events through the
// API. It covers the order list, an event appearing live without a reload,
// and a websocket dropped (by a TCP proxy in the script) while events are
// recorded: they must appear once each, in order, after the page reconnects.
//
// Needs node, `npm ci --prefix web-demo`, `npm run build --prefix web-demo`
// and Chromium (`apt-get install chromium`, or CHROMIUM=/path). Without them
// it skips locally and fails in CI. Screenshots go to
// web-demo/test-results/browser/.
func TestWebDemoInBrowser(t *testing.T) {
	t.Parallel() // its own server, data and Chromium: two browser tests at once use the CPU the other waits out
	b := startBrowserDemo(t, "browser")
	b.run(t, "browser.mjs", "AFTERCART_INTEGRATION_TOKEN="+b.Integration(t))
}

// TestGraphiQLInBrowser runs web-demo/e2e/graphiql.mjs: GraphiQL, which a
// development server serves at `/` from the web-demo build, in Debian's
// Chromium with every request to a non-loopback host aborted. The page must
// open with the demo customer's token and the README's OrderStatus query,
// run it and show AC-1001 in the result pane, stream a subscription over the
// websocket, and never try to reach another host (gqlgen's playground, which
// this replaced, loads React and GraphiQL from a CDN). Needs what TestWebDemoInBrowser needs; screenshots go to
// web-demo/test-results/graphiql/.
func TestGraphiQLInBrowser(t *testing.T) {
	t.Parallel() // its own server, data and Chromium: two browser tests at once use the CPU the other waits out
	b := startBrowserDemo(t, "graphiql")
	if _, err := os.Stat(filepath.Join(b.dist, app.ExplorerPage)); err != nil {
		t.Fatalf("%s/%s is missing though index.html is there: rebuild with `npm run build --prefix web-demo`", b.dist, app.ExplorerPage)
	}
	b.run(t, "graphiql.mjs", "AFTERCART_INTEGRATION_TOKEN="+b.Integration(t))
}

// browserDemo is one browser test's set-up: the real server in development
// mode with the demo data, serving the web-demo build, its carrier
// simulator off (the scripts record every event they wait for
// themselves), and a clean directory for the script's screenshots.
type browserDemo struct {
	*testServer
	node, dist, chromium string
	// artifacts is web-demo/test-results/<name>/, emptied first.
	artifacts string
}

// startBrowserDemo starts the demo server for the browser test called name
// (its screenshots go to web-demo/test-results/<name>/), or skips the test
// as mustBrowser does.
func startBrowserDemo(t *testing.T, name string) *browserDemo {
	t.Helper()
	node, dist, chromium := mustBrowser(t)
	s := mustServer(t, "", func(c *app.Config) {
		c.Dev = true
		c.Seed = true
		c.Simulate = 0
		c.DemoDir = dist
	})
	artifacts, err := filepath.Abs(filepath.Join(webDemoDir, "test-results", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(artifacts); err != nil {
		t.Fatal(err)
	}
	return &browserDemo{testServer: s, node: node, dist: dist, chromium: chromium, artifacts: artifacts}
}

// run runs web-demo/e2e/<script> against the server (AFTERCART_URL, and
// CHROMIUM) with env added (see runBrowserScript).
func (b *browserDemo) run(t *testing.T, script string, env ...string) {
	t.Helper()
	runBrowserScript(t, b.node, script, b.artifacts, append([]string{"AFTERCART_URL=" + b.URL(), "CHROMIUM=" + b.chromium}, env...)...)
}

// mustBrowser returns node, the absolute path of the web-demo build and
// Chromium, or skips the test when one is missing (fails in CI).
func mustBrowser(t *testing.T) (node, dist, chromium string) {
	t.Helper()
	node = mustNode(t)
	dist, err := filepath.Abs(filepath.Join(webDemoDir, "dist"))
	if err != nil {
		t.Fatal(err)
	}
	need := func(path, why string) {
		t.Helper()
		if _, err := os.Stat(path); err == nil {
			return
		}
		if os.Getenv("CI") != "" {
			t.Fatalf("%s (CI is set: the browser tests must run)", why)
		}
		t.Skip(why)
	}
	need(filepath.Join(webDemoDir, "node_modules", "playwright-core", "package.json"),
		"web-demo/node_modules has no playwright-core: run `npm ci --prefix web-demo` from the repository root")
	need(filepath.Join(dist, "index.html"),
		"web-demo/dist is not built: run `npm run build --prefix web-demo` from the repository root")
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	need(chromium, "Chromium is not installed: `apt-get install -y chromium` (Debian), or set CHROMIUM to a Chromium binary")
	warnIfStale(t, dist)
	return node, dist, chromium
}

// runBrowserScript runs web-demo/e2e/<script> with env added, logging its
// output line by line, and fails the test if it fails or leaves no
// screenshot in artifacts.
func runBrowserScript(t *testing.T, node, script, artifacts string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("web-demo", "e2e", script))
	cmd.Dir = filepath.Join(webDemoDir, "..")
	cmd.Env = append(append(os.Environ(), "AFTERCART_ARTIFACTS="+artifacts), env...)
	cmd.WaitDelay = 10 * time.Second
	// Lines are logged as they come (go test -v shows progress); both
	// streams go to one log so node's test report and the page's console
	// read in order.
	out := &testLineLogger{t: t}
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	out.flush()
	if err != nil {
		t.Fatalf("%s failed: %v (screenshots, if any, in %s)", script, err, artifacts)
	}
	shots, _ := filepath.Glob(filepath.Join(artifacts, "*.png"))
	if len(shots) == 0 {
		t.Errorf("%s passed but left no screenshots in %s", script, artifacts)
	}
}

// TestWebDemoUnitTests runs the page's unit tests (web-demo/src/**/*.test.ts,
// with Vitest): the timeline merge, the live feed's reconnect and resume
// logic against fakes, formatting and error wording. They need no server.
func TestWebDemoUnitTests(t *testing.T) {
	node := mustNode(t)
	vitest := filepath.Join("node_modules", "vitest", "vitest.mjs")
	if _, err := os.Stat(filepath.Join(webDemoDir, vitest)); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("web-demo/node_modules has no vitest (CI is set: the web-demo unit tests must run)")
		}
		t.Skip("web-demo/node_modules has no vitest: run `npm ci --prefix web-demo` from the repository root")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, vitest, "run")
	cmd.Dir = webDemoDir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "CI=1")
	cmd.WaitDelay = 10 * time.Second
	out := &testLineLogger{t: t}
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	out.flush()
	if err != nil {
		t.Fatalf("vitest failed: %v", err)
	}
}

// warnIfStale logs when a web-demo source file is newer than the build, so
// a local run does not silently test an old page.
func warnIfStale(t *testing.T, dist string) {
	t.Helper()
	built, err := os.Stat(filepath.Join(dist, "index.html"))
	if err != nil {
		return
	}
	var newer []string
	_ = filepath.WalkDir(filepath.Join(webDemoDir, "src"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if info, err := d.Info(); err == nil && info.ModTime().After(built.ModTime()) {
			newer = append(newer, path)
		}
		return nil
	})
	if len(newer) > 0 {
		t.Logf("WARNING: web-demo/dist is older than %s: run `npm run build --prefix web-demo` to test the current page", strings.Join(newer, ", "))
	}
}

// testLineLogger logs each complete line written to it.
type testLineLogger struct {
	t   *testing.T
	buf []byte
}

func (w *testLineLogger) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.t.Log(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

func (w *testLineLogger) flush() {
	if len(w.buf) > 0 {
		w.t.Log(string(w.buf))
		w.buf = nil
	}
}
