package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/aftercart/aftercart/ent/privacy"
	"github.com/aftercart/aftercart/ent/schema/rule"
	"github.com/aftercart/aftercart/ent/schema/types"
)

// ModerationDecision is one entry of the moderation audit trail: a staff
// decision (approve, reject, hide, restore) or an automatic outcome of the
// publishing rule, on any moderatable item (reviews, posts, comments), or
// a staff decision about an author (silence, unsilence): then the item is
// the customer (item_type "Customer", item_id = author_id, so the
// author's trail lists it beside their content's), the statuses are null
// (a customer has no moderation status) and silenced_until says until
// when. The trail is append-only: the policy refuses updates and deletes
// to everyone, and there is no foreign key to the item, so the trail
// outlives what it is about (a deleted review keeps its history).
type ModerationDecision struct{ ent.Schema }

// Fields of the ModerationDecision.
func (ModerationDecision) Fields() []ent.Field {
	status := func(name, comment string) ent.Field {
		return field.Enum(name).GoType(types.ModerationStatus("")).Optional().Nillable().Immutable().Comment(comment).
			Annotations(entgql.Type("ModerationStatus"))
	}
	return []ent.Field{
		field.Int("item_id").Immutable().Comment("The item decided on (a global id: a review, a post, ...).").
			Annotations(entgql.Type("ID"), entgql.MapsTo("itemId")),
		field.String("item_type").Immutable().NotEmpty().MaxLen(64).Comment("The item's GraphQL type, e.g. \"Review\"."),
		field.Int("author_id").Optional().Nillable().Immutable().Comment("The customer who wrote the item.").
			Annotations(entgql.Type("ID"), entgql.MapsTo("authorId")),
		field.Enum("action").GoType(types.ModerationAction("")).Optional().Nillable().Immutable().
			Comment("The staff action; null for an automatic outcome of the publishing rule. SILENCE and UNSILENCE are decisions about the author (item type Customer).").
			Annotations(entgql.Type("ModerationAction")),
		status("from_status", "The item's status before; null for a decision about an author (SILENCE, UNSILENCE)."),
		status("to_status", "The item's status after; null for a decision about an author (SILENCE, UNSILENCE)."),
		field.Time("silenced_until").Optional().Nillable().Immutable().
			Comment("For SILENCE: until when the author is silenced; null otherwise.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.String("reason").Optional().Nillable().Immutable().MaxLen(1000).
			Comment("Why: required for REJECT, HIDE and SILENCE; the rule's explanation for automatic outcomes."),
		field.String("actor").Immutable().NotEmpty().MaxLen(320).
			Comment("Who decided: the staff token's subject, or \"auto\" for the publishing rule."),
		field.Time("created_at").Immutable().Default(time.Now).
			Comment("When the decision was made.").
			Annotations(entgql.OrderField("CREATED_AT")),
	}
}

// Indexes of the ModerationDecision.
func (ModerationDecision) Indexes() []ent.Index {
	return []ent.Index{index.Fields("item_id", "created_at"), index.Fields("author_id", "created_at")}
}

// Annotations of the ModerationDecision.
func (ModerationDecision) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An entry of the moderation audit trail: who decided what about an item, when and why."),
		entgql.RelayConnection(),
		entgql.QueryField().Description("The moderation audit trail, for staff: filter by itemId or authorId; oldest first unless orderBy says otherwise."),
	}
}

// Policy of the ModerationDecision: staff read it; nobody changes it.
func (ModerationDecision) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.AppendOnly(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.DenyForbidden("the moderation trail is for staff")},
	}
}

// WatchedWord is a word or phrase staff watch for in customer content,
// with what it does (block, require approval, flag). Words are stored
// normalized (see server/moderation.Normalize), so matching needs no
// per-row work.
type WatchedWord struct{ ent.Schema }

// Mixin of the WatchedWord.
func (WatchedWord) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the WatchedWord.
func (WatchedWord) Fields() []ent.Field {
	return []ent.Field{
		field.String("word").Unique().NotEmpty().MaxLen(100).
			Comment("The word or phrase, normalized (case-folded, single spaces)."),
		field.Enum("action").GoType(types.WatchedWordAction("")).
			Comment("What the word does to content that contains it.").
			Annotations(entgql.Type("WatchedWordAction")),
		field.String("created_by").Immutable().Default("").MaxLen(320).
			Comment("The staff member who added it.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Annotations of the WatchedWord.
func (WatchedWord) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A word or phrase staff watch for in reviews (and community posts), and what it does."),
		entgql.RelayConnection(),
		entgql.QueryField().Description("The watched words, for staff."),
	}
}

// Policy of the WatchedWord: staff only.
func (WatchedWord) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.DenyForbidden("watched words are for staff")},
	}
}
