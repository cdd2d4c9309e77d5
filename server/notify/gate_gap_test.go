package notify_test

import (
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

// TestJourneyOwnGap: a journey's own minGapMinutes holds its next
// message to a customer until that long after the last one was
// attempted, with no store-wide -journey-gap set; the store-wide gap
// applies instead where it is longer; another customer is not held.
func TestJourneyOwnGap(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		p := mustPester(t, dbURL, notify.Rules{OptOut: true})
		mina := p.customer(t, "mina@example.com", "AC-3501")
		ana := p.customer(t, "ana@example.com", "AC-3502")
		p.setJourney(t, map[string]any{"name": notify.JourneyReview, "minGapMinutes": 120})

		first := p.queue(t, mina, "gap:1:EMAIL", notify.JourneyReview, true)
		wantStatus(t, first, message.StatusSENT, "")
		p.mailbox.wait(t)
		p.clock.Advance(30 * time.Minute)
		held := p.queue(t, mina, "gap:2:EMAIL", notify.JourneyReview, true)
		if want := first.LastAttemptAt.Add(120 * time.Minute); held.Status != message.StatusQUEUED || held.DueAt == nil || !held.DueAt.Equal(want) {
			t.Fatalf("second message of the journey: %s due %v, want QUEUED due %v (the journey's own 2 h gap)", held.Status, held.DueAt, want)
		}
		// Ana's journey is hers: not held by Mina's.
		wantStatus(t, p.queue(t, ana, "gap:3:EMAIL", notify.JourneyReview, true), message.StatusSENT, "")
		p.mailbox.wait(t)

		p.clock.Advance(90*time.Minute - time.Second)
		p.sweep(t)
		if m := p.DB.Message.GetX(sys(t), held.ID); m.Status != message.StatusQUEUED {
			t.Fatalf("a second before the gap ends the held message is %s", m.Status)
		}
		p.clock.Advance(time.Second)
		p.sweep(t)
		waitEvent(t, p.events, river.EventKindJobCompleted)
		if m := p.DB.Message.GetX(sys(t), held.ID); m.Status != message.StatusSENT {
			t.Fatalf("when the gap ends the held message is %s", m.Status)
		}
		p.mailbox.wait(t)
	})
}

// TestJourneyGapStoreWideFloor: -journey-gap (Rules.JourneyGap) is the
// floor: a journey whose own gap is shorter waits the store-wide one.
func TestJourneyGapStoreWideFloor(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		p := mustPester(t, dbURL, notify.Rules{OptOut: true, JourneyGap: 3 * time.Hour})
		mina := p.customer(t, "mina@example.com", "AC-3511")
		p.setJourney(t, map[string]any{"name": notify.JourneyReview, "minGapMinutes": 60})
		first := p.queue(t, mina, "floor:1:EMAIL", notify.JourneyReview, true)
		wantStatus(t, first, message.StatusSENT, "")
		p.mailbox.wait(t)
		held := p.queue(t, mina, "floor:2:EMAIL", notify.JourneyReview, true)
		if want := first.LastAttemptAt.Add(3 * time.Hour); held.DueAt == nil || !held.DueAt.Equal(want) {
			t.Fatalf("held until %v, want %v (the store-wide 3 h, longer than the journey's 1 h)", held.DueAt, want)
		}
	})
}
