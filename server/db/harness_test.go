package db_test

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"

	"ariga.io/atlas/sql/migrate"

	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// openPG opens dsn as the server would, and closes it with the test.
func openPG(t *testing.T, dsn string) *db.DB {
	t.Helper()
	d, err := db.Open(db.Config{URL: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// rawSQL is a plain pool on dsn for looking at the database behind the
// code's back.
func rawSQL(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	s, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// loadDump replays a plain-format pg_dump file. The \restrict/\unrestrict
// lines are psql meta-commands (pg_dump 15.14+); everything else is SQL that
// lib/pq sends as one simple query. A pool of its own, closed at once: the
// dump empties search_path for its session.
func loadDump(t *testing.T, dsn, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, `\`) {
			kept = append(kept, line)
		}
	}
	s, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ExecContext(t.Context(), strings.Join(kept, "\n")); err != nil {
		t.Fatalf("loading %s: %v", path, err)
	}
}

// rowCounts counts the rows of every table in the public schema except the
// revisions table.
func rowCounts(t *testing.T, s *sql.DB) map[string]int {
	t.Helper()
	rows, err := s.QueryContext(t.Context(), `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> $1 ORDER BY 1`, db.RevisionsTable)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	counts := map[string]int{}
	for _, name := range tables {
		var n int
		if err := s.QueryRowContext(t.Context(), `SELECT count(*) FROM "`+name+`"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[name] = n
	}
	return counts
}

// revisionRow is what the tests check of a recorded revision.
type revisionRow struct {
	Version        string
	Type           migrate.RevisionType
	Applied, Total int
}

// committedFiles returns the names of the committed migration files, oldest
// first (the baseline, then every later one).
func committedFiles(t *testing.T) []string {
	t.Helper()
	src, err := db.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	files, err := src.Files()
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Name()
	}
	return names
}

// revisionRows returns the recorded revisions, oldest version first.
func revisionRows(t *testing.T, s *sql.DB) []revisionRow {
	t.Helper()
	rows, err := s.QueryContext(t.Context(), `SELECT version, type, applied, total FROM `+db.RevisionsTable+` ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []revisionRow
	for rows.Next() {
		var r revisionRow
		if err := rows.Scan(&r.Version, &r.Type, &r.Applied, &r.Total); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// tableExists reports whether name resolves in the database's search path.
func tableExists(t *testing.T, s *sql.DB, name string) bool {
	t.Helper()
	var ok bool
	if err := s.QueryRowContext(t.Context(), `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

// mustNoDrift fails t unless the database has exactly the ent schema.
func mustNoDrift(t *testing.T, ctx context.Context, d *db.DB) {
	t.Helper()
	drift, err := d.Drift(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(drift) > 0 {
		t.Fatalf("the committed migrations do not build the ent schema. Write the missing migration with `%s` "+
			"(after `go generate ./ent`) and commit %s. What is missing:\n\t%s",
			db.NewMigrationCommand, db.MigrationsDir, strings.Join(drift, "\n\t"))
	}
}

// dirWith returns the embedded migrations plus extra files (name → SQL),
// rehashed as newmigration would.
func dirWith(t *testing.T, extra map[string]string) *migrate.MemDir {
	t.Helper()
	src, err := db.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	files, err := src.Files()
	if err != nil {
		t.Fatal(err)
	}
	dir := &migrate.MemDir{}
	for _, f := range files {
		if err := dir.WriteFile(f.Name(), f.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range extra {
		if err := dir.WriteFile(name, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := dir.Checksum()
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate.WriteSumFile(dir, sum); err != nil {
		t.Fatal(err)
	}
	return dir
}
