package db_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/lib/pq"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/internal/pgtest"
)

// eachDialect runs f on a migrated SQLite file and a migrated Postgres
// database, opened with cfg (URL and DataDir are filled in).
func eachDialect(t *testing.T, cfg db.Config, f func(t *testing.T, d *db.DB, arg func(n int) string)) {
	t.Helper()
	open := func(t *testing.T, cfg db.Config) *db.DB {
		d, err := db.Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close() })
		if err := d.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		return d
	}
	t.Run("sqlite", func(t *testing.T) {
		c := cfg
		c.DataDir = t.TempDir()
		f(t, open(t, c), func(int) string { return "?" })
	})
	t.Run("postgres", func(t *testing.T) {
		c := cfg
		c.URL = pgtest.Get(t).NewDatabase(t)
		f(t, open(t, c), func(n int) string { return "$" + string(rune('0'+n)) })
	})
}

// oneConn is a pool of one connection, so that every statement meets the
// same connection's cache.
var oneConn = db.Config{Pool: db.Pool{MaxOpen: 1}}

func countRows(t *testing.T, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, query string, args ...any) int {
	t.Helper()
	var n int
	if err := q.QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestRepeatedStatementIsPreparedOncePerConnection(t *testing.T) {
	eachDialect(t, oneConn, func(t *testing.T, d *db.DB, arg func(int) string) {
		query := "SELECT count(*) FROM customers WHERE email = " + arg(1)
		before := d.Statements()
		for range 10 {
			if n := countRows(t, d.SQL, query, "nobody@example.com"); n != 0 {
				t.Fatalf("count %d", n)
			}
		}
		got := d.Statements()
		if p, h := got.Prepared-before.Prepared, got.Hits-before.Hits; p != 1 || h != 9 {
			t.Fatalf("10 runs on one connection: %d prepared, %d reused; want 1 and 9", p, h)
		}
		if d.Dialect == "postgres" {
			// The session itself holds the statement once.
			if n := countRows(t, d.SQL, "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1", query); n != 1 {
				t.Fatalf("pg_prepared_statements has the statement %d times, want 1", n)
			}
		}
		// Statements without arguments are not prepared (lib/pq sends
		// them in one round trip, and migration files hold several).
		before = d.Statements()
		countRows(t, d.SQL, "SELECT count(*) FROM customers")
		if got := d.Statements(); got.Prepared != before.Prepared || got.Hits != before.Hits {
			t.Fatalf("a statement without arguments went through the cache: %+v then %+v", before, got)
		}
	})
}

func TestStatementCacheIsBoundedPerConnection(t *testing.T) {
	cfg := oneConn
	cfg.StatementCache = 2
	eachDialect(t, cfg, func(t *testing.T, d *db.DB, arg func(int) string) {
		for _, col := range []string{"email", "first_name", "email", "last_name"} {
			countRows(t, d.SQL, "SELECT count(*) FROM customers WHERE "+col+" = "+arg(1), "x")
		}
		if got := d.Statements(); got.Evicted < 2 {
			t.Fatalf("3 statements through a cache of 2: %+v, want at least 2 evicted", got)
		}
		if d.Dialect == "postgres" {
			// The check is a statement too, and evicts one more.
			if n := countRows(t, d.SQL, "SELECT count(*) FROM pg_prepared_statements WHERE $1", true); n != 2 {
				t.Fatalf("the session holds %d prepared statements, want 2", n)
			}
		}
	})
}

func TestStatementPreparedInARolledBackTransactionIsReused(t *testing.T) {
	eachDialect(t, oneConn, func(t *testing.T, d *db.DB, arg func(int) string) {
		query := "SELECT count(*) FROM orders WHERE number = " + arg(1)
		boom := errors.New("boom")
		err := d.WithTx(t.Context(), func(ctx context.Context, tx *ent.Tx) error {
			rows, err := tx.Client().QueryContext(ctx, query, "AC-1")
			if err != nil {
				return err
			}
			rows.Close()
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		before := d.Statements()
		countRows(t, d.SQL, query, "AC-1")
		if got := d.Statements(); got.Prepared != before.Prepared || got.Hits != before.Hits+1 {
			t.Fatalf("after the rollback the statement was prepared again: %+v then %+v", before, got)
		}
	})
}

func TestStatementCacheReplansAfterASchemaChange(t *testing.T) {
	d := openPG(t, pgtest.Get(t).NewDatabase(t))
	d.SQL.SetMaxOpenConns(1)
	ctx := t.Context()
	for _, q := range []string{"CREATE TABLE t (id int PRIMARY KEY, a int)", "INSERT INTO t VALUES (1, 42)"} {
		if _, err := d.SQL.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	const query = "SELECT a FROM t WHERE id = $1"
	read := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) (int64, error) {
		var a int64
		err := q.QueryRowContext(ctx, query, 1).Scan(&a)
		return a, err
	}
	alter := func(typ string) {
		t.Helper()
		if _, err := d.SQL.ExecContext(ctx, "ALTER TABLE t ALTER COLUMN a TYPE "+typ); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := read(d.SQL); err != nil {
		t.Fatal(err)
	}

	// Outside a transaction the statement is prepared again and retried.
	alter("bigint")
	if a, err := read(d.SQL); err != nil || a != 42 {
		t.Fatalf("after ALTER COLUMN: %d, %v", a, err)
	}
	if got := d.Statements(); got.Replanned != 1 {
		t.Fatalf("replanned %d, want 1", got.Replanned)
	}

	// Inside one, Postgres aborted the transaction: the caller sees the
	// error once, the statement is gone, and WithTx runs the transaction
	// again.
	alter("numeric")
	tx, err := d.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = read(tx)
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || pqErr.Code != "0A000" {
		t.Fatalf("inside a transaction: %v, want 0A000 cached plan must not change result type", err)
	}
	_ = tx.Rollback()
	if a, err := read(d.SQL); err != nil || a != 42 {
		t.Fatalf("after the failed transaction: %d, %v", a, err)
	}

	alter("int")
	attempts := 0
	err = d.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		attempts++
		rows, err := tx.Client().QueryContext(ctx, query, 1)
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() {
			return errors.New("no row")
		}
		var a int64
		if err := rows.Scan(&a); err != nil || a != 42 {
			return errors.Join(err, errors.New("wrong value"))
		}
		return rows.Err()
	})
	if err != nil || attempts != 2 {
		t.Fatalf("WithTx after ALTER COLUMN: %v after %d attempts, want success on the 2nd", err, attempts)
	}
	if got := d.Statements(); got.Replanned != 3 {
		t.Fatalf("replanned %d, want 3", got.Replanned)
	}
}

func TestStatementCacheSurvivesALostConnection(t *testing.T) {
	dsn := pgtest.Get(t).NewDatabase(t)
	d := openPG(t, dsn)
	d.SQL.SetMaxOpenConns(1)
	ctx := t.Context()
	const query = "SELECT pg_backend_pid() + $1"
	pid := countRows(t, d.SQL, query, 0)
	if _, err := rawSQL(t, dsn).ExecContext(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	// database/sql sees the dead connection (lib/pq reports ErrBadConn
	// for the FATAL message waiting on it), drops it with its
	// statements, and runs the statement on a new one.
	if next := countRows(t, d.SQL, query, 0); next == pid {
		t.Fatalf("still on backend %d", pid)
	}
	if got := d.Statements(); got.Prepared != 2 {
		t.Fatalf("prepared %d, want 2 (once per connection)", got.Prepared)
	}
}

func TestStatementWhileRowsAreOpen(t *testing.T) {
	eachDialect(t, oneConn, func(t *testing.T, d *db.DB, arg func(int) string) {
		ctx := t.Context()
		query := "SELECT count(*) FROM orders WHERE number <> " + arg(1)
		countRows(t, d.SQL, query, "x") // prepared, so the next one reuses it
		tx, err := d.SQL.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		rows, err := tx.QueryContext(ctx, query, "x")
		if err != nil {
			t.Fatal(err)
		}
		// SQLite runs statements side by side: the same text runs
		// unprepared beside the open one. On Postgres a second statement
		// while rows are open is refused, as lib/pq refuses it, instead
		// of interleaving with the rows on the wire.
		beside, err := tx.QueryContext(ctx, query, "y")
		if err == nil {
			beside.Close()
		}
		switch {
		case d.Dialect == "postgres" && (err == nil || !strings.Contains(err.Error(), "already a query")):
			t.Fatalf("postgres, statement while rows are open: %v", err)
		case d.Dialect != "postgres" && err != nil:
			t.Fatalf("sqlite, statement while rows are open: %v", err)
		}
		if !rows.Next() {
			t.Fatal("no row")
		}
		rows.Close()
		if n := countRows(t, tx, query, "x"); n != 0 {
			t.Fatalf("after closing the rows: %d", n)
		}
	})
}

// After one connection meets a refused plan, the pool's other connections
// drop their statements too: a transaction on another connection succeeds
// at its first attempt.
func TestRefusedPlanInvalidatesEveryConnection(t *testing.T) {
	d := openPG(t, pgtest.Get(t).NewDatabase(t))
	ctx := t.Context()
	for _, q := range []string{"CREATE TABLE t (id int PRIMARY KEY, a int)", "INSERT INTO t VALUES (1, 42)"} {
		if _, err := d.SQL.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	const query = "SELECT a FROM t WHERE id = $1"
	// Two connections held at once, each with the statement prepared.
	var conns [2]*sql.Conn
	for i := range conns {
		c, err := d.SQL.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
		countRows(t, c, query, 1)
	}
	if _, err := conns[0].ExecContext(ctx, "ALTER TABLE t ALTER COLUMN a TYPE bigint"); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, conns[0], query, 1); n != 42 {
		t.Fatalf("read %d", n)
	}
	tx, err := conns[1].BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if n := countRows(t, tx, query, 1); n != 42 {
		t.Fatalf("read %d", n)
	}
	if got := d.Statements(); got.Replanned != 1 {
		t.Fatalf("replanned %d, want 1: the second connection met the refused plan too", got.Replanned)
	}
}
