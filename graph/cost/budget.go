package cost

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/time/rate"

	"github.com/aftercart/aftercart/server/errs"
)

// CodeThrottled is the extensions.code of an operation refused because its
// client has spent its budget. The error's extensions also carry
// "retryAfter", the seconds to wait before the operation would be accepted,
// and "cost".
const CodeThrottled = errs.Throttled

// DefaultMaxClients bounds the buckets a Budget keeps.
const DefaultMaxClients = 100_000

// Budget is a gqlgen handler extension that charges every operation's cost
// (computed by [Limit], which must be installed before it) to a bucket per
// client, in the manner of Shopify's leaky bucket: a client may spend Burst
// points at once, and its bucket empties at PerSecond points per second. An
// operation that would overflow the bucket is refused before it runs, with
// extensions.code THROTTLED and a retryAfter (and a Retry-After header over
// HTTP, see WithResponseHeader); refused operations cost nothing. As at
// Shopify, the HTTP status stays 200: the refusal is a GraphQL error.
// Subscriptions are charged when they subscribe, like any operation.
//
// Buckets live in memory, per server instance, in an LRU of MaxClients: a
// client evicted from it starts again with an empty bucket.
type Budget struct {
	// Burst is the most an ordinary client may spend at once, in cost
	// points. It must be at least the per-operation budget of Limit, or
	// the most expensive operations could never run.
	Burst int
	// PerSecond is how many points an ordinary client gets back every
	// second.
	PerSecond float64
	// Key names the client an operation is charged to, and its Rate: the
	// zero Rate is an ordinary client's (Burst, PerSecond); others, such
	// as staff or a store's integration, may get their own. A client's
	// bucket keeps the Rate it was created with.
	Key func(ctx context.Context) (key string, r Rate)
	// MaxClients bounds the buckets kept; zero means DefaultMaxClients.
	MaxClients int
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	buckets *lru.Cache[string, *rate.Limiter]
}

// Rate sizes one client's bucket.
type Rate struct {
	// Burst is the most the client may spend at once, in cost points.
	Burst int
	// PerSecond is how many points the client gets back every second.
	PerSecond float64
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*Budget)(nil)

// ExtensionName implements graphql.HandlerExtension.
func (b *Budget) ExtensionName() string { return "ViewerBudget" }

// Validate implements graphql.HandlerExtension; gqlgen calls it once, when
// the extension is added.
func (b *Budget) Validate(graphql.ExecutableSchema) error {
	if b.Burst < 1 || b.PerSecond <= 0 || b.Key == nil {
		return fmt.Errorf("cost: a Budget needs a positive Burst and PerSecond and a Key, got %d, %v", b.Burst, b.PerSecond)
	}
	size := b.MaxClients
	if size <= 0 {
		size = DefaultMaxClients
	}
	var err error
	b.buckets, err = lru.New[string, *rate.Limiter](size)
	return err
}

// MutateOperationContext implements graphql.OperationContextMutator: it
// charges the operation's cost to its client, or refuses the operation.
func (b *Budget) MutateOperationContext(ctx context.Context, _ *graphql.OperationContext) *gqlerror.Error {
	cost, ok := FromContext(ctx)
	if !ok || b.buckets == nil {
		// Fail closed: without a cost nothing can be charged.
		return gqlerror.Errorf("cost: the Budget extension needs Limit installed before it")
	}
	key, r := b.Key(ctx)
	if r.Burst < 1 || r.PerSecond <= 0 {
		r = Rate{Burst: b.Burst, PerSecond: b.PerSecond}
	}
	now := b.now()
	lim, ok := b.buckets.Get(key)
	if !ok {
		lim = rate.NewLimiter(rate.Limit(r.PerSecond), r.Burst)
		// A concurrent first request may have added one meanwhile; keep
		// whichever is in the cache.
		if prev, found, _ := b.buckets.PeekOrAdd(key, lim); found {
			lim = prev
		}
	}
	// The bucket's own rate: the one it was created with.
	perSecond := float64(lim.Limit())
	res := lim.ReserveN(now, cost)
	var wait time.Duration
	switch {
	case !res.OK():
		// Costlier than the whole bucket: never accepted as it stands.
		wait = time.Duration(float64(cost) / perSecond * float64(time.Second))
	default:
		wait = res.DelayFrom(now)
		if wait <= 0 {
			return nil
		}
		res.CancelAt(now) // refused operations cost nothing
	}
	retry := RetryAfter(ctx, wait)
	e := errs.Errorf(CodeThrottled, "too many requests: this operation costs %d and your budget refills at %.0f per second; retry in %d s", cost, perSecond, retry)
	return &gqlerror.Error{
		Err:     e,
		Message: e.Message,
		Extensions: map[string]any{
			"code":       string(CodeThrottled),
			"cost":       cost,
			"retryAfter": retry,
		},
	}
}

// responseHeaderKey carries the HTTP response's header map, for Retry-After.
type responseHeaderKey struct{}

// WithResponseHeader returns ctx carrying h, the header of the HTTP response
// that will answer the operation: a refused operation then also sets
// Retry-After there. Only for plain HTTP requests; a websocket's upgrade
// response is long gone when its operations run.
func WithResponseHeader(ctx context.Context, h http.Header) context.Context {
	return context.WithValue(ctx, responseHeaderKey{}, h)
}

// RetryAfter rounds wait up to whole seconds (at least 1) and, for a plain
// HTTP request (see WithResponseHeader), sets the response's Retry-After
// header to it. It returns the seconds, for extensions.retryAfter: every
// THROTTLED refusal, the budget's or a concept's rate limit, answers alike.
func RetryAfter(ctx context.Context, wait time.Duration) int {
	retry := max(1, int(math.Ceil(wait.Seconds())))
	if h, ok := ctx.Value(responseHeaderKey{}).(http.Header); ok {
		h.Set("Retry-After", strconv.Itoa(retry))
	}
	return retry
}

func (b *Budget) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}
