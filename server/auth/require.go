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
