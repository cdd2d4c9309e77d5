package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
)

// Defaults of Config's zero fields.
const (
	// DefaultWorkers is how many jobs one server runs at once. Jobs mostly
	// wait on the network (SMTP, webhooks) or on the database's write lock,
	// so more than the CPU count is fine.
	DefaultWorkers = 10
	// DefaultSweepInterval is how often the sweep runs (see Sweep): due
	// work waits at most this long.
	DefaultSweepInterval = time.Minute
	// DefaultPollInterval is how often a server looks for new jobs. Neither
	// database driver here has LISTEN (see the package documentation), so a
	// job inserted by a transaction starts within this time.
	DefaultPollInterval = time.Second
	// DefaultStopGrace is how long Stop lets running jobs finish before it
	// cancels their contexts (they are then run again later, see Stop).
	DefaultStopGrace = 10 * time.Second
	// DefaultMaxAttempts is how many times a job is tried before it is
	// discarded, unless its InsertOpts say otherwise (River's default).
	DefaultMaxAttempts = river.MaxAttemptsDefault
)

// stopBound is how long Stop waits, after the grace, for workers that do
// not return when their context is cancelled.
const stopBound = 5 * time.Second

// Config configures a System. The zero value is usable: every zero field
// takes its default.
type Config struct {
	// Workers is how many jobs this server runs at once; 0 means
	// DefaultWorkers.
	Workers int
	// SweepInterval is how often a sweep is enqueued (once across every
	// server); 0 means DefaultSweepInterval, negative means never (tests
	// call Sweep themselves).
	SweepInterval time.Duration
	// PollInterval is how often this server looks for jobs to run; 0 means
	// DefaultPollInterval (tests shorten it).
	PollInterval time.Duration
	// StopGrace is how long Stop lets running jobs finish; 0 means
	// DefaultStopGrace, negative cancels them at once.
	StopGrace time.Duration
	// Backoff is how long to wait before the next try of a job whose
	// attempt (1 for the first) failed; nil means DefaultBackoff. It is
	// measured on Clock.
	Backoff func(attempt int) time.Duration
	// Clock is the time of sweeps, retries and River's own timestamps; nil
	// means the real clock. With a *clockwork.FakeClock River reads its
	// time too (tests move it).
	Clock clockwork.Clock
	// Log receives one line per failed job and River's warnings; nil
	// discards them.
	Log *slog.Logger
	// Metrics, when set, gets the job collectors (see observe.go).
	Metrics prometheus.Registerer
	// QuickStart starts River's maintenance services (on the elected
	// leader) at once instead of staggered over a few seconds, which
	// spreads their first queries in production. Tests set it so that the
	// server's goroutines have settled when Start returns and a little
	// after, for the tests that count them.
	QuickStart bool
}

// System is the job system of one server: River over the server's database,
// the workers and sweepers the concepts registered, and the sweep. Register
// everything, then Start; Stop at the end. Its methods are safe for
// concurrent use.
type System struct {
	db      *db.DB
	cfg     Config
	clock   clockwork.Clock
	log     *slog.Logger
	driver  riverdriver.Driver[*sql.Tx]
	workers *river.Workers
	metrics *collectors

	mu       sync.Mutex
	started  bool
	periodic []*river.PeriodicJob
	queues   map[string]int // AddQueue's: name -> workers
	sweepers []sweeper
	kinds    map[string]bool
	client   *river.Client[*sql.Tx]
	events   func()        // cancels the metrics subscription
	counted  chan struct{} // closed when the metrics goroutine is done

	sweepMu sync.Mutex // one sweep at a time in this process

	stopOnce sync.Once
	stopErr  error
}

// New returns the job system over d, with nothing registered and nothing
// started. The sweep's own worker is registered here.
func New(d *db.DB, cfg Config) (*System, error) {
	s := &System{db: d, cfg: cfg, clock: cfg.Clock, log: cfg.Log, workers: river.NewWorkers(), kinds: map[string]bool{}}
	if s.clock == nil {
		s.clock = clockwork.NewRealClock()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	switch d.Dialect {
	case dialect.Postgres:
		s.driver = riverdatabasesql.New(d.SQL)
	case dialect.SQLite:
		s.driver = riversqlite.New(d.SQL)
	default:
		return nil, fmt.Errorf("jobs: no River driver for %s", d.Dialect)
	}
	if cfg.Metrics != nil {
		s.metrics = newCollectors(d.SQL)
		if err := s.metrics.register(cfg.Metrics); err != nil {
			return nil, err
		}
	}
	AddWorker(s, &sweepWorker{s: s})
	return s, nil
}

// AddWorker registers w for its kind of job (T's Kind()). Call it while the
// server is assembled, before Start. It panics on a second worker for a
// kind, or after Start: both are programming errors found at start-up.
func AddWorker[T river.JobArgs](s *System, w river.Worker[T]) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		panic("jobs: AddWorker after Start")
	}
	var args T
	if s.kinds[args.Kind()] {
		panic("jobs: a second worker for kind " + args.Kind())
	}
	s.kinds[args.Kind()] = true
	river.AddWorker(s.workers, w)
}

// AddPeriodic registers a job River enqueues on a schedule, once across
// every server (the elected leader enqueues it). Prefer AddSweeper for work
// that is due at a time stored with the data; AddPeriodic suits work
// whose only trigger is the calendar. Its worker must be registered too.
func (s *System) AddPeriodic(job *river.PeriodicJob) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		panic("jobs: AddPeriodic after Start")
	}
	s.periodic = append(s.periodic, job)
}

// AddQueue adds a queue with workers of its own (beside the default
// queue's Config.Workers), for a kind of job that comes in bursts and
// should neither wait behind other jobs nor starve them: notify's sends
// (a campaign queues thousands at once). Jobs go to it through their
// InsertOpts.Queue. Call it before Start; it panics after Start, or for
// the default queue or a second time for a name.
func (s *System) AddQueue(name string, workers int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		panic("jobs: AddQueue after Start")
	}
	if name == river.QueueDefault || s.queues[name] != 0 {
		panic("jobs: AddQueue " + name + " twice")
	}
	if s.queues == nil {
		s.queues = map[string]int{}
	}
	s.queues[name] = max(workers, 1)
}

// Start migrates River's tables (River's own migrations, recorded in
// river_migration; on Postgres under an advisory lock so instances that
// start together take turns) and starts working jobs. Jobs enqueued
// before, by this server or any other, run from now on.
func (s *System) Start(ctx context.Context) error {
	if err := s.migrate(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("jobs: started twice")
	}
	client, err := river.NewClient(s.driver, s.riverConfig())
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if s.metrics != nil {
		events, cancel := client.SubscribeConfig(&river.SubscribeConfig{ChanSize: 10_000, Kinds: countedEvents})
		s.events, s.counted = cancel, make(chan struct{})
		go s.metrics.count(events, s.counted)
	}
	// Stop, not the caller's context, ends the client.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		if s.events != nil {
			s.events()
			<-s.counted
		}
		return fmt.Errorf("jobs: starting River: %w", err)
	}
	s.client, s.started = client, true
	return nil
}

// riverConfig is River's configuration for s.
func (s *System) riverConfig() *river.Config {
	c := s.cfg
	workers := c.Workers
	if workers <= 0 {
		workers = DefaultWorkers
	}
	poll := c.PollInterval
	if poll <= 0 {
		poll = DefaultPollInterval
	}
	backoff := c.Backoff
	if backoff == nil {
		backoff = DefaultBackoff
	}
	periodic := append([]*river.PeriodicJob(nil), s.periodic...)
	if c.SweepInterval >= 0 {
		periodic = append(periodic, sweepPeriodic(c.SweepInterval))
	}
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workers}}
	for name, n := range s.queues {
		queues[name] = river.QueueConfig{MaxWorkers: n}
	}
	rc := &river.Config{
		Queues:            queues,
		Workers:           s.workers,
		PeriodicJobs:      periodic,
		FetchPollInterval: poll,
		FetchCooldown:     min(poll, river.FetchCooldownDefault),
		SoftStopTimeout:   s.stopGrace(),
		RetryPolicy:       &retryPolicy{clock: s.clock, backoff: backoff},
		ErrorHandler:      &failureLog{log: s.log},
		Logger:            s.riverLog(),
		TestOnly:          c.QuickStart, // only turns the stagger off
		// A job is the server's own work, enqueued by server code: it
		// runs as the system (auth.WithSystem), past the privacy rules
		// that scope a viewer, like webhook ingestion after its
		// signature was checked.
		Middleware: []rivertype.Middleware{river.WorkerMiddlewareFunc(
			func(ctx context.Context, _ *rivertype.JobRow, work func(context.Context) error) error {
				return work(auth.WithSystem(ctx))
			})},
	}
	if _, fake := s.clock.(*clockwork.FakeClock); fake {
		rc.Test.Time = riverTime{s.clock}
	}
	return rc
}

// stopGrace is Config.StopGrace with its default, as River takes it.
func (s *System) stopGrace() time.Duration {
	switch g := s.cfg.StopGrace; {
	case g == 0:
		return DefaultStopGrace
	case g < 0:
		return time.Nanosecond // River takes 0 as "wait forever"
	default:
		return g
	}
}

// riverLog is the logger River gets: the server's, warnings and errors only.
func (s *System) riverLog() *slog.Logger { return slog.New(warnOnly{s.log.Handler()}) }

// Client is the River client, for what this package does not wrap: job
// lookups, cancelling, subscribing to events (tests wait on
// river.EventKindJobCompleted with it). Nil before Start.
func (s *System) Client() *river.Client[*sql.Tx] {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client
}

// Stop stops working jobs: no new job starts, running jobs get
// Config.StopGrace to finish, then their contexts are cancelled. A job
// stopped that way is put back as available without counting an attempt,
// and runs again on the next server that starts (or on another running
// one). A worker that ignores its context is waited for a few seconds more;
// its job stays running in the table until River's rescuer (on the leader,
// after RescueStuckJobsAfter, an hour) makes it retryable. Stop without
// Start does nothing; calls after the first return its result.
func (s *System) Stop() error {
	s.mu.Lock()
	client := s.client
	s.mu.Unlock()
	if client == nil {
		return nil
	}
	grace := s.stopGrace()
	ctx, cancel := context.WithTimeout(context.Background(), grace+stopBound)
	defer cancel()
	err := client.Stop(ctx)
	if s.events != nil {
		s.events()
		<-s.counted
	}
	if err != nil {
		return fmt.Errorf("jobs: stopping (a worker did not return when cancelled; River's rescuer will retry its job): %w", err)
	}
	return nil
}
