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
	"github.com/aftercart/aftercart/ent/schema/types"
)

// The loyalty program's ledger (server/loyalty/doc.go has the rules): an
// append-only list of entries per customer, and an account row per
// customer holding the sums, written in the same transaction.

// LoyaltyAccount is one customer's balances and standing. available and
// pending are the sums of the customer's entries by status, kept in the
// transaction that writes the entries; the CHECK constraints are the
// backstop behind the guarded updates that spend points.
type LoyaltyAccount struct{ ent.Schema }

// Mixin of the LoyaltyAccount.
func (LoyaltyAccount) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the LoyaltyAccount.
func (LoyaltyAccount) Fields() []ent.Field {
	return []ent.Field{
		field.Int("customer_id").Unique().Immutable().Comment("The customer."),
		field.Int64("available").Default(0).Comment("Points the customer can spend: the sum of their AVAILABLE, SPENT and REVERSED entries."),
		field.Int64("pending").Default(0).Comment("Points not yet available: the sum of their PENDING entries."),
		field.Int("tier_id").Optional().Nillable().Comment("The tier the customer's rolling 12-month spend qualifies for; null below the lowest threshold."),
		field.Int64("qualifying_spend_minor").Default(0).Comment("Rolling 12-month qualifying spend when the tier was last computed, in minor units of the program's currency."),
		field.Time("tier_review_at").Optional().Nillable().Comment("When spend next rolls off the 12-month window and the tier must be recomputed (the sweep's index)."),
		field.Time("last_activity_at").Optional().Nillable().Comment("Last earning or redemption: available points expire after a period without activity."),
		field.String("referral_code").Optional().Nillable().Unique().MaxLen(32).Comment("The customer's referral code, issued on first use."),
	}
}

// Edges of the LoyaltyAccount.
func (LoyaltyAccount) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("customer", Customer.Type).Field("customer_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("The customer."),
		edge.To("tier", LoyaltyTier.Type).Field("tier_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull)).Comment("The current tier."),
	}
}

// Indexes of the LoyaltyAccount.
func (LoyaltyAccount) Indexes() []ent.Index {
	return []ent.Index{
		// One account per customer (a Unique() on an edge's field makes no
		// index by itself); the account upsert conflicts on it.
		index.Fields("customer_id").Unique(),
		index.Fields("tier_review_at"), index.Fields("last_activity_at"),
	}
}

// Annotations of the LoyaltyAccount.
func (LoyaltyAccount) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A customer's loyalty balances, tier and referral code."),
		entsql.Checks(map[string]string{
			"loyalty_account_available_nonnegative": "available >= 0",
			"loyalty_account_pending_nonnegative":   "pending >= 0",
		}),
		entgql.Skip(entgql.SkipAll),
	}
}

// Policy of the LoyaltyAccount: see package rule.
func (LoyaltyAccount) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopeLoyaltyAccounts()},
	}
}

// LoyaltyEntry is one line of a customer's points ledger. Entries are
// never deleted and their points never change: a correction is a new
// entry. The idempotency key names the entry's source ("order:42:earn"),
// so a replayed trigger cannot credit twice.
type LoyaltyEntry struct{ ent.Schema }

// Mixin of the LoyaltyEntry.
func (LoyaltyEntry) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the LoyaltyEntry.
func (LoyaltyEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Int("customer_id").Immutable().Comment("Whose ledger the entry is on.").Annotations(entgql.Skip()),
		field.Enum("kind").GoType(types.EntryKind("")).Immutable().Comment("Why the entry exists.").
			Annotations(entgql.Type("LoyaltyEntryKind")),
		field.Int64("points").Immutable().Comment("Signed points: positive credits, negative debits."),
		field.Enum("status").GoType(types.EntryStatus("")).Comment("Which balance the entry counts in; PENDING entries are released at available_at.").
			Annotations(entgql.Type("LoyaltyEntryStatus")),
		field.Time("available_at").Optional().Nillable().Immutable().Comment("When pending points become available (the order's return window end); null for entries available at once."),
		field.String("reason").Optional().Nillable().MaxLen(1000).Immutable().Comment("Why, in words: a staff adjustment's reason, what a reversal took back."),
		field.String("idempotency_key").NotEmpty().MaxLen(200).Unique().Immutable().Comment("The entry's source, unique: the same trigger replayed credits once.").Annotations(entgql.Skip()),
		field.Int("order_id").Optional().Nillable().Immutable().Comment("The order the points are for.").Annotations(entgql.Skip()),
		field.Int("review_id").Optional().Nillable().Comment("The review the points are for (null once the review is deleted).").Annotations(entgql.Skip()),
		field.Int("post_id").Optional().Nillable().Comment("The community post the points are for (null once the post is deleted).").Annotations(entgql.Skip()),
		field.Int("reward_code_id").Optional().Nillable().Immutable().Comment("The reward code bought or refunded.").Annotations(entgql.Skip()),
		field.Int("reverses_id").Optional().Nillable().Immutable().Comment("The entry this one takes back (in part).").Annotations(entgql.Skip()),
		field.Int("item_return_id").Optional().Nillable().Immutable().Comment("The return that caused this reversal.").Annotations(entgql.Skip()),
		field.Int("referral_id").Optional().Nillable().Immutable().Comment("The referral the points are for.").Annotations(entgql.Skip()),
		field.String("actor").Optional().Nillable().MaxLen(320).Immutable().Comment("The staff token's subject, for adjustments and refunds.").Annotations(entgql.Skip()),
	}
}

// Edges of the LoyaltyEntry.
func (LoyaltyEntry) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("customer", Customer.Type).Field("customer_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip()).Comment("Whose ledger the entry is on."),
		edge.To("order", Order.Type).Field("order_id").Unique().Immutable().Comment("The order the points are for; null for entries not about an order."),
		edge.To("review", Review.Type).Field("review_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull), entgql.Skip()).Comment("The review the points are for."),
		edge.To("post", Post.Type).Field("post_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull), entgql.Skip()).Comment("The post the points are for."),
		edge.To("reward_code", RewardCode.Type).Field("reward_code_id").Unique().Immutable().Annotations(entgql.Skip()).Comment("The reward code bought or refunded."),
		edge.To("reversals", LoyaltyEntry.Type).Annotations(entgql.Skip()).From("reverses").Field("reverses_id").Unique().Immutable().
			Annotations(entgql.Skip()).Comment("The entry this one takes back."),
		edge.To("item_return", ItemReturn.Type).Field("item_return_id").Unique().Immutable().Annotations(entgql.Skip()).Comment("The return behind this reversal."),
		edge.To("referral", Referral.Type).Field("referral_id").Unique().Immutable().Annotations(entgql.Skip()).Comment("The referral the points are for."),
	}
}

// Indexes of the LoyaltyEntry.
func (LoyaltyEntry) Indexes() []ent.Index {
	return []ent.Index{
		// The ledger, newest first.
		index.Fields("customer_id", "id"),
		// The release sweep: pending entries due.
		index.Fields("status", "available_at"),
		index.Fields("order_id"),
		index.Fields("review_id"),
		index.Fields("post_id"),
	}
}

// Annotations of the LoyaltyEntry.
func (LoyaltyEntry) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One line of a customer's points ledger."),
		entsql.Checks(map[string]string{"loyalty_entry_points_nonzero": "points <> 0"}),
		// A Node with a connection (Loyalty.ledger); privacy scopes it to
		// its customer, so another's entry by node(id:) looks missing.
		// Read-only: every write goes through server/loyalty.
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// Policy of the LoyaltyEntry: see package rule.
func (LoyaltyEntry) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopeLoyaltyEntries()},
	}
}

// LoyaltyChange is the change log behind loyaltyUpdated (server/live): one
// row per transaction that changed a customer's balances or tier, written
// under the account's row lock, so ids per customer follow commit order.
type LoyaltyChange struct{ ent.Schema }

// Fields of the LoyaltyChange.
func (LoyaltyChange) Fields() []ent.Field {
	return []ent.Field{
		field.Int("customer_id").Immutable().Comment("Whose balances changed."),
		field.Time("created_at").Immutable().Default(time.Now).Comment("When the change was recorded."),
	}
}

// Indexes of the LoyaltyChange.
func (LoyaltyChange) Indexes() []ent.Index {
	return []ent.Index{index.Fields("customer_id", "id")}
}

// Annotations of the LoyaltyChange.
func (LoyaltyChange) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A change to a customer's loyalty balances or tier, as streamed."), entgql.Skip(entgql.SkipAll)}
}

// Policy of the LoyaltyChange: internal to the live feed.
func (LoyaltyChange) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), privacy.AlwaysDenyRule()},
	}
}
