package orders

import (
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/schema/types"
)

func TestDeriveStatus(t *testing.T) {
	d1 := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	d2 := d1.Add(24 * time.Hour)
	ordered := map[int]int{1: 2, 2: 1} // item 1 ×2, item 2 ×1
	ship := func(s types.TrackingStatus, at *time.Time, units map[int]int) ShipmentState {
		return ShipmentState{Status: s, DeliveredAt: at, Units: units}
	}
	for _, c := range []struct {
		name      string
		canceled  bool
		shipments []ShipmentState
		want      types.OrderStatus
		delivered *time.Time
	}{
		{"nothing shipped", false, nil, types.OrderUnfulfilled, nil},
		{"one unit of three", false, []ShipmentState{ship(types.TrackingInTransit, nil, map[int]int{1: 1})}, types.OrderPartiallyShipped, nil},
		{"label only still counts as shipped", false, []ShipmentState{ship(types.TrackingInfoReceived, nil, map[int]int{1: 2, 2: 1})}, types.OrderShipped, nil},
		{"one of two delivered", false, []ShipmentState{ship(types.TrackingDelivered, &d1, map[int]int{1: 2}), ship(types.TrackingInTransit, nil, map[int]int{2: 1})}, types.OrderPartiallyDelivered, nil},
		{"all delivered, last date wins", false, []ShipmentState{ship(types.TrackingDelivered, &d2, map[int]int{1: 2}), ship(types.TrackingDelivered, &d1, map[int]int{2: 1})}, types.OrderDelivered, &d2},
		{"canceled wins", true, []ShipmentState{ship(types.TrackingDelivered, &d1, map[int]int{1: 2, 2: 1})}, types.OrderCanceled, nil},
		{"units of removed items are ignored", false, []ShipmentState{ship(types.TrackingDelivered, &d1, map[int]int{9: 3})}, types.OrderUnfulfilled, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := DeriveStatus(c.canceled, ordered, c.shipments)
			if got.Status != c.want || !sameTime(got.DeliveredAt, c.delivered) {
				t.Errorf("got %s %v, want %s %v", got.Status, got.DeliveredAt, c.want, c.delivered)
			}
		})
	}
}
