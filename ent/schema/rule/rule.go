// Package rule holds the ent privacy rules behind every read and write of
// aftercart's data. They run inside ent, below the GraphQL layer, so every
// path to a row — a root query, node(id:), a connection, an eager-loaded edge,
// a subscription's re-read — is filtered the same way:
//
//   - system contexts (seeding, signed webhooks) and staff (ADMIN, INTEGRATION)
//     see and change everything;
//   - a CUSTOMER sees only rows that belong to their own customer record, and
//     changes nothing directly (domain commands run as system after their own
//     checks);
//   - anonymous requests see only the public catalog.
//
// Filtering, rather than denying, is deliberate: another customer's order then
// behaves exactly like a missing one.
package rule

import (
	"context"

	"github.com/aftercart/aftercart/ent/privacy"
	"github.com/aftercart/aftercart/server/auth"
)

// AllowTrusted allows any operation in a system context or for staff, and
// skips (leaves the decision to later rules) otherwise.
func AllowTrusted() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if auth.IsSystem(ctx) {
			return privacy.Allow
		}
		if v, ok := auth.FromContext(ctx); ok && v.IsStaff() {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// AllowAll allows the operation: for public data such as the catalog.
func AllowAll() privacy.QueryRule { return privacy.AlwaysAllowRule() }

// CustomerScope decides how a query runs for the viewer in ctx. For system
// contexts and staff it returns (0, false, nil): no filter. For a customer it
// returns their customer id and true: the caller must add its ownership
// predicate (an id of 0, for a token whose email matches no customer, matches
// nothing). Anonymous viewers get a Deny decision.
func CustomerScope(ctx context.Context) (customerID int, filter bool, decision error) {
	if auth.IsSystem(ctx) {
		return 0, false, nil
	}
	v, ok := auth.FromContext(ctx)
	switch {
	case !ok:
		return 0, false, privacy.Denyf("sign in to see this")
	case v.IsStaff():
		return 0, false, nil
	case v.IsCustomer():
		return v.CustomerID, true, nil
	}
	return 0, false, privacy.Denyf("unknown role")
}
