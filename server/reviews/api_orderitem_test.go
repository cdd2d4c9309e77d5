package reviews_test

import (
	"fmt"
	"testing"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// reviewLinesQuery lists a product's reviews with the order line behind
// each verified-buyer mark, as the order page and the staff screens ask.
const reviewLinesQuery = `query($p: ID!) { node(id: $p) { ... on Product {
  reviews(first: 50) { edges { node { id orderItem { id } } } }
} } }`

// awaitingLinesQuery is the staff list of negative reviews, with their lines.
const awaitingLinesQuery = `{ reviewsAwaitingReply(first: 50) { edges { node { id orderItem { id } } } } }`

// reviewLines is either list's answer, as review id → order line id ("" for null).
type reviewLines map[string]string

func (s *testServer) reviewLines(t *testing.T, token, query string, vars map[string]any) (lines reviewLines, statements int64) {
	t.Helper()
	var out struct {
		Node *struct {
			Reviews reviewEdges
		}
		ReviewsAwaitingReply *reviewEdges
	}
	before := s.Statements.Load()
	s.GQL(t, token, query, vars).MustOK(t, &out)
	statements = s.Statements.Load() - before
	edges := out.ReviewsAwaitingReply
	if out.Node != nil {
		edges = &out.Node.Reviews
	}
	lines = reviewLines{}
	for _, e := range edges.Edges {
		lines[e.Node.ID] = ""
		if e.Node.OrderItem != nil {
			lines[e.Node.ID] = e.Node.OrderItem.ID
		}
	}
	return lines, statements
}

type reviewEdges struct {
	Edges []struct {
		Node struct {
			ID        string
			OrderItem *struct{ ID string }
		}
	}
}

// TestReviewOrderItemLoadsWithThePage: a page of reviews loads the order
// lines behind their verified-buyer marks with the page, so the statements
// a list costs do not grow with the reviews on it (3 reviews and 6 cost the
// same), for staff (every line) and for an author (their own line only);
// the rule holds as before: only the author and staff see which order line
// a review came from, anonymous viewers and other customers get null, and a
// review read alone (node) still shows its author the line.
func TestReviewOrderItemLoadsWithThePage(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		admin := s.Token(t, auth.RoleAdmin, "")
		var (
			tokens  []string
			lineOf  = map[string]string{} // review id → the author's delivered line
			author  = map[string]int{}    // review id → index in tokens
			product string
		)
		review := func(i int) {
			number := fmt.Sprintf("OI%d", i)
			tok := s.reviewBuyer(t, fmt.Sprintf("buyer%d@example.com", i), number, true)
			var o struct {
				Order struct {
					Items []struct {
						ID      string
						Product struct{ ID string }
					}
				}
			}
			s.GQL(t, tok, `query($n: String!) { order(number: $n) { items { id product { id } } } }`, map[string]any{"n": number}).MustOK(t, &o)
			line, p := o.Order.Items[0].ID, o.Order.Items[0].Product.ID
			if product != "" && p != product {
				t.Fatalf("buyer %d's first line is product %s, want %s", i, p, product)
			}
			product = p
			// Two stars: the staff's awaiting-reply list shows them too.
			r := s.mustWriteReview(t, tok, map[string]any{"productId": product, "rating": 2, "body": fmt.Sprintf("Review %d.", i)})
			if !r.VerifiedBuyer {
				t.Fatalf("buyer %d's review is not verified", i)
			}
			lineOf[r.ID], author[r.ID] = line, len(tokens)
			tokens = append(tokens, tok)
		}
		check := func(who string, got reviewLines, sees func(reviewID string) bool) {
			t.Helper()
			if len(got) != len(lineOf) {
				t.Fatalf("%s sees %d reviews, want %d", who, len(got), len(lineOf))
			}
			for id, want := range lineOf {
				if !sees(id) {
					want = ""
				}
				if got[id] != want {
					t.Errorf("%s: review %s has orderItem %q, want %q", who, id, got[id], want)
				}
			}
		}
		vars := func() map[string]any { return map[string]any{"p": product} }
		measure := func() (staff, awaiting, own, anon int64) {
			var lines reviewLines
			lines, staff = s.reviewLines(t, admin, reviewLinesQuery, vars())
			check("staff", lines, func(string) bool { return true })
			lines, awaiting = s.reviewLines(t, admin, awaitingLinesQuery, nil)
			check("staff (awaiting reply)", lines, func(string) bool { return true })
			lines, own = s.reviewLines(t, tokens[0], reviewLinesQuery, vars())
			check("the first author", lines, func(id string) bool { return author[id] == 0 })
			lines, anon = s.reviewLines(t, "", reviewLinesQuery, vars())
			check("anonymous", lines, func(string) bool { return false })
			return
		}

		for i := range 3 {
			review(i)
		}
		staff3, awaiting3, own3, anon3 := measure()
		for i := 3; i < 6; i++ {
			review(i)
		}
		staff6, awaiting6, own6, anon6 := measure()
		for _, c := range []struct {
			name   string
			n3, n6 int64
		}{{"staff", staff3, staff6}, {"awaiting reply", awaiting3, awaiting6}, {"author", own3, own6}, {"anonymous", anon3, anon6}} {
			t.Logf("%s: %d statements for 3 reviews, %d for 6", c.name, c.n3, c.n6)
			if c.n6 != c.n3 {
				t.Errorf("%s: %d statements for 3 reviews, %d for 6: orderItem costs a statement per review", c.name, c.n3, c.n6)
			}
		}
		// Another customer sees nobody's line, not even through a list
		// that holds their own review elsewhere; a review read alone still
		// shows its author the line.
		lines, _ := s.reviewLines(t, tokens[5], reviewLinesQuery, vars())
		check("the last author", lines, func(id string) bool { return author[id] == 5 })
		for id, line := range lineOf {
			var out struct {
				Node struct{ OrderItem *struct{ ID string } }
			}
			q := `query($id: ID!) { node(id: $id) { ... on Review { orderItem { id } } } }`
			s.GQL(t, tokens[author[id]], q, map[string]any{"id": id}).MustOK(t, &out)
			if out.Node.OrderItem == nil || out.Node.OrderItem.ID != line {
				t.Errorf("the author reads review %s alone with orderItem %+v, want %s", id, out.Node.OrderItem, line)
			}
			out.Node.OrderItem = nil
			s.GQL(t, tokens[(author[id]+1)%len(tokens)], q, map[string]any{"id": id}).MustOK(t, &out)
			if out.Node.OrderItem != nil {
				t.Errorf("another customer reads review %s with orderItem %s", id, out.Node.OrderItem.ID)
			}
		}
	})
}

// TestProductReviewsStatements: the contract's ProductReviews query (summary,
// a page of reviews with their media, authors and first 20 replies) costs
// the same statements for 3 reviews as for 6, each with replies from staff
// and the author: nested replies load for the whole page at once
// (entgql's collection), not once per review.
func TestProductReviewsStatements(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		admin := s.Token(t, auth.RoleAdmin, "")
		var product string
		counts := map[int]int64{}
		for i := range 6 {
			number := fmt.Sprintf("PR%d", i)
			tok := s.reviewBuyer(t, fmt.Sprintf("reader%d@example.com", i), number, true)
			var o struct {
				Order struct {
					Items []struct{ Product struct{ ID string } }
				}
			}
			s.GQL(t, tok, `query($n: String!) { order(number: $n) { items { product { id } } } }`, map[string]any{"n": number}).MustOK(t, &o)
			product = o.Order.Items[0].Product.ID
			r := s.mustWriteReview(t, tok, map[string]any{"productId": product, "rating": 4, "body": fmt.Sprintf("Review %d.", i)})
			s.GQL(t, admin, replyMutation, map[string]any{"input": map[string]any{"reviewId": r.ID, "body": "Thanks!"}}).MustOK(t, nil)
			s.GQL(t, tok, replyMutation, map[string]any{"input": map[string]any{"reviewId": r.ID, "body": "You're welcome."}}).MustOK(t, nil)
			if i != 2 && i != 5 {
				continue
			}
			var out struct {
				Node struct {
					Reviews struct {
						Edges []struct {
							Node struct {
								Replies struct {
									Edges []struct{ Node struct{ Body string } }
								}
							}
						}
					}
				}
			}
			before := s.Statements.Load()
			s.GQL(t, "", productReviewsQuery, map[string]any{"productId": product}).MustOK(t, &out)
			counts[i+1] = s.Statements.Load() - before
			if got := len(out.Node.Reviews.Edges); got != i+1 {
				t.Fatalf("%d reviews listed, want %d", got, i+1)
			}
			for _, e := range out.Node.Reviews.Edges {
				if len(e.Node.Replies.Edges) != 2 {
					t.Fatalf("a review lists %d replies, want 2", len(e.Node.Replies.Edges))
				}
			}
		}
		t.Logf("ProductReviews: %d statements for 3 reviews, %d for 6", counts[3], counts[6])
		if counts[3] != counts[6] {
			t.Errorf("ProductReviews: %d statements for 3 reviews, %d for 6: something loads per review", counts[3], counts[6])
		}
	})
}
