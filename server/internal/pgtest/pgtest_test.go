package pgtest_test

import (
	"database/sql"
	"net"
	"strconv"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/aftercart/aftercart/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func open(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func queryString(t *testing.T, db *sql.DB, query string) string {
	t.Helper()
	var s string
	if err := db.QueryRowContext(t.Context(), query).Scan(&s); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return s
}

// TestSharedCluster covers the life of the shared cluster as later tests use
// it: separate databases per test, and a restart that keeps DSNs and data.
func TestSharedCluster(t *testing.T) {
	c := pgtest.Get(t)

	if got := queryString(t, open(t, c.DSN("postgres")), "SHOW max_connections"); got != "200" {
		t.Errorf("max_connections = %s, want 200", got)
	}

	dsnA, dsnB := c.NewDatabase(t), c.NewDatabase(t)
	if dsnA == dsnB {
		t.Fatalf("NewDatabase returned %s twice", dsnA)
	}
	wantPrefix := "postgres://postgres@127.0.0.1:" + strconv.Itoa(c.Port()) + "/"
	dbs := map[string]*sql.DB{}
	for _, dsn := range []string{dsnA, dsnB} {
		if len(dsn) < len(wantPrefix) || dsn[:len(wantPrefix)] != wantPrefix {
			t.Errorf("DSN %s does not start with %s", dsn, wantPrefix)
		}
		db := open(t, dsn)
		dbs[dsn] = db
		// The same table name in both shows the databases are separate.
		if _, err := db.ExecContext(t.Context(), "CREATE TABLE t (v text)"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(t.Context(), "INSERT INTO t VALUES ($1)", dsn); err != nil {
			t.Fatal(err)
		}
	}
	for dsn, db := range dbs {
		if got := queryString(t, db, "SELECT string_agg(v, ',') FROM t"); got != dsn {
			t.Errorf("%s holds %q, want only its own row", dsn, got)
		}
	}

	port := c.Port()
	start := time.Now()
	if err := c.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Logf("restart took %v", time.Since(start).Round(time.Millisecond))
	if c.Port() != port {
		t.Errorf("port changed across Restart: %d -> %d", port, c.Port())
	}

	// A new connection on the old DSN reaches the same data.
	fresh := open(t, dsnA)
	if got := queryString(t, fresh, "SELECT v FROM t"); got != dsnA {
		t.Errorf("after restart %s holds %q", dsnA, got)
	}
	// database/sql discards the pooled connections the restart broke and
	// dials again, so a pool that outlives a restart keeps working.
	if got := queryString(t, dbs[dsnB], "SELECT v FROM t"); got != dsnB {
		t.Errorf("old pool after restart: %s holds %q", dsnB, got)
	}
}

// TestDatabaseDroppedAfterTest checks NewDatabase's cleanup, even with a
// connection left open.
func TestDatabaseDroppedAfterTest(t *testing.T) {
	c := pgtest.Get(t)
	var name string
	var leaked *sql.DB
	t.Run("inner", func(t *testing.T) {
		dsn := c.NewDatabase(t)
		leaked, _ = sql.Open("postgres", dsn)
		name = queryString(t, leaked, "SELECT current_database()")
	})
	defer leaked.Close()
	var n int
	err := open(t, c.DSN("postgres")).QueryRowContext(t.Context(),
		"SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after its test ended", name)
	}
}

// TestStartStop uses a dedicated cluster, as a test that disturbs the server
// should, and checks Stop really shuts it down.
func TestStartStop(t *testing.T) {
	c := pgtest.Start(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port()))
	if shared := pgtest.Get(t); shared.Port() == c.Port() {
		t.Fatalf("dedicated and shared cluster both on port %d", c.Port())
	}
	if got := queryString(t, open(t, c.DSN("postgres")), "SELECT 'up'"); got != "up" {
		t.Fatalf("got %q", got)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after Stop", addr)
	}
	if err := c.Restart(t.Context()); err == nil {
		t.Error("Restart after Stop succeeded")
	}
}
