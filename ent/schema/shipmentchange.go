package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/aftercart/aftercart/ent/privacy"
	"github.com/aftercart/aftercart/ent/schema/rule"
)

// ShipmentChange is the change log behind live updates: one row per change a
// subscriber must see (a new checkpoint, a new shipment, an estimate that
// moved), written in the same transaction as the change.
//
// Its id is the subscription cursor. Every write to an order's shipments
// holds that order's row lock (one writer at a time on SQLite), so within an
// order ids increase in commit order: "everything after cursor C" is exactly
// what a reconnecting client missed.
type ShipmentChange struct{ ent.Schema }

// Fields of the ShipmentChange.
func (ShipmentChange) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id").Immutable().Comment("The order whose subscribers see this update."),
		field.Int("shipment_id").Immutable().Comment("The shipment that changed."),
		field.Int("event_id").Optional().Nillable().Immutable().Comment("The new checkpoint, if the update is one."),
		field.Time("created_at").Immutable().Default(time.Now).Comment("When the change was recorded."),
	}
}

// Edges of the ShipmentChange.
func (ShipmentChange) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("order", Order.Type).Field("order_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("The order."),
		edge.To("shipment", Shipment.Type).Field("shipment_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("The shipment."),
		edge.To("event", TrackingEvent.Type).Field("event_id").Unique().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("The checkpoint."),
	}
}

// Indexes of the ShipmentChange.
func (ShipmentChange) Indexes() []ent.Index {
	// "Updates of order O after cursor C, in order" is the only query; the
	// other foreign keys get an index each so that deleting a shipment or an
	// event (ON DELETE CASCADE) does not scan the change log.
	return []ent.Index{
		index.Fields("order_id", "id"),
		index.Fields("shipment_id"),
		index.Fields("event_id"),
	}
}

// Annotations of the ShipmentChange.
func (ShipmentChange) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A change to an order's shipments, as streamed to subscribers."),
		entgql.Skip(entgql.SkipAll),
	}
}

// Policy of the ShipmentChange: internal to the live-update pipeline, which
// reads it as system and re-checks each subscriber's access itself.
func (ShipmentChange) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), privacy.AlwaysDenyRule()},
	}
}
