package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"github.com/aftercart/aftercart/ent/privacy"
	"github.com/aftercart/aftercart/ent/schema/rule"
	"github.com/aftercart/aftercart/ent/schema/types"
)

// Customer is a shopper of the store. Customers are created by the store's
// integration when it imports their first order; a CUSTOMER token is bound to
// one of them by email.
type Customer struct{ ent.Schema }

// Mixin of the Customer.
func (Customer) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Customer.
func (Customer) Fields() []ent.Field {
	return []ent.Field{
		field.String("email").
			Unique().
			NotEmpty().
			MaxLen(320).
			Comment("The customer's email address, lower-cased; unique in the store."),
		field.String("external_id").
			Optional().
			Nillable().
			Unique().
			MaxLen(128).
			Comment("The store platform's id for this customer, if it has one.").
			Annotations(entgql.MapsTo("externalId"), entgql.Skip(entgql.SkipWhereInput)),
		field.String("first_name").
			Default("").
			MaxLen(128).
			Comment("Given name, as used in greetings (\"Hi Mina\")."),
		field.String("last_name").
			Default("").
			MaxLen(128).
			Comment("Family name."),
		// Community standing (server/community). The order status fast
		// path renders Customer field by field (graph/orderstatus_render.go):
		// a field shown here needs its case there.
		field.Enum("community_trust").GoType(types.CommunityTrust("")).Default(string(types.TrustAuto)).
			Comment("Staff's override of the community trust rule: AUTO leaves it to the rule.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("silenced_until").Optional().Nillable().
			Comment("Until when staff silenced the customer in the community (no posts, comments, reactions or flags); null when never silenced or unsilenced, a past time once the silence is over.").
			Annotations(gqlTypeOnly),
		field.String("silence_reason").Optional().Nillable().MaxLen(1000).
			Comment("Why staff silenced the customer; shown to them and to staff (the only viewers of a Customer).").
			Annotations(gqlTypeOnly),
		field.String("silenced_by").Optional().Nillable().MaxLen(320).
			Comment("The staff token's subject that silenced the customer (the trail has every change).").
			Annotations(entgql.Skip(entgql.SkipAll)),
		// Quiet hours (server/notify) are the customer's night, not the
		// server's.
		field.String("time_zone").Optional().Nillable().MaxLen(64).
			Validate(func(s string) error { _, err := time.LoadLocation(s); return err }).
			Comment("The customer's IANA time zone (e.g. Europe/Berlin), as the store sent it; null: the store's default.").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// gqlTypeOnly shows a field on the GraphQL type only: no filter, order or
// mutation input takes it.
var gqlTypeOnly = entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)

// Edges of the Customer.
func (Customer) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("orders", Order.Type).
			Comment("The customer's orders.").
			Annotations(entgql.RelayConnection()),
	}
}

// Annotations of the Customer.
func (Customer) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A shopper of the store."),
		entgql.RelayConnection(),
		entgql.QueryField().Description("Customers visible to the viewer: all of them for staff, only themselves for a customer."),
	}
}

// Policy of the Customer: see package rule.
func (Customer) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopeCustomers()},
	}
}
