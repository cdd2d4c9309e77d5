package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// failureLog logs one line per failed attempt: the job's kind, id and
// attempt, and the error, never its arguments (they may hold a customer's
// address or a message). It changes nothing River decides.
type failureLog struct{ log *slog.Logger }

// HandleError implements river.ErrorHandler.
func (f *failureLog) HandleError(ctx context.Context, job *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	f.failed(ctx, job, err.Error())
	return nil
}

// HandlePanic implements river.ErrorHandler: a worker's panic is a failed
// attempt like an error (River recovered it; the server goes on). The
// stack trace is kept in the job's errors, not logged.
func (f *failureLog) HandlePanic(ctx context.Context, job *rivertype.JobRow, panicVal any, _ string) *river.ErrorHandlerResult {
	f.failed(ctx, job, fmt.Sprintf("panic: %v", panicVal))
	return nil
}

func (f *failureLog) failed(ctx context.Context, job *rivertype.JobRow, msg string) {
	outcome := "retrying"
	if job.Attempt >= job.MaxAttempts {
		outcome = "discarded"
	}
	f.log.WarnContext(ctx, "job failed", "kind", job.Kind, "id", job.ID, "attempt", job.Attempt,
		"max_attempts", job.MaxAttempts, "outcome", outcome, "err", msg)
}

// warnOnly passes River's warnings and errors to the server's log and
// drops its informational lines (each start, election and stop says
// several), which would drown the server's own.
type warnOnly struct{ slog.Handler }

// Enabled implements slog.Handler.
func (h warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

// WithAttrs implements slog.Handler.
func (h warnOnly) WithAttrs(as []slog.Attr) slog.Handler { return warnOnly{h.Handler.WithAttrs(as)} }

// WithGroup implements slog.Handler.
func (h warnOnly) WithGroup(name string) slog.Handler { return warnOnly{h.Handler.WithGroup(name)} }

// countedEvents are the River events the finished-jobs counter counts.
var countedEvents = []river.EventKind{river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled}

// Outcomes of finished attempts, the outcome label of
// aftercart_jobs_attempts_total.
const (
	OutcomeCompleted = "completed"
	OutcomeFailed    = "failed"    // will be tried again
	OutcomeDiscarded = "discarded" // failed its last attempt
	OutcomeCancelled = "cancelled"
)

// collectors are the job system's Prometheus series.
type collectors struct {
	attempts *prometheus.CounterVec
	depth    *depthCollector
}

func newCollectors(db *sql.DB) *collectors {
	return &collectors{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "aftercart", Subsystem: "jobs", Name: "attempts_total",
			Help: "Job attempts finished by this server, by kind and outcome (completed; failed: will be tried again; discarded: failed its last attempt; cancelled).",
		}, []string{"kind", "outcome"}),
		depth: &depthCollector{db: db, desc: prometheus.NewDesc("aftercart_jobs_queued",
			"Jobs in the table (every server's), by state: available (due, waiting for a worker), scheduled and retryable (waiting for their time), running, discarded (kept a week for inspection).",
			[]string{"state"}, nil)},
	}
}

func (c *collectors) register(r prometheus.Registerer) error {
	for _, col := range []prometheus.Collector{c.attempts, c.depth} {
		if err := r.Register(col); err != nil {
			return fmt.Errorf("jobs: metrics: %w", err)
		}
	}
	return nil
}

// count counts events until River closes the channel (on stop), then
// closes done.
func (c *collectors) count(events <-chan *river.Event, done chan<- struct{}) {
	defer close(done)
	for e := range events {
		if e.Job == nil {
			continue
		}
		outcome := OutcomeCompleted
		switch e.Kind {
		case river.EventKindJobCancelled:
			outcome = OutcomeCancelled
		case river.EventKindJobFailed:
			outcome = OutcomeFailed
			if e.Job.State == rivertype.JobStateDiscarded {
				outcome = OutcomeDiscarded
			}
		}
		c.attempts.WithLabelValues(e.Job.Kind, outcome).Inc()
	}
}

// depthStates are the states aftercart_jobs_queued reports. Completed jobs
// are left out: there are many (kept a day) and they need no one.
var depthStates = []string{"available", "scheduled", "retryable", "running", "discarded"}

// depthCollector reads the job counts by state at each scrape, with one
// query on river_job's (state, ...) index.
type depthCollector struct {
	db   *sql.DB
	desc *prometheus.Desc
}

// Describe implements prometheus.Collector.
func (d *depthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- d.desc }

// Collect implements prometheus.Collector. A scrape while the database is
// unreachable reports no counts, rather than zeros that would look healthy
// or an error that would fail the whole scrape (the pool's series say the
// database is unreachable).
func (d *depthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := d.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable', 'running', 'discarded') GROUP BY state`)
	if err != nil {
		return
	}
	defer rows.Close()
	counts := map[string]int64{}
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return
		}
		counts[state] = n
	}
	if rows.Err() != nil {
		return
	}
	for _, s := range depthStates {
		ch <- prometheus.MustNewConstMetric(d.desc, prometheus.GaugeValue, float64(counts[s]), s)
	}
}
