package auth

import (
	"context"
	"strings"
	"time"

	"github.com/aftercart/aftercart/server/errs"
)

// Role is what a viewer is allowed to be. Its values are the strings carried
// in the token's "role" claim and exposed to GraphQL clients.
type Role string

// The roles aftercart knows.
const (
	// RoleCustomer is a shopper who sees only the orders placed with their email.
	RoleCustomer Role = "CUSTOMER"
	// RoleAdmin is a store operator with full access, including moderation.
	RoleAdmin Role = "ADMIN"
	// RoleIntegration is a machine client (store platform, carrier feed) that
	// writes orders and tracking events on the store's behalf.
	RoleIntegration Role = "INTEGRATION"
)

// ParseRole returns the Role named by s, ignoring case and surrounding space,
// so CLI flags and hand-written tokens may say "customer". Unknown names are
// an INVALID_INPUT error on the field "role".
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToUpper(strings.TrimSpace(s)))
	if !r.Valid() {
		return "", errs.Invalid("role", "unknown role %q (want CUSTOMER, ADMIN or INTEGRATION)", s)
	}
	return r, nil
}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case RoleCustomer, RoleAdmin, RoleIntegration:
		return true
	}
	return false
}

// Viewer is the authenticated caller of a request.
//
// The helper methods accept a nil *Viewer (an anonymous caller) and report
// false, so callers can write FromContext(ctx) once and ask questions without
// a nil check.
type Viewer struct {
	// Role decides what the viewer may do.
	Role Role
	// Email identifies a customer; it is empty for staff roles.
	Email string
	// CustomerID is the customer row matching Email. auth cannot know it (it
	// does not import ent): the server resolves it after authentication and
	// it stays 0 until then, or when no such customer exists yet.
	CustomerID int
	// Subject is the token's "sub" claim: the email for customers, "admin" or
	// "integration" otherwise. It is meant for logs and audit trails.
	Subject string
	// ExpiresAt is when the credential stops being valid. Long-lived
	// connections (subscriptions) should be closed at this time because they
	// were authenticated only once, at connection_init.
	ExpiresAt time.Time
}

// IsAdmin reports whether v is an admin.
func (v *Viewer) IsAdmin() bool { return v != nil && v.Role == RoleAdmin }

// IsStaff reports whether v acts for the store (an admin or an integration)
// rather than for one customer.
func (v *Viewer) IsStaff() bool {
	return v != nil && (v.Role == RoleAdmin || v.Role == RoleIntegration)
}

// IsCustomer reports whether v is a customer.
func (v *Viewer) IsCustomer() bool { return v != nil && v.Role == RoleCustomer }

// ctxKey is unexported so no other package can forge or overwrite the values
// stored under it.
type ctxKey int

const (
	viewerKey ctxKey = iota
	systemKey
)

// NewContext returns a copy of ctx carrying v. A nil v returns ctx unchanged,
// so that an anonymous caller never looks authenticated.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	if v == nil {
		return ctx
	}
	return context.WithValue(ctx, viewerKey, v)
}

// FromContext returns the viewer stored in ctx by NewContext. ok is false for
// anonymous requests and for system contexts that carry no viewer.
func FromContext(ctx context.Context) (v *Viewer, ok bool) {
	v, ok = ctx.Value(viewerKey).(*Viewer)
	return v, ok && v != nil
}

// WithSystem returns a copy of ctx marked as trusted internal work (demo
// seeding, webhook ingestion after the signature was verified). Privacy rules
// allow everything for such contexts, so it must never be derived from
// anything a client sent.
func WithSystem(ctx context.Context) context.Context {
	return context.WithValue(ctx, systemKey, true)
}

// IsSystem reports whether ctx was marked by WithSystem.
func IsSystem(ctx context.Context) bool {
	b, _ := ctx.Value(systemKey).(bool)
	return b
}
