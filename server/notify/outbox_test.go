package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/riverqueue/river"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/notify"
)

// errRollback makes a transaction roll back.
var errRollback = errors.New("the import changed its mind")

// TestOutboxRollbackCommitReplay is the outbox's rule on both databases:
// an order created in a transaction that rolls back queues nothing and
// sends nothing; an imported order's confirmation is sent once; the same
// import replayed queues nothing new.
func TestOutboxRollbackCommitReplay(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		mailbox := startSMTP(t)
		s := mustServer(t, dbURL, mailbox.URL())
		events := s.jobEvents(t)
		ctx := sys(t)

		err := s.DB.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
			cu, err := tx.Customer.Create().SetEmail("undone@example.com").Save(ctx)
			if err != nil {
				return err
			}
			_, err = tx.Order.Create().SetNumber("UNDONE-1").SetExternalID("ext-undone").SetCustomerID(cu.ID).
				SetPlacedAt(s.clock.Now()).SetCurrency("EUR").
				SetShippingAddress(types.Address{Name: "U", Line1: "1 Road", City: "Town", CountryCode: "DE"}).Save(ctx)
			if err != nil {
				return err
			}
			// The hook queued the confirmation (email and in-app) in this transaction.
			if n, err := tx.Message.Query().Count(ctx); err != nil || n != 2 {
				t.Errorf("inside the transaction: %d messages (%v), want the confirmation's two", n, err)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("rolled-back transaction: %v", err)
		}

		spec := testserver.OrderSpec{Email: "mina@example.com", Number: "AC-2001", Items: 2}
		s.MustImport(t, spec)
		got := mailbox.wait(t)
		waitEvent(t, events, river.EventKindJobCompleted)
		if got.To[0] != "mina@example.com" || !strings.Contains(got.Header.Get("Subject"), "AC-2001") {
			t.Errorf("sent to %v with subject %q", got.To, got.Header.Get("Subject"))
		}

		// The store platform sends the same order again: nothing new.
		s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, testserver.ImportOrderVars(spec)).MustOK(t, nil)

		msgs, err := s.DB.Message.Query().Where(message.ChannelEQ(message.ChannelEMAIL)).WithOrder().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 || msgs[0].Edges.Order.Number != "AC-2001" {
			t.Fatalf("outbox holds %d messages, want only AC-2001's confirmation", len(msgs))
		}
		m := msgs[0]
		if m.Status != message.StatusSENT || m.Attempts != 1 || m.SentAt == nil || m.Transport == nil || *m.Transport != "smtp" {
			t.Errorf("confirmation: status %s, %d attempts, sent %v, transport %v", m.Status, m.Attempts, m.SentAt, m.Transport)
		}
		if n, err := s.DB.Order.Query().Where(order.Number("UNDONE-1")).Count(ctx); err != nil || n != 0 {
			t.Errorf("rolled-back order: %d rows (%v)", n, err)
		}
		list, err := s.Jobs.Client().JobList(ctx, river.NewJobListParams().Kinds(notify.SendArgs{}.Kind()))
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Jobs) != 2 {
			t.Errorf("%d dispatch jobs, want 2: the email and the in-app notification (none for the rolled-back order, none for the replay)", len(list.Jobs))
		}
		if n := len(mailbox.received()); n != 1 {
			t.Errorf("the SMTP server received %d emails, want 1", n)
		}
	})
}

// TestQueueDedupe: Queue with a key that exists queues nothing, returns
// the existing message, and does not fail the caller's transaction.
func TestQueueDedupe(t *testing.T) {
	mailbox := startSMTP(t)
	s := mustServer(t, "", mailbox.URL())
	imported := s.MustImport(t, testserver.OrderSpec{Email: "ana@example.com", Number: "AC-2002", Items: 1})
	first := s.messageOf(t, imported.Number)
	err := s.DB.WithTx(sys(t), func(ctx context.Context, tx *ent.Tx) error {
		id, queued, err := s.Notify.Queue(ctx, tx, notify.Msg{Kind: message.KindORDER_CONFIRMATION, Channel: message.ChannelEMAIL,
			DedupeKey: first.DedupeKey, Recipient: "ana@example.com", OrderID: first.OrderID, CustomerID: first.CustomerID})
		if err != nil {
			return err
		}
		if queued || id != first.ID {
			t.Errorf("Queue of an existing key: id %d queued %v; want %d, false", id, queued, first.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mailbox.wait(t)
	if n, err := s.DB.Message.Query().Where(message.ChannelEQ(message.ChannelEMAIL)).Count(sys(t)); err != nil || n != 1 {
		t.Errorf("%d messages (%v), want 1", n, err)
	}
}
