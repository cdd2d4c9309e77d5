package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// The node end-to-end tests run the scripts in web-demo/e2e against the real
// server: the official graphql-ws client, and graphql-http's audit of the
// GraphQL-over-HTTP spec. Their npm dependencies are pinned in
// web-demo/package-lock.json; .ci/run installs them with `npm ci`.

// webDemoDir is web-demo/ seen from this package's directory, where go test runs.
var webDemoDir = filepath.Join("..", "web-demo")

// mustNode returns the node binary once the e2e scripts can run. Without node
// or web-demo's dependencies it skips locally and fails in CI (CI set), so CI
// never goes green with these tests unrun.
func mustNode(t *testing.T) string {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf("%s (CI is set: the node end-to-end tests must run)", why)
		}
		t.Skip(why)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed: install node 20, then run `npm ci --prefix web-demo`")
	}
	modules := filepath.Join(webDemoDir, "node_modules")
	if _, err := os.Stat(modules); err != nil {
		missing("web-demo/node_modules is missing: run `npm ci --prefix web-demo` from the repository root")
	}
	for _, pkg := range []string{"graphql", "graphql-http", "graphql-ws", "ws"} {
		if _, err := os.Stat(filepath.Join(modules, pkg, "package.json")); err != nil {
			missing(fmt.Sprintf("web-demo/node_modules has no %s: run `npm ci --prefix web-demo` from the repository root", pkg))
		}
	}
	return node
}

// nodeScript is a web-demo/e2e script running in the background.
type nodeScript struct {
	t      *testing.T
	name   string
	stdin  io.WriteCloser
	lines  chan string // stdout, one line at a time; closed once the script has exited
	stderr testserver.SyncBuffer
	done   chan struct{}
	err    error // the exit error, set before done closes
	seen   []string
}

// startNodeScript runs `node e2e/<script> args...` in web-demo. The script is
// killed, and its stderr logged (failures above refer to it), when the test
// ends.
func startNodeScript(t *testing.T, script string, args ...string) *nodeScript {
	t.Helper()
	node := mustNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, node, append([]string{filepath.Join("e2e", script)}, args...)...)
	cmd.Dir = webDemoDir
	cmd.WaitDelay = 5 * time.Second
	p := &nodeScript{t: t, name: script, lines: make(chan string, 1024), done: make(chan struct{})}
	out := &lineWriter{lines: p.lines}
	cmd.Stdout = out
	cmd.Stderr = &p.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.stdin = stdin
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting %s: %v", script, err)
	}
	go func() {
		p.err = cmd.Wait() // returns once stdout is copied: nothing writes to lines after it
		out.flush()
		close(p.lines)
		close(p.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-p.done
		if s := p.stderr.String(); s != "" {
			t.Logf("%s stderr:\n%s", script, s)
		}
	})
	return p
}

// next returns the script's next stdout line, or an error once it has exited
// (io.EOF) or after timeout (testserver.ErrReadTimeout). Every line read is kept in seen.
func (p *nodeScript) next(timeout time.Duration) (string, error) {
	select {
	case l, ok := <-p.lines:
		if !ok {
			return "", io.EOF
		}
		p.seen = append(p.seen, l)
		return l, nil
	case <-time.After(timeout):
		return "", testserver.ErrReadTimeout
	}
}

// waitFor reads lines until one equals want; it fails the test if the script
// exits or stays silent for timeout first.
func (p *nodeScript) waitFor(want string, timeout time.Duration) {
	p.t.Helper()
	for {
		l, err := p.next(timeout)
		if err != nil {
			p.t.Fatalf("%s: waiting for %q: %v (exit %v); stdout so far %q", p.name, want, err, p.exitErr(), p.seen)
		}
		if l == want {
			return
		}
	}
}

// exitErr returns the exit error if the script has exited, else "running".
func (p *nodeScript) exitErr() any {
	select {
	case <-p.done:
		return p.err
	default:
		return "still running"
	}
}

// wait reads the rest of stdout and returns the exit error.
func (p *nodeScript) wait() error {
	for {
		if _, err := p.next(time.Minute); errors.Is(err, io.EOF) {
			<-p.done
			return p.err
		} else if err != nil {
			return fmt.Errorf("%s: no output for a minute and no exit", p.name)
		}
	}
}

// lineWriter sends each complete line written to it on lines.
type lineWriter struct {
	buf   []byte
	lines chan<- string
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		w.lines <- string(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
}

// flush sends a last line that had no newline.
func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.lines <- string(w.buf)
		w.buf = nil
	}
}

// TestOfficialGraphQLWSClient follows an order with the graphql-ws client
// the web and mobile apps use (web-demo/e2e/graphql-ws-e2e.mjs) while events
// arrive through the webhook and the mutation, drops the connection halfway,
// and resumes from the last cursor: the client must print exactly the
// recorded events, in order, once each, including those recorded while no
// client was connected.
func TestOfficialGraphQLWSClient(t *testing.T) {
	mustNode(t)
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		f := s.LiveFixture(t, "N1")
		at := func(id, status string, hour int) map[string]any {
			return testserver.Event(id, status, testserver.T0.Add(time.Duration(hour)*time.Hour))
		}
		e1, e2, e3 := at("e1", "IN_TRANSIT", 1), at("e2", "IN_TRANSIT", 2), at("e3", "IN_TRANSIT", 3)
		e4, e5, e6 := at("e4", "IN_TRANSIT", 4), at("e5", "AVAILABLE_FOR_PICKUP", 5), at("e6", "IN_TRANSIT", 6)
		e7, e8 := at("e7", "IN_TRANSIT", 7), at("e8", "OUT_FOR_DELIVERY", 8)
		hook := func(want map[string]any, evs ...map[string]any) {
			t.Helper()
			st, body := s.Webhook(t, testserver.WebhookBody(t, "DHL", f.Tracking, evs...), testserver.WebhookSecret)
			if st != http.StatusOK {
				t.Fatalf("webhook: %d %v", st, body)
			}
			for k, v := range want {
				if fmt.Sprint(body[k]) != fmt.Sprint(v) {
					t.Fatalf("webhook answered %v, want %s = %v", body, k, v)
				}
			}
		}
		// The updates in the order they must stream: a batch streams oldest
		// first; a redelivered event streams nothing.
		want := []map[string]any{e1, e2, e3, e4, e5, e6, e7, e8}
		const resumeAfter = 3

		probe := fmt.Sprintf("probe-node-%d-", probeSeq.Add(1))
		p := startNodeScript(t, "graphql-ws-e2e.mjs",
			"--url", s.URL(),
			"--token", s.Token(t, auth.RoleCustomer, "mina@example.com"),
			"--order", f.Order,
			"--count", strconv.Itoa(len(want)),
			"--resume-after", strconv.Itoa(resumeAfter),
			"--hold",
			"--probe", probe,
			"--timeout", "30",
			"--linger", "500",
		)

		// The subscription is live once a probe streams (see waitSubscribed):
		// record probes until the script says it saw one.
		for i := 0; ; i++ {
			if i == 150 {
				t.Fatalf("the script never saw a probe; stdout %q", p.seen)
			}
			s.MustTrack(t, "DHL", f.Tracking, testserver.Event(fmt.Sprint(probe, i), "INFO_RECEIVED", testserver.T0))
			l, err := p.next(200 * time.Millisecond)
			if err == nil && l == "ready" {
				break
			}
			if !errors.Is(err, testserver.ErrReadTimeout) {
				t.Fatalf("waiting for ready: line %q, %v (exit %v)", l, err, p.exitErr())
			}
		}

		// The first client is live: one event through the webhook, a batch
		// (newest first) through the mutation.
		hook(map[string]any{"recorded": 1}, e1)
		s.MustTrack(t, "DHL", f.Tracking, e3, e2)
		// After resumeAfter updates the script disposes its client.
		p.waitFor("paused", 30*time.Second)

		// No client is connected: these must come back through the cursor.
		s.MustTrack(t, "DHL", f.Tracking, e4)
		hook(map[string]any{"recorded": 0, "duplicates": 1}, e2)
		hook(map[string]any{"recorded": 1}, e5)
		if _, err := io.WriteString(p.stdin, "resume\n"); err != nil {
			t.Fatal(err)
		}

		// The second client catches up from the cursor while more commit.
		s.MustTrack(t, "DHL", f.Tracking, e6)
		hook(map[string]any{"recorded": 1}, e7)
		s.MustTrack(t, "DHL", f.Tracking, e8)
		if err := p.wait(); err != nil {
			t.Fatalf("script: %v; stdout %q", err, p.seen)
		}

		// The whole transcript, updates rendered as "message status occurredAt".
		wantLines := []string{"ready"}
		for i, e := range want {
			if i == resumeAfter {
				wantLines = append(wantLines, "paused")
			}
			wantLines = append(wantLines, fmt.Sprintf("%s %s %s", e["message"], e["status"], e["occurredAt"]))
		}
		wantLines = append(wantLines, "done")
		var got []string
		cursors := map[string]bool{}
		for _, l := range p.seen {
			if !strings.HasPrefix(l, "{") {
				got = append(got, l)
				continue
			}
			var u testserver.LiveUpdate
			if err := json.Unmarshal([]byte(l), &u); err != nil {
				t.Fatalf("update line %q: %v", l, err)
			}
			if u.Event == nil {
				got = append(got, "no event: "+l)
				continue
			}
			if u.Shipment.ID != f.Shipment || u.Cursor == "" || cursors[u.Cursor] {
				t.Errorf("update %s: shipment %s (want %s), cursor %q (empty or repeated)", u.Event.Message, u.Shipment.ID, f.Shipment, u.Cursor)
			}
			cursors[u.Cursor] = true
			got = append(got, fmt.Sprintf("%s %s %s", u.Event.Message, u.Event.Status, u.Event.OccurredAt.UTC().Format(time.RFC3339)))
		}
		if g, w := strings.Join(got, "\n"), strings.Join(wantLines, "\n"); g != w {
			t.Fatalf("the client printed:\n%s\n\nwant:\n%s", g, w)
		}
	})
}

// auditResult is one graphql-http audit as graphql-http-audit.mjs prints it.
type auditResult struct {
	ID, Name, Level, Status, Reason string
	Response                        *auditResponse // for failures
}

// auditResponse is what the audit script keeps of a failing audit's response.
type auditResponse struct {
	Status      int
	ContentType string
	Body        string
}

// utf8OrderNumber is the string graphql-http's UTF-8 audit sends.
const utf8OrderNumber = "Run🏃Swim🏊"

// introspectionProbed are the MUST audits whose probe query is
// `__type(name: ...)`. Production mode refuses introspection by design
// (RELIABILITY.md), so there they must fail with exactly that refusal, and
// the requirement they check must hold for the same request with a query
// that is not introspection.
var introspectionProbed = map[string]struct {
	headers map[string]string
	body    map[string]any
}{
	// "MUST accept utf-8 encoded request"
	"BF61": {
		headers: map[string]string{"Content-Type": "application/json; charset=utf-8"},
		body:    map[string]any{"query": `{ order(number: "` + utf8OrderNumber + `") { number } }`},
	},
	// "MUST allow map {variables} parameter when accepting application/json"
	"28B9": {
		headers: map[string]string{"Content-Type": "application/json", "Accept": "application/json"},
		body: map[string]any{
			"query":     `query Type($name: String!) { order(number: $name) { number } }`,
			"variables": map[string]any{"name": utf8OrderNumber},
		},
	},
}

// TestGraphQLHTTPAudit runs graphql-http's GraphQL-over-HTTP server audit
// (web-demo/e2e/graphql-http-audit.mjs) against the server in production
// mode: no MUST audit may fail; SHOULD warnings are logged.
func TestGraphQLHTTPAudit(t *testing.T) {
	node := mustNode(t)
	s := mustServer(t, "") // production mode: Dev is off; see also TestGraphQLHTTPAuditDev
	if s.Config.Dev {
		t.Fatal("the audit must run against production mode")
	}
	admin := s.Token(t, auth.RoleAdmin, "")
	s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: utf8OrderNumber, Items: 1})

	report := runAudit(t, node, s, admin)

	describe := func(r auditResult) string {
		d := fmt.Sprintf("%s %s: %s", r.ID, r.Name, r.Reason)
		if r.Response != nil {
			d += fmt.Sprintf("\n\tresponse %d %s: %s", r.Response.Status, r.Response.ContentType, r.Response.Body)
		}
		return d
	}
	seen := map[string]bool{}
	for _, r := range report.Results {
		seen[r.ID] = true
		if _, ok := introspectionProbed[r.ID]; ok {
			switch {
			case r.Status == "ok":
				// The audit checked only the status, which is 200 for an
				// application/json client either way; that introspection
				// is refused is checked below.
				t.Logf("passed (introspection refused, checked below): %s", describe(r))
			case refusesIntrospection(r.Response):
				t.Logf("expected in production mode (introspection refused; checked below without it): %s", describe(r))
			default:
				t.Errorf("MUST failed: %s", describe(r))
			}
			continue
		}
		switch {
		case r.Status == "ok":
		case r.Level == "MUST":
			t.Errorf("MUST failed: %s", describe(r))
		case r.Level == "SHOULD" && refusesIntrospection(r.Response):
			// Its probe is `__type(...)`: production refuses it by design.
			t.Logf("SHOULD warning, introspection refused by design: %s", describe(r))
		case r.Level == "SHOULD":
			t.Errorf("SHOULD failed: %s", describe(r))
		default:
			t.Logf("%s notice: %s", r.Level, describe(r))
		}
	}
	t.Logf("summary: %v", report.Summary)
	if ok, all := report.Summary["SHOULD ok"], report.Summary["SHOULD ok"]+report.Summary["SHOULD warn"]+report.Summary["SHOULD error"]; ok < all-2 {
		t.Errorf("%d of %d SHOULD audits pass, want at least %d", ok, all, all-2)
	}
	s.GQL(t, admin, `{ __type(name: "Query") { name } }`, nil).MustCode(t, "GRAPHQL_VALIDATION_FAILED")

	for id, probe := range introspectionProbed {
		if !seen[id] {
			t.Errorf("audit %s is missing from graphql-http's list: update introspectionProbed", id)
		}
		t.Run(id+" without introspection", func(t *testing.T) {
			body, _ := json.Marshal(probe.body)
			req, _ := http.NewRequest(http.MethodPost, s.URL()+"/query", bytes.NewReader(body))
			for k, v := range probe.headers {
				req.Header.Set(k, v)
			}
			req.Header.Set("Authorization", "Bearer "+admin)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body)
			var got struct {
				Data struct {
					Order *struct{ Number string }
				}
				Errors []testserver.Error
			}
			if err := json.Unmarshal(raw, &got); err != nil || res.StatusCode != http.StatusOK ||
				!strings.Contains(res.Header.Get("Content-Type"), "application/json") || got.Errors != nil {
				t.Fatalf("status %d, content type %q, body %s (%v)", res.StatusCode, res.Header.Get("Content-Type"), raw, err)
			}
			// The string survived the round trip intact both ways.
			if got.Data.Order == nil || got.Data.Order.Number != utf8OrderNumber {
				t.Fatalf("order number came back as %s, want %q", raw, utf8OrderNumber)
			}
		})
	}
}

// auditReport is what web-demo/e2e/graphql-http-audit.mjs prints.
type auditReport struct {
	Results []auditResult
	Summary map[string]int
}

// runAudit runs graphql-http's server audit against s with token.
func runAudit(t *testing.T, node string, s *testServer, token string) auditReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("e2e", "graphql-http-audit.mjs"), "--url", s.URL(), "--token", token)
	cmd.Dir = webDemoDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	// Exit 1 means a MUST audit failed: the caller judges.
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		t.Fatalf("the audit did not run: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	var report auditReport
	if err := json.Unmarshal(out, &report); err != nil || len(report.Results) == 0 {
		t.Fatalf("audit output %q: %v\nstderr:\n%s", out, err, stderr.String())
	}
	return report
}

// TestGraphQLHTTPAuditDev runs the audit against development mode, where
// introspection is on and nothing is refused by design: every MUST and
// every SHOULD audit passes.
func TestGraphQLHTTPAuditDev(t *testing.T) {
	node := mustNode(t)
	s := mustServer(t, "", func(c *app.Config) { c.Dev = true })
	report := runAudit(t, node, s, s.Token(t, auth.RoleAdmin, ""))
	for _, r := range report.Results {
		if r.Status != "ok" && (r.Level == "MUST" || r.Level == "SHOULD") {
			t.Errorf("%s %s %s: %s", r.Level, r.ID, r.Name, r.Reason)
		}
	}
	t.Logf("summary: %v", report.Summary)
}

// refusesIntrospection reports whether a response is production mode's
// refusal of introspection and nothing else.
func refusesIntrospection(res *auditResponse) bool {
	// A validation failure: 200 for application/json clients, 400 for
	// graphql-response+json ones (GraphQL over HTTP).
	if res == nil || (res.Status != 200 && res.Status != 400) {
		return false
	}
	var body struct{ Errors []testserver.Error }
	if err := json.Unmarshal([]byte(res.Body), &body); err != nil || len(body.Errors) == 0 {
		return false
	}
	for _, e := range body.Errors {
		if e.Message != "introspection is disabled" || e.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
			return false
		}
	}
	return true
}

// probeSeq keeps the node script's probes unique within the test binary.
var probeSeq atomic.Int64
