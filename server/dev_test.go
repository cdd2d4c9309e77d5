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
	"github.com/aftercart/aftercart/server/internal/testserver"
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
	var res testserver.OrderStatus
	s.GQL(t, strings.TrimSpace(out.String()), testserver.OrderStatusQuery, map[string]any{"number": demo.InTransitOrderNumber}).MustOK(t, &res)
	o := res.Order
	if o == nil || o.Customer.FirstName != "Mina" || o.Status != "SHIPPED" || len(o.Shipments) == 0 || len(o.Shipments[0].Events.Edges) < 3 {
		t.Fatalf("demo order = %+v", o)
	}
	var list struct{ Orders struct{ TotalCount int } }
	s.GQL(t, strings.TrimSpace(out.String()), `{ orders(first: 20) { totalCount } }`, nil).MustOK(t, &list)
	if list.Orders.TotalCount < 6 {
		t.Errorf("demo customer has %d orders", list.Orders.TotalCount)
	}
	// A token for the other demo customer cannot see Mina's order.
	leo := s.Token(t, auth.RoleCustomer, demo.OtherCustomerEmail)
	s.GQL(t, leo, testserver.OrderStatusQuery, map[string]any{"number": demo.InTransitOrderNumber}).MustCode(t, "NOT_FOUND")
	if err := runToken([]string{"-dev", "-role", "pirate", "-data-dir", dir}, &out); err == nil {
		t.Error("token accepted an unknown role")
	}
}

// TestDatabaseDown checks that a webhook arriving while Postgres is down gets
// a 5xx, so the sender retries, and that GraphQL reports UNAVAILABLE.
func TestDatabaseDown(t *testing.T) {
	cluster := pgtest.Start(t)
	s := mustServer(t, cluster.NewDatabase(t))
	o := s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "D-1", Items: 1})
	s.MustShip(t, o.ID, "DHL", "JJDDOWN01")
	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	status, body := s.Webhook(t, testserver.WebhookBody(t, "DHL", "JJDDOWN01", testserver.Event("d1", "IN_TRANSIT", testserver.T0)), testserver.WebhookSecret)
	if status != http.StatusServiceUnavailable {
		t.Errorf("webhook with the database down: %d %v, want 503", status, body)
	}
	s.GQL(t, s.Integration(t), `{ orders(first: 1) { totalCount } }`, nil).MustCode(t, "UNAVAILABLE")
	res, err := http.Get(s.URL() + "/readyz")
	if err != nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database down: %v %v", res, err)
	}
}
