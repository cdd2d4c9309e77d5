package auth

import (
	"context"

	"github.com/aftercart/aftercart/server/errs"
)

// RequireStaff returns nil for system contexts and ADMIN or INTEGRATION
// viewers; UNAUTHENTICATED for anonymous requests; FORBIDDEN for customers.
// Domain commands that a store integration runs call it first.
func RequireStaff(ctx context.Context) error {
	if IsSystem(ctx) {
		return nil
	}
	v, ok := FromContext(ctx)
	switch {
	case !ok:
		return errs.Errorf(errs.Unauthenticated, "sign in with an ADMIN or INTEGRATION token")
	case !v.IsStaff():
		return errs.Errorf(errs.Forbidden, "this needs an ADMIN or INTEGRATION token")
	}
	return nil
}

// RequireCustomer returns the signed-in customer: UNAUTHENTICATED for
// anonymous requests; FORBIDDEN for staff (staffRefusal says why the
// command is a customer's, e.g. "only customers write reviews; staff
// reply") and for a customer token whose email has no customer yet.
func RequireCustomer(ctx context.Context, staffRefusal string) (*Viewer, error) {
	v, ok := FromContext(ctx)
	switch {
	case !ok:
		return nil, errs.Errorf(errs.Unauthenticated, "sign in to do this")
	case !v.IsCustomer():
		return nil, errs.Errorf(errs.Forbidden, "%s", staffRefusal)
	case v.CustomerID == 0:
		return nil, errs.Errorf(errs.Forbidden, "no customer has this token's email yet")
	}
	return v, nil
}
