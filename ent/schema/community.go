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

// The community's data model (issue 11) is described as a whole in
// server/community/doc.go: topics and posts here, comments, reactions and
// flags in community_talk.go, the live feeds' change logs in
// community_changes.go, trust and silence on Customer.

// Topic is a section of the community that staff manage (Unboxing,
// How-to, ...). Its slug names it in URLs and in the API.
type Topic struct{ ent.Schema }

// Mixin of the Topic.
func (Topic) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Topic.
func (Topic) Fields() []ent.Field {
	return []ent.Field{
		field.String("slug").Unique().NotEmpty().MaxLen(64).
			Comment("The topic's name in URLs and in the API (\"unboxing\"): lower-case letters, digits and single hyphens."),
		field.String("name").NotEmpty().MaxLen(80).Comment("The topic's display name."),
		field.String("description").Default("").MaxLen(500).Comment("What belongs in the topic, in a sentence or two."),
		field.Int("position").Default(0).Comment("Where the topic is listed: ascending, set by staff (reorderTopics)."),
	}
}

// Edges of the Topic.
func (Topic) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("posts", Post.Type).
			Comment("The topic's posts (the posts query lists them).").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of the Topic.
func (Topic) Indexes() []ent.Index { return []ent.Index{index.Fields("position")} }

// Annotations of the Topic.
func (Topic) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A section of the community, managed by staff."),
		entgql.Skip(entgql.SkipWhereInput),
	}
}

// Policy of the Topic: public; staff manage them.
func (Topic) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.AllowAll()},
	}
}

// Post is a customer's post in a topic: text, up to 10 photos or videos
// (Media.post_id, in Media.position order), product tags (PostProduct). Its
// moderation status decides who sees it (rule.ScopePosts).
//
// What list screens show without a query per post lives on the row,
// written in the transactions that change it under the post's row lock:
// the published-comment count, one reaction counter per kind, the flag
// score.
type Post struct{ ent.Schema }

// Mixin of the Post.
func (Post) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Post.
func (Post) Fields() []ent.Field {
	skip := entgql.Skip(entgql.SkipAll)
	return []ent.Field{
		field.Int("topic_id").Comment("The topic posted in.").Annotations(skip),
		field.Int("customer_id").Immutable().Comment("The author.").Annotations(skip),
		// body is resolved by hand (schema/community.graphql): other
		// viewers get censored_body when it is set.
		field.Text("body").NotEmpty().MaxLen(10000).Comment("The post's text, as its author wrote it.").Annotations(skip),
		field.Text("censored_body").Optional().Nillable().
			Comment("The text with censored watched words masked, for viewers other than the author and staff; null when nothing is censored.").
			Annotations(skip),
		field.Enum("status").GoType(types.ModerationStatus("")).Default(string(types.ModerationPending)).
			Comment("Where the post stands in moderation; only PUBLISHED posts reach other viewers.").
			Annotations(entgql.Type("ModerationStatus")),
		field.String("status_reason").Optional().Nillable().MaxLen(1000).
			Comment("Why staff rejected or hid the post; shown to its author and staff.").
			Annotations(entgql.Skip(entgql.SkipOrderField)),
		field.Bool("verified_buyer").Default(false).
			Comment("The author received at least one of the tagged products (each tag says which)."),
		field.String("author_name").Default("").MaxLen(160).
			Comment("The author's display name, fixed when the post is written or edited.").Annotations(skip),
		field.Strings("watched_words").Optional().
			Comment("Watched words (REQUIRE_APPROVAL or FLAG) the post matched when last written; for staff.").Annotations(skip),
		field.Float("flag_score").Default(0).
			Comment("The sum of the weights of the post's OPEN flags; past the threshold the post is hidden and queued.").Annotations(skip),
		field.Time("flagged_at").Optional().Nillable().
			Comment("When flags hid the post and queued it for a staff decision; null when none is due.").Annotations(skip),
		field.Int("comment_count").Default(0).NonNegative().
			Comment("PUBLISHED comments on the post (what every viewer counts).").Annotations(skip),
		field.Int("like_count").Default(0).NonNegative().Comment("LIKE reactions.").Annotations(skip),
		field.Int("love_count").Default(0).NonNegative().Comment("LOVE reactions.").Annotations(skip),
		field.Int("helpful_count").Default(0).NonNegative().Comment("HELPFUL reactions.").Annotations(skip),
		field.Time("published_at").Optional().Nillable().
			Comment("When the post was first published (at once, or when approved); it orders the feed and earns loyalty points once. Null while it never was.").
			Annotations(entgql.OrderField("PUBLISHED_AT")),
		field.Time("edited_at").Optional().Nillable().
			Comment("When the author last edited the post; null if never."),
	}
}

// Edges of the Post.
func (Post) Edges() []ent.Edge {
	skip := entgql.Skip(entgql.SkipAll)
	return []ent.Edge{
		edge.From("topic", Topic.Type).Ref("posts").Field("topic_id").Unique().Required().
			Comment("The topic posted in.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("author", Customer.Type).Field("customer_id").Unique().Required().Immutable().
			Comment("The author; other viewers see only the display name.").
			Annotations(skip, entsql.OnDelete(entsql.Cascade)),
		// Deleting a post detaches its media (server/community), which the
		// media cleanup then deletes with their blobs.
		edge.To("attachments", Media.Type).
			Comment("The photos and videos attached, in the author's order (Media.position).").
			Annotations(skip, entsql.OnDelete(entsql.SetNull)),
		edge.To("tags", PostProduct.Type).
			Comment("The products tagged, each with its verified-buyer mark.").
			Annotations(skip, entsql.OnDelete(entsql.Cascade)),
		edge.To("comments", Comment.Type).
			Comment("Comments and replies.").
			Annotations(skip, entsql.OnDelete(entsql.Cascade)),
		edge.To("reactions", Reaction.Type).
			Comment("Reactions (counted on the post's row).").
			Annotations(skip, entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of the Post.
func (Post) Indexes() []ent.Index {
	return []ent.Index{
		// The feed: a topic's published posts, newest first; and across topics.
		index.Fields("topic_id", "status", "published_at"),
		index.Fields("status", "published_at"),
		// The moderation queue (pending, oldest first).
		index.Fields("status", "created_at"),
		// An author's own posts, and the trust rule's look-ups.
		index.Fields("customer_id", "created_at"),
	}
}

// Annotations of the Post.
func (Post) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A customer's post in a community topic: text, photos and videos, product tags, moderation status."),
		entgql.RelayConnection(),
		entgql.Implements("Moderatable"),
		// Lists take explicit arguments (schema/community.graphql).
		entgql.Skip(entgql.SkipWhereInput),
	}
}

// Policy of the Post: see rule.ScopePosts.
func (Post) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopePosts()},
	}
}

// PostProduct tags a product in a post, with its own verified-buyer mark:
// the author received that product in a delivered shipment. The order line
// behind the mark is kept for the author and staff, as reviews do.
type PostProduct struct{ ent.Schema }

// Fields of the PostProduct.
func (PostProduct) Fields() []ent.Field {
	return []ent.Field{
		field.Int("post_id").Immutable().Comment("The post."),
		field.Int("product_id").Immutable().Comment("The product tagged."),
		field.Int("position").Default(0).Comment("Its place among the post's tags, from 0."),
		field.Bool("verified_buyer").Default(false).Comment("The author received this product."),
		field.Int("order_item_id").Optional().Nillable().Comment("The delivered order line behind the mark."),
		field.Time("created_at").Immutable().Default(time.Now).Comment("When the product was tagged."),
	}
}

// Edges of the PostProduct.
func (PostProduct) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("post", Post.Type).Ref("tags").Field("post_id").Unique().Required().Immutable().Comment("The post."),
		edge.To("product", Product.Type).Field("product_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("The product."),
		edge.To("order_item", OrderItem.Type).Field("order_item_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull)).Comment("The order line behind the mark."),
	}
}

// Indexes of the PostProduct.
func (PostProduct) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("post_id", "product_id").Unique(),
		// A product's community posts (the product page, next).
		index.Fields("product_id"),
		index.Fields("order_item_id"),
	}
}

// Annotations of the PostProduct.
func (PostProduct) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A product tagged in a post."), entgql.Skip(entgql.SkipAll)}
}

// Policy of the PostProduct: a tag is visible exactly when its post is.
func (PostProduct) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopePostProducts()},
	}
}
