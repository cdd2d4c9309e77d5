package reviews_test

import (
	"fmt"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/ratelimit"
	"github.com/aftercart/aftercart/server/reviews"
)

// roomyReviewLimits lets one customer write and edit as often as a test
// needs (edits count against the review limit, refused ones included).
var roomyReviewLimits = reviews.Limits{Reviews: ratelimit.Rate{Burst: 100, Every: time.Second}}

// Operations of the author's and staff's screens that api_test.go does
// not already hold.
const (
	editReviewMutation = `mutation($input: EditReviewInput!) {
  editReview(input: $input) { review { id rating title body status editedAt } }
}`
	deleteReviewMutation = `mutation($id: ID!) { deleteReview(input: {reviewId: $id}) { deletedReviewId } }`
	reviewNodeQuery      = `query($id: ID!) { node(id: $id) { ... on Review { id rating title body status editedAt createdAt } } }`
	awaitingReplyQuery   = `query($first: Int, $after: Cursor) {
  reviewsAwaitingReply(first: $first, after: $after) { totalCount edges { node { id rating } } pageInfo { hasNextPage endCursor } }
}`
	queuePageQuery = `query($first: Int!, $after: String) {
  moderationQueue(first: $first, after: $after) { totalCount edges { cursor node { id status createdAt } } pageInfo { hasNextPage endCursor } }
}`
	trailByAuthorQuery = `query($author: ID) {
  moderationDecisions(first: 50, where: {authorID: $author}) { totalCount edges { node { itemId authorId action fromStatus toStatus } } }
}`
)

// reviewNode is a review as node(id:) or editReview return it.
type reviewNode struct {
	ID, Body, Status, CreatedAt string
	Rating                      int
	Title, EditedAt             *string
}

// reviewBuyer imports an order of products 0 and 1 for a new customer and
// ships product 0; delivered makes the customer a verified buyer of it.
// It returns the customer's token.
func (s *testServer) reviewBuyer(t *testing.T, email, number string, delivered bool) string {
	t.Helper()
	o := s.MustImport(t, testserver.OrderSpec{Email: email, Number: number, Items: 2})
	tn := "RB" + number
	s.MustShip(t, o.ID, "DHL", tn, map[string]any{"orderItemId": o.Items[0].ID, "quantity": 1})
	if delivered {
		s.MustTrack(t, "DHL", tn, testserver.Event(number+"-d", "DELIVERED", time.Now().Add(-time.Hour)))
	}
	return s.Token(t, auth.RoleCustomer, email)
}

func (s *testServer) editReview(t *testing.T, token string, in map[string]any) *testserver.Response {
	t.Helper()
	return s.GQL(t, token, editReviewMutation, map[string]any{"input": in})
}

// reviewAs reads a review through node(id:) as token; nil when the
// viewer gets NOT_FOUND.
func (s *testServer) reviewAs(t *testing.T, token, id string) *reviewNode {
	t.Helper()
	r := s.GQL(t, token, reviewNodeQuery, map[string]any{"id": id})
	if r.Code() == "NOT_FOUND" {
		return nil
	}
	var out struct{ Node *reviewNode }
	r.MustOK(t, &out)
	return out.Node
}

func (s *testServer) moderate(t *testing.T, admin, id, action, reason string) {
	t.Helper()
	in := map[string]any{"itemId": id, "action": action}
	if reason != "" {
		in["reason"] = reason
	}
	s.GQL(t, admin, testserver.ModerateMutation, map[string]any{"input": in}).MustOK(t, nil)
}

// TestReviewsEdit: the author edits rating, title and body; editedAt is
// set to the service clock's time and shown to others; the publishing
// rule runs again on the new text (a REQUIRE_APPROVAL word sends a
// PUBLISHED review back to PENDING, and taking it out publishes a
// verified review again, both recorded in the trail; a BLOCK word refuses
// the edit and changes nothing; a HIDDEN review stays HIDDEN). Another
// customer's review is NOT_FOUND when they cannot see it and FORBIDDEN
// when they can (it is published); staff cannot edit a customer's words
// (FORBIDDEN).
func TestReviewsEdit(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		clock := clockwork.NewFakeClockAt(time.Now().Truncate(time.Second))
		s := mustServer(t, dbURL, func(c *app.Config) { c.Clock, c.ReviewLimits = clock, &roomyReviewLimits })
		sh := s.Shop(t)
		p0 := sh.Products[0]
		rv := s.mustWriteReview(t, sh.Mina, map[string]any{"productId": p0, "rating": 2, "title": "Meh", "body": "Too bitter."})
		if n := s.reviewAs(t, "", rv.ID); n == nil || n.EditedAt != nil {
			t.Fatalf("a new review = %+v, want published and not edited", n)
		}

		clock.Advance(90 * time.Minute)
		var out struct{ EditReview struct{ Review reviewNode } }
		s.editReview(t, sh.Mina, map[string]any{"reviewId": rv.ID, "rating": 4, "title": "Better brewed cold", "body": "Cold brew is lovely."}).MustOK(t, &out)
		e := out.EditReview.Review
		if e.Rating != 4 || e.Title == nil || *e.Title != "Better brewed cold" || e.Body != "Cold brew is lovely." || e.Status != "PUBLISHED" {
			t.Fatalf("edited = %+v", e)
		}
		if e.EditedAt == nil {
			t.Fatal("editedAt not set")
		}
		if at, err := time.Parse(time.RFC3339Nano, *e.EditedAt); err != nil || !at.Equal(clock.Now()) {
			t.Fatalf("editedAt = %s, want the clock's %s (%v)", *e.EditedAt, clock.Now(), err)
		}
		// Others see the edit and its time; the summary follows the new rating.
		if n := s.reviewAs(t, sh.Leo, rv.ID); n == nil || n.Body != "Cold brew is lovely." || n.EditedAt == nil || *n.EditedAt != *e.EditedAt {
			t.Fatalf("another customer sees %+v", n)
		}
		if p := s.productPage(t, "", p0); p.Node.ReviewSummary.AverageRating != 4 || p.Node.ReviewSummary.Histogram[3].Count != 1 {
			t.Fatalf("summary after the edit = %+v", p.Node.ReviewSummary)
		}
		// Absent fields stay; an empty title removes it.
		s.editReview(t, sh.Mina, map[string]any{"reviewId": rv.ID, "title": ""}).MustOK(t, &out)
		if e := out.EditReview.Review; e.Title != nil || e.Rating != 4 || e.Body != "Cold brew is lovely." {
			t.Fatalf("after removing the title: %+v", e)
		}

		// Bad edits change nothing.
		s.GQL(t, sh.Admin, watchMutation, map[string]any{"word": "scam", "action": "REQUIRE_APPROVAL"}).MustOK(t, nil)
		s.GQL(t, sh.Admin, watchMutation, map[string]any{"word": "idiot", "action": "BLOCK"}).MustOK(t, nil)
		s.editReview(t, sh.Mina, map[string]any{"reviewId": rv.ID, "rating": 0}).MustCode(t, "INVALID_INPUT")
		s.editReview(t, sh.Mina, map[string]any{"reviewId": rv.ID, "body": " "}).MustCode(t, "INVALID_INPUT")
		s.editReview(t, sh.Mina, map[string]any{"reviewId": rv.ID, "body": "Only an idiot buys this."}).MustCode(t, "INVALID_INPUT")
		// Staff cannot put words in a customer's mouth.
		s.editReview(t, sh.Admin, map[string]any{"reviewId": rv.ID, "body": "Best coffee ever."}).MustCode(t, "FORBIDDEN")
		// Another customer: FORBIDDEN on a review they can see.
		s.editReview(t, sh.Leo, map[string]any{"reviewId": rv.ID, "body": "Mine now."}).MustCode(t, "FORBIDDEN")
		if n := s.reviewAs(t, sh.Admin, rv.ID); n.Body != "Cold brew is lovely." || n.Rating != 4 || n.Status != "PUBLISHED" {
			t.Fatalf("refused edits changed the review: %+v", n)
		}

		// A watched word needing approval: back to PENDING, off others' pages.
		s.editReview(t, sh.Mina, map[string]any{"reviewId": rv.ID, "body": "Is this a SCAM?"}).MustOK(t, &out)
		if out.EditReview.Review.Status != "PENDING" {
			t.Fatalf("edited with a watched word: %+v, want PENDING", out.EditReview.Review)
		}
		if s.reviewAs(t, sh.Leo, rv.ID) != nil || s.productPage(t, "", p0).Node.ReviewSummary.Count != 0 {
			t.Fatal("a review sent back to PENDING still reaches others")
		}
		// Another customer: NOT_FOUND on a review they cannot see.
		s.editReview(t, sh.Leo, map[string]any{"reviewId": rv.ID, "body": "Mine now."}).MustCode(t, "NOT_FOUND")
		// Taken out again, the rule publishes the verified review.
		s.editReview(t, sh.Mina, map[string]any{"reviewId": rv.ID, "body": "Just strong."}).MustOK(t, &out)
		if out.EditReview.Review.Status != "PUBLISHED" {
			t.Fatalf("edited without the word: %+v, want PUBLISHED", out.EditReview.Review)
		}
		// A staff decision sticks: a HIDDEN review stays hidden whatever the edit.
		s.moderate(t, sh.Admin, rv.ID, "HIDE", "Personal data")
		s.editReview(t, sh.Mina, map[string]any{"reviewId": rv.ID, "body": "Removed the phone number."}).MustOK(t, &out)
		if out.EditReview.Review.Status != "HIDDEN" {
			t.Fatalf("edited hidden review: %+v, want HIDDEN", out.EditReview.Review)
		}

		var tr struct {
			ModerationDecisions struct {
				Edges []struct {
					Node struct {
						Action               *string
						FromStatus, ToStatus string
					}
				}
			}
		}
		trail := `query($id: ID) { moderationDecisions(first: 50, where: {itemID: $id}) { edges { node { action fromStatus toStatus } } } }`
		s.GQL(t, sh.Admin, trail, map[string]any{"id": rv.ID}).MustOK(t, &tr)
		var steps []string
		for _, e := range tr.ModerationDecisions.Edges {
			a := "rule"
			if e.Node.Action != nil {
				a = *e.Node.Action
			}
			steps = append(steps, fmt.Sprintf("%s:%s>%s", a, e.Node.FromStatus, e.Node.ToStatus))
		}
		want := "[rule:PENDING>PUBLISHED rule:PUBLISHED>PENDING rule:PENDING>PUBLISHED HIDE:PUBLISHED>HIDDEN]"
		if got := fmt.Sprint(steps); got != want {
			t.Fatalf("trail = %s, want %s", got, want)
		}
	})
}

// TestReviewsDelete: the author deletes her review with its replies and
// votes; it leaves product reviews, the summary and node(id:) for
// everyone, herself included, and she may review the product again.
// Another customer's delete is FORBIDDEN on a review they can see and
// NOT_FOUND on one they cannot; staff are FORBIDDEN (they hide instead);
// deleting twice is NOT_FOUND. The moderation trail stays.
func TestReviewsDelete(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		sh := s.Shop(t)
		p0, p1 := sh.Products[0], sh.Products[1]
		del := func(tok, id string) *testserver.Response {
			return s.GQL(t, tok, deleteReviewMutation, map[string]any{"id": id})
		}
		mina := s.mustWriteReview(t, sh.Mina, map[string]any{"productId": p0, "rating": 5, "body": "Lovely."})
		ana := s.mustWriteReview(t, sh.Ana, map[string]any{"productId": p0, "rating": 3, "body": "Fine."})
		leo := s.mustWriteReview(t, sh.Leo, map[string]any{"productId": p1, "rating": 4, "body": "Waiting."}) // PENDING
		// A thread and a vote, so that the delete takes them along.
		s.GQL(t, sh.Admin, replyMutation, map[string]any{"input": map[string]any{"reviewId": mina.ID, "body": "Thank you!"}}).MustOK(t, nil)
		s.GQL(t, sh.Mina, replyMutation, map[string]any{"input": map[string]any{"reviewId": mina.ID, "body": "You're welcome."}}).MustOK(t, nil)
		s.GQL(t, sh.Ana, helpfulMutation, map[string]any{"id": mina.ID}).MustOK(t, nil)

		del(sh.Leo, mina.ID).MustCode(t, "FORBIDDEN")
		del(sh.Mina, leo.ID).MustCode(t, "NOT_FOUND")
		del(sh.Admin, mina.ID).MustCode(t, "FORBIDDEN")
		del("", mina.ID).MustCode(t, "UNAUTHENTICATED")
		if s.reviewAs(t, "", mina.ID) == nil || s.reviewAs(t, sh.Admin, leo.ID) == nil {
			t.Fatal("a refused delete removed a review")
		}

		var out struct {
			DeleteReview struct{ DeletedReviewID string }
		}
		del(sh.Mina, mina.ID).MustOK(t, &out)
		if out.DeleteReview.DeletedReviewID != mina.ID {
			t.Fatalf("deletedReviewId = %q, want %q", out.DeleteReview.DeletedReviewID, mina.ID)
		}
		for name, tok := range map[string]string{"author": sh.Mina, "another customer": sh.Leo, "anonymous": "", "staff": sh.Admin} {
			if s.reviewAs(t, tok, mina.ID) != nil {
				t.Fatalf("%s still reaches the deleted review", name)
			}
			p := s.productPage(t, tok, p0)
			if fmt.Sprint(p.ids()) != fmt.Sprint([]string{ana.ID}) || p.Node.Reviews.TotalCount != 1 {
				t.Fatalf("%s: product 0 lists %v (total %d), want only ana's", name, p.ids(), p.Node.Reviews.TotalCount)
			}
			if sm := p.Node.ReviewSummary; sm.Count != 1 || sm.AverageRating != 3 || sm.Histogram[4].Count != 0 {
				t.Fatalf("%s: summary after the delete = %+v", name, sm)
			}
		}
		del(sh.Mina, mina.ID).MustCode(t, "NOT_FOUND")
		// One review per product, and the deleted one no longer counts.
		again := s.mustWriteReview(t, sh.Mina, map[string]any{"productId": p0, "rating": 4, "body": "Second thoughts."})
		if again.ID == mina.ID || again.Status != "PUBLISHED" {
			t.Fatalf("new review after the delete = %+v", again)
		}
		// A pending review: its author deletes it, and the queue forgets it.
		del(sh.Leo, leo.ID).MustOK(t, nil)
		var q struct{ ModerationQueue struct{ TotalCount int } }
		s.GQL(t, sh.Admin, queueQuery, nil).MustOK(t, &q)
		if q.ModerationQueue.TotalCount != 0 {
			t.Fatalf("queue after deleting the pending review: %+v", q)
		}
		// The trail about the deleted review stays for staff.
		var tr struct{ ModerationDecisions struct{ TotalCount int } }
		s.GQL(t, sh.Admin, `query($id: ID) { moderationDecisions(first: 5, where: {itemID: $id}) { totalCount } }`,
			map[string]any{"id": mina.ID}).MustOK(t, &tr)
		if tr.ModerationDecisions.TotalCount != 1 {
			t.Fatalf("trail of the deleted review: %+v, want the rule's entry", tr)
		}
	})
}

// TestReviewsRequirePurchase: with -reviews-require-purchase a customer
// without a delivered line of the product is refused (FORBIDDEN, a message
// that says why) and nothing is written, not even a trail entry; a
// customer with one writes a verified, published review.
func TestReviewsRequirePurchase(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL, func(c *app.Config) { c.ReviewsRequirePurchase = true })
		sh := s.Shop(t)
		p0, p1 := sh.Products[0], sh.Products[1]
		// Leo ordered product 1 but has not received it; Mina never ordered product 1.
		for name, c := range map[string]struct{ tok, product string }{"shipped, not delivered": {sh.Leo, p1}, "never ordered": {sh.Mina, p1}} {
			r := s.writeReview(t, c.tok, map[string]any{"productId": c.product, "rating": 5, "body": "Great."})
			r.MustCode(t, "FORBIDDEN")
			if r.Errors[0].Message == "" || len(r.Data) > 0 && string(r.Data) != "null" {
				t.Fatalf("%s: %+v data %s", name, r.Errors, r.Data)
			}
		}
		if p := s.productPage(t, sh.Admin, p1); p.Node.Reviews.TotalCount != 0 {
			t.Fatalf("a refused review was written: %+v", p.Node.Reviews)
		}
		var tr struct{ ModerationDecisions struct{ TotalCount int } }
		s.GQL(t, sh.Admin, `{ moderationDecisions(first: 5) { totalCount } }`, nil).MustOK(t, &tr)
		if tr.ModerationDecisions.TotalCount != 0 {
			t.Fatalf("a refused review left %d trail entries", tr.ModerationDecisions.TotalCount)
		}
		rv := s.mustWriteReview(t, sh.Mina, map[string]any{"productId": p0, "rating": 4, "body": "Received and enjoyed."})
		if !rv.VerifiedBuyer || rv.Status != "PUBLISHED" {
			t.Fatalf("a buyer's review = %+v, want verified and PUBLISHED", rv)
		}
	})
}

// TestReviewReplyAddedAnonymous: a viewer who is not signed in follows a
// published review's thread and receives the store's replies; a hidden or
// pending review is NOT_FOUND to them.
func TestReviewReplyAddedAnonymous(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		sh := s.Shop(t)
		pub := s.mustWriteReview(t, sh.Mina, map[string]any{"productId": sh.Products[0], "rating": 2, "body": "Arrived late."})
		hidden := s.mustWriteReview(t, sh.Ana, map[string]any{"productId": sh.Products[0], "rating": 1, "body": "Call me on 555-0100."})
		s.moderate(t, sh.Admin, hidden.ID, "HIDE", "Personal data")
		pending := s.mustWriteReview(t, sh.Leo, map[string]any{"productId": sh.Products[1], "rating": 3, "body": "Not here yet."})

		c := s.DialWS(t)
		c.Send(testserver.WSMessage{Type: "connection_init"})
		if m := c.Read(); m.Type != "connection_ack" {
			t.Fatalf("anonymous connection: %+v", m)
		}
		c.Subscribe("pub", reviewRepliesSubscription, map[string]any{"reviewId": pub.ID, "after": replyCursor0})
		for _, body := range []string{"Sorry, the courier was delayed.", "A voucher is on its way."} {
			s.GQL(t, sh.Admin, replyMutation, map[string]any{"input": map[string]any{"reviewId": pub.ID, "body": body}}).MustOK(t, nil)
			if u := nextReply(t, c, "pub"); u.ReviewReplyAdded.Reply.Body != body || !u.ReviewReplyAdded.Reply.ByMerchant || u.ReviewReplyAdded.Cursor == "" {
				t.Fatalf("anonymous subscriber got %+v, want %q from the store", u, body)
			}
		}
		for id, rv := range map[string]string{"hidden": hidden.ID, "pending": pending.ID} {
			c.Subscribe(id, reviewRepliesSubscription, map[string]any{"reviewId": rv, "after": replyCursor0})
			if m, err := c.ReadFor(id, 10*time.Second); err != nil || testserver.ErrorCode(m) != "NOT_FOUND" {
				t.Fatalf("anonymous subscription to a %s review: %s %s %v", id, m.Type, m.Payload, err)
			}
		}
	})
}

// listedReview is one review of a product's connection, with the fields
// the sorts and filters look at.
type listedReview struct {
	ID, CreatedAt string
	Rating        int
	HelpfulCount  int
	VerifiedBuyer bool
	HasMedia      bool
	created       time.Time
	id            int
}

const sortedReviewsQuery = `query($p: ID!, $first: Int, $after: Cursor, $sort: ReviewSort, $filter: ReviewFilter) {
  node(id: $p) { ... on Product { reviews(first: $first, after: $after, sort: $sort, filter: $filter) {
    totalCount edges { node { id rating helpfulCount verifiedBuyer hasMedia createdAt } } pageInfo { hasNextPage endCursor }
  } } }
}`

// pageReviews reads a product's reviews page by page (size per page,
// following endCursor) and fails on a totalCount that changes between
// pages or a review seen twice.
func (s *testServer) pageReviews(t *testing.T, product string, size int, sort string, filter map[string]any) (all []listedReview, total int) {
	t.Helper()
	seen := map[string]bool{}
	var after any
	for page := 0; ; page++ {
		var out struct {
			Node struct {
				Reviews struct {
					TotalCount int
					Edges      []struct{ Node listedReview }
					PageInfo   struct {
						HasNextPage bool
						EndCursor   *string
					}
				}
			}
		}
		vars := map[string]any{"p": product, "first": size, "after": after, "sort": sort, "filter": filter}
		s.GQL(t, "", sortedReviewsQuery, vars).MustOK(t, &out)
		rs := out.Node.Reviews
		if page == 0 {
			total = rs.TotalCount
		} else if rs.TotalCount != total {
			t.Fatalf("%s %v: totalCount %d on page %d, %d on the first", sort, filter, rs.TotalCount, page, total)
		}
		if len(rs.Edges) > size || page > 50 {
			t.Fatalf("%s %v: page %d has %d reviews", sort, filter, page, len(rs.Edges))
		}
		for _, e := range rs.Edges {
			r := e.Node
			if seen[r.ID] {
				t.Fatalf("%s %v: review %s twice (page %d)", sort, filter, r.ID, page)
			}
			seen[r.ID] = true
			var err error
			if r.created, err = time.Parse(time.RFC3339Nano, r.CreatedAt); err != nil {
				t.Fatal(err)
			}
			if r.id, err = strconv.Atoi(r.ID); err != nil {
				t.Fatalf("review id %q: %v", r.ID, err)
			}
			all = append(all, r)
		}
		if !rs.PageInfo.HasNextPage {
			return all, total
		}
		after = *rs.PageInfo.EndCursor
	}
}

// reviewSortKeys states each sort: the primary key, then the id in the
// same direction, as the tie-break that makes the order total.
var reviewSortKeys = map[string]func(a, b listedReview) bool{
	"NEWEST": func(a, b listedReview) bool {
		return a.created.After(b.created) || a.created.Equal(b.created) && a.id > b.id
	},
	"OLDEST": func(a, b listedReview) bool {
		return a.created.Before(b.created) || a.created.Equal(b.created) && a.id < b.id
	},
	"HIGHEST": func(a, b listedReview) bool { return a.Rating > b.Rating || a.Rating == b.Rating && a.id > b.id },
	"LOWEST":  func(a, b listedReview) bool { return a.Rating < b.Rating || a.Rating == b.Rating && a.id < b.id },
	"MOST_HELPFUL": func(a, b listedReview) bool {
		return a.HelpfulCount > b.HelpfulCount || a.HelpfulCount == b.HelpfulCount && a.id > b.id
	},
}

func reviewIDs(rs []listedReview) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// TestReviewsSortFilterPage: a product's reviews in every sort, read two
// and three at a time by cursor, come out each exactly once in the sort's
// order with ties (same time, same rating, same votes) broken by id, the
// same order as one big page; filters by rating, verified buyers and media
// narrow the list and its totalCount alike. Only PUBLISHED reviews are
// listed to an anonymous viewer.
func TestReviewsSortFilterPage(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		// Times with nanoseconds (Postgres keeps microseconds) and ties.
		clock := clockwork.NewFakeClockAt(time.Now().Add(-time.Hour))
		// Anonymous pages, read many times over: a cost bucket that lasts.
		s := mustServer(t, dbURL, func(c *app.Config) { c.Clock, c.ViewerBurst = clock, 1<<30 })
		admin := s.Token(t, auth.RoleAdmin, "")
		specs := []struct {
			rating   int
			verified bool
			advance  time.Duration // before writing; 0 ties with the previous review
		}{
			{5, true, 0}, {3, true, time.Minute}, {5, false, 0}, {1, true, 1500 * time.Millisecond},
			{3, false, time.Nanosecond * 1234567}, {4, true, 0}, {5, true, time.Minute}, {2, false, time.Second},
		}
		var tokens []string
		var product string
		for i, sp := range specs {
			tokens = append(tokens, s.reviewBuyer(t, fmt.Sprintf("buyer%d@example.com", i), fmt.Sprintf("SF%d", i), sp.verified))
		}
		var p struct {
			Order struct {
				Items []struct{ Product struct{ ID string } }
			}
		}
		s.GQL(t, s.Integration(t), `{ order(number: "SF0") { items { product { id } } } }`, nil).MustOK(t, &p)
		product = p.Order.Items[0].Product.ID
		ids := make([]string, len(specs))
		for i, sp := range specs {
			clock.Advance(sp.advance)
			rv := s.mustWriteReview(t, tokens[i], map[string]any{"productId": product, "rating": sp.rating, "body": fmt.Sprintf("Review %d.", i)})
			if rv.Status == "PENDING" {
				s.moderate(t, admin, rv.ID, "APPROVE", "")
			}
			ids[i] = rv.ID
		}
		// One more, pending: never listed to others.
		pendingTok := s.reviewBuyer(t, "pending@example.com", "SF9", false)
		s.mustWriteReview(t, pendingTok, map[string]any{"productId": product, "rating": 5, "body": "Pending."})
		// Helpful votes with ties: review i gets votes[i] from the next customers.
		votes := []int{2, 0, 2, 1, 0, 3, 1, 0}
		for i, n := range votes {
			for j := 1; j <= n; j++ {
				s.GQL(t, tokens[(i+j)%len(tokens)], helpfulMutation, map[string]any{"id": ids[i]}).MustOK(t, nil)
			}
		}

		everything, total := s.pageReviews(t, product, 100, "NEWEST", nil)
		if total != len(specs) || len(everything) != len(specs) {
			t.Fatalf("listed %d (totalCount %d), want the %d published", len(everything), total, len(specs))
		}
		for _, r := range everything {
			i := -1
			for k, id := range ids {
				if id == r.ID {
					i = k
				}
			}
			if i < 0 || r.Rating != specs[i].rating || r.VerifiedBuyer != specs[i].verified || r.HelpfulCount != votes[i] {
				t.Fatalf("listed %+v, want spec %d", r, i)
			}
		}
		filters := map[string]struct {
			filter map[string]any
			keep   func(listedReview) bool
		}{
			"none":            {nil, func(listedReview) bool { return true }},
			"5 stars":         {map[string]any{"ratings": []int{5}}, func(r listedReview) bool { return r.Rating == 5 }},
			"1-2 stars":       {map[string]any{"ratings": []int{1, 2}}, func(r listedReview) bool { return r.Rating <= 2 }},
			"verified":        {map[string]any{"verifiedOnly": true}, func(r listedReview) bool { return r.VerifiedBuyer }},
			"verified 5":      {map[string]any{"verifiedOnly": true, "ratings": []int{5}}, func(r listedReview) bool { return r.VerifiedBuyer && r.Rating == 5 }},
			"verifiedOnly no": {map[string]any{"verifiedOnly": false}, func(listedReview) bool { return true }},
			// No review has media until server/media attaches them (media.go).
			"with media":    {map[string]any{"withMedia": true}, func(r listedReview) bool { return r.HasMedia }},
			"without media": {map[string]any{"withMedia": false}, func(r listedReview) bool { return !r.HasMedia }},
		}
		for sortName, before := range reviewSortKeys {
			for fname, f := range filters {
				var want []listedReview
				for _, r := range everything {
					if f.keep(r) {
						want = append(want, r)
					}
				}
				sort.SliceStable(want, func(i, j int) bool { return before(want[i], want[j]) })
				for _, size := range []int{2, 3, 100} {
					got, total := s.pageReviews(t, product, size, sortName, f.filter)
					if fmt.Sprint(reviewIDs(got)) != fmt.Sprint(reviewIDs(want)) || total != len(want) {
						t.Fatalf("%s, filter %s, pages of %d: %v (totalCount %d), want %v", sortName, fname, size, reviewIDs(got), total, reviewIDs(want))
					}
				}
			}
		}
		s.GQL(t, "", sortedReviewsQuery, map[string]any{"p": product, "first": 5, "filter": map[string]any{"ratings": []int{0}}}).MustCode(t, "INVALID_INPUT")
	})
}
