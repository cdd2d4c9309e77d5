package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/orders"
	"github.com/aftercart/aftercart/server/tracking"
)

// The demo identities. Demo clients, docs and tests sign in as these, so
// they are part of the package's API rather than strings repeated elsewhere.
const (
	// StoreName is the fictional store the demo data belongs to.
	StoreName = "Northwind Roasters & Goods"
	// DemoCustomerEmail is the customer the demo clients sign in as (Mina
	// Okafor); she has an order in every interesting state.
	DemoCustomerEmail = "demo@aftercart.dev"
	// OtherCustomerEmail is a second customer (Leo Brandt) whose orders the
	// demo customer must not see.
	OtherCustomerEmail = "leo@example.com"
	// SofiaEmail is a community member (Sofia Marino) with a delivered
	// order: her posts publish at once.
	SofiaEmail = "sofia@example.com"
	// NewCustomerEmail is a new customer (Jonas Weber) whose first order is
	// only paid: by the community's trust rule his posts wait for
	// approval, which is what the moderation demos and browser tests need.
	NewCustomerEmail = "jonas@example.com"
	// InTransitOrderNumber is the demo customer's in-transit order, shipped
	// with DHL and with a slipped delivery estimate: the order the mobile
	// demo opens.
	InTransitOrderNumber = "AC-1001"
	// InTransitCarrier and InTransitTrackingNumber identify that order's
	// parcel. `server send-event` and the README's webhook examples push
	// checkpoints to it, so they must not change.
	InTransitCarrier        = "DHL"
	InTransitTrackingNumber = "4711239856"
)

// Seed fills an empty database with the demo store, placing every date
// relative to now. It is meant for development mode, on start.
//
// A database that holds any order is left untouched and Seed returns nil:
// the data then either is the demo already or is someone's real data, and
// both must survive a restart. The caller's viewer is irrelevant; Seed runs
// as trusted internal work (auth.WithSystem).
//
// Each order, shipment and batch of checkpoints is its own transaction in the
// services, so a Seed that fails part-way (it returns the error) leaves a
// partial demo that later calls will not complete; delete the data directory
// to start over. now must be near the wall clock: the tracking service
// rejects checkpoints more than a day ahead of its own clock.
func Seed(ctx context.Context, d *db.DB, ord *orders.Service, trk *tracking.Service, now time.Time) error {
	ctx = auth.WithSystem(ctx)
	seeded, err := d.Order.Query().Exist(ctx)
	if err != nil {
		return fmt.Errorf("demo: checking for existing orders: %w", err)
	}
	if seeded {
		return nil
	}
	// Whole seconds: carriers and store platforms report no finer, and the
	// demo should not show sub-second noise in raw API responses.
	now = now.UTC().Truncate(time.Second)
	for _, p := range plans(now) {
		if err := seedOrder(ctx, d, ord, trk, p); err != nil {
			return fmt.Errorf("demo: seeding order %s: %w", p.order.Number, err)
		}
	}
	return nil
}

// orderPlan is one demo order and what happens to it after the import.
type orderPlan struct {
	order     orders.ImportInput
	shipments []shipmentPlan
}

// shipmentPlan is one package: what it carries and what the carrier says.
type shipmentPlan struct {
	carrier, trackingNumber string
	// skus name the order lines in the package, with all their units; none
	// means every unit not shipped yet.
	skus []string
	// updates are carrier deliveries in the order they arrive. Keeping them
	// separate, rather than one batch, is what lets an estimate slip: the
	// first estimate is kept and each later one replaces the latest.
	updates []update
}

// update is one batch of checkpoints from the carrier.
type update struct {
	eta    *time.Time
	events []tracking.EventInput
}

func seedOrder(ctx context.Context, d *db.DB, ord *orders.Service, trk *tracking.Service, p orderPlan) error {
	res, err := ord.Import(ctx, p.order)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if len(p.shipments) == 0 {
		return nil
	}
	// Shipments name order lines by database id, which only exists now.
	lines, err := d.OrderItem.Query().Where(orderitem.OrderID(res.Order.ID)).All(ctx)
	if err != nil {
		return fmt.Errorf("reading items: %w", err)
	}
	lineIDs := make(map[string]int, len(lines))
	for _, l := range lines {
		lineIDs[l.ExternalID] = l.ID
	}
	bySKU := make(map[string]orders.ItemInput, len(p.order.Items))
	for _, it := range p.order.Items {
		bySKU[it.Sku] = it
	}
	// Event ids run across the order's shipments ("ac1001-1", "ac1001-2", ...),
	// unique per shipment as the tracking service requires and readable in
	// the API.
	prefix := strings.ToLower(strings.ReplaceAll(p.order.Number, "-", ""))
	seq := 0
	for _, sp := range p.shipments {
		in := tracking.ShipmentInput{OrderID: res.Order.ID, Carrier: sp.carrier, TrackingNumber: sp.trackingNumber}
		for _, sku := range sp.skus {
			it, ok := bySKU[sku]
			if !ok {
				return fmt.Errorf("shipment %s: order has no item %s", sp.trackingNumber, sku)
			}
			in.Items = append(in.Items, tracking.ShipmentItemInput{OrderItemID: lineIDs[it.ExternalID], Quantity: it.Quantity})
		}
		if _, err := trk.CreateShipment(ctx, in); err != nil {
			return fmt.Errorf("shipment %s: %w", sp.trackingNumber, err)
		}
		for _, u := range sp.updates {
			events := make([]tracking.EventInput, len(u.events))
			for i, e := range u.events {
				seq++
				e.ExternalID = fmt.Sprintf("%s-%d", prefix, seq)
				events[i] = e
			}
			_, err := trk.RecordEvents(ctx, tracking.EventsInput{
				Carrier:             sp.carrier,
				TrackingNumber:      sp.trackingNumber,
				EstimatedDeliveryAt: u.eta,
				Events:              events,
			})
			if err != nil {
				return fmt.Errorf("shipment %s events: %w", sp.trackingNumber, err)
			}
		}
	}
	return nil
}
