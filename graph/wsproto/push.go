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

// ErrEnded is returned by Push.Render once the subscription has ended.
var ErrEnded = errors.New("wsproto: the subscription has ended")

// Push is one subscription on this transport, offered to its resolver so
// that a service can deliver events to many subscribers without a goroutine
// per subscription and without executing the selection set per subscriber.
//
// The resolver calls Accept with a start function and returns its channel as
// usual. Once the resolver has returned and gqlgen has set the operation up,
// the transport calls start, and from then on the service:
//
//   - makes an event available on the channel it returned, then calls Render,
//     which executes the operation's selection set on it and returns the
//     `payload` of a "next" message;
//   - sends that payload with Send to every subscriber of the same Key
//     (same viewer, document, operation and variables), so that one render
//     serves all of them;
//   - stops writing to a subscriber that is Backlogged until OnDrained fires;
//   - ends the subscription with End, or learns from Context that the client
//     or the connection ended it.
//
// A Push's methods are safe for concurrent use, except that Render must not
// run concurrently with itself for one Push.
type Push struct {
	c      *conn
	op     *operation
	params *graphql.RawParams
	start  func()

	// Set by the transport after the resolver returned.
	responses graphql.ResponseHandler
	ctx       context.Context
}

// PushFrom returns the Push of the subscription whose resolver runs with ctx,
// when the operation came over this transport and is a subscription.
func PushFrom(ctx context.Context) (*Push, bool) {
	p, ok := ctx.Value(pushKey{}).(*Push)
	return p, ok && p.start == nil
}

// Accept makes the caller responsible for delivering the subscription's
// events (see Push). start runs once, after the resolver has returned without
// an error, on the connection's worker goroutine; it must not block for long.
// Call Accept only from the resolver, at most once.
func (p *Push) Accept(start func()) { p.start = start }

// Context is done when the subscription ends, whichever side ends it. Valid
// from start on.
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

// Render executes the selection set once on the next value of the resolver's
// channel and returns the JSON of the response, the payload of a "next"
// message. The value must already be on the channel.
func (p *Push) Render() ([]byte, error) {
	if p.responses == nil || p.op.ended.Load() {
		return nil, ErrEnded
	}
	resp := p.responses(p.ctx)
	if resp == nil {
		return nil, ErrEnded
	}
	return json.Marshal(resp)
}

// Send writes a "next" message with payload (from Render, possibly another
// Push's of the same Key) without blocking. It returns false when the
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
func (p *Push) End(err error) {
	if err == nil {
		p.c.end(p.op, nil)
		return
	}
	ctx := p.ctx
	if ctx == nil {
		ctx = p.c.ctx
	}
	resp := p.c.exec.DispatchError(ctx, gqlerror.List{gqlerror.WrapIfUnwrapped(err)})
	p.c.end(p.op, resp.Errors)
}
