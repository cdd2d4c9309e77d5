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

// SupportContacts' channels and topics. The topic is what later readers
// of the table want most: "anxiety detection" looks for customers asking
// where their parcel is (DELIVERY), and "one customer timeline" shows
// every contact beside the customer's orders and messages.
var (
	SupportChannels = []string{"EMAIL", "PHONE", "CHAT", "SOCIAL", "OTHER"}
	SupportTopics   = []string{"DELIVERY", "RETURN", "PRODUCT", "PAYMENT", "OTHER"}
)

// SupportContact is one time a customer contacted the store's support,
// as the store's help desk tells aftercart (recordSupportContact, staff
// only). The order confirmation reads it (server/notify: a customer who
// contacted support lately gets the reassuring variant); it is also the
// raw material of a customer's timeline. Rows are facts, never edited: a
// help desk that sends the same ticket twice names it in external_id,
// which is unique, and the second is a no-op.
type SupportContact struct{ ent.Schema }

// Mixin of the SupportContact.
func (SupportContact) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the SupportContact.
func (SupportContact) Fields() []ent.Field {
	skip := entgql.Skip(entgql.SkipAll)
	return []ent.Field{
		field.Int("customer_id").Immutable().Comment("The customer who made contact.").Annotations(skip),
		field.Int("order_id").Optional().Nillable().Immutable().Comment("The order it was about, if the help desk knows.").Annotations(skip),
		field.Enum("channel").Values(SupportChannels...).Immutable().
			Comment("How the customer made contact: EMAIL, PHONE, CHAT, SOCIAL or OTHER."),
		field.Enum("topic").Values(SupportTopics...).Default("OTHER").Immutable().
			Comment("What it was about, as the help desk classed it: DELIVERY (where is my parcel), RETURN, PRODUCT, PAYMENT or OTHER."),
		field.Time("at").Immutable().
			Comment("When the customer made contact (not when aftercart heard of it)."),
		field.Text("note").Optional().Nillable().MaxLen(2000).Immutable().
			Comment("The help desk's short note; staff only, never shown to the customer.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.String("external_id").Optional().Nillable().MaxLen(255).Unique().Immutable().
			Comment("The help desk's ticket or conversation id: the same id recorded twice is one contact.").
			Annotations(entgql.MapsTo("externalId"), entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.String("recorded_by").MaxLen(320).Immutable().
			Comment("Who recorded it (the staff or integration token's subject).").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
	}
}

// Edges of the SupportContact.
func (SupportContact) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("customer", Customer.Type).Field("customer_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("The customer who made contact."),
		edge.To("order", Order.Type).Field("order_id").Unique().Immutable().
			Annotations(entsql.OnDelete(entsql.SetNull)).Comment("The order it was about, if any."),
	}
}

// Indexes of the SupportContact.
func (SupportContact) Indexes() []ent.Index {
	return []ent.Index{
		// A customer's contacts by time: the confirmation's "contacted in
		// the last N days" and the customer timeline.
		index.Fields("customer_id", "at"),
		index.Fields("order_id"),
	}
}

// Annotations of the SupportContact.
func (SupportContact) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A customer's contact with the store's support, as its help desk reported it: staff only."),
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// Policy of the SupportContact: staff only, and a customer's query is
// FORBIDDEN (what a customer told support is not for other customers,
// and their own contacts are read through the help desk).
func (SupportContact) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.DenyForbidden("support contacts are for staff")},
	}
}
