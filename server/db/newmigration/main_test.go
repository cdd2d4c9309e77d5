package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ariga.io/atlas/sql/migrate"

	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestWritesTheMissingMigration: with a directory that lacks one of the ent
// schema's indexes, the command writes exactly that index as the next file,
// with a valid atlas.sum; run again, it writes nothing.
func TestWritesTheMissingMigration(t *testing.T) {
	src, err := db.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	files, err := src.Files()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	const index = `CREATE INDEX "order_status_placed_at" ON "orders" ("status", "placed_at");`
	for _, f := range files {
		body := string(f.Bytes())
		if f.Version() == db.BaselineVersion {
			if !strings.Contains(body, index) {
				t.Fatalf("the baseline no longer has %s; pick another index for this test", index)
			}
			body = strings.Replace(body, index, "", 1)
		}
		if err := os.WriteFile(filepath.Join(tmp, f.Name()), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := run(t.Context(), []string{"-dir", tmp, "-hash"}); err != nil {
		t.Fatal(err)
	}
	devURL := pgtest.Get(t).NewDatabase(t)
	if err := run(t.Context(), []string{"-dir", tmp, "-dev-url", devURL, "restore_index"}); err != nil {
		t.Fatal(err)
	}
	dir, err := migrate.NewLocalDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate.Validate(dir); err != nil {
		t.Fatalf("atlas.sum after writing: %v", err)
	}
	after, err := dir.Files()
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(files)+1 {
		t.Fatalf("%d files after; want %d", len(after), len(files)+1)
	}
	added := after[len(after)-1]
	if !strings.HasSuffix(added.Name(), "_restore_index.sql") || added.Version() <= files[len(files)-1].Version() {
		t.Errorf("new file %s; want a later version named restore_index", added.Name())
	}
	stmts, err := added.Stmts()
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 1 || strings.TrimSpace(stmts[0]) != index {
		t.Errorf("new file holds %q; want only %s", stmts, index)
	}
	if err := run(t.Context(), []string{"-dir", tmp, "-dev-url", devURL, "again"}); err != nil {
		t.Fatal(err)
	}
	if again, _ := dir.Files(); len(again) != len(after) {
		t.Errorf("a second run wrote another file although nothing changed")
	}
}
