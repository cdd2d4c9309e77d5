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
	"github.com/aftercart/aftercart/ent/schema/types"
)

// staffOnly is the policy of the outbound webhook tables: staff and the
// system read and write them; a customer's query is FORBIDDEN.
func staffOnly(what string) ent.Policy {
	return privacy.Policy{
		Mutation: rule.StaffOnlyMutations(),
		Query:    privacy.QueryPolicy{rule.AllowTrusted(), rule.DenyForbidden(what + " are for staff")},
	}
}

// WebhookEndpoint is an endpoint of the store's own systems subscribed to
// events (server/hooks): each event it subscribes to becomes one
// WebhookDelivery to it, signed with its secret.
type WebhookEndpoint struct{ ent.Schema }

// Mixin of the WebhookEndpoint.
func (WebhookEndpoint) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the WebhookEndpoint.
func (WebhookEndpoint) Fields() []ent.Field {
	skip := entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)
	return []ent.Field{
		field.String("url").NotEmpty().MaxLen(2048).
			Comment("Where deliveries are POSTed (https, except in development mode).").Annotations(skip),
		field.String("secret").NotEmpty().MaxLen(128).Sensitive().
			Comment("The HMAC key deliveries are signed with; shown once, when created or rotated.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.JSON("events", []types.WebhookEvent{}).
			Comment("The events delivered to it.").Annotations(skip, entgql.Type("[WebhookEvent!]")),
		field.String("description").Default("").MaxLen(200).
			Comment("What the endpoint is, for staff.").Annotations(skip),
		field.Bool("enabled").Default(true).
			Comment("Whether new events are delivered to it; a disabled endpoint keeps its log.").Annotations(skip),
		field.String("created_by").Default("").MaxLen(320).
			Comment("The staff token's subject that created it.").Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of the WebhookEndpoint.
func (WebhookEndpoint) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("deliveries", WebhookDelivery.Type).
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipAll)).
			Comment("Its deliveries (the log)."),
	}
}

// Annotations of the WebhookEndpoint.
func (WebhookEndpoint) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An endpoint of the store's own systems that gets signed webhooks for the events it subscribes to."),
		entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput),
	}
}

// Policy of the WebhookEndpoint: staff only.
func (WebhookEndpoint) Policy() ent.Policy { return staffOnly("webhook endpoints") }

// WebhookDelivery is one event for one endpoint: written in the
// transaction of the event's cause, delivered by a job with retries; each
// try is a WebhookAttempt. The event id is the same for every endpoint the
// event goes to and on every attempt and replay, so receivers dedupe on it.
type WebhookDelivery struct{ ent.Schema }

// Mixin of the WebhookDelivery.
func (WebhookDelivery) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the WebhookDelivery.
func (WebhookDelivery) Fields() []ent.Field {
	noFilter := entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)
	return []ent.Field{
		field.Int("endpoint_id").Immutable().Comment("The endpoint.").Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("event_id").NotEmpty().MaxLen(64).Immutable().
			Comment("The event's id, sent in the X-Aftercart-Event-Id header: the same on every attempt and replay.").
			Annotations(noFilter, entgql.MapsTo("eventId")),
		field.Enum("event").GoType(types.WebhookEvent("")).Immutable().
			Comment("What happened.").Annotations(entgql.Type("WebhookEvent")),
		field.Text("payload").Immutable().
			Comment("The JSON body, as sent on every attempt.").Annotations(noFilter),
		field.Enum("status").Values("PENDING", "SUCCEEDED", "FAILED", "DEAD").Default("PENDING").
			Comment("PENDING (not tried yet), SUCCEEDED (a 2xx), FAILED (retrying), DEAD (no more tries; staff may replay it)."),
		field.Int("attempts").Default(0).NonNegative().
			Comment("Attempts started so far, replays included.").Annotations(noFilter),
		field.Int("max_attempts").Positive().
			Comment("Attempts before it is DEAD; a replay allows one more round.").Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("last_attempt_at").Optional().Nillable().Comment("When the last attempt started.").Annotations(noFilter),
		field.Int("last_status_code").Optional().Nillable().
			Comment("The last attempt's HTTP status; null when it got no response.").Annotations(noFilter),
		field.Text("last_error").Optional().Nillable().
			Comment("Why the last attempt failed; null after a success.").Annotations(noFilter),
		field.Time("delivered_at").Optional().Nillable().Comment("When an attempt last got a 2xx.").Annotations(noFilter),
	}
}

// Edges of the WebhookDelivery.
func (WebhookDelivery) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("endpoint", WebhookEndpoint.Type).Ref("deliveries").Field("endpoint_id").Unique().Required().Immutable().
			Comment("The endpoint."),
		edge.To("attempt_log", WebhookAttempt.Type).
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipAll)).Comment("Every attempt."),
	}
}

// Indexes of the WebhookDelivery.
func (WebhookDelivery) Indexes() []ent.Index {
	return []ent.Index{
		// One delivery per event and endpoint.
		index.Fields("endpoint_id", "event_id").Unique(),
		// The log per endpoint, newest first, and by status.
		index.Fields("endpoint_id", "created_at"),
		index.Fields("endpoint_id", "status", "created_at"),
	}
}

// Annotations of the WebhookDelivery.
func (WebhookDelivery) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One event for one outbound webhook endpoint, with its attempts: the delivery log staff read and replay."),
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// Policy of the WebhookDelivery: staff only.
func (WebhookDelivery) Policy() ent.Policy { return staffOnly("webhook deliveries") }

// WebhookAttempt is one try of a WebhookDelivery: what the endpoint
// answered (or why there was no answer) and how long it took.
type WebhookAttempt struct{ ent.Schema }

// Fields of the WebhookAttempt.
func (WebhookAttempt) Fields() []ent.Field {
	return []ent.Field{
		field.Int("delivery_id").Immutable().Comment("The delivery.").Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("number").Positive().Immutable().Comment("1 for the delivery's first attempt, counting replays."),
		field.Time("started_at").Immutable().Comment("When it started."),
		field.Int("duration_ms").NonNegative().Immutable().Comment("How long it took, in milliseconds."),
		field.Int("status_code").Optional().Nillable().Immutable().Comment("The HTTP status; null when there was no response."),
		field.String("error").Optional().Nillable().MaxLen(1000).Immutable().
			Comment("Why it failed (a timeout, a refused connection, a non-2xx status); null for a 2xx."),
		field.String("response_excerpt").Default("").MaxLen(1024).Immutable().
			Comment("The start of the response body (at most 1 KiB)."),
	}
}

// Edges of the WebhookAttempt.
func (WebhookAttempt) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("delivery", WebhookDelivery.Type).Ref("attempt_log").Field("delivery_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)).Comment("The delivery."),
	}
}

// Indexes of the WebhookAttempt.
func (WebhookAttempt) Indexes() []ent.Index {
	return []ent.Index{index.Fields("delivery_id", "number").Unique()}
}

// Annotations of the WebhookAttempt.
func (WebhookAttempt) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One try of a webhook delivery."),
		entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput, entgql.SkipOrderField),
	}
}

// Policy of the WebhookAttempt: staff only, append-only.
func (WebhookAttempt) Policy() ent.Policy { return staffOnly("webhook attempts") }
