package community_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/ratelimit"
)

// topWeekQuery is a community page's "most reacted this week" tab, with
// what a post card shows (eager-loaded for the page).
const topWeekQuery = `query($topic: String, $first: Int, $after: Cursor, $sort: PostSort) {
  posts(first: $first, after: $after, topic: $topic, sort: $sort) {
    totalCount
    edges { cursor node { id body commentCount reactionCounts { kind count } media { url } viewerReactions } }
    pageInfo { hasNextPage endCursor }
  }
}`

// topPage is a topWeekQuery answer.
type topPage struct {
	Posts struct {
		TotalCount int
		Edges      []struct {
			Node struct{ ID, Body string }
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
}

// bodies lists the page's posts by body.
func (p topPage) bodies() string {
	var out []string
	for _, e := range p.Posts.Edges {
		out = append(out, e.Node.Body)
	}
	return strings.Join(out, ",")
}

// top reads one page of topic's posts in sort order.
func (s *testServer) top(t *testing.T, token string, vars map[string]any) topPage {
	t.Helper()
	var p topPage
	s.GQL(t, token, topWeekQuery, vars).MustOK(t, &p)
	return p
}

// TestTopWeekFeed: posts(sort: TOP_WEEK) ranks by reactions made in the 7
// days before the server's clock (older ones do not count), ties newest
// first, then posts without reactions in those days, newest first; pages
// through both parts with cursors that keep their window (reactions made
// later, or a clock a week further, reshuffle nothing already paged); a
// page of five costs the statements a page of one does; cursors of one
// order are INVALID_INPUT in the other, as is paging backwards.
func TestTopWeekFeed(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		clock := clockwork.NewFakeClockAt(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))
		s := mustServer(t, dbURL, func(c *app.Config) {
			c.Clock = clock
			c.CommunityLimits = &community.Limits{
				Posts:     ratelimit.Rate{Burst: 100, Every: time.Second},
				Reactions: ratelimit.Rate{Burst: 100, Every: time.Second},
			}
		})
		sh := s.Shop(t)
		s.communityTopics(t, sh.Admin)
		ids := map[string]string{}
		for _, body := range []string{"A", "B", "C", "D", "E"} {
			ids[body] = s.mustCreatePost(t, sh.Mina, map[string]any{"topic": "unboxing", "body": body}).ID
			clock.Advance(time.Minute)
		}
		s.mustCreatePost(t, sh.Mina, map[string]any{"topic": "how-to", "body": "Other topic"})
		react := func(token, body string, kinds ...string) {
			t.Helper()
			for _, k := range kinds {
				s.GQL(t, token, reactMutation, map[string]any{"input": map[string]any{"postId": ids[body], "kind": k}}).MustOK(t, nil)
			}
		}
		// A was the hit of last week: nine reactions, eight days ago.
		for _, tok := range []string{sh.Ana, sh.Leo, sh.Mina} {
			react(tok, "A", "LIKE", "LOVE", "HELPFUL")
		}
		clock.Advance(8 * 24 * time.Hour)
		react(sh.Ana, "B", "LIKE", "LOVE")
		react(sh.Leo, "C", "LIKE")
		react(sh.Ana, "C", "HELPFUL")
		react(sh.Leo, "D", "LOVE")

		vars := map[string]any{"topic": "unboxing", "first": 5, "sort": "TOP_WEEK"}
		if got := s.top(t, sh.Ana, vars); got.bodies() != "C,B,D,E,A" || got.Posts.TotalCount != 5 || got.Posts.PageInfo.HasNextPage {
			t.Fatalf("TOP_WEEK: %s (total %d), want C,B,D,E,A: C and B tie (newest first), A's reactions are 8 days old", got.bodies(), got.Posts.TotalCount)
		}
		if got := s.top(t, "", map[string]any{"first": 3, "sort": "TOP_WEEK"}); got.bodies() != "C,B,D" {
			t.Fatalf("TOP_WEEK across topics, anonymous: %s", got.bodies())
		}
		if got := s.top(t, sh.Ana, map[string]any{"topic": "unboxing", "first": 5}); got.bodies() != "E,D,C,B,A" {
			t.Fatalf("NEWEST (the default): %s", got.bodies())
		}

		// Two at a time: through the reacted posts into the others.
		vars["first"] = 2
		p1 := s.top(t, sh.Ana, vars)
		if p1.bodies() != "C,B" || !p1.Posts.PageInfo.HasNextPage {
			t.Fatalf("page 1: %s", p1.bodies())
		}
		// Later reactions and a clock a week further on do not move what
		// the first page's cursor pages through.
		clock.Advance(time.Minute)
		s.GQL(t, sh.Leo, `mutation($input: ReactInput!) { unreact(input: $input) { post { id } } }`,
			map[string]any{"input": map[string]any{"postId": ids["A"], "kind": "LIKE"}}).MustOK(t, nil)
		react(sh.Leo, "A", "LIKE")
		react(sh.Mina, "E", "LIKE")
		clock.Advance(7*24*time.Hour - time.Minute)
		p2 := s.top(t, sh.Ana, map[string]any{"topic": "unboxing", "first": 2, "sort": "TOP_WEEK", "after": *p1.Posts.PageInfo.EndCursor})
		if p2.bodies() != "D,E" || !p2.Posts.PageInfo.HasNextPage {
			t.Fatalf("page 2: %s, want D,E", p2.bodies())
		}
		p3 := s.top(t, sh.Ana, map[string]any{"topic": "unboxing", "first": 2, "sort": "TOP_WEEK", "after": *p2.Posts.PageInfo.EndCursor})
		if p3.bodies() != "A" || p3.Posts.PageInfo.HasNextPage {
			t.Fatalf("page 3: %s, want A and no more", p3.bodies())
		}
		// A fresh first page counts the week before now: the two new
		// reactions (A's and E's tie, E is newer); B, C and D's are
		// exactly 7 days old, which no longer counts.
		vars["first"] = 5
		if got := s.top(t, sh.Ana, vars); got.bodies() != "E,A,D,C,B" {
			t.Fatalf("a week later: %s, want E,A,D,C,B", got.bodies())
		}

		// One statement ranks the page: five posts cost what one costs.
		count := func(first int) int64 {
			s.Statements.Store(0)
			s.top(t, sh.Ana, map[string]any{"topic": "unboxing", "first": first, "sort": "TOP_WEEK"})
			return s.Statements.Load()
		}
		if one, five := count(1), count(5); one != five {
			t.Fatalf("a page of one ran %d statements, of five %d: a query per post", one, five)
		}

		newest := s.top(t, sh.Ana, map[string]any{"topic": "unboxing", "first": 1})
		for name, v := range map[string]map[string]any{
			"NEWEST cursor in TOP_WEEK": {"first": 1, "sort": "TOP_WEEK", "after": *newest.Posts.PageInfo.EndCursor},
			"TOP_WEEK cursor in NEWEST": {"first": 1, "after": *p1.Posts.PageInfo.EndCursor},
		} {
			if r := s.GQL(t, sh.Ana, topWeekQuery, v); r.Code() != "INVALID_INPUT" {
				t.Fatalf("%s: %s", name, r.Raw)
			}
		}
		s.GQL(t, sh.Ana, `query { posts(last: 2, sort: TOP_WEEK) { edges { node { id } } } }`, nil).MustCode(t, "INVALID_INPUT")
	})
}
