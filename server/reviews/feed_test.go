package reviews_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/live"
	"github.com/aftercart/aftercart/server/live/livetest"
	"github.com/aftercart/aftercart/server/moderation"
	"github.com/aftercart/aftercart/server/pubsub"
	"github.com/aftercart/aftercart/server/pubsub/inmem"
	"github.com/aftercart/aftercart/server/pubsub/pgnotify"
	"github.com/aftercart/aftercart/server/reviews"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestReplyFeedCommitOrder is the engine's commit-order check for the reply
// feed: concurrent staff replies on one review through the real service
// (each holding the review's row lock) while subscribers drop off and
// resume from random cursors; each ends with every reply exactly once, in
// order. Postgres is where it matters; SQLite runs it too.
func TestReplyFeedCommitOrder(t *testing.T) {
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
			svc := reviews.NewService(d, b, moderation.NewService(d), reviews.Config{Limits: &reviews.Limits{}})
			feed := reviews.NewReplyFeed(e, d.Client)

			sys := auth.WithSystem(context.Background())
			cu := d.Customer.Create().SetEmail("mina@example.com").SetFirstName("Mina").SaveX(sys)
			p := d.Product.Create().SetSku("BEANS").SetName("Beans").SaveX(sys)
			r := d.Review.Create().SetProductID(p.ID).SetCustomerID(cu.ID).SetRating(3).SetBody("Fine.").
				SetStatus(types.ModerationPublished).SetAuthorName("Mina").SaveX(sys)
			staff := auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleAdmin, Subject: "admin"})
			viewer := auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleCustomer, Email: "leo@example.com", Subject: "leo@example.com", CustomerID: cu.ID + 1})
			livetest.CommitOrder[int, *reviews.ReplyUpdate]{
				Feed: feed, Key: r.ID, Viewer: viewer,
				Writers: 4, Writes: 25, Subscribers: 6, Seed: uint64(time.Now().UnixNano()),
				Write: func(ctx context.Context, name string, w, i int) error {
					_, err := svc.Reply(staff, reviews.ReplyInput{ReviewID: r.ID, Body: name})
					return err
				},
				Label:  func(u *reviews.ReplyUpdate) string { return u.Reply.Body },
				Cursor: func(u *reviews.ReplyUpdate) string { return u.Cursor },
			}.Run(t)
		})
	}
}
