package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
)

// TestCampaignsInBrowser runs web-demo/e2e/campaigns.mjs against the admin
// SPA's campaign screen (/demo/admin.html#/campaigns) and the outbox's
// template editor, issue 13's communication calendar: an admin writes a
// campaign for a segment, sees who it reaches and what they get, schedules
// it and cancels it; another one, scheduled, goes when the server's clock
// reaches its time (the script asks this test to move the fake clock and
// run the sweep, as the notify tests do), its cancel is then refused in
// words, and its messages are in the outbox filtered by the campaign; a
// template is previewed, unsaved, with a chosen order, and a template error
// shows the server's words at the part it names.
//
// The server runs in development mode (messages go to the outbox, nothing
// leaves the machine) on a fake clock, with marketing consent by default
// (opt-out) so the campaign's messages are SENT rather than skipped. Needs
// what TestWebDemoInBrowser needs; screenshots go to
// web-demo/test-results/campaigns/.
func TestCampaignsInBrowser(t *testing.T) {
	t.Parallel() // its own server, data and Chromium: two browser tests at once use the CPU the other waits out
	node, dist, chromium := mustBrowser(t)
	clock := clockwork.NewFakeClockAt(time.Now().Truncate(time.Second))
	s := mustServer(t, "", func(c *app.Config) {
		c.Dev = true
		c.Seed = true
		c.Simulate = 0
		c.DemoDir = dist
		c.Clock = clock
		c.Mail.Rules.OptOut = true
	})
	artifacts, err := filepath.Abs(filepath.Join(webDemoDir, "test-results", "campaigns"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(artifacts); err != nil {
		t.Fatal(err)
	}
	b := &browserDemo{testServer: s, node: node, dist: dist, chromium: chromium, artifacts: artifacts}
	b.run(t, "campaigns.mjs",
		"AFTERCART_INTEGRATION_TOKEN="+b.Integration(t),
		"AFTERCART_ADMIN_TOKEN="+b.Token(t, auth.RoleAdmin, ""),
		"AFTERCART_CLOCK_URL="+clockControl(t, s, clock),
	)
}

// clockControl serves, on a loopback port of the test's own, the one thing
// the script cannot do through the API: POST /advance?by=<duration> moves
// the server's fake clock forward and runs the job system's sweep (what
// the periodic sweep job would do once that time had really come), then
// answers with the server's new time. It returns the control's URL.
func clockControl(t *testing.T, s *testServer, clock *clockwork.FakeClock) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /advance", func(w http.ResponseWriter, r *http.Request) {
		by, err := time.ParseDuration(r.URL.Query().Get("by"))
		if err != nil || by <= 0 {
			http.Error(w, "by: a positive duration, e.g. 2h", http.StatusBadRequest)
			return
		}
		clock.Advance(by)
		if err := s.Jobs.Sweep(auth.WithSystem(context.Background())); err != nil {
			t.Errorf("sweep after advancing %s: %v", by, err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, clock.Now().Format(time.RFC3339))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}
