package reviews_test

import (
	"fmt"
	"testing"

	"github.com/aftercart/aftercart/server/internal/testserver"
)

// viewerReviewQuery is the product page's "your review".
const viewerReviewQuery = `query($id: ID!) { node(id: $id) { ... on Product {
  viewerReview { id body status statusReason media { kind } } } } }`

// TestViewerReview: Product.viewerReview is the signed-in customer's own
// review of the product in any status (a rejected one with its reason),
// and null for a customer who wrote none, for staff and for anonymous
// viewers, who never see another customer's unpublished review by it.
func TestViewerReview(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		sh := s.Shop(t)
		product := sh.Products[0]
		mina := s.mustWriteReview(t, sh.Mina, map[string]any{"productId": product, "rating": 5, "body": "Great grinder"})
		leo := s.mustWriteReview(t, sh.Leo, map[string]any{"productId": product, "rating": 2, "body": "Not here yet"})
		// Leo reviewed the other product too: not this product's.
		s.mustWriteReview(t, sh.Leo, map[string]any{"productId": sh.Products[1], "rating": 4, "body": "The other one"})
		s.moderate(t, sh.Admin, leo.ID, "REJECT", "not a review of the product")

		mine := func(token string) string {
			var out struct {
				Node struct {
					ViewerReview *struct {
						ID, Body, Status string
						StatusReason     *string
					}
				}
			}
			s.GQL(t, token, viewerReviewQuery, map[string]any{"id": product}).MustOK(t, &out)
			r := out.Node.ViewerReview
			if r == nil {
				return "null"
			}
			reason := ""
			if r.StatusReason != nil {
				reason = " (" + *r.StatusReason + ")"
			}
			return fmt.Sprintf("%s %s %s%s", r.ID, r.Body, r.Status, reason)
		}
		for _, c := range []struct{ name, token, want string }{
			{"Mina", sh.Mina, mina.ID + " Great grinder PUBLISHED"},
			{"Leo", sh.Leo, leo.ID + " Not here yet REJECTED (not a review of the product)"},
			{"Ana", sh.Ana, "null"},
			{"staff", sh.Admin, "null"},
			{"anonymous", "", "null"},
		} {
			if got := mine(c.token); got != c.want {
				t.Errorf("%s's viewerReview: %s, want %s", c.name, got, c.want)
			}
		}
	})
}
