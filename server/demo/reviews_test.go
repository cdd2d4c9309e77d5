package demo_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent"
	entmedia "github.com/aftercart/aftercart/ent/media"
	"github.com/aftercart/aftercart/ent/review"
	"github.com/aftercart/aftercart/server/demo"
	"github.com/aftercart/aftercart/server/media"
	"github.com/aftercart/aftercart/server/moderation"
	"github.com/aftercart/aftercart/server/pubsub/inmem"
	"github.com/aftercart/aftercart/server/reviews"
)

// TestSeedReviews: the demo reviews go through the publishing rule (the
// ones by buyers who received the product publish, the grinder still on
// its way to Leo waits), two are answered by the store, the published ones
// carry the photos shipped in photos/ (uploaded through the media service:
// real JPEGs, each with a thumbnail, served as images), and seeding again
// adds nothing: no review, no reply, no upload.
func TestSeedReviews(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		e.mustSeed(t, time.Now().UTC().Truncate(time.Second))
		bucket, err := media.OpenBucket(context.Background(), "", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { bucket.Close() })
		med := media.NewService(e.db, media.Config{Bucket: bucket})
		rev := reviews.NewService(e.db, inmem.New(), moderation.NewService(e.db), reviews.Config{StoreName: demo.StoreName, Limits: &reviews.Limits{}, Media: med})
		for range 2 {
			if err := demo.SeedReviews(sys, e.db, rev, med); err != nil {
				t.Fatal(err)
			}
		}
		rs, err := e.db.Review.Query().WithProduct().WithReplies().
			WithAttachments(func(q *ent.MediaQuery) { q.Order(ent.Asc(entmedia.FieldPosition)) }).
			Order(review.ByID()).All(sys)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		replies := 0
		served := httptest.NewServer(med.Handler())
		defer served.Close()
		for _, r := range rs {
			got = append(got, fmt.Sprintf("%s:%s:%v:%d", r.Edges.Product.Sku, r.Status, r.VerifiedBuyer, len(r.Edges.Attachments)))
			replies += len(r.Edges.Replies)
			if r.HasMedia != (len(r.Edges.Attachments) > 0) {
				t.Errorf("review of %s: hasMedia %v with %d media", r.Edges.Product.Sku, r.HasMedia, len(r.Edges.Attachments))
			}
			for _, m := range r.Edges.Attachments {
				if m.Kind != entmedia.KindPHOTO || m.ContentType != "image/jpeg" || m.ThumbnailKey == nil || m.ByteSize > 64<<10 {
					t.Errorf("review of %s: media %+v, want a JPEG photo under 64 KB with a thumbnail", r.Edges.Product.Sku, m)
					continue
				}
				for _, key := range []string{m.BlobKey, *m.ThumbnailKey} {
					res, err := http.Get(served.URL + media.PathPrefix + key)
					if err != nil {
						t.Fatal(err)
					}
					res.Body.Close()
					if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" {
						t.Errorf("review of %s: %s answers %d %s", r.Edges.Product.Sku, key, res.StatusCode, res.Header.Get("Content-Type"))
					}
				}
			}
		}
		sort.Strings(got)
		want := "[NR-COF-ESP-1000:PUBLISHED:true:1 NR-COF-YIRG-250:PUBLISHED:true:1 NR-EQP-GRINDER:PENDING:false:0 NR-FLT-V60-100:PUBLISHED:true:1 NR-MUG-ENAMEL-350:PUBLISHED:true:1]"
		if fmt.Sprint(got) != want || replies != 2 {
			t.Fatalf("seeded %v with %d replies, want %s with 2", got, replies, want)
		}
		if n, err := e.db.Media.Query().Count(sys); err != nil || n != 4 {
			t.Fatalf("%d uploads after seeding twice (%v), want the 4 photos once", n, err)
		}
	})
}
