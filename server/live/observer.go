package live

import "github.com/jonboulle/clockwork"

// Observer is told what the engine does, for metrics (metrics.Metrics is
// one). Its methods must be cheap and safe for concurrent use.
type Observer interface {
	// ChangesRead follows each read of a change log, by a topic's hub or
	// by a catching-up subscriber, with the rows read or the error.
	ChangesRead(catchUp bool, rows int, err error)
	// Resynced follows a Resync.
	Resynced()
	// UpdatesSent counts updates written to subscribers.
	UpdatesSent(n int)
}

// Option configures an Engine.
type Option func(*Engine)

// WithClock sets the clock that times the viewers' token expiry; nil keeps
// the real clock (tests pass a fake one, shared with the websocket
// transport).
func WithClock(c clockwork.Clock) Option {
	return func(e *Engine) {
		if c != nil {
			e.clock = c
		}
	}
}

// WithObserver sets the engine's Observer, which every feed reports to.
func WithObserver(o Observer) Option { return func(e *Engine) { e.obs = o } }

type nopObserver struct{}

func (nopObserver) ChangesRead(bool, int, error) {}
func (nopObserver) Resynced()                    {}
func (nopObserver) UpdatesSent(int)              {}
