package live_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/live"
	"github.com/aftercart/aftercart/server/live/livetest"
)

// noteCheck is the commit-order check of a notes feed, on topic "t".
func noteCheck(n *notes, write func(ctx context.Context, name string, w, i int) error) livetest.CommitOrder[string, *note] {
	return livetest.CommitOrder[string, *note]{
		Feed: n.Feed, Key: "t", Viewer: as(customer), Seed: uint64(time.Now().UnixNano()),
		Write:  write,
		Label:  func(n *note) string { return n.Body },
		Cursor: func(n *note) string { return n.Cursor },
	}
}

// TestCommitOrderWithLockTopic: a feed whose writers take LockTopic passes
// the commit-order check on Postgres.
func TestCommitOrderWithLockTopic(t *testing.T) {
	d, b := openDB(t, pgtest.Get(t).NewDatabase(t))
	e := live.NewEngine(b, discardLog())
	t.Cleanup(e.Close)
	n := newNotes(t, e, d, b, "locked")
	noteCheck(n, func(ctx context.Context, name string, _, _ int) error {
		return n.write(ctx, "t", name, false, nil)
	}).Run(t)
}

// TestCommitOrderCatchesUnorderedCommits: the check fails a feed whose
// positions are not in commit order. Two writers without LockTopic are made
// to interleave the way concurrent transactions can: writer 0 inserts
// (the lower id), writer 1 inserts and commits, the engine reads writer 1's
// change, and only then does writer 0 commit, below a position subscribers
// have passed.
func TestCommitOrderCatchesUnorderedCommits(t *testing.T) {
	d, b := openDB(t, pgtest.Get(t).NewDatabase(t))
	reads := &hubReads{}
	reads.cond = sync.NewCond(&reads.mu)
	e := live.NewEngine(b, discardLog(), live.WithObserver(reads))
	t.Cleanup(e.Close)
	n := newNotes(t, e, d, b, "unlocked")
	n.lock = false

	const writes = 10
	inserted, committed := make([]chan struct{}, writes+1), make([]chan int, writes+1)
	for i := range inserted {
		inserted[i], committed[i] = make(chan struct{}), make(chan int, 1)
	}
	rec := &recorder{TB: t}
	check := noteCheck(n, func(ctx context.Context, name string, w, i int) error {
		if name == livetest.End {
			return n.write(ctx, "t", name, false, nil)
		}
		if w == 0 {
			return n.write(ctx, "t", name, false, func() {
				close(inserted[i])
				reads.await(ctx, <-committed[i]) // the engine has read writer 1's change
			})
		}
		<-inserted[i]
		seen := reads.count()
		err := n.write(ctx, "t", name, false, nil)
		committed[i] <- seen
		return err
	})
	check.Writers, check.Writes, check.Subscribers, check.Timeout = 2, writes, 3, 20*time.Second
	check.Run(rec)
	if rec.String() == "" {
		t.Errorf("the check passed a feed that commits out of position order; it reported: %q", rec.String())
	}
}

// hubReads counts the hubs' reads that found changes (a live.Observer).
type hubReads struct {
	mu   sync.Mutex
	cond *sync.Cond
	n    int
}

func (h *hubReads) ChangesRead(catchUp bool, rows int, err error) {
	if catchUp || rows == 0 || err != nil {
		return
	}
	h.mu.Lock()
	h.n++
	h.mu.Unlock()
	h.cond.Broadcast()
}
func (h *hubReads) Resynced()       {}
func (h *hubReads) UpdatesSent(int) {}

func (h *hubReads) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// await returns once more than n reads have found changes, or ctx ends.
func (h *hubReads) await(ctx context.Context, n int) {
	stop := context.AfterFunc(ctx, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.cond.Broadcast()
	})
	defer stop()
	h.mu.Lock()
	defer h.mu.Unlock()
	for h.n <= n && ctx.Err() == nil {
		h.cond.Wait()
	}
}

// recorder keeps what a check reports instead of failing the test.
type recorder struct {
	testing.TB
	mu  sync.Mutex
	out []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out = append(r.out, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *recorder) Fatal(args ...any)                 { r.Errorf("%s", fmt.Sprint(args...)) }

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.out, "\n")
}
