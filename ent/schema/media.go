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
)

// Media is one uploaded photo or video (package server/media). It is
// written once, by the upload, and changes only when something (a review, a
// community post) attaches it; media nobody attaches within a day is
// deleted with its blobs.
//
// Exactly one owner is set: a customer, or a staff token's subject. The
// bytes live in blob storage under unguessable keys; the row keeps what
// serving and cleanup need.
type Media struct{ ent.Schema }

// Fields of the Media.
func (Media) Fields() []ent.Field {
	return []ent.Field{
		field.Int("owner_customer_id").
			Optional().
			Nillable().
			Immutable().
			Comment("The customer who uploaded it; null for staff uploads.").
			Annotations(entgql.Skip()),
		field.String("owner_staff").
			Optional().
			Nillable().
			Immutable().
			MaxLen(128).
			Comment("The staff token's subject that uploaded it; null for customer uploads.").
			Annotations(entgql.Skip()),
		field.Enum("kind").
			Values("PHOTO", "VIDEO").
			Immutable().
			Comment("PHOTO or VIDEO, decided from the content, never the file name."),
		field.String("content_type").
			Immutable().
			MaxLen(64).
			Comment("The stored original's MIME type, from the sniffed content: image/jpeg, image/png, image/webp, video/mp4 or video/webm."),
		field.Int64("byte_size").
			Immutable().
			NonNegative().
			Comment("Size of the stored original in bytes (after metadata was stripped)."),
		field.Int("width").
			Optional().
			Nillable().
			Immutable().
			Comment("Width in pixels, as displayed (orientation applied); null when unknown (videos)."),
		field.Int("height").
			Optional().
			Nillable().
			Immutable().
			Comment("Height in pixels, as displayed (orientation applied); null when unknown (videos)."),
		field.String("blob_key").
			Unique().
			Immutable().
			NotEmpty().
			MaxLen(128).
			Comment("Blob-storage key of the original: random, unguessable.").
			Annotations(entgql.Skip()),
		field.String("thumbnail_key").
			Optional().
			Nillable().
			Immutable().
			MaxLen(128).
			Comment("Blob-storage key of the JPEG thumbnail; null for videos.").
			Annotations(entgql.Skip()),
		field.String("sha256").
			Immutable().
			MinLen(64).
			MaxLen(64).
			Comment("Hex SHA-256 of the stored original, for integrity checks.").
			Annotations(entgql.Skip()),
		field.Time("created_at").
			Immutable().
			Default(time.Now).
			Comment("When it was uploaded."),
		field.Int("review_id").
			Optional().
			Nillable().
			Comment("The review it is attached to, if any.").
			Annotations(entgql.Skip()),
		field.Int("post_id").
			Optional().
			Nillable().
			Comment("The community post it is attached to, if any (at most one parent: Attach refuses attached media).").
			Annotations(entgql.Skip()),
		field.Int("position").
			Default(0).
			Comment("Its place among its parent's media, from 0.").
			Annotations(entgql.Skip()),
		field.Time("attached_at").
			Optional().
			Nillable().
			Comment("When something (a review, a post) first attached it; null while unattached.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Edges of the Media.
func (Media) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("owner_customer", Customer.Type).
			Field("owner_customer_id").
			Unique().
			Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip()).
			Comment("The customer who uploaded it."),
		edge.From("review", Review.Type).
			Ref("attachments").
			Field("review_id").
			Unique().
			Annotations(entgql.Skip()).
			Comment("The review it is attached to."),
		edge.From("post", Post.Type).
			Ref("attachments").
			Field("post_id").
			Unique().
			Annotations(entgql.Skip()).
			Comment("The community post it is attached to."),
	}
}

// Indexes of the Media.
func (Media) Indexes() []ent.Index {
	return []ent.Index{
		// Cleanup's query: unattached media older than a day, oldest first.
		index.Fields("attached_at", "created_at"),
		// A customer's own media (privacy filter, and Attach's check).
		index.Fields("owner_customer_id"),
		// A review's media, in order.
		index.Fields("review_id", "position"),
		// A post's media, in order.
		index.Fields("post_id", "position"),
	}
}

// Annotations of the Media.
func (Media) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An uploaded photo or video, to attach to a review or a community post."),
	}
}

// Policy of the Media: see package rule. Media is written only by the
// media service (as system, after its own checks).
func (Media) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopeMedia()},
	}
}
