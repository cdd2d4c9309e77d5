package live_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/live"
	"github.com/aftercart/aftercart/server/live/livetest"
)

// follow subscribes to key's notes as the viewer in ctx; payloads are the
// notes' bodies.
func follow(t *testing.T, n *notes, ctx context.Context, key string, after *string) *livetest.Target {
	t.Helper()
	tg := livetest.NewTarget(t.Context(), "", 0, 1)
	ch, err := n.Subscribe(ctx, key, after, tg, "")
	if err != nil {
		t.Fatalf("subscribing to %s: %v", n.Topic(key), err)
	}
	tg.Start(func() ([]byte, error) { return []byte((<-ch).Body), nil })
	return tg
}

// bodies reads the next k payloads of tg.
func bodies(t *testing.T, tg *livetest.Target, from, k int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var out []string
	for i := from; i < from+k; i++ {
		p, err := tg.Next(ctx, i)
		if err != nil {
			t.Fatalf("payload %d: %v (got %v)", i, err, out)
		}
		out = append(out, string(p))
	}
	return strings.Join(out, " ")
}

// TestFeedsShareOneEngine: two feeds on one engine and one broker, with the
// same keys: each subscriber gets its own feed's changes only, a cursor of
// one feed is refused by the other, each Source's Authorize and Filter
// decide, and both resume by cursor.
func TestFeedsShareOneEngine(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		d, b := openDB(t, dbURL)
		e := live.NewEngine(b, discardLog())
		t.Cleanup(e.Close)
		replies, posts := newNotes(t, e, d, b, "replies"), newNotes(t, e, d, b, "posts")

		r := follow(t, replies, as(customer), "42", nil)
		p := follow(t, posts, as(customer), "42", nil)
		s := follow(t, posts, as(staff), "42", nil)
		write := func(n *notes, body string, hidden bool) {
			t.Helper()
			if err := n.write(t.Context(), "42", body, hidden, nil); err != nil {
				t.Fatal(err)
			}
		}
		write(replies, "reply-1", false)
		write(posts, "post-1", false)
		write(posts, "post-hidden", true)
		write(posts, "post-2", false)
		write(replies, "reply-2", false)
		if got := bodies(t, r, 0, 2); got != "reply-1 reply-2" {
			t.Errorf("replies subscriber got %s", got)
		}
		if got := bodies(t, p, 0, 2); got != "post-1 post-2" {
			t.Errorf("customer's posts subscriber got %s", got)
		}
		if got := bodies(t, s, 0, 3); got != "post-1 post-hidden post-2" {
			t.Errorf("staff posts subscriber got %s", got)
		}

		// Resuming from the start reads the log, through the same Filter.
		start := posts.Cursors().Encode(0)
		if got := bodies(t, follow(t, posts, as(customer), "42", &start), 0, 2); got != "post-1 post-2" {
			t.Errorf("customer resuming posts got %s", got)
		}
		after := replies.Cursors().Encode(0)
		if got := bodies(t, follow(t, replies, as(staff), "42", &after), 0, 2); got != "reply-1 reply-2" {
			t.Errorf("staff resuming replies got %s", got)
		}
		// After a resync, nothing is delivered twice: the next payload is
		// the next change.
		e.Resync()
		write(posts, "post-3", false)
		if got := bodies(t, p, 2, 1); got != "post-3" {
			t.Errorf("after a resync the customer's posts subscriber got %s", got)
		}

		for name, c := range map[string]struct {
			ctx   context.Context
			f     *notes
			key   string
			after string
			code  errs.Code
		}{
			"a cursor of the other feed": {as(customer), replies, "42", posts.Cursors().Encode(1), errs.InvalidInput},
			"a topic the viewer may not": {as(customer), posts, "secret", "", errs.NotFound},
			"no viewer":                  {context.Background(), posts, "42", "", errs.Unauthenticated},
		} {
			var after *string
			if c.after != "" {
				after = &c.after
			}
			_, err := c.f.Subscribe(c.ctx, c.key, after, livetest.NewTarget(t.Context(), "", 0, 1), "")
			if e, ok := errs.As(err); !ok || e.Code != c.code {
				t.Errorf("%s: %v, want %s", name, err, c.code)
			}
		}
	})
}

// TestNamespaceRegisteredOnce: a second feed on a namespace would read its
// positions in the wrong log.
func TestNamespaceRegisteredOnce(t *testing.T) {
	d, b := openDB(t, "")
	e := live.NewEngine(b, discardLog())
	t.Cleanup(e.Close)
	newNotes(t, e, d, b, "twice")
	defer func() {
		if recover() == nil {
			t.Error("a second feed on one namespace was registered")
		}
	}()
	live.NewFeed(e, live.Config[string, *note]{Namespace: "twice", Source: noteSource{}})
}

// TestLockTopicMakesWritersTakeTurns: on Postgres, a writer of a topic
// waits for the open transaction of another writer of that topic before it
// inserts anything, while a writer of another topic does not wait.
func TestLockTopicMakesWritersTakeTurns(t *testing.T) {
	d, b := openDB(t, pgtest.Get(t).NewDatabase(t))
	e := live.NewEngine(b, discardLog())
	t.Cleanup(e.Close)
	n := newNotes(t, e, d, b, "turns")

	holding, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	var firstErr, secondErr error
	wg.Go(func() {
		firstErr = n.write(t.Context(), "a", "first", false, func() { close(holding); <-release })
	})
	<-holding
	// Another topic is not held up.
	if err := n.write(t.Context(), "b", "other topic", false, nil); err != nil {
		t.Fatal(err)
	}
	wg.Go(func() { secondErr = n.write(t.Context(), "a", "second", false, nil) })
	// The second writer of "a" is waiting for the advisory lock.
	waitForLockWait(t, d.SQL)
	close(release)
	wg.Wait()
	if firstErr != nil || secondErr != nil {
		t.Fatal(firstErr, secondErr)
	}
}

// waitForLockWait returns once a session of the database waits for an
// advisory lock. It polls pg_stat_activity: another session's lock wait
// has no event to wait on (no notification, no hook in database/sql), and
// the condition, not the interval, ends the wait.
func waitForLockWait(t *testing.T, pool *sql.DB) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var n int
		err := pool.QueryRowContext(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no writer ever waited for the topic's lock")
		}
	}
}
