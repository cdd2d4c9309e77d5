package loyalty

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/itemreturn"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/rewardcode"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// MaxAdjustment bounds one staff adjustment, so a typo cannot mint a
// fortune.
const MaxAdjustment = 1_000_000

// MaxReasonLen bounds a reason.
const MaxReasonLen = 1000

// customer returns the signed-in customer: points are a customer's.
func customer(ctx context.Context) (*auth.Viewer, error) {
	return auth.RequireCustomer(ctx, "only customers redeem points")
}

// actor names the staff member in ctx for the ledger.
func actor(ctx context.Context) string {
	if v, ok := auth.FromContext(ctx); ok && v.Subject != "" {
		return v.Subject
	}
	return "system"
}

// cleanReason trims a required reason and bounds it.
func cleanReason(field, r string) (string, error) {
	r = strings.TrimSpace(r)
	switch {
	case r == "":
		return "", errs.Invalid(field, "say why: the customer sees the reason on their ledger")
	case utf8.RuneCountInString(r) > MaxReasonLen:
		return "", errs.Invalid(field, "at most %d characters", MaxReasonLen)
	}
	return r, nil
}

// ReturnInput marks units of an order line returned (staff, until the
// returns issue records returns itself).
type ReturnInput struct {
	OrderItemID int     `json:"orderItemId"`
	Quantity    int     `json:"quantity"`
	Reason      *string `json:"reason,omitempty"`
}

// MarkReturned records a return and takes back its share of the order's
// points (see reverseReturn), then re-tiers the customer. Errors:
// FORBIDDEN for customers; NOT_FOUND for an unknown line; INVALID_INPUT
// for a quantity below 1 or above what is left to return.
func (s *Service) MarkReturned(ctx context.Context, in ReturnInput) (*ent.ItemReturn, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	if in.Quantity < 1 {
		return nil, errs.Invalid("input.quantity", "return at least one unit")
	}
	var reason *string
	if in.Reason != nil {
		r, err := cleanReason("input.reason", *in.Reason)
		if err != nil {
			return nil, err
		}
		reason = &r
	}
	who := actor(ctx)
	var out *ent.ItemReturn
	err := s.db.WithTx(systemCtx(ctx), func(ctx context.Context, tx *ent.Tx) error {
		c := tx.Client()
		it, err := c.OrderItem.Query().Where(orderitem.ID(in.OrderItemID)).WithOrder().Only(ctx)
		if ent.IsNotFound(err) {
			return errs.Errorf(errs.NotFound, "order item %d not found", in.OrderItemID)
		} else if err != nil {
			return err
		}
		o := it.Edges.Order
		// The account lock serializes returns of one customer's lines, so
		// two returns cannot both pass the quantity check.
		if _, err := s.lockAccount(ctx, c, o.CustomerID); err != nil {
			return err
		}
		rets, err := c.ItemReturn.Query().Where(itemreturn.OrderItemID(it.ID)).All(ctx)
		if err != nil {
			return err
		}
		left := it.Quantity
		for _, r := range rets {
			left -= r.Quantity
		}
		if in.Quantity > left {
			return errs.Invalid("input.quantity", "only %d of %d units are left to return", left, it.Quantity)
		}
		out, err = c.ItemReturn.Create().SetOrderItemID(it.ID).SetQuantity(in.Quantity).SetNillableReason(reason).SetActor(who).Save(ctx)
		if err != nil {
			return err
		}
		if err := s.reverseReturn(ctx, c, o, out); err != nil {
			return err
		}
		return s.retier(ctx, c, o.CustomerID, s.now())
	})
	return out, err
}

// AdjustInput is a staff correction (GraphQL AdjustPointsInput).
type AdjustInput struct {
	CustomerID int    `json:"customerId"`
	Points     int64  `json:"points"`
	Reason     string `json:"reason"`
}

// Adjust posts a staff correction: AVAILABLE at once, either sign, with
// the reason and the staff actor. Errors: FORBIDDEN for customers;
// INVALID_INPUT without a reason, for 0 or more than MaxAdjustment points;
// NOT_FOUND for an unknown customer; INSUFFICIENT_POINTS for a debit the
// available balance does not cover.
func (s *Service) Adjust(ctx context.Context, in AdjustInput) (*ent.LoyaltyEntry, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	if in.Points == 0 || in.Points > MaxAdjustment || in.Points < -MaxAdjustment {
		return nil, errs.Invalid("input.points", "must be between -%d and %d, not 0", MaxAdjustment, MaxAdjustment)
	}
	reason, err := cleanReason("input.reason", in.Reason)
	if err != nil {
		return nil, err
	}
	who := actor(ctx)
	key := "adjust:" + NewCode(CodeLen)
	var out *ent.LoyaltyEntry
	err = s.db.WithTx(systemCtx(ctx), func(ctx context.Context, tx *ent.Tx) error {
		c := tx.Client()
		if _, err := c.Customer.Get(ctx, in.CustomerID); ent.IsNotFound(err) {
			return errs.Errorf(errs.NotFound, "customer %d not found", in.CustomerID)
		} else if err != nil {
			return err
		}
		es, err := s.post(ctx, c, in.CustomerID, entry{kind: types.EntryAdjusted, points: in.Points, status: types.EntryAvailable, key: key,
			set: func(cr *ent.LoyaltyEntryCreate) { cr.SetReason(reason).SetActor(who) }})
		if err != nil {
			return err
		}
		out = es[0]
		return nil
	})
	return out, err
}

// RedeemResult is a redemption (GraphQL RedeemRewardPayload).
type RedeemResult struct {
	Code *ent.RewardCode
	// Balance is the balance the redemption left, in its transaction.
	Balance Balance
	// Loyalty is the customer's standing, read after the commit.
	Loyalty *Standing
}

// Redeem spends the reward's cost from the signed-in customer's available
// points and issues its code, in one transaction. Errors: FORBIDDEN for
// staff; NOT_FOUND for an unknown reward; CONFLICT for an inactive one;
// INSUFFICIENT_POINTS when the balance does not cover it (nothing
// written); THROTTLED past the customer's redemption rate (Config.RedeemRate).
func (s *Service) Redeem(ctx context.Context, rewardID int) (*RedeemResult, error) {
	v, err := customer(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.redeemLimit.Allow(strconv.Itoa(v.CustomerID)); err != nil {
		return nil, err
	}
	res := &RedeemResult{}
	err = s.db.WithTx(systemCtx(ctx), func(ctx context.Context, tx *ent.Tx) error {
		c := tx.Client()
		rw, err := c.Reward.Get(ctx, rewardID)
		if ent.IsNotFound(err) {
			return errs.Errorf(errs.NotFound, "reward %d not found", rewardID)
		} else if err != nil {
			return err
		}
		if !rw.Active {
			return errs.Errorf(errs.Conflict, "%s can no longer be redeemed", rw.Name)
		}
		now := s.now()
		code, err := c.RewardCode.Create().SetCode(NewCode(CodeLen)).SetCustomerID(v.CustomerID).SetRewardID(rw.ID).
			SetKind(rw.Kind).SetValueMinor(rw.ValueMinor).SetCurrency(rw.Currency).SetPointsCost(rw.PointsCost).
			SetExpiresAt(now.AddDate(0, 0, rw.CodeValidDays)).SetCreatedAt(now).SetUpdatedAt(now).Save(ctx)
		if err != nil {
			return err
		}
		if _, err := s.post(ctx, c, v.CustomerID, entry{kind: types.EntryRedeemed, points: -rw.PointsCost, status: types.EntrySpent,
			key: "redeem:" + code.Code,
			set: func(cr *ent.LoyaltyEntryCreate) { cr.SetRewardCodeID(code.ID).SetReason(rw.Name) }}); err != nil {
			return err
		}
		res.Code = code
		a, err := s.lockAccount(ctx, c, v.CustomerID)
		if err != nil {
			return err
		}
		res.Balance = Balance{Available: a.Available, Pending: a.Pending}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if res.Loyalty, err = s.Standing(ctx, v.CustomerID); err != nil {
		return nil, err
	}
	return res, nil
}

// LookUpCode is the store checkout's look-up (INTEGRATION or ADMIN): the
// code with its value, expiry and use. An unknown code is NOT_FOUND.
func (s *Service) LookUpCode(ctx context.Context, code string) (*ent.RewardCode, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	c, err := ParseCode("code", code)
	if err != nil {
		return nil, err
	}
	rc, err := s.db.RewardCode.Query().Where(rewardcode.Code(c)).Only(systemCtx(ctx))
	if ent.IsNotFound(err) {
		return nil, errs.Errorf(errs.NotFound, "no reward code %q", code)
	}
	return rc, err
}

// UseCode marks a code used for the store's order orderRef, once: a
// guarded update that only an unused, unrefunded, unexpired code passes,
// so of concurrent uses exactly one wins. The losers get CONFLICT saying
// why (used, refunded, expired); an unknown code is NOT_FOUND.
func (s *Service) UseCode(ctx context.Context, code, orderRef string) (*ent.RewardCode, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	orderRef = strings.TrimSpace(orderRef)
	if orderRef == "" || len(orderRef) > 128 {
		return nil, errs.Invalid("input.orderRef", "the store's order reference, 1 to 128 characters")
	}
	code, err := ParseCode("input.code", code)
	if err != nil {
		return nil, err
	}
	ctx = systemCtx(ctx)
	now := s.now()
	n, err := s.db.RewardCode.Update().Where(rewardcode.Code(code), rewardcode.UsedAtIsNil(), rewardcode.RefundedAtIsNil(),
		rewardcode.ExpiresAtGT(now)).SetUsedAt(now).SetUsedOrderRef(orderRef).SetUpdatedAt(now).Save(ctx)
	if err != nil {
		return nil, err
	}
	rc, err := s.db.RewardCode.Query().Where(rewardcode.Code(code)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.Errorf(errs.NotFound, "no reward code %q", code)
	} else if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, codeConflict(rc, now)
	}
	return rc, nil
}

// codeConflict says why a code cannot be used or refunded.
func codeConflict(rc *ent.RewardCode, now time.Time) error {
	if rc.UsedAt == nil && rc.RefundedAt == nil && !rc.ExpiresAt.After(now) {
		return errs.Errorf(errs.Conflict, "code %s expired on %s", rc.Code, rc.ExpiresAt.Format(time.DateOnly))
	}
	return errs.Errorf(errs.Conflict, "code %s was already %s", rc.Code, usedOrRefunded(rc))
}

// RefundCode voids an unused code and gives its points back (staff): a
// REFUNDED entry, once (the code's key). An expired unused code can be
// refunded; a used or already refunded one is CONFLICT.
func (s *Service) RefundCode(ctx context.Context, code string) (*ent.LoyaltyEntry, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	code, err := ParseCode("input.code", code)
	if err != nil {
		return nil, err
	}
	who := actor(ctx)
	var out *ent.LoyaltyEntry
	err = s.db.WithTx(systemCtx(ctx), func(ctx context.Context, tx *ent.Tx) error {
		c := tx.Client()
		now := s.now()
		n, err := c.RewardCode.Update().Where(rewardcode.Code(code), rewardcode.UsedAtIsNil(), rewardcode.RefundedAtIsNil()).
			SetRefundedAt(now).SetUpdatedAt(now).Save(ctx)
		if err != nil {
			return err
		}
		rc, err := c.RewardCode.Query().Where(rewardcode.Code(code)).Only(ctx)
		if ent.IsNotFound(err) {
			return errs.Errorf(errs.NotFound, "no reward code %q", code)
		} else if err != nil {
			return err
		}
		if n == 0 {
			return errs.Errorf(errs.Conflict, "code %s was already %s", code, usedOrRefunded(rc))
		}
		es, err := s.post(ctx, c, rc.CustomerID, entry{kind: types.EntryRefunded, points: rc.PointsCost, status: types.EntryAvailable,
			key: "refund:" + rc.Code,
			set: func(cr *ent.LoyaltyEntryCreate) {
				cr.SetRewardCodeID(rc.ID).SetActor(who).SetReason(fmt.Sprintf("code %s refunded", rc.Code))
			}})
		if err != nil {
			return err
		}
		out = es[0]
		return nil
	})
	return out, err
}

func usedOrRefunded(rc *ent.RewardCode) string {
	if rc.UsedAt != nil {
		return "used"
	}
	return "refunded"
}
