package orders

import (
	"context"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/shipment"
)

// ShipmentState is what DeriveStatus needs to know about one shipment.
type ShipmentState struct {
	// Status is the shipment's tracking status.
	Status types.TrackingStatus
	// DeliveredAt is when it was delivered, if it was.
	DeliveredAt *time.Time
	// Units maps order item id to the units of it in the package.
	Units map[int]int
}

// Derived is an order's status and the dates that follow from it.
type Derived struct {
	// Status is the fulfillment status.
	Status types.OrderStatus
	// DeliveredAt is when the last unit was delivered, once every unit was.
	DeliveredAt *time.Time
}

// DeriveStatus computes an order's status from the units ordered per item and
// its shipments. A unit counts as shipped once it is in a shipment, and as
// delivered once that shipment is DELIVERED.
func DeriveStatus(canceled bool, ordered map[int]int, shipments []ShipmentState) Derived {
	if canceled {
		return Derived{Status: types.OrderCanceled}
	}
	total, shipped, delivered := 0, 0, 0
	for _, q := range ordered {
		total += q
	}
	var last *time.Time
	for _, s := range shipments {
		for item, q := range s.Units {
			if _, ok := ordered[item]; !ok {
				continue
			}
			shipped += q
			if s.Status == types.TrackingDelivered {
				delivered += q
			}
		}
		if s.Status == types.TrackingDelivered && s.DeliveredAt != nil && (last == nil || s.DeliveredAt.After(*last)) {
			last = s.DeliveredAt
		}
	}
	switch {
	case total > 0 && delivered >= total:
		return Derived{Status: types.OrderDelivered, DeliveredAt: last}
	case delivered > 0:
		return Derived{Status: types.OrderPartiallyDelivered}
	case total > 0 && shipped >= total:
		return Derived{Status: types.OrderShipped}
	case shipped > 0:
		return Derived{Status: types.OrderPartiallyShipped}
	}
	return Derived{Status: types.OrderUnfulfilled}
}

// Refresh re-derives the status, delivery date and return-window end of the
// order with the given id and saves them if they changed. It must run inside
// the transaction that changed the order's items or shipments, after those
// changes, with the order row locked (see tracking.Service).
func Refresh(ctx context.Context, tx *ent.Tx, orderID int) (*ent.Order, error) {
	o, err := tx.Order.Query().
		Where(order.ID(orderID)).
		WithItems().
		WithShipments(func(q *ent.ShipmentQuery) { q.WithItems().Order(shipment.ByID()) }).
		Only(ctx)
	if err != nil {
		return nil, err
	}
	ordered := make(map[int]int, len(o.Edges.Items))
	for _, it := range o.Edges.Items {
		ordered[it.ID] += it.Quantity
	}
	states := make([]ShipmentState, 0, len(o.Edges.Shipments))
	for _, s := range o.Edges.Shipments {
		st := ShipmentState{Status: s.Status, DeliveredAt: s.DeliveredAt, Units: map[int]int{}}
		for _, si := range s.Edges.Items {
			st.Units[si.OrderItemID] += si.Quantity
		}
		states = append(states, st)
	}
	d := DeriveStatus(o.CanceledAt != nil, ordered, states)
	var windowEnds *time.Time
	if d.DeliveredAt != nil {
		t := d.DeliveredAt.AddDate(0, 0, o.ReturnWindowDays)
		windowEnds = &t
	}
	if o.Status == d.Status && sameTime(o.DeliveredAt, d.DeliveredAt) && sameTime(o.ReturnWindowEndsAt, windowEnds) {
		return o, nil
	}
	upd := tx.Order.UpdateOne(o).SetStatus(d.Status)
	if d.DeliveredAt != nil {
		upd.SetDeliveredAt(*d.DeliveredAt)
	} else {
		upd.ClearDeliveredAt()
	}
	if windowEnds != nil {
		upd.SetReturnWindowEndsAt(*windowEnds)
	} else {
		upd.ClearReturnWindowEndsAt()
	}
	return upd.Save(ctx)
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
