package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/aftercart/aftercart/ent/schema/types"

	"github.com/aftercart/aftercart/ent/privacy"
	"github.com/aftercart/aftercart/ent/schema/rule"
)

// Order is a purchase imported from the store platform. Money is stored in
// integer minor units of the order's currency and exposed as Money values by
// hand-written resolvers; the status is derived from the shipments.
type Order struct{ ent.Schema }

// Mixin of the Order.
func (Order) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Order.
func (Order) Fields() []ent.Field {
	skipInputs := entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)
	minor := func(name, comment string) ent.Field {
		return field.Int64(name).Default(0).Comment(comment).Annotations(entgql.Skip())
	}
	return []ent.Field{
		field.String("number").
			Unique().
			NotEmpty().
			MaxLen(64).
			Comment("The order number the customer sees, e.g. \"AC-1001\".").
			Annotations(entgql.OrderField("NUMBER")),
		field.String("external_id").
			Unique().
			NotEmpty().
			MaxLen(128).
			Comment("The store platform's id for this order; imports are idempotent on it.").
			Annotations(entgql.MapsTo("externalId"), entgql.Skip(entgql.SkipWhereInput)),
		field.Int("customer_id").
			Immutable().
			Comment("The customer who placed the order.").
			Annotations(entgql.Skip()),
		field.Enum("status").
			GoType(types.OrderStatus("")).
			Default(string(types.OrderUnfulfilled)).
			Comment("Fulfillment status, derived from the order's shipments.").
			Annotations(entgql.Type("OrderStatus"), entgql.OrderField("STATUS"), skipInputs),
		field.Time("placed_at").
			Comment("When the customer placed the order.").
			Annotations(entgql.OrderField("PLACED_AT")),
		field.Time("canceled_at").
			Optional().
			Nillable().
			Comment("When the order was canceled, if it was."),
		field.Time("delivered_at").
			Optional().
			Nillable().
			Comment("When the last item of the order was delivered.").
			Annotations(skipInputs),
		field.String("currency").
			MinLen(3).
			MaxLen(3).
			Comment("ISO 4217 code of every amount on the order.").
			Annotations(entgql.Skip()),
		minor("subtotal_minor", "Sum of the item lines, in minor units."),
		minor("shipping_minor", "Shipping charged, in minor units."),
		minor("tax_minor", "Tax charged, in minor units."),
		minor("discount_minor", "Discounts applied, in minor units (a positive number)."),
		minor("total_minor", "Amount charged, in minor units."),
		field.JSON("shipping_address", types.Address{}).
			Comment("Where the order ships to, as captured at checkout.").
			Annotations(entgql.Type("Address"), entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.JSON("payment_method", types.PaymentMethod{}).
			Optional().
			Comment("How the order was paid, as a display summary.").
			Annotations(entgql.Type("PaymentMethod"), entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.Text("return_policy").
			Default("").
			Comment("The store's return and exchange policy that applies to this order.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Int("return_window_days").
			Default(30).
			NonNegative().
			Comment("Days after delivery during which the order can be returned."),
		field.Time("return_window_ends_at").
			Optional().
			Nillable().
			Comment("When the return window closes; null until the order is delivered (or canceled orders, which cannot be returned)."),
	}
}

// Edges of the Order.
func (Order) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("customer", Customer.Type).
			Ref("orders").
			Field("customer_id").
			Unique().
			Required().
			Immutable().
			Comment("The customer who placed the order."),
		edge.To("items", OrderItem.Type).
			Comment("The order's lines.").
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("shipments", Shipment.Type).
			Comment("Packages shipped for this order, oldest first.").
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of the Order.
func (Order) Indexes() []ent.Index {
	return []ent.Index{
		// "My orders, newest first" is the mobile app's home screen.
		index.Fields("customer_id", "placed_at"),
		index.Fields("status", "placed_at"),
	}
}

// Annotations of the Order.
func (Order) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A purchase: its items, money, shipping address, payment summary, shipments and return window."),
		entgql.RelayConnection(),
		entgql.QueryField().Description("Orders visible to the viewer, newest first unless orderBy says otherwise: a customer sees their own, staff see all."),
	}
}

// Policy of the Order: see package rule.
func (Order) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopeOrders()},
	}
}
