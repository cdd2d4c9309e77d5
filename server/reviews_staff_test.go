package main

import (
	"fmt"
	"testing"
	"time"

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
		s.gql(t, admin, awaitingReplyQuery, map[string]any{"first": 2, "after": after}).mustOK(t, &out)
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
	eachDB(t, func(t *testing.T, dbURL string) {
		clock := clockwork.NewFakeClockAt(time.Now().Add(-time.Hour))
		s := mustServer(t, dbURL, func(c *Config) { c.Clock = clock })
		sh := s.reviewShop(t)
		p0, p1 := sh.products[0], sh.products[1]
		ben := s.reviewBuyer(t, "ben@example.com", "AW1", true)
		cleo := s.reviewBuyer(t, "cleo@example.com", "AW2", true)
		dan := s.reviewBuyer(t, "dan@example.com", "AW3", true)
		write := func(tok, product string, rating int, advance time.Duration) string {
			clock.Advance(advance)
			return s.mustWriteReview(t, tok, map[string]any{"productId": product, "rating": rating, "body": fmt.Sprintf("%d stars.", rating)}).ID
		}
		mina := write(sh.mina, p0, 2, 0)
		write(ben, p0, 3, time.Minute)            // 3 stars: not negative
		leo := write(sh.leo, p1, 1, time.Minute)  // pending (not delivered): staff still answer it
		ana := write(sh.ana, p0, 1, 0)            // same instant as leo's, written after
		write(cleo, p0, 5, time.Minute)           // positive
		dan1 := write(dan, p0, 1, 90*time.Second) // will be hidden

		want := []string{mina, leo, ana, dan1}
		if ids, total := s.awaitingAll(t, sh.admin); fmt.Sprint(ids) != fmt.Sprint(want) || total != len(want) {
			t.Fatalf("awaiting reply = %v (totalCount %d), want %v oldest first", ids, total, want)
		}
		s.gql(t, sh.mina, awaitingReplyQuery, map[string]any{"first": 5}).mustCode(t, "FORBIDDEN")
		s.gql(t, "", awaitingReplyQuery, map[string]any{"first": 5}).mustCode(t, "UNAUTHENTICATED")

		reply := func(tok, id, body string) {
			s.gql(t, tok, replyMutation, map[string]any{"input": map[string]any{"reviewId": id, "body": body}}).mustOK(t, nil)
		}
		reply(sh.mina, mina, "Any answer?") // the author's answer is no merchant reply
		reply(sh.admin, ana, "Sorry: a replacement is on its way.")
		s.moderate(t, sh.admin, dan1, "HIDE", "Insults")
		s.moderate(t, sh.admin, leo, "REJECT", "About the courier, not the product")
		want = []string{mina}
		if ids, total := s.awaitingAll(t, sh.admin); fmt.Sprint(ids) != fmt.Sprint(want) || total != len(want) {
			t.Fatalf("after the replies and decisions: %v (totalCount %d), want %v", ids, total, want)
		}
		reply(sh.admin, mina, "We answered by email.")
		if ids, total := s.awaitingAll(t, sh.admin); len(ids) != 0 || total != 0 {
			t.Fatalf("every negative review answered, yet %v (totalCount %d)", ids, total)
		}
	})
}
