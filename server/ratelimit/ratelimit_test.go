package ratelimit_test

import (
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/ratelimit"
)

func TestLimiter(t *testing.T) {
	clock := clockwork.NewFakeClock()
	l := ratelimit.New("uploads", ratelimit.Rate{Burst: 3, Every: time.Minute}, clock)
	for i := range 3 {
		if err := l.Allow("customer:1"); err != nil {
			t.Fatalf("write %d of the burst refused: %v", i+1, err)
		}
	}
	err := l.Allow("customer:1")
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Throttled {
		t.Fatalf("the write after the burst: want THROTTLED, got %v", err)
	}
	if e.RetryAfter <= 0 || e.RetryAfter > time.Minute {
		t.Fatalf("RetryAfter = %s, want within (0, 1m]", e.RetryAfter)
	}
	// Another key has its own bucket.
	if err := l.Allow("customer:2"); err != nil {
		t.Fatalf("another writer refused: %v", err)
	}
	// Refused writes cost nothing: after RetryAfter exactly one more passes.
	clock.Advance(e.RetryAfter)
	if err := l.Allow("customer:1"); err != nil {
		t.Fatalf("after RetryAfter: %v", err)
	}
	if err := l.Allow("customer:1"); errs.CodeOf(err) != errs.Throttled {
		t.Fatalf("a second write right after the refill: want THROTTLED, got %v", err)
	}
}
