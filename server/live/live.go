package live

import (
	"context"
	"encoding/base64"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/shipmentchange"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/pubsub"
	"github.com/aftercart/aftercart/server/tracking"
)

// Tuning knobs; see Feed.
const (
	// pageSize bounds one read of the change log.
	pageSize = 200
	// retryAfter is how soon a read that failed (database down) is retried.
	retryAfter = 500 * time.Millisecond
)

// Update is one change as a subscriber sees it.
type Update struct {
	// Cursor identifies this update; pass it as `after` to resume after it.
	Cursor string
	// Shipment is the shipment that changed, as it is now.
	Shipment *ent.Shipment
	// Event is the new checkpoint, or nil when only the shipment changed.
	Event *ent.TrackingEvent

	id int
}

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

// Feed is the live-update service. It is safe for concurrent use.
type Feed struct {
	client *ent.Client
	log    *slog.Logger
	clock  clockwork.Clock
	obs    Observer
	stop   func()

	mu   sync.Mutex
	hubs map[int]*hub
}

// NewFeed returns a Feed reading through client and woken by broker, with
// the real clock and no observer unless options say otherwise.
func NewFeed(client *ent.Client, broker pubsub.Broker, log *slog.Logger, opts ...Option) *Feed {
	f := &Feed{client: client, log: log, clock: clockwork.NewRealClock(), obs: nopObserver{}, hubs: map[int]*hub{}}
	for _, o := range opts {
		o(f)
	}
	f.stop = broker.Listen(f)
	return f
}

// Close stops listening. Open subscriptions end when their contexts do.
func (f *Feed) Close() { f.stop() }

// Notify implements pubsub.Handler: it wakes the order's hub, if any.
func (f *Feed) Notify(m pubsub.Message) {
	orderID, ok := tracking.ParseOrderTopic(m.Topic)
	if !ok {
		return
	}
	f.mu.Lock()
	h := f.hubs[orderID]
	f.mu.Unlock()
	if h != nil {
		h.wake()
	}
}

// Resync implements pubsub.Handler: notifications were lost, so every hub
// re-reads the change log after its last id.
func (f *Feed) Resync() {
	f.obs.Resynced()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, h := range f.hubs {
		h.wake()
	}
}

// Subscribe streams the changes of the order's shipments to the viewer in
// ctx through t: with after, first every change committed after that
// cursor, then live ones; without, live ones only. It returns the channel
// the GraphQL resolver hands to gqlgen; the feed puts each update there just
// before t renders it. Anyone but the order's customer and staff gets
// NOT_FOUND, exactly as for a missing order. The stream ends when t's
// context ends, or when the viewer's token expires: then with an
// UNAUTHENTICATED "token expired" error, never a complete, which would look
// like "no more updates" (over graph/wsproto the connection closes with 4403
// at that moment instead, see wsproto.WithExpiry). A viewer whose token has
// already expired gets that error at once.
//
// cursorVariable names the GraphQL variable that carries after, if any:
// subscribers that differ only in it render updates identically.
func (f *Feed) Subscribe(ctx context.Context, orderID int, after *string, t Target, cursorVariable string) (<-chan *Update, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return nil, errs.Errorf(errs.Unauthenticated, "sign in to subscribe")
	}
	if expired(v.ExpiresAt, f.clock.Now()) {
		return nil, errTokenExpired()
	}
	o, err := f.client.Order.Query().Where(order.ID(orderID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.Errorf(errs.NotFound, "order %d not found", orderID)
	} else if err != nil {
		return nil, err
	}
	cursor := -1 // live only
	if after != nil {
		if cursor, err = DecodeCursor(*after); err != nil {
			return nil, err
		}
	}
	ch := make(chan *Update, 1)
	m := &member{
		t:         t,
		key:       t.Key(viewerKey(v), cursorVariable),
		mayView:   v.IsStaff() || v.CustomerID == o.CustomerID,
		expiresAt: v.ExpiresAt,
	}
	t.Accept(func(render func() ([]byte, error)) { f.start(m, &renderer{ch: ch, render: render}, orderID, cursor) })
	return ch, nil
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
func viewerKey(v *auth.Viewer) string {
	if v.IsCustomer() {
		return "customer:" + strconv.Itoa(v.CustomerID)
	}
	return string(v.Role) + ":" + v.Subject
}

// start joins the subscriber to its order's hub; cursor < 0 means live only.
// r renders the subscriber's selection; the hub keeps it only if the
// subscriber is the first of its group.
func (f *Feed) start(m *member, r *renderer, orderID, cursor int) {
	h, err := f.join(m, r, orderID, cursor)
	if err != nil {
		f.log.Warn("live: joining failed", "order", orderID, "err", err)
		m.t.End(errs.Errorf(errs.Unavailable, "live updates are unavailable; retry"))
		return
	}
	if exp := m.expiresAt; !exp.IsZero() {
		m.expiry = f.clock.AfterFunc(f.clock.Until(exp), func() { m.t.End(errTokenExpired()) })
	}
	context.AfterFunc(m.t.Context(), func() { f.leave(h, m) })
	if cursor >= 0 {
		go h.catchUp(m)
	}
}

// read returns up to pageSize changes of the order after id, oldest first,
// with their shipments and events (three statements, whatever the count).
func (f *Feed) read(ctx context.Context, orderID, after int) ([]*Update, error) {
	rows, err := f.client.ShipmentChange.Query().
		Where(shipmentchange.OrderID(orderID), shipmentchange.IDGT(after)).
		Order(shipmentchange.ByID()).
		Limit(pageSize).
		WithShipment().
		WithEvent().
		All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Update, len(rows))
	for i, r := range rows {
		out[i] = &Update{Cursor: EncodeCursor(r.ID), Shipment: r.Edges.Shipment, Event: r.Edges.Event, id: r.ID}
	}
	return out, nil
}

// latest returns the newest change id of the order (0 if none).
func (f *Feed) latest(ctx context.Context, orderID int) (int, error) {
	ids, err := f.client.ShipmentChange.Query().
		Where(shipmentchange.OrderID(orderID)).
		Order(ent.Desc(shipmentchange.FieldID)).
		Limit(1).
		IDs(ctx)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

// EncodeCursor makes the opaque cursor of a change id.
func EncodeCursor(id int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("sc:" + strconv.Itoa(id)))
}

// DecodeCursor parses a cursor made by EncodeCursor.
func DecodeCursor(c string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if s, ok := strings.CutPrefix(string(b), "sc:"); ok {
			if id, err := strconv.Atoi(s); err == nil && id >= 0 {
				return id, nil
			}
		}
	}
	return 0, errs.Invalid("after", "%q is not a cursor from this subscription", c)
}
