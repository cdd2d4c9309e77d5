package testserver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/jobs"
)

// EachDB runs f on the embedded SQLite and on a fresh Postgres database. The
// Postgres half skips locally without the binaries and fails in CI.
func EachDB(t *testing.T, f func(t *testing.T, dbURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { f(t, "") })
	t.Run("postgres", func(t *testing.T) { f(t, MigratedDatabase(t)) })
}

// MigratedDatabase returns the DSN of a new Postgres database (dropped when
// t ends) that already has the server's schema: ent's migrations and
// River's tables, nothing else. It is a copy of a template migrated once per
// test binary, so a server started on it finds nothing to migrate (about
// 300 ms less per start than on an empty database). Tests of migrating
// itself use pgtest's NewDatabase, which is empty.
func MigratedDatabase(t testing.TB) string {
	t.Helper()
	c := pgtest.Get(t)
	tpl, err := c.Template(t.Context(), "aftercart_migrated", migrateTemplate)
	if err != nil {
		t.Fatal(err)
	}
	return c.NewDatabaseFrom(t, tpl)
}

// migrateTemplate migrates the database at dsn as a server's start would,
// without starting one.
func migrateTemplate(ctx context.Context, dsn string) (err error) {
	d, err := db.Open(db.Config{URL: dsn})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, d.Close()) }()
	if err := d.Migrate(ctx); err != nil {
		return err
	}
	j, err := jobs.New(d, jobs.Config{})
	if err != nil {
		return err
	}
	return j.Migrate(ctx)
}

// Server is the real server, listening on a loopback port.
type Server struct {
	*app.App
	// Statements counts the SQL statements the server ran for requests
	// (through app.Config.OnStatement; a websocket's are its upgrade
	// request's): tests reset it and check that a refused request ran
	// none, or how many a query runs. What runs in the background (the
	// job system's sweeps, the media cleanup) is not counted: it would
	// land in whichever request's count it overlapped.
	Statements atomic.Int64
	// Logs holds everything the server logged, for tests that check what
	// is (and is never) logged; empty for StartLog's servers.
	Logs *SyncBuffer
}

// The secrets every test server signs with, so that tests can sign tokens
// and webhooks of their own.
var (
	JWTSecret     = []byte("test-jwt-secret-0123456789abcdef-0123456789")
	WebhookSecret = []byte("test-webhook-secret")
)

// Start starts the real server on dbURL ("" for SQLite in a temp dir) on a
// loopback port, and closes it when the test ends. Its configuration is
// what production would run with, except: secrets are JWTSecret and
// WebhookSecret, every statement is counted in Statements, and the media
// cleanup loop is off (see StartLog). configure changes the rest.
// Everything it logs is in Logs, and in the test's log on failure.
func Start(t testing.TB, dbURL string, configure ...func(*app.Config)) *Server {
	t.Helper()
	logs := &SyncBuffer{}
	// Registered before StartLog's Close, so it runs after it.
	tw := &untilCleanup{w: LogWriter{T: t}}
	t.Cleanup(tw.stop)
	s := StartLog(t, dbURL, slog.New(slog.NewTextHandler(io.MultiWriter(tw, logs), nil)), configure...)
	s.Logs = logs
	return s
}

// StartLog starts a server as Start does, logging to log (and not to
// s.Logs).
func StartLog(t testing.TB, dbURL string, log *slog.Logger, configure ...func(*app.Config)) *Server {
	t.Helper()
	s := &Server{Logs: &SyncBuffer{}}
	c := app.Config{
		Addr:             "127.0.0.1:0",
		DataDir:          t.TempDir(),
		DatabaseURL:      dbURL,
		ReturnPolicy:     "30 days, free returns.",
		ReturnWindowDays: 30,
		JWTSecret:        JWTSecret,
		WebhookSecret:    WebhookSecret,
		OnStatement: func(ctx context.Context, _ string) {
			// net/http puts the connection's local address in every
			// request's context; background work has none.
			if ctx.Value(http.LocalAddrContextKey) != nil {
				s.Statements.Add(1)
			}
		},
		// No cleanup loop: its timer would count among the fake clock's
		// waiters that websocket tests wait for (server/media tests it).
		MediaCleanupInterval: -1,
		// River's services start at once, not over seconds: goroutine
		// counts (leak checks) settle right after start.
		Jobs: jobs.Config{QuickStart: true},
		// As the flag's default: with no queue, a burst past the in-flight
		// bound is refused (503), and a loaded machine turned the admin
		// SPA's template list (one query per kind, at once) into a flaky
		// browser test.
		MaxQueued: app.DefaultMaxQueued,
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

// Token issues a token for role (and email, for customers).
func (s *Server) Token(t testing.TB, role auth.Role, email string) string {
	t.Helper()
	tok, err := s.Issuer.Issue(role, email, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Integration issues an INTEGRATION token (the store's back office).
func (s *Server) Integration(t testing.TB) string { return s.Token(t, auth.RoleIntegration, "") }

// LogWriter sends server logs to the test log, shown only on failure:
// slog.New(slog.NewTextHandler(testserver.LogWriter{T: t}, nil)).
type LogWriter struct{ T testing.TB }

// Write logs p on the test, without its trailing newline.
func (w LogWriter) Write(p []byte) (int, error) {
	w.T.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// untilCleanup passes writes to w until stop, then drops them. The server
// may log after Close has returned (the goroutine of a websocket the client
// closed finishes on its own), and the testing package panics on a Log
// after the test completed.
type untilCleanup struct {
	mu      sync.Mutex
	stopped bool
	w       io.Writer
}

func (u *untilCleanup) Write(p []byte) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.stopped {
		return len(p), nil
	}
	return u.w.Write(p)
}

func (u *untilCleanup) stop() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.stopped = true
}

// Now is the server's time: its fake clock when the test gave it one,
// else the machine's. Fixtures date carrier events by it, as the server
// judges them ("at most a day in the future") by it.
func (s *Server) Now() time.Time {
	if s.Config.Clock != nil {
		return s.Config.Clock.Now()
	}
	return time.Now()
}
