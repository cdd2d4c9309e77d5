package db_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
)

// openSQLite opens and migrates the embedded database in dir, as the server
// does, and closes it with the test.
func openSQLite(t *testing.T, dir string) *db.DB {
	t.Helper()
	d, err := db.Open(db.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if err := d.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return d
}

func createCustomer(t *testing.T, c *ent.Client, email string, at time.Time) *ent.Customer {
	t.Helper()
	cu, err := c.Customer.Create().SetEmail(email).SetExternalID(email).SetFirstName("A").SetLastName("B").
		SetCreatedAt(at).SetUpdatedAt(at).Save(auth.WithSystem(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	return cu
}

// TestSQLiteTimesCompareAcrossZones: times written in different zones (a
// machine whose local zone is not UTC writes time.Now() in its own) order
// and compare as the instants they are, on the embedded database where a
// time is text.
func TestSQLiteTimesCompareAcrossZones(t *testing.T) {
	ctx := auth.WithSystem(t.Context())
	d := openSQLite(t, t.TempDir())
	pst := time.FixedZone("PST", -8*3600)
	noon := time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)
	// 13:00 UTC, written as 05:00 in its zone: as text in its own zone it
	// sorted before noon.
	later := time.Date(2026, 11, 2, 5, 0, 0, 0, pst)
	createCustomer(t, d.Client, "noon@example.com", noon)
	createCustomer(t, d.Client, "later@example.com", later)
	// time.Now carries a monotonic reading, which the driver used to write.
	createCustomer(t, d.Client, "now@example.com", time.Now().In(pst))

	got, err := d.Client.Customer.Query().Order(ent.Asc(customer.FieldCreatedAt)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	emails := make([]string, len(got))
	for i, c := range got {
		emails[i] = c.Email
	}
	if want := []string{"noon@example.com", "later@example.com", "now@example.com"}; !slices.Equal(emails, want) {
		t.Fatalf("ordered by created_at: %v; want %v", emails, want)
	}
	after, err := d.Client.Customer.Query().Where(customer.CreatedAtGT(noon.Add(30 * time.Minute))).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after != 2 {
		t.Errorf("%d customers created after 12:30 UTC; want 2 (later, now)", after)
	}
	if !got[1].CreatedAt.Equal(later) {
		t.Errorf("read back %v; want the instant %v", got[1].CreatedAt, later)
	}
	var raw string
	if err := d.SQL.QueryRowContext(ctx, `SELECT CAST(created_at AS TEXT) FROM customers WHERE email = 'later@example.com'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if raw != "2026-11-02 13:00:00 +0000 UTC" {
		t.Errorf("stored %q; want UTC, %q", raw, "2026-11-02 13:00:00 +0000 UTC")
	}
}

// TestSQLiteTimesRewrittenOnce: a file written before times were stored in
// UTC (each in its writer's zone, with the monotonic suffix) is rewritten
// when it is next migrated, once.
func TestSQLiteTimesRewrittenOnce(t *testing.T) {
	ctx := auth.WithSystem(t.Context())
	dir := t.TempDir()
	d := openSQLite(t, dir)
	cu := createCustomer(t, d.Client, "old@example.com", time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC))
	legacy := map[string]string{
		"created_at":     "2026-11-02 05:00:00.25 -0800 PST m=+0.012345678",
		"updated_at":     "2026-11-02 12:00:00 +0000 UTC m=+5.000000001",
		"silenced_until": "not a time",
	}
	for col, v := range legacy {
		if _, err := d.SQL.ExecContext(ctx, `UPDATE customers SET `+col+` = '`+v+`' WHERE id = ?`, cu.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.SQL.ExecContext(ctx, `PRAGMA user_version = 0`); err != nil {
		t.Fatal(err)
	}
	_ = d.Close()

	d = openSQLite(t, dir)
	stored := func() map[string]string {
		got := map[string]string{}
		for col := range legacy {
			var v string
			if err := d.SQL.QueryRowContext(ctx, `SELECT CAST(`+col+` AS TEXT) FROM customers WHERE id = ?`, cu.ID).Scan(&v); err != nil {
				t.Fatal(err)
			}
			got[col] = v
		}
		return got
	}
	want := map[string]string{
		"created_at":     "2026-11-02 13:00:00.25 +0000 UTC",
		"updated_at":     "2026-11-02 12:00:00 +0000 UTC",
		"silenced_until": "not a time", // not understood: left alone
	}
	if got := stored(); got["created_at"] != want["created_at"] || got["updated_at"] != want["updated_at"] || got["silenced_until"] != want["silenced_until"] {
		t.Errorf("after migrating: %v; want %v", got, want)
	}

	// Marked done: a value written the old way afterwards (it cannot be,
	// but the mark is what is checked) is not rewritten on the next start.
	if _, err := d.SQL.ExecContext(ctx, `UPDATE customers SET updated_at = '2026-11-02 04:00:00 -0800 PST' WHERE id = ?`, cu.ID); err != nil {
		t.Fatal(err)
	}
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if got := stored()["updated_at"]; got != "2026-11-02 04:00:00 -0800 PST" {
		t.Errorf("the rewrite ran again: updated_at = %q", got)
	}
}
