package graph

import (
	"context"

	"entgo.io/contrib/entgql"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/predicate"
	"github.com/aftercart/aftercart/ent/referral"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
)

// isStaff reports whether the viewer is staff: the referral fields only
// staff may read (the hold reason, the decision, the two customers)
// answer null to the referrer rather than an error, so one query serves
// both.
func isStaff(ctx context.Context) bool {
	v, ok := auth.FromContext(ctx)
	return ok && v.IsStaff()
}

// isViewer reports whether the signed-in viewer is the customer id.
func isViewer(ctx context.Context, customerID int) bool {
	v, ok := auth.FromContext(ctx)
	return ok && v.IsCustomer() && v.CustomerID == customerID
}

// newestReferralsFirst orders referral lists (ties broken by id).
var newestReferralsFirst = &ent.ReferralOrder{Direction: entgql.OrderDirectionDesc, Field: ent.ReferralOrderFieldCreatedAt}

// referralFilter is Query.referrals' arguments as predicates.
func referralFilter(status *types.ReferralStatus, referrerID *int) []predicate.Referral {
	var ps []predicate.Referral
	if status != nil {
		ps = append(ps, referral.StatusEQ(*status))
	}
	if referrerID != nil {
		ps = append(ps, referral.ReferrerID(*referrerID))
	}
	return ps
}
