package jobs_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/jobs"
)

// sweepCall is one call of a test sweeper.
type sweepCall struct {
	name   string
	now    time.Time
	system bool // the context was the system's
}

// TestSweepRunsSweepersOnTheClock: the periodic sweep job calls every
// sweeper (once at start, without the test asking); Sweep, after the test
// moved the fake clock, calls each with the clock's new now as the system,
// and one failing sweeper does not keep the others from running.
func TestSweepRunsSweepersOnTheClock(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		clock := newFakeClock()
		calls := make(chan sweepCall, 100)
		record := func(name string) jobs.Sweeper {
			return func(ctx context.Context, now time.Time) error {
				calls <- sweepCall{name, now, auth.IsSystem(ctx)}
				return nil
			}
		}
		s := startServer(t, dbURL, newRecorder(), "a", func(c *app.Config) {
			c.Clock = clock
			setup := c.JobsSetup
			c.JobsSetup = func(s *jobs.System) {
				setup(s)
				s.AddSweeper("test.first", record("first"))
				s.AddSweeper("test.broken", func(context.Context, time.Time) error { return errors.New("table missing") })
				s.AddSweeper("test.last", record("last"))
			}
		})
		start := clock.Now()
		select {
		case c := <-calls:
			if c.name != "first" || !c.now.Equal(start) || !c.system {
				t.Errorf("the sweep job's first call: %+v, want first at %s as the system", c, start)
			}
		case <-time.After(waitBound):
			t.Fatal("the periodic sweep job did not run at start")
		}

		clock.Advance(36 * time.Hour)
		later := clock.Now()
		err := s.Jobs.Sweep(t.Context())
		if err == nil || !strings.Contains(err.Error(), "test.broken") || !strings.Contains(err.Error(), "table missing") {
			t.Errorf("Sweep = %v, want the broken sweeper's error", err)
		}
		// The start-up sweep's "last" call may come first; the Sweep's
		// calls are those at the new time.
		seen := map[string]bool{}
		for len(seen) < 2 {
			select {
			case c := <-calls:
				if c.now.Equal(later) {
					seen[c.name] = c.system
				}
			default:
				t.Fatalf("after Sweep returned, the sweepers at %s were %v; want first and last", later, seen)
			}
		}
		if !seen["first"] || !seen["last"] {
			t.Errorf("sweepers not called as the system: %v", seen)
		}
	})
}
