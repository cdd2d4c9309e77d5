package moderation

import (
	"context"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/moderationqueuechange"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/live"
	"github.com/aftercart/aftercart/server/pubsub"
)

// QueueNamespace is the queue feed's topic namespace; the whole queue is
// one stream, "queue:0". It is the wire format between instances.
const QueueNamespace = "queue"

// queueKey is the one key of the queue feed.
const queueKey = 0

// queueCursors encodes ModerationQueueChange ids for clients.
const queueCursors live.Cursors = "mqc"

// QueueTopic is the pubsub topic (and the LockTopic name) of the queue.
var QueueTopic = live.Topic(QueueNamespace, queueKey)

// Option configures a Service.
type Option func(*Service)

// WithBroker announces the queue's changes through b, after commit, to
// every instance's moderationQueueChanged subscribers. Without it the
// changes are still logged (a subscriber resuming from a cursor reads
// them), but no open stream is woken: the server always passes one.
func WithBroker(b pubsub.Broker) Option { return func(s *Service) { s.broker = b } }

// WithClock dates the core's writes (decisions in the trail, settled
// flags) by c, the app's clock, which tests replace; without it, the real
// clock.
func WithClock(c clockwork.Clock) Option {
	return func(s *Service) {
		if c != nil {
			s.clock = c
		}
	}
}

// InQueue reports whether an item waits for a staff decision: PENDING
// (waiting for approval), or held by flags (hidden at once and queued;
// flagged says so: the kind's flagged_at).
func InQueue(status types.ModerationStatus, flagged bool) bool {
	return status == types.ModerationPending || flagged
}

// Queued reports whether it waits in the queue (see InQueue).
func (it Item) Queued() bool { return InQueue(it.Status, it.Flagged) }

// QueueMove is the queue change an item's move from queued was to queued
// is makes: ENTERED, LEFT, or none (ok false).
func QueueMove(was, is bool) (kind types.QueueChange, ok bool) {
	switch {
	case !was && is:
		return types.QueueEntered, true
	case was && !is:
		return types.QueueLeft, true
	}
	return "", false
}

// QueueMoved records, in tx, that item itemID of itemType went from
// queued was to queued is (see InQueue), when that is a move: the change
// joins moderationQueueChanged's log and is announced on commit. Every
// transaction that puts an item in the queue or takes it out calls it:
// Moderate does for staff decisions; a kind does for what it writes
// itself (a new item that waits, an edit that holds or releases it, a
// delete, a flag that hides it).
//
// Commit order: the queue is one stream whose items' row locks do not
// serialize different items, so it takes live.LockTopic on QueueTopic
// before inserting (nothing on SQLite, whose writers take turns already).
// Callers hold the item's row lock first; the queue lock is always the
// last lock a writer takes, so writers cannot deadlock on it.
func (s *Service) QueueMoved(ctx context.Context, tx *ent.Tx, itemType string, itemID int, was, is bool) error {
	kind, ok := QueueMove(was, is)
	if !ok {
		return nil
	}
	if err := live.LockTopic(ctx, tx, s.db.Dialect, QueueTopic); err != nil {
		return err
	}
	c, err := tx.ModerationQueueChange.Create().SetItemID(itemID).SetItemType(itemType).SetKind(kind).Save(ctx)
	if err != nil {
		return err
	}
	if s.broker == nil {
		return nil
	}
	return s.broker.Publish(ctx, tx, pubsub.Message{Topic: QueueTopic, ID: c.ID})
}

// QueueUpdate is one move in the queue as staff see it (GraphQL
// ModerationQueueUpdate).
type QueueUpdate struct {
	// Cursor identifies this update; pass it as `after` to resume after it.
	Cursor string
	// Kind says whether the item entered or left the queue.
	Kind types.QueueChange
	// ItemID is the item's id, also when it has been deleted since.
	ItemID int
	// Item is the item as it is now; nil when it has been deleted.
	Item ent.Noder
}

// QueueFeed streams the queue's moves (moderationQueueChanged); its one
// topic is keyed 0.
type QueueFeed struct{ f *live.Feed[int, *QueueUpdate] }

// NewQueueFeed registers the queue feed on e, reading through client the
// items of mod's kinds.
//
// Commit order (the engine's contract): every writer of the queue's log
// takes live.LockTopic on QueueTopic before inserting (QueueMoved; SQLite
// serializes every writer), so change ids increase in commit order.
func NewQueueFeed(e *live.Engine, client *ent.Client, mod *Service) *QueueFeed {
	return &QueueFeed{f: live.NewFeed(e, live.Config[int, *QueueUpdate]{
		Namespace: QueueNamespace,
		Cursors:   queueCursors,
		Source:    queueSource{client: client, mod: mod},
	})}
}

// Subscribe streams the queue's moves to the staff member in ctx (see
// live.Feed.Subscribe).
func (q *QueueFeed) Subscribe(ctx context.Context, after *string, t live.Target, cursorVariable string) (<-chan *QueueUpdate, error) {
	return q.f.Subscribe(ctx, queueKey, after, t, cursorVariable)
}

// Feed is the underlying live feed (for tests that drive the engine).
func (q *QueueFeed) Feed() *live.Feed[int, *QueueUpdate] { return q.f }

// queueSource is the queue feed's live.Source: the ModerationQueueChange
// log, one stream.
type queueSource struct {
	client *ent.Client
	mod    *Service
}

// Loader is what a Kind may implement so that a page of the queue feed
// reads its items in one statement rather than one per item.
type Loader interface {
	// Load returns the items of ids that still exist, by id (system
	// context).
	Load(ctx context.Context, ids []int) (map[int]ent.Noder, error)
}

// load reads the items of rows as they are now, keyed by id: per kind in
// one statement when the kind is a Loader, otherwise one per item. Items
// deleted since are absent.
func (s queueSource) load(ctx context.Context, rows []*ent.ModerationQueueChange) (map[int]ent.Noder, error) {
	byType := map[string][]int{}
	seen := map[int]bool{}
	for _, r := range rows {
		if !seen[r.ItemID] {
			seen[r.ItemID] = true
			byType[r.ItemType] = append(byType[r.ItemType], r.ItemID)
		}
	}
	loaders := map[string]Loader{}
	for _, k := range s.mod.kindsSnapshot() {
		if l, ok := k.(Loader); ok {
			loaders[k.Type()] = l
		}
	}
	items := map[int]ent.Noder{}
	for typ, ids := range byType {
		if l, ok := loaders[typ]; ok {
			ns, err := l.Load(ctx, ids)
			if err != nil {
				return nil, err
			}
			for id, n := range ns {
				items[id] = n
			}
			continue
		}
		for _, id := range ids {
			n, err := s.client.Noder(ctx, id)
			if ent.IsNotFound(err) {
				continue
			} else if err != nil {
				return nil, err
			}
			items[id] = n
		}
	}
	return items, nil
}

// Authorize lets staff follow the queue; customers get FORBIDDEN and
// anonymous viewers UNAUTHENTICATED, as for the moderationQueue query.
// Every change is staff's to see: no Filter.
func (queueSource) Authorize(ctx context.Context, _ int) (live.Filter[*QueueUpdate], error) {
	return nil, auth.RequireStaff(ctx)
}

// Read returns up to limit moves after id, oldest first, with their items
// as they are now (one statement for the page, one per kind; see Loader).
func (s queueSource) Read(ctx context.Context, _ int, after, limit int) ([]live.Change[*QueueUpdate], error) {
	rows, err := s.client.ModerationQueueChange.Query().
		Where(moderationqueuechange.IDGT(after)).
		Order(moderationqueuechange.ByID()).
		Limit(limit).
		All(ctx)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	items, err := s.load(ctx, rows)
	if err != nil {
		return nil, err
	}
	out := make([]live.Change[*QueueUpdate], len(rows))
	for i, r := range rows {
		out[i] = live.Change[*QueueUpdate]{Position: r.ID, Value: &QueueUpdate{
			Cursor: queueCursors.Encode(r.ID), Kind: r.Kind, ItemID: r.ItemID, Item: items[r.ItemID]}}
	}
	return out, nil
}

// Latest returns the queue's newest change id (0 if none).
func (s queueSource) Latest(ctx context.Context, _ int) (int, error) {
	ids, err := s.client.ModerationQueueChange.Query().
		Order(ent.Desc(moderationqueuechange.FieldID)).
		Limit(1).
		IDs(ctx)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}
