package orders

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/server/errs"
)

// RewardCodeUser marks the reward codes an imported order carries used for
// it: the loyalty program's codes (loyalty.Service), kept behind an
// interface so that orders does not depend on the program.
type RewardCodeUser interface {
	// UseCodesWithOrder runs in the import's transaction (c); its error
	// fails the import. ref is the store's reference of the order.
	UseCodesWithOrder(ctx context.Context, c *ent.Client, orderID int, ref string, codes []string) error
}

// UseRewardCodes makes Import mark the reward codes an order carries used
// through u. Call it before serving.
func (s *Service) UseRewardCodes(u RewardCodeUser) { s.rewardCodes = u }

// useRewardCodes passes an imported order's reward codes on, in the
// import's transaction: a code the program refuses fails the whole import
// (the store learns why, and the order is not half-imported with a code
// it must not honour).
func (s *Service) useRewardCodes(ctx context.Context, tx *ent.Tx, o *ent.Order, codes []string) error {
	if len(codes) == 0 {
		return nil
	}
	if s.rewardCodes == nil {
		return errs.Errorf(errs.Unavailable, "reward codes are not enabled on this server")
	}
	return s.rewardCodes.UseCodesWithOrder(ctx, tx.Client(), o.ID, o.ExternalID, codes)
}
