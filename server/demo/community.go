package demo

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/ent"
	entcustomer "github.com/aftercart/aftercart/ent/customer"
	entproduct "github.com/aftercart/aftercart/ent/product"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/moderation"
	"github.com/aftercart/aftercart/server/ratelimit"
)

// MediaStore uploads a photo for the viewer in ctx and attaches uploads to
// what they write (server/media's Service).
type MediaStore interface {
	Uploader
	community.Attacher
}

// topicPlan is one demo topic.
type topicPlan struct{ slug, name, description string }

// demoTopics are the community's topics, in their order.
var demoTopics = []topicPlan{
	{"unboxing", "Unboxing", "What arrived, how it was packed, first impressions."},
	{"how-to", "How-to", "Brew guides, grinder settings, care and cleaning."},
	{"recipes", "Recipes", "Drinks and bakes with what you bought here."},
	{"styling", "Styling", "Mugs on shelves, beanies on heads: show your setup."},
}

// postPlan is one demo post: who, where, what, when (ago, before the seed's
// now), with photos from photos/ and products tagged by SKU. hide, when
// set, is the reason staff hid it after it was published.
type postPlan struct {
	// key names the post for the comments and reactions on it.
	key                string
	email, topic, body string
	ago                time.Duration
	photos, skus       []string
	hide               string
}

// demoPosts tell the community's story, oldest first. Leo, Mina and Sofia
// have received orders, so the trust rule publishes their posts at once,
// and the products they received carry the verified-buyer mark. Jonas's
// first order has not shipped: his unboxing post waits in the moderation
// queue. Leo's latest post was published and then hidden by staff (a
// sale, off topic), so the admin screens have something to restore; by
// the rule his next post waits again.
var demoPosts = []postPlan{
	{key: "leo-unboxing", email: OtherCustomerEmail, topic: "unboxing", ago: 11 * 24 * time.Hour,
		body:   "The kilo bag of Harbour House arrived in one piece: double-boxed, tissue paper, a handwritten roast date (four days before shipping). Smells like dark chocolate the moment you cut the valve.",
		photos: []string{"unboxing.jpg"}, skus: []string{"NR-COF-ESP-1000"}},
	{key: "mina-v60", email: DemoCustomerEmail, topic: "how-to", ago: 6 * 24 * time.Hour,
		body:   "My V60 routine for the Yirgacheffe: 15 g, medium-fine, 250 g water at 94 °C. 40 g bloom for 45 s, then slow circles to 250 g by 2:00. Drawdown ends around 3:00. Rinse the paper filter first or it tastes of cardboard.",
		photos: []string{"pourover.jpg"}, skus: []string{"NR-COF-YIRG-250", "NR-FLT-V60-100"}},
	{key: "sofia-chai", email: SofiaEmail, topic: "recipes", ago: 5 * 24 * time.Hour,
		body:   "Stovetop masala chai for two: 2 tsp of the chai blend in 200 ml water, simmer 3 min, add 200 ml milk and a spoon of sugar, bring just to the boil twice, strain. I add an extra star anise in winter.",
		photos: []string{"chai.jpg"}, skus: []string{"NR-TEA-CHAI-200"}},
	{key: "leo-tonic", email: OtherCustomerEmail, topic: "recipes", ago: 3 * 24 * time.Hour,
		body:   "Espresso tonic with the Harbour House: a glass full of ice, 120 ml tonic, pour a double shot slowly over the back of a spoon. Orange peel if you have one.",
		photos: []string{"espresso.jpg"}, skus: []string{"NR-COF-ESP-1000"}},
	{key: "sofia-descale", email: SofiaEmail, topic: "how-to", ago: 2*24*time.Hour + 5*time.Hour,
		body: "Hard water here in Rome: I descale the gooseneck kettle every four weeks with one tablet, then boil clean water twice. No more white flakes in the cup.",
		skus: []string{"NR-EQP-KETTLE", "NR-CARE-DESCALE-8"}},
	{key: "leo-sale", email: OtherCustomerEmail, topic: "styling", ago: 30 * time.Hour, hide: "Off topic: the community is not a marketplace.",
		body: "Selling my old burr grinder, barely used, 40 € or swap for a kettle. Message me!"},
	{key: "mina-mug", email: DemoCustomerEmail, topic: "styling", ago: 26 * time.Hour,
		body:   "The enamel mug lives on the balcony now. Navy rim, flat white, Berlin rooftops.",
		photos: []string{"mug.jpg"}, skus: []string{"NR-MUG-ENAMEL-350"}},
	{key: "jonas-unboxing", email: NewCustomerEmail, topic: "unboxing", ago: 3 * time.Hour,
		body:   "First order placed! Beans and filters on the way. Any tips for a beginner with a V60?",
		photos: []string{"beans.jpg"}, skus: []string{"NR-COF-YIRG-250"}},
}

// SeedCommunity adds the demo community: topics (created by staff), posts
// by Mina, Leo, Sofia and Jonas, the comments and replies under them and
// their reactions, all written through the community service as their
// authors so that the trust rule decides each status (Jonas's post and
// comment wait in the moderation queue), with photos from photos/
// uploaded through up as any customer's, and product tags (verified where
// the author received the product). Staff hide one post through the
// moderation core, so the audit trail has a HIDE to restore.
//
// Everything is dated over the days before now: the service runs here on
// a clock of the seed's own that moves from one write to the next, in the
// order of their dates (posts, comments and reactions interleaved, as a
// community that has been going for a while wrote them), with rate limits
// that let one author write several at once. Everything else is the
// server's code path.
//
// Like SeedReviews it does nothing on a database that already has a topic,
// so a restart keeps what is there; an author missing from an older demo
// database (seeded before they existed) is skipped, with what answers
// them.
func SeedCommunity(ctx context.Context, d *db.DB, up MediaStore, now time.Time) error {
	sys := auth.WithSystem(ctx)
	if any, err := d.Topic.Query().Exist(sys); err != nil || any {
		return err
	}
	now = now.UTC().Truncate(time.Second)
	clock := clockwork.NewFakeClockAt(now.Add(-30 * 24 * time.Hour))
	mod := moderation.NewService(d)
	com := community.NewService(d, mod, community.Config{
		Media: up, Clock: clock,
		Limits: &community.Limits{
			Posts:     ratelimit.Rate{Burst: len(demoPosts), Every: time.Second},
			Comments:  ratelimit.Rate{Burst: len(demoComments), Every: time.Second},
			Reactions: ratelimit.Rate{Burst: len(demoReactions), Every: time.Second},
		},
	})
	staff := auth.NewContext(ctx, &auth.Viewer{Role: auth.RoleAdmin, Subject: "demo-seed"})
	for _, t := range demoTopics {
		desc := t.description
		if _, err := com.CreateTopic(staff, community.TopicInput{Slug: t.slug, Name: t.name, Description: &desc}); err != nil {
			return fmt.Errorf("demo: topic %s: %w", t.slug, err)
		}
	}
	s := &communitySeed{ctx: ctx, d: d, com: com, mod: mod, up: up, staff: staff,
		authors: map[string]context.Context{}, posts: map[string]int{}, comments: map[string]int{}}
	for _, e := range s.timeline(now) {
		clock.Advance(e.at.Sub(clock.Now()))
		if err := e.write(); err != nil {
			return err
		}
	}
	return nil
}

// communitySeed writes the plans, remembering what each key became.
type communitySeed struct {
	ctx   context.Context
	d     *db.DB
	com   *community.Service
	mod   *moderation.Service
	up    MediaStore
	staff context.Context
	// authors holds a signed-in context per email; nil for one missing
	// from the database.
	authors map[string]context.Context
	// posts and comments map plan keys to ids; a key is absent when its
	// author (or what it answers) was skipped.
	posts, comments map[string]int
}

// seedEvent is one write at its date.
type seedEvent struct {
	at    time.Time
	write func() error
}

// timeline lists every planned write in date order; writes at the same
// moment keep the plans' order (a post before what answers it).
func (s *communitySeed) timeline(now time.Time) []seedEvent {
	var ev []seedEvent
	for _, p := range demoPosts {
		ev = append(ev, seedEvent{now.Add(-p.ago), func() error { return s.post(p) }})
	}
	for _, c := range demoComments {
		ev = append(ev, seedEvent{now.Add(-c.ago), func() error { return s.comment(c) }})
	}
	for _, r := range demoReactions {
		ev = append(ev, seedEvent{now.Add(-r.ago), func() error { return s.react(r) }})
	}
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].at.Before(ev[j].at) })
	return ev
}

// author is the customer with email signed in, or nil when the database
// has no such customer.
func (s *communitySeed) author(email string) (context.Context, error) {
	if a, ok := s.authors[email]; ok {
		return a, nil
	}
	cu, err := s.d.Customer.Query().Where(entcustomer.Email(email)).Only(auth.WithSystem(s.ctx))
	if ent.IsNotFound(err) {
		s.authors[email] = nil
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("demo: community member %s: %w", email, err)
	}
	a := auth.NewContext(s.ctx, &auth.Viewer{Role: auth.RoleCustomer, Email: email, Subject: email, CustomerID: cu.ID})
	s.authors[email] = a
	return a, nil
}

// post writes p with its photos and tags, and hides it when the plan says.
func (s *communitySeed) post(p postPlan) error {
	author, err := s.author(p.email)
	if author == nil || err != nil {
		return err
	}
	in := community.CreateInput{Topic: p.topic, Body: p.body}
	for _, sku := range p.skus {
		pr, err := s.d.Product.Query().Where(entproduct.Sku(sku)).Only(auth.WithSystem(s.ctx))
		if err != nil {
			return fmt.Errorf("demo: tagged product %s: %w", sku, err)
		}
		in.ProductIDs = append(in.ProductIDs, pr.ID)
	}
	for _, name := range p.photos {
		id, err := uploadPhoto(author, s.up, name)
		if err != nil {
			return err
		}
		in.MediaIDs = append(in.MediaIDs, id)
	}
	res, err := s.com.Create(author, in)
	if err != nil {
		return fmt.Errorf("demo: post by %s in %s: %w", p.email, p.topic, err)
	}
	s.posts[p.key] = res.Post.ID
	if p.hide != "" {
		reason := p.hide
		if _, err := s.mod.Moderate(s.staff, moderation.Input{ItemID: res.Post.ID, Action: types.ModerationHide, Reason: &reason}); err != nil {
			return fmt.Errorf("demo: hiding the post by %s: %w", p.email, err)
		}
	}
	return nil
}

// comment writes c on its post, as a reply when it has a parent.
func (s *communitySeed) comment(c commentPlan) error {
	author, err := s.author(c.email)
	if author == nil || err != nil {
		return err
	}
	postID, ok := s.posts[c.post]
	if !ok {
		return nil
	}
	in := community.CommentInput{PostID: postID, Body: c.body}
	if c.parent != "" {
		parent, ok := s.comments[c.parent]
		if !ok {
			return nil
		}
		in.ParentID = &parent
	}
	res, err := s.com.AddComment(author, in)
	if err != nil {
		return fmt.Errorf("demo: comment %s by %s: %w", c.key, c.email, err)
	}
	s.comments[c.key] = res.Comment.ID
	return nil
}

// react leaves r on its post.
func (s *communitySeed) react(r reactionPlan) error {
	author, err := s.author(r.email)
	if author == nil || err != nil {
		return err
	}
	postID, ok := s.posts[r.post]
	if !ok {
		return nil
	}
	if _, err := s.com.React(author, community.ReactInput{PostID: postID, Kind: r.kind}); err != nil {
		return fmt.Errorf("demo: %s's %s on %s: %w", r.email, r.kind, r.post, err)
	}
	return nil
}
