package demo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/comment"
	entmedia "github.com/aftercart/aftercart/ent/media"
	"github.com/aftercart/aftercart/ent/post"
	"github.com/aftercart/aftercart/ent/postproduct"
	"github.com/aftercart/aftercart/ent/topic"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/demo"
	"github.com/aftercart/aftercart/server/media"
	"github.com/aftercart/aftercart/server/moderation"
)

// TestSeedCommunity: the demo community's topics are in their order, the
// trust rule decided every post (the authors with a delivered order
// publish at once, Jonas, whose first order has not shipped, waits in the
// moderation queue), the hidden post has its staff decision in the trail,
// tags are verified exactly where the author received the product, the
// photos are real JPEGs uploaded through the media service, the posts are
// dated over the past days in the order written, the comments and replies
// and reactions are where the plan puts them and counted on their posts,
// and seeding again writes nothing.
func TestSeedCommunity(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		now := time.Now().UTC().Truncate(time.Second)
		e.mustSeed(t, now)
		bucket, err := media.OpenBucket(context.Background(), "", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { bucket.Close() })
		med := media.NewService(e.db, media.Config{Bucket: bucket})
		if err := demo.SeedCommunity(context.Background(), e.db, med, now); err != nil {
			t.Fatal(err)
		}
		before := e.writes.Load()
		if err := demo.SeedCommunity(context.Background(), e.db, med, now); err != nil {
			t.Fatal(err)
		}
		if n := e.writes.Load() - before; n != 0 {
			t.Errorf("seeding again wrote %d statements, want none", n)
		}

		topics, err := e.db.Topic.Query().Order(topic.ByPosition()).All(sys)
		if err != nil {
			t.Fatal(err)
		}
		var slugs []string
		for _, tp := range topics {
			slugs = append(slugs, tp.Slug)
		}
		if got := strings.Join(slugs, " "); got != "unboxing how-to recipes styling" {
			t.Errorf("topics %q", got)
		}

		posts, err := e.db.Post.Query().WithAuthor().WithTopic().
			WithTags(func(q *ent.PostProductQuery) { q.WithProduct().Order(postproduct.ByPosition()) }).
			WithAttachments().Order(post.ByCreatedAt(), post.ByID()).All(sys)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		var last time.Time
		for _, p := range posts {
			var tags []string
			for _, tg := range p.Edges.Tags {
				tags = append(tags, fmt.Sprintf("%s=%v", tg.Edges.Product.Sku, tg.VerifiedBuyer))
			}
			got = append(got, fmt.Sprintf("%s/%s/%s/%d%v comments=%d reactions=%d/%d/%d", p.Edges.Author.FirstName, p.Edges.Topic.Slug, p.Status,
				len(p.Edges.Attachments), tags, p.CommentCount, p.LikeCount, p.LoveCount, p.HelpfulCount))
			if !p.CreatedAt.After(last) || !p.CreatedAt.Before(now) || p.CreatedAt.Before(now.Add(-12*24*time.Hour)) {
				t.Errorf("post by %s written at %v: want each later than the one before, within the 12 days before %v", p.Edges.Author.FirstName, p.CreatedAt, now)
			}
			last = p.CreatedAt
			if (p.Status == "PENDING") != (p.PublishedAt == nil) {
				t.Errorf("post by %s: %s with publishedAt %v", p.Edges.Author.FirstName, p.Status, p.PublishedAt)
			}
			for _, m := range p.Edges.Attachments {
				if m.Kind != entmedia.KindPHOTO || m.ContentType != "image/jpeg" || m.ThumbnailKey == nil {
					t.Errorf("post by %s: media %+v, want a JPEG photo with a thumbnail", p.Edges.Author.FirstName, m)
				}
			}
		}
		// comments counts what other viewers see (Jonas's waiting question
		// is not in Mina's V60 post's 3); reactions are LIKE/LOVE/HELPFUL.
		want := []string{
			"Leo/unboxing/PUBLISHED/1[NR-COF-ESP-1000=true] comments=3 reactions=2/0/1",
			"Mina/how-to/PUBLISHED/1[NR-COF-YIRG-250=true NR-FLT-V60-100=true] comments=3 reactions=0/1/3",
			"Sofia/recipes/PUBLISHED/1[NR-TEA-CHAI-200=true] comments=2 reactions=1/1/0",
			"Leo/recipes/PUBLISHED/1[NR-COF-ESP-1000=true] comments=1 reactions=1/1/0",
			"Sofia/how-to/PUBLISHED/0[NR-EQP-KETTLE=true NR-CARE-DESCALE-8=false] comments=1 reactions=0/0/2",
			"Leo/styling/HIDDEN/0[] comments=0 reactions=0/0/0",
			"Mina/styling/PUBLISHED/1[NR-MUG-ENAMEL-350=true] comments=2 reactions=1/1/0",
			"Jonas/unboxing/PENDING/1[NR-COF-YIRG-250=false] comments=0 reactions=0/0/0",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("seeded posts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}

		checkSeededTalk(t, e, now)

		// Jonas's post and comment wait in the queue, as staff see them.
		mod := moderation.NewService(e.db)
		community.NewService(e.db, mod, community.Config{}) // registers posts with the queue
		staff := auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleAdmin, Subject: "test"})
		q, err := mod.Queue(staff, 20, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if q.TotalCount != 2 {
			t.Errorf("queue holds %d items, want Jonas's post and comment", q.TotalCount)
		}
		hidden, err := e.db.ModerationDecision.Query().All(sys)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, d := range hidden {
			if d.Action != nil {
				actions = append(actions, fmt.Sprintf("%s:%s:%s", *d.Action, *d.ToStatus, d.Actor))
			}
		}
		sort.Strings(actions)
		if fmt.Sprint(actions) != "[HIDE:HIDDEN:demo-seed]" {
			t.Errorf("staff decisions %v, want the one HIDE", actions)
		}
	})
}

// checkSeededTalk: the seeded comments are threaded as planned, each
// written after its post (and its parent) and published by the trust rule
// except Jonas's; every reaction row is counted on its post.
func checkSeededTalk(t *testing.T, e *env, now time.Time) {
	t.Helper()
	comments, err := e.db.Comment.Query().WithAuthor().WithParent(func(q *ent.CommentQuery) { q.WithAuthor() }).
		WithPost(func(q *ent.PostQuery) { q.WithAuthor().WithTopic() }).
		Order(comment.ByCreatedAt(), comment.ByID()).All(sys)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range comments {
		p := c.Edges.Post
		line := fmt.Sprintf("%s on %s/%s", c.Edges.Author.FirstName, p.Edges.Author.FirstName, p.Edges.Topic.Slug)
		if par := c.Edges.Parent; par != nil {
			line += " re " + par.Edges.Author.FirstName
			if !c.CreatedAt.After(par.CreatedAt) {
				t.Errorf("%s: written at %v, before its parent (%v)", line, c.CreatedAt, par.CreatedAt)
			}
		}
		if !c.CreatedAt.After(p.CreatedAt) || !c.CreatedAt.Before(now) {
			t.Errorf("%s: written at %v, want after its post (%v) and before %v", line, c.CreatedAt, p.CreatedAt, now)
		}
		got = append(got, line+" "+string(c.Status))
	}
	want := []string{
		"Sofia on Leo/unboxing PUBLISHED",
		"Leo on Leo/unboxing re Sofia PUBLISHED",
		"Mina on Leo/unboxing PUBLISHED",
		"Sofia on Mina/how-to PUBLISHED",
		"Mina on Mina/how-to re Sofia PUBLISHED",
		"Mina on Sofia/recipes PUBLISHED",
		"Sofia on Sofia/recipes re Mina PUBLISHED",
		"Leo on Mina/how-to PUBLISHED",
		"Mina on Leo/recipes PUBLISHED",
		"Leo on Sofia/how-to PUBLISHED",
		"Sofia on Mina/styling PUBLISHED",
		"Mina on Mina/styling re Sofia PUBLISHED",
		"Jonas on Mina/how-to PENDING",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("seeded comments:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	reactions, err := e.db.Reaction.Query().Count(sys)
	if err != nil {
		t.Fatal(err)
	}
	posts, err := e.db.Post.Query().All(sys)
	if err != nil {
		t.Fatal(err)
	}
	counted := 0
	for _, p := range posts {
		counted += p.LikeCount + p.LoveCount + p.HelpfulCount
	}
	if reactions != 15 || counted != reactions {
		t.Errorf("%d reaction rows, the posts count %d: want 15 of each", reactions, counted)
	}
}

// TestSessionHandler: the admin SPA's development session is a fresh
// ADMIN token the server accepts, never cached; other methods are refused.
func TestSessionHandler(t *testing.T) {
	iss, err := auth.NewIssuer([]byte("test-secret-0123456789abcdef-0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(demo.SessionHandler(iss, auth.RoleAdmin, ""))
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != 200 {
		t.Fatalf("%d %v", res.StatusCode, err)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	v, err := iss.Verify(body["token"])
	if err != nil || v.Role != auth.RoleAdmin {
		t.Errorf("token: %+v %v, want an admin", v, err)
	}
	if _, ok := body["email"]; ok {
		t.Errorf("an admin session names no email: %v", body)
	}
	post, err := http.Post(srv.URL, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST answered %d", post.StatusCode)
	}
}
