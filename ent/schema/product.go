package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"github.com/aftercart/aftercart/ent/privacy"
	"github.com/aftercart/aftercart/ent/schema/rule"
)

// Product is a sellable item (a variant, in most store platforms), upserted by
// SKU when orders are imported. Reviews, community posts and replenishment
// reminders hang off products.
type Product struct{ ent.Schema }

// Mixin of the Product.
func (Product) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Product.
func (Product) Fields() []ent.Field {
	return []ent.Field{
		field.String("sku").
			Unique().
			NotEmpty().
			MaxLen(128).
			Comment("The store's stock-keeping unit; the product's identity across imports."),
		field.String("name").
			NotEmpty().
			MaxLen(256).
			Comment("Display name.").
			Annotations(entgql.OrderField("NAME")),
		field.Text("description").
			Default("").
			Comment("Longer description, plain text."),
		field.String("image_url").
			Optional().
			Nillable().
			MaxLen(2048).
			Comment("URL of the product's main image.").
			Annotations(entgql.MapsTo("imageUrl"), entgql.Skip(entgql.SkipWhereInput)),
		field.String("category").
			Default("").
			MaxLen(128).
			Comment("Store category, e.g. \"Coffee\" or \"Apparel\"."),
		field.Int("reorder_interval_days").
			Optional().
			Nillable().
			Positive().
			Comment("For consumables: how many days a unit typically lasts, used for replenishment reminders."),
		field.String("content_url").
			Optional().
			Nillable().
			MaxLen(2048).
			Comment("Care or how-to content for the product (a link staff set), sent a few days after delivery.").
			Annotations(entgql.MapsTo("contentUrl"), entgql.Skip(entgql.SkipWhereInput)),
		field.String("content_text").
			Optional().
			Nillable().
			MaxLen(1000).
			Comment("A short text introducing the content link, shown beside it.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Edges of the Product.
func (Product) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("order_items", OrderItem.Type).
			Ref("product").
			Comment("Order lines that bought this product.").
			Annotations(entgql.Skip()),
		edge.To("complements", Product.Type).
			Comment("Products that go with this one (a grinder for coffee beans), suggested in confirmation and replenishment messages. One-way: staff set each direction.").
			Annotations(entgql.Skip()).
			From("complement_of").
			Comment("Products this one complements: the other end of complements, for reading only.").
			Annotations(entgql.Skip()),
		edge.To("reviews", Review.Type).
			Comment("Reviews of the product; other viewers see only PUBLISHED ones (Product.reviews in schema/reviews.graphql).").
			Annotations(entgql.Skip()),
	}
}

// Annotations of the Product.
func (Product) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A product (variant) the store sells.")}
}

// Policy of the Product: see package rule.
func (Product) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.AllowAll()},
	}
}
