package community_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/live"
	"github.com/aftercart/aftercart/server/live/livetest"
	"github.com/aftercart/aftercart/server/moderation"
	"github.com/aftercart/aftercart/server/pubsub"
	"github.com/aftercart/aftercart/server/pubsub/inmem"
	"github.com/aftercart/aftercart/server/pubsub/pgnotify"
	"github.com/aftercart/aftercart/server/ratelimit"
)

// liveFixture is a migrated database with the community service, the
// moderation core and the live feeds on one engine, announcing through a
// real broker (LISTEN/NOTIFY on Postgres).
type liveFixture struct {
	d      *db.DB
	mod    *moderation.Service
	svc    *community.Service
	posts  *community.PostFeeds
	cmts   *community.CommentFeed
	queue  *moderation.QueueFeed
	sys    context.Context
	staff  context.Context
	topics []*ent.Topic
	n      int
}

// eachLiveDB runs f on SQLite and on a fresh Postgres database.
func eachLiveDB(t *testing.T, f func(t *testing.T, fx *liveFixture)) {
	for name, dbURL := range map[string]func(t *testing.T) string{
		"sqlite":   func(*testing.T) string { return "" },
		"postgres": func(t *testing.T) string { return testserver.MigratedDatabase(t) },
	} {
		t.Run(name, func(t *testing.T) {
			url := dbURL(t)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			d, err := db.Open(db.Config{URL: url, DataDir: t.TempDir(), Log: log})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = d.Close() })
			if err := d.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			var b pubsub.Broker = inmem.New()
			if url != "" {
				if b, err = pgnotify.New(t.Context(), url, log); err != nil {
					t.Fatal(err)
				}
			}
			t.Cleanup(func() { _ = b.Close() })
			e := live.NewEngine(b, log)
			t.Cleanup(e.Close)
			fx := &liveFixture{d: d, mod: moderation.NewService(d, moderation.WithBroker(b)),
				sys:   auth.WithSystem(context.Background()),
				staff: auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleAdmin, Subject: "admin"})}
			fx.svc = community.NewService(d, fx.mod, community.Config{Broker: b,
				Limits: &community.Limits{Posts: ratelimit.Rate{Burst: 10_000, Every: time.Millisecond},
					Comments: ratelimit.Rate{Burst: 10_000, Every: time.Millisecond}}})
			fx.posts = community.NewPostFeeds(e, d.Client)
			fx.cmts = community.NewCommentFeed(e, d.Client)
			fx.queue = moderation.NewQueueFeed(e, d.Client, fx.mod)
			for _, slug := range []string{"unboxing", "how-to"} {
				res, err := fx.svc.CreateTopic(fx.staff, community.TopicInput{Slug: slug, Name: slug})
				if err != nil {
					t.Fatal(err)
				}
				fx.topics = append(fx.topics, res.Topic)
			}
			f(t, fx)
		})
	}
}

// customer creates a customer whose posts publish at once (trusted) or
// always wait (restricted), and returns their signed-in context.
func (fx *liveFixture) customer(t *testing.T, trust types.CommunityTrust) (context.Context, *ent.Customer) {
	t.Helper()
	fx.n++
	email := fmt.Sprintf("writer%d@example.com", fx.n)
	c := fx.d.Customer.Create().SetEmail(email).SetFirstName(fmt.Sprintf("Writer%d", fx.n)).SetCommunityTrust(trust).SaveX(fx.sys)
	return auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleCustomer, Email: email, Subject: email, CustomerID: c.ID}), c
}

// TestPostFeedCommitOrder is the engine's commit-order check for postAdded
// on a topic's stream and on the all-topics stream: trusted customers post
// concurrently through the real service (each post's change rows under
// the streams' LockTopic), in one topic, or spread over two for all
// topics, while subscribers drop off and resume from random cursors; each
// ends with every post exactly once, in order.
func TestPostFeedCommitOrder(t *testing.T) {
	eachLiveDB(t, func(t *testing.T, fx *liveFixture) {
		const writers = 4
		ctxs := make([]context.Context, writers)
		for w := range ctxs {
			ctxs[w], _ = fx.customer(t, types.TrustTrusted)
		}
		_, viewer := fx.customer(t, types.TrustAuto)
		viewerCtx := auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleCustomer, Email: viewer.Email, Subject: viewer.Email, CustomerID: viewer.ID})
		label := func(u *community.PostUpdate) string { return community.Body(viewerCtx, u.Post) }
		cursor := func(u *community.PostUpdate) string { return u.Cursor }
		for _, c := range []struct {
			name string
			key  int
			slug func(w, i int) string
		}{
			{"topic", fx.topics[0].ID, func(int, int) string { return fx.topics[0].Slug }},
			{"all-topics", community.AllTopics, func(w, i int) string { return fx.topics[(w+i)%2].Slug }},
		} {
			t.Run(c.name, func(t *testing.T) {
				livetest.CommitOrder[int, *community.PostUpdate]{
					Feed: fx.posts.AddedFeed(), Key: c.key, Viewer: viewerCtx,
					Writers: writers, Writes: 25, Subscribers: 6, Seed: uint64(time.Now().UnixNano()),
					Write: func(ctx context.Context, name string, w, i int) error {
						_, err := fx.svc.Create(ctxs[w], community.CreateInput{Topic: c.slug(w, i), Body: c.name + "/" + name})
						return err
					},
					Label:  func(u *community.PostUpdate) string { return trimPrefix(label(u), c.name+"/") },
					Cursor: cursor,
				}.Run(t)
			})
		}
	})
}

// trimPrefix returns s without prefix, or "" when s lacks it: the check
// skips changes it did not write (an earlier subtest's).
func trimPrefix(s, prefix string) string {
	if len(s) < len(prefix) || s[:len(prefix)] != prefix {
		return ""
	}
	return s[len(prefix):]
}

// TestQueueFeedCommitOrder is the commit-order check for
// moderationQueueChanged: restricted customers post concurrently (each
// post ENTERS the queue under the queue's LockTopic) and half the writers
// have staff approve each post at once (it LEAVES, through Moderate), while
// staff subscribers drop off and resume from random cursors; each ends
// with every entry exactly once, in order.
func TestQueueFeedCommitOrder(t *testing.T) {
	eachLiveDB(t, func(t *testing.T, fx *liveFixture) {
		const writers = 4
		ctxs := make([]context.Context, writers)
		for w := range ctxs {
			ctxs[w], _ = fx.customer(t, types.TrustRestricted)
		}
		livetest.CommitOrder[int, *moderation.QueueUpdate]{
			Feed: fx.queue.Feed(), Key: 0, Viewer: fx.staff,
			Writers: writers, Writes: 25, Subscribers: 6, Seed: uint64(time.Now().UnixNano()),
			Write: func(ctx context.Context, name string, w, i int) error {
				res, err := fx.svc.Create(ctxs[w], community.CreateInput{Topic: fx.topics[0].Slug, Body: name})
				if err != nil || w%2 == 0 {
					return err
				}
				_, err = fx.mod.Moderate(fx.staff, moderation.Input{ItemID: res.Post.ID, Action: types.ModerationApprove})
				return err
			},
			// A LEFT is the fixture's: each write's ENTERED is what it names.
			Label: func(u *moderation.QueueUpdate) string {
				p, ok := u.Item.(*ent.Post)
				if u.Kind != types.QueueEntered || !ok {
					return ""
				}
				return p.Body
			},
			Cursor: func(u *moderation.QueueUpdate) string { return u.Cursor },
		}.Run(t)
	})
}

// TestCommentFeedCommitOrder is the commit-order check for a post's
// comment feed: comments written concurrently on one post through
// addComment (each under the post's row lock with its change), reach
// resuming subscribers exactly once, in order.
func TestCommentFeedCommitOrder(t *testing.T) {
	eachLiveDB(t, func(t *testing.T, fx *liveFixture) {
		author, _ := fx.customer(t, types.TrustTrusted)
		p, err := fx.svc.Create(author, community.CreateInput{Topic: fx.topics[0].Slug, Body: "My new kettle"})
		if err != nil {
			t.Fatal(err)
		}
		const writers = 4
		as := make([]context.Context, writers) // trusted: comments publish at once
		for w := range as {
			as[w], _ = fx.customer(t, types.TrustTrusted)
		}
		livetest.CommitOrder[int, *community.CommentUpdate]{
			Feed: fx.cmts, Key: p.Post.ID, Viewer: context.Background(),
			Writers: writers, Writes: 25, Subscribers: 6, Seed: uint64(time.Now().UnixNano()),
			Write: func(_ context.Context, name string, w, i int) error {
				_, err := fx.svc.AddComment(as[w], community.CommentInput{PostID: p.Post.ID, Body: name})
				return err
			},
			Label:  func(u *community.CommentUpdate) string { return u.Comment.Body },
			Cursor: func(u *community.CommentUpdate) string { return u.Cursor },
		}.Run(t)
	})
}

// follow subscribes ctx's viewer to feed's key from the beginning and
// returns a function reading the next update, rendered by render.
func follow[T any](t *testing.T, ctx context.Context, feed *live.Feed[int, T], key int, render func(T) any) func() map[string]any {
	t.Helper()
	tg := livetest.NewTarget(t.Context(), "", 0, 1)
	start := feed.Cursors().Encode(0)
	ch, err := feed.Subscribe(ctx, key, &start, tg, "")
	if err != nil {
		t.Fatal(err)
	}
	tg.Start(func() ([]byte, error) { return json.Marshal(render(<-ch)) })
	t.Cleanup(tg.Cancel)
	n := 0
	return func() map[string]any {
		t.Helper()
		wait, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		p, err := tg.Next(wait, n)
		if err != nil {
			t.Fatalf("update %d: %v", n, err)
		}
		n++
		var m map[string]any
		if err := json.Unmarshal(p, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
}
