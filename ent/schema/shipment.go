package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/aftercart/aftercart/ent/schema/types"

	"github.com/aftercart/aftercart/ent/privacy"
	"github.com/aftercart/aftercart/ent/schema/rule"
)

// Shipment is one package of an order, handed to a carrier with a tracking
// number. Its status and estimates are the latest word from the carrier,
// folded from its tracking events by server/tracking.
type Shipment struct{ ent.Schema }

// Mixin of the Shipment.
func (Shipment) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Shipment.
func (Shipment) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id").Immutable().Comment("The order shipped.").Annotations(entgql.Skip()),
		field.String("carrier").
			NotEmpty().
			MaxLen(64).
			Comment("Carrier code, upper-case, e.g. \"UPS\", \"DHL\", \"ROYAL_MAIL\"."),
		field.String("tracking_number").
			NotEmpty().
			MaxLen(128).
			Comment("The carrier's tracking number, normalized (upper-case, no spaces)."),
		field.String("tracking_url").
			Optional().
			Nillable().
			MaxLen(2048).
			Comment("Where the customer can follow the parcel on the carrier's site.").
			Annotations(entgql.MapsTo("trackingUrl"), entgql.Skip(entgql.SkipWhereInput)),
		field.Enum("status").
			GoType(types.TrackingStatus("")).
			Default(string(types.TrackingPending)).
			Comment("Normalized status: the latest checkpoint's, except that DELIVERED is never regressed by a late event.").
			Annotations(entgql.Type("TrackingStatus"), entgql.OrderField("STATUS")),
		field.String("sub_status").
			Optional().
			Nillable().
			MaxLen(256).
			Comment("Carrier detail for the status, e.g. \"Customs hold\"."),
		field.Time("first_estimated_delivery_at").
			Optional().
			Nillable().
			Comment("The first delivery estimate the carrier gave; compare with the latest to show a slip."),
		field.Time("latest_estimated_delivery_at").
			Optional().
			Nillable().
			Comment("The most recent delivery estimate."),
		field.Time("shipped_at").
			Optional().
			Nillable().
			Comment("When the carrier first reported the parcel moving."),
		field.Time("delivered_at").
			Optional().
			Nillable().
			Comment("When the parcel was delivered."),
		field.Time("last_event_at").
			Optional().
			Nillable().
			Comment("Occurrence time of the newest checkpoint."),
	}
}

// Edges of the Shipment.
func (Shipment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("order", Order.Type).
			Ref("shipments").
			Field("order_id").
			Unique().
			Required().
			Immutable().
			Comment("The order shipped."),
		edge.To("items", ShipmentItem.Type).
			Comment("What is in the package.").
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("events", TrackingEvent.Type).
			Comment("The carrier's checkpoints, newest first unless orderBy says otherwise.").
			Annotations(entgql.RelayConnection(), entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of the Shipment.
func (Shipment) Indexes() []ent.Index {
	return []ent.Index{
		// Carrier events are matched to shipments by carrier and tracking number.
		index.Fields("carrier", "tracking_number").Unique(),
		index.Fields("order_id"),
	}
}

// Annotations of the Shipment.
func (Shipment) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("One package of an order, handed to a carrier, with its tracking timeline."), entgql.RelayConnection()}
}

// Policy of the Shipment: see package rule.
func (Shipment) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopeShipments()},
	}
}
