package brokertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/pubsub"
	"github.com/aftercart/aftercart/server/pubsub/internal/fanout"
	"github.com/aftercart/aftercart/server/pubsub/internal/leakcheck"
)

// Timeout bounds every wait for a delivery. It is generous because a loaded
// 2-core CI machine under -race can be slow; a passing run never waits it out.
const Timeout = 10 * time.Second

// Setup returns a new broker and the database whose transactions it carries.
// It registers their cleanup; closing the broker twice must be harmless.
type Setup func(t *testing.T) (pubsub.Broker, *db.DB)

// Run runs the suite on brokers made by setup.
func Run(t *testing.T, setup Setup) {
	t.Run("CommitDelivers", func(t *testing.T) {
		b, d := setup(t)
		r := Listen(t, b)
		m := NewMessage()
		Commit(t, d, b, m)
		r.WaitMessages(t, m)
	})

	t.Run("RollbackDeliversNothing", func(t *testing.T) {
		b, d := setup(t)
		r := Listen(t, b)
		lost, ok := NewMessage(), NewMessage()
		failure := errors.New("the transaction failed")
		err := d.WithTx(t.Context(), func(ctx context.Context, tx *ent.Tx) error {
			if err := b.Publish(ctx, tx, lost); err != nil {
				return err
			}
			return failure
		})
		if !errors.Is(err, failure) {
			t.Fatalf("WithTx = %v, want %v", err, failure)
		}
		// Deliveries are ordered, so once ok is in, lost would be too.
		Commit(t, d, b, ok)
		r.WaitMessages(t, ok)
	})

	t.Run("FailedCommitDeliversNothing", func(t *testing.T) {
		b, d := setup(t)
		r := Listen(t, b)
		lost, ok := NewMessage(), NewMessage()
		err := d.WithTx(t.Context(), func(ctx context.Context, tx *ent.Tx) error {
			if err := b.Publish(ctx, tx, lost); err != nil {
				return err
			}
			return breakCommit(ctx, d.Dialect, tx)
		})
		if err == nil {
			t.Fatal("the commit succeeded; the test no longer provokes a failing commit")
		}
		t.Logf("commit failed as intended: %v", err)
		Commit(t, d, b, ok)
		r.WaitMessages(t, ok)
	})

	t.Run("EveryHandlerReceives", func(t *testing.T) {
		b, d := setup(t)
		rs := []*Recorder{Listen(t, b), Listen(t, b), Listen(t, b)}
		m1, m2 := NewMessage(), NewMessage()
		Commit(t, d, b, m1, m2)
		for _, r := range rs {
			r.WaitMessages(t, m1, m2)
		}
	})

	t.Run("OrderOfCommits", func(t *testing.T) {
		b, d := setup(t)
		r := Listen(t, b)
		var want []pubsub.Message
		for range 20 {
			m := NewMessage()
			want = append(want, m)
			Commit(t, d, b, m)
		}
		r.WaitMessages(t, want...)
	})

	t.Run("StopEndsDelivery", func(t *testing.T) {
		b, d := setup(t)
		stopped, kept := NewRecorder(), NewRecorder()
		stop := b.Listen(stopped)
		t.Cleanup(b.Listen(kept))
		stop()
		stop() // idempotent
		m1, m2 := NewMessage(), NewMessage()
		Commit(t, d, b, m1)
		Commit(t, d, b, m2)
		// m1 and m2 went out one after the other, so once kept has m2,
		// every handler has had its chance at m1.
		kept.WaitMessages(t, m1, m2)
		stopped.WaitMessages(t)
	})

	t.Run("StopFromHandler", func(t *testing.T) {
		b, d := setup(t)
		self := &stopSelf{Recorder: NewRecorder()}
		self.stop = b.Listen(self)
		other := Listen(t, b)
		m1, m2 := NewMessage(), NewMessage()
		Commit(t, d, b, m1)
		Commit(t, d, b, m2)
		other.WaitMessages(t, m1, m2)
		self.WaitMessages(t, m1)
	})

	t.Run("BlockedHandlerDoesNotBlockCommit", func(t *testing.T) {
		b, d := setup(t)
		release := make(chan struct{})
		blocked := &blocking{Recorder: NewRecorder(), release: release}
		b.Listen(blocked)
		// Registered after the broker's cleanup, so it runs before it:
		// Close waits for the handler call in progress.
		t.Cleanup(func() { close(release) })

		committed := make(chan error, 1)
		go func() {
			for range 50 {
				if err := commit(context.Background(), d, b, NewMessage()); err != nil {
					committed <- err
					return
				}
			}
			committed <- nil
		}()
		select {
		case err := <-committed:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(Timeout):
			t.Fatalf("50 commits took more than %v while a handler was blocked", Timeout)
		}
	})

	t.Run("ConcurrentListenAndStop", func(t *testing.T) {
		b, d := setup(t)
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for ctx.Err() == nil {
					b.Listen(NewRecorder())()
				}
			})
		}
		r := Listen(t, b)
		var want []pubsub.Message
		for range 10 {
			m := NewMessage()
			want = append(want, m)
			Commit(t, d, b, m)
		}
		r.WaitMessages(t, want...)
		cancel()
		wg.Wait()
	})

	t.Run("PublishAfterClose", func(t *testing.T) {
		b, d := setup(t)
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		err := d.WithTx(t.Context(), func(ctx context.Context, tx *ent.Tx) error {
			return b.Publish(ctx, tx, NewMessage())
		})
		if !errors.Is(err, fanout.ErrClosed) {
			t.Fatalf("Publish after Close = %v, want ErrClosed", err)
		}
		if err := b.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})

	t.Run("PublishWithoutTx", func(t *testing.T) {
		b, _ := setup(t)
		if err := b.Publish(t.Context(), nil, NewMessage()); err == nil {
			t.Fatal("Publish without a transaction succeeded")
		}
	})

	t.Run("CloseLeavesNoGoroutines", func(t *testing.T) {
		b, d := setup(t)
		r := Listen(t, b)
		m := NewMessage()
		Commit(t, d, b, m)
		r.WaitMessages(t, m)
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		leakcheck.Check(t)
	})
}

// breakCommit makes tx's COMMIT fail, where a constraint check is deferred
// to: a statement of its own would fail before the commit.
func breakCommit(ctx context.Context, dialectName string, tx *ent.Tx) error {
	var stmts []string
	switch dialectName {
	case dialect.SQLite:
		stmts = []string{
			"CREATE TEMP TABLE parent (id INTEGER PRIMARY KEY)",
			"CREATE TEMP TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)",
			"INSERT INTO child VALUES (1)",
		}
	case dialect.Postgres:
		stmts = []string{
			"CREATE TEMP TABLE once (v int UNIQUE DEFERRABLE INITIALLY DEFERRED)",
			"INSERT INTO once VALUES (1), (1)",
		}
	default:
		return fmt.Errorf("no way to break a commit on %s", dialectName)
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

var lastID atomic.Int64

// NewMessage returns a message unlike any other in the test binary.
func NewMessage() pubsub.Message {
	id := int(lastID.Add(1))
	return pubsub.Message{Topic: fmt.Sprintf("order:%d", id), ID: id}
}

// Commit publishes msgs in one transaction on d and commits it.
func Commit(t testing.TB, d *db.DB, b pubsub.Broker, msgs ...pubsub.Message) {
	t.Helper()
	if err := commit(t.Context(), d, b, msgs...); err != nil {
		t.Fatal(err)
	}
}

func commit(ctx context.Context, d *db.DB, b pubsub.Broker, msgs ...pubsub.Message) error {
	return d.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		for _, m := range msgs {
			if err := b.Publish(ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	})
}

// Recorder is a Handler that remembers what it was given.
type Recorder struct {
	mu      sync.Mutex
	msgs    []pubsub.Message
	resyncs int
	changed chan struct{} // wakes a waiter; capacity 1
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{changed: make(chan struct{}, 1)} }

// Listen registers a new Recorder on b until the test ends.
func Listen(t testing.TB, b pubsub.Broker) *Recorder {
	r := NewRecorder()
	t.Cleanup(b.Listen(r))
	return r
}

// Notify records m.
func (r *Recorder) Notify(m pubsub.Message) {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
	r.wake()
}

// Resync counts the call.
func (r *Recorder) Resync() {
	r.mu.Lock()
	r.resyncs++
	r.mu.Unlock()
	r.wake()
}

func (r *Recorder) wake() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// Messages returns the messages received so far, in order.
func (r *Recorder) Messages() []pubsub.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.msgs)
}

// Resyncs returns how many times Resync was called.
func (r *Recorder) Resyncs() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.resyncs
}

// WaitFor waits until cond holds for what r received, or fails t after
// Timeout with what.
func (r *Recorder) WaitFor(t testing.TB, what string, cond func(msgs []pubsub.Message, resyncs int) bool) {
	t.Helper()
	deadline := time.After(Timeout)
	for {
		r.mu.Lock()
		ok := cond(r.msgs, r.resyncs)
		msgs, resyncs := slices.Clone(r.msgs), r.resyncs
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.changed:
		case <-deadline:
			t.Fatalf("after %v still waiting for %s; got messages %v and %d resyncs", Timeout, what, msgs, resyncs)
		}
	}
}

// WaitMessages waits until r has received want, then checks it received
// exactly that, in that order. With no want it checks r received nothing.
func (r *Recorder) WaitMessages(t testing.TB, want ...pubsub.Message) {
	t.Helper()
	if len(want) > 0 {
		last := want[len(want)-1]
		r.WaitFor(t, fmt.Sprintf("%v", last), func(msgs []pubsub.Message, _ int) bool {
			return slices.Contains(msgs, last)
		})
	}
	if got := r.Messages(); !slices.Equal(got, want) {
		t.Fatalf("received %v, want %v", got, want)
	}
}

// stopSelf stops its own registration from inside its first Notify.
type stopSelf struct {
	*Recorder
	stop func()
}

func (s *stopSelf) Notify(m pubsub.Message) {
	s.Recorder.Notify(m)
	s.stop()
}

// blocking breaks the Handler contract: it blocks in Notify until release
// is closed.
type blocking struct {
	*Recorder
	release <-chan struct{}
}

func (b *blocking) Notify(m pubsub.Message) {
	b.Recorder.Notify(m)
	<-b.release
}
