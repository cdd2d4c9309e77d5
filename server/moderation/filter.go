package moderation

import (
	"io"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/aftercart/aftercart/ent/flag"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/errs"
)

// QueueReason is why an item waits in the queue (GraphQL
// ModerationQueueReason). An item can have several.
type QueueReason string

// The queue reasons.
const (
	// ReasonPendingApproval: the item is PENDING (the trust rule or a
	// watched word held it).
	ReasonPendingApproval QueueReason = "PENDING_APPROVAL"
	// ReasonFlagged: customers' flags passed the threshold and hid it; it
	// waits for staff to uphold or clear the flags.
	ReasonFlagged QueueReason = "FLAGGED"
	// ReasonWatchedWord: it matched REQUIRE_APPROVAL or FLAG watched words
	// when last written.
	ReasonWatchedWord QueueReason = "WATCHED_WORD"
)

// QueueReasons lists the reasons in the order counts show them.
var QueueReasons = []QueueReason{ReasonPendingApproval, ReasonFlagged, ReasonWatchedWord}

// MarshalGQL writes the reason as a GraphQL enum value.
func (r QueueReason) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(r))) }

// UnmarshalGQL reads a GraphQL enum value.
func (r *QueueReason) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	for _, k := range QueueReasons {
		if string(k) == s {
			*r = k
			return nil
		}
	}
	return errs.Invalid("reason", "unknown queue reason %q", s)
}

// ItemKind names a registered Kind in filters (GraphQL
// ModerationItemKind): its GraphQL type upper-cased, "REVIEW", "POST",
// "COMMENT".
type ItemKind string

// MarshalGQL writes the kind as a GraphQL enum value.
func (k ItemKind) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(k))) }

// UnmarshalGQL reads a GraphQL enum value; the service checks it names a
// registered kind.
func (k *ItemKind) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok || s == "" {
		return errs.Invalid("kinds", "a kind is an enum value")
	}
	*k = ItemKind(s)
	return nil
}

func kindName(k Kind) ItemKind { return ItemKind(strings.ToUpper(k.Type())) }

// QueueFilter narrows the queue (GraphQL ModerationQueueFilter); the zero
// value is the whole queue.
type QueueFilter struct {
	// Kinds keeps items of these kinds; empty keeps all.
	Kinds []ItemKind `json:"kinds,omitempty"`
	// Reason keeps items that wait for this reason; empty keeps all.
	Reason *QueueReason `json:"reason,omitempty"`
	// OlderThan keeps items written before this time.
	OlderThan *time.Time `json:"olderThan,omitempty"`
}

// Where is the filter as a predicate on a kind's table, for its Queued
// and CountQueued: every kind's table has the columns id, status,
// created_at and watched_words. An item is queued while it is PENDING,
// or HIDDEN with OPEN flags (flags hid it and no staff decision settled
// them: any decision does). after, when set, keeps what follows it.
func (f QueueFilter) Where(after *QueueKey) func(*sql.Selector) {
	return func(s *sql.Selector) {
		pending := sql.EQ(s.C("status"), string(types.ModerationPending))
		flagged := sql.And(sql.EQ(s.C("status"), string(types.ModerationHidden)),
			sql.In(s.C("id"), sql.Dialect(s.Dialect()).Select(flag.FieldItemID).From(sql.Table(flag.Table)).
				Where(sql.EQ(flag.FieldOutcome, string(types.FlagOpen)))))
		ps := []*sql.Predicate{sql.Or(pending, flagged)}
		if f.Reason != nil {
			switch *f.Reason {
			case ReasonPendingApproval:
				ps = append(ps, pending)
			case ReasonFlagged:
				ps = append(ps, flagged)
			case ReasonWatchedWord:
				// A JSON array of at least one string: ent writes
				// watched_words with encoding/json (SQLite text) or as
				// jsonb, whose text form starts the same way; an empty
				// list is "[]" or "null".
				col := s.C("watched_words")
				ps = append(ps, sql.P(func(b *sql.Builder) {
					b.WriteString("CAST(" + col + " AS TEXT) LIKE ").Arg(`["%`)
				}))
			}
		}
		if f.OlderThan != nil {
			ps = append(ps, sql.LT(s.C("created_at"), *f.OlderThan))
		}
		if after != nil {
			ps = append(ps, sql.Or(sql.GT(s.C("created_at"), after.CreatedAt),
				sql.And(sql.EQ(s.C("created_at"), after.CreatedAt), sql.GT(s.C("id"), after.ID))))
		}
		s.Where(sql.And(ps...))
	}
}

// Reasons says why an item with this status and these watched words is
// queued (Kinds fill QueueEntry.Reasons with it).
func Reasons(status types.ModerationStatus, watched []string) []QueueReason {
	var out []QueueReason
	switch status {
	case types.ModerationPending:
		out = append(out, ReasonPendingApproval)
	case types.ModerationHidden:
		out = append(out, ReasonFlagged)
	}
	if len(watched) > 0 {
		out = append(out, ReasonWatchedWord)
	}
	return out
}
