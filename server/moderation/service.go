package moderation

import (
	"context"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/watchedword"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/pubsub"
)

// AutoActor is the actor of decisions made by a publishing rule.
const AutoActor = "auto"

// MaxReasonLen bounds a decision's reason.
const MaxReasonLen = 1000

// Item is a moderatable item as the core sees it.
type Item struct {
	ID       int
	Status   types.ModerationStatus
	AuthorID *int
	// Flagged is whether flags hid the item and queued it (its
	// flagged_at): it waits in the queue though not PENDING (InQueue).
	// A staff decision settles it: the kind's SetStatus clears it.
	Flagged bool
}

// Kind is one kind of moderatable content. Its methods run inside the
// core's transaction (ctx carries it; ent.TxFromContext) as system.
type Kind interface {
	// Type is the GraphQL type name, e.g. "Review".
	Type() string
	// Owns reports whether n (loaded by id through ent) is of this kind.
	Owns(n ent.Noder) bool
	// Lock reads item id for update: writers of the item take turns.
	Lock(ctx context.Context, tx *ent.Tx, id int) (Item, error)
	// SetStatus stores the item's new status and reason, and settles a
	// flag hold (Item.Flagged): after a staff decision the item is in the
	// queue only if it is PENDING.
	SetStatus(ctx context.Context, tx *ent.Tx, it Item, to types.ModerationStatus, reason *string) error
	// Queued returns up to limit queued items the filter keeps after key,
	// oldest first (QueueFilter.Where is the predicate; Reasons fills
	// QueueEntry.Reasons).
	Queued(ctx context.Context, f QueueFilter, after *QueueKey, limit int) ([]QueueEntry, error)
	// CountQueued counts the queued items the filter keeps.
	CountQueued(ctx context.Context, f QueueFilter) (int, error)
}

// Service is the moderation core. It is safe for concurrent use.
type Service struct {
	db     *db.DB
	broker pubsub.Broker
	clock  clockwork.Clock
	mu     sync.RWMutex
	kinds  []Kind
}

// NewService returns the core, writing through d (see WithBroker and
// WithClock).
func NewService(d *db.DB, opts ...Option) *Service {
	s := &Service{db: d, clock: clockwork.NewRealClock()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// now is the clock's time without its monotonic reading, which the
// embedded SQLite driver would store (see community.Service.now).
func (s *Service) now() time.Time { return s.clock.Now().Round(0) }

// Register adds a kind of content; each concept registers its own at start.
func (s *Service) Register(k Kind) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kinds = append(s.kinds, k)
}

func (s *Service) kindsSnapshot() []Kind {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]Kind(nil), s.kinds...)
}

// Input is a staff decision (GraphQL ModerateInput).
type Input struct {
	ItemID int                    `json:"itemId"`
	Action types.ModerationAction `json:"action"`
	Reason *string                `json:"reason,omitempty"`
}

// Result is what Moderate did (GraphQL ModeratePayload).
type Result struct {
	// Item is the item as it is now.
	Item ent.Noder
	// Decision is the trail entry written.
	Decision *ent.ModerationDecision
}

// Moderate applies a staff decision: the item's status changes and the
// decision joins the trail, in one transaction. Customers get FORBIDDEN;
// an item of no registered kind is NOT_FOUND; an action that does not
// apply to the item's status is CONFLICT, except HIDE on an item that
// flags hid: that keeps it hidden and upholds the flags. Every decision
// settles the item's OPEN flags (see settleFlags).
func (s *Service) Moderate(ctx context.Context, in Input) (*Result, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	if !in.Action.Valid() {
		return nil, errs.Invalid("input.action", "unknown action %q", in.Action)
	}
	if !in.Action.ItemAction() {
		return nil, errs.Invalid("input.action", "%s is a decision about an author: use %sAuthor", in.Action, strings.ToLower(string(in.Action)))
	}
	reason, err := cleanReason(in.Reason)
	if err != nil {
		return nil, err
	}
	if NeedsReason(in.Action) && reason == nil {
		return nil, errs.Invalid("input.reason", "say why: the author sees the reason for a %s", strings.ToLower(string(in.Action)))
	}
	actor := actorOf(ctx)
	res := &Result{}
	var kind Kind
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		n, err := tx.Client().Noder(ctx, in.ItemID)
		if err != nil {
			return errs.Errorf(errs.NotFound, "item %d not found", in.ItemID)
		}
		if kind = s.kindOf(n); kind == nil {
			return errs.Errorf(errs.NotFound, "item %d is not moderatable", in.ItemID)
		}
		it, err := kind.Lock(ctx, tx, in.ItemID)
		if err != nil {
			return err
		}
		open, err := openFlags(ctx, tx, in.ItemID)
		if err != nil {
			return err
		}
		to := types.ModerationHidden
		if !(in.Action == types.ModerationHide && it.Status == types.ModerationHidden && open > 0) {
			if to, err = Transition(it.Status, in.Action); err != nil {
				return err
			}
		}
		if err := kind.SetStatus(ctx, tx, it, to, reason); err != nil {
			return err
		}
		if err := s.settleFlags(ctx, tx, in.ItemID, in.Action); err != nil {
			return err
		}
		// A flag hold (HIDDEN with OPEN flags) was in the queue; once a
		// decision settles the flags, only PENDING stays.
		if err := s.QueueMoved(ctx, tx, kind.Type(), it.ID, InQueue(it.Status, it.Status == types.ModerationHidden && open > 0), InQueue(to, false)); err != nil {
			return err
		}
		action := in.Action
		res.Decision, err = s.Record(ctx, tx, kind.Type(), it, &action, to, reason, actor)
		return err
	})
	if err != nil {
		return nil, err
	}
	res.Item, err = s.db.Noder(ctx, in.ItemID)
	return res, err
}

// Record appends a decision about it to the trail, in tx, dated by the
// core's clock: staff decisions come from Moderate; a kind records its
// publishing rule's outcomes (action nil, actor AutoActor) itself.
func (s *Service) Record(ctx context.Context, tx *ent.Tx, itemType string, it Item, action *types.ModerationAction, to types.ModerationStatus, reason *string, actor string) (*ent.ModerationDecision, error) {
	return tx.ModerationDecision.Create().
		SetCreatedAt(s.now()).
		SetItemID(it.ID).
		SetItemType(itemType).
		SetNillableAuthorID(it.AuthorID).
		SetNillableAction(action).
		SetFromStatus(it.Status).
		SetToStatus(to).
		SetNillableReason(reason).
		SetActor(actor).
		Save(ctx)
}

// AuthorType is the item type of decisions about an author (SILENCE,
// UNSILENCE): the item is the customer.
const AuthorType = "Customer"

// RecordAuthor appends a staff decision about an author (SILENCE with
// until, or UNSILENCE) to the trail, in tx, dated by the core's clock.
// The item is the customer, so the author's trail (moderationDecisions
// by authorId) lists it beside their content's decisions; it has no
// statuses, since a customer has none.
func (s *Service) RecordAuthor(ctx context.Context, tx *ent.Tx, customerID int, action types.ModerationAction, until *time.Time, reason *string, actor string) (*ent.ModerationDecision, error) {
	return tx.ModerationDecision.Create().
		SetCreatedAt(s.now()).
		SetItemID(customerID).
		SetItemType(AuthorType).
		SetAuthorID(customerID).
		SetAction(action).
		SetNillableSilencedUntil(until).
		SetNillableReason(reason).
		SetActor(actor).
		Save(ctx)
}

func (s *Service) kindOf(n ent.Noder) Kind {
	for _, k := range s.kindsSnapshot() {
		if k.Owns(n) {
			return k
		}
	}
	return nil
}

// actorOf names the staff member in ctx for the trail.
func actorOf(ctx context.Context) string {
	if v, ok := auth.FromContext(ctx); ok && v.Subject != "" {
		return v.Subject
	}
	return "system"
}

func cleanReason(r *string) (*string, error) {
	if r == nil {
		return nil, nil
	}
	t := strings.TrimSpace(*r)
	if t == "" {
		return nil, nil
	}
	if utf8.RuneCountInString(t) > MaxReasonLen {
		return nil, errs.Invalid("input.reason", "at most %d characters", MaxReasonLen)
	}
	return &t, nil
}

// Matcher returns a matcher of the current watched words. It reads them
// as system: content rules apply them for every author.
func (s *Service) Matcher(ctx context.Context) (*Matcher, error) {
	rows, err := s.db.WatchedWord.Query().All(auth.WithSystem(ctx))
	if err != nil {
		return nil, err
	}
	ws := make([]Word, len(rows))
	for i, r := range rows {
		ws[i] = Word{Word: r.Word, Action: r.Action}
	}
	return NewMatcher(ws), nil
}

// WatchedWordInput adds or changes a watched word (GraphQL
// AddWatchedWordInput).
type WatchedWordInput struct {
	Word   string                  `json:"word"`
	Action types.WatchedWordAction `json:"action"`
}

// WatchedWordResult is the word as stored (GraphQL AddWatchedWordPayload).
type WatchedWordResult struct {
	WatchedWord *ent.WatchedWord
}

// AddWatchedWord watches a word or phrase, stored normalized; adding a
// word already watched changes its action. Staff only.
func (s *Service) AddWatchedWord(ctx context.Context, in WatchedWordInput) (*WatchedWordResult, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	w := Normalize(in.Word)
	switch {
	case w == "":
		return nil, errs.Invalid("input.word", "must contain a letter or digit")
	case len(w) > MaxWordLen:
		return nil, errs.Invalid("input.word", "at most %d bytes", MaxWordLen)
	case !in.Action.Valid():
		return nil, errs.Invalid("input.action", "unknown action %q", in.Action)
	}
	actor := actorOf(ctx)
	var out *ent.WatchedWord
	err := s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		id, err := tx.WatchedWord.Create().SetWord(w).SetAction(in.Action).SetCreatedBy(actor).
			OnConflictColumns(watchedword.FieldWord).UpdateAction().UpdateUpdatedAt().ID(ctx)
		if err != nil {
			return err
		}
		out, err = tx.WatchedWord.Get(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &WatchedWordResult{WatchedWord: out}, nil
}

// RemoveWatchedWord stops watching a word. Staff only; an unknown id is
// NOT_FOUND.
func (s *Service) RemoveWatchedWord(ctx context.Context, id int) error {
	if err := auth.RequireStaff(ctx); err != nil {
		return err
	}
	return s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		n, err := tx.WatchedWord.Delete().Where(watchedword.ID(id)).Exec(ctx)
		if err == nil && n == 0 {
			return errs.Errorf(errs.NotFound, "watched word %d not found", id)
		}
		return err
	})
}
