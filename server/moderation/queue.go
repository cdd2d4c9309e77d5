package moderation

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/flag"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// MaxQueuePage bounds one page of the queue (the cost model's page limit).
const MaxQueuePage = 100

// QueueKey orders the queue: oldest first, then by id.
type QueueKey struct {
	CreatedAt time.Time
	ID        int
}

// Less reports whether k comes before o.
func (k QueueKey) Less(o QueueKey) bool {
	if !k.CreatedAt.Equal(o.CreatedAt) {
		return k.CreatedAt.Before(o.CreatedAt)
	}
	return k.ID < o.ID
}

// cursor encodes k for clients: opaque, and refused by other connections.
func (k QueueKey) cursor() string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "mq:%d:%d", k.CreatedAt.UnixNano(), k.ID))
}

func parseQueueCursor(c string) (*QueueKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	var ns int64
	var id int
	if err == nil {
		_, err = fmt.Sscanf(string(b), "mq:%d:%d", &ns, &id)
	}
	if err != nil {
		return nil, errs.Invalid("after", "%q is not a moderation queue cursor", c)
	}
	return &QueueKey{CreatedAt: time.Unix(0, ns), ID: id}, nil
}

// QueueEntry is one queued item a Kind returns.
type QueueEntry struct {
	Key  QueueKey
	Node ent.Noder
	// Reasons says why it waits (see Reasons).
	Reasons []QueueReason
}

// QueueConnection is a page of the queue (GraphQL
// ModerationQueueConnection).
type QueueConnection struct {
	// TotalCount counts the items the filter keeps.
	TotalCount int
	// Counts counts the queue per reason, for the filter's kinds and age
	// (its reason aside), so a screen shows every tab's number at once.
	Counts   QueueCounts
	Edges    []*QueueEdge
	PageInfo QueuePageInfo
}

// QueueCounts are the queue's numbers per reason (GraphQL
// ModerationQueueCounts). An item held by a watched word counts under
// both PENDING_APPROVAL and WATCHED_WORD.
type QueueCounts struct {
	PendingApproval, Flagged, WatchedWord int
}

// QueueEdge is one queued item with its cursor, why it waits and, for a
// flagged item, its flags.
type QueueEdge struct {
	Cursor  string
	Node    ent.Noder
	Reasons []QueueReason
	// Flags are every flag on the item, oldest first (OPEN ones count
	// toward the decision due).
	Flags []*ent.Flag
}

// QueuePageInfo says whether more items follow.
type QueuePageInfo struct {
	HasNextPage bool
	EndCursor   *string
}

// Queue returns up to first queued items of every kind after the cursor
// after, oldest first, that the filter keeps (nil keeps all), how many it
// keeps and the counts per reason. Staff only.
//
// Each kind reads its own first+1 items in queue order; merging them and
// keeping the first first is the page. Statuses stay on the items' own
// rows and flags in the flags table, so the queue can never disagree
// with them. The page's flags load in one statement.
func (s *Service) Queue(ctx context.Context, first int, after *string, filter *QueueFilter) (*QueueConnection, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	if first < 1 || first > MaxQueuePage {
		return nil, errs.Invalid("first", "must be in 1..%d", MaxQueuePage)
	}
	var key *QueueKey
	if after != nil {
		var err error
		if key, err = parseQueueCursor(*after); err != nil {
			return nil, err
		}
	}
	f := QueueFilter{}
	if filter != nil {
		f = *filter
	}
	kinds, err := s.kindsOf(f.Kinds)
	if err != nil {
		return nil, err
	}
	out := &QueueConnection{}
	var all []QueueEntry
	for _, k := range kinds {
		n, err := k.CountQueued(ctx, f)
		if err != nil {
			return nil, err
		}
		out.TotalCount += n
		for _, r := range QueueReasons {
			byReason := f
			byReason.Reason = &r
			n, err := k.CountQueued(ctx, byReason)
			if err != nil {
				return nil, err
			}
			*out.Counts.of(r) += n
		}
		es, err := k.Queued(ctx, f, key, first+1)
		if err != nil {
			return nil, err
		}
		all = append(all, es...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Key.Less(all[j].Key) })
	if len(all) > first {
		all, out.PageInfo.HasNextPage = all[:first], true
	}
	flags, err := s.flagsOf(ctx, all)
	if err != nil {
		return nil, err
	}
	for _, e := range all {
		out.Edges = append(out.Edges, &QueueEdge{Cursor: e.Key.cursor(), Node: e.Node, Reasons: e.Reasons, Flags: flags[e.Key.ID]})
	}
	if len(out.Edges) > 0 {
		c := out.Edges[len(out.Edges)-1].Cursor
		out.PageInfo.EndCursor = &c
	}
	return out, nil
}

func (c *QueueCounts) of(r QueueReason) *int {
	switch r {
	case ReasonFlagged:
		return &c.Flagged
	case ReasonWatchedWord:
		return &c.WatchedWord
	}
	return &c.PendingApproval
}

// kindsOf returns the registered kinds the filter names (all when it
// names none); an unknown name is INVALID_INPUT.
func (s *Service) kindsOf(names []ItemKind) ([]Kind, error) {
	kinds := s.kindsSnapshot()
	if len(names) == 0 {
		return kinds, nil
	}
	var out []Kind
	for i, n := range names {
		found := false
		for _, k := range kinds {
			if kindName(k) == n {
				found = true
				if !slices.Contains(out, k) {
					out = append(out, k)
				}
			}
		}
		if !found {
			return nil, errs.Invalid(fmt.Sprintf("filter.kinds[%d]", i), "unknown kind %q", n)
		}
	}
	return out, nil
}

// flagsOf loads the flags of the page's items, oldest first, by item.
func (s *Service) flagsOf(ctx context.Context, es []QueueEntry) (map[int][]*ent.Flag, error) {
	if len(es) == 0 {
		return nil, nil
	}
	ids := make([]int, len(es))
	for i, e := range es {
		ids[i] = e.Key.ID
	}
	fs, err := s.db.Flag.Query().Where(flag.ItemIDIn(ids...)).Order(flag.ByCreatedAt(), flag.ByID()).All(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int][]*ent.Flag{}
	for _, f := range fs {
		out[f.ItemID] = append(out[f.ItemID], f)
	}
	return out, nil
}
