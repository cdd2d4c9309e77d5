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

// Fields of the Referral.
func (Referral) Fields() []ent.Field {
	return []ent.Field{
		field.Int("referrer_id").Immutable().Comment("The customer whose code was used."),
		field.Int("friend_id").Unique().Immutable().Comment("The referred customer: one referral each."),
		field.String("code").NotEmpty().MaxLen(32).Immutable().Comment("The code used."),
		field.Enum("status").GoType(types.ReferralStatus("")).Default(string(types.ReferralPending)).Comment("Where the referral stands."),
		field.String("hold_reason").Optional().Nillable().MaxLen(1000).Comment("Why a HELD referral waits for staff, or why it was canceled."),
		field.Int("first_order_id").Optional().Nillable().Comment("The friend's first order, once known."),
		field.Time("completed_at").Optional().Nillable().Comment("When both rewards were paid."),
	}
}

// Edges of the Referral.
func (Referral) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("referrer", Customer.Type).Field("referrer_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("The customer whose code was used."),
		edge.To("friend", Customer.Type).Field("friend_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("The referred customer."),
		edge.To("first_order", Order.Type).Field("first_order_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull)).Comment("The friend's first order."),
	}
}

// Indexes of the Referral.
func (Referral) Indexes() []ent.Index {
	return []ent.Index{index.Fields("referrer_id", "id"), index.Fields("status")}
}

// Annotations of the Referral.
func (Referral) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A friend brought by a customer's referral code."), entgql.Skip(entgql.SkipAll)}
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
