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

// Review is a customer's rating and text about a product: one per customer
// per product. Its moderation status decides who sees it (see
// server/reviews and rule.ScopeReviews): only PUBLISHED reviews reach
// anyone but their author and staff, through every path.
//
// Counters that list screens sort or filter on (helpful votes, whether the
// merchant replied, whether media is attached) are kept on the row, written
// in the transactions that change them, so that a product page is one
// indexed query instead of a join per review.
type Review struct{ ent.Schema }

// Mixin of the Review.
func (Review) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Review.
func (Review) Fields() []ent.Field {
	skip := entgql.Skip(entgql.SkipAll)
	return []ent.Field{
		field.Int("product_id").Immutable().Comment("The product reviewed.").Annotations(skip),
		field.Int("customer_id").Immutable().Comment("The author.").Annotations(skip),
		field.Int("order_item_id").Optional().Nillable().
			Comment("The delivered order line that makes the author a verified buyer; shown to the author and staff only.").
			Annotations(skip),
		field.Int("rating").Range(1, 5).
			Comment("Stars, 1 to 5.").
			Annotations(entgql.OrderField("RATING")),
		// title and body are resolved by hand (gqlgen.yml): viewers other
		// than the author and staff get the censored copies when set.
		field.String("title").Optional().Nillable().MaxLen(150).
			Comment("Optional headline; censored watched words are masked for anyone but its author and staff."),
		field.Text("body").NotEmpty().MaxLen(5000).
			Comment("The review's text; censored watched words are masked for anyone but its author and staff."),
		field.String("censored_title").Optional().Nillable().MaxLen(150).
			Comment("The title with CENSOR watched words masked; null when nothing is censored.").Annotations(skip),
		field.Text("censored_body").Optional().Nillable().
			Comment("The text with CENSOR watched words masked; null when nothing is censored.").Annotations(skip),
		field.Enum("status").GoType(types.ModerationStatus("")).Default(string(types.ModerationPending)).
			Comment("Where the review stands in moderation; only PUBLISHED reviews reach other viewers.").
			Annotations(entgql.Type("ModerationStatus")),
		field.String("status_reason").Optional().Nillable().MaxLen(1000).
			Comment("Why staff rejected or hid the review; shown to its author and staff.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.Bool("verified_buyer").Default(false).
			Comment("The author received this product in a delivered order."),
		field.Int("helpful_count").Default(0).NonNegative().
			Comment("How many customers found the review helpful.").
			Annotations(entgql.OrderField("HELPFUL_COUNT")),
		field.Bool("featured").Default(false).
			Comment("Staff chose the review for the store's showcase."),
		field.Bool("has_media").Default(false).
			Comment("The review has photos or videos attached."),
		field.Bool("merchant_replied").Default(false).
			Comment("The store has replied to the review."),
		field.Time("edited_at").Optional().Nillable().
			Comment("When the author last edited the review; null if never."),
		field.String("author_name").Default("").MaxLen(160).
			Comment("The author's display name (\"Mina O.\"), fixed when the review is written or edited.").
			Annotations(skip),
		field.Strings("watched_words").Optional().
			Comment("Watched words (REQUIRE_APPROVAL or FLAG) the review matched when last written; for staff.").
			Annotations(skip),
	}
}

// Edges of the Review.
func (Review) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("product", Product.Type).Ref("reviews").Field("product_id").Unique().Required().Immutable().
			Comment("The product reviewed.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("author", Customer.Type).Field("customer_id").Unique().Required().Immutable().
			Comment("The author; other viewers see only the display name.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("order_item", OrderItem.Type).Field("order_item_id").Unique().
			Comment("The order line behind the verified-buyer mark.").
			Annotations(entgql.Skip(entgql.SkipAll), entsql.OnDelete(entsql.SetNull)),
		edge.To("replies", ReviewReply.Type).
			Comment("The thread of replies, oldest first.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput), entsql.OnDelete(entsql.Cascade)),
		edge.To("votes", ReviewVote.Type).
			Comment("Helpful votes.").
			Annotations(entgql.Skip(entgql.SkipAll), entsql.OnDelete(entsql.Cascade)),
		edge.To("reply_changes", ReviewReplyChange.Type).
			Comment("The reply feed's change log.").
			Annotations(entgql.Skip(entgql.SkipAll), entsql.OnDelete(entsql.Cascade)),
		// Review.media is declared in schema/reviews.graphql and ordered by
		// position (server/reviews). Deleting a review detaches its media
		// (server/reviews), which the media cleanup then deletes with their
		// blobs.
		edge.To("attachments", Media.Type).
			Comment("The photos and videos attached, in the author's order (Media.position).").
			Annotations(entgql.Skip(entgql.SkipAll), entsql.OnDelete(entsql.SetNull)),
	}
}

// Indexes of the Review.
func (Review) Indexes() []ent.Index {
	return []ent.Index{
		// One review per customer per product.
		index.Fields("product_id", "customer_id").Unique(),
		// A product's published reviews, newest first (the default list).
		index.Fields("product_id", "status", "created_at"),
		// The moderation queue (pending, oldest first) and the showcase.
		index.Fields("status", "created_at"),
		index.Fields("customer_id"),
		index.Fields("order_item_id"),
	}
}

// Annotations of the Review.
func (Review) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A customer's review of a product: rating, text, moderation status, replies."),
		entgql.RelayConnection(),
		entgql.Implements("Moderatable"),
		// Lists take explicit sort and filter arguments (schema/reviews.graphql)
		// rather than a generic where input, which would also let anyone
		// probe columns the API does not show.
		entgql.Skip(entgql.SkipWhereInput),
	}
}

// Policy of the Review: see rule.ScopeReviews.
func (Review) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopeReviews()},
	}
}

// ReviewReply is one message in a review's thread: from the store (staff),
// or an answer from the review's author.
type ReviewReply struct{ ent.Schema }

// Fields of the ReviewReply.
func (ReviewReply) Fields() []ent.Field {
	return []ent.Field{
		field.Int("review_id").Immutable().Comment("The review replied to.").Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("customer_id").Optional().Nillable().Immutable().
			Comment("The review's author, when they wrote this reply; null for the store.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Bool("by_merchant").Immutable().Default(false).
			Comment("The store wrote this reply."),
		field.String("author_name").Immutable().Default("").MaxLen(160).
			Comment("Who wrote it, as shown: the store's name or the author's display name."),
		field.Text("body").NotEmpty().MaxLen(5000).
			Comment("The reply's text."),
		field.Time("created_at").Immutable().Default(time.Now).
			Comment("When the reply was written.").
			Annotations(entgql.OrderField("CREATED_AT")),
	}
}

// Edges of the ReviewReply.
func (ReviewReply) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("review", Review.Type).Ref("replies").Field("review_id").Unique().Required().Immutable().
			Comment("The review replied to."),
	}
}

// Indexes of the ReviewReply.
func (ReviewReply) Indexes() []ent.Index {
	return []ent.Index{index.Fields("review_id", "created_at")}
}

// Annotations of the ReviewReply.
func (ReviewReply) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A reply in a review's thread, from the store or the review's author."),
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipWhereInput),
	}
}

// Policy of the ReviewReply: a reply is visible exactly when its review is.
func (ReviewReply) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopeReviewReplies()},
	}
}

// ReviewReplyChange is the change log behind reviewReplyAdded: one row per
// reply, written in the reply's transaction. Its id is the subscription
// cursor. Every writer of a review's log holds that review's row lock
// (SELECT ... FOR UPDATE in server/reviews; SQLite serializes writers), so
// within a review ids increase in commit order (the live engine's
// commit-order contract). It is a table of its own, rather than the reply
// ids, so that edits and removals of replies can join the feed later
// without changing its cursors.
type ReviewReplyChange struct{ ent.Schema }

// Fields of the ReviewReplyChange.
func (ReviewReplyChange) Fields() []ent.Field {
	return []ent.Field{
		field.Int("review_id").Immutable().Comment("The review whose subscribers see this change."),
		field.Int("reply_id").Immutable().Comment("The reply added."),
		field.Bool("public").Immutable().Default(false).
			Comment("Whether the review was PUBLISHED when the reply was written: a reply to a hidden or pending review streams only to its author and staff, even if the review is published again before a subscriber reads it."),
		field.Time("created_at").Immutable().Default(time.Now).Comment("When the change was recorded."),
	}
}

// Edges of the ReviewReplyChange.
func (ReviewReplyChange) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("review", Review.Type).Ref("reply_changes").Field("review_id").Unique().Required().Immutable().
			Comment("The review."),
		edge.To("reply", ReviewReply.Type).Field("reply_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("The reply."),
	}
}

// Indexes of the ReviewReplyChange.
func (ReviewReplyChange) Indexes() []ent.Index {
	return []ent.Index{index.Fields("review_id", "id"), index.Fields("reply_id")}
}

// Annotations of the ReviewReplyChange.
func (ReviewReplyChange) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A change to a review's thread, as streamed to subscribers."),
		entgql.Skip(entgql.SkipAll),
	}
}

// Policy of the ReviewReplyChange: internal to the live feed, which reads
// it as system and applies the feed's own authorization.
func (ReviewReplyChange) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), privacy.AlwaysDenyRule()},
	}
}

// ReviewVote is one customer's "helpful" vote on a review: at most one per
// customer per review (a unique index, so concurrent double clicks count
// once).
type ReviewVote struct{ ent.Schema }

// Fields of the ReviewVote.
func (ReviewVote) Fields() []ent.Field {
	return []ent.Field{
		field.Int("review_id").Immutable().Comment("The review."),
		field.Int("customer_id").Immutable().Comment("The voter."),
		field.Time("created_at").Immutable().Default(time.Now).Comment("When the vote was cast."),
	}
}

// Edges of the ReviewVote.
func (ReviewVote) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("review", Review.Type).Ref("votes").Field("review_id").Unique().Required().Immutable().
			Comment("The review."),
	}
}

// Indexes of the ReviewVote.
func (ReviewVote) Indexes() []ent.Index {
	return []ent.Index{index.Fields("review_id", "customer_id").Unique()}
}

// Annotations of the ReviewVote.
func (ReviewVote) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A helpful vote on a review."), entgql.Skip(entgql.SkipAll)}
}

// Policy of the ReviewVote: written and read by server/reviews only.
func (ReviewVote) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), privacy.AlwaysDenyRule()},
	}
}
