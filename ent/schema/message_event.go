package schema

import (
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

// MessageEventTypes are what can happen to a sent message: the customer
// opened it (its pixel loaded), clicked one of its links, ordered within
// the conversion window after a click; unsubscribed through its one-click
// link; or a rule was waived for it (a transactional message sent although the
// customer is at the weekly cap or has no marketing consent: it says so).
var MessageEventTypes = []string{"OPENED", "CLICKED", "CONVERTED", "EXEMPT", "UNSUBSCRIBED"}

// MessageEvent is one engagement event of a message (server/notify): each
// open, each click, a conversion (an order after a click, linked to the
// order), an unsubscribe through its one-click link, or a rule a transactional message was exempt
// from. Counted per journey and campaign for staff.
type MessageEvent struct{ ent.Schema }

// Fields of the MessageEvent.
func (MessageEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Int("message_id").Immutable().Comment("The message."),
		field.Enum("type").Values(MessageEventTypes...).Immutable().Comment("What happened."),
		field.Time("at").Immutable().Comment("When it happened."),
		field.String("url").Optional().Nillable().MaxLen(2048).Immutable().Comment("The link clicked (CLICKED)."),
		field.Int("order_id").Optional().Nillable().Immutable().Comment("The order placed (CONVERTED)."),
		field.String("detail").Optional().Nillable().MaxLen(500).Immutable().Comment("What a rule said (EXEMPT)."),
	}
}

// Edges of the MessageEvent.
func (MessageEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("message", Message.Type).Field("message_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("The message."),
		edge.To("order", Order.Type).Field("order_id").Unique().Immutable().
			Annotations(entsql.OnDelete(entsql.SetNull)).Comment("The order placed (CONVERTED)."),
	}
}

// Indexes of the MessageEvent.
func (MessageEvent) Indexes() []ent.Index {
	return []ent.Index{
		// Conversion: a customer's clicks since a date go through messages.
		index.Fields("type", "at"),
		// One conversion per message and order. It also serves a
		// message's events and the stats' EXISTS per type (its leading
		// columns), so no separate (message_id, type) index.
		index.Fields("message_id", "type", "order_id").Unique(),
	}
}

// Annotations of the MessageEvent: counted through schema/engagement.graphql.
func (MessageEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("An engagement event of a message."), entgql.Skip(entgql.SkipAll)}
}

// Policy of the MessageEvent: staff and the system only.
func (MessageEvent) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.DenyForbidden("message events are for staff")},
	}
}
