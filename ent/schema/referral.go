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
	"github.com/aftercart/aftercart/ent/schema/types"
)

// Referral is a friend brought by a customer's referral code. It pays both
// once the friend's first order is delivered and kept past its return
// window; one referral per friend (the unique friend_id).
type Referral struct{ ent.Schema }

// Mixin of the Referral.
func (Referral) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Referral. Only status, createdAt and completedAt are
// generated GraphQL fields: the friend's display name and the staff-only
// fields (hold reason, decision, the two customers) are resolved by hand
// (schema/referrals.graphql), so a referrer never reads the friend's data.
func (Referral) Fields() []ent.Field {
	skip := entgql.Skip(entgql.SkipAll)
	return []ent.Field{
		field.Int("referrer_id").Immutable().Comment("The customer whose code was used.").Annotations(skip),
		field.Int("friend_id").Unique().Immutable().Comment("The referred customer: one referral each.").Annotations(skip),
		field.String("code").NotEmpty().MaxLen(32).Immutable().Comment("The code used.").Annotations(skip),
		field.Enum("status").GoType(types.ReferralStatus("")).Default(string(types.ReferralPending)).Comment("Where the referral stands.").
			Annotations(entgql.Type("ReferralStatus"), entgql.Skip(entgql.SkipOrderField)),
		field.String("hold_reason").Optional().Nillable().MaxLen(1000).Comment("Why the fraud checks HELD the referral for staff; kept after staff decide.").Annotations(skip),
		field.Int("first_order_id").Optional().Nillable().Comment("The friend's first order, once known.").Annotations(skip),
		field.Time("completed_at").Optional().Nillable().Comment("When both rewards were paid."),
		field.String("decision_reason").Optional().Nillable().MaxLen(1000).
			Comment("Why staff released or canceled the referral, or why it was canceled on its own (the first order returned).").Annotations(skip),
		field.String("decided_by").Optional().Nillable().MaxLen(320).Comment("The staff token's subject that released or canceled it; \"system\" for an automatic cancel.").Annotations(skip),
		field.Time("decided_at").Optional().Nillable().Comment("When it was released or canceled.").Annotations(skip),
	}
}

// Edges of the Referral.
func (Referral) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("referrer", Customer.Type).Field("referrer_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipAll)).Comment("The customer whose code was used."),
		edge.To("friend", Customer.Type).Field("friend_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipAll)).Comment("The referred customer."),
		edge.To("first_order", Order.Type).Field("first_order_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull), entgql.Skip(entgql.SkipAll)).Comment("The friend's first order."),
	}
}

// Indexes of the Referral.
func (Referral) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("referrer_id", "id"), index.Fields("status"),
		// The completion sweep: pending referrals by their first order.
		index.Fields("first_order_id"),
		// The weekly cap: a referrer's rewards completed since a date.
		index.Fields("referrer_id", "completed_at"),
	}
}

// Annotations of the Referral.
func (Referral) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A friend brought by a customer's referral code."),
		// A Node (node(id:) answers for the referrer and staff only, see
		// rule.ScopeReferrals) listed through ReferralProgram.referrals and
		// Query.referrals: no generic filter or mutation inputs.
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// Policy of the Referral: see package rule.
func (Referral) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopeReferrals()},
	}
}

// ItemReturn is units of an order line the customer sent back. It is the
// minimal model the returns issue extends (a return request with its own
// status, refunds, labels): a row per return event rather than a counter
// on the order line, so that two returns of one line at different times
// stay two facts, each reversing its own share of the points once (its id
// is the reversal's idempotency key).
type ItemReturn struct{ ent.Schema }

// Mixin of the ItemReturn.
func (ItemReturn) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the ItemReturn.
func (ItemReturn) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_item_id").Immutable().Comment("The order line."),
		field.Int("quantity").Positive().Immutable().Comment("Units returned."),
		field.String("reason").Optional().Nillable().MaxLen(1000).Immutable().Comment("Why, as staff recorded it."),
		field.String("actor").Optional().Nillable().MaxLen(320).Immutable().Comment("The staff token's subject that recorded it."),
	}
}

// Edges of the ItemReturn.
func (ItemReturn) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("order_item", OrderItem.Type).Field("order_item_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("The order line."),
	}
}

// Indexes of the ItemReturn.
func (ItemReturn) Indexes() []ent.Index {
	return []ent.Index{index.Fields("order_item_id")}
}

// Annotations of the ItemReturn.
func (ItemReturn) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("Units of an order line the customer sent back."), entgql.Skip(entgql.SkipAll)}
}

// Policy of the ItemReturn: see package rule.
func (ItemReturn) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopeItemReturns()},
	}
}
