package demo

import (
	"context"
	"fmt"
	"time"

	entcustomer "github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/loyalty"
	"github.com/aftercart/aftercart/server/orders"
	"github.com/aftercart/aftercart/server/tracking"
)

// Mina's referrals (issue 12's demo: "one referral complete, one
// pending"). Two friends who had never ordered: Ana's first order came
// with Mina's code two months ago, was delivered and kept, so the
// referral paid both of them; Tomás's first order, with the code too, is
// on its way, so his referral is pending.
var (
	ana   = customer{"ana.lind@example.com", "Ana", "Lind", "nw-cus-4415"}
	tomas = customer{"tomas.reyes@example.com", "Tomás", "Reyes", "nw-cus-4416"}

	anaHome = types.Address{Name: "Ana Lind", Line1: "Götgatan 22", City: "Stockholm",
		PostalCode: "118 46", CountryCode: "SE", Phone: "+46 8 555 012 34"}
	tomasHome = types.Address{Name: "Tomás Reyes", Line1: "Calle de Atocha 61", City: "Madrid",
		PostalCode: "28012", CountryCode: "ES", Phone: "+34 91 555 0147"}
	amex = types.PaymentMethod{Kind: "card", Brand: "American Express", Last4: "1009"}
)

// The friends' order numbers.
const (
	ReferredKeptOrder    = "AC-0996"
	ReferredPendingOrder = "AC-1009"
)

// referralPlans are the friends' first orders, each carrying Mina's code.
func referralPlans(now time.Time, code string) []orderPlan {
	const day = 24 * time.Hour
	placed := now.Add(-60 * day)
	kept := draft{number: ReferredKeptOrder, placedAt: placed, customer: ana, address: anaHome, payment: amex,
		lines: []line{{"NR-COF-ESP-1000", 1}, {"NR-MUG-ENAMEL-350", 2}}, shipping: 490, vatPercent: 25}.input()
	kept.ReferralCode = &code
	recent := now.Add(-2 * day)
	pending := draft{number: ReferredPendingOrder, placedAt: recent, customer: tomas, address: tomasHome, payment: mastercard,
		lines: []line{{"NR-COF-YIRG-250", 2}}, shipping: 490, vatPercent: 21}.input()
	pending.ReferralCode = &code
	return []orderPlan{
		{order: kept, shipments: []shipmentPlan{{carrier: "DHL", trackingNumber: "7283902299", updates: []update{{events: []tracking.EventInput{
			event(types.TrackingInfoReceived, placed.Add(4*time.Hour), "Hamburg, DE", "Parcel data received from the sender"),
			event(types.TrackingInTransit, placed.Add(day), "Hamburg, DE", "Parcel collected from the sender"),
			event(types.TrackingDelivered, placed.Add(3*day), "Stockholm, SE", "Delivered to the recipient"),
		}}}}}},
		{order: pending, shipments: []shipmentPlan{{carrier: "DHL", trackingNumber: "7283902311", updates: []update{{events: []tracking.EventInput{
			event(types.TrackingInfoReceived, recent.Add(3*time.Hour), "Hamburg, DE", "Parcel data received from the sender"),
			event(types.TrackingInTransit, recent.Add(day), "Hamburg, DE", "Parcel collected from the sender"),
		}}}}}},
	}
}

// SeedReferrals gives the demo customer her referrals, written by the
// program itself: her code (Referrals.Program), two friends' first orders
// imported with it (the store passes the code, importOrder's
// referralCode), Ana's delivered two months ago and Tomás's in transit,
// and the referral sweep as of now, which pays Ana's (both sides, each a
// REFERRAL entry) and leaves Tomás's PENDING. Like the other seeds it does
// nothing when referrals exist. Call it after SeedLoyalty.
func SeedReferrals(ctx context.Context, d *db.DB, ord *orders.Service, trk *tracking.Service, refs *loyalty.Referrals, now time.Time) error {
	sys := auth.WithSystem(ctx)
	if any, err := d.Referral.Query().Exist(sys); err != nil || any {
		return err
	}
	now = now.UTC().Truncate(time.Second)
	cu, err := d.Customer.Query().Where(entcustomer.Email(DemoCustomerEmail)).Only(sys)
	if err != nil {
		return fmt.Errorf("demo: the demo customer: %w", err)
	}
	p, err := refs.Program(sys, cu.ID)
	if err != nil {
		return fmt.Errorf("demo: Mina's referral code: %w", err)
	}
	for _, plan := range referralPlans(now, p.Code) {
		if err := seedOrder(sys, d, ord, trk, plan); err != nil {
			return fmt.Errorf("demo: seeding order %s: %w", plan.order.Number, err)
		}
	}
	if _, err := refs.Sweep(sys, now); err != nil {
		return fmt.Errorf("demo: settling the referrals: %w", err)
	}
	return nil
}
