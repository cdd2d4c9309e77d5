package live

import (
	"context"
	"encoding/base64"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

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
	// DefaultBuffer is how many undelivered batches a subscriber may hold
	// before it falls back to reading the change log itself.
	DefaultBuffer = 16
	// pageSize bounds one read of the change log.
	pageSize = 200
	// retryAfter is how soon a hub retries a read that failed (database down).
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

// Feed is the live-update service. It is safe for concurrent use.
type Feed struct {
	client *ent.Client
	log    *slog.Logger
	buffer int
	stop   func()

	mu   sync.Mutex
	hubs map[int]*hub
}

// NewFeed returns a Feed reading through client and woken by broker.
func NewFeed(client *ent.Client, broker pubsub.Broker, log *slog.Logger) *Feed {
	f := &Feed{client: client, log: log, buffer: DefaultBuffer, hubs: map[int]*hub{}}
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
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, h := range f.hubs {
		h.wake()
	}
}

// Subscribe streams the changes of the order's shipments to the viewer in
// ctx: with after, first every change committed after that cursor, then live
// ones; without, live ones only. Anyone but the order's customer and staff
// gets NOT_FOUND, exactly as for a missing order. The stream ends when ctx
// ends, when the viewer's token expires, or when the subscriber falls too far
// behind (the client should resume from its last cursor).
func (f *Feed) Subscribe(ctx context.Context, orderID int, after *string) (<-chan *Update, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return nil, errs.Errorf(errs.Unauthenticated, "sign in to subscribe")
	}
	o, err := f.client.Order.Query().Where(order.ID(orderID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.Errorf(errs.NotFound, "order %d not found", orderID)
	} else if err != nil {
		return nil, err
	}
	var cursor int
	if after != nil {
		if cursor, err = DecodeCursor(*after); err != nil {
			return nil, err
		}
	}
	h, sub, joinedAt, err := f.join(ctx, orderID)
	if err != nil {
		return nil, err
	}
	if after == nil {
		cursor = joinedAt
	}
	out := make(chan *Update)
	go f.stream(ctx, v, o.CustomerID, h, sub, cursor, after != nil, out)
	return out, nil
}

// stream runs one subscription: catch up from the cursor, then relay the
// hub's batches, skipping anything at or before the cursor.
func (f *Feed) stream(ctx context.Context, v *auth.Viewer, ownerID int, h *hub, sub *subscriber, cursor int, resume bool, out chan<- *Update) {
	defer close(out)
	defer f.leave(h, sub)
	var expired <-chan time.Time
	if !v.ExpiresAt.IsZero() {
		t := time.NewTimer(time.Until(v.ExpiresAt))
		defer t.Stop()
		expired = t.C
	}
	send := func(u *Update) bool {
		// Re-check on every push: staff, or the order's own customer, with a
		// token that has not expired.
		if !v.IsStaff() && v.CustomerID != ownerID || !v.ExpiresAt.IsZero() && time.Now().After(v.ExpiresAt) {
			return false
		}
		select {
		case out <- u:
			cursor = u.id
			return true
		case <-ctx.Done():
			return false
		case <-expired:
			return false
		}
	}
	sys := auth.WithSystem(ctx)
	// catchUp reads the log after the cursor until it is exhausted. A read
	// that fails (the database restarting) is retried until it succeeds or
	// the stream ends: the subscriber must not lose its place.
	catchUp := func() bool {
		for {
			page, err := f.read(sys, h.orderID, cursor)
			if err != nil {
				if ctx.Err() != nil {
					return false
				}
				f.log.Warn("live: catching up failed; retrying", "order", h.orderID, "err", err)
				select {
				case <-time.After(retryAfter):
					continue
				case <-ctx.Done():
					return false
				case <-expired:
					return false
				}
			}
			for _, u := range page {
				if !send(u) {
					return false
				}
			}
			if len(page) < pageSize {
				return true
			}
		}
	}
	// Live-only subscribers start at the hub's position, which the hub's own
	// batches continue from: only a resume needs the log.
	if resume && !catchUp() {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-expired:
			return
		case batch := <-sub.in:
			for _, u := range batch {
				if u.id <= cursor {
					continue
				}
				if !send(u) {
					return
				}
			}
		}
		// Fell behind: the hub stopped filling the inbox. Once it is
		// drained, read the rest from the log until caught up with the hub.
		if len(sub.in) == 0 && h.isLagging(sub) {
			for !h.rejoin(sub, cursor) {
				if !catchUp() {
					return
				}
			}
		}
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
