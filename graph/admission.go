package graph

import (
	"context"
	"net/http"
	"sync/atomic"

	"golang.org/x/sync/semaphore"

	"github.com/aftercart/aftercart/server/errs"
)

// admission bounds the GraphQL requests over HTTP that run at once, and
// queues the others first come, first served.
//
// Without it every request starts at once and they queue where the work
// is: on the CPUs and for database connections. database/sql hands a
// released connection to a random waiter (Go 1.23+), so under load a
// request that needs two connections in turn can lose both draws again and
// again: at 64 concurrent clients on two cores the order status screen's
// p99 was 3-5 times its median. A FIFO queue in front turns that into the
// same wait for everyone, the requests that run never wait for a
// connection, and a burst past the queue's bound is refused at once (503,
// Retry-After) instead of piling up without limit. Websockets and uploads
// are not admitted here (see NewHandler): a subscription holds no slot
// while it waits for changes, and an upload mostly waits for its body.
type admission struct {
	slots     *semaphore.Weighted // FIFO
	queued    atomic.Int64
	maxQueued int64
}

// newAdmission admits inFlight requests at once and queues up to queued
// more; inFlight <= 0 admits everything.
func newAdmission(inFlight, queued int) *admission {
	if inFlight <= 0 {
		return nil
	}
	return &admission{slots: semaphore.NewWeighted(int64(inFlight)), maxQueued: int64(max(queued, 0))}
}

// enter waits for a slot, in arrival order. ok is false when the queue is
// full or ctx ended first; release must be called when ok.
func (a *admission) enter(ctx context.Context) (release func(), ok bool) {
	if a == nil {
		return func() {}, true
	}
	if a.slots.TryAcquire(1) {
		return a.leave, true
	}
	if a.queued.Add(1) > a.maxQueued {
		a.queued.Add(-1)
		return nil, false
	}
	err := a.slots.Acquire(ctx, 1)
	a.queued.Add(-1)
	if err != nil {
		return nil, false
	}
	return a.leave, true
}

func (a *admission) leave() { a.slots.Release(1) }

// admit runs next once a slot is free, or answers 503 UNAVAILABLE with
// Retry-After when the queue is full (a client that gave up while queued
// gets nothing: it is gone).
func (a *admission) admit(w http.ResponseWriter, r *http.Request, next http.Handler) {
	release, ok := a.enter(r.Context())
	if !ok {
		if r.Context().Err() == nil {
			writeRequestError(w, mediaJSON, http.StatusServiceUnavailable, errs.Unavailable,
				"the server is busy; retry in a few seconds")
		}
		return
	}
	defer release()
	next.ServeHTTP(w, r)
}
