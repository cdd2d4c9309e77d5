package loyalty

import (
	"context"
	"fmt"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/rewardcode"
	"github.com/aftercart/aftercart/server/errs"
)

// UseCodesWithOrder marks reward codes used for an imported order, in the
// import's transaction (c): the store's checkout took them, and importOrder
// is how it says so without a separate useRewardCode call. ref is the
// store's reference of the order (its external id).
//
// Each code passes the same guarded update as UseCode (unused, unrefunded,
// unexpired), so a code used at checkout and carried by an import at once
// is used once. A code already used for this very order is a replay (the
// store re-imports) and changes nothing. Errors, which fail the import so
// that nothing of it is written: INVALID_INPUT for a malformed code,
// NOT_FOUND for an unknown one, CONFLICT for one expired, refunded or used
// for another order, each on field rewardCodes[i].
func (s *Service) UseCodesWithOrder(ctx context.Context, c *ent.Client, orderID int, ref string, codes []string) error {
	ctx = systemCtx(ctx)
	now := s.now()
	seen := map[string]bool{}
	for i, raw := range codes {
		field := fmt.Sprintf("rewardCodes[%d]", i)
		code, err := ParseCode(field, raw)
		if err != nil {
			return err
		}
		if seen[code] {
			return errs.Invalid(field, "code %s appears twice", code)
		}
		seen[code] = true
		n, err := c.RewardCode.Update().Where(rewardcode.Code(code), rewardcode.UsedAtIsNil(), rewardcode.RefundedAtIsNil(),
			rewardcode.ExpiresAtGT(now)).SetUsedAt(now).SetUsedOrderRef(ref).SetUsedOrderID(orderID).SetUpdatedAt(now).Save(ctx)
		if err != nil {
			return err
		}
		if n == 1 {
			continue
		}
		rc, err := c.RewardCode.Query().Where(rewardcode.Code(code)).Only(ctx)
		if ent.IsNotFound(err) {
			return &errs.Error{Code: errs.NotFound, Message: fmt.Sprintf("no reward code %q", raw), Field: field}
		} else if err != nil {
			return err
		}
		if rc.UsedOrderID != nil && *rc.UsedOrderID == orderID {
			continue // the same order re-imported
		}
		e, _ := errs.As(codeConflict(rc, now))
		e.Field = field
		return e
	}
	return nil
}
