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

// Comment is a comment on a post, or a reply to one (parent_id set; one
// level only: a reply's parent is a top-level comment, checked by
// server/community). It is moderated like a post and seen only when
// it and its post are (rule.ScopeComments).
//
// The GraphQL surface (Post.comments, addComment) comes with the next
// slice of issue 11; the type is skipped until then.
type Comment struct{ ent.Schema }

// Mixin of the Comment.
func (Comment) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Comment.
func (Comment) Fields() []ent.Field {
	skip := entgql.Skip(entgql.SkipAll)
	return []ent.Field{
		field.Int("post_id").Immutable().Comment("The post commented on.").Annotations(skip),
		field.Int("parent_id").Optional().Nillable().Immutable().Comment("The top-level comment this replies to; null for a top-level comment.").Annotations(skip),
		field.Int("customer_id").Immutable().Comment("The author.").Annotations(skip),
		// body is resolved by hand (schema/community_talk.graphql): other
		// viewers get censored_body when it is set.
		field.Text("body").NotEmpty().MaxLen(5000).Comment("The comment's text, as its author wrote it.").Annotations(skip),
		field.Text("censored_body").Optional().Nillable().Comment("The text with censored watched words masked, for other viewers; null when nothing is censored.").Annotations(skip),
		field.Enum("status").GoType(types.ModerationStatus("")).Default(string(types.ModerationPending)).
			Comment("Where the comment stands in moderation; only PUBLISHED comments reach other viewers.").
			Annotations(entgql.Type("ModerationStatus")),
		field.String("status_reason").Optional().Nillable().MaxLen(1000).Comment("Why staff rejected or hid the comment; shown to its author and staff.").
			Annotations(entgql.Skip(entgql.SkipOrderField)),
		field.String("author_name").Default("").MaxLen(160).Comment("The author's display name, fixed when written or edited.").Annotations(skip),
		field.Strings("watched_words").Optional().Comment("Watched words (REQUIRE_APPROVAL or FLAG) matched when last written; for staff.").Annotations(skip),
		field.Float("flag_score").Default(0).Comment("The sum of the weights of the comment's OPEN flags.").Annotations(skip),
		field.Time("flagged_at").Optional().Nillable().Comment("When flags hid the comment and queued it; null when no decision is due.").Annotations(skip),
		field.Time("edited_at").Optional().Nillable().Comment("When the author last edited the comment; null if never."),
	}
}

// Edges of the Comment.
func (Comment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("post", Post.Type).Ref("comments").Field("post_id").Unique().Required().Immutable().Comment("The post commented on."),
		// The annotation belongs on the "replies" edge, before From: on
		// the inverse edge entsql ignores it and the key was SET NULL.
		// replies is resolved by hand (oldest first, as the viewer may see
		// them); parent is the generated edge.
		edge.To("replies", Comment.Type).
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipAll)).
			From("parent").Field("parent_id").Unique().Immutable().Comment("The top-level comment this replies to; null for a top-level comment."),
		edge.To("author", Customer.Type).Field("customer_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipAll)).Comment("The author."),
	}
}

// Indexes of the Comment.
func (Comment) Indexes() []ent.Index {
	return []ent.Index{
		// A post's thread, oldest first.
		index.Fields("post_id", "status", "created_at"),
		index.Fields("parent_id"),
		// The moderation queue.
		index.Fields("status", "created_at"),
		index.Fields("customer_id", "created_at"),
	}
}

// Annotations of the Comment.
func (Comment) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A comment on a community post, or a reply to one (one level), moderated like posts."),
		entgql.RelayConnection(),
		entgql.Implements("Moderatable"),
		// Lists take explicit arguments (Post.comments).
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// Policy of the Comment: see rule.ScopeComments.
func (Comment) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopeComments()},
	}
}

// Reaction is one customer's reaction of one kind on a post: at most one
// per post, customer and kind (a unique index, so a double tap counts
// once). Posts keep a counter per kind, written in the reaction's
// transaction under the post's row lock.
type Reaction struct{ ent.Schema }

// Fields of the Reaction.
func (Reaction) Fields() []ent.Field {
	return []ent.Field{
		field.Int("post_id").Immutable().Comment("The post."),
		field.Int("customer_id").Immutable().Comment("Who reacted."),
		field.Enum("kind").GoType(types.ReactionKind("")).Immutable().Comment("The reaction."),
		field.Time("created_at").Immutable().Default(time.Now).Comment("When; the \"most reacted in the last 7 days\" feed counts by it."),
	}
}

// Edges of the Reaction.
func (Reaction) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("post", Post.Type).Ref("reactions").Field("post_id").Unique().Required().Immutable().Comment("The post."),
		edge.To("customer", Customer.Type).Field("customer_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("Who reacted."),
	}
}

// Indexes of the Reaction.
func (Reaction) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("post_id", "customer_id", "kind").Unique(),
		index.Fields("created_at", "post_id"),
		index.Fields("customer_id"),
	}
}

// Annotations of the Reaction.
func (Reaction) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A reaction on a community post."), entgql.Skip(entgql.SkipAll)}
}

// Policy of the Reaction: written by server/community only; a customer
// reads their own (Post.viewerReactions), counts are on the post.
func (Reaction) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopeOwnReactions()},
	}
}

// Flag is a customer's report of a review, post or comment: once per
// item per customer, never on one's own content. Its weight is fixed when
// it is made, from the flagger's record then (settled flags: upheld raise
// it, rejected lower it; server/community.FlagWeight), so a record that
// changes later never rewrites a score already summed. Like the
// moderation trail it has no foreign key to the item, whose kind varies,
// and it outlives the item: flaggers' records must not forget.
type Flag struct{ ent.Schema }

// Fields of the Flag.
func (Flag) Fields() []ent.Field {
	return []ent.Field{
		field.Int("item_id").Immutable().Comment("The item flagged (a global id: a review, a post or a comment)."),
		field.String("item_type").Immutable().NotEmpty().MaxLen(64).Comment("The item's GraphQL type."),
		field.Int("item_author_id").Optional().Nillable().Immutable().Comment("The item's author, for per-author views."),
		field.Int("customer_id").Immutable().Comment("The flagger."),
		field.Enum("reason").GoType(types.FlagReason("")).Immutable().Comment("Why."),
		field.String("note").Optional().Nillable().Immutable().MaxLen(500).Comment("The flagger's words; required for OTHER."),
		field.Float("weight").Immutable().Comment("What the flag adds to the item's score, from the flagger's record when flagging."),
		field.Enum("outcome").GoType(types.FlagOutcome("")).Default(string(types.FlagOpen)).Comment("OPEN until staff decide on the item."),
		field.Time("decided_at").Optional().Nillable().Comment("When the outcome was settled."),
		field.Time("created_at").Immutable().Default(time.Now).Comment("When the flag was made."),
	}
}

// Edges of the Flag.
func (Flag) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("flagger", Customer.Type).Field("customer_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("The flagger."),
	}
}

// Indexes of the Flag.
func (Flag) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("item_id", "customer_id").Unique(),
		index.Fields("item_id", "outcome"),
		// The flagger's record: settled flags by outcome.
		index.Fields("customer_id", "outcome"),
		index.Fields("item_author_id"),
	}
}

// Annotations of the Flag.
func (Flag) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A customer's flag on a review, post or comment."), entgql.Skip(entgql.SkipAll)}
}

// Policy of the Flag: staff read flags; written by server/community only.
func (Flag) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), privacy.AlwaysDenyRule()},
	}
}
