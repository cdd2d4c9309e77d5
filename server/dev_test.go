package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/demo"
	"github.com/aftercart/aftercart/server/internal/pgtest"
)

// TestDevServer is the README's first command: development mode seeds the
// demo store, and the demo customer's in-transit order answers the mobile
// app's query; the token command signs with the same development secret.
func TestDevServer(t *testing.T) {
	dir := t.TempDir()
	s := mustServer(t, "", func(c *app.Config) {
		c.Dev, c.Seed, c.DataDir = true, true, dir
		c.JWTSecret, c.WebhookSecret = nil, nil // resolved from the data dir, as in development
	})
	var out bytes.Buffer
	if err := runToken([]string{"-dev", "-role", "customer", "-email", demo.DemoCustomerEmail, "-data-dir", dir}, &out); err != nil {
		t.Fatal(err)
	}
	var res orderStatus
	s.gql(t, strings.TrimSpace(out.String()), orderStatusQuery, map[string]any{"number": demo.InTransitOrderNumber}).mustOK(t, &res)
	o := res.Order
	if o == nil || o.Customer.FirstName != "Mina" || o.Status != "SHIPPED" || len(o.Shipments) == 0 || len(o.Shipments[0].Events.Edges) < 3 {
		t.Fatalf("demo order = %+v", o)
	}
	var list struct{ Orders struct{ TotalCount int } }
	s.gql(t, strings.TrimSpace(out.String()), `{ orders(first: 20) { totalCount } }`, nil).mustOK(t, &list)
	if list.Orders.TotalCount < 6 {
		t.Errorf("demo customer has %d orders", list.Orders.TotalCount)
	}
	// A token for the other demo customer cannot see Mina's order.
	leo := s.token(t, auth.RoleCustomer, demo.OtherCustomerEmail)
	s.gql(t, leo, orderStatusQuery, map[string]any{"number": demo.InTransitOrderNumber}).mustCode(t, "NOT_FOUND")
	if err := runToken([]string{"-dev", "-role", "pirate", "-data-dir", dir}, &out); err == nil {
		t.Error("token accepted an unknown role")
	}
}

// TestDatabaseDown checks that a webhook arriving while Postgres is down gets
// a 5xx, so the sender retries, and that GraphQL reports UNAVAILABLE.
func TestDatabaseDown(t *testing.T) {
	cluster := pgtest.Start(t)
	s := mustServer(t, cluster.NewDatabase(t))
	o := s.mustImport(t, orderSpec{email: "mina@example.com", number: "D-1", items: 1})
	s.mustShip(t, o.ID, "DHL", "JJDDOWN01")
	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	status, body := s.webhook(t, webhookBody(t, "DHL", "JJDDOWN01", event("d1", "IN_TRANSIT", t0)), testWebhookSecret)
	if status != http.StatusServiceUnavailable {
		t.Errorf("webhook with the database down: %d %v, want 503", status, body)
	}
	s.gql(t, s.integration(t), `{ orders(first: 1) { totalCount } }`, nil).mustCode(t, "UNAVAILABLE")
	res, err := http.Get(s.URL() + "/readyz")
	if err != nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database down: %v %v", res, err)
	}
}
