// Package ratelimit limits how often one customer may do one kind of write
// (write a review, reply, vote; post, comment, upload next), on top of the
// query cost budget (graph/cost), which bounds reading work, not the
// number of things a customer creates.
//
// Each key gets a token bucket from golang.org/x/time/rate (already the
// cost budget's bucket; maintained by the Go team), kept in an LRU of
// bounded size (hashicorp/golang-lru, also already used): a key evicted
// from it starts again with a full bucket, which errs on the customer's
// side. Buckets live in memory per server instance, as the cost budget's
// do: with N instances behind a balancer a customer gets at most N times
// the rate, which is still a bound; spam control, not billing.
//
// Time comes from a clockwork.Clock, so tests move it instead of sleeping.
package ratelimit

import (
	"math"
	"strconv"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jonboulle/clockwork"
	"golang.org/x/time/rate"

	"github.com/aftercart/aftercart/server/errs"
)

// DefaultKeys bounds the buckets one Limiter keeps.
const DefaultKeys = 100_000

// Rule is a limit: Burst actions at once, then one per Every.
type Rule struct {
	Burst int
	Every time.Duration
}

// Limiter limits one kind of action per key. It is safe for concurrent use.
type Limiter struct {
	action string
	rule   Rule
	clock  clockwork.Clock
	cache  *lru.Cache[string, *rate.Limiter]
}

// New returns a limiter for action (named in errors, e.g. "reviews")
// applying r. A nil clock is the real one.
func New(action string, r Rule, clock clockwork.Clock) *Limiter {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	c, err := lru.New[string, *rate.Limiter](DefaultKeys)
	if err != nil {
		panic(err) // only for a non-positive size
	}
	return &Limiter{action: action, rule: r, clock: clock, cache: c}
}

// Allow takes one action from key's bucket, or returns a THROTTLED error
// saying when to retry. A zero Rule allows everything.
func (l *Limiter) Allow(key string) error {
	if l == nil || l.rule.Burst <= 0 {
		return nil
	}
	lim, ok := l.cache.Get(key)
	if !ok {
		lim = rate.NewLimiter(rate.Every(l.rule.Every), l.rule.Burst)
		if prev, found, _ := l.cache.PeekOrAdd(key, lim); found {
			lim = prev
		}
	}
	now := l.clock.Now()
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return &errs.Error{Code: errs.Throttled, RetryAfter: d,
			Message: "too many " + l.action + "; retry in " + seconds(d) + " s"}
	}
	return nil
}

// seconds rounds d up to whole seconds, as Retry-After does.
func seconds(d time.Duration) string { return strconv.Itoa(int(math.Ceil(d.Seconds()))) }
