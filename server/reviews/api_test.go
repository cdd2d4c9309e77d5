package reviews_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/ratelimit"
	"github.com/aftercart/aftercart/server/reviews"
)

// reviewLimitsForTest allows one vote per minute.
var reviewLimitsForTest = reviews.Limits{Votes: ratelimit.Rate{Burst: 1, Every: time.Minute}}

// The contract's operations, as the review widget and admin screens send
// them (web-demo/src/graphql/Reviews.graphql holds the same).
const (
	writeReviewMutation = `mutation WriteReview($input: WriteReviewInput!) {
  writeReview(input: $input) {
    review { id rating title body status verifiedBuyer createdAt media { url thumbnailUrl kind } product { id name } }
  }
}`
	productReviewsQuery = `query ProductReviews($productId: ID!, $after: Cursor) {
  node(id: $productId) {
    ... on Product {
      name
      reviewSummary { averageRating count verifiedCount histogram { rating count } }
      reviews(first: 10, after: $after) {
        totalCount
        edges { node {
          id rating title body verifiedBuyer helpfulCount createdAt
          author { displayName }
          media { url thumbnailUrl kind }
          replies(first: 20) { edges { node { id body byMerchant createdAt } } }
        } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}`
	replyMutation = `mutation ReplyToReview($input: ReplyToReviewInput!) {
  replyToReview(input: $input) { reply { id body byMerchant createdAt } }
}`
	reviewRepliesSubscription = `subscription ReviewReplies($reviewId: ID!, $after: String) {
  reviewReplyAdded(reviewId: $reviewId, after: $after) { cursor reply { id body byMerchant createdAt } }
}`
	queueQuery = `query ModerationQueue {
  moderationQueue(first: 20) { totalCount edges { node { __typename id status ... on Review { rating body } } } }
}`
	helpfulMutation = `mutation($id: ID!) { markReviewHelpful(input: {reviewId: $id}) { review { id helpfulCount } } }`
	watchMutation   = `mutation($word: String!, $action: WatchedWordAction!) { addWatchedWord(input: {word: $word, action: $action}) { watchedWord { id word action } } }`
)

// reviewOut is a written review as the contract returns it.
type reviewOut struct {
	ID, Status, Body string
	Rating           int
	VerifiedBuyer    bool
	Media            []any
}

func (s *testServer) writeReview(t *testing.T, token string, in map[string]any) *testserver.Response {
	t.Helper()
	return s.GQL(t, token, writeReviewMutation, map[string]any{"input": in})
}

func (s *testServer) mustWriteReview(t *testing.T, token string, in map[string]any) reviewOut {
	t.Helper()
	var out struct{ WriteReview struct{ Review reviewOut } }
	s.writeReview(t, token, in).MustOK(t, &out)
	return out.WriteReview.Review
}

// productPage is ProductReviews' answer.
type productPage struct {
	Node *struct {
		ReviewSummary struct {
			AverageRating        float64
			Count, VerifiedCount int
			Histogram            []struct{ Rating, Count int }
		}
		Reviews struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					ID, Body     string
					HelpfulCount int
					Author       struct{ DisplayName string }
					Replies      struct {
						Edges []struct {
							Node struct {
								Body       string
								ByMerchant bool
							}
						}
					}
				}
			}
		}
	}
}

func (s *testServer) productPage(t *testing.T, token, product string) productPage {
	t.Helper()
	var p productPage
	s.GQL(t, token, productReviewsQuery, map[string]any{"productId": product}).MustOK(t, &p)
	return p
}

func (p productPage) ids() []string {
	var out []string
	for _, e := range p.Node.Reviews.Edges {
		out = append(out, e.Node.ID)
	}
	return out
}

// TestReviewsPublishingAndPrivacy: the publishing rule (verified and no
// watched word: published at once; else pending, whatever the rating),
// and a pending review that no other customer reaches by any path.
func TestReviewsPublishingAndPrivacy(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		sh := s.Shop(t)
		p0, p1 := sh.Products[0], sh.Products[1]

		// A verified one-star review publishes at once: the rule never looks at the stars.
		mina := s.mustWriteReview(t, sh.Mina, map[string]any{"productId": p0, "rating": 1, "title": "Bitter", "body": "Too bitter for me."})
		if mina.Status != "PUBLISHED" || !mina.VerifiedBuyer || mina.Media == nil || len(mina.Media) != 0 {
			t.Fatalf("verified review = %+v, want PUBLISHED, verified, no media", mina)
		}
		// An unverified five-star review waits.
		leo := s.mustWriteReview(t, sh.Leo, map[string]any{"productId": p1, "rating": 5, "body": "Great, I think."})
		if leo.Status != "PENDING" || leo.VerifiedBuyer {
			t.Fatalf("unverified review = %+v, want PENDING", leo)
		}

		// Mina (another customer) and an anonymous viewer never see Leo's pending review.
		for name, tok := range map[string]string{"mina": sh.Mina, "anonymous": ""} {
			p := s.productPage(t, tok, p1)
			if p.Node.Reviews.TotalCount != 0 || len(p.Node.Reviews.Edges) != 0 || p.Node.ReviewSummary.Count != 0 {
				t.Fatalf("%s sees %+v of product 1", name, p.Node)
			}
			r := s.GQL(t, tok, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": leo.ID})
			r.MustCode(t, "NOT_FOUND")
			var nodes struct{ Nodes []*struct{ ID string } }
			r = s.GQL(t, tok, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{leo.ID}})
			r.MustCode(t, "NOT_FOUND") // as for any id one may not see
			if err := json.Unmarshal(r.Data, &nodes); err != nil || len(nodes.Nodes) == 1 && nodes.Nodes[0] != nil {
				t.Fatalf("%s: nodes = %s, want no review", name, r.Data)
			}
		}
		// Leo sees his own, but the summary (everyone's figures) does not count it.
		if p := s.productPage(t, sh.Leo, p1); p.Node.Reviews.TotalCount != 1 || p.Node.ReviewSummary.Count != 0 {
			t.Fatalf("leo's view of product 1: total %d, summary %d", p.Node.Reviews.TotalCount, p.Node.ReviewSummary.Count)
		}
		// The published review: everyone sees it, with the author's display name.
		p := s.productPage(t, "", p0)
		if fmt.Sprint(p.ids()) != fmt.Sprint([]string{mina.ID}) || p.Node.Reviews.Edges[0].Node.Author.DisplayName != "Mina O." {
			t.Fatalf("product 0 = %+v", p.Node.Reviews)
		}
		if sm := p.Node.ReviewSummary; sm.Count != 1 || sm.VerifiedCount != 1 || sm.AverageRating != 1 || sm.Histogram[0].Count != 1 || len(sm.Histogram) != 5 {
			t.Fatalf("summary = %+v", sm)
		}
		// The order line is the author's and staff's to see.
		lineQ := `query($id: ID!) { node(id: $id) { ... on Review { orderItem { id } } } }`
		var line struct {
			Node struct{ OrderItem *struct{ ID string } }
		}
		s.GQL(t, sh.Mina, lineQ, map[string]any{"id": mina.ID}).MustOK(t, &line)
		if line.Node.OrderItem == nil {
			t.Fatal("the author does not see her order line")
		}
		s.GQL(t, sh.Leo, lineQ, map[string]any{"id": mina.ID}).MustOK(t, &line)
		if line.Node.OrderItem != nil {
			t.Fatal("another customer sees the author's order line")
		}

		// The queue: staff see Leo's review; customers are refused.
		s.GQL(t, sh.Mina, queueQuery, nil).MustCode(t, "FORBIDDEN")
		var q struct {
			ModerationQueue struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Typename   string `json:"__typename"`
						ID, Status string
					}
				}
			}
		}
		s.GQL(t, sh.Admin, queueQuery, nil).MustOK(t, &q)
		if q.ModerationQueue.TotalCount != 1 || q.ModerationQueue.Edges[0].Node.ID != leo.ID || q.ModerationQueue.Edges[0].Node.Typename != "Review" {
			t.Fatalf("queue = %+v", q.ModerationQueue)
		}
		// Approved, it reaches everyone and counts.
		s.GQL(t, sh.Mina, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": leo.ID, "action": "APPROVE"}}).MustCode(t, "FORBIDDEN")
		s.GQL(t, sh.Admin, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": leo.ID, "action": "APPROVE"}}).MustOK(t, nil)
		s.GQL(t, sh.Admin, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": leo.ID, "action": "APPROVE"}}).MustCode(t, "CONFLICT")
		if p := s.productPage(t, sh.Mina, p1); p.Node.Reviews.TotalCount != 1 || p.Node.ReviewSummary.Count != 1 {
			t.Fatalf("after approval mina sees %d reviews, summary %d", p.Node.Reviews.TotalCount, p.Node.ReviewSummary.Count)
		}
		// Hidden (a reason is required), it is gone again for others, and from the showcase.
		s.GQL(t, sh.Admin, `mutation($id: ID!) { featureReview(input: {reviewId: $id, featured: true}) { review { featured } } }`, map[string]any{"id": leo.ID}).MustOK(t, nil)
		var show struct {
			FeaturedReviews struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.GQL(t, "", `{ featuredReviews(first: 5) { edges { node { id } } } }`, nil).MustOK(t, &show)
		if len(show.FeaturedReviews.Edges) != 1 {
			t.Fatalf("showcase = %+v", show)
		}
		s.GQL(t, sh.Admin, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": leo.ID, "action": "HIDE"}}).MustCode(t, "INVALID_INPUT")
		s.GQL(t, sh.Admin, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": leo.ID, "action": "HIDE", "reason": "Off-topic"}}).MustOK(t, nil)
		if p := s.productPage(t, sh.Mina, p1); p.Node.Reviews.TotalCount != 0 || p.Node.ReviewSummary.Count != 0 {
			t.Fatalf("hidden review: mina sees %d, summary %d", p.Node.Reviews.TotalCount, p.Node.ReviewSummary.Count)
		}
		s.GQL(t, "", `{ featuredReviews(first: 5) { edges { node { id } } } }`, nil).MustOK(t, &show)
		if len(show.FeaturedReviews.Edges) != 0 {
			t.Fatalf("a hidden review stays in the showcase: %+v", show)
		}
		// The trail: the rule's outcomes and staff decisions, for staff only.
		trail := `query($id: ID) { moderationDecisions(first: 50, where: {itemID: $id}) { edges { node { action fromStatus toStatus reason actor } } } }`
		s.GQL(t, sh.Mina, trail, map[string]any{"id": leo.ID}).MustCode(t, "FORBIDDEN")
		var tr struct {
			ModerationDecisions struct {
				Edges []struct {
					Node struct {
						Action                      *string
						FromStatus, ToStatus, Actor string
					}
				}
			}
		}
		s.GQL(t, sh.Admin, trail, map[string]any{"id": leo.ID}).MustOK(t, &tr)
		var steps []string
		for _, e := range tr.ModerationDecisions.Edges {
			a := "rule"
			if e.Node.Action != nil {
				a = *e.Node.Action
			}
			steps = append(steps, fmt.Sprintf("%s:%s>%s", a, e.Node.FromStatus, e.Node.ToStatus))
		}
		if got := fmt.Sprint(steps); got != "[rule:PENDING>PENDING APPROVE:PENDING>PUBLISHED HIDE:PUBLISHED>HIDDEN]" {
			t.Fatalf("trail = %s", got)
		}
	})
}

// TestReviewsBadInput: every refusal has its code, and nothing is written.
func TestReviewsBadInput(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		sh := s.Shop(t)
		p0 := sh.Products[0]
		ids := make([]string, 7)
		for i := range ids {
			ids[i] = p0
		}
		for name, c := range map[string]struct {
			token string
			in    map[string]any
			code  string
		}{
			"rating 0":        {sh.Mina, map[string]any{"productId": p0, "rating": 0, "body": "x"}, "INVALID_INPUT"},
			"rating 6":        {sh.Mina, map[string]any{"productId": p0, "rating": 6, "body": "x"}, "INVALID_INPUT"},
			"empty body":      {sh.Mina, map[string]any{"productId": p0, "rating": 4, "body": "  \n "}, "INVALID_INPUT"},
			"7 media":         {sh.Mina, map[string]any{"productId": p0, "rating": 4, "body": "x", "mediaIds": ids}, "INVALID_INPUT"},
			"staff":           {sh.Admin, map[string]any{"productId": p0, "rating": 4, "body": "x"}, "FORBIDDEN"},
			"anonymous":       {"", map[string]any{"productId": p0, "rating": 4, "body": "x"}, "UNAUTHENTICATED"},
			"unknown product": {sh.Mina, map[string]any{"productId": sh.Products[1] + "9", "rating": 4, "body": "x"}, "NOT_FOUND"},
		} {
			t.Run(name, func(t *testing.T) { s.writeReview(t, c.token, c.in).MustCode(t, c.code) })
		}
		if p := s.productPage(t, sh.Admin, p0); p.Node.Reviews.TotalCount != 0 {
			t.Fatalf("bad input wrote %d reviews", p.Node.Reviews.TotalCount)
		}
		mina := s.mustWriteReview(t, sh.Mina, map[string]any{"productId": p0, "rating": 4, "body": "Good."})
		s.writeReview(t, sh.Mina, map[string]any{"productId": p0, "rating": 5, "body": "Again."}).MustCode(t, "CONFLICT")
		// Helpful votes: once, never one's own, never by staff.
		s.GQL(t, sh.Mina, helpfulMutation, map[string]any{"id": mina.ID}).MustCode(t, "INVALID_INPUT")
		s.GQL(t, sh.Admin, helpfulMutation, map[string]any{"id": mina.ID}).MustCode(t, "FORBIDDEN")
		s.GQL(t, sh.Leo, helpfulMutation, map[string]any{"id": mina.ID}).MustOK(t, nil)
		s.GQL(t, sh.Leo, helpfulMutation, map[string]any{"id": mina.ID}).MustCode(t, "CONFLICT")
		if p := s.productPage(t, "", p0); p.Node.Reviews.TotalCount != 1 || p.Node.Reviews.Edges[0].Node.HelpfulCount != 1 {
			t.Fatalf("after the votes: %+v", p.Node.Reviews)
		}
		// Replies: another customer may not reply; nobody replies to what they cannot see.
		reply := func(tok, id, body string) *testserver.Response {
			return s.GQL(t, tok, replyMutation, map[string]any{"input": map[string]any{"reviewId": id, "body": body}})
		}
		reply(sh.Leo, mina.ID, "me too").MustCode(t, "FORBIDDEN")
		reply(sh.Admin, mina.ID, "  ").MustCode(t, "INVALID_INPUT")
		leo := s.mustWriteReview(t, sh.Leo, map[string]any{"productId": sh.Products[1], "rating": 2, "body": "Late."})
		reply(sh.Mina, leo.ID, "hm").MustCode(t, "NOT_FOUND")
		reply(sh.Leo, leo.ID, "Still waiting.").MustOK(t, nil)
		reply(sh.Admin, leo.ID, "Sorry, it ships today.").MustOK(t, nil)
		// Watched words and moderation are staff's.
		s.GQL(t, sh.Mina, watchMutation, map[string]any{"word": "x", "action": "BLOCK"}).MustCode(t, "FORBIDDEN")
		s.GQL(t, sh.Mina, `mutation { removeWatchedWord(input: {id: 1}) { removedId } }`, nil).MustCode(t, "FORBIDDEN")
		s.GQL(t, sh.Mina, `{ watchedWords(first: 5) { edges { node { word } } } }`, nil).MustCode(t, "FORBIDDEN")
		s.GQL(t, sh.Mina, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": leo.ID, "action": "REJECT", "reason": "x"}}).MustCode(t, "FORBIDDEN")
		if p := s.productPage(t, sh.Leo, sh.Products[1]); len(p.Node.Reviews.Edges) != 1 || len(p.Node.Reviews.Edges[0].Node.Replies.Edges) != 2 ||
			!p.Node.Reviews.Edges[0].Node.Replies.Edges[1].Node.ByMerchant {
			t.Fatalf("leo's thread = %+v", p.Node.Reviews.Edges)
		}
	})
}

// TestReviewsWatchedWords: block refuses (titles included), require
// approval holds a verified review, matching ignores case and punctuation
// but respects word boundaries.
func TestReviewsWatchedWords(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		sh := s.Shop(t)
		p0 := sh.Products[0]
		var w struct {
			AddWatchedWord struct{ WatchedWord struct{ Word, Action string } }
		}
		s.GQL(t, sh.Admin, watchMutation, map[string]any{"word": "  Refund   SCAM ", "action": "REQUIRE_APPROVAL"}).MustOK(t, &w)
		if w.AddWatchedWord.WatchedWord.Word != "refund scam" {
			t.Fatalf("stored %q", w.AddWatchedWord.WatchedWord.Word)
		}
		s.GQL(t, sh.Admin, watchMutation, map[string]any{"word": "Idiot", "action": "BLOCK"}).MustOK(t, nil)
		r := s.writeReview(t, sh.Mina, map[string]any{"productId": p0, "rating": 3, "title": "IDIOT!", "body": "Fine."})
		r.MustCode(t, "INVALID_INPUT")
		if r.Errors[0].Extensions["field"] != "input.title" {
			t.Fatalf("blocked title: %+v", r.Errors[0])
		}
		// "idiotic" is another word: no match.
		if rv := s.mustWriteReview(t, sh.Ana, map[string]any{"productId": p0, "rating": 3, "body": "An idiotic lid."}); rv.Status != "PUBLISHED" {
			t.Fatalf("word boundary: %+v", rv)
		}
		rv := s.mustWriteReview(t, sh.Mina, map[string]any{"productId": p0, "rating": 5, "title": "Refund—scam?", "body": "Fine beans."})
		if rv.Status != "PENDING" {
			t.Fatalf("a watched phrase in the title: %+v, want PENDING", rv)
		}
	})
}

// TestReviewsRateLimit: a customer writing faster than the limit gets
// THROTTLED with retryAfter; time (a fake clock) gives the budget back.
func TestReviewsRateLimit(t *testing.T) {
	clock := clockwork.NewFakeClock()
	s := mustServer(t, "", func(c *app.Config) {
		c.Clock = clock
		c.ReviewLimits = &reviewLimitsForTest
	})
	sh := s.Shop(t)
	vote := func() *testserver.Response {
		return s.GQL(t, sh.Leo, helpfulMutation, map[string]any{"id": sh.Products[0]})
	}
	vote().MustCode(t, "NOT_FOUND") // counts: the limit is on attempts
	r := vote()
	r.MustCode(t, "THROTTLED")
	if ra, _ := r.Errors[0].Extensions["retryAfter"].(float64); ra < 1 {
		t.Fatalf("retryAfter = %v", r.Errors[0].Extensions)
	}
	clock.Advance(time.Minute)
	vote().MustCode(t, "NOT_FOUND")
}

// replyCursor0 is the reply feed's cursor before the first reply.
var replyCursor0 = base64.RawURLEncoding.EncodeToString([]byte("rr:0"))

type replyUpdate struct {
	ReviewReplyAdded struct {
		Cursor string
		Reply  struct {
			Body       string
			ByMerchant bool
		}
	}
}

func nextReply(t *testing.T, c *testserver.WSClient, id string) replyUpdate {
	t.Helper()
	m, err := c.ReadFor(id, 10*time.Second)
	if err != nil || m.Type != "next" {
		t.Fatalf("want a reply on %s: %s %s %v", id, m.Type, m.Payload, err)
	}
	var p struct{ Data replyUpdate }
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		t.Fatal(err)
	}
	return p.Data
}

// TestReviewReplyAddedFollowsTheReview: replies stream to anyone who may
// see the review; once it is hidden, new replies reach only its author
// and staff, on streams opened while it was published too.
func TestReviewReplyAddedFollowsTheReview(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		sh := s.Shop(t)
		rv := s.mustWriteReview(t, sh.Mina, map[string]any{"productId": sh.Products[0], "rating": 2, "body": "Bitter."})
		reply := func(tok, body string) {
			s.GQL(t, tok, replyMutation, map[string]any{"input": map[string]any{"reviewId": rv.ID, "body": body}}).MustOK(t, nil)
		}
		author := s.ConnectWS(t, sh.Mina)
		other := s.ConnectWS(t, sh.Leo)
		vars := map[string]any{"reviewId": rv.ID, "after": replyCursor0}
		author.Subscribe("a", reviewRepliesSubscription, vars)
		other.Subscribe("o", reviewRepliesSubscription, vars)
		reply(sh.Admin, "Sorry to hear that.")
		for _, c := range []struct {
			c  *testserver.WSClient
			id string
		}{{author, "a"}, {other, "o"}} {
			if u := nextReply(t, c.c, c.id); u.ReviewReplyAdded.Reply.Body != "Sorry to hear that." || !u.ReviewReplyAdded.Reply.ByMerchant {
				t.Fatalf("%s got %+v", c.id, u)
			}
		}
		s.GQL(t, sh.Admin, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": rv.ID, "action": "HIDE", "reason": "Personal data"}}).MustOK(t, nil)
		reply(sh.Admin, "While hidden.")
		reply(sh.Mina, "Author while hidden.")
		// Restored at once: replies written while it was hidden stay off
		// other viewers' streams however late those read them.
		s.GQL(t, sh.Admin, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": rv.ID, "action": "RESTORE"}}).MustOK(t, nil)
		reply(sh.Admin, "Back.")
		var authorGot, otherGot []string
		for range 3 {
			authorGot = append(authorGot, nextReply(t, author, "a").ReviewReplyAdded.Reply.Body)
		}
		otherGot = append(otherGot, nextReply(t, other, "o").ReviewReplyAdded.Reply.Body)
		if fmt.Sprint(authorGot) != "[While hidden. Author while hidden. Back.]" || fmt.Sprint(otherGot) != "[Back.]" {
			t.Fatalf("author got %q, another customer %q", authorGot, otherGot)
		}
		// A new subscription to a hidden review: NOT_FOUND for others.
		s.GQL(t, sh.Admin, testserver.ModerateMutation, map[string]any{"input": map[string]any{"itemId": rv.ID, "action": "HIDE", "reason": "Again"}}).MustOK(t, nil)
		other.Subscribe("o2", reviewRepliesSubscription, vars)
		if m, err := other.ReadFor("o2", 10*time.Second); err != nil || testserver.ErrorCode(m) != "NOT_FOUND" {
			t.Fatalf("subscribing to a hidden review: %s %s %v", m.Type, m.Payload, err)
		}
	})
}

// TestReviewReplyAddedAcrossInstances: a reply written through instance A
// reaches a subscriber on instance B (Postgres LISTEN/NOTIFY).
func TestReviewReplyAddedAcrossInstances(t *testing.T) {
	dsn := pgtest.Get(t).NewDatabase(t)
	a := mustServer(t, dsn)
	b := mustServer(t, dsn)
	sh := a.Shop(t)
	rv := a.mustWriteReview(t, sh.Mina, map[string]any{"productId": sh.Products[0], "rating": 4, "body": "Good."})
	c := b.ConnectWS(t, b.Token(t, auth.RoleCustomer, "leo@example.com"))
	c.Subscribe("1", reviewRepliesSubscription, map[string]any{"reviewId": rv.ID, "after": replyCursor0})
	a.GQL(t, a.Token(t, auth.RoleAdmin, ""), replyMutation, map[string]any{"input": map[string]any{"reviewId": rv.ID, "body": "Thanks from A"}}).MustOK(t, nil)
	if u := nextReply(t, c, "1"); u.ReviewReplyAdded.Reply.Body != "Thanks from A" {
		t.Fatalf("on B: %+v", u)
	}
	// And one written after B's subscriber is live, to prove the
	// notification (not only the catch-up read) crossed.
	a.GQL(t, a.Token(t, auth.RoleAdmin, ""), replyMutation, map[string]any{"input": map[string]any{"reviewId": rv.ID, "body": "Second from A"}}).MustOK(t, nil)
	if u := nextReply(t, c, "1"); u.ReviewReplyAdded.Reply.Body != "Second from A" {
		t.Fatalf("on B: %+v", u)
	}
}
