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

// The community's change logs, one per live feed (server/live). Their ids
// are the feeds' cursors; how each keeps them in commit order is in
// server/community/doc.go ("Live feeds"). None has a foreign key to the
// item it reports: a REMOVED change must outlive a deleted post.

// PostChange is the change log behind postAdded and the open pages'
// updates: one row per topic stream a change belongs to (the post's topic,
// and 0 for "all topics"), written in the transaction that changes what
// other viewers see of a post, under live.LockTopic of that stream.
type PostChange struct{ ent.Schema }

// Fields of the PostChange.
func (PostChange) Fields() []ent.Field {
	return []ent.Field{
		field.Int("topic_id").Immutable().Comment("The stream: a topic's id, or 0 for all topics."),
		field.Int("post_id").Immutable().Comment("The post."),
		field.Enum("kind").GoType(types.FeedChange("")).Immutable().Comment("ADDED, UPDATED or REMOVED, as other viewers see it."),
		field.Time("created_at").Immutable().Default(time.Now).Comment("When the change was recorded."),
	}
}

// Indexes of the PostChange.
func (PostChange) Indexes() []ent.Index {
	return []ent.Index{index.Fields("topic_id", "id"), index.Fields("post_id")}
}

// Annotations of the PostChange.
func (PostChange) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A change to a topic's visible posts, as streamed."), entgql.Skip(entgql.SkipAll)}
}

// Policy of the PostChange: internal to the live feed.
func (PostChange) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), privacy.AlwaysDenyRule()},
	}
}

// CommentChange is the change log behind an open post's live comments:
// written in the comment's transaction, which holds the post's row lock
// (as the reply feed does with the review's).
type CommentChange struct{ ent.Schema }

// Fields of the CommentChange.
func (CommentChange) Fields() []ent.Field {
	return []ent.Field{
		field.Int("post_id").Immutable().Comment("The post whose subscribers see the change."),
		field.Int("comment_id").Immutable().Comment("The comment."),
		field.Enum("kind").GoType(types.FeedChange("")).Immutable().Comment("ADDED, UPDATED or REMOVED, as other viewers see it."),
		field.Bool("public").Immutable().Default(false).
			Comment("Whether other viewers may see the change (the post was PUBLISHED when it was written); otherwise only the comment's author and staff."),
		field.Int("author_id").Immutable().Comment("The comment's author, who sees their own changes."),
		field.Time("created_at").Immutable().Default(time.Now).Comment("When the change was recorded."),
	}
}

// Edges of the CommentChange.
func (CommentChange) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("post", Post.Type).Field("post_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("The post."),
	}
}

// Indexes of the CommentChange.
func (CommentChange) Indexes() []ent.Index { return []ent.Index{index.Fields("post_id", "id")} }

// Annotations of the CommentChange.
func (CommentChange) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A change to a post's comments, as streamed."), entgql.Skip(entgql.SkipAll)}
}

// Policy of the CommentChange: internal to the live feed.
func (CommentChange) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), privacy.AlwaysDenyRule()},
	}
}

// ModerationQueueChange is the change log behind moderationQueueChanged:
// an item entered or left the queue. One stream for the whole queue;
// writers take live.LockTopic on it before inserting (the items' own row
// locks do not serialize different items).
type ModerationQueueChange struct{ ent.Schema }

// Fields of the ModerationQueueChange.
func (ModerationQueueChange) Fields() []ent.Field {
	return []ent.Field{
		field.Int("item_id").Immutable().Comment("The item (a review, a post or a comment)."),
		field.String("item_type").Immutable().NotEmpty().MaxLen(64).Comment("The item's GraphQL type."),
		field.Enum("kind").GoType(types.QueueChange("")).Immutable().Comment("ENTERED or LEFT."),
		field.Time("created_at").Immutable().Default(time.Now).Comment("When the change was recorded."),
	}
}

// Annotations of the ModerationQueueChange.
func (ModerationQueueChange) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("An item entering or leaving the moderation queue, as streamed."), entgql.Skip(entgql.SkipAll)}
}

// Policy of the ModerationQueueChange: internal to the live feed.
func (ModerationQueueChange) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), privacy.AlwaysDenyRule()},
	}
}
