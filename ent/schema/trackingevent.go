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

	"github.com/aftercart/aftercart/ent/schema/types"

	"github.com/aftercart/aftercart/ent/privacy"
	"github.com/aftercart/aftercart/ent/schema/rule"
)

// TrackingEvent is one carrier checkpoint. Events are append-only and
// idempotent on (shipment, external id): the same webhook delivered twice is
// stored once.
type TrackingEvent struct{ ent.Schema }

// Fields of the TrackingEvent.
func (TrackingEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Int("shipment_id").Immutable().Comment("The shipment tracked.").Annotations(entgql.Skip()),
		field.String("external_id").
			NotEmpty().
			MaxLen(128).
			Immutable().
			Comment("The sender's id for this checkpoint; duplicates are ignored.").
			Annotations(entgql.MapsTo("externalId"), entgql.Skip(entgql.SkipWhereInput)),
		field.Enum("status").
			GoType(types.TrackingStatus("")).
			Immutable().
			Comment("Normalized status at this checkpoint.").
			Annotations(entgql.Type("TrackingStatus")),
		field.String("sub_status").
			Optional().
			Nillable().
			MaxLen(256).
			Immutable().
			Comment("Carrier detail, e.g. \"Customs hold\"."),
		field.String("message").
			Default("").
			MaxLen(1024).
			Immutable().
			Comment("The carrier's description of the checkpoint."),
		field.String("location").
			Optional().
			Nillable().
			MaxLen(256).
			Immutable().
			Comment("Where it happened, as the carrier wrote it, e.g. \"Leipzig, DE\"."),
		field.Time("occurred_at").
			Immutable().
			Comment("When it happened, per the carrier.").
			Annotations(entgql.OrderField("OCCURRED_AT")),
		field.Time("recorded_at").
			Immutable().
			Default(time.Now).
			Comment("When aftercart received it.").
			Annotations(entgql.OrderField("RECORDED_AT")),
	}
}

// Edges of the TrackingEvent.
func (TrackingEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("shipment", Shipment.Type).
			Ref("events").
			Field("shipment_id").
			Unique().
			Required().
			Immutable().
			Comment("The shipment tracked."),
	}
}

// Indexes of the TrackingEvent.
func (TrackingEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("shipment_id", "external_id").Unique(),
		// The timeline's page order (occurred_at DESC, id DESC as the tie-break):
		// a page of first events per shipment reads first+1 index entries and
		// sorts nothing, however long the timeline (graph/orderstatus.go).
		index.Fields("shipment_id", "occurred_at", "id").
			Annotations(entsql.DescColumns("occurred_at", "id")),
	}
}

// Annotations of the TrackingEvent.
func (TrackingEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("One carrier checkpoint on a shipment's timeline."), entgql.RelayConnection()}
}

// Policy of the TrackingEvent: see package rule.
func (TrackingEvent) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopeTrackingEvents()},
	}
}
