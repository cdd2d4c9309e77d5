package types

import (
	"fmt"
	"io"
	"strconv"
)

// TrackingStatus is the normalized status of a shipment or of one carrier
// checkpoint. The vocabulary is the one tracking aggregators (AfterShip,
// EasyPost, ...) already use, so a store can forward their events unchanged.
type TrackingStatus string

// The tracking statuses, in the order a parcel usually goes through them.
const (
	TrackingPending            TrackingStatus = "PENDING"
	TrackingInfoReceived       TrackingStatus = "INFO_RECEIVED"
	TrackingInTransit          TrackingStatus = "IN_TRANSIT"
	TrackingOutForDelivery     TrackingStatus = "OUT_FOR_DELIVERY"
	TrackingAttemptFail        TrackingStatus = "ATTEMPT_FAIL"
	TrackingAvailableForPickup TrackingStatus = "AVAILABLE_FOR_PICKUP"
	TrackingDelivered          TrackingStatus = "DELIVERED"
	TrackingException          TrackingStatus = "EXCEPTION"
	TrackingExpired            TrackingStatus = "EXPIRED"
)

var trackingStatuses = []TrackingStatus{
	TrackingPending, TrackingInfoReceived, TrackingInTransit, TrackingOutForDelivery,
	TrackingAttemptFail, TrackingAvailableForPickup, TrackingDelivered, TrackingException, TrackingExpired,
}

// Values lists the valid statuses; ent uses it to build the enum column.
func (TrackingStatus) Values() []string { return stringsOf(trackingStatuses) }

// Valid reports whether s is one of the known statuses.
func (s TrackingStatus) Valid() bool { return contains(trackingStatuses, s) }

// InTransit reports whether the parcel has left the shipper: any status after
// the label was created.
func (s TrackingStatus) InTransit() bool {
	return s != TrackingPending && s != TrackingInfoReceived && s != ""
}

// MarshalGQL writes the status as a GraphQL enum value.
func (s TrackingStatus) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }

// UnmarshalGQL reads a GraphQL enum value.
func (s *TrackingStatus) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, s, trackingStatuses, "TrackingStatus")
}

// OrderStatus is an order's fulfillment status. It is derived from the order's
// shipments (see server/orders) rather than set by hand, so it cannot drift
// from what the parcels are doing.
type OrderStatus string

// The order statuses.
const (
	OrderUnfulfilled        OrderStatus = "UNFULFILLED"
	OrderPartiallyShipped   OrderStatus = "PARTIALLY_SHIPPED"
	OrderShipped            OrderStatus = "SHIPPED"
	OrderPartiallyDelivered OrderStatus = "PARTIALLY_DELIVERED"
	OrderDelivered          OrderStatus = "DELIVERED"
	OrderCanceled           OrderStatus = "CANCELED"
)

var orderStatuses = []OrderStatus{
	OrderUnfulfilled, OrderPartiallyShipped, OrderShipped, OrderPartiallyDelivered, OrderDelivered, OrderCanceled,
}

// Values lists the valid statuses; ent uses it to build the enum column.
func (OrderStatus) Values() []string { return stringsOf(orderStatuses) }

// Valid reports whether s is one of the known statuses.
func (s OrderStatus) Valid() bool { return contains(orderStatuses, s) }

// MarshalGQL writes the status as a GraphQL enum value.
func (s OrderStatus) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }

// UnmarshalGQL reads a GraphQL enum value.
func (s *OrderStatus) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, s, orderStatuses, "OrderStatus")
}

func stringsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func contains[T comparable](vs []T, v T) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func unmarshalEnum[T ~string](v any, dst *T, valid []T, name string) error {
	str, ok := v.(string)
	if !ok {
		return fmt.Errorf("%s must be a string", name)
	}
	if !contains(valid, T(str)) {
		return fmt.Errorf("%q is not a valid %s", str, name)
	}
	*dst = T(str)
	return nil
}
