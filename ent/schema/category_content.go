package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	"github.com/aftercart/aftercart/ent/privacy"
	"github.com/aftercart/aftercart/ent/schema/rule"
)

// CategoryContent is the care or how-to content staff set for a whole
// product category (issue 13's after-purchase content: "a link and a short
// text staff set per product or category"). A product's own content_url /
// content_text win over its category's; the CONTENT journey falls back to
// this row for products without their own. A table of its own rather than
// a journey setting, because the content is the catalog's, read by more
// than one journey (server/catalog writes it).
type CategoryContent struct{ ent.Schema }

// Mixin of the CategoryContent.
func (CategoryContent) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the CategoryContent.
func (CategoryContent) Fields() []ent.Field {
	return []ent.Field{
		field.String("category").
			Unique().
			NotEmpty().
			MaxLen(128).
			Comment("The product category, trimmed and in lower case (categories match case-insensitively, as the journeys' categoryDelays do)."),
		field.String("content_url").
			MaxLen(2048).
			Comment("The content's link (http or https)."),
		field.String("content_text").
			Default("").
			MaxLen(1000).
			Comment("A short text introducing the link."),
		field.String("updated_by").
			Default("").
			MaxLen(256).
			Comment("The staff subject who last set it."),
	}
}

// Annotations of the CategoryContent: no generated GraphQL surface; staff
// read and set it through schema/catalog.graphql.
func (CategoryContent) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("Care or how-to content staff set for a product category."), entgql.Skip()}
}

// Policy of the CategoryContent: anyone may read (it is what customers are
// sent); only staff and the system write.
func (CategoryContent) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.AllowAll()},
	}
}
