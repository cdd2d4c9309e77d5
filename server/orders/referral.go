package orders

import (
	"context"
	"strings"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/server/errs"
)

// ReferralClaimer records that an order came with a referral code: the
// loyalty program's referrals (loyalty.Referrals), kept behind an
// interface so that orders does not depend on the program.
type ReferralClaimer interface {
	// ClaimWithOrder runs in the import's transaction (c); its error
	// fails the import.
	ClaimWithOrder(ctx context.Context, c *ent.Client, customerID, orderID int, code string) error
}

// UseReferrals makes Import pass the referral code an order carries to rc.
// Call it before serving.
func (s *Service) UseReferrals(rc ReferralClaimer) { s.referrals = rc }

// claimReferral passes an imported order's referral code on, in the
// import's transaction: a code the program refuses fails the whole import,
// so a store that sent one learns why (nothing is half-written).
func (s *Service) claimReferral(ctx context.Context, tx *ent.Tx, o *ent.Order, code *string) error {
	if code == nil || strings.TrimSpace(*code) == "" {
		return nil
	}
	if s.referrals == nil {
		return errs.Errorf(errs.Unavailable, "referrals are not enabled on this server")
	}
	return s.referrals.ClaimWithOrder(ctx, tx.Client(), o.CustomerID, o.ID, *code)
}
