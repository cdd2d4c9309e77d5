package demo_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/review"
	"github.com/aftercart/aftercart/server/demo"
	"github.com/aftercart/aftercart/server/moderation"
	"github.com/aftercart/aftercart/server/pubsub/inmem"
	"github.com/aftercart/aftercart/server/reviews"
)

// TestSeedReviews: the demo reviews go through the publishing rule (the
// ones by buyers who received the product publish, the grinder still on
// its way to Leo waits), two are answered by the store, and seeding again
// adds nothing.
func TestSeedReviews(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		e.mustSeed(t, time.Now().UTC().Truncate(time.Second))
		rev := reviews.NewService(e.db, inmem.New(), moderation.NewService(e.db), reviews.Config{StoreName: demo.StoreName, Limits: &reviews.Limits{}})
		for range 2 {
			if err := demo.SeedReviews(sys, e.db, rev); err != nil {
				t.Fatal(err)
			}
		}
		rs, err := e.db.Review.Query().WithProduct().WithReplies().Order(review.ByID()).All(sys)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		replies := 0
		for _, r := range rs {
			got = append(got, fmt.Sprintf("%s:%s:%v", r.Edges.Product.Sku, r.Status, r.VerifiedBuyer))
			replies += len(r.Edges.Replies)
		}
		sort.Strings(got)
		want := "[NR-COF-ESP-1000:PUBLISHED:true NR-COF-YIRG-250:PUBLISHED:true NR-EQP-GRINDER:PENDING:false NR-FLT-V60-100:PUBLISHED:true NR-MUG-ENAMEL-350:PUBLISHED:true]"
		if fmt.Sprint(got) != want || replies != 2 {
			t.Fatalf("seeded %v with %d replies, want %s with 2", got, replies, want)
		}
	})
}
