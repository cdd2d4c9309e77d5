package graph

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
)

// TestViewerCache checks what the cache remembers and for how long, with a
// clock the test moves: a found customer is looked up once; "no such
// customer" is remembered only briefly, so a customer imported meanwhile
// is found soon after.
func TestViewerCache(t *testing.T) {
	ctx := auth.WithSystem(context.Background())
	var statements atomic.Int64
	d, err := db.Open(db.Config{DataDir: t.TempDir(), OnStatement: func(context.Context, string) { statements.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}

	c := NewViewerCache(d.Client)
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	resolve := func(email string) int {
		t.Helper()
		v := &auth.Viewer{Role: auth.RoleCustomer, Email: email}
		if err := c.Resolve(ctx, v); err != nil {
			t.Fatal(err)
		}
		return v.CustomerID
	}

	if id := resolve("new@example.com"); id != 0 {
		t.Fatalf("unknown email resolved to %d", id)
	}
	cust := d.Customer.Create().SetEmail("new@example.com").SetFirstName("New").SaveX(ctx)
	if id := resolve("new@example.com"); id != 0 {
		t.Fatalf("the miss was not remembered: resolved to %d at once", id)
	}
	now = now.Add(viewerMissingTTL)
	if id := resolve("new@example.com"); id != cust.ID {
		t.Fatalf("after the miss expired: %d, want %d", id, cust.ID)
	}
	// Found ids are kept: even a deleted row still resolves until the TTL
	// (or Forget) drops it, which proves the answer came from the cache.
	d.Customer.DeleteOneID(cust.ID).ExecX(ctx)
	now = now.Add(viewerFoundTTL - time.Second)
	if id := resolve("new@example.com"); id != cust.ID {
		t.Fatalf("a found id was not cached: %d", id)
	}
	now = now.Add(time.Second)
	if id := resolve("new@example.com"); id != 0 {
		t.Fatalf("a found id outlived its TTL: %d", id)
	}
	// Forget drops an entry at once.
	d.Customer.Create().SetEmail("back@example.com").SetFirstName("Back").ExecX(ctx)
	resolve("back@example.com")
	before := statements.Load()
	resolve("back@example.com")
	if n := statements.Load() - before; n != 0 {
		t.Fatalf("a cached viewer cost %d statements", n)
	}
	c.Forget("back@example.com")
	resolve("back@example.com")
	if n := statements.Load() - before; n != 1 {
		t.Fatalf("after Forget: %d statements, want the one lookup", n)
	}
	// Staff viewers never query.
	before = statements.Load()
	if err := c.Resolve(ctx, &auth.Viewer{Role: auth.RoleAdmin, Subject: "admin"}); err != nil || statements.Load() != before {
		t.Fatalf("a staff viewer: %v, %d statements", err, statements.Load()-before)
	}
}
