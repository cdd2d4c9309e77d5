package tracking

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/shipmentchange"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/live"
)

// ShipmentsNamespace is the namespace of the shipment feed's topics: an
// order's topic is "order:<id>". It is the wire format between instances
// (pubsub messages), so it stays what it was before the feed moved onto
// the engine: an instance of the previous version, during a rolling
// deploy, still wakes this one's subscribers.
const ShipmentsNamespace = "order"

// shipmentCursors encodes ShipmentChange ids; "sc" is what clients have
// held since the first version.
const shipmentCursors live.Cursors = "sc"

// OrderTopic is the pubsub topic of an order's shipment changes.
func OrderTopic(orderID int) string { return live.Topic(ShipmentsNamespace, orderID) }

// ShipmentUpdate is one change to an order's shipments as a subscriber
// sees it (GraphQL ShipmentUpdate).
type ShipmentUpdate struct {
	// Cursor identifies this update; pass it as `after` to resume after it.
	Cursor string
	// Shipment is the shipment that changed, as it is now.
	Shipment *ent.Shipment
	// Event is the new checkpoint, or nil when only the shipment changed.
	Event *ent.TrackingEvent
}

// ShipmentFeed streams an order's shipment changes (shipmentUpdated); its
// topics are keyed by order id.
type ShipmentFeed = live.Feed[int, *ShipmentUpdate]

// NewShipmentFeed registers the shipment feed on e, reading through client.
//
// Commit order (the engine's contract): every transaction that writes a
// ShipmentChange holds its order's row lock first (lockOrder; SQLite
// serializes every writer), so within an order change ids increase in
// commit order; see ent/schema/shipmentchange.go.
func NewShipmentFeed(e *live.Engine, client *ent.Client) *ShipmentFeed {
	return live.NewFeed(e, live.Config[int, *ShipmentUpdate]{
		Namespace: ShipmentsNamespace,
		Cursors:   shipmentCursors,
		Source:    shipmentSource{client: client},
	})
}

// shipmentSource is the shipment feed's live.Source: the ShipmentChange log
// of one order.
type shipmentSource struct{ client *ent.Client }

// Authorize lets the order's customer and staff follow it; anyone else gets
// NOT_FOUND, exactly as for a missing order (the privacy policy hides other
// customers' orders; the customer check below is the same rule, kept here
// so that the feed does not depend on the policy alone). Every change of an
// order they may see is theirs to see: no Filter.
func (s shipmentSource) Authorize(ctx context.Context, orderID int) (live.Filter[*ShipmentUpdate], error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return nil, errs.Errorf(errs.Unauthenticated, "sign in to subscribe")
	}
	o, err := s.client.Order.Query().Where(order.ID(orderID)).Only(ctx)
	if ent.IsNotFound(err) || err == nil && !v.IsStaff() && v.CustomerID != o.CustomerID {
		return nil, errs.Errorf(errs.NotFound, "order %d not found", orderID)
	}
	return nil, err
}

// Read returns up to limit changes of the order after id, oldest first,
// with their shipments and events (three statements, whatever the count).
func (s shipmentSource) Read(ctx context.Context, orderID, after, limit int) ([]live.Change[*ShipmentUpdate], error) {
	rows, err := s.client.ShipmentChange.Query().
		Where(shipmentchange.OrderID(orderID), shipmentchange.IDGT(after)).
		Order(shipmentchange.ByID()).
		Limit(limit).
		WithShipment().
		WithEvent().
		All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]live.Change[*ShipmentUpdate], len(rows))
	for i, r := range rows {
		out[i] = live.Change[*ShipmentUpdate]{Position: r.ID, Value: &ShipmentUpdate{
			Cursor: shipmentCursors.Encode(r.ID), Shipment: r.Edges.Shipment, Event: r.Edges.Event}}
	}
	return out, nil
}

// Latest returns the newest change id of the order (0 if none).
func (s shipmentSource) Latest(ctx context.Context, orderID int) (int, error) {
	ids, err := s.client.ShipmentChange.Query().
		Where(shipmentchange.OrderID(orderID)).
		Order(ent.Desc(shipmentchange.FieldID)).
		Limit(1).
		IDs(ctx)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}
