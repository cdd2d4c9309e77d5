package loyalty

import (
	"context"

	"entgo.io/contrib/entgql"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/referral"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
)

// Who reads what of a referral. The privacy rule (rule.ScopeReferrals)
// lets a referral be read by its referrer and by staff; on top of that,
// the fields that would tell the referrer more than the friend's display
// name and the state (why it is held, who decided, the two customers)
// are staff's only, and answer null to anyone else rather than an error,
// so the referrer's page and staff's list share one query. These are the
// program's rules, so they live here and the resolvers call them.

// NewestReferralsFirst is the order of every referral list (ties broken
// by id).
var NewestReferralsFirst = &ent.ReferralOrder{Direction: entgql.OrderDirectionDesc, Field: ent.ReferralOrderFieldCreatedAt}

// isStaff reports whether the viewer in ctx is staff.
func isStaff(ctx context.Context) bool {
	v, ok := auth.FromContext(ctx)
	return ok && v.IsStaff()
}

// StaffOnly returns v to staff and the zero value (null) to anyone else:
// the accessor of Referral's staff-only fields.
func StaffOnly[T any](ctx context.Context, v T) T {
	if !isStaff(ctx) {
		var zero T
		return zero
	}
	return v
}

// Referrer is the referral's referrer for staff; nil for anyone else.
func (r *Referrals) Referrer(ctx context.Context, ref *ent.Referral) (*ent.Customer, error) {
	if !isStaff(ctx) {
		return nil, nil
	}
	return ref.QueryReferrer().Only(ctx)
}

// Friend is the referred customer for staff; nil for anyone else (the
// referrer reads FriendDisplayName).
func (r *Referrals) Friend(ctx context.Context, ref *ent.Referral) (*ent.Customer, error) {
	if !isStaff(ctx) {
		return nil, nil
	}
	return ref.QueryFriend().Only(ctx)
}

// ViewerProgram is Customer.referral: the customer's code, link and
// referrals, for the signed-in customer themselves only; nil for anyone
// else, staff included (a referral program is its owner's page; staff
// read referrals through List).
func (r *Referrals) ViewerProgram(ctx context.Context, customerID int) (*Program, error) {
	v, ok := auth.FromContext(ctx)
	if !ok || !v.IsCustomer() || v.CustomerID != customerID {
		return nil, nil
	}
	return r.Program(ctx, customerID)
}

// Of is the program's referrals, as the referrer reads them (the privacy
// rule scopes them to the viewer).
func (r *Referrals) Of(p *Program) *ent.ReferralQuery {
	return r.s.db.Referral.Query().Where(referral.ReferrerID(p.CustomerID))
}

// List is Query.referrals: staff only (FORBIDDEN otherwise), filtered by
// status and referrer when given.
func (r *Referrals) List(ctx context.Context, status *types.ReferralStatus, referrerID *int) (*ent.ReferralQuery, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	q := r.s.db.Referral.Query()
	if status != nil {
		q.Where(referral.StatusEQ(*status))
	}
	if referrerID != nil {
		q.Where(referral.ReferrerID(*referrerID))
	}
	return q, nil
}
