package fanout

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/pubsub"
)

// ErrClosed is returned by Publish on a closed broker. It is an UNAVAILABLE
// error because a broker is only closed while the server shuts down: the
// client should retry, most likely on another instance.
var ErrClosed error = &errs.Error{Code: errs.Unavailable, Message: "server is shutting down, retry later"}

// ErrNilTx is returned by Publish without a transaction: there would be no
// commit to wait for.
var ErrNilTx = errors.New("pubsub: Publish needs the transaction that made the change")

// Set is a set of handlers. The zero value is empty and ready to use; it is
// safe for concurrent use.
type Set struct {
	mu   sync.Mutex // serializes writers of snap
	snap atomic.Pointer[[]*entry]
}

// entry is one registration. The same Handler may be registered twice, and
// each registration is stopped on its own.
type entry struct {
	h       pubsub.Handler
	stopped atomic.Bool
}

// Add registers h and returns the function that removes it again. Stopping
// is idempotent and safe from any goroutine, including from inside h.
func (s *Set) Add(h pubsub.Handler) (stop func()) {
	if h == nil {
		panic("pubsub: Listen(nil)")
	}
	e := &entry{h: h}
	s.mu.Lock()
	old := s.load()
	next := make([]*entry, len(old), len(old)+1)
	copy(next, old)
	next = append(next, e)
	s.snap.Store(&next)
	s.mu.Unlock()

	var once sync.Once
	return func() {
		once.Do(func() {
			// The flag, not the slice, is what delivery checks: a
			// delivery that took its snapshot before we remove e must
			// still see that e is gone.
			e.stopped.Store(true)
			s.mu.Lock()
			defer s.mu.Unlock()
			old := s.load()
			next := make([]*entry, 0, len(old))
			for _, x := range old {
				if x != e {
					next = append(next, x)
				}
			}
			s.snap.Store(&next)
		})
	}
}

// Len reports how many handlers are registered.
func (s *Set) Len() int { return len(s.load()) }

// Notify calls Notify(m) on every registered handler, in registration order.
//
// The delivery goroutine reads a snapshot rather than holding a lock while it
// calls handlers, so a handler may call its own stop (or Listen) without
// deadlocking. The price: a stop that races with a delivery may let that one
// call through (its check ran just before stop), but none after it.
func (s *Set) Notify(m pubsub.Message) {
	for _, e := range s.load() {
		if !e.stopped.Load() {
			e.h.Notify(m)
		}
	}
}

// Resync calls Resync on every registered handler.
func (s *Set) Resync() {
	for _, e := range s.load() {
		if !e.stopped.Load() {
			e.h.Resync()
		}
	}
}

func (s *Set) load() []*entry {
	if p := s.snap.Load(); p != nil {
		return *p
	}
	return nil
}
