package livetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/live"
)

// CommitOrder is the commit-order check of one feed (see "The commit-order
// contract" in package live): Writers write concurrently on one topic
// through the feed's real write path, while Subscribers follow it through
// the engine, drop off at random moments and resume from random cursors
// they were given (mostly the last, sometimes an earlier one). Once the
// writers are done, one last change (named End) is written alone: a
// subscriber that has it has everything that committed before it. Then
// every subscriber must hold every change exactly once, in one order that
// is the order of the cursors and, for each writer, the order it wrote in.
//
// A feed whose positions are not in commit order fails it: a subscriber
// resumes after a change that committed before one with a lower position,
// and never gets the latter. Run it on Postgres; on SQLite writers take
// turns anyway.
type CommitOrder[K live.Key, T any] struct {
	// Feed is the feed under test, Key the topic the writers share.
	Feed *live.Feed[K, T]
	Key  K
	// Viewer is a context whose viewer may follow Key.
	Viewer context.Context
	// Write makes writer w's i-th change (i from 0), named name, and
	// commits it. The End change is writer 0's, with i = Writes.
	Write func(ctx context.Context, name string, w, i int) error
	// Label returns the name Write gave a change; "" for changes the
	// writers did not make (the fixture's), which the check skips.
	Label func(T) string
	// Cursor returns the cursor a change carries for clients.
	Cursor func(T) string
	// Writers and Writes: Writers writers make Writes changes each
	// (defaults 4 and 25). Subscribers defaults to 6.
	Writers, Writes, Subscribers int
	// Seed makes the subscribers' choices repeatable (it is logged).
	Seed uint64
	// Timeout bounds the whole run (default one minute); it only keeps a
	// failing run from hanging.
	Timeout time.Duration
}

// End is the name of the change written last, alone.
const End = "end"

// Name is the name of writer w's i-th change.
func Name(w, i int) string { return fmt.Sprintf("w%d-%03d", w, i) }

// entry is one change as a subscriber received it.
type entry struct {
	Label  string `json:"l"`
	Cursor string `json:"c"`
}

// Run runs the check, failing t with what each subscriber missed,
// repeated or got out of order.
func (c CommitOrder[K, T]) Run(t testing.TB) {
	t.Helper()
	if c.Writers == 0 {
		c.Writers = 4
	}
	if c.Writes == 0 {
		c.Writes = 25
	}
	if c.Subscribers == 0 {
		c.Subscribers = 6
	}
	if c.Timeout == 0 {
		c.Timeout = time.Minute
	}
	t.Logf("commit-order check: %d writers × %d changes, %d subscribers, seed %d", c.Writers, c.Writes, c.Subscribers, c.Seed)
	ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
	defer cancel()
	total := c.Writers*c.Writes + 1 // End included
	p := &progress{}
	p.cond = sync.NewCond(&p.mu)

	// Live-only subscribers join before anything is written, so all of it
	// is theirs; the others start from the beginning, some of them only
	// once writing is under way (they catch up while writers write).
	got := make([][]entry, c.Subscribers)
	errs := make([]error, c.Subscribers)
	var subs sync.WaitGroup
	for s := range c.Subscribers {
		rng := rand.New(rand.NewPCG(c.Seed, uint64(s)))
		sub := &subscriber[K, T]{c: &c, rng: rng, id: s, total: total}
		liveOnly := s%3 == 0
		if liveOnly {
			if err := sub.subscribe(ctx, nil); err != nil {
				t.Fatalf("subscriber %d: %v", s, err)
			}
		}
		startAt := 0
		if !liveOnly && s%3 == 2 {
			startAt = rng.IntN(total)
		}
		subs.Go(func() {
			if !liveOnly {
				p.wait(ctx, startAt)
			}
			got[s], errs[s] = sub.run(ctx)
		})
	}

	labels := make([][]string, c.Writers)
	werrs := make([]error, c.Writers)
	var writers sync.WaitGroup
	for w := range c.Writers {
		writers.Go(func() {
			for i := range c.Writes {
				name := Name(w, i)
				if err := c.Write(ctx, name, w, i); err != nil {
					werrs[w] = fmt.Errorf("writer %d, change %s: %w", w, name, err)
					cancel()
					return
				}
				labels[w] = append(labels[w], name)
				p.add()
			}
		})
	}
	writers.Wait()
	for _, err := range werrs {
		if err != nil {
			subs.Wait()
			t.Fatal(err)
		}
	}
	if err := c.Write(ctx, End, 0, c.Writes); err != nil {
		cancel()
		subs.Wait()
		t.Fatalf("writing %s: %v", End, err)
	}
	labels[0] = append(labels[0], End)
	p.add()
	subs.Wait()
	for s := range got {
		if errs[s] != nil {
			t.Errorf("subscriber %d: %v", s, errs[s])
			continue
		}
		if err := c.verify(got[s], labels); err != nil {
			t.Errorf("subscriber %d: %v", s, err)
		}
	}
}

// verify checks one subscriber's changes against what the writers wrote.
func (c *CommitOrder[K, T]) verify(got []entry, labels [][]string) error {
	writer := map[string]int{}
	for w, ls := range labels {
		for _, l := range ls {
			writer[l] = w
		}
	}
	seen := map[string]bool{}
	next := make([]int, len(labels)) // per writer, the index of the label due next
	last := -1
	for i, e := range got {
		w, ok := writer[e.Label]
		switch {
		case !ok:
			return fmt.Errorf("change %d is %q, which no writer wrote", i, e.Label)
		case seen[e.Label]:
			return fmt.Errorf("change %d: %q again", i, e.Label)
		case labels[w][next[w]] != e.Label:
			return fmt.Errorf("change %d is %q, but %q, which writer %d committed before it, never came before it: missed, or out of order", i, e.Label, labels[w][next[w]], w)
		}
		seen[e.Label] = true
		next[w]++
		pos, err := c.Feed.Cursors().Decode(e.Cursor)
		if err != nil {
			return fmt.Errorf("change %d (%q) has cursor %q: %v", i, e.Label, e.Cursor, err)
		}
		if pos <= last {
			return fmt.Errorf("change %d (%q) at position %d after position %d", i, e.Label, pos, last)
		}
		last = pos
	}
	var missing []string
	for _, ls := range labels {
		for _, l := range ls {
			if !seen[l] {
				missing = append(missing, l)
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missed %d of %d changes: %v", len(missing), len(writer), missing)
	}
	return nil
}

// subscriber is one follower of the topic across its reconnections.
type subscriber[K live.Key, T any] struct {
	c     *CommitOrder[K, T]
	rng   *rand.Rand
	id    int
	total int
	got   []entry
	cur   *Target // the current subscription
	n     int     // payloads read from cur
	subs  int
}

// done reports whether the subscriber has End: a correct feed has given
// it everything by then.
func (s *subscriber[K, T]) done() bool {
	return len(s.got) > 0 && s.got[len(s.got)-1].Label == End
}

// subscribe opens a subscription after cursor (nil: live only).
func (s *subscriber[K, T]) subscribe(ctx context.Context, after *string) error {
	s.subs++
	t := NewTarget(ctx, "", 0.1, s.rng.Uint64())
	ch, err := s.c.Feed.Subscribe(s.c.Viewer, s.c.Key, after, t, "")
	if err != nil {
		return err
	}
	t.Start(func() ([]byte, error) {
		v := <-ch
		return json.Marshal(entry{Label: s.c.Label(v), Cursor: s.c.Cursor(v)})
	})
	s.cur, s.n = t, 0
	return nil
}

// run follows the topic until it has End, or ctx ends.
func (s *subscriber[K, T]) run(ctx context.Context) ([]entry, error) {
	if s.cur == nil {
		start := s.c.Feed.Cursors().Encode(0)
		if err := s.subscribe(ctx, &start); err != nil {
			return nil, err
		}
	}
	for !s.done() {
		// Take a few changes, then drop off.
		for n := 1 + s.rng.IntN(8); n > 0 && !s.done(); {
			p, err := s.cur.Next(ctx, s.n)
			if err != nil {
				return s.got, fmt.Errorf("after %d of %d changes (%d subscriptions): %w", len(s.got), s.total, s.subs, err)
			}
			s.n++
			var e entry
			if err := json.Unmarshal(p, &e); err != nil {
				return s.got, err
			}
			if e.Label == "" {
				continue // the fixture's
			}
			s.got = append(s.got, e)
			n--
		}
		s.cur.Cancel()
		if s.done() {
			break
		}
		// Resume: usually from the last cursor, sometimes from an
		// earlier one (a client that saved its place late), from which
		// it gets everything after again.
		keep := len(s.got)
		if s.rng.IntN(4) == 0 {
			keep = s.rng.IntN(len(s.got) + 1)
		}
		s.got = s.got[:keep]
		after := s.c.Feed.Cursors().Encode(0)
		if keep > 0 {
			after = s.got[keep-1].Cursor
		}
		if err := s.subscribe(ctx, &after); err != nil {
			return s.got, err
		}
	}
	return slices.Clip(s.got), nil
}

// progress counts committed changes, for subscribers that start late.
type progress struct {
	mu   sync.Mutex
	cond *sync.Cond
	n    int
}

func (p *progress) add() {
	p.mu.Lock()
	p.n++
	p.mu.Unlock()
	p.cond.Broadcast()
}

// wait returns once n changes are committed (or ctx has ended: the
// subscriber then fails on its own).
func (p *progress) wait(ctx context.Context, n int) {
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock() // not between the waiter's check and its Wait
		defer p.mu.Unlock()
		p.cond.Broadcast()
	})
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.n < n && ctx.Err() == nil {
		p.cond.Wait()
	}
}
