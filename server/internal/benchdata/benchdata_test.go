package benchdata

import (
	"context"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/orders"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// loaded migrates a fresh database with the server's migrations and loads a
// dataset of the given scale into it.
func loaded(t *testing.T, scale float64) (*db.DB, *Dataset) {
	t.Helper()
	d, err := db.Open(db.Config{URL: pgtest.Get(t).NewDatabase(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if err := d.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	spec, err := ForScale(scale)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := Load(t.Context(), d.SQL, spec, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	return d, ds
}

// wantShipments counts the shipments and events Load's plan gives spec.
func wantShipments(s Spec) (shipments, events int64) {
	sidx := int64(0)
	for i := range s.Orders {
		n := 1
		switch {
		case i < 2:
		case i%10 == 9:
			n = 0
		case i%3 == 0:
			n = 2
		}
		for range n {
			switch i {
			case 0:
				events += int64(s.BigEvents)
			case 1:
				events += int64(s.SmallEvents)
			default:
				events += 5 + sidx*7%41
			}
			sidx++
		}
	}
	return sidx, events
}

func TestLoad(t *testing.T) {
	d, ds := loaded(t, 0.002)
	ships, events := wantShipments(ds.Spec)
	want := map[string]int64{
		"customers": 20, "products": 10, "orders": 200, "order_items": 600,
		"shipments": ships, "tracking_events": events,
	}
	for table, n := range want {
		if ds.Rows[table] != n {
			t.Errorf("%s: %d rows, want %d", table, ds.Rows[table], n)
		}
	}
	ctx := auth.WithSystem(context.Background())

	// The ids are in ent's ranges: the generated client resolves their type.
	o, err := d.Client.Order.Query().Where(order.Number(ds.BigEventsOrder)).
		WithItems().WithShipments(func(q *ent.ShipmentQuery) { q.WithEvents() }).Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int{o.ID, o.CustomerID, o.Edges.Items[0].ID, o.Edges.Shipments[0].ID, o.Edges.Shipments[0].Edges.Events[0].ID} {
		if _, err := d.Client.Noder(ctx, id); err != nil {
			t.Errorf("node(%d): %v", id, err)
		}
	}
	if n := len(o.Edges.Shipments); n != 1 || len(o.Edges.Shipments[0].Edges.Events) != ds.BigEvents || len(o.Edges.Items) != 3 {
		t.Errorf("%s: %d shipments, want 1 with %d events and 3 items", ds.BigEventsOrder, n, ds.BigEvents)
	}
	small, err := d.Client.Order.Query().Where(order.Number(ds.SmallEventsOrder)).QueryShipments().QueryEvents().Count(ctx)
	if err != nil || small != ds.SmallEvents {
		t.Errorf("%s: %d events (%v), want %d", ds.SmallEventsOrder, small, err, ds.SmallEvents)
	}

	// Every order's stored status and delivery date are what the
	// application derives from its items and shipments.
	all, err := d.Client.Order.Query().WithItems().
		WithShipments(func(q *ent.ShipmentQuery) { q.WithItems() }).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[types.OrderStatus]int{}
	for _, o := range all {
		ordered := map[int]int{}
		for _, it := range o.Edges.Items {
			ordered[it.ID] = it.Quantity
		}
		var states []orders.ShipmentState
		for _, s := range o.Edges.Shipments {
			units := map[int]int{}
			for _, si := range s.Edges.Items {
				units[si.OrderItemID] += si.Quantity
			}
			states = append(states, orders.ShipmentState{Status: s.Status, DeliveredAt: s.DeliveredAt, Units: units})
		}
		got := orders.DeriveStatus(false, ordered, states)
		if got.Status != o.Status || !sameTime(got.DeliveredAt, o.DeliveredAt) {
			t.Errorf("%s: stored %s delivered %v, derived %s delivered %v", o.Number, o.Status, o.DeliveredAt, got.Status, got.DeliveredAt)
		}
		seen[o.Status]++
	}
	for _, s := range []types.OrderStatus{types.OrderUnfulfilled, types.OrderShipped, types.OrderDelivered, types.OrderPartiallyDelivered} {
		if seen[s] == 0 {
			t.Errorf("no %s order in %v", s, seen)
		}
	}

	customers, err := ds.Shoppers(ctx, d.SQL, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(customers) != 4 || len(customers[0].Orders) != ds.Orders/ds.Customers {
		t.Errorf("customers: %+v, want 4 with %d orders each", customers, ds.Orders/ds.Customers)
	}

	if _, err := Load(ctx, d.SQL, ds.Spec, nil); err == nil {
		t.Error("a second Load into the same database succeeded; want a refusal")
	}
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func TestForScale(t *testing.T) {
	s, err := ForScale(1)
	if err != nil || s.Customers != 10_000 || s.Orders != 100_000 || s.BigEvents != 2_025 || s.SmallEvents != 25 {
		t.Errorf("ForScale(1) = %+v, %v", s, err)
	}
	if s, err := ForScale(0.00001); err != nil || s.Orders != MinOrders {
		t.Errorf("ForScale(0.00001) = %+v, %v; want %d orders", s, err, MinOrders)
	}
	for _, bad := range []float64{0, -1, 11} {
		if _, err := ForScale(bad); err == nil {
			t.Errorf("ForScale(%g) succeeded", bad)
		}
	}
}
