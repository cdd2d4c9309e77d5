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

// Notification is an in-app notification: how a message on the IN_APP
// channel is delivered (server/notify). It belongs to one customer, who
// alone sees it (staff too); its message is unique, so a dispatch that is
// retried after the notification was written writes no second one.
type Notification struct{ ent.Schema }

// Fields of the Notification.
func (Notification) Fields() []ent.Field {
	skip := entgql.Skip(entgql.SkipAll)
	return []ent.Field{
		field.Int("customer_id").Immutable().Comment("Whose notification it is.").Annotations(skip),
		field.Enum("kind").Values(MessageKinds...).Immutable().
			Comment("The journey step it tells of, e.g. ORDER_CONFIRMATION (the message's kind)."),
		field.String("title").NotEmpty().MaxLen(998).Immutable().
			Comment("The title: the IN_APP template's subject, rendered."),
		field.Text("body").Immutable().Comment("The text: the IN_APP template's text part, rendered."),
		field.String("link").Optional().Nillable().MaxLen(2048).Immutable().
			Comment("Where it leads, e.g. the order's page; null when it is about nothing with a page."),
		field.Int("order_id").Optional().Nillable().Immutable().Comment("The order it is about, if any.").Annotations(skip),
		field.Int("message_id").Optional().Nillable().Immutable().
			Comment("The outbox message it delivers (unique: a retried dispatch writes one notification).").Annotations(skip),
		field.Time("created_at").Immutable().Default(time.Now).
			Comment("When it was delivered."),
		field.Time("read_at").Optional().Nillable().
			Comment("When the customer marked it read; null while unread."),
	}
}

// Edges of the Notification.
func (Notification) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("customer", Customer.Type).Field("customer_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipAll)).Comment("Whose notification it is."),
		edge.To("order", Order.Type).Field("order_id").Unique().Immutable().
			Annotations(entsql.OnDelete(entsql.SetNull)).Comment("The order it is about, if any."),
		edge.To("message", Message.Type).Field("message_id").Unique().Immutable().
			Annotations(entsql.OnDelete(entsql.SetNull), entgql.Skip(entgql.SkipAll)).
			Comment("The outbox message it delivers (staff's side: the outbox)."),
	}
}

// Indexes of the Notification.
func (Notification) Indexes() []ent.Index {
	return []ent.Index{
		// The customer's list, newest first.
		index.Fields("customer_id", "created_at"),
		// The unread count.
		index.Fields("customer_id", "read_at"),
		// One notification per message: the retried dispatch's guard.
		index.Fields("message_id").Unique(),
		index.Fields("order_id"),
	}
}

// Annotations of the Notification.
func (Notification) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An in-app notification to the signed-in customer (the IN_APP channel of the outbox)."),
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// Policy of the Notification: a customer sees their own and nobody else's
// (another's looks missing on every path: node, nodes, lists, the feed);
// staff and the system see all. Only trusted code writes them.
func (Notification) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.ScopeNotifications()},
	}
}

// NotificationChange is the notificationAdded feed's change log: one row
// per notification delivered, per customer. Its ids are the feed's
// positions; every writer takes the customer's topic lock (live.LockTopic)
// before inserting, so a customer's ids follow commit order. A log apart
// from the notifications leaves room for other changes of the list (read
// elsewhere) without giving notifications positions.
type NotificationChange struct{ ent.Schema }

// Fields of the NotificationChange.
func (NotificationChange) Fields() []ent.Field {
	return []ent.Field{
		field.Int("customer_id").Immutable().Comment("Whose list changed."),
		field.Int("notification_id").Immutable().Comment("The notification delivered."),
		field.Time("created_at").Immutable().Default(time.Now).Comment("When the change was recorded."),
	}
}

// Edges of the NotificationChange.
func (NotificationChange) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("notification", Notification.Type).Field("notification_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("The notification delivered."),
	}
}

// Indexes of the NotificationChange.
func (NotificationChange) Indexes() []ent.Index {
	return []ent.Index{index.Fields("customer_id", "id")}
}

// Annotations of the NotificationChange.
func (NotificationChange) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("A change to a customer's notifications, as streamed."), entgql.Skip(entgql.SkipAll)}
}

// Policy of the NotificationChange: internal to the live feed.
func (NotificationChange) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), privacy.AlwaysDenyRule()},
	}
}
