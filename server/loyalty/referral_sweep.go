package loyalty

import (
	"context"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent"
	entcustomer "github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/hook"
	"github.com/aftercart/aftercart/ent/itemreturn"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/referral"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// Completion, holds and staff decisions.

// registerHooks hooks the program into c where a referral's first order
// comes into being or is returned, so every path (imports, staff marking
// returns, the returns issue to come) is covered:
//
//   - an order created for a friend whose referral has no first order yet
//     becomes it (a claim made before the first order);
//   - a return of any unit of a first order voids its referral at once
//     (PENDING or HELD → CANCELED): the rule is "delivered and kept".
//
// They run in the writer's transaction, after the row is written.
func (r *Referrals) registerHooks(c *ent.Client) {
	c.Order.Use(hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.OrderFunc(func(ctx context.Context, m *ent.OrderMutation) (ent.Value, error) {
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			if o, ok := v.(*ent.Order); ok {
				err = m.Client().Referral.Update().Where(referral.FriendID(o.CustomerID), referral.FirstOrderIDIsNil()).
					SetFirstOrderID(o.ID).Exec(systemCtx(ctx))
			}
			return v, err
		})
	}, ent.OpCreate))
	c.ItemReturn.Use(hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ItemReturnFunc(func(ctx context.Context, m *ent.ItemReturnMutation) (ent.Value, error) {
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			if ret, ok := v.(*ent.ItemReturn); ok {
				err = r.returned(systemCtx(ctx), m.Client(), ret)
			}
			return v, err
		})
	}, ent.OpCreate))
}

// voidReason is why a referral whose first order came back was canceled.
const voidReason = "the friend's first order was returned"

// canceledReason is why a referral whose first order was canceled was.
const canceledReason = "the friend's first order was canceled"

// returned voids the referral whose first order the return is from.
func (r *Referrals) returned(ctx context.Context, c *ent.Client, ret *ent.ItemReturn) error {
	it, err := c.OrderItem.Get(ctx, ret.OrderItemID)
	if err != nil {
		return err
	}
	now := r.s.now()
	return c.Referral.Update().Where(referral.FirstOrderID(it.OrderID), referral.StatusIn(types.ReferralPending, types.ReferralHeld)).
		SetStatus(types.ReferralCanceled).SetDecisionReason(voidReason).SetDecidedBy("system").SetDecidedAt(now).
		SetUpdatedAt(now).Exec(ctx)
}

// ReferralSweepResult counts what a referral sweep did.
type ReferralSweepResult struct {
	// Paid referrals completed; Held ones left for staff; Voided ones
	// canceled because their first order was canceled or returned.
	Paid, Held, Voided int
}

// Sweep settles the referrals that are due as of now: those whose first
// order is delivered with its return window closed, or canceled. Each
// either pays both sides (COMPLETE), is HELD for staff with the fraud
// checks' reasons, or is voided. The job system runs it beside the
// program's own sweep (server/app: the "referrals" sweeper), on the same
// clock. Idempotent, each referral in its own transaction behind a
// guarded status update: a sweep run twice or on two instances settles
// each referral once.
func (r *Referrals) Sweep(ctx context.Context, now time.Time) (ReferralSweepResult, error) {
	ctx = systemCtx(ctx)
	now = now.Round(0)
	var res ReferralSweepResult
	due := referral.And(referral.StatusEQ(types.ReferralPending), referral.HasFirstOrderWith(order.Or(
		order.And(order.StatusEQ(types.OrderDelivered), order.ReturnWindowEndsAtLTE(now)),
		order.StatusEQ(types.OrderCanceled))))
	for {
		// Each pass settles what it reads (or a concurrent sweep does), so
		// the next pass reads the next batch.
		ids, err := r.s.db.Referral.Query().Where(due).Order(referral.ByID()).Limit(sweepBatch).IDs(ctx)
		if err != nil || len(ids) == 0 {
			return res, err
		}
		for _, id := range ids {
			var outcome types.ReferralStatus
			err := r.s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
				var err error
				outcome, err = r.settle(ctx, tx.Client(), id, now)
				return err
			})
			if err != nil {
				return res, err
			}
			switch outcome {
			case types.ReferralComplete:
				res.Paid++
			case types.ReferralHeld:
				res.Held++
			case types.ReferralCanceled:
				res.Voided++
			}
		}
		if len(ids) < sweepBatch {
			return res, nil
		}
	}
}

// settle decides one due referral and returns its new status ("" when
// another sweep got there first).
func (r *Referrals) settle(ctx context.Context, c *ent.Client, id int, now time.Time) (types.ReferralStatus, error) {
	ref, err := c.Referral.Query().Where(referral.ID(id)).WithFirstOrder().Only(ctx)
	if err != nil || ref.Status != types.ReferralPending || ref.Edges.FirstOrder == nil {
		return "", err
	}
	o := ref.Edges.FirstOrder
	returned, err := c.ItemReturn.Query().Where(itemreturn.HasOrderItemWith(orderitem.OrderID(o.ID))).Exist(ctx)
	if err != nil {
		return "", err
	}
	st := FirstOrderState{Status: o.Status, ReturnWindowEndsAt: o.ReturnWindowEndsAt, Returned: returned}
	switch {
	case o.Status == types.OrderCanceled:
		return r.transition(ctx, c, ref, types.ReferralPending, types.ReferralCanceled, now, func(u *ent.ReferralUpdate) {
			u.SetDecisionReason(canceledReason).SetDecidedBy("system").SetDecidedAt(now)
		})
	case ReferralDue(st, now) == ReferralVoid:
		return r.transition(ctx, c, ref, types.ReferralPending, types.ReferralCanceled, now, func(u *ent.ReferralUpdate) {
			u.SetDecisionReason(voidReason).SetDecidedBy("system").SetDecidedAt(now)
		})
	case ReferralDue(st, now) != ReferralPays:
		return "", nil
	}
	facts, err := r.facts(ctx, c, ref, o, now)
	if err != nil {
		return "", err
	}
	if reasons := HoldReasons(facts); len(reasons) > 0 {
		return r.transition(ctx, c, ref, types.ReferralPending, types.ReferralHeld, now, func(u *ent.ReferralUpdate) {
			u.SetHoldReason(strings.Join(reasons, "; "))
		})
	}
	st2, err := r.transition(ctx, c, ref, types.ReferralPending, types.ReferralComplete, now, func(u *ent.ReferralUpdate) { u.SetCompletedAt(now) })
	if err != nil || st2 == "" {
		return st2, err
	}
	return st2, r.pay(ctx, c, ref, now)
}

// transition moves a referral from one status to another with a guarded
// update; "" when it was no longer in from.
func (r *Referrals) transition(ctx context.Context, c *ent.Client, ref *ent.Referral, from, to types.ReferralStatus, now time.Time,
	set func(*ent.ReferralUpdate)) (types.ReferralStatus, error) {
	u := c.Referral.Update().Where(referral.ID(ref.ID), referral.StatusEQ(from)).SetStatus(to).SetUpdatedAt(now)
	set(u)
	n, err := u.Save(ctx)
	if err != nil || n == 0 {
		return "", err
	}
	return to, nil
}

// referrerOrdersChecked bounds the referrer's orders the checks compare
// with (their most recent): a long-time customer's every address would
// make the check slow and no more telling.
const referrerOrdersChecked = 200

// facts reads what the fraud checks weigh for a due referral.
func (r *Referrals) facts(ctx context.Context, c *ent.Client, ref *ent.Referral, first *ent.Order, now time.Time) (ReferralFacts, error) {
	var f ReferralFacts
	people, err := c.Customer.Query().Where(entcustomer.IDIn(ref.ReferrerID, ref.FriendID)).All(ctx)
	if err != nil {
		return f, err
	}
	for _, p := range people {
		party := Party{Email: p.Email, Name: strings.TrimSpace(p.FirstName + " " + p.LastName)}
		if p.ID == ref.ReferrerID {
			f.Referrer = party
		} else {
			f.Friend = party
		}
	}
	f.Friend.Orders = []PartyOrder{{Address: first.ShippingAddress, Payment: first.PaymentMethod}}
	os, err := c.Order.Query().Where(order.CustomerID(ref.ReferrerID)).Order(ent.Desc(order.FieldID)).Limit(referrerOrdersChecked).All(ctx)
	if err != nil {
		return f, err
	}
	for _, o := range os {
		f.Referrer.Orders = append(f.Referrer.Orders, PartyOrder{Address: o.ShippingAddress, Payment: o.PaymentMethod})
	}
	f.WeeklyCap = max(r.cfg.WeeklyCap, 0)
	if f.WeeklyCap > 0 {
		// Under the referrer's account lock: two completions for one
		// referrer count each other.
		if _, err := r.s.lockAccount(ctx, c, ref.ReferrerID); err != nil {
			return f, err
		}
		if f.PaidThisWeek, err = c.Referral.Query().Where(referral.ReferrerID(ref.ReferrerID), referral.StatusEQ(types.ReferralComplete),
			referral.CompletedAtGT(now.Add(-7*24*time.Hour))).Count(ctx); err != nil {
			return f, err
		}
	}
	return f, nil
}

// Release pays a HELD referral (staff): both rewards at once, the staff
// member and their reason recorded. Errors: FORBIDDEN for customers,
// INVALID_INPUT without a reason, NOT_FOUND, CONFLICT when it is not HELD.
func (r *Referrals) Release(ctx context.Context, id int, reason string) (*ent.Referral, error) {
	return r.decide(ctx, id, reason, types.ReferralComplete)
}

// Cancel cancels a PENDING or HELD referral (staff) with a reason: it
// will never pay. Errors as Release's; CONFLICT when it is COMPLETE or
// CANCELED already.
func (r *Referrals) Cancel(ctx context.Context, id int, reason string) (*ent.Referral, error) {
	return r.decide(ctx, id, reason, types.ReferralCanceled)
}

func (r *Referrals) decide(ctx context.Context, id int, reason string, to types.ReferralStatus) (*ent.Referral, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	reason, err := cleanReason("input.reason", reason)
	if err != nil {
		return nil, err
	}
	who := actor(ctx)
	from := []types.ReferralStatus{types.ReferralHeld}
	if to == types.ReferralCanceled {
		from = append(from, types.ReferralPending)
	}
	err = r.s.db.WithTx(systemCtx(ctx), func(ctx context.Context, tx *ent.Tx) error {
		c := tx.Client()
		ref, err := c.Referral.Get(ctx, id)
		if ent.IsNotFound(err) {
			return errs.Errorf(errs.NotFound, "referral %d not found", id)
		} else if err != nil {
			return err
		}
		now := r.s.now()
		u := c.Referral.Update().Where(referral.ID(id), referral.StatusIn(from...)).SetStatus(to).
			SetDecisionReason(reason).SetDecidedBy(who).SetDecidedAt(now).SetUpdatedAt(now)
		if to == types.ReferralComplete {
			u.SetCompletedAt(now)
		}
		n, err := u.Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.Errorf(errs.Conflict, "referral %d is %s", id, strings.ToLower(string(ref.Status)))
		}
		if to == types.ReferralComplete {
			return r.pay(ctx, c, ref, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r.s.db.Referral.Get(ctx, id)
}
