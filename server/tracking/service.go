package tracking

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/shipment"
	"github.com/aftercart/aftercart/ent/shipmentitem"
	"github.com/aftercart/aftercart/ent/trackingevent"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/orders"
	"github.com/aftercart/aftercart/server/pubsub"
	"github.com/jonboulle/clockwork"
)

// MaxEventsPerCall bounds the work one mutation or webhook delivery can ask for.
const MaxEventsPerCall = 100

// maxClockSkew is how far in the future a checkpoint may claim to be: carriers
// report local times with wrong zones, but not days ahead.
const maxClockSkew = 24 * time.Hour

// Service creates shipments and records tracking events. It is safe for
// concurrent use.
type Service struct {
	db     *db.DB
	broker pubsub.Broker
	now    func() time.Time
}

// Option configures a Service.
type Option func(*Service)

// WithClock makes the Service read the time from c, the app's clock, which
// tests replace: what counts as "in the future" for a carrier's checkpoint
// must move with the clock every other concept reads. Without it, the real
// clock.
func WithClock(c clockwork.Clock) Option {
	return func(s *Service) {
		if c != nil {
			s.now = c.Now
		}
	}
}

// NewService returns a Service writing through d and announcing committed
// changes through broker.
func NewService(d *db.DB, broker pubsub.Broker, opts ...Option) *Service {
	s := &Service{db: d, broker: broker, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// logChanges writes one ShipmentChange per new event (oldest first), or one
// without an event when only the shipment changed, and publishes the last
// one's id for after the commit. Subscribers read the rows, not the message.
func (s *Service) logChanges(ctx context.Context, tx *ent.Tx, sh *ent.Shipment, events []*ent.TrackingEvent) error {
	var bulk []*ent.ShipmentChangeCreate
	for _, e := range events {
		bulk = append(bulk, tx.ShipmentChange.Create().SetOrderID(sh.OrderID).SetShipmentID(sh.ID).SetEventID(e.ID))
	}
	if len(bulk) == 0 {
		bulk = append(bulk, tx.ShipmentChange.Create().SetOrderID(sh.OrderID).SetShipmentID(sh.ID))
	}
	changes, err := tx.ShipmentChange.CreateBulk(bulk...).Save(ctx)
	if err != nil {
		return err
	}
	return s.broker.Publish(ctx, tx, pubsub.Message{Topic: OrderTopic(sh.OrderID), ID: changes[len(changes)-1].ID})
}

// ShipmentInput is a package handed to a carrier (GraphQL CreateShipmentInput).
type ShipmentInput struct {
	OrderID             int                 `json:"orderId"`
	Carrier             string              `json:"carrier"`
	TrackingNumber      string              `json:"trackingNumber"`
	TrackingURL         *string             `json:"trackingUrl,omitempty"`
	EstimatedDeliveryAt *time.Time          `json:"estimatedDeliveryAt,omitempty"`
	Items               []ShipmentItemInput `json:"items,omitempty"`
}

// ShipmentItemInput is units of one order line in a shipment.
type ShipmentItemInput struct {
	OrderItemID int `json:"orderItemId"`
	Quantity    int `json:"quantity"`
}

// ShipmentResult is what CreateShipment did.
type ShipmentResult struct {
	// Shipment is the shipment as stored.
	Shipment *ent.Shipment
	// Created is false when the shipment already existed (an idempotent retry).
	Created bool
}

// CreateShipment ships units of an order's items under a tracking number. It
// needs a staff viewer. Repeating the call with the same carrier and tracking
// number for the same order returns the existing shipment.
func (s *Service) CreateShipment(ctx context.Context, in ShipmentInput) (*ShipmentResult, error) {
	carrier, number, err := authorizeShipmentKey(ctx, in.Carrier, in.TrackingNumber)
	if err != nil {
		return nil, err
	}
	trackURL, err := TrackingURL(in.TrackingURL, carrier, number)
	if err != nil {
		return nil, err
	}
	for i, it := range in.Items {
		if it.Quantity < 1 {
			return nil, errs.Invalid(fmt.Sprintf("items[%d].quantity", i), "must be at least 1")
		}
	}
	var res *ShipmentResult
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		if _, err := s.lockOrder(ctx, tx, in.OrderID); err != nil {
			return err
		}
		if sh, err := tx.Shipment.Query().Where(shipment.Carrier(carrier), shipment.TrackingNumber(number)).Only(ctx); err == nil {
			if sh.OrderID != in.OrderID {
				return errs.Errorf(errs.Conflict, "%s tracking number %s belongs to another order", carrier, number)
			}
			res = &ShipmentResult{Shipment: sh}
			return nil
		} else if !ent.IsNotFound(err) {
			return err
		}
		units, err := s.unitsToShip(ctx, tx, in)
		if err != nil {
			return err
		}
		create := tx.Shipment.Create().
			SetOrderID(in.OrderID).
			SetCarrier(carrier).
			SetTrackingNumber(number).
			SetNillableTrackingURL(trackURL).
			SetNillableFirstEstimatedDeliveryAt(in.EstimatedDeliveryAt).
			SetNillableLatestEstimatedDeliveryAt(in.EstimatedDeliveryAt)
		sh, err := create.Save(ctx)
		if err != nil {
			return err
		}
		bulk := make([]*ent.ShipmentItemCreate, 0, len(units))
		for _, u := range units {
			bulk = append(bulk, tx.ShipmentItem.Create().SetShipmentID(sh.ID).SetOrderItemID(u.OrderItemID).SetQuantity(u.Quantity))
		}
		if err := tx.ShipmentItem.CreateBulk(bulk...).Exec(ctx); err != nil {
			return err
		}
		if _, err := orders.Refresh(ctx, tx, in.OrderID); err != nil {
			return err
		}
		if err := s.logChanges(ctx, tx, sh, nil); err != nil {
			return err
		}
		res = &ShipmentResult{Shipment: sh, Created: true}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, s.reload(ctx, &res.Shipment)
}

// reload re-reads a shipment returned from a committed transaction through
// the client, as the caller: the transaction's entities cannot load edges.
func (s *Service) reload(ctx context.Context, sh **ent.Shipment) error {
	fresh, err := s.db.Shipment.Get(ctx, (*sh).ID)
	if err != nil {
		return err
	}
	*sh = fresh
	return nil
}

// unitsToShip resolves the requested items (or, when none are given, every
// unit not shipped yet) and checks none exceeds what is left to ship.
func (s *Service) unitsToShip(ctx context.Context, tx *ent.Tx, in ShipmentInput) ([]ShipmentItemInput, error) {
	items, err := tx.OrderItem.Query().Where(orderitem.OrderID(in.OrderID)).Order(orderitem.ByID()).All(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	shipped := map[int]int{}
	sis, err := tx.ShipmentItem.Query().Where(shipmentitem.OrderItemIDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, si := range sis {
		shipped[si.OrderItemID] += si.Quantity
	}
	left := make(map[int]int, len(items))
	for _, it := range items {
		left[it.ID] = it.Quantity - shipped[it.ID]
	}
	if len(in.Items) == 0 {
		var all []ShipmentItemInput
		for _, it := range items {
			if left[it.ID] > 0 {
				all = append(all, ShipmentItemInput{OrderItemID: it.ID, Quantity: left[it.ID]})
			}
		}
		if len(all) == 0 {
			return nil, errs.Errorf(errs.Conflict, "every item of the order has shipped already")
		}
		return all, nil
	}
	merged := map[int]int{}
	var order []int
	for i, it := range in.Items {
		rem, ok := left[it.OrderItemID]
		if !ok {
			return nil, errs.Invalid(fmt.Sprintf("items[%d].orderItemId", i), "is not an item of this order")
		}
		if _, seen := merged[it.OrderItemID]; !seen {
			order = append(order, it.OrderItemID)
		}
		merged[it.OrderItemID] += it.Quantity
		if merged[it.OrderItemID] > rem {
			return nil, errs.Errorf(errs.Conflict, "items[%d].quantity: only %d units of this item are left to ship", i, rem)
		}
	}
	out := make([]ShipmentItemInput, 0, len(order))
	for _, id := range order {
		out = append(out, ShipmentItemInput{OrderItemID: id, Quantity: merged[id]})
	}
	return out, nil
}

// authorizeShipmentKey checks the viewer may run store commands and
// normalizes the carrier and tracking number that identify a shipment.
func authorizeShipmentKey(ctx context.Context, carrier, number string) (string, string, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return "", "", err
	}
	c, err := NormalizeCarrier(carrier)
	if err != nil {
		return "", "", err
	}
	n, err := NormalizeTrackingNumber(number)
	return c, n, err
}

// lockOrder takes the order's row lock (Postgres; SQLite's immediate
// transaction already serializes writers), so that everything that changes an
// order's shipments is serialized per order and re-derives its status from
// committed state.
func (s *Service) lockOrder(ctx context.Context, tx *ent.Tx, id int) (*ent.Order, error) {
	q := tx.Order.Query().Where(order.ID(id))
	if s.db.LockForUpdate() {
		q = q.ForUpdate()
	}
	o, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.Errorf(errs.NotFound, "order %d not found", id)
	}
	return o, err
}

// EventsInput is a batch of checkpoints for one shipment (GraphQL
// RecordTrackingEventsInput, and the webhook's JSON body).
type EventsInput struct {
	Carrier             string       `json:"carrier"`
	TrackingNumber      string       `json:"trackingNumber"`
	EstimatedDeliveryAt *time.Time   `json:"estimatedDeliveryAt,omitempty"`
	Events              []EventInput `json:"events"`
}

// EventInput is one checkpoint.
type EventInput struct {
	ExternalID string               `json:"externalId"`
	Status     types.TrackingStatus `json:"status"`
	SubStatus  *string              `json:"subStatus,omitempty"`
	Message    *string              `json:"message,omitempty"`
	Location   *string              `json:"location,omitempty"`
	OccurredAt time.Time            `json:"occurredAt"`
}

// EventsResult is what RecordEvents did.
type EventsResult struct {
	// Shipment is the shipment after the events were applied.
	Shipment *ent.Shipment
	// Recorded counts new events.
	Recorded int
	// Duplicates counts events that had been recorded before.
	Duplicates int
	// CommittedAt is when the transaction committed, just before live
	// subscribers were notified: the start of the commit-to-receipt
	// latency that server/live/BENCHMARKS.md measures.
	CommittedAt time.Time
}

// RecordEvents stores new checkpoints for the shipment identified by carrier
// and tracking number and folds them into its status and estimates. It needs
// a staff viewer or a system context (the signed webhook).
func (s *Service) RecordEvents(ctx context.Context, in EventsInput) (*EventsResult, error) {
	carrier, number, err := authorizeShipmentKey(ctx, in.Carrier, in.TrackingNumber)
	if err != nil {
		return nil, err
	}
	if len(in.Events) == 0 && in.EstimatedDeliveryAt == nil {
		return nil, errs.Invalid("events", "send at least one event or an estimatedDeliveryAt")
	}
	events, err := s.validateEvents(in.Events)
	if err != nil {
		return nil, err
	}
	var res *EventsResult
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		sh, err := tx.Shipment.Query().Where(shipment.Carrier(carrier), shipment.TrackingNumber(number)).Only(ctx)
		if ent.IsNotFound(err) {
			return errs.Errorf(errs.NotFound, "no shipment with carrier %s and tracking number %s", carrier, number)
		} else if err != nil {
			return err
		}
		if _, err := s.lockOrder(ctx, tx, sh.OrderID); err != nil {
			return err
		}
		// Re-read under the lock: a concurrent delivery may have changed it.
		if sh, err = tx.Shipment.Get(ctx, sh.ID); err != nil {
			return err
		}
		if res, err = s.apply(ctx, tx, sh, events, in.EstimatedDeliveryAt); err != nil {
			return err
		}
		// Registered last, so it runs innermost: right after the real
		// commit, before the notification hooks registered earlier.
		tx.OnCommit(func(next ent.Committer) ent.Committer {
			return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
				err := next.Commit(ctx, tx)
				res.CommittedAt = s.now()
				return err
			})
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, s.reload(ctx, &res.Shipment)
}

// validateEvents checks a batch and drops repeats within it (a sender that
// batches retries may include the same event twice).
func (s *Service) validateEvents(in []EventInput) ([]EventInput, error) {
	if len(in) > MaxEventsPerCall {
		return nil, errs.Invalid("events", "at most %d events per call", MaxEventsPerCall)
	}
	limit := s.now().Add(maxClockSkew)
	seen := make(map[string]bool, len(in))
	out := make([]EventInput, 0, len(in))
	for i, e := range in {
		f := fmt.Sprintf("events[%d]", i)
		e.ExternalID = strings.TrimSpace(e.ExternalID)
		switch {
		case e.ExternalID == "" || len(e.ExternalID) > 128:
			return nil, errs.Invalid(f+".externalId", "must be 1 to 128 characters")
		case !e.Status.Valid():
			return nil, errs.Invalid(f+".status", "%q is not a TrackingStatus", e.Status)
		case e.OccurredAt.IsZero():
			return nil, errs.Invalid(f+".occurredAt", "is required")
		case e.OccurredAt.After(limit):
			return nil, errs.Invalid(f+".occurredAt", "is more than a day in the future")
		case e.SubStatus != nil && len(*e.SubStatus) > 256:
			return nil, errs.Invalid(f+".subStatus", "at most 256 characters")
		case e.Message != nil && len(*e.Message) > 1024:
			return nil, errs.Invalid(f+".message", "at most 1024 characters")
		case e.Location != nil && len(*e.Location) > 256:
			return nil, errs.Invalid(f+".location", "at most 256 characters")
		}
		if seen[e.ExternalID] {
			continue
		}
		seen[e.ExternalID] = true
		out = append(out, e)
	}
	return out, nil
}

// apply inserts the events not stored yet and folds them into the shipment.
func (s *Service) apply(ctx context.Context, tx *ent.Tx, sh *ent.Shipment, events []EventInput, eta *time.Time) (*EventsResult, error) {
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ExternalID
	}
	known, err := tx.TrackingEvent.Query().
		Where(trackingevent.ShipmentID(sh.ID), trackingevent.ExternalIDIn(ids...)).
		Select(trackingevent.FieldExternalID).
		Strings(ctx)
	if err != nil {
		return nil, err
	}
	isKnown := make(map[string]bool, len(known))
	for _, k := range known {
		isKnown[k] = true
	}
	fresh := make([]EventInput, 0, len(events))
	for _, e := range events {
		if !isKnown[e.ExternalID] {
			fresh = append(fresh, e)
		}
	}
	res := &EventsResult{Recorded: len(fresh), Duplicates: len(events) - len(fresh)}
	// Stored (and streamed) oldest first, so a live timeline grows in order.
	sort.SliceStable(fresh, func(i, j int) bool { return fresh[i].OccurredAt.Before(fresh[j].OccurredAt) })
	var created []*ent.TrackingEvent
	if len(fresh) > 0 {
		bulk := make([]*ent.TrackingEventCreate, len(fresh))
		for i, e := range fresh {
			c := tx.TrackingEvent.Create().
				SetShipmentID(sh.ID).
				SetExternalID(e.ExternalID).
				SetStatus(e.Status).
				SetNillableSubStatus(e.SubStatus).
				SetNillableLocation(e.Location).
				SetOccurredAt(e.OccurredAt.UTC())
			if e.Message != nil {
				c.SetMessage(*e.Message)
			}
			bulk[i] = c
		}
		if created, err = tx.TrackingEvent.CreateBulk(bulk...).Save(ctx); err != nil {
			return nil, err
		}
	}
	cur := snapshotOf(sh)
	next := Fold(cur, fresh, eta)
	if len(fresh) == 0 && next.equal(cur) {
		res.Shipment = sh
		return res, nil
	}
	upd := tx.Shipment.UpdateOne(sh).SetStatus(next.Status)
	setOrClear(next.SubStatus, upd.SetSubStatus, upd.ClearSubStatus)
	setOrClear(next.LastEventAt, upd.SetLastEventAt, upd.ClearLastEventAt)
	setOrClear(next.ShippedAt, upd.SetShippedAt, upd.ClearShippedAt)
	setOrClear(next.DeliveredAt, upd.SetDeliveredAt, upd.ClearDeliveredAt)
	setOrClear(next.FirstETA, upd.SetFirstEstimatedDeliveryAt, upd.ClearFirstEstimatedDeliveryAt)
	setOrClear(next.LatestETA, upd.SetLatestEstimatedDeliveryAt, upd.ClearLatestEstimatedDeliveryAt)
	if sh, err = upd.Save(ctx); err != nil {
		return nil, err
	}
	if _, err := orders.Refresh(ctx, tx, sh.OrderID); err != nil {
		return nil, err
	}
	if err := s.logChanges(ctx, tx, sh, created); err != nil {
		return nil, err
	}
	res.Shipment = sh
	return res, nil
}

// Snapshot is the part of a shipment that checkpoints change.
type Snapshot struct {
	Status              types.TrackingStatus
	SubStatus           *string
	LastEventAt         *time.Time
	ShippedAt           *time.Time
	DeliveredAt         *time.Time
	FirstETA, LatestETA *time.Time
}

// snapshotOf is the part of sh that checkpoints change.
func snapshotOf(sh *ent.Shipment) Snapshot {
	return Snapshot{
		Status: sh.Status, SubStatus: sh.SubStatus, LastEventAt: sh.LastEventAt,
		ShippedAt: sh.ShippedAt, DeliveredAt: sh.DeliveredAt,
		FirstETA: sh.FirstEstimatedDeliveryAt, LatestETA: sh.LatestEstimatedDeliveryAt,
	}
}

func (a Snapshot) equal(b Snapshot) bool {
	eqS := func(x, y *string) bool { return (x == nil && y == nil) || (x != nil && y != nil && *x == *y) }
	eqT := func(x, y *time.Time) bool { return (x == nil && y == nil) || (x != nil && y != nil && x.Equal(*y)) }
	return a.Status == b.Status && eqS(a.SubStatus, b.SubStatus) && eqT(a.LastEventAt, b.LastEventAt) &&
		eqT(a.ShippedAt, b.ShippedAt) && eqT(a.DeliveredAt, b.DeliveredAt) && eqT(a.FirstETA, b.FirstETA) && eqT(a.LatestETA, b.LatestETA)
}

// Fold applies new checkpoints (in any order) and an optional new estimate to
// a shipment's snapshot:
//   - the status and sub-status become the newest checkpoint's by occurrence
//     time, so a late-arriving old checkpoint changes nothing;
//   - DELIVERED is terminal: once delivered, no later checkpoint regresses it,
//     and a DELIVERED checkpoint wins even if a newer-stamped one arrived first;
//   - shippedAt is the earliest checkpoint that shows the parcel moving;
//   - the first estimate is kept; the latest is replaced.
func Fold(cur Snapshot, events []EventInput, eta *time.Time) Snapshot {
	next := cur
	sorted := append([]EventInput(nil), events...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].OccurredAt.Before(sorted[j].OccurredAt) })
	for _, e := range sorted {
		at := e.OccurredAt.UTC()
		if e.Status.InTransit() && (next.ShippedAt == nil || at.Before(*next.ShippedAt)) {
			next.ShippedAt = &at
		}
		if e.Status == types.TrackingDelivered && (next.DeliveredAt == nil || at.Before(*next.DeliveredAt)) {
			next.DeliveredAt = &at
		}
		newest := next.LastEventAt == nil || !at.Before(*next.LastEventAt)
		if newest {
			next.LastEventAt = &at
		}
		if next.Status == types.TrackingDelivered && e.Status != types.TrackingDelivered {
			continue // terminal
		}
		if newest || e.Status == types.TrackingDelivered {
			next.Status, next.SubStatus = e.Status, e.SubStatus
		}
	}
	if eta != nil {
		t := eta.UTC()
		if next.FirstETA == nil {
			next.FirstETA = &t
		}
		next.LatestETA = &t
	}
	return next
}

// setOrClear sets an optional column to *v, or clears it when v is nil.
func setOrClear[T any, U any](v *T, set func(T) U, clear func() U) {
	if v != nil {
		set(*v)
	} else {
		clear()
	}
}
