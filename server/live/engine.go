package live

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/pubsub"
)

// Tuning knobs; see Feed.
const (
	// defaultPageSize bounds one read of a change log.
	defaultPageSize = 200
	// retryAfter is how soon a read that failed (database down) is retried.
	retryAfter = 500 * time.Millisecond
)

// Engine hosts every live feed of the process on one broker registration:
// it routes each notification to the hub of its topic, whichever feed the
// hub belongs to, and wakes every hub after lost notifications. It is safe
// for concurrent use.
type Engine struct {
	log   *slog.Logger
	clock clockwork.Clock
	obs   Observer
	stop  func()

	mu sync.Mutex
	// hubs holds one hub per followed topic, of any feed (a *hub[K, T]
	// whose types only its feed knows).
	hubs map[string]waker
	// namespaces holds the registered feeds' namespaces, to refuse a
	// second feed that would share the first one's topics.
	namespaces map[string]struct{}
	// members counts the subscribers of every hub; membersC is closed
	// and replaced each time it changes (see WaitMembers).
	members  int
	membersC chan struct{}
}

// waker is what the engine needs of a hub, whatever its feed's types.
type waker interface{ wake() }

// NewEngine returns an Engine woken by broker, with the real clock and no
// observer unless options say otherwise. Register feeds on it with NewFeed.
func NewEngine(broker pubsub.Broker, log *slog.Logger, opts ...Option) *Engine {
	e := &Engine{log: log, clock: clockwork.NewRealClock(), obs: nopObserver{}, hubs: map[string]waker{}, namespaces: map[string]struct{}{},
		membersC: make(chan struct{})}
	for _, o := range opts {
		o(e)
	}
	e.stop = broker.Listen(e)
	return e
}

// WaitMembers waits until ok accepts the number of subscribers joined to
// the engine's hubs, of every feed, or ctx ends (its error). A subscriber
// counts from its join until the hub's leave, which runs on its own after
// its subscription ends: tests wait here for a leave, rather than for a
// while.
func (e *Engine) WaitMembers(ctx context.Context, ok func(n int) bool) error {
	for {
		e.mu.Lock()
		n, changed := e.members, e.membersC
		e.mu.Unlock()
		if ok(n) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// addMembers moves the subscriber count by d and wakes WaitMembers; the
// caller holds e.mu.
func (e *Engine) addMembers(d int) {
	e.members += d
	close(e.membersC)
	e.membersC = make(chan struct{})
}

// Close stops listening. Open subscriptions end when their contexts do.
func (e *Engine) Close() { e.stop() }

// Notify implements pubsub.Handler: it wakes the topic's hub, if any. A
// topic no feed follows on this instance costs one map lookup.
func (e *Engine) Notify(m pubsub.Message) {
	e.mu.Lock()
	h := e.hubs[m.Topic]
	e.mu.Unlock()
	if h != nil {
		h.wake()
	}
}

// Resync implements pubsub.Handler: notifications were lost, so every hub
// of every feed re-reads its change log after its last cursor.
func (e *Engine) Resync() {
	e.obs.Resynced()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, h := range e.hubs {
		h.wake()
	}
}

// Key is the type of what a feed's topics are keyed by: an id (an order's,
// a review's, a customer's) or a name (a community topic's slug).
type Key interface{ int | int64 | string }

// Topic names the pubsub topic of key in a feed's namespace: what the
// feed's writers publish and its hubs follow ("order:42").
func Topic[K Key](namespace string, key K) string {
	switch k := any(key).(type) {
	case int:
		return namespace + ":" + strconv.Itoa(k)
	case int64:
		return namespace + ":" + strconv.FormatInt(k, 10)
	default:
		return namespace + ":" + k.(string)
	}
}

// errTokenExpired ends a stream whose viewer's token has expired. The
// client must sign in again (or refresh its token) and resubscribe with its
// last cursor: nothing is lost.
func errTokenExpired() error {
	return errs.Errorf(errs.Unauthenticated, "token expired: resubscribe with a fresh token and the last cursor")
}

// expired reports whether a credential expiring at exp (zero: never) has
// expired at now.
func expired(exp, now time.Time) bool { return !exp.IsZero() && !now.Before(exp) }

// viewerKey names what a viewer's selection is resolved with: the privacy
// rules depend on the customer, or on the staff role.
func viewerKey(v *auth.Viewer, ok bool) string {
	switch {
	case !ok:
		return "anonymous"
	case v.IsCustomer():
		return "customer:" + strconv.Itoa(v.CustomerID)
	}
	return string(v.Role) + ":" + v.Subject
}
