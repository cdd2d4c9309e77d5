package loyalty

import (
	"context"
	"time"

	"entgo.io/contrib/entgql"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/loyaltyaccount"
	"github.com/aftercart/aftercart/ent/loyaltyentry"
	"github.com/aftercart/aftercart/ent/loyaltytier"
	"github.com/aftercart/aftercart/ent/rewardcode"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/money"
)

// Standing is a customer's place in the program as of now (GraphQL
// Loyalty): balances from their account, and tier, progress and what keeps
// the tier computed from their rolling spend at read time, so the page is
// right even before the sweep has re-tiered them.
type Standing struct {
	// CustomerID is whose standing it is (the ledger's key).
	CustomerID int
	// Balance is the account's sums.
	Balance Balance
	// Tier is the tier the rolling spend reaches; nil below every threshold.
	Tier *ent.LoyaltyTier
	// NextTier is the next tier up; nil at the top.
	NextTier *NextTierStanding
	// KeepTier says what keeps Tier; nil when it cannot lapse.
	KeepTier *KeepTierStanding
	// QualifyingSpend is the rolling 12-month spend.
	QualifyingSpend money.Money
	// NextAvailableAt is when the earliest pending points are released.
	NextAvailableAt *time.Time
}

// NextTierStanding is the next tier up and the spend that reaches it
// (GraphQL NextLoyaltyTier).
type NextTierStanding struct {
	// Name is the tier's name.
	Name string
	// Tier is the tier.
	Tier *ent.LoyaltyTier
	// SpendToReach is the qualifying spend still missing.
	SpendToReach money.Money
}

// KeepTierStanding is what keeps the current tier (GraphQL KeepLoyaltyTier).
type KeepTierStanding struct {
	// SpendNeeded is the spend needed before By.
	SpendNeeded money.Money
	// By is when the tier lapses without it.
	By time.Time
}

// mayRead returns NOT_FOUND unless the viewer may see the customer's
// points: the customer themselves, or staff. Another customer's standing
// looks exactly like a missing customer's.
func mayRead(ctx context.Context, customerID int) error {
	if auth.IsSystem(ctx) {
		return nil
	}
	v, ok := auth.FromContext(ctx)
	switch {
	case !ok:
		return errs.Errorf(errs.Unauthenticated, "sign in to see points")
	case v.IsStaff():
		return nil
	case v.IsCustomer() && v.CustomerID != 0 && v.CustomerID == customerID:
		return nil
	}
	return errs.Errorf(errs.NotFound, "customer %d not found", customerID)
}

// Standing returns the customer's standing as of the program's now, for
// the customer themselves or staff (NOT_FOUND for anyone else).
func (s *Service) Standing(ctx context.Context, customerID int) (*Standing, error) {
	if err := mayRead(ctx, customerID); err != nil {
		return nil, err
	}
	ctx = systemCtx(ctx)
	now := s.now()
	c := s.db.Client
	st := &Standing{CustomerID: customerID, QualifyingSpend: s.money(0)}
	a, err := c.LoyaltyAccount.Query().Where(loyaltyaccount.CustomerID(customerID)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	if a != nil {
		st.Balance = Balance{Available: a.Available, Pending: a.Pending}
	}
	rows, err := s.TierRows(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int]*ent.LoyaltyTier, len(rows))
	ts := make([]Tier, len(rows))
	for i, r := range rows {
		byID[r.ID] = r
		ts[i] = Tier{ID: r.ID, Name: r.Name, Threshold: r.ThresholdMinor, MultiplierPercent: r.MultiplierPercent}
	}
	sp, err := s.spends(ctx, c, customerID, now)
	if err != nil {
		return nil, err
	}
	spend := RollingSpend(sp, now)
	st.QualifyingSpend = s.money(spend)
	if t := TierFor(ts, spend); t != nil {
		st.Tier = byID[t.ID]
		if need, by, ok := KeepTier(t.Threshold, sp, now); ok {
			st.KeepTier = &KeepTierStanding{SpendNeeded: s.money(need), By: by}
		}
	}
	if t, d := NextTier(ts, spend); t != nil {
		st.NextTier = &NextTierStanding{Name: t.Name, Tier: byID[t.ID], SpendToReach: s.money(d)}
	}
	next, err := c.LoyaltyEntry.Query().Where(loyaltyentry.CustomerID(customerID), loyaltyentry.StatusEQ(types.EntryPending)).
		Order(loyaltyentry.ByAvailableAt()).First(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	if next != nil {
		st.NextAvailableAt = next.AvailableAt
	}
	return st, nil
}

// money is an amount in the program's currency.
func (s *Service) money(minor int64) money.Money {
	return money.Money{Minor: minor, Currency: s.cfg.Currency}
}

// Ledger is the customer's ledger, to paginate with the viewer's context
// (the entries' privacy policy scopes a customer to their own), newest
// first (LedgerOrder).
func (s *Service) Ledger(customerID int) *ent.LoyaltyEntryQuery {
	return s.db.LoyaltyEntry.Query().Where(loyaltyentry.CustomerID(customerID))
}

// LedgerOrder orders a ledger page newest first (ties by id).
var LedgerOrder = ent.WithLoyaltyEntryOrder(&ent.LoyaltyEntryOrder{
	Direction: entgql.OrderDirectionDesc, Field: ent.LoyaltyEntryOrderFieldCreatedAt,
})

// MaxCodesListed bounds Standing's list of reward codes.
const MaxCodesListed = 50

// RewardCodes returns the customer's newest codes (at most
// MaxCodesListed), for the customer and staff.
func (s *Service) RewardCodes(ctx context.Context, customerID int) ([]*ent.RewardCode, error) {
	if err := mayRead(ctx, customerID); err != nil {
		return nil, err
	}
	return s.db.RewardCode.Query().Where(rewardcode.CustomerID(customerID)).
		Order(ent.Desc(rewardcode.FieldID)).Limit(MaxCodesListed).All(systemCtx(ctx))
}

// TierRows returns the program's tiers, lowest threshold first, creating
// DefaultTiers on first use.
func (s *Service) TierRows(ctx context.Context) ([]*ent.LoyaltyTier, error) {
	ctx = systemCtx(ctx)
	rows, err := s.db.LoyaltyTier.Query().Order(loyaltytier.ByThresholdMinor()).All(ctx)
	if err != nil || len(rows) > 0 {
		return rows, err
	}
	// A concurrent first reader may create them too: one wins the unique
	// names, the other reads the winner's.
	_ = s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		_, err := s.tiers(ctx, tx.Client())
		return err
	})
	return s.db.LoyaltyTier.Query().Order(loyaltytier.ByThresholdMinor()).All(ctx)
}

// EarnMultiplier is a tier's multiplier as a number (1.25).
func EarnMultiplier(t *ent.LoyaltyTier) float64 { return float64(t.MultiplierPercent) / 100 }

// Threshold is the spend that reaches a tier, in the program's currency.
func (s *Service) Threshold(t *ent.LoyaltyTier) money.Money { return s.money(t.ThresholdMinor) }
