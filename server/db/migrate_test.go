package db_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"ariga.io/atlas/sql/migrate"

	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/internal/pgtest"
)

const release = "testdata/release-66d848c/"

// TestMigrationsBuildEntSchema applies the committed migrations to an empty
// database and asks ent's engine (Atlas) for the diff to the ent schema: any
// difference means a schema change without its migration file.
func TestMigrationsBuildEntSchema(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.Get(t).NewDatabase(t)
	d := openPG(t, dsn)
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	mustNoDrift(t, ctx, d)

	dir, err := db.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	files, err := dir.Files()
	if err != nil {
		t.Fatal(err)
	}
	revs := revisionRows(t, rawSQL(t, dsn))
	if len(revs) != len(files) {
		t.Fatalf("%d revisions recorded for %d files: %+v", len(revs), len(files), revs)
	}
	for i, r := range revs {
		if r.Version != files[i].Version() || r.Type != migrate.RevisionTypeExecute || r.Applied != r.Total || r.Total == 0 {
			t.Errorf("revision %d = %+v; want %s executed in full", i, r, files[i].Version())
		}
	}
	if files[0].Version() != db.BaselineVersion {
		t.Errorf("first migration is %s; BaselineVersion says %s", files[0].Name(), db.BaselineVersion)
	}
}

// TestDriftSeesDifferences keeps the drift check honest: an index the ent
// schema lacks, a missing one and a stray table are all reported.
func TestDriftSeesDifferences(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.Get(t).NewDatabase(t)
	d := openPG(t, dsn)
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	raw := rawSQL(t, dsn)
	for _, q := range []string{
		`CREATE INDEX shipment_items_order_item_id ON shipment_items (order_item_id)`,
		`DROP INDEX order_status_placed_at`,
		`CREATE TABLE leftovers (id bigint PRIMARY KEY)`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	drift, err := d.Drift(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(drift, "\n")
	for _, want := range []string{`DROP INDEX "shipment_items_order_item_id"`, `CREATE INDEX "order_status_placed_at"`, `DROP TABLE "leftovers"`} {
		if !strings.Contains(all, want) {
			t.Errorf("drift misses %s:\n%s", want, all)
		}
	}
}

// TestUpgradeFromRelease66d848c starts the new code on a database made by the
// last release without versioned migrations, with its demo rows in it.
func TestUpgradeFromRelease66d848c(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.Get(t).NewDatabase(t)
	loadDump(t, dsn, release+"schema.sql")
	loadDump(t, dsn, release+"rows.sql")
	raw := rawSQL(t, dsn)
	before := rowCounts(t, raw)
	if before["orders"] == 0 || before["tracking_events"] == 0 {
		t.Fatalf("the release's rows did not load: %v", before)
	}

	d := openPG(t, dsn)
	res, err := d.ApplyMigrations(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Baselined {
		t.Errorf("result %+v: want the database recorded at the baseline", res)
	}
	revs := revisionRows(t, raw)
	if len(revs) == 0 || revs[0] != (revisionRow{Version: db.BaselineVersion, Type: migrate.RevisionTypeBaseline}) {
		t.Errorf("revisions %+v; want the baseline %s first", revs, db.BaselineVersion)
	}
	if after := rowCounts(t, raw); !equalCounts(before, after) {
		t.Errorf("rows before %v, after %v", before, after)
	}
	mustNoDrift(t, ctx, d)

	// The rows read back through ent, and new ones continue each table's
	// global id range after the old rows.
	sys := auth.WithSystem(ctx)
	o, err := d.Order.Query().Where(order.Number("AC-1001")).WithItems().WithShipments().Only(sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Edges.Items) == 0 || len(o.Edges.Shipments) == 0 {
		t.Errorf("order AC-1001 lost its items or shipments: %+v", o.Edges)
	}
	var maxProduct int
	if err := raw.QueryRowContext(ctx, `SELECT max(id) FROM products`).Scan(&maxProduct); err != nil {
		t.Fatal(err)
	}
	p, err := d.Product.Create().SetSku("UPGRADE-1").SetName("After the upgrade").Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID <= maxProduct || p.ID>>32 != maxProduct>>32 {
		t.Errorf("new product id %d; want one after %d in the same range", p.ID, maxProduct)
	}

	// A second start finds nothing to do.
	again, err := d.ApplyMigrations(ctx, nil)
	if err != nil || again.Baselined || len(again.Applied) > 0 || again.Version != res.Version {
		t.Errorf("second run = %+v, %v; want nothing done at %s", again, err, res.Version)
	}
}

// TestUpgradeAppliesLaterMigrations: after the baseline, a database of the
// old release gets every later file, recorded as executed.
func TestUpgradeAppliesLaterMigrations(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.Get(t).NewDatabase(t)
	loadDump(t, dsn, release+"schema.sql")
	loadDump(t, dsn, release+"rows.sql")
	raw := rawSQL(t, dsn)
	before := rowCounts(t, raw)

	const later = "99990101000000_later.sql"
	dir := dirWith(t, map[string]string{later: "CREATE TABLE later_notes (id bigint PRIMARY KEY, body text NOT NULL);\n" +
		"INSERT INTO later_notes (id, body) SELECT id, number FROM orders;\n"})
	res, err := openPG(t, dsn).ApplyMigrations(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	// The committed files after the baseline apply first, then the test's.
	wantApplied := append(committedFiles(t)[1:], later)
	if !res.Baselined || !slices.Equal(res.Applied, wantApplied) || res.Version != "99990101000000" {
		t.Errorf("result %+v; want baselined, then %v applied", res, wantApplied)
	}
	revs := revisionRows(t, raw)
	if len(revs) != 1+len(wantApplied) ||
		revs[0] != (revisionRow{Version: db.BaselineVersion, Type: migrate.RevisionTypeBaseline}) ||
		revs[len(revs)-1] != (revisionRow{Version: "99990101000000", Type: migrate.RevisionTypeExecute, Applied: 2, Total: 2}) {
		t.Errorf("revisions %+v; want the baseline, %v, then 99990101000000 (2 of 2 statements)", revs, wantApplied)
	}
	for i, r := range revs[1:] {
		if name := wantApplied[i]; !strings.HasPrefix(name, r.Version+"_") || r.Type != migrate.RevisionTypeExecute || r.Applied != r.Total {
			t.Errorf("revision %+v; want %s applied in full", r, name)
		}
	}
	after := rowCounts(t, raw)
	if after["later_notes"] != before["orders"] {
		t.Errorf("the later migration copied %d rows; want %d (one per order)", after["later_notes"], before["orders"])
	}
	delete(after, "later_notes")
	if !equalCounts(before, after) {
		t.Errorf("rows before %v, after %v", before, after)
	}
}

// TestUnknownSchemaRefused: a database with tables and no history is adopted
// only if it is exactly the baseline; otherwise it is left untouched.
func TestUnknownSchemaRefused(t *testing.T) {
	for _, tc := range []struct {
		name, change, mention string
	}{
		{"changed column", `ALTER TABLE public.orders DROP COLUMN tax_minor`, `"tax_minor"`},
		{"older release", `DROP TABLE public.shipment_changes`, `"shipment_changes"`},
		{"extra index", `CREATE INDEX by_hand ON public.shipments (carrier)`, `"by_hand"`},
		{"id range", `ALTER TABLE public.products ALTER COLUMN id SET START WITH 1`, `"products"`},
		{"not aftercart", ``, `"inventory"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			dsn := pgtest.Get(t).NewDatabase(t)
			raw := rawSQL(t, dsn)
			if tc.change == "" {
				if _, err := raw.ExecContext(ctx, `CREATE TABLE inventory (sku text PRIMARY KEY)`); err != nil {
					t.Fatal(err)
				}
			} else {
				loadDump(t, dsn, release+"schema.sql")
				if _, err := raw.ExecContext(ctx, tc.change); err != nil {
					t.Fatal(err)
				}
			}
			err := openPG(t, dsn).Migrate(ctx)
			if !errors.Is(err, db.ErrUnknownSchema) {
				t.Fatalf("Migrate = %v; want ErrUnknownSchema", err)
			}
			for _, want := range []string{tc.mention, db.BaselineVersion, "66d848c", db.RevisionsTable} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message lacks %s:\n%v", want, err)
				}
			}
			if tableExists(t, raw, db.RevisionsTable) || tableExists(t, raw, "aftercart_baseline_check.customers") {
				t.Error("a refused database was changed (revisions table or scratch schema left behind)")
			}
		})
	}
}

// TestConcurrentStartsOnEmptyDatabase: instances starting together take
// turns under the advisory lock; all come up and each file runs once.
func TestConcurrentStartsOnEmptyDatabase(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.Get(t).NewDatabase(t)
	const instances = 4
	dbs := make([]*db.DB, instances)
	for i := range dbs {
		dbs[i] = openPG(t, dsn)
		if err := dbs[i].Ping(ctx); err != nil { // connect first, so they race on the lock, not on dialing
			t.Fatal(err)
		}
	}
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		errs    = make([]error, instances)
		results = make([]db.MigrationResult, instances)
	)
	for i := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = dbs[i].ApplyMigrations(ctx, nil)
		}()
	}
	close(start)
	wg.Wait()
	applied := 0
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
		applied += len(results[i].Applied)
	}
	dir, _ := db.Migrations()
	files, _ := dir.Files()
	if applied != len(files) {
		t.Errorf("files applied %d times in all; want each of %d once: %+v", applied, len(files), results)
	}
	if revs := revisionRows(t, rawSQL(t, dsn)); len(revs) != len(files) {
		t.Errorf("revisions %+v; want %d", revs, len(files))
	}
	mustNoDrift(t, ctx, dbs[0])
}

// TestChecksumMismatchRefused: a migration edited after it was hashed is
// refused before anything touches the database.
func TestChecksumMismatchRefused(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.Get(t).NewDatabase(t)
	dir := dirWith(t, nil)
	files, _ := dir.Files()
	edited := files[0]
	if err := dir.WriteFile(edited.Name(), append(edited.Bytes(), "\nDROP TABLE customers;\n"...)); err != nil {
		t.Fatal(err)
	}
	_, err := openPG(t, dsn).ApplyMigrations(ctx, dir)
	if !errors.Is(err, migrate.ErrChecksumMismatch) {
		t.Fatalf("ApplyMigrations = %v; want a checksum mismatch", err)
	}
	for _, want := range []string{"atlas.sum", edited.Name(), "edited", "newmigration"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %v", want, err)
		}
	}
	if counts := rowCounts(t, rawSQL(t, dsn)); len(counts) != 0 {
		t.Errorf("tables created despite the mismatch: %v", counts)
	}
}

// TestFailedMigrationLeavesNoTrace: a file that fails half-way is rolled back
// with its revision row, and runs in full once fixed.
func TestFailedMigrationLeavesNoTrace(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.Get(t).NewDatabase(t)
	d := openPG(t, dsn)
	raw := rawSQL(t, dsn)
	const name = "99990101000000_broken.sql"
	broken := dirWith(t, map[string]string{name: "CREATE TABLE half (id bigint PRIMARY KEY);\nALTER TABLE nowhere ADD COLUMN x int;\n"})
	res, err := d.ApplyMigrations(ctx, broken)
	if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "nowhere") {
		t.Fatalf("ApplyMigrations = %v; want the failing file and statement named", err)
	}
	if tableExists(t, raw, "half") {
		t.Error("the failed file's first statement stayed applied")
	}
	revs := revisionRows(t, raw)
	committed := committedFiles(t)
	if len(revs) != len(committed) || !strings.HasPrefix(committed[len(committed)-1], revs[len(revs)-1].Version+"_") || !slices.Equal(res.Applied, committed) {
		t.Errorf("revisions %+v, result %+v; want the committed files %v applied and nothing of the broken file", revs, res, committed)
	}
	fixed := dirWith(t, map[string]string{name: "CREATE TABLE half (id bigint PRIMARY KEY);\n"})
	if res, err := d.ApplyMigrations(ctx, fixed); err != nil || len(res.Applied) != 1 || res.Applied[0] != name {
		t.Fatalf("after the fix: %+v, %v", res, err)
	}
	if !tableExists(t, raw, "half") {
		t.Error("the fixed file did not apply")
	}
}

// TestCommittedDirectoryIsHashed: the embedded files match atlas.sum.
func TestCommittedDirectoryIsHashed(t *testing.T) {
	dir, err := db.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate.Validate(dir); err != nil {
		t.Fatalf("%s does not match its atlas.sum (%v): run `go run ./server/db/newmigration -hash` only if no database has applied the edited file", db.MigrationsDir, err)
	}
}

// TestSQLiteKeepsAutomaticMigration: versioned files are Postgres-only.
func TestSQLiteKeepsAutomaticMigration(t *testing.T) {
	d, err := db.Open(db.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ApplyMigrations(t.Context(), nil); err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Errorf("ApplyMigrations on SQLite = %v; want a refusal naming PostgreSQL", err)
	}
	if _, err := d.Customer.Query().Count(auth.WithSystem(t.Context())); err != nil {
		t.Errorf("schema not created on SQLite: %v", err)
	}
}

func equalCounts(a, b map[string]int) bool {
	// Later migrations add tables (reviews, ...): they must start empty;
	// every table that was there keeps its rows.
	for k, v := range b {
		if _, existed := a[k]; !existed && v != 0 {
			return false
		}
	}
	for k, v := range a {
		if n, ok := b[k]; !ok || n != v {
			return false
		}
	}
	return true
}
