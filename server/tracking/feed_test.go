package tracking_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/live"
	"github.com/aftercart/aftercart/server/live/livetest"
	"github.com/aftercart/aftercart/server/orders"
	"github.com/aftercart/aftercart/server/pubsub"
	"github.com/aftercart/aftercart/server/pubsub/inmem"
	"github.com/aftercart/aftercart/server/pubsub/pgnotify"
	"github.com/aftercart/aftercart/server/tracking"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// stack is the real services on a real database, without the HTTP server.
type stack struct {
	db       *db.DB
	tracking *tracking.Service
	feed     *tracking.ShipmentFeed
	staff    context.Context
}

// newStack opens dbURL ("" for SQLite in a temp dir), migrates it, and
// starts the broker, the engine and the shipment feed on it.
func newStack(t *testing.T, dbURL string) *stack {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d, err := db.Open(db.Config{URL: dbURL, DataDir: t.TempDir(), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if err := d.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	var b pubsub.Broker = inmem.New()
	if dbURL != "" {
		if b, err = pgnotify.New(t.Context(), dbURL, log); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = b.Close() })
	e := live.NewEngine(b, log)
	t.Cleanup(e.Close)
	return &stack{
		db:       d,
		tracking: tracking.NewService(d, b),
		feed:     tracking.NewShipmentFeed(e, d.Client),
		staff:    auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleIntegration, Subject: "integration"}),
	}
}

// order imports an order of n lines for email and ships each line in a
// shipment of its own; it returns the order and the tracking numbers.
func (s *stack) order(t *testing.T, email, number string, n int) (*ent.Order, []string) {
	t.Helper()
	in := orders.ImportInput{
		ExternalID: "ext-" + number, Number: number, CurrencyCode: "EUR",
		PlacedAt:        time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC),
		Customer:        orders.CustomerInput{Email: email},
		ShippingAddress: types.Address{Name: "Mina Okafor", Line1: "Torstraße 1", City: "Berlin", PostalCode: "10119", CountryCode: "DE"},
	}
	for i := range n {
		in.Items = append(in.Items, orders.ItemInput{ExternalID: fmt.Sprint(number, "-", i), Sku: fmt.Sprint("SKU-", i), Name: "Product", Quantity: 1, UnitPrice: "10.00"})
	}
	res, err := orders.NewService(s.db, orders.Policy{Text: "30 days", WindowDays: 30}).Import(s.staff, in)
	if err != nil {
		t.Fatal(err)
	}
	items, err := s.db.OrderItem.Query().Where(orderitem.OrderID(res.Order.ID)).Order(orderitem.ByID()).All(auth.WithSystem(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for i, it := range items {
		tn := fmt.Sprintf("JJD%s%02d", number, i)
		if _, err := s.tracking.CreateShipment(s.staff, tracking.ShipmentInput{OrderID: res.Order.ID, Carrier: "DHL", TrackingNumber: tn,
			Items: []tracking.ShipmentItemInput{{OrderItemID: it.ID, Quantity: 1}}}); err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, tn)
	}
	return res.Order, numbers
}

// TestShipmentFeedCommitOrder is the engine's commit-order check for the
// shipment feed: concurrent carriers record checkpoints on the shipments of
// one order through the real service (each holding the order-row lock)
// while subscribers drop off and resume from random cursors; each ends with
// every checkpoint exactly once, in order. Postgres is where it matters
// (ids are handed out at insert, not at commit); SQLite runs it too.
func TestShipmentFeedCommitOrder(t *testing.T) {
	for name, dbURL := range map[string]func(t *testing.T) string{
		"sqlite":   func(*testing.T) string { return "" },
		"postgres": func(t *testing.T) string { return testserver.MigratedDatabase(t) },
	} {
		t.Run(name, func(t *testing.T) {
			s := newStack(t, dbURL(t))
			const writers = 4
			o, numbers := s.order(t, "mina@example.com", "CO1", writers)
			mina := auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleCustomer, Email: "mina@example.com", Subject: "mina@example.com", CustomerID: o.CustomerID})
			at := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
			livetest.CommitOrder[int, *tracking.ShipmentUpdate]{
				Feed: s.feed, Key: o.ID, Viewer: mina,
				Writers: writers, Writes: 25, Subscribers: 6, Seed: uint64(time.Now().UnixNano()),
				Write: func(ctx context.Context, name string, w, i int) error {
					_, err := s.tracking.RecordEvents(s.staff, tracking.EventsInput{Carrier: "DHL", TrackingNumber: numbers[w],
						Events: []tracking.EventInput{{ExternalID: name, Status: types.TrackingInTransit, OccurredAt: at.Add(time.Duration(i) * time.Minute)}}})
					return err
				},
				Label: func(u *tracking.ShipmentUpdate) string {
					if u.Event == nil {
						return "" // a new shipment, from the fixture
					}
					return u.Event.ExternalID
				},
				Cursor: func(u *tracking.ShipmentUpdate) string { return u.Cursor },
			}.Run(t)
		})
	}
}
