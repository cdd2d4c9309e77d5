package livetest

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
)

// Target is a live.Target outside any transport: it keeps what it is sent
// for Next, and records how the engine ended it. With a backlog rate it
// reports itself backlogged on that share of the engine's checks, and
// drains at once, so that the engine's catch-up path runs as often as its
// push path.
type Target struct {
	ctx    context.Context
	cancel context.CancelFunc
	key    string

	mu      sync.Mutex
	start   func(render func() ([]byte, error))
	sent    [][]byte
	arrived chan struct{} // closed and replaced on each Send
	ended   error
	rng     *rand.Rand
	backlog float64
}

// NewTarget returns a Target that lives until ctx ends or Cancel is called.
// key is its Target.Key (targets with equal keys share renders); backlog
// is the share of Backlogged calls that answer true (0: never); seed makes
// those answers repeatable.
func NewTarget(ctx context.Context, key string, backlog float64, seed uint64) *Target {
	ctx, cancel := context.WithCancel(ctx)
	return &Target{ctx: ctx, cancel: cancel, key: key, arrived: make(chan struct{}),
		rng: rand.New(rand.NewPCG(seed, seed)), backlog: backlog}
}

// Accept implements live.Target.
func (t *Target) Accept(start func(render func() ([]byte, error))) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.start = start
}

// Start runs the start function the engine passed to Accept with render,
// as the transport does once the operation is set up; it reports false
// when Accept was not called (Subscribe failed).
func (t *Target) Start(render func() ([]byte, error)) bool {
	t.mu.Lock()
	start := t.start
	t.mu.Unlock()
	if start == nil {
		return false
	}
	start(render)
	return true
}

// Context implements live.Target.
func (t *Target) Context() context.Context { return t.ctx }

// Key implements live.Target: the viewer and the target's key.
func (t *Target) Key(viewer, _ string) string { return viewer + "|" + t.key }

// Send implements live.Target; it never refuses.
func (t *Target) Send(payload []byte) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sent = append(t.sent, payload)
	close(t.arrived)
	t.arrived = make(chan struct{})
	return true
}

// Backlogged implements live.Target.
func (t *Target) Backlogged() bool {
	if t.backlog == 0 {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rng.Float64() < t.backlog
}

// OnDrained implements live.Target: the target drains at once.
func (t *Target) OnDrained(f func()) { go f() }

// End implements live.Target: it records err (nil for a complete) and ends
// the target's context.
func (t *Target) End(err error) {
	t.mu.Lock()
	if t.ended == nil {
		t.ended = err
		if err == nil {
			t.ended = errCompleted
		}
	}
	t.mu.Unlock()
	t.cancel()
}

// errCompleted stands for an End without an error.
var errCompleted = errors.New("completed")

// Cancel ends the subscription from the client's side.
func (t *Target) Cancel() { t.cancel() }

// Next returns the i-th payload sent (from 0), waiting for it until ctx
// ends; the error says why it never came (ctx, or how the stream ended).
func (t *Target) Next(ctx context.Context, i int) ([]byte, error) {
	for {
		t.mu.Lock()
		if i < len(t.sent) {
			p := t.sent[i]
			t.mu.Unlock()
			return p, nil
		}
		arrived, ended := t.arrived, t.ended
		t.mu.Unlock()
		if ended != nil {
			return nil, ended
		}
		if err := t.ctx.Err(); err != nil {
			return nil, err
		}
		select {
		case <-arrived:
		case <-t.ctx.Done():
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Ended returns how the engine ended the stream: nil while it has not,
// an error that is not an *errs.Error for a complete.
func (t *Target) Ended() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ended
}
