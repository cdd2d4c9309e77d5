package tracking_test

import (
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// TestFutureCheckpointFollowsTheAppClock: "at most a day in the future" is
// measured on the app's clock, the one every other concept reads, not the
// machine's: with the clock set years ahead, a checkpoint 12 hours after it
// is accepted and one 36 hours after it is refused until the clock catches up.
func TestFutureCheckpointFollowsTheAppClock(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		clock := clockwork.NewFakeClockAt(time.Date(2031, 6, 1, 9, 0, 0, 0, time.UTC))
		s := testserver.Start(t, dbURL, func(c *app.Config) { c.Clock = clock })
		o := s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "CLK-1", Items: 1})
		s.MustShip(t, o.ID, "DHL", "JJDCLOCK01")
		track := func(id string, at time.Time) *testserver.Response {
			in := map[string]any{"carrier": "DHL", "trackingNumber": "JJDCLOCK01", "events": []any{testserver.Event(id, "IN_TRANSIT", at)}}
			return s.GQL(t, s.Integration(t), testserver.TrackMutation, map[string]any{"input": in})
		}

		track("soon", clock.Now().Add(12*time.Hour)).MustOK(t, nil)
		late := clock.Now().Add(36 * time.Hour)
		res := track("later", late)
		res.MustCode(t, "INVALID_INPUT")
		if f, _ := res.Errors[0].Extensions["field"].(string); f != "input.events[0].occurredAt" && f != "events[0].occurredAt" {
			t.Errorf("field %q, want the event's occurredAt", f)
		}
		if _, evs := s.Timeline(t, "DHL", "JJDCLOCK01"); len(evs) != 1 {
			t.Fatalf("timeline after the refusal: %v, want only the first event", evs)
		}

		clock.Advance(48 * time.Hour)
		track("later", late).MustOK(t, nil)
		if _, evs := s.Timeline(t, "DHL", "JJDCLOCK01"); len(evs) != 2 {
			t.Fatalf("timeline once the clock caught up: %v, want both events", evs)
		}
	})
}
