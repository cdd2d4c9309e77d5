package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// TestMigrateCommand: "server migrate" applies the migrations once, says so,
// and a server started afterwards finds its schema ready.
func TestMigrateCommand(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.Get(t).NewDatabase(t)
		var out bytes.Buffer
		if err := runMigrate(t.Context(), []string{"-database-url", dsn}, &out); err != nil {
			t.Fatal(err)
		}
		if want := "applied " + db.BaselineVersion + "_baseline.sql"; !strings.Contains(out.String(), want) {
			t.Errorf("first run printed %q; want %q", out.String(), want)
		}
		out.Reset()
		if err := runMigrate(t.Context(), []string{"-database-url", dsn}, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(out.String(), "up to date at version ") {
			t.Errorf("second run printed %q; want up to date", out.String())
		}
		s := mustServer(t, dsn)
		if err := s.DB.Ping(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("sqlite", func(t *testing.T) {
		var out bytes.Buffer
		if err := runMigrate(t.Context(), []string{"-database-url", "", "-data-dir", t.TempDir()}, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "automatic migration") {
			t.Errorf("printed %q; want the SQLite note", out.String())
		}
	})
}

// TestTwoInstancesStartTogether: two servers started at once on an empty
// Postgres database both come up (the advisory lock makes one wait for the
// other's migration) and both answer /readyz.
func TestTwoInstancesStartTogether(t *testing.T) {
	dsn := pgtest.Get(t).NewDatabase(t)
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		mains [2]*Main
		errs  [2]error
	)
	for i := range mains {
		m := NewMain()
		m.Log = slog.New(slog.NewTextHandler(testserver.LogWriter{T: t}, nil))
		m.Config = app.Config{
			Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: dsn, ReturnWindowDays: 30,
			JWTSecret: testserver.JWTSecret, WebhookSecret: testserver.WebhookSecret,
		}
		mains[i] = m
		t.Cleanup(func() { _ = m.Close() })
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = m.Run(context.Background())
		}()
	}
	close(start)
	wg.Wait()
	for i, m := range mains {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		resp, err := http.Get(m.URL() + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("instance %d /readyz: %d", i, resp.StatusCode)
		}
	}
	drift, err := mains[0].App.DB.Drift(t.Context())
	if err != nil || len(drift) > 0 {
		t.Errorf("schema after two starts: drift %v, %v", drift, err)
	}
}
