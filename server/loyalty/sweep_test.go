package loyalty_test

import (
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/loyaltyaccount"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/loyalty"
)

// TestExpiryAndTierRollOff: available points expire after a year without
// activity, as one EXPIRED entry (a second sweep adds nothing); the tier
// an order's spend reached lapses when that spend rolls off.
func TestExpiryAndTierRollOff(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		s.deliveredOrder(t, "leo@example.com", "LY5", s.clock.Now().Add(-time.Hour))
		leo := s.customerOf(t, "leo@example.com")
		acct := s.DB.LoyaltyAccount.Query().Where(loyaltyaccount.CustomerID(leo.ID)).WithTier().OnlyX(system())
		if acct.Edges.Tier == nil || acct.Edges.Tier.Name != "Bronze" || acct.QualifyingSpendMinor != 3202 || acct.TierReviewAt == nil {
			t.Fatalf("after delivery: %+v", acct)
		}
		// Release, then a year and a day without activity.
		later := s.clock.Now().AddDate(1, 0, 1)
		res, err := s.Loyalty.Sweep(t.Context(), later)
		if err != nil || res.Released != 1 || res.Expired != 1 || res.Retiered != 1 {
			t.Fatalf("sweep: %+v %v", res, err)
		}
		if b := s.mustBalance(t, leo.ID); b != (loyalty.Balance{}) {
			t.Fatalf("after expiry: %+v", b)
		}
		if res, err = s.Loyalty.Sweep(t.Context(), later); err != nil || res != (loyalty.SweepResult{}) {
			t.Fatalf("second sweep: %+v %v", res, err)
		}
		acct = s.DB.LoyaltyAccount.Query().Where(loyaltyaccount.CustomerID(leo.ID)).WithTier().OnlyX(system())
		if acct.QualifyingSpendMinor != 0 || acct.TierReviewAt != nil {
			t.Fatalf("after roll-off: %+v", acct)
		}
	})
}
