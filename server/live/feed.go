package live

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// Source is what a concept provides to stream one kind of change: the
// engine does everything else. K keys the feed's topics (an order id, a
// review id, a community topic's slug); T is what a subscriber's GraphQL
// selection is rendered on (the subscription field's type).
//
// Positions are the ids of the source's change log, increasing within a
// topic in commit order (see "The commit-order contract" in the package
// documentation): the engine reads "everything after position p" and
// relies on nothing committing later below p.
type Source[K Key, T any] interface {
	// Authorize decides, with the viewer in ctx (possibly none), whether
	// the viewer may follow key. A refusal is an *errs.Error
	// (UNAUTHENTICATED, or NOT_FOUND for what the viewer may not see,
	// exactly as for what does not exist). On success it may return a
	// Filter that decides change by change; nil means every change.
	Authorize(ctx context.Context, key K) (Filter[T], error)
	// Read returns up to limit changes of key after position after,
	// oldest first. ctx is a system context: Read sees everything, and
	// the engine applies Authorize's verdict and Filter.
	Read(ctx context.Context, key K, after, limit int) ([]Change[T], error)
	// Latest returns key's newest position, or 0 when it has none.
	Latest(ctx context.Context, key K) (int, error)
}

// Change is one entry of a source's change log.
type Change[T any] struct {
	// Position is the change-log id: the cursor, before encoding.
	Position int
	// Value is what subscribers' selections are rendered on; it carries
	// the encoded cursor for them (see Cursors.Encode).
	Value T
}

// Filter reports whether a viewer may see one change. Authorize returns it
// for a viewer, so that a change's own state can decide: a reply to a
// review that has since been hidden reaches the review's author and staff
// only. Subscribers with the same Target.Key share one Filter (that of the
// first), so it must depend on nothing but the viewer and the change. It is
// called once per change per group of subscribers; keep it cheap.
type Filter[T any] func(T) bool

// Config describes a feed to NewFeed.
type Config[K Key, T any] struct {
	// Namespace prefixes the feed's topics (see Topic): one per feed.
	Namespace string
	// Cursors encodes the feed's positions for clients.
	Cursors Cursors
	// Source reads the feed's change log.
	Source Source[K, T]
	// PageSize bounds one read (0: 200).
	PageSize int
}

// Feed is one kind of live stream on an Engine: Subscribe is what its
// GraphQL subscription resolver calls. It is safe for concurrent use.
type Feed[K Key, T any] struct {
	engine    *Engine
	namespace string
	cursors   Cursors
	source    Source[K, T]
	pageSize  int
}

// NewFeed registers a feed on e. It panics when the namespace is already
// taken: two feeds sharing topics would wake each other's hubs with
// positions of another change log.
func NewFeed[K Key, T any](e *Engine, c Config[K, T]) *Feed[K, T] {
	if c.Namespace == "" || strings.Contains(c.Namespace, ":") || c.Source == nil {
		panic("live: a feed needs a namespace without ':' and a source")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.namespaces[c.Namespace]; ok {
		panic("live: feed namespace " + strconv.Quote(c.Namespace) + " registered twice")
	}
	e.namespaces[c.Namespace] = struct{}{}
	if c.PageSize <= 0 {
		c.PageSize = defaultPageSize
	}
	return &Feed[K, T]{engine: e, namespace: c.Namespace, cursors: c.Cursors, source: c.Source, pageSize: c.PageSize}
}

// Topic is the pubsub topic that the feed's writers publish for key.
func (f *Feed[K, T]) Topic(key K) string { return Topic(f.namespace, key) }

// Cursors returns the feed's cursor codec.
func (f *Feed[K, T]) Cursors() Cursors { return f.cursors }

// Target is the transport side of one subscription: it writes rendered
// updates to the subscriber's connection, without a goroutine of its own.
// wsproto.Push is the implementation; see it for the contract of each
// method.
type Target interface {
	// Accept registers start, run once the subscription is set up with a
	// render function for the subscriber's selection (wsproto.Renderer).
	Accept(start func(render func() ([]byte, error)))
	// Context ends when the subscription ends, from either side.
	Context() context.Context
	// Key is equal for targets that render any update identically.
	Key(viewer, ignoreVariable string) string
	// Send writes a rendered update without blocking.
	Send(payload []byte) bool
	// Backlogged reports that the connection is not keeping up.
	Backlogged() bool
	// OnDrained runs f on a new goroutine once it keeps up again.
	OnDrained(f func())
	// End ends the subscription: complete, or err.
	End(err error)
}

// Subscribe streams key's changes to the viewer in ctx through t: with
// after, first every change committed after that cursor, then live ones;
// without, live ones only. It returns the channel the GraphQL resolver
// hands to gqlgen; the feed puts each change there just before t renders
// it. The source's Authorize decides who may follow key (a refusal is
// returned as is). The stream ends when t's context ends, or when the
// viewer's token expires: then with an UNAUTHENTICATED "token expired"
// error, never a complete, which would look like "no more updates" (over
// graph/wsproto the connection closes with 4403 at that moment instead, see
// wsproto.WithExpiry). A viewer whose token has already expired gets that
// error at once.
//
// cursorVariable names the GraphQL variable that carries after, if any:
// subscribers that differ only in it render updates identically.
func (f *Feed[K, T]) Subscribe(ctx context.Context, key K, after *string, t Target, cursorVariable string) (<-chan T, error) {
	v, signedIn := auth.FromContext(ctx)
	if signedIn && expired(v.ExpiresAt, f.engine.clock.Now()) {
		return nil, errTokenExpired()
	}
	filter, err := f.source.Authorize(ctx, key)
	if err != nil {
		return nil, err
	}
	cursor := -1 // live only
	if after != nil {
		if cursor, err = f.cursors.Decode(*after); err != nil {
			return nil, err
		}
	}
	ch := make(chan T, 1)
	m := &member[T]{t: t, key: t.Key(viewerKey(v, signedIn), cursorVariable)}
	if signedIn {
		m.expiresAt = v.ExpiresAt
	}
	t.Accept(func(render func() ([]byte, error)) {
		f.start(m, &renderer[T]{ch: ch, render: render, filter: filter}, key, cursor)
	})
	return ch, nil
}

// Cursors encodes a feed's positions as opaque cursors, base64url of
// "<prefix>:<position>". The prefix makes a cursor of another feed an
// INVALID_INPUT error rather than a position in the wrong log; once
// clients hold cursors it must not change.
type Cursors string

// Encode makes the cursor of a position.
func (c Cursors) Encode(position int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(c) + ":" + strconv.Itoa(position)))
}

// Decode parses a cursor made by Encode; 0 is a valid position (before
// the first change: "everything").
func (c Cursors) Decode(cursor string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		if s, ok := strings.CutPrefix(string(b), string(c)+":"); ok {
			if p, err := strconv.Atoi(s); err == nil && p >= 0 {
				return p, nil
			}
		}
	}
	return 0, errs.Invalid("after", "%q is not a cursor from this subscription", cursor)
}

// start joins the subscriber to its topic's hub; cursor < 0 means live
// only. r renders the subscriber's selection; the hub keeps it only if the
// subscriber is the first of its group.
func (f *Feed[K, T]) start(m *member[T], r *renderer[T], key K, cursor int) {
	h, err := f.join(m, r, key, cursor)
	if err != nil {
		f.engine.log.Warn("live: joining failed", "topic", f.Topic(key), "err", err)
		m.t.End(errs.Errorf(errs.Unavailable, "live updates are unavailable; retry"))
		return
	}
	if exp := m.expiresAt; !exp.IsZero() {
		m.expiry = f.engine.clock.AfterFunc(f.engine.clock.Until(exp), func() { m.t.End(errTokenExpired()) })
	}
	context.AfterFunc(m.t.Context(), func() { h.leave(m) })
	if cursor >= 0 {
		go h.catchUp(m)
	}
}
