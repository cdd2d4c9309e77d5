package jobs_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// TestJobSurvivesRestart is issue 12's "a job that survives a server
// restart", on both databases: a job committed by a transaction is running
// when its server stops; the worker is cancelled after the stop grace, and
// the job runs to completion on a new server over the same database, as
// its first counted attempt.
func TestJobSurvivesRestart(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		dataDir := t.TempDir() // the SQLite file both servers open
		sameDB := func(c *app.Config) { c.DataDir = dataDir; c.Jobs.StopGrace = 50 * time.Millisecond }

		first := newRecorder()
		started := make(chan struct{})
		first.behave = func(ctx context.Context, _ *river.Job[probeArgs]) error {
			close(started)
			<-ctx.Done() // a long job: still running when the server stops
			return ctx.Err()
		}
		s1 := startServer(t, dbURL, first, "first", sameDB)
		id, err := enqueue(t, s1, probeArgs{Key: "long"}, "long", nil, false)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-started:
		case <-time.After(waitBound):
			t.Fatal("the job did not start on the first server")
		}
		if err := s1.Close(); err != nil {
			t.Fatalf("closing the first server: %v", err)
		}

		second := newRecorder()
		s2 := startServer(t, dbURL, second, "second", sameDB)
		if k := waitRun(t, second); k != "long" {
			t.Fatalf("the second server ran %q", k)
		}
		// Stopping waits for River to record the outcome.
		if err := s2.Jobs.Stop(); err != nil {
			t.Fatal(err)
		}
		j := jobRow(t, s2, id)
		if j.State != rivertype.JobStateCompleted || j.Attempt != 1 || len(j.Errors) != 0 {
			t.Errorf("after the restart the job is %s, attempt %d, errors %v; want completed at its first counted attempt",
				j.State, j.Attempt, j.Errors)
		}
		if a, b := first.count("long"), second.count("long"); a != 1 || b != 1 {
			t.Errorf("runs: %d on the first server, %d on the second; want 1 and 1", a, b)
		}
	})
}

// TestFailedJobRetriedThenDiscarded: a failing job is tried again after
// its backoff, measured on the server's (fake) clock, and discarded after
// its last attempt with every attempt's error kept; each failure logs one
// line without the job's arguments, and the metrics count the outcomes.
func TestFailedJobRetriedThenDiscarded(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		clock := newFakeClock()
		r := newRecorder()
		r.behave = func(_ context.Context, job *river.Job[probeArgs]) error {
			return &carrierError{attempt: job.Attempt}
		}
		s := startServer(t, dbURL, r, "a", func(c *app.Config) {
			c.Clock = clock
			c.Jobs.Backoff = func(attempt int) time.Duration { return time.Duration(attempt) * time.Second }
		})
		failed := subscribe(t, s, river.EventKindJobFailed)
		const secret = "4111 1111 1111 1111"
		id, err := enqueue(t, s, probeArgs{Key: "failing", Secret: secret}, "failing", &river.InsertOpts{MaxAttempts: 3}, false)
		if err != nil {
			t.Fatal(err)
		}
		for attempt := 1; attempt <= 3; attempt++ {
			e := waitJob(t, failed, id)
			if e.Job.Attempt != attempt {
				t.Fatalf("failure of attempt %d, want %d", e.Job.Attempt, attempt)
			}
			if attempt == 3 {
				if e.Job.State != rivertype.JobStateDiscarded {
					t.Fatalf("after the last attempt the job is %s, want discarded", e.Job.State)
				}
				break
			}
			// Due again after the backoff, on the server's clock; it
			// runs once the clock gets there.
			want := clock.Now().Add(time.Duration(attempt) * time.Second)
			if e.Job.State == rivertype.JobStateDiscarded || e.Job.ScheduledAt.Sub(want).Abs() > time.Millisecond {
				t.Fatalf("after attempt %d the job is %s, due at %s; want due at %s", attempt, e.Job.State, e.Job.ScheduledAt, want)
			}
			clock.Advance(time.Duration(attempt) * time.Second)
		}
		if err := s.Jobs.Stop(); err != nil { // flushes the metrics
			t.Fatal(err)
		}
		j := jobRow(t, s, id)
		if len(j.Errors) != 3 || !strings.Contains(j.Errors[2].Error, "attempt 3") {
			t.Errorf("the discarded job keeps errors %v; want the 3 attempts'", j.Errors)
		}
		if n := r.count("failing"); n != 3 {
			t.Errorf("ran %d times, want 3", n)
		}

		logs := s.Logs.String()
		if strings.Contains(logs, secret) {
			t.Error("a job's arguments reached the log")
		}
		lines := failureLines(logs)
		if len(lines) != 3 || !strings.Contains(lines[2], "outcome=discarded") || !strings.Contains(lines[2], "attempt=3") ||
			!strings.Contains(lines[0], "outcome=retrying") || !strings.Contains(lines[0], "kind=jobs_test.probe") {
			t.Errorf("failure log lines:\n%s", strings.Join(lines, "\n"))
		}
		m := gather(t, s)
		for series, want := range map[string]float64{
			`aftercart_jobs_attempts_total{kind="jobs_test.probe",outcome="failed"}`:    2,
			`aftercart_jobs_attempts_total{kind="jobs_test.probe",outcome="discarded"}`: 1,
			`aftercart_jobs_queued{state="discarded"}`:                                  1,
		} {
			if m[series] != want {
				t.Errorf("%s = %v, want %v", series, m[series], want)
			}
		}
	})
}

// carrierError is a worker's failure that names its attempt.
type carrierError struct{ attempt int }

func (e *carrierError) Error() string {
	return "carrier refused the message (attempt " + itoa(e.attempt) + ")"
}

// TestPanicIsAFailedAttempt: a worker's panic fails the attempt (logged,
// kept in the job's errors) and the job is retried; the server keeps
// serving.
func TestPanicIsAFailedAttempt(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		r := newRecorder()
		r.behave = func(_ context.Context, job *river.Job[probeArgs]) error {
			if job.Attempt == 1 {
				var m map[string]int
				m["boom"]++ // assignment to entry in nil map
			}
			return nil
		}
		s := startServer(t, dbURL, r, "a", func(c *app.Config) {
			c.Jobs.Backoff = func(int) time.Duration { return 0 }
		})
		completed := subscribe(t, s, river.EventKindJobCompleted)
		id, err := enqueue(t, s, probeArgs{Key: "panics"}, "panics", nil, false)
		if err != nil {
			t.Fatal(err)
		}
		e := waitJob(t, completed, id)
		if e.Job.Attempt != 2 || len(e.Job.Errors) != 1 || !strings.Contains(e.Job.Errors[0].Error, "nil map") || e.Job.Errors[0].Trace == "" {
			t.Errorf("completed at attempt %d with errors %+v; want the first attempt's panic and its trace", e.Job.Attempt, e.Job.Errors)
		}
		if lines := failureLines(s.Logs.String()); len(lines) != 1 || !strings.Contains(lines[0], "panic: assignment to entry in nil map") {
			t.Errorf("failure log lines: %q", lines)
		}
		resp, err := http.Get(s.URL() + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("/readyz after the panic: %d", resp.StatusCode)
		}
	})
}
