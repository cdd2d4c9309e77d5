package schema

import (
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

// MessageKinds are the journey steps a message can be (issue 13). All of
// them are declared now, though only ORDER_CONFIRMATION is sent yet, so
// that adding a journey never changes the column or the GraphQL enum's
// existing values.
var MessageKinds = []string{
	"ORDER_CONFIRMATION", "SHIPPED", "OUT_FOR_DELIVERY", "DELIVERED", "DELAY_NOTICE",
	"REVIEW_REQUEST", "REVIEW_REMINDER", "REPLENISHMENT", "REFERRAL_THANKS", "LOYALTY",
	"WIN_BACK", "CONTENT", "CAMPAIGN",
}

// MessageChannels are the ways a message leaves: email (SMTP), an in-app
// notification, or a signed HTTP webhook to an SMS/push provider.
var MessageChannels = []string{"EMAIL", "IN_APP", "WEBHOOK"}

// Message is one entry of the outbox (server/notify): a message to one
// customer on one channel, written in the transaction of what caused it
// and dispatched by a job. The dedupe key is unique, so a replayed trigger
// (an import retried, a webhook delivered twice, two dispatchers) can
// never queue a second message for the same thing. What was rendered is
// kept, so retries send the same bytes and staff see what the customer
// got.
type Message struct{ ent.Schema }

// Mixin of the Message.
func (Message) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Message.
func (Message) Fields() []ent.Field {
	skip := entgql.Skip(entgql.SkipAll)
	return []ent.Field{
		field.Enum("kind").Values(MessageKinds...).Immutable().
			Comment("The journey step the message is, e.g. ORDER_CONFIRMATION."),
		field.Enum("channel").Values(MessageChannels...).Immutable().
			Comment("How the message leaves: EMAIL, IN_APP or WEBHOOK."),
		field.Enum("status").Values("QUEUED", "SENT", "SKIPPED", "FAILED", "DEAD").Default("QUEUED").
			Comment("QUEUED (waiting for its first attempt), SENT, SKIPPED (not sent on purpose, see skipReason), FAILED (an attempt failed; retrying), DEAD (every attempt failed; staff may retry it)."),
		field.String("skip_reason").Optional().Nillable().MaxLen(500).
			Comment("Why a SKIPPED message was not sent (no consent, quiet hours, the weekly cap, ...)."),
		field.String("dedupe_key").NotEmpty().MaxLen(255).Unique().Immutable().
			Comment("What the message is about, unique: the same trigger replayed queues nothing new. Also the email's Message-ID.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.String("journey").Optional().Nillable().MaxLen(64).Immutable().
			Comment("The journey that queued the message, e.g. \"order_confirmation\"; null for a campaign."),
		field.Int("campaign_id").Optional().Nillable().Immutable().
			Comment("The campaign that queued the message; null for a journey.").Annotations(skip),
		field.Bool("transactional").Default(true).Immutable().
			Comment("Whether the message is transactional (exempt from marketing consent and the weekly cap)."),
		field.Int("customer_id").Optional().Nillable().Immutable().Comment("The customer it is for.").Annotations(skip),
		field.Int("order_id").Optional().Nillable().Immutable().Comment("The order it is about, if any.").Annotations(skip),
		field.String("recipient").MaxLen(320).Immutable().
			Comment("Where it goes: the email address (EMAIL) or endpoint name (WEBHOOK) when queued; empty for IN_APP."),
		field.String("subject").Optional().Nillable().MaxLen(998).
			Comment("The rendered subject (or notification title); null until first rendered.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.Text("body_html").Optional().Nillable().Comment("The rendered HTML part; null until first rendered.").Annotations(skip),
		field.Text("body_text").Optional().Nillable().Comment("The rendered plain-text part; null until first rendered.").Annotations(skip),
		field.Int("attempts").Default(0).NonNegative().
			Comment("Delivery attempts started so far (recorded before each attempt).").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.Int("max_attempts").Positive().
			Comment("Attempts before the message is DEAD; a staff retry allows one more round.").Annotations(skip),
		field.Time("last_attempt_at").Optional().Nillable().
			Comment("When the last attempt started.").Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.Text("last_error").Optional().Nillable().
			Comment("The last attempt's error; null after success.").Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.Time("due_at").Optional().Nillable().
			Comment("When a waiting QUEUED message may go (a journey's delay, quiet hours); null once its dispatch job is enqueued.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Time("sent_at").Optional().Nillable().
			Comment("When the message was handed over (SMTP accepted it, the notification was written)."),
		field.String("variant").Optional().Nillable().MaxLen(32).
			Comment("The variant of its kind's template it was rendered as, chosen by rule when it was rendered (ORDER_CONFIRMATION: PLAIN, WELCOME, REASSURANCE, ENTICING or SIMILAR); null for kinds without variants.").
			Annotations(entgql.Skip(entgql.SkipOrderField)),
		field.String("transport").Optional().Nillable().MaxLen(32).
			Comment("What took it: \"smtp\", or \"outbox\" in development mode, where nothing leaves the machine.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
	}
}

// Edges of the Message.
func (Message) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("customer", Customer.Type).Field("customer_id").Unique().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)).Comment("The customer it is for."),
		edge.To("order", Order.Type).Field("order_id").Unique().Immutable().
			Annotations(entsql.OnDelete(entsql.SetNull)).Comment("The order it is about, if any."),
	}
}

// Indexes of the Message.
func (Message) Indexes() []ent.Index {
	return []ent.Index{
		// The staff list, newest first, and its filters.
		index.Fields("created_at"),
		index.Fields("customer_id", "created_at"),
		index.Fields("order_id"),
		index.Fields("status", "created_at"),
		index.Fields("kind", "created_at"),
		index.Fields("campaign_id"),
		// The due sweep: waiting messages whose time has come.
		index.Fields("status", "due_at"),
	}
}

// Annotations of the Message.
func (Message) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A message to a customer on one channel, from the outbox: staff see every one, with its status and last error."),
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// Policy of the Message: the outbox is for staff; a customer's query is
// FORBIDDEN rather than silently empty (their notifications will be a
// table of their own).
func (Message) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.DenyForbidden("messages are for staff")},
	}
}

// MessageTemplate is staff's version of a kind's template on one channel:
// a subject and a plain-text body (text/template) and an HTML body
// (html/template). server/notify validates it against a sample of the
// kind's variables before it is saved, and ships defaults used when there
// is no row.
type MessageTemplate struct{ ent.Schema }

// Mixin of the MessageTemplate.
func (MessageTemplate) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the MessageTemplate.
func (MessageTemplate) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").Values(MessageKinds...).Comment("The message kind it renders."),
		field.Enum("channel").Values(MessageChannels...).Comment("The channel it renders for."),
		field.Text("subject").NotEmpty().Comment("The subject (text/template)."),
		field.Text("html").Optional().Comment("The HTML part (html/template); empty for channels without one."),
		field.Text("text").NotEmpty().Comment("The plain-text part (text/template)."),
		field.String("updated_by").Optional().MaxLen(320).Comment("Who saved it last (the staff token's subject)."),
	}
}

// Indexes of the MessageTemplate.
func (MessageTemplate) Indexes() []ent.Index {
	return []ent.Index{index.Fields("kind", "channel").Unique()}
}

// Annotations of the MessageTemplate.
func (MessageTemplate) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("Staff's template of a message kind on one channel."), entgql.Skip(entgql.SkipAll)}
}

// Policy of the MessageTemplate: staff only.
func (MessageTemplate) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.DenyForbidden("message templates are for staff")},
	}
}
