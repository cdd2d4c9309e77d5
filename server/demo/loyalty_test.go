package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/loyaltyaccount"
	"github.com/aftercart/aftercart/ent/loyaltyentry"
	"github.com/aftercart/aftercart/ent/loyaltytier"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/referral"
	"github.com/aftercart/aftercart/ent/reward"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/demo"
	"github.com/aftercart/aftercart/server/loyalty"
)

// TestSeedLoyalty: the demo customer's history is the program's own
// bookkeeping and tells the story the rewards page shows: the ledger
// audits (the account's sums are the sums of its entries), AC-1000's
// points are pending until its return window closes, the older orders'
// points are available, one reward is redeemed for a live code, her tier
// is what her rolling spend reaches, it is not the top one (there is a
// next tier to show progress to) and it can lapse (there is something to
// keep it by); the reward the browser test redeems is affordable; and
// seeding again writes nothing.
func TestSeedLoyalty(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		loy, err := loyalty.NewService(e.db, loyalty.Config{})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Second)
		e.mustSeed(t, now)
		if err := demo.SeedLoyalty(context.Background(), e.db, e.ord, e.trk, loy, now); err != nil {
			t.Fatalf("SeedLoyalty: %v", err)
		}
		before := e.writes.Load()
		if err := demo.SeedLoyalty(context.Background(), e.db, e.ord, e.trk, loy, now); err != nil {
			t.Fatal(err)
		}
		if n := e.writes.Load() - before; n != 0 {
			t.Errorf("seeding again wrote %d statements, want none", n)
		}

		mina := customerNamed(t, e, demo.DemoCustomerEmail)
		bal, err := loy.Audit(context.Background(), mina.ID)
		if err != nil {
			t.Fatalf("the seeded ledger does not audit: %v", err)
		}
		if bal.Pending <= 0 || bal.Available <= 0 {
			t.Fatalf("balance %+v: want pending and available points", bal)
		}

		entries, err := e.db.LoyaltyEntry.Query().Where(loyaltyentry.CustomerID(mina.ID)).
			WithOrder().WithRewardCode().All(sys)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[types.EntryKind]int{}
		for _, en := range entries {
			kinds[en.Kind]++
			switch {
			case en.Kind == types.EntryOrder && en.Status == types.EntryPending:
				o := en.Edges.Order
				if o == nil || o.ReturnWindowEndsAt == nil || en.AvailableAt == nil || !en.AvailableAt.Equal(*o.ReturnWindowEndsAt) || !en.AvailableAt.After(now) {
					t.Errorf("pending order entry %+v: want available when its order's return window ends, after now", en)
				}
			case en.Kind == types.EntryOrder:
				if en.Status != types.EntryAvailable || en.Edges.Order == nil || en.Edges.Order.ReturnWindowEndsAt.After(now) {
					t.Errorf("order entry %+v: an order whose window has closed earns available points", en)
				}
			case en.Kind == types.EntryRedeemed:
				c := en.Edges.RewardCode
				if c == nil || c.UsedAt != nil || !c.ExpiresAt.After(now) || en.Points >= 0 {
					t.Errorf("redemption %+v with code %+v: want a debit and a live, unused code", en, c)
				}
			}
		}
		if kinds[types.EntryOrder] < 3 || kinds[types.EntryRedeemed] != 1 || kinds[types.EntryAdjusted] != 1 {
			t.Errorf("entry kinds %v: want AC-1000 and the history orders, one redemption, one adjustment", kinds)
		}

		acct, err := e.db.LoyaltyAccount.Query().Where(loyaltyaccount.CustomerID(mina.ID)).Only(sys)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := e.db.LoyaltyTier.Query().Order(loyaltytier.ByThresholdMinor()).All(sys)
		if err != nil {
			t.Fatal(err)
		}
		tiers := make([]loyalty.Tier, len(rows))
		for i, r := range rows {
			tiers[i] = loyalty.Tier{ID: r.ID, Name: r.Name, Threshold: r.ThresholdMinor, MultiplierPercent: r.MultiplierPercent}
		}
		if len(tiers) != 3 {
			t.Fatalf("%d tiers, want three", len(tiers))
		}
		want := loyalty.TierFor(tiers, acct.QualifyingSpendMinor)
		if want == nil || acct.TierID == nil || *acct.TierID != want.ID || want.ID == tiers[0].ID {
			t.Fatalf("tier %v for spend %d: want %+v, above the first tier", acct.TierID, acct.QualifyingSpendMinor, want)
		}
		if next, more := loyalty.NextTier(tiers, acct.QualifyingSpendMinor); next == nil || more <= 0 {
			t.Errorf("no next tier above %s to show progress to", want.Name)
		}
		// The spend that keeps the tier: her delivered orders' items less
		// their discounts (nothing was returned).
		delivered, err := e.db.Order.Query().Where(order.CustomerID(mina.ID), order.StatusEQ(types.OrderDelivered)).WithItems().All(sys)
		if err != nil {
			t.Fatal(err)
		}
		var spends []loyalty.Spend
		for _, o := range delivered {
			var items int64
			for _, it := range o.Edges.Items {
				items += it.UnitPriceMinor * int64(it.Quantity)
			}
			spends = append(spends, loyalty.Spend{At: *o.DeliveredAt, Minor: items - o.DiscountMinor})
		}
		if loyalty.RollingSpend(spends, now) != acct.QualifyingSpendMinor {
			t.Errorf("qualifying spend %d, want %d from her delivered orders", acct.QualifyingSpendMinor, loyalty.RollingSpend(spends, now))
		}
		if need, by, ok := loyalty.KeepTier(want.Threshold, spends, now); !ok || need <= 0 || !by.After(now) {
			t.Errorf("keep tier: need %d by %v (%v): want something to spend before a date to come", need, by, ok)
		}

		rw, err := e.db.Reward.Query().Where(reward.Name(demo.RedeemableRewardName)).Only(sys)
		if err != nil {
			t.Fatal(err)
		}
		if !rw.Active || rw.PointsCost > bal.Available {
			t.Errorf("%s costs %d, available %d: the demo must be able to redeem it", rw.Name, rw.PointsCost, bal.Available)
		}
	})
}

// TestSeedReferrals: the demo customer has one COMPLETE referral (paid to
// both sides once, the friend's first order delivered and kept) and one
// PENDING (the friend's first order in transit); the referrer reads each
// by the friend's display name; every ledger audits; seeding again writes
// nothing.
func TestSeedReferrals(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		loy, err := loyalty.NewService(e.db, loyalty.Config{})
		if err != nil {
			t.Fatal(err)
		}
		refs := loyalty.NewReferrals(loy, loyalty.ReferralConfig{})
		e.ord.UseReferrals(refs)
		now := time.Now().UTC().Truncate(time.Second)
		e.mustSeed(t, now)
		if err := demo.SeedLoyalty(context.Background(), e.db, e.ord, e.trk, loy, now); err != nil {
			t.Fatal(err)
		}
		if err := demo.SeedReferrals(context.Background(), e.db, e.ord, e.trk, refs, now); err != nil {
			t.Fatalf("SeedReferrals: %v", err)
		}
		before := e.writes.Load()
		if err := demo.SeedReferrals(context.Background(), e.db, e.ord, e.trk, refs, now); err != nil {
			t.Fatal(err)
		}
		if n := e.writes.Load() - before; n != 0 {
			t.Errorf("seeding again wrote %d statements, want none", n)
		}
		mina := customerNamed(t, e, demo.DemoCustomerEmail)
		rs, err := e.db.Referral.Query().Where(referral.ReferrerID(mina.ID)).WithFirstOrder().Order(referral.ByID()).All(sys)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 2 || rs[0].Status != types.ReferralComplete || rs[1].Status != types.ReferralPending ||
			rs[0].Edges.FirstOrder == nil || rs[0].Edges.FirstOrder.Number != demo.ReferredKeptOrder ||
			rs[1].Edges.FirstOrder == nil || rs[1].Edges.FirstOrder.Number != demo.ReferredPendingOrder {
			t.Fatalf("Mina's referrals: %+v", rs)
		}
		if name, err := refs.FriendDisplayName(context.Background(), rs[0]); err != nil || name != "Ana L." {
			t.Errorf("the friend's display name: %q %v", name, err)
		}
		for _, c := range []int{mina.ID, rs[0].FriendID, rs[1].FriendID} {
			if _, err := loy.Audit(context.Background(), c); err != nil {
				t.Error(err)
			}
		}
		paid := func(customerID int) int {
			return e.db.LoyaltyEntry.Query().Where(loyaltyentry.CustomerID(customerID), loyaltyentry.KindEQ(types.EntryReferral)).CountX(sys)
		}
		if paid(mina.ID) != 1 || paid(rs[0].FriendID) != 1 || paid(rs[1].FriendID) != 0 {
			t.Errorf("REFERRAL entries: Mina %d, Ana %d, Tomás %d; want 1, 1, 0", paid(mina.ID), paid(rs[0].FriendID), paid(rs[1].FriendID))
		}
	})
}
