package loyalty

import (
	"context"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/loyaltytier"
	"github.com/aftercart/aftercart/server/money"
)

// Notifier is told of a customer's loyalty news in the transaction of its
// cause (ent.TxFromContext(ctx)), so the message commits with the change
// or not at all: the outbox (notify.Service) queues the LOYALTY messages
// there. An interface set at assembly (Service.Notify), like
// ReferralNotifier, so that the program does not import the outbox, which
// reads the program's rows. An error rolls the cause back.
type Notifier interface {
	// PointsAvailable runs when a release (the sweep) moved a net
	// positive amount of the customer's pending points to available:
	// first is the lowest-id credit released (its id names the release;
	// every entry released with it has the same updated_at in the
	// ledger: the release's time), points the net amount released.
	PointsAvailable(ctx context.Context, customerID int, first *ent.LoyaltyEntry, points int64) error
	// TierReached runs when the customer moves up to tierID (a tier with
	// a threshold above zero: the entry tier is not news) at the moment
	// at, which starts the spell in that tier.
	TierReached(ctx context.Context, customerID, tierID int, at time.Time) error
	// TierLapses runs whenever the customer's tier is recomputed and it
	// would lapse at by as spend rolls off (KeepTier): the same by is
	// told again on each recomputation until the spend changes.
	TierLapses(ctx context.Context, customerID, tierID int, by time.Time) error
}

// Notify makes the program tell n of releases and tier changes. Call it
// before serving.
func (s *Service) Notify(n Notifier) { s.notifier = n }

// Lapse is when a customer's current tier lapses as spend rolls off, and
// what keeps it.
type Lapse struct {
	// Tier is the tier the customer holds now.
	Tier *ent.LoyaltyTier
	// SpendNeeded is what they must spend before By to keep it.
	SpendNeeded money.Money
	// By is when it lapses without that spend.
	By time.Time
}

// LapseOf is the customer's tier lapse as of the program's now, read
// through c (the caller's transaction: the outbox asks when a warning is
// due, to skip it if the customer bought enough meanwhile); nil when they
// hold no tier or theirs cannot lapse.
func (s *Service) LapseOf(ctx context.Context, c *ent.Client, customerID int) (*Lapse, error) {
	ctx = systemCtx(ctx)
	now := s.now()
	ts, err := s.tiers(ctx, c)
	if err != nil {
		return nil, err
	}
	sp, err := s.spends(ctx, c, customerID, now)
	if err != nil {
		return nil, err
	}
	t := TierFor(ts, RollingSpend(sp, now))
	if t == nil {
		return nil, nil
	}
	need, by, ok := KeepTier(t.Threshold, sp, now)
	if !ok {
		return nil, nil
	}
	row, err := c.LoyaltyTier.Query().Where(loyaltytier.ID(t.ID)).Only(ctx)
	if err != nil {
		return nil, err
	}
	return &Lapse{Tier: row, SpendNeeded: s.money(need), By: by}, nil
}

// tellTier tells the notifier what a recomputation of the customer's tier
// found (retier): a move up from old to now's tier, and when now's tier
// lapses. ts are the program's tiers.
//
// A previous tier staff have since deleted (old names no tier in ts) is
// not compared: whether the customer moved up is unknowable.
func (s *Service) tellTier(ctx context.Context, customerID int, ts []Tier, old *int, cur *Tier, sp []Spend, at time.Time) error {
	if s.notifier == nil || cur == nil || ent.TxFromContext(ctx) == nil {
		return nil
	}
	if cur.Threshold > 0 && !sameID(old, &cur.ID) {
		up := old == nil
		for _, t := range ts {
			if old != nil && t.ID == *old {
				up = t.Threshold < cur.Threshold
			}
		}
		if up {
			if err := s.notifier.TierReached(ctx, customerID, cur.ID, at); err != nil {
				return err
			}
		}
	}
	if _, by, ok := KeepTier(cur.Threshold, sp, at); ok {
		return s.notifier.TierLapses(ctx, customerID, cur.ID, by)
	}
	return nil
}
