package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/aftercart/aftercart/server/auth"
)

// Sweeper handles everything of one kind that is due at now: points whose
// return window has closed, reminders whose time has come, codes that
// expired. It must be idempotent (a sweep can run again over work it
// already did, after a crash or on two servers) and should do its work in
// its own transactions, enqueueing jobs in them for what must happen next.
type Sweeper func(ctx context.Context, now time.Time) error

// sweeper is a registered Sweeper and its name, for logs.
type sweeper struct {
	name string
	fn   Sweeper
}

// AddSweeper registers fn under name (unique, e.g. "loyalty.points"); every
// sweep calls it. Call it before Start.
func (s *System) AddSweeper(name string, fn Sweeper) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		panic("jobs: AddSweeper after Start")
	}
	if slices.ContainsFunc(s.sweepers, func(w sweeper) bool { return w.name == name }) {
		panic("jobs: a second sweeper named " + name)
	}
	s.sweepers = append(s.sweepers, sweeper{name, fn})
}

// Sweep calls every sweeper, in the order they were registered, with the
// clock's now and as the system (auth.WithSystem, as jobs run), and returns when they are done: every error, joined (one
// failing sweeper does not stop the others). Sweeps in one process run one
// at a time. The periodic sweep job calls it; tests call it after moving
// the fake clock, instead of waiting for the next sweep.
func (s *System) Sweep(ctx context.Context) error {
	s.mu.Lock()
	sweepers := slices.Clone(s.sweepers)
	s.mu.Unlock()
	s.sweepMu.Lock()
	defer s.sweepMu.Unlock()
	now := s.clock.Now()
	ctx = auth.WithSystem(ctx)
	var errs []error
	for _, w := range sweepers {
		if err := w.fn(ctx, now); err != nil {
			errs = append(errs, fmt.Errorf("sweeper %s: %w", w.name, err))
		}
	}
	return errors.Join(errs...)
}

// SweepArgs is the sweep job: run every sweeper once.
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "jobs.sweep" }

// InsertOpts implements river.JobArgsWithInsertOpts: one try (the next
// sweep redoes whatever failed), and at most one sweep waiting or running
// across every server, so a slow sweep is not stacked behind another.
func (SweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

// sweepWorker runs the sweep job.
type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	s *System
}

// Work implements river.Worker.
func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error { return w.s.Sweep(ctx) }

// sweepPeriodic is the periodic job that enqueues a sweep every interval
// (0: DefaultSweepInterval), and once when the leader starts, so that work
// that fell due while every server was down is done at once.
func sweepPeriodic(interval time.Duration) *river.PeriodicJob {
	if interval == 0 {
		interval = DefaultSweepInterval
	}
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
		&river.PeriodicJobOpts{ID: "jobs.sweep", RunOnStart: true})
}
