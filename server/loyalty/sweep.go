package loyalty

import (
	"context"
	"fmt"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/loyaltyaccount"
	"github.com/aftercart/aftercart/ent/loyaltyentry"
	"github.com/aftercart/aftercart/ent/loyaltytier"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/schema/types"
)

// DefaultTiers are the tiers a program starts with when staff have set
// none, in whole units of its currency: Bronze from the first purchase,
// Silver from 500, Gold from 1,500.
var DefaultTiers = []struct {
	Name              string
	Units             int64
	MultiplierPercent int
	Benefits          []string
}{
	{"Bronze", 0, 100, []string{"1 point per unit spent"}},
	{"Silver", 500, 125, []string{"1.25 points per unit spent", "Free standard shipping"}},
	{"Gold", 1500, 150, []string{"1.5 points per unit spent", "Free express shipping", "Early access to sales"}},
}

// tiers reads the program's tiers, creating DefaultTiers on first use.
func (s *Service) tiers(ctx context.Context, c *ent.Client) ([]Tier, error) {
	rows, err := c.LoyaltyTier.Query().Order(loyaltytier.ByThresholdMinor()).All(ctx)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		unit := int64(1)
		for range scaleOf(s.cfg.Currency) {
			unit *= 10
		}
		for _, d := range DefaultTiers {
			r, err := c.LoyaltyTier.Create().SetName(d.Name).SetThresholdMinor(d.Units * unit).
				SetMultiplierPercent(d.MultiplierPercent).SetBenefits(d.Benefits).Save(ctx)
			if err != nil {
				return nil, err
			}
			rows = append(rows, r)
		}
	}
	out := make([]Tier, len(rows))
	for i, r := range rows {
		out[i] = Tier{ID: r.ID, Name: r.Name, Threshold: r.ThresholdMinor, MultiplierPercent: r.MultiplierPercent}
	}
	return out, nil
}

// spends reads a customer's qualifying spend of the 12 months before now:
// the kept amount of each order delivered in the window, in the program's
// currency.
func (s *Service) spends(ctx context.Context, c *ent.Client, customerID int, now time.Time) ([]Spend, error) {
	os, err := c.Order.Query().Where(order.CustomerID(customerID), order.StatusEQ(types.OrderDelivered),
		order.Currency(s.cfg.Currency), order.DeliveredAtGT(windowStart(now)), order.DeliveredAtLTE(now)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Spend, 0, len(os))
	for _, o := range os {
		_, lines, err := orderLines(ctx, c, o)
		if err != nil {
			return nil, err
		}
		out = append(out, Spend{At: *o.DeliveredAt, Minor: KeptPaid(lines)})
	}
	return out, nil
}

// retier recomputes the customer's tier from their rolling spend and
// stores it with the next roll-off date, under the account lock; a change
// of tier is recorded for loyaltyUpdated.
func (s *Service) retier(ctx context.Context, c *ent.Client, customerID int, now time.Time) error {
	acct, err := s.lockAccount(ctx, c, customerID)
	if err != nil {
		return err
	}
	ts, err := s.tiers(ctx, c)
	if err != nil {
		return err
	}
	sp, err := s.spends(ctx, c, customerID, now)
	if err != nil {
		return err
	}
	spend := RollingSpend(sp, now)
	var tierID *int
	t := TierFor(ts, spend)
	if t != nil {
		tierID = &t.ID
	}
	upd := c.LoyaltyAccount.UpdateOne(acct).SetQualifyingSpendMinor(spend).SetNillableTierID(tierID).SetNillableTierReviewAt(NextRollOff(sp, now))
	if tierID == nil {
		upd.ClearTierID()
	}
	if NextRollOff(sp, now) == nil {
		upd.ClearTierReviewAt()
	}
	if err := upd.Exec(ctx); err != nil {
		return err
	}
	if err := s.tellTier(ctx, customerID, ts, acct.TierID, t, sp, now); err != nil {
		return err
	}
	if !sameID(acct.TierID, tierID) {
		return s.changed(ctx, c, customerID)
	}
	return nil
}

func sameID(a, b *int) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

// SweepResult counts what a sweep did.
type SweepResult struct {
	// Released is entries moved out of PENDING; Expired accounts whose
	// points expired; Retiered accounts whose tier was recomputed.
	Released, Expired, Retiered int
}

// sweepBatch bounds the customers one pass of each rule reads; Sweep
// loops until nothing is due.
const sweepBatch = 500

// Sweep applies the program's time-based rules as of now (see the package
// doc): releases pending points due, expires inactive accounts' points and
// re-tiers accounts whose spend rolled off. A periodic job calls it with
// the clock's now; it is idempotent, each customer in its own
// transaction, so a sweep that fails half-way or runs on two instances at
// once changes nothing twice.
func (s *Service) Sweep(ctx context.Context, now time.Time) (SweepResult, error) {
	ctx = systemCtx(ctx)
	now = now.Round(0)
	var res SweepResult
	for {
		ids, err := s.db.LoyaltyEntry.Query().Where(loyaltyentry.StatusEQ(types.EntryPending), loyaltyentry.AvailableAtLTE(now)).
			Limit(sweepBatch).Unique(true).Select(loyaltyentry.FieldCustomerID).Ints(ctx)
		if err != nil || len(ids) == 0 {
			if err != nil {
				return res, err
			}
			break
		}
		for _, id := range ids {
			n, err := s.release(ctx, id, now)
			if err != nil {
				return res, err
			}
			res.Released += n
		}
	}
	if s.cfg.ExpireAfter > 0 {
		ids, err := s.db.LoyaltyAccount.Query().Where(loyaltyaccount.AvailableGT(0), loyaltyaccount.LastActivityAtLTE(now.Add(-s.cfg.ExpireAfter))).
			Select(loyaltyaccount.FieldCustomerID).Ints(ctx)
		if err != nil {
			return res, err
		}
		for _, id := range ids {
			ok, err := s.expire(ctx, id, now)
			if err != nil {
				return res, err
			}
			if ok {
				res.Expired++
			}
		}
	}
	ids, err := s.db.LoyaltyAccount.Query().Where(loyaltyaccount.TierReviewAtLTE(now)).Select(loyaltyaccount.FieldCustomerID).Ints(ctx)
	if err != nil {
		return res, err
	}
	for _, id := range ids {
		if err := s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error { return s.retier(ctx, tx.Client(), id, now) }); err != nil {
			return res, err
		}
		res.Retiered++
	}
	return res, nil
}

// release moves the customer's pending entries due at now out of PENDING
// (credits to AVAILABLE, reversals to REVERSED) and the account's sums
// with them, in one transaction under the account lock.
func (s *Service) release(ctx context.Context, customerID int, now time.Time) (int, error) {
	var n int
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		c := tx.Client()
		if _, err := s.lockAccount(ctx, c, customerID); err != nil {
			return err
		}
		due, err := c.LoyaltyEntry.Query().Where(loyaltyentry.CustomerID(customerID), loyaltyentry.StatusEQ(types.EntryPending),
			loyaltyentry.AvailableAtLTE(now)).All(ctx)
		if err != nil || len(due) == 0 {
			return err
		}
		var sum int64
		var first *ent.LoyaltyEntry
		for _, e := range due {
			if e.Points > 0 && (first == nil || e.ID < first.ID) {
				first = e
			}
			to := types.EntryAvailable
			if e.Points < 0 {
				to = types.EntryReversedStatus
			}
			if err := c.LoyaltyEntry.UpdateOne(e).SetStatus(to).SetUpdatedAt(now).Exec(ctx); err != nil {
				return err
			}
			sum += e.Points
		}
		n = len(due)
		if err := c.LoyaltyAccount.Update().Where(loyaltyaccount.CustomerID(customerID)).
			AddPending(-sum).AddAvailable(sum).SetUpdatedAt(now).Exec(ctx); err != nil {
			return err
		}
		// A release that nets nothing (an earning and its undelivery's
		// reversal) or less is no news to the customer.
		if s.notifier != nil && sum > 0 && first != nil {
			if err := s.notifier.PointsAvailable(ctx, customerID, first, sum); err != nil {
				return err
			}
		}
		return s.changed(ctx, c, customerID)
	})
	return n, err
}

// expire turns an inactive account's available points into one EXPIRED
// entry, keyed by the inactivity period it ends (so a replay is a no-op).
func (s *Service) expire(ctx context.Context, customerID int, now time.Time) (bool, error) {
	done := false
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		c := tx.Client()
		acct, err := s.lockAccount(ctx, c, customerID)
		if err != nil || acct.Available <= 0 || acct.LastActivityAt == nil || !Inactive(*acct.LastActivityAt, s.cfg.ExpireAfter, now) {
			return err
		}
		es, err := s.post(ctx, c, customerID, entry{kind: types.EntryExpired, points: -acct.Available, status: types.EntrySpent,
			key: fmt.Sprintf("expire:%d:%d", customerID, acct.LastActivityAt.UnixNano()),
			set: func(cr *ent.LoyaltyEntryCreate) {
				cr.SetReason(fmt.Sprintf("no activity since %s", acct.LastActivityAt.Format(time.DateOnly)))
			}})
		done = len(es) > 0
		return err
	})
	return done, err
}
