package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/aftercart/aftercart/ent/privacy"
	"github.com/aftercart/aftercart/ent/schema/rule"
)

// OrderItem is one line of an order: a product, a quantity and the unit price
// paid. The currency is copied from the order so that prices render without
// loading the order row.
type OrderItem struct{ ent.Schema }

// Mixin of the OrderItem.
func (OrderItem) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the OrderItem.
func (OrderItem) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id").Immutable().Comment("The order this line belongs to.").Annotations(entgql.Skip()),
		field.Int("product_id").Comment("The product bought.").Annotations(entgql.Skip()),
		field.String("external_id").
			NotEmpty().
			MaxLen(128).
			Comment("The store platform's id for this line, unique within the order.").
			Annotations(entgql.MapsTo("externalId"), entgql.Skip(entgql.SkipWhereInput)),
		field.Int("quantity").
			Positive().
			Comment("Units ordered."),
		field.Int64("unit_price_minor").
			NonNegative().
			Comment("Price of one unit, in minor units of the currency.").
			Annotations(entgql.Skip()),
		field.String("currency").
			MinLen(3).
			MaxLen(3).
			Comment("ISO 4217 code, copied from the order.").
			Annotations(entgql.Skip()),
	}
}

// Edges of the OrderItem.
func (OrderItem) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("order", Order.Type).
			Ref("items").
			Field("order_id").
			Unique().
			Required().
			Immutable().
			Comment("The order this line belongs to."),
		edge.To("product", Product.Type).
			Field("product_id").
			Unique().
			Required().
			Comment("The product bought."),
		edge.From("shipment_items", ShipmentItem.Type).
			Ref("order_item").
			Comment("The packages this line was shipped in.").
			Annotations(entgql.Skip()),
	}
}

// Indexes of the OrderItem.
func (OrderItem) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("order_id", "external_id").Unique(),
		index.Fields("product_id"),
	}
}

// Annotations of the OrderItem.
func (OrderItem) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("One line of an order: a product, a quantity and the unit price paid."), entgql.Skip(entgql.SkipWhereInput)}
}

// Policy of the OrderItem: see package rule.
func (OrderItem) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopeOrderItems()},
	}
}
