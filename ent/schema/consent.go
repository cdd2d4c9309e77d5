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

// ConsentSources are where a consent change came from: the signed
// one-click unsubscribe link of a marketing email (RFC 8058), staff, the
// customer's own setting, or the store's import.
var ConsentSources = []string{"UNSUBSCRIBE_LINK", "STAFF", "CUSTOMER", "IMPORT"}

// Consent is a customer's marketing consent on one channel (server/notify):
// a marketing message on a channel without a row saying yes is SKIPPED
// (opt-in, as EU stores need). Transactional messages need none. One row
// per customer and channel, changed in place; changed_at and source say
// the last change.
type Consent struct{ ent.Schema }

// Fields of the Consent.
func (Consent) Fields() []ent.Field {
	return []ent.Field{
		field.Int("customer_id").Immutable().Comment("The customer."),
		field.Enum("channel").Values(MessageChannels...).Immutable().Comment("The channel the consent is for."),
		field.Bool("marketing").Comment("Whether the customer accepts marketing messages on the channel."),
		field.Time("changed_at").Comment("When it last changed."),
		field.Enum("source").Values(ConsentSources...).Comment("Where the last change came from."),
		field.String("changed_by").Optional().Nillable().MaxLen(320).
			Comment("Who made the last change when staff did (the staff token's subject); null otherwise."),
	}
}

// Edges of the Consent.
func (Consent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("customer", Customer.Type).Field("customer_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("The customer."),
	}
}

// Indexes of the Consent.
func (Consent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("customer_id", "channel").Unique()}
}

// Annotations of the Consent: read and changed through server/notify
// (schema/consent.graphql), never through generated CRUD.
func (Consent) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A customer's marketing consent on one channel."), entgql.Skip(entgql.SkipAll)}
}

// Policy of the Consent: server/notify reads and writes it as the system
// after checking who asks; any other path is refused.
func (Consent) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.DenyForbidden("consents are read through viewer.consents")},
	}
}
