// Package jobs is aftercart's one durable job system: work that must happen
// after a request (send this message, pay this referral) or at a time
// (points become available when a return window closes, a reminder is due,
// a code expires). Every concept uses it the same way; no concept runs its
// own timer loop.
//
// # Why River
//
// River (github.com/riverqueue/river) keeps jobs in the application's own
// database, in tables of its own (river_job, ...), so a job can be inserted
// in the same transaction as the change that caused it; it locks jobs with
// SELECT ... FOR UPDATE SKIP LOCKED, so several servers on one Postgres run
// each job once; it retries failures with backoff, keeps what failed its
// last attempt (discarded) for inspection, turns a worker's panic into a
// failed attempt, and has drivers for both of our databases: riverdatabasesql
// over the lib/pq pool on Postgres, riversqlite over the modernc pool on the
// embedded SQLite file. Writing our own would mean re-deriving all of that.
//
// Neither driver has LISTEN (riverdatabasesql would need a pgx pool beside
// lib/pq; SQLite has none): servers poll for new jobs every PollInterval
// (1 s by default), so a job starts at most that long after its
// transaction commits.
//
// SQLite serves one process: River on it works jobs in that process only,
// with the file's single writer serializing River's writes with ours (the
// busy timeout and immediate transactions of db.SQLiteDSN make them wait,
// not fail). Several servers share jobs only on Postgres.
//
// # Using it
//
// A concept, while the server is assembled (server/app's Run, before
// Start), hands its workers to the System with AddWorker (a River worker:
// river.WorkerDefaults plus Work), its time-based work with AddSweeper, and
// calendar-only jobs with AddPeriodic; no concept imports server/app. In a
// transaction, it calls Enqueue with the ent transaction of db.WithTx: the
// job commits or rolls back with it. Start migrates River's tables with
// River's migrator (recorded in river_migration, outside ent's versioned
// migrations; db.Drift ignores them) and starts working; Stop lets running
// jobs finish for StopGrace, then cancels them: River puts a cancelled job
// back, and the next server to start runs it (nothing is lost; a worker
// must therefore be safe to run again, as with any retry).
//
// # The transaction bridge
//
// River inserts with a *sql.Tx; ent's Tx keeps its own unexported. The
// driver under the ent client (server/db, txbridge.go) records the *sql.Tx
// of each transaction db.WithTx opens in a holder in the context it passes
// on, and db.SQLTx reads it back after checking it belongs to that very
// ent transaction. Enqueue is therefore only possible inside db.WithTx,
// which is where every write happens already.
//
// # Time: sweeps, not scheduled jobs
//
// River can schedule a job for later, but moves scheduled jobs to the queue
// from a maintenance loop that runs every 5 s of real time (not
// configurable), whatever the clock says; a test that moves a fake clock
// would wait seconds at each step, and a due date kept only in the job
// table cannot be queried or changed by the concept. So time-based work
// keeps its due date in the concept's own rows (points' available_at, a
// reminder's due time, a code's expires_at) and registers a Sweeper. A
// periodic sweep job (every SweepInterval, one minute by default, enqueued
// once across every server by River's elected leader, and once at start)
// calls every sweeper with the clock's now; a sweeper handles everything
// due and is idempotent. Tests move the fake clock and call Sweep, which
// runs the sweepers at once and returns when they are done. What must run
// as soon as possible (send this message) is a plain job.
//
// One clock: Config.Clock is the server's (app.Config.Clock). Sweeps read
// it, retries are scheduled on it (DefaultBackoff, not River's, which
// reads the wall clock), and with a fake clock River itself reads it for
// the times it writes and compares, so a retry waits until the test moves
// the clock past it (a backoff longer than River's 5 s loop also waits for
// that loop, so tests use short backoffs).
//
// # Operations
//
// Each failed attempt logs one WARN line "job failed" with the kind, id,
// attempt, max_attempts, outcome (retrying or discarded) and error, never
// the job's arguments. Metrics: aftercart_jobs_attempts_total{kind,outcome}
// counts finished attempts on this server, aftercart_jobs_queued{state}
// the jobs in the table by state. Discarded jobs stay in river_job for a
// week (River's retention) with every attempt's error; README "Jobs" shows
// how to list and retry them.
package jobs
