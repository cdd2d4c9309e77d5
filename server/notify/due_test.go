package notify_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

// TestQueueDueAtWaitsForItsTime: a message queued with a due time in the
// future gets no dispatch job and is not sent; once the clock passes it,
// a sweep enqueues it (once, however often it runs) and it is sent.
func TestQueueDueAtWaitsForItsTime(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		s := mustServer(t, dbURL, mailbox.URL())
		events := s.jobEvents(t)
		ctx := sys(t)
		imported := s.MustImport(t, testserver.OrderSpec{Email: "leo@example.com", Number: "AC-2101", Items: 1})
		confirmation := s.messageOf(t, imported.Number)
		mailbox.wait(t)
		waitEvent(t, events, river.EventKindJobCompleted)

		due := s.clock.Now().Add(2 * time.Hour)
		var id int
		err := s.DB.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
			var err error
			id, _, err = s.Notify.Queue(ctx, tx, notify.Msg{Kind: message.KindORDER_CONFIRMATION, Channel: message.ChannelEMAIL,
				DedupeKey: "test:later", Recipient: "leo@example.com", OrderID: confirmation.OrderID,
				CustomerID: confirmation.CustomerID, DueAt: due})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		sendJobs := func() int {
			t.Helper()
			list, err := s.Jobs.Client().JobList(ctx, river.NewJobListParams().Kinds(notify.SendArgs{}.Kind()))
			if err != nil {
				t.Fatal(err)
			}
			return len(list.Jobs)
		}
		// The confirmation's jobs: its email's and its in-app notification's.
		const confirmationJobs = 2
		m := s.DB.Message.GetX(ctx, id)
		if m.Status != message.StatusQUEUED || m.DueAt == nil || !m.DueAt.Equal(due) || sendJobs() != confirmationJobs {
			t.Fatalf("waiting message: status %s due %v, %d send jobs; want QUEUED, due %v, only the confirmation's jobs",
				m.Status, m.DueAt, sendJobs(), due)
		}

		// A sweep before its time does nothing.
		s.clock.Advance(time.Hour)
		if err := s.Jobs.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if n := sendJobs(); n != confirmationJobs {
			t.Fatalf("after a sweep an hour early: %d send jobs, want %d", n, confirmationJobs)
		}

		s.clock.Advance(time.Hour)
		for range 2 { // twice: the second finds nothing left to enqueue
			if err := s.Jobs.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n := sendJobs(); n != confirmationJobs+1 {
			t.Fatalf("after two sweeps at its time: %d send jobs, want %d", n, confirmationJobs+1)
		}
		got := mailbox.wait(t)
		if got.To[0] != "leo@example.com" {
			t.Errorf("sent to %v", got.To)
		}
		waitEvent(t, events, river.EventKindJobCompleted)
		m = s.DB.Message.GetX(ctx, id)
		if m.Status != message.StatusSENT || m.DueAt != nil || m.Attempts != 1 {
			t.Errorf("sent message: status %s due %v attempts %d", m.Status, m.DueAt, m.Attempts)
		}
	})
}
