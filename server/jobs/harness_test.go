package jobs_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/jobs"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// waitBound is how long a test waits for something that should happen
// within a poll or two, before it fails; nothing is measured against it.
const waitBound = 20 * time.Second

// probeArgs is the tests' job. Secret stands for what a real job carries
// (an address, a message) and must never reach a log.
type probeArgs struct {
	Key    string `json:"key"`
	Secret string `json:"secret,omitempty"`
}

// Kind implements river.JobArgs.
func (probeArgs) Kind() string { return "jobs_test.probe" }

// recorder counts the runs of probe jobs by key, across servers, and
// passes each finished run on ran. behave, when set, is the work (its
// error is the job's); the run is counted whatever it returns.
type recorder struct {
	mu     sync.Mutex
	runs   map[string]int
	by     map[string]string // key → server that ran it last
	ran    chan string
	behave func(ctx context.Context, job *river.Job[probeArgs]) error
}

func newRecorder() *recorder {
	return &recorder{runs: map[string]int{}, by: map[string]string{}, ran: make(chan string, 1000)}
}

func (r *recorder) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.runs[key]
}

// probeWorker is the probe job's worker on one server.
type probeWorker struct {
	river.WorkerDefaults[probeArgs]
	r      *recorder
	server string
}

// Work implements river.Worker.
func (w *probeWorker) Work(ctx context.Context, job *river.Job[probeArgs]) error {
	var err error
	if w.r.behave != nil {
		err = w.r.behave(ctx, job)
	}
	w.r.mu.Lock()
	w.r.runs[job.Args.Key]++
	w.r.by[job.Args.Key] = w.server
	w.r.mu.Unlock()
	w.r.ran <- job.Args.Key
	return err
}

// startServer starts the real server with the probe worker of r (named
// server in r.by) and a short poll interval.
func startServer(t *testing.T, dbURL string, r *recorder, server string, configure ...func(*app.Config)) *testserver.Server {
	t.Helper()
	base := func(c *app.Config) {
		c.Jobs.PollInterval = 20 * time.Millisecond
		c.JobsSetup = func(s *jobs.System) { jobs.AddWorker(s, &probeWorker{r: r, server: server}) }
	}
	return testserver.Start(t, dbURL, append([]func(*app.Config){base}, configure...)...)
}

// errRollback makes enqueue's transaction roll back.
var errRollback = errors.New("the caller changed its mind")

// enqueue writes a customer named after args.Key and enqueues args in one
// transaction, which rolls back when rollback is set. It returns the job's
// id.
func enqueue(t *testing.T, s *testserver.Server, args river.JobArgs, key string, opts *river.InsertOpts, rollback bool) (int64, error) {
	t.Helper()
	var id int64
	err := s.DB.WithTx(auth.WithSystem(t.Context()), func(ctx context.Context, tx *ent.Tx) error {
		if _, err := tx.Customer.Create().SetEmail(key + "@example.com").Save(ctx); err != nil {
			return err
		}
		res, err := s.Jobs.Enqueue(ctx, tx, args, opts)
		if err != nil {
			return err
		}
		id = res.Job.ID
		if rollback {
			return errRollback
		}
		return nil
	})
	return id, err
}

// subscribe returns s's River events of kinds, until the test ends.
func subscribe(t *testing.T, s *testserver.Server, kinds ...river.EventKind) <-chan *river.Event {
	t.Helper()
	ch, cancel := s.Jobs.Client().Subscribe(kinds...)
	t.Cleanup(cancel)
	return ch
}

// waitJob returns the next event of ch about job id.
func waitJob(t *testing.T, ch <-chan *river.Event, id int64) *river.Event {
	t.Helper()
	deadline := time.After(waitBound)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("events ended before job %d's", id)
			}
			if e.Job != nil && e.Job.ID == id {
				return e
			}
		case <-deadline:
			t.Fatalf("no event for job %d within %s", id, waitBound)
		}
	}
}

// waitRun returns the key of the next probe run recorded by r.
func waitRun(t *testing.T, r *recorder) string {
	t.Helper()
	select {
	case k := <-r.ran:
		return k
	case <-time.After(waitBound):
		t.Fatalf("no probe job ran within %s", waitBound)
		return ""
	}
}

// jobRow reads job id through s's River client.
func jobRow(t *testing.T, s *testserver.Server, id int64) *rivertype.JobRow {
	t.Helper()
	j, err := s.Jobs.Client().JobGet(t.Context(), id)
	if err != nil {
		t.Fatalf("job %d: %v", id, err)
	}
	return j
}
