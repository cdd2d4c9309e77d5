package community

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/dialect/sql"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/post"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/errs"
)

// Sort orders the feed (GraphQL PostSort).
type Sort string

// The feed's orders.
const (
	// SortNewest is newest first, by when posts were published.
	SortNewest Sort = "NEWEST"
	// SortTopWeek is most reacted in the TopWindow before the clock's
	// now, ties newest first.
	SortTopWeek Sort = "TOP_WEEK"
)

// TopWindow is how far back TOP_WEEK counts reactions.
const TopWindow = 7 * 24 * time.Hour

// MarshalGQL writes the sort as a GraphQL enum value.
func (s Sort) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }

// UnmarshalGQL reads a GraphQL enum value.
func (s *Sort) UnmarshalGQL(v any) error {
	str, _ := v.(string)
	if Sort(str) != SortNewest && Sort(str) != SortTopWeek {
		return errs.Invalid("sort", "%q is not a PostSort", v)
	}
	*s = Sort(str)
	return nil
}

// A TOP_WEEK page is ranked by one statement over two bounded parts, never
// over every post of the topic:
//
//   - the posts reacted to in the window: the window's reactions (index
//     created_at, post_id), counted per post, joined to their posts, sorted;
//     as many as there are posts reacted to in 7 days, at most;
//   - then those without a reaction in the window, newest first: the
//     NEWEST feed's index (status, published_at), each row checked by the
//     reactions index, stopping at the page's size.
//
// Each part is cut at the page's size plus one before the two are joined
// to the posts, so the page costs what its size and the week's reactions
// cost. ent's eager loading and privacy rules apply to the result as to the
// NEWEST feed.
//
// The window is fixed by the first page: its cursors carry the moment the
// window ends (the clock's now when the first page was read), so later
// pages rank by the same counts and a cursor stays valid however long it
// is held: reactions left since, or a week later, do not reshuffle the
// pages already read (taking a reaction back or hiding a post still
// does, as it must). A cursor of one order is INVALID_INPUT in the other.

// topCursorPrefix marks a TOP_WEEK cursor's value; NEWEST cursors carry a
// time there.
const topCursorPrefix = "top|"

// topPosition is where a TOP_WEEK page ended: the window's end, and the
// last post's count, publication and id.
type topPosition struct {
	until     time.Time
	week      int
	published time.Time
	id        int
}

// cursor encodes p as a connection cursor: the post's id and, as its
// value, "top|until|week|published" (times in RFC 3339 with their zone, so
// a published_at compares equal to what the database holds).
func (p topPosition) cursor() ent.Cursor {
	return ent.Cursor{ID: p.id, Value: topCursorPrefix + p.until.Format(time.RFC3339Nano) + "|" +
		strconv.Itoa(p.week) + "|" + p.published.Format(time.RFC3339Nano)}
}

// isTopCursor reports whether c is a TOP_WEEK cursor.
func isTopCursor(c *entgql.Cursor[int]) bool {
	s, ok := c.Value.(string)
	return ok && strings.HasPrefix(s, topCursorPrefix)
}

// parseTopCursor decodes a TOP_WEEK cursor; anything else is INVALID_INPUT.
func parseTopCursor(c *entgql.Cursor[int]) (*topPosition, error) {
	bad := errs.Invalid("after", "not a cursor of the TOP_WEEK order")
	s, ok := c.Value.(string)
	if !ok || !strings.HasPrefix(s, topCursorPrefix) {
		return nil, bad
	}
	parts := strings.Split(strings.TrimPrefix(s, topCursorPrefix), "|")
	if len(parts) != 3 {
		return nil, bad
	}
	until, err1 := time.Parse(time.RFC3339Nano, parts[0])
	week, err2 := strconv.Atoi(parts[1])
	published, err3 := time.Parse(time.RFC3339Nano, parts[2])
	if err1 != nil || err2 != nil || err3 != nil || week < 0 || c.ID <= 0 {
		return nil, bad
	}
	return &topPosition{until: until, week: week, published: published, id: c.ID}, nil
}

// topWeekColumn is the extra column the page's statement selects: each
// post's reaction count in the window.
const topWeekColumn = "top_week"

// topPage reads a TOP_WEEK page of PUBLISHED posts (of topicID, or all
// topics when nil). It pages forward only (first, after): a ranking read
// backwards has no use on a feed.
func (s *Service) topPage(ctx context.Context, topicID *int, p Page) (*ent.PostConnection, error) {
	if p.Last != nil || p.Before != nil {
		return nil, errs.Invalid("last", "TOP_WEEK pages forward: use first and after")
	}
	if p.First == nil || *p.First < 0 {
		return nil, errs.Invalid("first", "TOP_WEEK needs first (1..100)")
	}
	var after *topPosition
	until := s.now()
	if p.After != nil {
		var err error
		if after, err = parseTopCursor(p.After); err != nil {
			return nil, err
		}
		until = after.until
	}
	n := *p.First
	q := s.db.Post.Query().Where(post.StatusEQ(types.ModerationPublished))
	if topicID != nil {
		q.Where(post.TopicID(*topicID))
	}
	rank := topRanking(s.db.Dialect, topicID, until.Add(-TopWindow), until, after, n+1)
	// ent's builders change the query they are called on: the page gets
	// a clone, q stays the plain count of the order's posts.
	rows, err := withViewer(ctx, withEdges(q.Clone())).
		Where(func(sel *sql.Selector) {
			sel.Join(rank).On(sel.C(post.FieldID), rank.C("post_id"))
			sel.AppendSelectExprAs(sql.Expr(rank.C("week")), topWeekColumn)
		}).
		Order(func(sel *sql.Selector) {
			sel.OrderExpr(sql.Expr(rank.C("week") + " DESC"))
			sel.OrderBy(sql.Desc(sel.C(post.FieldPublishedAt)), sql.Desc(sel.C(post.FieldID)))
		}).
		Limit(n + 1).
		All(ctx)
	if err != nil {
		return nil, err
	}
	conn := &ent.PostConnection{PageInfo: ent.PageInfo{HasPreviousPage: after != nil}}
	if len(rows) > n {
		conn.PageInfo.HasNextPage = true
		rows = rows[:n]
	}
	for _, r := range rows {
		week, err := weekOf(r)
		if err != nil {
			return nil, err
		}
		pub := time.Time{}
		if r.PublishedAt != nil {
			pub = *r.PublishedAt
		}
		conn.Edges = append(conn.Edges, &ent.PostEdge{Node: r,
			Cursor: topPosition{until: until, week: week, published: pub, id: r.ID}.cursor()})
	}
	if len(conn.Edges) > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[len(conn.Edges)-1].Cursor
	}
	if p.TotalCount {
		if conn.TotalCount, err = q.Count(ctx); err != nil {
			return nil, err
		}
	}
	return conn, nil
}

// weekOf is the window's reaction count the page's statement selected for
// r.
func weekOf(r *ent.Post) (int, error) {
	v, err := r.Value(topWeekColumn)
	if err != nil {
		return 0, err
	}
	switch w := v.(type) {
	case int64:
		return int(w), nil
	case int:
		return w, nil
	case float64:
		return int(w), nil
	case []byte:
		return strconv.Atoi(string(w))
	case string:
		return strconv.Atoi(w)
	}
	return 0, fmt.Errorf("community: %s is %T", topWeekColumn, v)
}

// topRanking is the derived table "top" (post_id, week) of the next n
// posts in TOP_WEEK order after position after (nil: from the top),
// counting reactions made in (since, until]: the two bounded parts
// described above, each sorted and cut at n. Plain SQL that Postgres and
// SQLite both run; the arguments are bound. dialect quotes the table's
// columns where the page's statement names them.
func topRanking(dialect string, topicID *int, since, until time.Time, after *topPosition, n int) *sql.Selector {
	published := string(types.ModerationPublished)
	inTopic := func(b *sql.Builder) {
		b.WriteString(" WHERE p.status = ").Arg(published)
		if topicID != nil {
			b.WriteString(" AND p.topic_id = ").Arg(*topicID)
		}
	}
	// newer is "(published_at, id) after the cursor's", newest first.
	newer := func(b *sql.Builder) {
		b.WriteString(" AND (p.published_at < ").Arg(after.published).
			WriteString(" OR p.published_at = ").Arg(after.published).
			WriteString(" AND p.id < ").Arg(after.id).WriteString(")")
	}
	return sql.Dialect(dialect).Select("post_id", "week").FromExpr(sql.ExprFunc(func(b *sql.Builder) {
		// The posts reacted to in the window.
		b.WriteString("(SELECT * FROM (SELECT r.post_id AS post_id, r.week AS week FROM " +
			"(SELECT post_id, COUNT(*) AS week FROM reactions WHERE created_at > ").Arg(since).
			WriteString(" AND created_at <= ").Arg(until).
			WriteString(" GROUP BY post_id) r JOIN posts p ON p.id = r.post_id")
		inTopic(b)
		switch {
		case after == nil:
		case after.week == 0:
			// The cursor is among the posts without reactions, which
			// all come after these.
			b.WriteString(" AND 1 = 0")
		default:
			b.WriteString(" AND (r.week < ").Arg(after.week).WriteString(" OR r.week = ").Arg(after.week)
			newer(b)
			b.WriteString(")")
		}
		b.WriteString(" ORDER BY r.week DESC, p.published_at DESC, p.id DESC LIMIT ").Arg(n)
		// Then the others, newest first.
		b.WriteString(") top_reacted UNION ALL SELECT * FROM (SELECT p.id AS post_id, 0 AS week FROM posts p")
		inTopic(b)
		b.WriteString(" AND NOT EXISTS (SELECT 1 FROM reactions x WHERE x.post_id = p.id AND x.created_at > ").Arg(since).
			WriteString(" AND x.created_at <= ").Arg(until).WriteString(")")
		if after != nil && after.week == 0 {
			newer(b)
		}
		b.WriteString(" ORDER BY p.published_at DESC, p.id DESC LIMIT ").Arg(n).
			WriteString(") top_rest) top_union")
	})).As("top")
}
