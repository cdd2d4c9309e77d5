package main

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/jobs"
)

// flakyArgs is a job whose worker fails until told otherwise.
type flakyArgs struct{}

func (flakyArgs) Kind() string { return "main_test.flaky" }

type flakyWorker struct {
	river.WorkerDefaults[flakyArgs]
	fail *atomic.Bool
}

func (w *flakyWorker) Work(context.Context, *river.Job[flakyArgs]) error {
	if w.fail.Load() {
		return errors.New("smtp: 421 try again later")
	}
	return nil
}

// TestJobsCommand: "server jobs" lists a job that failed its last attempt,
// with its last error, beside the running server; "server jobs -retry ID"
// gives it another attempt, which the server runs.
func TestJobsCommand(t *testing.T) {
	dataDir := t.TempDir()
	fail := &atomic.Bool{}
	fail.Store(true)
	s := mustServer(t, "", func(c *app.Config) {
		c.DataDir = dataDir
		c.Jobs.PollInterval = 20 * time.Millisecond
		c.JobsSetup = func(s *jobs.System) { jobs.AddWorker(s, &flakyWorker{fail: fail}) }
	})
	events, cancel := s.Jobs.Client().Subscribe(river.EventKindJobFailed, river.EventKindJobCompleted)
	defer cancel()
	var id int64
	err := s.DB.WithTx(auth.WithSystem(t.Context()), func(ctx context.Context, tx *ent.Tx) error {
		res, err := s.Jobs.Enqueue(ctx, tx, flakyArgs{}, &river.InsertOpts{MaxAttempts: 1})
		if err == nil {
			id = res.Job.ID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	next := func() *river.Event { // the next event about the flaky job (the sweep has its own)
		t.Helper()
		for {
			select {
			case e := <-events:
				if e.Job.Kind == (flakyArgs{}).Kind() {
					return e
				}
			case <-time.After(20 * time.Second):
				t.Fatal("no job event")
				return nil
			}
		}
	}
	if e := next(); e.Job.ID != id || e.Job.State != rivertype.JobStateDiscarded {
		t.Fatalf("event %s for job %d (%s), want job %d discarded", e.Kind, e.Job.ID, e.Job.State, id)
	}

	var out bytes.Buffer
	if err := runJobs(t.Context(), []string{"-data-dir", dataDir}, &out); err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, l := range strings.Split(out.String(), "\n") {
		f := strings.Fields(l)
		listed = listed || (len(f) > 3 && f[0] == strconv.FormatInt(id, 10) && f[1] == "main_test.flaky" && f[2] == "1" &&
			strings.HasSuffix(l, "smtp: 421 try again later"))
	}
	if !listed {
		t.Errorf("the discarded job is not listed:\n%s", out.String())
	}

	fail.Store(false)
	out.Reset()
	if err := runJobs(t.Context(), []string{"-data-dir", dataDir, "-retry", strconv.FormatInt(id, 10)}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "available, attempt 1 of 2") {
		t.Errorf("-retry printed %q", out.String())
	}
	if e := next(); e.Job.ID != id || e.Kind != river.EventKindJobCompleted {
		t.Errorf("after -retry: event %s for job %d, want job %d completed", e.Kind, e.Job.ID, id)
	}
	out.Reset()
	if err := runJobs(t.Context(), []string{"-data-dir", dataDir}, &out); err != nil || out.String() != "no discarded jobs\n" {
		t.Errorf("after the retry, the list is %q (%v)", out.String(), err)
	}
	if err := runJobs(t.Context(), []string{"-data-dir", dataDir, "-retry", "999999"}, &out); err == nil {
		t.Error("retrying a job that does not exist succeeded")
	}
}
