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

// LoyaltyTier is a VIP level reached by rolling 12-month spend. Money is in
// minor units of the program's currency (server/loyalty.Config.Currency);
// the multiplier is in hundredths, so 1.25× is 125 and points stay exact.
type LoyaltyTier struct{ ent.Schema }

// Mixin of the LoyaltyTier.
func (LoyaltyTier) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the LoyaltyTier.
func (LoyaltyTier) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(64).Unique().Comment("The tier's name, e.g. \"Gold\"."),
		field.Int64("threshold_minor").NonNegative().Unique().Comment("Rolling 12-month spend that reaches the tier, in minor units."),
		field.Int("multiplier_percent").Positive().Default(100).Comment("Points multiplier in hundredths: 150 earns 1.5 points per currency unit."),
		field.Strings("benefits").Optional().Comment("What the tier gives, in words, in display order."),
	}
}

// Annotations of the LoyaltyTier.
func (LoyaltyTier) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A VIP level reached by rolling 12-month spend."), entgql.Skip(entgql.SkipAll)}
}

// Policy of the LoyaltyTier: the program's tiers are public to signed-in viewers.
func (LoyaltyTier) Policy() ent.Policy {
	return privacy.Policy{Mutation: rule.StaffOnlyMutations(), Query: privacy.QueryPolicy{rule.AllowAll()}}
}

// Reward is an entry of the rewards catalogue: what a number of points buys.
type Reward struct{ ent.Schema }

// Mixin of the Reward.
func (Reward) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Reward.
func (Reward) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(128).Comment("The reward's name, e.g. \"€5 off\"."),
		field.Int64("points_cost").Positive().Comment("Points it costs.").Annotations(entgql.OrderField("POINTS_COST")),
		field.Enum("kind").GoType(types.RewardKind("")).Comment("What its code does at checkout.").
			Annotations(entgql.Type("RewardKind")),
		field.Int64("value_minor").NonNegative().Default(0).Comment("The code's value, in minor units of currency (0 for free shipping).").
			Annotations(entgql.Skip()),
		field.String("currency").MinLen(3).MaxLen(3).Comment("ISO 4217 code of the value.").Annotations(entgql.Skip()),
		field.Int("code_valid_days").Positive().Default(90).Comment("Days a code issued for it stays valid."),
		field.Bool("active").Default(true).Comment("Whether customers can redeem it now."),
	}
}

// Annotations of the Reward.
func (Reward) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("What a number of points buys."),
		// A Node with a connection (Query.rewards, resolved by
		// server/loyalty: customers see active rewards only). Staff manage
		// it through domain mutations, not generated inputs.
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// Policy of the Reward: the catalogue is public.
func (Reward) Policy() ent.Policy {
	return privacy.Policy{Mutation: rule.StaffOnlyMutations(), Query: privacy.QueryPolicy{rule.AllowAll()}}
}

// RewardCode is a code issued for a redeemed reward, used once at the
// store's checkout. The code is random (crypto/rand), never derived from
// ids, so it cannot be guessed from another.
type RewardCode struct{ ent.Schema }

// Mixin of the RewardCode.
func (RewardCode) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the RewardCode.
func (RewardCode) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").NotEmpty().MaxLen(32).Unique().Immutable().Comment("The code the customer types at checkout."),
		field.Int("customer_id").Immutable().Comment("Who redeemed it."),
		field.Int("reward_id").Immutable().Comment("The reward bought."),
		field.Enum("kind").GoType(types.RewardKind("")).Immutable().Comment("What it does at checkout (copied from the reward)."),
		field.Int64("value_minor").Immutable().Comment("Its value, in minor units (copied from the reward)."),
		field.String("currency").MinLen(3).MaxLen(3).Immutable().Comment("ISO 4217 code of the value."),
		field.Int64("points_cost").Immutable().Comment("Points paid for it (what a refund gives back)."),
		field.Time("expires_at").Immutable().Comment("After this the store refuses it."),
		field.Time("used_at").Optional().Nillable().Comment("When checkout used it."),
		field.String("used_order_ref").Optional().Nillable().MaxLen(128).Comment("The store's reference of the order that used it."),
		field.Int("used_order_id").Optional().Nillable().Comment("The order that used it, once imported."),
		field.Time("refunded_at").Optional().Nillable().Comment("When staff refunded it to points; a refunded code is void."),
	}
}

// Edges of the RewardCode.
func (RewardCode) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("customer", Customer.Type).Field("customer_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("Who redeemed it."),
		edge.To("reward", Reward.Type).Field("reward_id").Unique().Required().Immutable().Comment("The reward bought."),
		edge.To("used_order", Order.Type).Field("used_order_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull)).Comment("The order that used it."),
	}
}

// Indexes of the RewardCode.
func (RewardCode) Indexes() []ent.Index {
	return []ent.Index{index.Fields("customer_id", "id")}
}

// Annotations of the RewardCode.
func (RewardCode) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A reward's single-use checkout code."), entgql.Skip(entgql.SkipAll)}
}

// Policy of the RewardCode: see package rule.
func (RewardCode) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopeRewardCodes()},
	}
}
