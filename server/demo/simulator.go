package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aftercart/aftercart/ent"
	entcustomer "github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/shipment"
	"github.com/aftercart/aftercart/ent/trackingevent"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/orders"
	"github.com/aftercart/aftercart/server/tracking"
)

// Simulator plays the carriers in development mode: every tick it moves one
// of the demo customer's undelivered shipments one checkpoint along, through
// the same tracking service a real webhook uses, so a newcomer watching the
// order page sees live updates without writing a mutation. When everything
// has been delivered it places a fresh order, so the demo never goes still.
type Simulator struct {
	db    *db.DB
	ord   *orders.Service
	trk   *tracking.Service
	log   *slog.Logger
	now   func() time.Time
	ticks int
}

// NewSimulator returns a Simulator over the demo data.
func NewSimulator(d *db.DB, ord *orders.Service, trk *tracking.Service, log *slog.Logger) *Simulator {
	return &Simulator{db: d, ord: ord, trk: trk, log: log, now: time.Now}
}

// Run ticks every interval until ctx ends.
func (s *Simulator) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Step(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("carrier simulator", "err", err)
			}
		}
	}
}

// hop is one leg of a simulated parcel's journey.
type hop struct {
	status            types.TrackingStatus
	location, message string
}

// route is where a simulated parcel goes after it was picked up.
var route = []hop{
	{types.TrackingInTransit, "Leipzig, DE", "Departed the sort facility"},
	{types.TrackingInTransit, "Ludwigsfelde, DE", "Arrived at the delivery depot"},
	{types.TrackingOutForDelivery, "Berlin, DE", "Out for delivery"},
	{types.TrackingDelivered, "Berlin, DE", "Delivered, handed to the recipient"},
}

// Step advances one shipment (round robin over the undelivered ones).
func (s *Simulator) Step(ctx context.Context) error {
	ctx = auth.WithSystem(ctx)
	open, err := s.db.Shipment.Query().
		Where(
			shipment.StatusNotIn(types.TrackingDelivered, types.TrackingExpired),
			shipment.HasOrderWith(order.HasCustomerWith(entcustomer.Email(DemoCustomerEmail)), order.CanceledAtIsNil()),
		).
		Order(shipment.ByID()).
		All(ctx)
	if err != nil {
		return err
	}
	if len(open) == 0 {
		return s.restock(ctx)
	}
	sh := open[s.ticks%len(open)]
	s.ticks++
	last, err := sh.QueryEvents().Order(ent.Desc(trackingevent.FieldOccurredAt)).First(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return err
	}
	lastMessage := ""
	if last != nil {
		lastMessage = last.Message
	}
	next := nextHop(sh.Status, lastMessage)
	now := s.now().Truncate(time.Second)
	in := tracking.EventsInput{
		Carrier: sh.Carrier, TrackingNumber: sh.TrackingNumber,
		Events: []tracking.EventInput{{
			// Unique per step even within one second (now is truncated).
			ExternalID: fmt.Sprintf("sim-%d-%d", s.now().UnixNano(), s.ticks),
			Status:     next.status, Location: &next.location, Message: &next.message, OccurredAt: now,
		}},
	}
	// Now and then the carrier revises its estimate, so slips show too.
	if s.ticks%3 == 0 && next.status != types.TrackingDelivered {
		eta := now.Add(time.Duration(24+s.ticks%24) * time.Hour).Truncate(time.Hour)
		in.EstimatedDeliveryAt = &eta
	}
	_, err = s.trk.RecordEvents(ctx, in)
	return err
}

// nextHop picks the checkpoint after the shipment's newest one: the next
// leg of the route when it is on the route, else by status.
func nextHop(status types.TrackingStatus, lastMessage string) hop {
	for i, h := range route[:len(route)-1] {
		if h.message == lastMessage {
			return route[i+1]
		}
	}
	switch status {
	case types.TrackingException, types.TrackingAttemptFail:
		return hop{types.TrackingInTransit, "Basel, CH", "Released, on its way again"}
	case types.TrackingOutForDelivery, types.TrackingAvailableForPickup:
		return route[len(route)-1]
	case types.TrackingInTransit:
		return route[0]
	}
	return hop{types.TrackingInTransit, "Hamburg, DE", "Picked up by the carrier"}
}

// restock places and ships a new order for the demo customer.
func (s *Simulator) restock(ctx context.Context) error {
	n, err := s.db.Order.Query().Count(ctx)
	if err != nil {
		return err
	}
	now := s.now().Truncate(time.Second)
	number := fmt.Sprintf("AC-%d", 3000+n)
	d := draft{number: number, placedAt: now.Add(-time.Hour), customer: mina, address: minaHome, payment: visa,
		lines: []line{{"NR-COF-YIRG-250", 1}, {"NR-FLT-V60-100", 1}}, shipping: 490, vatPercent: 19}
	eta := now.Add(72 * time.Hour).Truncate(time.Hour)
	return seedOrder(ctx, s.db, s.ord, s.trk, orderPlan{order: d.input(), shipments: []shipmentPlan{{
		carrier: "DHL", trackingNumber: fmt.Sprintf("JJD%010d", now.Unix()),
		updates: []update{{eta: &eta, events: []tracking.EventInput{event(types.TrackingInfoReceived, now, "Hamburg, DE", "Shipping label created")}}},
	}}})
}
