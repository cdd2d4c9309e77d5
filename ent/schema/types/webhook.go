package types

import (
	"io"
	"strconv"
)

// WebhookEvent is an event the store's own systems can subscribe an
// outbound webhook endpoint to (server/hooks). Each is written where the
// server records what it names, in the transaction of its cause.
type WebhookEvent string

// The webhook events.
const (
	// WebhookOrderCreated: an order was imported for the first time.
	WebhookOrderCreated WebhookEvent = "ORDER_CREATED"
	// WebhookOrderStatusChanged: an order's derived fulfillment status
	// changed (shipped, delivered, canceled, ...).
	WebhookOrderStatusChanged WebhookEvent = "ORDER_STATUS_CHANGED"
	// WebhookShipmentException: a shipment's status became EXCEPTION.
	WebhookShipmentException WebhookEvent = "SHIPMENT_EXCEPTION"
	// WebhookShipmentDelivered: a shipment's status became DELIVERED.
	WebhookShipmentDelivered WebhookEvent = "SHIPMENT_DELIVERED"
	// WebhookReviewPublished: a review became PUBLISHED (on creation when
	// auto-published, or by a moderation decision).
	WebhookReviewPublished WebhookEvent = "REVIEW_PUBLISHED"
	// WebhookReferralCompleted: a referral became COMPLETE (both rewards
	// paid).
	WebhookReferralCompleted WebhookEvent = "REFERRAL_COMPLETED"
)

// WebhookEvents lists every webhook event, in documentation order.
var WebhookEvents = []WebhookEvent{WebhookOrderCreated, WebhookOrderStatusChanged, WebhookShipmentException,
	WebhookShipmentDelivered, WebhookReviewPublished, WebhookReferralCompleted}

// Values lists the valid events; ent uses it to build the enum column.
func (WebhookEvent) Values() []string { return stringsOf(WebhookEvents) }

// Valid reports whether e is one of the known events.
func (e WebhookEvent) Valid() bool { return contains(WebhookEvents, e) }

// MarshalGQL writes the event as a GraphQL enum value.
func (e WebhookEvent) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(e))) }

// UnmarshalGQL reads a GraphQL enum value.
func (e *WebhookEvent) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, e, WebhookEvents, "WebhookEvent")
}
