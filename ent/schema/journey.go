package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	"github.com/aftercart/aftercart/ent/privacy"
	"github.com/aftercart/aftercart/ent/schema/rule"
)

// JourneySetting is staff's settings of one journey of the outbox
// (server/notify: order confirmation, shipping updates, review requests,
// ...): whether it runs, its delays and thresholds. A journey without a
// row runs with the defaults in code; a null column also means the code's
// default, so a changed default reaches every store that never set it.
type JourneySetting struct{ ent.Schema }

// Mixin of the JourneySetting.
func (JourneySetting) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the JourneySetting.
func (JourneySetting) Fields() []ent.Field {
	return []ent.Field{
		field.String("journey").NotEmpty().MaxLen(64).Unique().Immutable().
			Comment("The journey's name, e.g. \"shipping_updates\" (server/notify's registry)."),
		field.Bool("enabled").Optional().Nillable().
			Comment("Whether the journey queues messages; null: the default (on)."),
		field.Int("delay_days").Optional().Nillable().NonNegative().
			Comment("Days after the journey's cause before its first message (review request: after delivery)."),
		field.Int("reminder_days").Optional().Nillable().NonNegative().
			Comment("Days after the first message before the one reminder."),
		field.JSON("category_delays", map[string]int{}).Optional().
			Comment("Per product category, delay_days for orders of that category."),
		field.Int("delay_threshold_hours").Optional().Nillable().NonNegative().
			Comment("How many hours an estimated delivery may slip before a delay notice."),
		field.Int("stall_hours").Optional().Nillable().Positive().
			Comment("Hours without a checkpoint, in transit, after which a parcel counts as late."),
		field.Int("min_gap_minutes").Optional().Nillable().NonNegative().
			Comment("The least time between two messages of the journey to one customer."),
		field.String("coupon_code").Optional().Nillable().MaxLen(64).
			Comment("The coupon code the order confirmation's ENTICING variant offers; null or empty: none."),
		field.Strings("channels").Optional().
			Comment("The channels the journey's messages go out on (EMAIL, IN_APP, WEBHOOK); null: the journey's default."),
		field.String("updated_by").Optional().MaxLen(320).
			Comment("Who saved it last (the staff token's subject)."),
	}
}

// Annotations of the JourneySetting.
func (JourneySetting) Annotations() []schema.Annotation {
	return []schema.Annotation{schema.Comment("Staff's settings of one message journey."), entgql.Skip(entgql.SkipAll)}
}

// Policy of the JourneySetting: staff only.
func (JourneySetting) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.DenyForbidden("journey settings are for staff")},
	}
}
