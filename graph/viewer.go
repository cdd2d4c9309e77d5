package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
)

// Viewer cache sizing. A customer's id never changes for an email (imports
// upsert customers by email, and nothing deletes them), so a found id may be
// kept for long; "no such customer" turns into an id as soon as the
// customer's first order is imported, so it is kept only briefly. The TTL
// on found ids bounds what a future deletion path must wait out (or it
// calls Forget).
const (
	viewerCacheSize  = 50_000
	viewerFoundTTL   = 10 * time.Minute
	viewerMissingTTL = 10 * time.Second
)

// ViewerCache resolves CUSTOMER viewers to their customer ids by email, and
// remembers the answer so a customer's repeated requests cost no SQL.
// Entries expire (see viewerFoundTTL, viewerMissingTTL); the cache is per
// instance and bounded (an LRU of viewerCacheSize emails).
type ViewerCache struct {
	client *ent.Client
	// now is the clock; tests move it.
	now   func() time.Time
	cache *lru.Cache[string, viewerEntry]
}

// viewerEntry is a cached lookup: id 0 means no such customer.
type viewerEntry struct {
	id      int
	expires time.Time
}

// NewViewerCache returns a cache that looks customers up through c.
func NewViewerCache(c *ent.Client) *ViewerCache {
	cache, _ := lru.New[string, viewerEntry](viewerCacheSize) // errors only for size <= 0
	return &ViewerCache{client: c, now: time.Now, cache: cache}
}

// Resolve binds a CUSTOMER viewer to its customer record by email. A token
// whose email matches no customer keeps CustomerID 0, which matches no row:
// such a viewer sees nothing rather than getting an error. Staff viewers and
// viewers already resolved cost nothing.
func (c *ViewerCache) Resolve(ctx context.Context, v *auth.Viewer) error {
	if !v.IsCustomer() || v.CustomerID != 0 {
		return nil
	}
	now := c.now()
	if e, ok := c.cache.Get(v.Email); ok && now.Before(e.expires) {
		v.CustomerID = e.id
		return nil
	}
	id, err := c.client.Customer.Query().Where(customer.Email(v.Email)).OnlyID(auth.WithSystem(ctx))
	switch {
	case ent.IsNotFound(err):
		c.cache.Add(v.Email, viewerEntry{expires: now.Add(viewerMissingTTL)})
		return nil
	case err != nil:
		return db.Classify(err)
	}
	c.cache.Add(v.Email, viewerEntry{id: id, expires: now.Add(viewerFoundTTL)})
	v.CustomerID = id
	return nil
}

// Forget drops what the cache knows of email (a customer deleted or
// renamed; nothing does either yet).
func (c *ViewerCache) Forget(email string) { c.cache.Remove(email) }

// viewerResolver is the gqlgen extension that resolves the viewer once an
// operation has passed every check before execution (parse, validation,
// cost, the client's budget): a request refused by any of them costs no
// SQL at all. It must be installed after those.
type viewerResolver struct{ cache *ViewerCache }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = viewerResolver{}

// ExtensionName implements graphql.HandlerExtension.
func (viewerResolver) ExtensionName() string { return "ViewerResolver" }

// Validate implements graphql.HandlerExtension.
func (viewerResolver) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext resolves the request's viewer, if any.
func (r viewerResolver) MutateOperationContext(ctx context.Context, _ *graphql.OperationContext) *gqlerror.Error {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return nil
	}
	if err := r.cache.Resolve(ctx, v); err != nil {
		// The presenter keeps a coded error (UNAVAILABLE when the database
		// is down) and logs anything else as internal.
		return &gqlerror.Error{Err: err, Message: err.Error()}
	}
	return nil
}
