package moderation

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"time"

	"github.com/aftercart/aftercart/ent"
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

// QueueEntry is one pending item a Kind returns.
type QueueEntry struct {
	Key  QueueKey
	Node ent.Noder
}

// QueueConnection is a page of the queue (GraphQL
// ModerationQueueConnection).
type QueueConnection struct {
	TotalCount int
	Edges      []*QueueEdge
	PageInfo   QueuePageInfo
}

// QueueEdge is one queued item with its cursor.
type QueueEdge struct {
	Cursor string
	Node   ent.Noder
}

// QueuePageInfo says whether more items follow.
type QueuePageInfo struct {
	HasNextPage bool
	EndCursor   *string
}

// Queue returns up to first PENDING items of every kind after the cursor
// after, oldest first, and how many are pending in all. Staff only.
//
// Each kind reads its own first+1 items in queue order; merging them and
// keeping the first first is the page. Statuses stay on the items' own
// rows, so the queue can never disagree with them.
func (s *Service) Queue(ctx context.Context, first int, after *string) (*QueueConnection, error) {
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
	out := &QueueConnection{}
	var all []QueueEntry
	for _, k := range s.kindsSnapshot() {
		n, err := k.CountPending(ctx)
		if err != nil {
			return nil, err
		}
		out.TotalCount += n
		es, err := k.Pending(ctx, key, first+1)
		if err != nil {
			return nil, err
		}
		all = append(all, es...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Key.Less(all[j].Key) })
	if len(all) > first {
		all, out.PageInfo.HasNextPage = all[:first], true
	}
	for _, e := range all {
		out.Edges = append(out.Edges, &QueueEdge{Cursor: e.Key.cursor(), Node: e.Node})
	}
	if len(out.Edges) > 0 {
		c := out.Edges[len(out.Edges)-1].Cursor
		out.PageInfo.EndCursor = &c
	}
	return out, nil
}
