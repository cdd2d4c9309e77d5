package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/aftercart/aftercart/ent/privacy"
	"github.com/aftercart/aftercart/ent/schema/rule"
)

// Campaign is a one-off message staff send to a segment of customers at a
// time (issue 13's communication calendar): its own subject, HTML and text
// templates, validated like a kind's templates when saved; a segment
// (last order older than some days, a loyalty tier, bought a category,
// combined with AND); and a schedule. server/notify's campaign sweep
// queues one CAMPAIGN email per customer of the segment when it is due,
// in batches, each message carrying the campaign's id and a dedupe key per
// customer, so a campaign reaches each customer once however often it is
// swept.
type Campaign struct{ ent.Schema }

// CampaignStatuses are a campaign's states: DRAFT (being written),
// SCHEDULED (waiting for its time), SENDING (its messages are being
// queued), SENT (every message queued), CANCELED (stopped before it went).
var CampaignStatuses = []string{"DRAFT", "SCHEDULED", "SENDING", "SENT", "CANCELED"}

// Mixin of the Campaign.
func (Campaign) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Campaign.
func (Campaign) Fields() []ent.Field {
	skip := entgql.Skip(entgql.SkipAll)
	noFilter := entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).
			Comment("Staff's name for the campaign (never shown to customers).").Annotations(noFilter),
		field.Enum("status").Values(CampaignStatuses...).Default("DRAFT").
			Comment("DRAFT, SCHEDULED (waiting for scheduledAt), SENDING (its messages are being queued), SENT (all queued), CANCELED."),
		field.Text("subject").NotEmpty().Comment("The subject template (text/template).").Annotations(noFilter),
		field.Text("html").Optional().Comment("The HTML part's template (html/template).").Annotations(noFilter),
		field.Text("text").NotEmpty().Comment("The plain-text part's template (text/template).").Annotations(noFilter),
		field.Int("segment_last_order_days").Optional().Nillable().Positive().
			Comment("Segment: only customers whose last order is older than this many days.").Annotations(skip),
		field.String("segment_tier").Optional().Nillable().MaxLen(64).
			Comment("Segment: only customers in the loyalty tier with this name.").Annotations(skip),
		field.String("segment_category").Optional().Nillable().MaxLen(200).
			Comment("Segment: only customers who bought a product of this category (case-insensitive).").Annotations(skip),
		field.Time("scheduled_at").Optional().Nillable().
			Comment("When the campaign goes; null while a DRAFT."),
		field.Time("started_at").Optional().Nillable().
			Comment("When the sweep began queueing its messages.").Annotations(noFilter),
		field.Time("finished_at").Optional().Nillable().
			Comment("When the last of its messages was queued.").Annotations(noFilter),
		field.Time("canceled_at").Optional().Nillable().
			Comment("When staff canceled it.").Annotations(noFilter),
		field.Int("cursor_customer_id").Default(0).NonNegative().
			Comment("The sweep's place: every customer of the segment with a lower or equal id has been queued.").Annotations(skip),
		field.Int("queued").Default(0).NonNegative().
			Comment("How many messages the campaign has queued so far.").Annotations(noFilter),
		field.String("created_by").Optional().MaxLen(320).
			Comment("Who created it (the staff token's subject).").Annotations(noFilter),
	}
}

// Indexes of the Campaign.
func (Campaign) Indexes() []ent.Index {
	return []ent.Index{
		// The campaign sweep: SCHEDULED campaigns whose time has come.
		index.Fields("status", "scheduled_at"),
	}
}

// Annotations of the Campaign.
func (Campaign) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A one-off message to a segment of customers at a time: staff write, schedule, preview and cancel it."),
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// Policy of the Campaign: staff only, and a customer's query is FORBIDDEN
// rather than silently empty.
func (Campaign) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.DenyForbidden("campaigns are for staff")},
	}
}
