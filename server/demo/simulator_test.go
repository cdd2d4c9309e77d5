package demo_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/shipment"
	"github.com/aftercart/aftercart/server/demo"
)

// TestSimulatorDrivesEveryShipmentHome steps the carrier simulator until the
// demo customer's parcels are all delivered, checking each step records one
// checkpoint and no status ever goes backwards; then it must restock, so the
// demo keeps moving.
func TestSimulatorDrivesEveryShipmentHome(t *testing.T) {
	e := mustEnv(t, dbConfigSQLite(t))
	e.mustSeed(t, time.Now())
	sim := demo.NewSimulator(e.db, e.ord, e.trk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	rank := map[types.TrackingStatus]int{
		types.TrackingPending: 0, types.TrackingInfoReceived: 1, types.TrackingException: 2, types.TrackingAttemptFail: 2,
		types.TrackingInTransit: 3, types.TrackingOutForDelivery: 4, types.TrackingAvailableForPickup: 4, types.TrackingDelivered: 5,
	}
	mine := shipment.HasOrderWith(order.HasCustomerWith(customerWithEmail(demo.DemoCustomerEmail)), order.CanceledAtIsNil())
	statuses := func() map[int]types.TrackingStatus {
		out := map[int]types.TrackingStatus{}
		for _, s := range e.db.Shipment.Query().Where(mine).AllX(sys) {
			out[s.ID] = s.Status
		}
		return out
	}
	ordersBefore := e.db.Order.Query().CountX(sys)
	prev := statuses()
	for step := 0; ; step++ {
		if step == 200 {
			t.Fatalf("not all delivered after 200 steps: %v", prev)
		}
		open := e.db.Shipment.Query().Where(mine, shipment.StatusNEQ(types.TrackingDelivered)).CountX(sys)
		if open == 0 {
			break
		}
		events := e.db.TrackingEvent.Query().CountX(sys)
		if err := sim.Step(context.Background()); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if got := e.db.TrackingEvent.Query().CountX(sys); got != events+1 {
			t.Fatalf("step %d recorded %d events, want 1", step, got-events)
		}
		cur := statuses()
		for id, st := range cur {
			if st != types.TrackingException && rank[st] < rank[prev[id]] {
				t.Fatalf("shipment %d went back from %s to %s", id, prev[id], st)
			}
		}
		prev = cur
	}
	if err := sim.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := e.db.Order.Query().CountX(sys); n != ordersBefore+1 {
		t.Fatalf("orders %d -> %d: the simulator did not restock", ordersBefore, n)
	}
	if open := e.db.Shipment.Query().Where(mine, shipment.StatusNEQ(types.TrackingDelivered)).CountX(sys); open != 1 {
		t.Fatalf("after restocking, %d open shipments, want 1", open)
	}
}
