package loyalty_test

import (
	"context"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/loyalty"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testServer is the real server with a fake clock the program reads.
type testServer struct {
	*testserver.Server
	clock *clockwork.FakeClock
}

// mustServer starts the real server (see testserver.Start) on a fake clock
// set to now.
func mustServer(t testing.TB, dbURL string, configure ...func(*app.Config)) *testServer {
	t.Helper()
	clock := clockwork.NewFakeClockAt(time.Now().Truncate(time.Second))
	configure = append([]func(*app.Config){func(c *app.Config) { c.Clock = clock }}, configure...)
	return &testServer{Server: testserver.Start(t, dbURL, configure...), clock: clock}
}

// system is a context that sees everything.
func system() context.Context { return auth.WithSystem(context.Background()) }

// staff is a context signed in as an admin.
func staff() context.Context {
	return auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleAdmin, Subject: "admin@test"})
}

// as is a context signed in as the customer.
func as(c *ent.Customer) context.Context {
	return auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleCustomer, Subject: c.Email, Email: c.Email, CustomerID: c.ID})
}

// customerOf reads a customer by email.
func (s *testServer) customerOf(t testing.TB, email string) *ent.Customer {
	t.Helper()
	c, err := s.DB.Customer.Query().Where(customer.Email(email)).Only(system())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mustBalance audits the customer's ledger (account = sum of entries) and
// returns the balance.
func (s *testServer) mustBalance(t testing.TB, customerID int) loyalty.Balance {
	t.Helper()
	b, err := s.Loyalty.Audit(context.Background(), customerID)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// deliveredOrder imports an order of two lines (10.00 × 1 and 11.01 × 2:
// 32.02 EUR, 32 points at 1×), ships it and delivers it at `at`.
func (s *testServer) deliveredOrder(t testing.TB, email, number string, at time.Time) testserver.ImportedOrder {
	t.Helper()
	o := s.MustImport(t, testserver.OrderSpec{Email: email, Number: number, Items: 2})
	s.MustShip(t, o.ID, "DHL", "T"+number)
	s.MustTrack(t, "DHL", "T"+number, testserver.Event(number+"-d", "DELIVERED", at))
	return o
}
