package notify_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// TestCrashBetweenSendAndRecord: the SMTP server has taken the
// confirmation (250) but the server stops before SENT is recorded, as a
// crash would leave it: here the test holds the message's row from the
// moment the email arrives, so the record waits, and the shutdown cancels
// it. Restarted on the same database, the dispatcher sends the email
// again (at least once, never lost) with the same Message-ID, the dedupe
// key's, so the receiving side can drop the copy; the outbox holds one
// email message, SENT after two attempts, and a third server start sends
// nothing more.
//
// On Postgres only: the hold is a row lock, which the shutdown's
// cancellation ends at once. On SQLite the record would wait in SQLite's
// busy handler, which does not heed the cancellation, so the stopped
// server's job stays running until River's rescuer (an hour) retries it:
// the same path, on a clock the test cannot move.
func TestCrashBetweenSendAndRecord(t *testing.T) {
	dbURL := pgtest.Get(t).NewDatabase(t)
	mailbox := startSMTP(t)
	quickStop := func(c *app.Config) { c.Jobs.StopGrace = 50 * time.Millisecond }
	const lockRow = `SELECT id FROM messages WHERE kind = 'ORDER_CONFIRMATION' AND channel = 'EMAIL' FOR UPDATE`
	locker, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = locker.Close() })
	held := make(chan *sql.Tx, 1)
	mailbox.mu.Lock()
	mailbox.onData = func(received) {
		// The attempt is committed before anything leaves; lock the row
		// the record must update.
		tx, err := locker.BeginTx(context.Background(), nil)
		if err == nil {
			_, err = tx.Exec(lockRow)
		}
		if err != nil {
			t.Errorf("locking the message: %v", err)
		}
		held <- tx
	}
	mailbox.mu.Unlock()

	s1 := mustServer(t, dbURL, mailbox.URL(), quickStop)
	s1.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "AC-9001", Items: 1})
	first := wantMail(t, mailbox, message.KindORDER_CONFIRMATION, "mina@example.com")
	lock := <-held
	mailbox.mu.Lock()
	mailbox.onData = nil
	mailbox.mu.Unlock()
	if err := s1.Close(); err != nil {
		t.Fatalf("stopping the first server: %v", err)
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	var status string
	var attempts int
	if err := locker.QueryRow(`SELECT status, attempts FROM messages WHERE kind = 'ORDER_CONFIRMATION' AND channel = 'EMAIL'`).
		Scan(&status, &attempts); err != nil {
		t.Fatal(err)
	}
	if status == string(message.StatusSENT) || attempts != 1 {
		t.Fatalf("after the crash the message is %s after %d attempts; want not SENT, one attempt", status, attempts)
	}

	s2 := mustServer(t, dbURL, mailbox.URL(), quickStop)
	events := s2.jobEvents(t)
	s2.clock.Advance(time.Minute) // past the failed attempt's backoff
	second := wantMail(t, mailbox, message.KindORDER_CONFIRMATION, "mina@example.com")
	if id := first.Header.Get("Message-ID"); id == "" || second.Header.Get("Message-ID") != id {
		t.Fatalf("Message-IDs %q and %q; want the same, from the dedupe key", id, second.Header.Get("Message-ID"))
	}
	m := s2.messageOf(t, "AC-9001")
	for deadline := time.After(waitBound); m.Status != message.StatusSENT; m = s2.messageOf(t, "AC-9001") {
		select {
		case <-events:
		case <-deadline:
			t.Fatalf("the resent message is %s", m.Status)
		}
	}
	if m.Attempts != 2 {
		t.Errorf("attempts %d, want 2 (one lost to the crash)", m.Attempts)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	s3 := mustServer(t, dbURL, mailbox.URL(), quickStop)
	s3.clock.Advance(time.Hour)
	s3.Jobs.Sweep(t.Context())
	if err := s3.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(mailbox.received()); n != 2 {
		t.Errorf("%d emails received in all; want 2 (the original and one resend)", n)
	}
}
