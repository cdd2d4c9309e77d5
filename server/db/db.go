package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"
	"modernc.org/sqlite"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/migrate"
	_ "github.com/aftercart/aftercart/ent/runtime" // registers hooks and privacy policies
	"github.com/aftercart/aftercart/server/errs"
)

// Config says which database to open.
type Config struct {
	// URL selects PostgreSQL when it starts with postgres:// or postgresql://.
	// Empty selects the embedded SQLite file in DataDir.
	URL string
	// DataDir holds the SQLite file (aftercart.db).
	DataDir string
	// OnStatement, if set, is called once for every SQL statement ent sends
	// (not for BEGIN/COMMIT), with ent's description of it ("driver.Query:
	// query=... args=..."). Tests count statements with it; it must be cheap
	// and safe for concurrent use.
	OnStatement func(ctx context.Context, statement string)
	// Log receives what Migrate did; nil discards it.
	Log *slog.Logger
	// Pool sizes the connection pool; zero fields take
	// DefaultPool(GOMAXPROCS)'s values.
	Pool Pool
	// StatementCache is how many prepared statements each connection
	// keeps (see the package documentation); zero means
	// DefaultStatementCache, negative turns the cache off.
	StatementCache int
}

// DB is an open database: the ent client plus what the services need to know
// about the dialect under it.
type DB struct {
	// Client is the ent client (privacy policies apply to it).
	*ent.Client
	// Dialect is dialect.SQLite or dialect.Postgres.
	Dialect string
	// SQL is the underlying pool, for health checks and LISTEN/NOTIFY.
	SQL *sql.DB
	// URL is the Postgres URL, empty for SQLite.
	URL string
	// Pool is the pool's configuration, defaults filled in.
	Pool Pool

	log        *slog.Logger
	statements *stmtCounters
}

// Statements reports what the connections' statement caches did.
func (db *DB) Statements() StatementStats { return db.statements.stats() }

// Open opens (and creates, for SQLite) the configured database. It does not
// migrate: call Migrate.
func Open(cfg Config) (*DB, error) {
	var (
		connector driver.Connector
		name      string
		err       error
		cache     = stmtCacheOptions{size: cfg.StatementCache}
	)
	if cache.size == 0 {
		cache.size = DefaultStatementCache
	}
	switch {
	case strings.HasPrefix(cfg.URL, "postgres://"), strings.HasPrefix(cfg.URL, "postgresql://"):
		name = dialect.Postgres
		connector, err = postgresConnector(cfg.URL) // connection errors carry SSLHint (sslhint.go)
		if err != nil {
			return nil, fmt.Errorf("db: opening postgres: %w", err)
		}
		cache.oneResultAtATime = true
	case cfg.URL == "":
		name = dialect.SQLite
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("db: creating data dir: %w", err)
		}
		connector, err = sqlite.NewConnector(SQLiteDSN(filepath.Join(cfg.DataDir, "aftercart.db")))
		if err != nil {
			return nil, fmt.Errorf("db: opening sqlite: %w", err)
		}
		cache.closeOnClose = true
	default:
		return nil, fmt.Errorf("db: unsupported DATABASE_URL scheme in %q (want postgres://...)", redact(cfg.URL))
	}
	counters := &stmtCounters{}
	sqlDB := sql.OpenDB(&cachingConnector{Connector: connector, opts: cache, counters: counters})
	pool := cfg.Pool.withDefaults(DefaultPool(runtime.GOMAXPROCS(0)))
	pool.apply(sqlDB)
	// txBridge lets SQLTx find a WithTx transaction's *sql.Tx (txbridge.go).
	var drv dialect.Driver = txBridge{entsql.OpenDB(name, sqlDB)}
	if cfg.OnStatement != nil {
		drv = dialect.DebugWithContext(drv, func(ctx context.Context, args ...any) {
			if len(args) > 0 {
				if s, ok := args[0].(string); ok && strings.Contains(s, "query=") {
					cfg.OnStatement(ctx, s)
				}
			}
		})
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &DB{Client: ent.NewClient(ent.Driver(drv)), Dialect: name, SQL: sqlDB, URL: cfg.URL, Pool: pool, log: log, statements: counters}, nil
}

// SQLiteDSN is the modernc.org/sqlite DSN for the file at path. Foreign keys
// must be on for ent's migration; WAL lets readers run beside the writer; the
// busy timeout makes writers wait for each other instead of failing; and
// immediate transactions take the write lock at BEGIN, so a transaction that
// reads then writes never fails on lock upgrade. That serializes writers,
// which is what the row locks do on Postgres.
//
// Times are written in UTC ("2026-11-02 13:00:00.25 +0000 UTC"): SQLite
// has no time type, so a time column is text that WHERE and ORDER BY compare
// as text, which orders times only when they share one zone. Without
// _timezone the driver wrote each time in its own zone, with the monotonic
// clock's " m=+…" suffix, so on a machine whose local zone is not UTC an
// event recorded at 05:00 -0800 sorted before one at 12:00 UTC (see
// sqlitetime.go for the files written that way). The layout stays the
// driver's default, time.Time.String, which it reads back at its first
// attempt (its other layouts cost a failed parse per value read), and
// which orders as text within one zone: a whole second's " +0000" sorts
// before its fractions' ".5 +0000".
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate&_timezone=UTC"
}

// migrationLockKey is the Postgres advisory lock that serializes migrations
// when several instances start at once.
const migrationLockKey = 0x61667465 // "afte"

// autoMigrateMu serializes ent's automatic migrations (see Migrate).
var autoMigrateMu sync.Mutex

// Migrate brings the schema up to date: on PostgreSQL by applying the pending
// versioned migrations (see ApplyMigrations and the package documentation),
// on the embedded SQLite file with ent's automatic migration, which only adds
// tables, columns and indexes and suits a single process that upgrades in
// place. It logs one line saying what it did.
func (db *DB) Migrate(ctx context.Context) error {
	if db.Dialect != dialect.Postgres {
		// ent's migration writes to the generated package's table
		// variables: two databases migrating at once in one process
		// (parallel tests) crash with concurrent map writes.
		autoMigrateMu.Lock()
		defer autoMigrateMu.Unlock()
		if err := db.Schema.Create(ctx, migrate.WithForeignKeys(true)); err != nil {
			return fmt.Errorf("db: migrating: %w", err)
		}
		return db.normalizeSQLiteTimes(ctx)
	}
	res, err := db.ApplyMigrations(ctx, nil)
	if res.Baselined || len(res.Applied) > 0 {
		// Statements prepared before the schema changed are dropped.
		db.statements.epoch.Add(1)
	}
	if err != nil {
		return err
	}
	switch {
	case res.Baselined || len(res.Applied) > 0:
		db.log.Info("database migrated", "version", res.Version, "applied", res.Applied, "baselined", res.Baselined)
	default:
		db.log.Info("database schema up to date", "version", res.Version)
	}
	return nil
}

// Ping checks the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error { return db.SQL.PingContext(ctx) }

// Close closes the client and the pool.
func (db *DB) Close() error { return db.Client.Close() }

// WithTx runs fn in a transaction and commits it, or rolls back if fn fails.
// A transaction that fails on a transient conflict (a Postgres serialization
// failure or deadlock, or a unique violation from a concurrent insert of the
// same natural key) is retried a few times: fn must be safe to re-run, which
// domain commands are because they look up before they insert.
func (db *DB) WithTx(ctx context.Context, fn func(ctx context.Context, tx *ent.Tx) error) error {
	const attempts = 4
	var err error
	for i := 0; i < attempts; i++ {
		err = db.runTx(ctx, fn)
		if err == nil || !retryable(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(i+1) * 5 * time.Millisecond)
	}
	return Classify(err)
}

func (db *DB) runTx(ctx context.Context, fn func(ctx context.Context, tx *ent.Tx) error) (err error) {
	h := &txHolder{} // filled by txBridge, read by SQLTx
	ctx = context.WithValue(ctx, txHolderKey{}, h)
	tx, err := db.Tx(ctx)
	if err != nil {
		return err
	}
	h.ent = tx
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(ent.NewTxContext(ctx, tx), tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return err
	}
	return tx.Commit()
}

// LockForUpdate reports whether SELECT ... FOR UPDATE is needed and
// supported: on Postgres it is; SQLite's immediate transactions already hold
// the database's only write lock (and SQLite rejects the clause).
func (db *DB) LockForUpdate() bool { return db.Dialect == dialect.Postgres }

func retryable(err error) bool {
	if ent.IsConstraintError(err) || isCachedPlanError(err) {
		// A cached plan refused inside the transaction: its statement is
		// dropped (see cachingConn.replan), so the next attempt prepares
		// it afresh.
		return true
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return true
		}
	}
	return false
}

// Classify turns database failures a client can act on into *errs.Error:
// an unreachable database becomes UNAVAILABLE (so webhook senders retry).
// Other errors pass through unchanged.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errs.As(err); ok {
		return err
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && (strings.HasPrefix(string(pqErr.Code), "08") || pqErr.Code == "57P01" || pqErr.Code == "57P03") {
		return &errs.Error{Code: errs.Unavailable, Message: "database unavailable, retry later"}
	}
	msg := err.Error()
	for _, s := range []string{"connection refused", "bad connection", "driver: bad connection", "database is closed", "broken pipe", "i/o timeout", "no such host"} {
		if strings.Contains(msg, s) {
			return &errs.Error{Code: errs.Unavailable, Message: "database unavailable, retry later"}
		}
	}
	return err
}

// redact hides a password in a URL for error messages.
func redact(u string) string {
	if at := strings.Index(u, "@"); at > 0 {
		if colon := strings.Index(u, "://"); colon > 0 && colon < at {
			return u[:colon+3] + "…" + u[at:]
		}
	}
	return u
}
