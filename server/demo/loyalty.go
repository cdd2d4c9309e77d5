package demo

import (
	"context"
	"fmt"
	"time"

	entcustomer "github.com/aftercart/aftercart/ent/customer"
	entreward "github.com/aftercart/aftercart/ent/reward"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/loyalty"
	"github.com/aftercart/aftercart/server/orders"
	"github.com/aftercart/aftercart/server/tracking"
)

// The demo's loyalty story (issue 12), for the "My rewards" page and the
// browser test that redeems on it.
const (
	// oldestHistoryOrder and olderHistoryOrder are Mina's older orders, delivered months ago:
	// their return windows have closed, so their points are available, and
	// their spend lifts her to the second tier. The older one rolls off the
	// 12-month window first, which is what "spend … by … to keep" shows.
	oldestHistoryOrder = "AC-0987"
	olderHistoryOrder  = "AC-0994"
	// RedeemedRewardName is the reward Mina has already redeemed.
	RedeemedRewardName = "Free standard shipping"
	// RedeemableRewardName is a reward Mina's available points cover after
	// the seed, so a demo (or a test) can redeem it on the page.
	RedeemableRewardName = "€5 off your next order"
)

// demoRewards is the store's catalogue: cheap to dear, so that a customer
// at any balance sees what they can afford and what to save for. Values
// are in cents of the store's currency.
var demoRewards = []struct {
	name   string
	points int64
	kind   types.RewardKind
	cents  int64
	days   int
}{
	{RedeemedRewardName, 150, types.RewardFreeShipping, 0, 60},
	{RedeemableRewardName, 250, types.RewardAmountOff, 500, 90},
	{"€15 off your next order", 650, types.RewardAmountOff, 1500, 90},
	{"€40 off equipment", 1500, types.RewardAmountOff, 4000, 180},
}

// historyPlans are Mina's older orders, placed and delivered months
// before now. They only exist for the loyalty story, so they are seeded
// here rather than in plans: Seed's story of an order in every state stays
// as it was.
func historyPlans(now time.Time) []orderPlan {
	const day = 24 * time.Hour
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	delivered := func(placed time.Time, carrier, number, city string) shipmentPlan {
		return shipmentPlan{carrier: carrier, trackingNumber: number, updates: []update{{events: []tracking.EventInput{
			event(types.TrackingInfoReceived, placed.Add(5*time.Hour), "Hamburg, DE", "Parcel data received from the sender"),
			event(types.TrackingInTransit, placed.Add(1*day), "Hamburg, DE", "Parcel collected from the sender"),
			event(types.TrackingDelivered, placed.Add(2*day+4*time.Hour), city, "Delivered to the recipient"),
		}}}}
	}
	// Ten months ago Mina set up her coffee corner; five months ago she
	// bought Christmas presents. Both are long past their return windows.
	p0987 := ago(305 * day)
	p0994 := ago(150 * day)
	return []orderPlan{
		{
			order: draft{number: oldestHistoryOrder, placedAt: p0987, customer: mina, address: minaHome, payment: visa,
				lines:    []line{{"NR-EQP-GRINDER", 1}, {"NR-EQP-KETTLE", 1}, {"NR-COF-ESP-1000", 3}},
				shipping: 0, vatPercent: 19}.input(),
			shipments: []shipmentPlan{delivered(p0987, "DPD", "01505009311264", "Berlin, DE")},
		},
		{
			order: draft{number: olderHistoryOrder, placedAt: p0994, customer: mina, address: minaHome, payment: paypal,
				lines: []line{{"NR-COF-ESP-1000", 4}, {"NR-COF-YIRG-250", 4}, {"NR-APP-TEE-M", 1},
					{"NR-APP-BEANIE", 1}, {"NR-MUG-ENAMEL-350", 2}},
				shipping: 490, vatPercent: 19}.input(),
			shipments: []shipmentPlan{delivered(p0994, "DHL", "7283902217", "Berlin, DE")},
		},
	}
}

// SeedLoyalty gives the demo customer a believable loyalty history, every
// point of it written by the program itself: the rewards catalogue; Mina's
// older orders, whose delivery earns available points through the
// program's order hook (as AC-1000's delivery in Seed earned pending
// points, available when its return window closes) and lifts her tier;
// one reward redeemed as Mina (loyalty.Service.Redeem, so she holds a
// code); and a staff goodwill adjustment for the delayed AC-1001
// (loyalty.Service.Adjust). Review and post points come from SeedReviews
// and SeedCommunity through the moderation hook. The tiers are the
// program's defaults (loyalty.DefaultTiers, created on first use).
//
// The catalogue is written with ent as staff would through the admin API:
// the program has no catalogue service of its own. Like Seed it does
// nothing when the catalogue exists, so a restart adds nothing. Call it
// after Seed, with the loyalty service already registered on d (the hooks
// credit the orders). Ledger entries are dated by the program's clock (the
// seed's run), not by the orders' past delivery dates: the program credits
// when it learns of a delivery.
func SeedLoyalty(ctx context.Context, d *db.DB, ord *orders.Service, trk *tracking.Service, loy *loyalty.Service, now time.Time) error {
	sys := auth.WithSystem(ctx)
	if any, err := d.Reward.Query().Exist(sys); err != nil || any {
		return err
	}
	now = now.UTC().Truncate(time.Second)
	for _, r := range demoRewards {
		err := d.Reward.Create().SetName(r.name).SetPointsCost(r.points).SetKind(r.kind).
			SetValueMinor(r.cents).SetCurrency(currency).SetCodeValidDays(r.days).Exec(sys)
		if err != nil {
			return fmt.Errorf("demo: reward %s: %w", r.name, err)
		}
	}
	for _, p := range historyPlans(now) {
		if err := seedOrder(sys, d, ord, trk, p); err != nil {
			return fmt.Errorf("demo: seeding order %s: %w", p.order.Number, err)
		}
	}
	cu, err := d.Customer.Query().Where(entcustomer.Email(DemoCustomerEmail)).Only(sys)
	if err != nil {
		return fmt.Errorf("demo: the demo customer: %w", err)
	}
	rw, err := d.Reward.Query().Where(entreward.Name(RedeemedRewardName)).Only(sys)
	if err != nil {
		return fmt.Errorf("demo: reward %s: %w", RedeemedRewardName, err)
	}
	asMina := auth.NewContext(ctx, &auth.Viewer{Role: auth.RoleCustomer, Email: cu.Email, Subject: cu.Email, CustomerID: cu.ID})
	if _, err := loy.Redeem(asMina, rw.ID); err != nil {
		return fmt.Errorf("demo: redeeming %s: %w", RedeemedRewardName, err)
	}
	staff := auth.NewContext(ctx, &auth.Viewer{Role: auth.RoleAdmin, Subject: "demo-seed"})
	if _, err := loy.Adjust(staff, loyalty.AdjustInput{CustomerID: cu.ID, Points: 100,
		Reason: "Sorry your espresso is late: 100 points on us."}); err != nil {
		return fmt.Errorf("demo: goodwill adjustment: %w", err)
	}
	// Referrals (one complete, one pending): SeedReferrals.
	return nil
}
