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

// ShipmentItem says how many units of an order line travel in a shipment, so
// that one order can ship in several packages.
type ShipmentItem struct{ ent.Schema }

// Fields of the ShipmentItem.
func (ShipmentItem) Fields() []ent.Field {
	return []ent.Field{
		field.Int("shipment_id").Immutable().Comment("The package.").Annotations(entgql.Skip()),
		field.Int("order_item_id").Immutable().Comment("The order line.").Annotations(entgql.Skip()),
		field.Int("quantity").Positive().Comment("Units of the line in this package."),
	}
}

// Edges of the ShipmentItem.
func (ShipmentItem) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("shipment", Shipment.Type).
			Ref("items").
			Field("shipment_id").
			Unique().
			Required().
			Immutable().
			Comment("The package.").
			Annotations(entgql.Skip()),
		edge.To("order_item", OrderItem.Type).
			Field("order_item_id").
			Unique().
			Required().
			Immutable().
			Comment("The order line."),
	}
}

// Indexes of the ShipmentItem.
func (ShipmentItem) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("shipment_id", "order_item_id").Unique(),
		// The foreign key's own index: deleting or reading an order line's
		// shipments must not scan the table.
		index.Fields("order_item_id"),
	}
}

// Annotations of the ShipmentItem.
func (ShipmentItem) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("How many units of an order line travel in a shipment."), entgql.Skip(entgql.SkipWhereInput)}
}

// Policy of the ShipmentItem: see package rule.
func (ShipmentItem) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopeShipmentItems()},
	}
}
