package inmem

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/server/pubsub"
	"github.com/aftercart/aftercart/server/pubsub/internal/fanout"
)

// QueueSize is how many committed messages may wait for delivery before the
// broker stops queueing them and resyncs its handlers instead. Handlers do
// not block, so the queue only fills in a burst far larger than any single
// request produces, or when a handler breaks its contract.
const QueueSize = 1024

// ErrClosed is returned by Publish after Close. It carries the UNAVAILABLE
// code: brokers close only at shutdown, so the client should retry.
var ErrClosed = fanout.ErrClosed

// Broker is the in-process pubsub.Broker. Create it with New; it is safe for
// concurrent use.
type Broker struct {
	handlers fanout.Set
	queue    chan pubsub.Message
	// overflowed is set when a committed message found the queue full. It
	// is a flag rather than a count because one Resync covers any number
	// of lost messages.
	overflowed atomic.Bool
	// kick wakes the delivery goroutine for an overflow it could otherwise
	// miss: the queue may have been drained between the failed send and
	// the flag being set, and then no further message would come to
	// trigger the check.
	kick chan struct{}

	closeOnce sync.Once
	done      chan struct{} // closed by Close
	exited    chan struct{} // closed when the delivery goroutine returns
}

var _ pubsub.Broker = (*Broker)(nil)

// New starts a broker and its delivery goroutine; call Close to stop it.
func New() *Broker { return newBroker(QueueSize) }

func newBroker(size int) *Broker {
	b := &Broker{
		queue:  make(chan pubsub.Message, size),
		kick:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	go b.run()
	return b
}

// Publish arranges for m to be delivered to this process's handlers after tx
// commits. It only registers a commit hook and never blocks. It fails after
// Close; a transaction that published before Close but commits after it
// delivers nothing, since nobody is left to deliver to.
func (b *Broker) Publish(_ context.Context, tx *ent.Tx, m pubsub.Message) error {
	if tx == nil {
		return fanout.ErrNilTx
	}
	if b.closed() {
		return ErrClosed
	}
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			// ent runs the part of a hook that follows next.Commit in
			// reverse order of registration, which would deliver a
			// transaction's messages backwards. So the first hook (the
			// outermost) collects the messages of the hooks inside it,
			// on their way in, and queues them all after the commit.
			key := batchKey{b}
			if batch, ok := ctx.Value(key).(*[]pubsub.Message); ok {
				*batch = append(*batch, m)
				return next.Commit(ctx, tx)
			}
			batch := &[]pubsub.Message{m}
			if err := next.Commit(context.WithValue(ctx, key, batch), tx); err != nil {
				return err
			}
			for _, m := range *batch {
				b.enqueue(m)
			}
			return nil
		})
	})
	return nil
}

// batchKey is the context key under which the outermost commit hook of a
// Broker collects a transaction's messages.
type batchKey struct{ b *Broker }

// enqueue runs on the committing goroutine, so it must not wait.
func (b *Broker) enqueue(m pubsub.Message) {
	if b.closed() {
		return
	}
	select {
	case b.queue <- m:
		return
	default:
	}
	b.overflowed.Store(true)
	select {
	case b.kick <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// Listen registers h until stop is called; see pubsub.Broker.
func (b *Broker) Listen(h pubsub.Handler) (stop func()) { return b.handlers.Add(h) }

// Close stops delivery and waits for the delivery goroutine, including a
// handler call in progress. Messages still queued are dropped. Calling Close
// again does nothing.
func (b *Broker) Close() error {
	b.closeOnce.Do(func() { close(b.done) })
	<-b.exited
	return nil
}

func (b *Broker) closed() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

// run is the delivery goroutine. It delivers in the order commits queued
// their messages. After an overflow it first delivers what was already
// queued, then resyncs: handlers see everything that did fit, and a steady
// stream of new messages cannot postpone the Resync by more than one queue.
func (b *Broker) run() {
	defer close(b.exited)
	owed := -1 // deliveries left before the Resync an overflow owes; -1: none owed
	for {
		select {
		case <-b.done:
			return
		case m := <-b.queue:
			// select picks among ready cases at random: do not let a
			// backlog keep delivering after Close.
			if b.closed() {
				return
			}
			b.handlers.Notify(m)
			if owed > 0 {
				owed--
			}
		case <-b.kick:
		}
		if owed < 0 && b.overflowed.Load() {
			owed = len(b.queue)
		}
		if owed == 0 {
			// Clear the flag before, not after, resyncing: an overflow
			// from here on may postdate the handlers' re-read and needs
			// a Resync of its own; one before is covered by this one.
			b.overflowed.Store(false)
			b.handlers.Resync()
			owed = -1
		}
	}
}
