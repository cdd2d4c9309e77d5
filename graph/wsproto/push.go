package wsproto

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"maps"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// pushKey is the context key of the *Push a subscription resolver finds.
type pushKey struct{}

// ErrEnded is returned by a Renderer when gqlgen ends the stream.
var ErrEnded = errors.New("wsproto: the subscription has ended")

// Push is one subscription on this transport, offered to its resolver so
// that a service can deliver events to many subscribers without a goroutine
// per subscription and without executing the selection set per subscriber.
//
// The resolver calls Accept with a start function and returns its channel as
// usual. Once the resolver has returned and gqlgen has set the operation up,
// the transport calls start with a Renderer for the operation, and from then
// on the service:
//
//   - renders an event by putting it on the channel the resolver returned
//     and calling a Renderer, which executes the selection set on it and
//     returns the `payload` of a "next" message;
//   - sends that payload with Send to every subscriber of the same Key
//     (same viewer, document, operation and variables), so that one render,
//     with one Renderer kept per Key, serves all of them: the transport
//     keeps nothing of an operation's execution state once start returns,
//     so a Renderer the service does not keep costs nothing;
//   - stops writing to a subscriber that is Backlogged until OnDrained fires;
//   - ends the subscription with End, or learns from Context that the client
//     or the connection ended it.
//
// A Push's methods are safe for concurrent use.
type Push struct {
	c      *conn
	op     *operation
	params *graphql.RawParams // for Key; dropped once started
	ctx    context.Context    // the subscription's lifetime
	start  func(Renderer)
}

// Renderer executes a subscription's selection set once on the value waiting
// on its resolver's channel, and returns the JSON of the response: the
// payload of a "next" message. The value must be on the channel before the
// call, or the call blocks. A Renderer keeps working after its own
// subscription has ended (another subscriber of the same Key may still need
// it), resolving with that subscription's viewer. It must not be called
// concurrently with itself. (An alias, so that services can name the plain
// func type in their own interfaces without importing this package.)
type Renderer = func() ([]byte, error)

// newRenderer binds gqlgen's response handler to ctx stripped of its
// cancellation: the subscription it came from may end while others render
// through it.
func newRenderer(responses graphql.ResponseHandler, ctx context.Context) Renderer {
	ctx = context.WithoutCancel(ctx)
	return func() ([]byte, error) {
		resp := responses(ctx)
		if resp == nil {
			return nil, ErrEnded
		}
		return json.Marshal(resp)
	}
}

// PushFrom returns the Push of the subscription whose resolver runs with ctx,
// when the operation came over this transport and is a subscription.
func PushFrom(ctx context.Context) (*Push, bool) {
	p, ok := ctx.Value(pushKey{}).(*Push)
	return p, ok && p.start == nil
}

// LifetimeFrom returns a context that is done when the subscription served
// by the operation in ctx ends, and that holds none of the operation's
// execution state (its document, variables and caches), so it may be waited
// on for as long as the subscription lives; ok is false when the operation
// is not a subscription over this transport.
func LifetimeFrom(ctx context.Context) (life context.Context, ok bool) {
	p, ok := ctx.Value(pushKey{}).(*Push)
	if !ok {
		return nil, false
	}
	return p.ctx, true
}

// Accept makes the caller responsible for delivering the subscription's
// events (see Push). start runs once, after the resolver has returned without
// an error, on the connection's worker goroutine; it must not block for long.
// Call Accept only from the resolver, at most once.
func (p *Push) Accept(start func(Renderer)) { p.start = start }

// Context is done when the subscription ends, whichever side ends it.
func (p *Push) Context() context.Context { return p.ctx }

// Key identifies what Render produces: two Pushes with the same Key render
// any event to the same bytes. It digests viewer (the caller's name for the
// authorization the selection is resolved with), the document, the operation
// name and the variables. The variable named ignore is left out when the
// document uses it only once, where the caller knows it does not change the
// rendering (a resume cursor, say); "" ignores nothing.
func (p *Push) Key(viewer, ignore string) string {
	vars := p.params.Variables
	if ignore != "" && usedOnce(p.params.Query, ignore) {
		if _, ok := vars[ignore]; ok {
			vars = maps.Clone(vars)
			delete(vars, ignore)
		}
	}
	// encoding/json sorts map keys, so equal variables encode equally;
	// absent and empty variables are the same.
	varsJSON := []byte("{}")
	if len(vars) > 0 {
		varsJSON, _ = json.Marshal(vars)
	}
	h := sha256.New()
	for _, part := range []string{viewer, p.params.OperationName, p.params.Query} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	h.Write(varsJSON)
	return string(h.Sum(nil))
}

// usedOnce reports whether the document mentions $name exactly twice: its
// definition and one use. Counting text over-counts (comments, strings,
// other operations), which only ever makes Key keep the variable: safe.
func usedOnce(query, name string) bool {
	n := 0
	for i := 0; ; {
		j := strings.Index(query[i:], "$"+name)
		if j < 0 {
			break
		}
		end := i + j + 1 + len(name)
		if end == len(query) || !isNameChar(query[end]) {
			n++
		}
		i = end
	}
	return n == 2
}

func isNameChar(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// Send writes a "next" message with payload (from a Renderer of the same
// Key) without blocking. It returns false when the
// subscription or the connection has ended.
func (p *Push) Send(payload []byte) bool { return p.c.sendNext(p.op, payload) }

// Backlogged reports whether the connection has fallen behind: the caller
// should stop sending until OnDrained fires, or the client is disconnected
// once its queue reaches its bound.
func (p *Push) Backlogged() bool { return p.c.backlogged() }

// OnDrained runs f on a new goroutine once the connection is no longer
// backlogged (at once if it is not), or never if the connection ends first.
func (p *Push) OnDrained(f func()) { p.c.onDrained(f) }

// End ends the subscription from the server side: "complete" when err is
// nil, else an "error" message with err, presented like any GraphQL error.
// After the connection's credential has expired it closes the connection
// with 4403 instead (see WithExpiry).
func (p *Push) End(err error) {
	if err == nil {
		p.c.end(p.op, nil)
		return
	}
	p.c.end(p.op, p.present(err))
}

// present runs err through the executor's error presenter, as any GraphQL
// error. The subscription's execution state is gone by now, so should a
// response interceptor insist on an operation context, fall back to a
// plain error rather than fail the connection.
func (p *Push) present(err error) (list gqlerror.List) {
	defer func() {
		if recover() != nil {
			list = gqlerror.List{{Message: "internal error", Extensions: map[string]any{"code": "INTERNAL"}}}
		}
	}()
	return p.c.exec.DispatchError(p.ctx, gqlerror.List{gqlerror.WrapIfUnwrapped(err)}).Errors
}
