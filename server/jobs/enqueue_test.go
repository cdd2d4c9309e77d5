package jobs_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// TestEnqueueCommitsWithTheTransaction is the outbox rule on both
// databases: a job enqueued in a transaction that commits runs once; one
// enqueued in a transaction that rolls back does not exist, with the rest
// of the transaction.
func TestEnqueueCommitsWithTheTransaction(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		r := newRecorder()
		s := startServer(t, dbURL, r, "a")
		completed := subscribe(t, s, river.EventKindJobCompleted)

		_, err := enqueue(t, s, probeArgs{Key: "undone"}, "undone", nil, true)
		if !errors.Is(err, errRollback) {
			t.Fatalf("rolled-back enqueue: %v", err)
		}
		kept, err := enqueue(t, s, probeArgs{Key: "kept"}, "kept", nil, false)
		if err != nil {
			t.Fatal(err)
		}
		if e := waitJob(t, completed, kept); e.Job.State != rivertype.JobStateCompleted || e.Job.Attempt != 1 {
			t.Errorf("committed job: %s after %d attempts", e.Job.State, e.Job.Attempt)
		}
		if n := r.count("kept"); n != 1 {
			t.Errorf("committed job ran %d times, want 1", n)
		}

		// The rolled-back job is gone with its transaction: it can never
		// run. (Its id says nothing: SQLite hands it out again.)
		list, err := s.Jobs.Client().JobList(t.Context(), river.NewJobListParams().Kinds(probeArgs{}.Kind()).States(
			rivertype.JobStateAvailable, rivertype.JobStateCompleted, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable))
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Jobs) != 1 || list.Jobs[0].ID != kept || !strings.Contains(string(list.Jobs[0].EncodedArgs), `"kept"`) {
			t.Errorf("probe jobs in the table: %d, want only the committed one", len(list.Jobs))
		}
		ctx := auth.WithSystem(t.Context())
		for email, want := range map[string]int{"kept@example.com": 1, "undone@example.com": 0} {
			if n, err := s.DB.Customer.Query().Where(customer.Email(email)).Count(ctx); err != nil || n != want {
				t.Errorf("customers %s: %d, %v; want %d", email, n, err, want)
			}
		}
		if n := r.count("undone"); n != 0 {
			t.Errorf("rolled-back job ran %d times", n)
		}
	})
}

// unregisteredArgs is a job kind no worker takes.
type unregisteredArgs struct{}

func (unregisteredArgs) Kind() string { return "jobs_test.nobody" }

// TestEnqueueRefusals: Enqueue outside the transaction WithTx passed, or
// of a kind no worker takes, is an error, and the caller's transaction
// rolls back with nothing of it written.
func TestEnqueueRefusals(t *testing.T) {
	s := startServer(t, "", newRecorder(), "a")
	ctx := auth.WithSystem(t.Context())
	err := s.DB.WithTx(ctx, func(txCtx context.Context, tx *ent.Tx) error {
		_, err := s.Jobs.Enqueue(ctx, tx, probeArgs{Key: "wrong context"}, nil)
		return err
	})
	if !errors.Is(err, db.ErrNoSQLTx) {
		t.Errorf("Enqueue with the caller's context instead of WithTx's = %v, want db.ErrNoSQLTx", err)
	}
	if _, err := enqueue(t, s, unregisteredArgs{}, "nobody", nil, false); err == nil {
		t.Error("a job no worker takes was enqueued")
	}
	if n, err := s.DB.Customer.Query().Where(customer.Email("nobody@example.com")).Count(ctx); err != nil || n != 0 {
		t.Errorf("the refused enqueue's transaction left %d customers (%v)", n, err)
	}
}
