package community_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/moderationdecision"
	"github.com/aftercart/aftercart/ent/post"
	"github.com/aftercart/aftercart/ent/postproduct"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/moderation"
	"github.com/aftercart/aftercart/server/ratelimit"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fixture is a migrated database with the community service on it.
type fixture struct {
	d     *db.DB
	mod   *moderation.Service
	svc   *community.Service
	clock *clockwork.FakeClock
	sys   context.Context
	staff context.Context
	topic *ent.Topic
	n     int
}

// eachDB runs f on SQLite and on a fresh Postgres database.
func eachDB(t *testing.T, f func(t *testing.T, fx *fixture)) {
	for name, dbURL := range map[string]func(t *testing.T) string{
		"sqlite":   func(*testing.T) string { return "" },
		"postgres": func(t *testing.T) string { return testserver.MigratedDatabase(t) },
	} {
		t.Run(name, func(t *testing.T) {
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			d, err := db.Open(db.Config{URL: dbURL(t), DataDir: t.TempDir(), Log: log})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = d.Close() })
			if err := d.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
			fx := &fixture{d: d, mod: moderation.NewService(d, moderation.WithClock(clock)), clock: clock,
				sys:   auth.WithSystem(context.Background()),
				staff: auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleAdmin, Subject: "admin"})}
			fx.svc = community.NewService(d, fx.mod, community.Config{Clock: fx.clock,
				Limits: &community.Limits{Posts: ratelimit.Rate{Burst: 100, Every: time.Second}}})
			res, err := fx.svc.CreateTopic(fx.staff, community.TopicInput{Slug: "unboxing", Name: "Unboxing"})
			if err != nil {
				t.Fatal(err)
			}
			fx.topic = res.Topic
			f(t, fx)
		})
	}
}

// customer creates a customer and returns their signed-in context.
func (fx *fixture) customer(t *testing.T, first string) (context.Context, *ent.Customer) {
	t.Helper()
	fx.n++
	email := fmt.Sprintf("%s%d@example.com", first, fx.n)
	c := fx.d.Customer.Create().SetEmail(email).SetFirstName(first).SetLastName("Okafor").SaveX(fx.sys)
	return auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleCustomer, Email: email, Subject: email, CustomerID: c.ID}), c
}

// product creates a product.
func (fx *fixture) product(t *testing.T) *ent.Product {
	t.Helper()
	fx.n++
	return fx.d.Product.Create().SetSku(fmt.Sprintf("SKU-%d", fx.n)).SetName("Beans").SaveX(fx.sys)
}

// deliver gives c an order of p in a shipment with status st.
func (fx *fixture) deliver(t *testing.T, c *ent.Customer, p *ent.Product, st types.TrackingStatus) {
	t.Helper()
	fx.n++
	o := fx.d.Order.Create().SetNumber(fmt.Sprintf("C-%d", fx.n)).SetExternalID(fmt.Sprintf("ext-%d", fx.n)).SetCustomerID(c.ID).SetPlacedAt(fx.clock.Now()).
		SetCurrency("EUR").SetShippingAddress(types.Address{Name: c.FirstName, Line1: "1 Road", City: "Town", CountryCode: "DE"}).SaveX(fx.sys)
	it := fx.d.OrderItem.Create().SetOrderID(o.ID).SetProductID(p.ID).SetExternalID("1").SetQuantity(1).
		SetUnitPriceMinor(500).SetCurrency("EUR").SaveX(fx.sys)
	sh := fx.d.Shipment.Create().SetOrderID(o.ID).SetCarrier("DHL").SetTrackingNumber(fmt.Sprintf("T%d", fx.n)).SetStatus(st).SaveX(fx.sys)
	fx.d.ShipmentItem.Create().SetShipmentID(sh.ID).SetOrderItemID(it.ID).SetQuantity(1).SaveX(fx.sys)
}

func (fx *fixture) post(t *testing.T, ctx context.Context, body string, products ...int) *ent.Post {
	t.Helper()
	res, err := fx.svc.Create(ctx, community.CreateInput{Topic: "unboxing", Body: body, ProductIDs: products})
	if err != nil {
		t.Fatalf("createPost %q: %v", body, err)
	}
	return res.Post
}

func (fx *fixture) moderate(t *testing.T, id int, action types.ModerationAction) {
	t.Helper()
	reason := "checked"
	if _, err := fx.mod.Moderate(fx.staff, moderation.Input{ItemID: id, Action: action, Reason: &reason}); err != nil {
		t.Fatalf("%s %d: %v", action, id, err)
	}
}

func wantCode(t *testing.T, what string, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("%s: %v, want %s", what, err, code)
	}
}

// TestTrustRule: a new customer's first post waits; once staff approve it
// the next publishes at once; a delivered order (not one in transit)
// trusts at once, and its product tags are verified (per tag); staff's
// override wins both ways; removals past approvals make a customer wait
// again. Every outcome is in the trail as "auto".
func TestTrustRule(t *testing.T) {
	eachDB(t, func(t *testing.T, fx *fixture) {
		newcomer, _ := fx.customer(t, "Ana")
		first := fx.post(t, newcomer, "My first unboxing")
		if first.Status != types.ModerationPending || first.PublishedAt != nil {
			t.Fatalf("a new customer's first post: %s, published %v", first.Status, first.PublishedAt)
		}
		if p := fx.post(t, newcomer, "Second, still waiting"); p.Status != types.ModerationPending {
			t.Fatalf("second post before approval: %s", p.Status)
		}
		fx.clock.Advance(time.Hour)
		fx.moderate(t, first.ID, types.ModerationApprove)
		approved := fx.d.Post.GetX(fx.sys, first.ID)
		if approved.PublishedAt == nil || !approved.PublishedAt.Equal(fx.clock.Now()) {
			t.Errorf("approval stamps publishedAt with the approval time: %v", approved.PublishedAt)
		}
		if p := fx.post(t, newcomer, "After an approval"); p.Status != types.ModerationPublished {
			t.Errorf("after an approved post: %s, want PUBLISHED", p.Status)
		}

		buyer, bc := fx.customer(t, "Mina")
		got, transit := fx.product(t), fx.product(t)
		fx.deliver(t, bc, got, types.TrackingDelivered)
		fx.deliver(t, bc, transit, types.TrackingInTransit)
		p := fx.post(t, buyer, "Look what came", transit.ID, got.ID)
		if p.Status != types.ModerationPublished || !p.VerifiedBuyer {
			t.Fatalf("a buyer with a delivered order: %s verified %v", p.Status, p.VerifiedBuyer)
		}
		tags := fx.d.PostProduct.Query().Where(postproduct.PostID(p.ID)).Order(ent.Asc(postproduct.FieldPosition)).AllX(fx.sys)
		if len(tags) != 2 || tags[0].ProductID != transit.ID || tags[0].VerifiedBuyer || tags[1].ProductID != got.ID || !tags[1].VerifiedBuyer {
			t.Errorf("tags: %+v, want the parcel in transit unverified then the delivered one verified", tags)
		}

		waiting, wc := fx.customer(t, "Leo")
		fx.deliver(t, wc, fx.product(t), types.TrackingInTransit)
		if p := fx.post(t, waiting, "Not here yet"); p.Status != types.ModerationPending {
			t.Errorf("an order in transit only: %s, want PENDING", p.Status)
		}

		// Staff override, both ways.
		if _, err := fx.svc.SetTrust(fx.staff, community.TrustInput{CustomerID: wc.ID, Trust: types.TrustTrusted}); err != nil {
			t.Fatal(err)
		}
		if p := fx.post(t, waiting, "Trusted by hand"); p.Status != types.ModerationPublished {
			t.Errorf("TRUSTED: %s", p.Status)
		}
		if _, err := fx.svc.SetTrust(fx.staff, community.TrustInput{CustomerID: bc.ID, Trust: types.TrustRestricted}); err != nil {
			t.Fatal(err)
		}
		if p := fx.post(t, buyer, "Restricted"); p.Status != types.ModerationPending {
			t.Errorf("RESTRICTED buyer: %s", p.Status)
		}
		_, err := fx.svc.SetTrust(buyer, community.TrustInput{CustomerID: bc.ID, Trust: types.TrustTrusted})
		wantCode(t, "a customer setting trust", err, errs.Forbidden)
		_, err = fx.svc.SetTrust(fx.staff, community.TrustInput{CustomerID: bc.ID + 1000, Trust: types.TrustTrusted})
		wantCode(t, "an unknown customer", err, errs.NotFound)

		// Removals past approvals: the newcomer (1 approval) has two posts hidden.
		for _, pp := range fx.d.Post.Query().Where(post.CustomerID(approved.CustomerID), post.StatusEQ(types.ModerationPublished)).AllX(fx.sys) {
			fx.moderate(t, pp.ID, types.ModerationHide)
		}
		if p := fx.post(t, newcomer, "After removals"); p.Status != types.ModerationPending {
			t.Errorf("more removed than approved: %s, want PENDING", p.Status)
		}

		// The trail says why, for every automatic outcome.
		autos := fx.d.ModerationDecision.Query().Where(moderationdecision.ItemType("Post"), moderationdecision.Actor(moderation.AutoActor)).CountX(fx.sys)
		if posts := fx.d.Post.Query().CountX(fx.sys); autos != posts {
			t.Errorf("%d automatic decisions for %d posts", autos, posts)
		}
	})
}

// TestWatchedWordsOnPosts: BLOCK refuses the post (nothing written), a
// REQUIRE_APPROVAL word holds even a trusted author's post, FLAG lets it
// through and records the word; editing re-runs the rule.
func TestWatchedWordsOnPosts(t *testing.T) {
	eachDB(t, func(t *testing.T, fx *fixture) {
		for w, a := range map[string]types.WatchedWordAction{"scam": types.WatchedBlock, "refund": types.WatchedRequireApproval, "cheap": types.WatchedFlag} {
			if _, err := fx.mod.AddWatchedWord(fx.staff, moderation.WatchedWordInput{Word: w, Action: a}); err != nil {
				t.Fatal(err)
			}
		}
		author, c := fx.customer(t, "Mina")
		if _, err := fx.svc.SetTrust(fx.staff, community.TrustInput{CustomerID: c.ID, Trust: types.TrustTrusted}); err != nil {
			t.Fatal(err)
		}
		_, err := fx.svc.Create(author, community.CreateInput{Topic: "unboxing", Body: "Total SCAM!"})
		wantCode(t, "a blocked word", err, errs.InvalidInput)
		if n := fx.d.Post.Query().CountX(fx.sys); n != 0 {
			t.Fatalf("%d posts written by a refused write", n)
		}
		if p := fx.post(t, author, "I want a refund"); p.Status != types.ModerationPending {
			t.Errorf("REQUIRE_APPROVAL: %s", p.Status)
		}
		p := fx.post(t, author, "Cheap and good")
		if p.Status != types.ModerationPublished || len(p.WatchedWords) != 1 || p.WatchedWords[0] != "cheap" {
			t.Errorf("FLAG: %s %v", p.Status, p.WatchedWords)
		}
		body := "Good, but I want a refund"
		res, err := fx.svc.Edit(author, community.EditInput{PostID: p.ID, Body: &body})
		if err != nil || res.Post.Status != types.ModerationPending || res.Post.EditedAt == nil {
			t.Fatalf("an edit that now needs approval: %+v %v", res, err)
		}
		if len(community.WatchedWords(author, res.Post)) != 0 {
			t.Errorf("the author sees the watched words")
		}
	})
}

// TestPostRulesRefuse: each refusal has its code and writes nothing.
func TestPostRulesRefuse(t *testing.T) {
	eachDB(t, func(t *testing.T, fx *fixture) {
		mina, mc := fx.customer(t, "Mina")
		leo, _ := fx.customer(t, "Leo")
		pr := fx.product(t)
		for _, c := range []struct {
			name string
			ctx  context.Context
			in   community.CreateInput
			code errs.Code
		}{
			{"empty body", mina, community.CreateInput{Topic: "unboxing", Body: "  "}, errs.InvalidInput},
			{"unknown topic", mina, community.CreateInput{Topic: "recipes", Body: "Hi"}, errs.NotFound},
			{"unknown product", mina, community.CreateInput{Topic: "unboxing", Body: "Hi", ProductIDs: []int{pr.ID, pr.ID + 999}}, errs.NotFound},
			{"a product twice", mina, community.CreateInput{Topic: "unboxing", Body: "Hi", ProductIDs: []int{pr.ID, pr.ID}}, errs.InvalidInput},
			{"too many media", mina, community.CreateInput{Topic: "unboxing", Body: "Hi", MediaIDs: make([]int, 11)}, errs.InvalidInput},
			{"staff", fx.staff, community.CreateInput{Topic: "unboxing", Body: "Hi"}, errs.Forbidden},
			{"anonymous", context.Background(), community.CreateInput{Topic: "unboxing", Body: "Hi"}, errs.Unauthenticated},
		} {
			_, err := fx.svc.Create(c.ctx, c.in)
			wantCode(t, c.name, err, c.code)
		}

		// Silenced: refused with the end in the message, until it ends.
		until := fx.clock.Now().Add(48 * time.Hour)
		fx.d.Customer.UpdateOneID(mc.ID).SetSilencedUntil(until).SetSilenceReason("spam").ExecX(fx.sys)
		_, err := fx.svc.Create(mina, community.CreateInput{Topic: "unboxing", Body: "Hi"})
		wantCode(t, "silenced", err, errs.Forbidden)
		if e, _ := errs.As(err); e == nil || !strings.Contains(e.Message, until.Format(time.RFC3339)) || !strings.Contains(e.Message, "spam") {
			t.Errorf("silenced: %v, want the end and the reason", err)
		}
		if n := fx.d.Post.Query().CountX(fx.sys); n != 0 {
			t.Fatalf("%d posts written by refused writes", n)
		}
		fx.clock.Advance(49 * time.Hour)
		p := fx.post(t, mina, "Back")

		// Others' posts: a pending one looks missing, a published one is not theirs.
		body := "mine now"
		_, err = fx.svc.Edit(leo, community.EditInput{PostID: p.ID, Body: &body})
		wantCode(t, "editing another's pending post", err, errs.NotFound)
		fx.moderate(t, p.ID, types.ModerationApprove)
		_, err = fx.svc.Edit(leo, community.EditInput{PostID: p.ID, Body: &body})
		wantCode(t, "editing another's published post", err, errs.Forbidden)
		_, err = fx.svc.Delete(leo, p.ID)
		wantCode(t, "deleting another's post", err, errs.Forbidden)
		if _, err := fx.svc.Delete(mina, p.ID); err != nil {
			t.Fatal(err)
		}
		_, err = fx.svc.Delete(mina, p.ID)
		wantCode(t, "deleting twice", err, errs.NotFound)
	})
}

// TestTopics: staff create, rename and reorder; bad slugs, taken slugs,
// partial orders and customers are refused.
func TestTopics(t *testing.T) {
	eachDB(t, func(t *testing.T, fx *fixture) {
		howto, err := fx.svc.CreateTopic(fx.staff, community.TopicInput{Slug: "how-to", Name: "How-to"})
		if err != nil {
			t.Fatal(err)
		}
		mina, _ := fx.customer(t, "Mina")
		_, err = fx.svc.CreateTopic(mina, community.TopicInput{Slug: "mine", Name: "Mine"})
		wantCode(t, "a customer creating a topic", err, errs.Forbidden)
		for _, slug := range []string{"How To", "how--to", "-x", ""} {
			_, err = fx.svc.CreateTopic(fx.staff, community.TopicInput{Slug: slug, Name: "X"})
			wantCode(t, "slug "+slug, err, errs.InvalidInput)
		}
		_, err = fx.svc.CreateTopic(fx.staff, community.TopicInput{Slug: "how-to", Name: "Again"})
		wantCode(t, "a taken slug", err, errs.Conflict)
		taken := "unboxing"
		_, err = fx.svc.UpdateTopic(fx.staff, community.TopicUpdate{TopicID: howto.Topic.ID, Slug: &taken})
		wantCode(t, "renaming to a taken slug", err, errs.Conflict)
		_, err = fx.svc.ReorderTopics(fx.staff, []int{howto.Topic.ID})
		wantCode(t, "a partial order", err, errs.InvalidInput)
		ts, err := fx.svc.ReorderTopics(fx.staff, []int{howto.Topic.ID, fx.topic.ID})
		if err != nil || len(ts) != 2 || ts[0].Slug != "how-to" || ts[1].Slug != "unboxing" {
			t.Fatalf("reordered: %v %v", ts, err)
		}
	})
}

// TestPostingIsRateLimited: past the burst a customer gets THROTTLED
// (nothing written) until the clock gives a write back; another customer
// is not affected.
func TestPostingIsRateLimited(t *testing.T) {
	eachDB(t, func(t *testing.T, fx *fixture) {
		svc := community.NewService(fx.d, fx.mod, community.Config{Clock: fx.clock,
			Limits: &community.Limits{Posts: ratelimit.Rate{Burst: 2, Every: time.Minute}}})
		mina, _ := fx.customer(t, "Mina")
		leo, _ := fx.customer(t, "Leo")
		in := community.CreateInput{Topic: "unboxing", Body: "Hi"}
		for i := 0; i < 2; i++ {
			if _, err := svc.Create(mina, in); err != nil {
				t.Fatal(err)
			}
		}
		_, err := svc.Create(mina, in)
		wantCode(t, "past the burst", err, errs.Throttled)
		if _, err := svc.Create(leo, in); err != nil {
			t.Fatalf("another customer: %v", err)
		}
		fx.clock.Advance(time.Minute)
		if _, err := svc.Create(mina, in); err != nil {
			t.Fatalf("after a minute: %v", err)
		}
		if n := fx.d.Post.Query().CountX(fx.sys); n != 4 {
			t.Errorf("%d posts, want 4", n)
		}
	})
}
