package reviews_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/jonboulle/clockwork"
)

// awaitingPage is reviewsAwaitingReply's answer.
type awaitingPage struct {
	ReviewsAwaitingReply struct {
		TotalCount int
		Edges      []struct{ Node struct{ ID string } }
		PageInfo   struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
}

// awaitingAll reads reviewsAwaitingReply two at a time and returns the ids
// in order and the totalCount of every page (which must agree).
func (s *testServer) awaitingAll(t *testing.T, admin string) (ids []string, total int) {
	t.Helper()
	var after any
	for page := 0; page < 20; page++ {
		var out awaitingPage
		s.GQL(t, admin, awaitingReplyQuery, map[string]any{"first": 2, "after": after}).MustOK(t, &out)
		a := out.ReviewsAwaitingReply
		if page > 0 && a.TotalCount != total {
			t.Fatalf("totalCount %d on page %d, %d before", a.TotalCount, page, total)
		}
		total = a.TotalCount
		for _, e := range a.Edges {
			ids = append(ids, e.Node.ID)
		}
		if !a.PageInfo.HasNextPage {
			return ids, total
		}
		after = *a.PageInfo.EndCursor
	}
	t.Fatal("reviewsAwaitingReply never ends")
	return nil, 0
}

// TestReviewsAwaitingReply: staff see the 1-2 star reviews the store has
// not answered, published or still pending, oldest first (ties by id),
// across pages; a review leaves the list when staff reply (the author's
// own answer does not count), or when it is hidden or rejected (nobody
// else sees it). Customers are FORBIDDEN, anonymous callers
// UNAUTHENTICATED.
func TestReviewsAwaitingReply(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		clock := clockwork.NewFakeClockAt(time.Now().Add(-time.Hour))
		s := mustServer(t, dbURL, func(c *app.Config) { c.Clock = clock })
		sh := s.Shop(t)
		p0, p1 := sh.Products[0], sh.Products[1]
		ben := s.reviewBuyer(t, "ben@example.com", "AW1", true)
		cleo := s.reviewBuyer(t, "cleo@example.com", "AW2", true)
		dan := s.reviewBuyer(t, "dan@example.com", "AW3", true)
		write := func(tok, product string, rating int, advance time.Duration) string {
			clock.Advance(advance)
			return s.mustWriteReview(t, tok, map[string]any{"productId": product, "rating": rating, "body": fmt.Sprintf("%d stars.", rating)}).ID
		}
		mina := write(sh.Mina, p0, 2, 0)
		write(ben, p0, 3, time.Minute)            // 3 stars: not negative
		leo := write(sh.Leo, p1, 1, time.Minute)  // pending (not delivered): staff still answer it
		ana := write(sh.Ana, p0, 1, 0)            // same instant as leo's, written after
		write(cleo, p0, 5, time.Minute)           // positive
		dan1 := write(dan, p0, 1, 90*time.Second) // will be hidden

		want := []string{mina, leo, ana, dan1}
		if ids, total := s.awaitingAll(t, sh.Admin); fmt.Sprint(ids) != fmt.Sprint(want) || total != len(want) {
			t.Fatalf("awaiting reply = %v (totalCount %d), want %v oldest first", ids, total, want)
		}
		s.GQL(t, sh.Mina, awaitingReplyQuery, map[string]any{"first": 5}).MustCode(t, "FORBIDDEN")
		s.GQL(t, "", awaitingReplyQuery, map[string]any{"first": 5}).MustCode(t, "UNAUTHENTICATED")

		reply := func(tok, id, body string) {
			s.GQL(t, tok, replyMutation, map[string]any{"input": map[string]any{"reviewId": id, "body": body}}).MustOK(t, nil)
		}
		reply(sh.Mina, mina, "Any answer?") // the author's answer is no merchant reply
		reply(sh.Admin, ana, "Sorry: a replacement is on its way.")
		s.moderate(t, sh.Admin, dan1, "HIDE", "Insults")
		s.moderate(t, sh.Admin, leo, "REJECT", "About the courier, not the product")
		want = []string{mina}
		if ids, total := s.awaitingAll(t, sh.Admin); fmt.Sprint(ids) != fmt.Sprint(want) || total != len(want) {
			t.Fatalf("after the replies and decisions: %v (totalCount %d), want %v", ids, total, want)
		}
		reply(sh.Admin, mina, "We answered by email.")
		if ids, total := s.awaitingAll(t, sh.Admin); len(ids) != 0 || total != 0 {
			t.Fatalf("every negative review answered, yet %v (totalCount %d)", ids, total)
		}
	})
}

// queuePage is a moderationQueue page with the fields paging looks at.
type queuePage struct {
	ModerationQueue struct {
		TotalCount int
		Edges      []struct {
			Cursor string
			Node   struct{ ID, Status, CreatedAt string }
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
}

// TestModerationQueuePaging: the queue read two at a time by cursor gives
// every pending review exactly once, oldest first with ties by id, with
// the same totalCount on every page, and carries on from its cursor when
// an item already read is decided between pages. Bad page arguments are
// INVALID_INPUT. The decision trail filtered by author holds that
// author's entries only; customers are FORBIDDEN from it.
func TestModerationQueuePaging(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		clock := clockwork.NewFakeClockAt(time.Now().Add(-time.Hour))
		s := mustServer(t, dbURL, func(c *app.Config) { c.Clock = clock })
		sh := s.Shop(t)
		p0, p1 := sh.Products[0], sh.Products[1]
		s.GQL(t, sh.Admin, watchMutation, map[string]any{"word": "refund", "action": "REQUIRE_APPROVAL"}).MustOK(t, nil)
		var pending []string
		write := func(tok, product, body string, advance time.Duration) {
			clock.Advance(advance)
			rv := s.mustWriteReview(t, tok, map[string]any{"productId": product, "rating": 4, "body": body})
			if rv.Status != "PENDING" {
				t.Fatalf("%q = %+v, want PENDING", body, rv)
			}
			pending = append(pending, rv.ID)
		}
		write(sh.Leo, p1, "Not delivered yet.", 0)
		write(sh.Mina, p0, "Fine, but I want a refund.", time.Minute) // verified, held by the word
		write(sh.Leo, p0, "Ordered this one too.", 0)                 // same instant
		for i := range 3 {
			write(s.reviewBuyer(t, fmt.Sprintf("q%d@example.com", i), fmt.Sprintf("MQ%d", i), false), p1, fmt.Sprintf("Waiting %d.", i), time.Duration(i)*time.Second)
		}

		var got []string
		var after any
		for page := 0; ; page++ {
			var q queuePage
			s.GQL(t, sh.Admin, queuePageQuery, map[string]any{"first": 2, "after": after}).MustOK(t, &q)
			mq := q.ModerationQueue
			// One item of the first page is approved before the second is read.
			wantTotal := len(pending)
			if page > 0 {
				wantTotal--
			}
			if mq.TotalCount != wantTotal || len(mq.Edges) > 2 || page > 10 {
				t.Fatalf("page %d: totalCount %d (want %d), %d items", page, mq.TotalCount, wantTotal, len(mq.Edges))
			}
			for _, e := range mq.Edges {
				if e.Node.Status != "PENDING" {
					t.Fatalf("queue item %+v", e.Node)
				}
				got = append(got, e.Node.ID)
			}
			if page == 0 {
				s.moderate(t, sh.Admin, mq.Edges[0].Node.ID, "APPROVE", "")
			}
			if !mq.PageInfo.HasNextPage {
				break
			}
			if *mq.PageInfo.EndCursor != mq.Edges[len(mq.Edges)-1].Cursor {
				t.Fatalf("page %d: endCursor is not the last edge's cursor", page)
			}
			after = *mq.PageInfo.EndCursor
		}
		// Written in queue order: the ids ascend within the tie.
		if fmt.Sprint(got) != fmt.Sprint(pending) {
			t.Fatalf("queue read by pages = %v, want %v oldest first", got, pending)
		}
		s.GQL(t, sh.Admin, queuePageQuery, map[string]any{"first": 0}).MustCode(t, "INVALID_INPUT")
		s.GQL(t, sh.Admin, queuePageQuery, map[string]any{"first": 101}).MustCode(t, "INVALID_INPUT")
		s.GQL(t, sh.Admin, queuePageQuery, map[string]any{"first": 2, "after": "bm90LWEtY3Vyc29y"}).MustCode(t, "INVALID_INPUT")

		// The trail by author: Leo's two reviews, the first also approved.
		var v struct{ Viewer struct{ ID string } }
		s.GQL(t, sh.Leo, `{ viewer { id } }`, nil).MustOK(t, &v)
		var tr struct {
			ModerationDecisions struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						ItemID               string
						AuthorID             *string
						Action               *string
						FromStatus, ToStatus string
					}
				}
			}
		}
		s.GQL(t, sh.Leo, trailByAuthorQuery, map[string]any{"author": v.Viewer.ID}).MustCode(t, "FORBIDDEN")
		s.GQL(t, sh.Admin, trailByAuthorQuery, map[string]any{"author": v.Viewer.ID}).MustOK(t, &tr)
		var steps []string
		for _, e := range tr.ModerationDecisions.Edges {
			a := "rule"
			if e.Node.Action != nil {
				a = *e.Node.Action
			}
			if e.Node.AuthorID == nil || *e.Node.AuthorID != v.Viewer.ID {
				t.Fatalf("an entry by another author: %+v", e.Node)
			}
			steps = append(steps, fmt.Sprintf("%s %s:%s>%s", e.Node.ItemID, a, e.Node.FromStatus, e.Node.ToStatus))
		}
		want := fmt.Sprintf("[%[1]s rule:PENDING>PENDING %[2]s rule:PENDING>PENDING %[1]s APPROVE:PENDING>PUBLISHED]", pending[0], pending[2])
		if got := fmt.Sprint(steps); got != want || tr.ModerationDecisions.TotalCount != 3 {
			t.Fatalf("leo's trail = %s (totalCount %d), want %s", got, tr.ModerationDecisions.TotalCount, want)
		}
	})
}
