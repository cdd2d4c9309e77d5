package ratelimit

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jonboulle/clockwork"
	"golang.org/x/time/rate"

	"github.com/aftercart/aftercart/server/errs"
)

// DefaultMaxKeys bounds the buckets a Limiter keeps.
const DefaultMaxKeys = 100_000

// Rate sizes a bucket: Burst writes at once, and one more every Every.
type Rate struct {
	// Burst is how many writes a fresh bucket allows at once.
	Burst int
	// Every is how long it takes to get one write back.
	Every time.Duration
}

// Valid reports whether r can size a bucket.
func (r Rate) Valid() bool { return r.Burst >= 1 && r.Every > 0 }

// Limiter is a token bucket per key. It is safe for concurrent use.
type Limiter struct {
	what    string
	rate    Rate
	clock   clockwork.Clock
	buckets *lru.Cache[string, *rate.Limiter]
}

// New returns a Limiter of writes named what ("uploads"), for error
// messages, at rate r (which must be Valid); a nil clock is the real one.
func New(what string, r Rate, clock clockwork.Clock) *Limiter {
	if !r.Valid() {
		panic("ratelimit: invalid rate")
	}
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	buckets, _ := lru.New[string, *rate.Limiter](DefaultMaxKeys) // only fails for a size < 1
	return &Limiter{what: what, rate: r, clock: clock, buckets: buckets}
}

// Allow takes one write from key's bucket, or returns a THROTTLED
// *errs.Error saying when to retry (and takes nothing).
func (l *Limiter) Allow(key string) error {
	now := l.clock.Now()
	lim, ok := l.buckets.Get(key)
	if !ok {
		lim = rate.NewLimiter(rate.Every(l.rate.Every), l.rate.Burst)
		// A concurrent first write may have added one meanwhile.
		if prev, found, _ := l.buckets.PeekOrAdd(key, lim); found {
			lim = prev
		}
	}
	res := lim.ReserveN(now, 1)
	wait := res.DelayFrom(now)
	if wait <= 0 {
		return nil
	}
	res.CancelAt(now)
	return errs.Throttle(wait, "too many %s: at most %d at once and one more every %s; retry in %s",
		l.what, l.rate.Burst, l.rate.Every, wait.Round(time.Second))
}
