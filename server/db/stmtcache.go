package db

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/lib/pq"
)

// DefaultStatementCache is how many prepared statements each connection
// keeps (see the package documentation, "Prepared statements"). OrderStatus
// and the commands use a few dozen distinct statements; lists filtered by a
// set of ids use one per set size. 256 holds all of that with room, and
// costs Postgres a few MB per connection at most.
const DefaultStatementCache = 256

// StatementStats counts what the statement caches of one pool did, over all
// its connections.
type StatementStats struct {
	// Prepared is how many statements were prepared (once per statement
	// text per connection, plus after an eviction or a replan).
	Prepared int64
	// Hits is how many executions reused a prepared statement.
	Hits int64
	// Evicted is how many statements were closed to make room.
	Evicted int64
	// Replanned is how many statements were dropped because Postgres
	// refused their cached plan after a schema change.
	Replanned int64
}

// stmtCounters are StatementStats, updated concurrently by connections,
// and the pool's schema epoch.
type stmtCounters struct {
	prepared, hits, evicted, replanned atomic.Int64
	// epoch moves when the schema changed: a migration ran, or one
	// connection met a plan Postgres refused. Every connection drops its
	// statements when it sees it move, so that the others do not each
	// fail once (inside a transaction, that failure costs a retry).
	epoch atomic.Int64
}

func (c *stmtCounters) stats() StatementStats {
	return StatementStats{Prepared: c.prepared.Load(), Hits: c.hits.Load(), Evicted: c.evicted.Load(), Replanned: c.replanned.Load()}
}

// stmtCacheOptions say how a dialect's connections are cached.
type stmtCacheOptions struct {
	// size is the statements kept per connection; 0 turns caching off.
	size int
	// closeOnClose finalizes cached statements before the connection
	// closes. SQLite needs it (sqlite3_close_v2 leaves a connection with
	// unfinalized statements alive as a zombie); Postgres frees a session's
	// statements when it ends, and a Close message each would cost a round
	// trip.
	closeOnClose bool
	// oneResultAtATime is true when the protocol carries one result at a
	// time (Postgres): a statement sent while rows are open would be
	// interleaved with them on the wire. SQLite runs any number of
	// statements side by side.
	oneResultAtATime bool
}

// errResultInProgress is what a Postgres connection answers, as lib/pq
// does, to a statement sent while an earlier one's rows are still open.
var errResultInProgress = errors.New("db: there is already a query being processed on this connection")

// cachingConnector opens connections that keep their prepared statements.
type cachingConnector struct {
	driver.Connector
	opts     stmtCacheOptions
	counters *stmtCounters
}

// Connect implements driver.Connector.
func (c *cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil || c.opts.size <= 0 {
		return conn, err
	}
	cc := &cachingConn{Conn: conn, opts: c.opts, counters: c.counters, epoch: c.counters.epoch.Load()}
	cc.stmts, _ = simplelru.NewLRU(c.opts.size, func(_ string, st driver.Stmt) {
		c.counters.evicted.Add(1)
		// A failure means the connection is broken, which its next use
		// reports (and database/sql then discards it).
		_ = st.Close()
	})
	return cc, nil
}

// cachingConn is a driver connection that prepares each statement with
// arguments once, on first use, and executes the prepared statement after
// that. database/sql uses a connection from one goroutine at a time, so the
// cache needs no lock.
type cachingConn struct {
	driver.Conn
	opts     stmtCacheOptions
	counters *stmtCounters
	stmts    *simplelru.LRU[string, driver.Stmt]
	// inTx is set between BeginTx and the end of the transaction: a
	// statement whose plan Postgres refused cannot be retried inside it.
	inTx bool
	// openRows counts result sets not yet closed; statements sent
	// meanwhile bypass the cache (see query).
	openRows int
	// epoch is the pool's schema epoch the statements were prepared in.
	epoch int64
}

// Interfaces database/sql looks for on a connection: every one is forwarded
// (with database/sql's own behaviour when the driver lacks it).
var (
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.ExecerContext      = (*cachingConn)(nil)
	_ driver.QueryerContext     = (*cachingConn)(nil)
	_ driver.NamedValueChecker  = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
)

// QueryContext implements driver.QueryerContext.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 || c.openRows > 0 {
		// Statements without arguments (DDL, migration files of several
		// statements, BEGIN-like commands) go as they always did: lib/pq
		// sends them in one simple-protocol round trip. With rows open,
		// a cached statement could be the one still being read.
		if c.openRows > 0 && c.opts.oneResultAtATime {
			return nil, errResultInProgress
		}
		q, ok := c.Conn.(driver.QueryerContext)
		if !ok {
			return nil, driver.ErrSkip
		}
		rows, err := q.QueryContext(ctx, query, args)
		if err != nil {
			return nil, err
		}
		// Counted too: lib/pq's prepared statements do not check for
		// a result still being read, as its unprepared queries do.
		c.openRows++
		return wrapRows(rows, c), nil
	}
	for attempt := 0; ; attempt++ {
		st, err := c.prepared(ctx, query)
		if err != nil {
			return nil, err
		}
		rows, err := st.(driver.StmtQueryContext).QueryContext(ctx, args)
		if err != nil {
			if c.replan(query, err) && attempt == 0 {
				continue
			}
			return nil, err
		}
		c.openRows++
		return wrapRows(rows, c), nil
	}
}

// ExecContext implements driver.ExecerContext.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 || c.openRows > 0 {
		if c.openRows > 0 && c.opts.oneResultAtATime {
			return nil, errResultInProgress
		}
		e, ok := c.Conn.(driver.ExecerContext)
		if !ok {
			return nil, driver.ErrSkip
		}
		return e.ExecContext(ctx, query, args)
	}
	for attempt := 0; ; attempt++ {
		st, err := c.prepared(ctx, query)
		if err != nil {
			return nil, err
		}
		res, err := st.(driver.StmtExecContext).ExecContext(ctx, args)
		if err != nil && c.replan(query, err) && attempt == 0 {
			continue
		}
		return res, err
	}
}

// prepared returns the connection's statement for query, preparing it on
// first use. A statement that fails to prepare (a syntax error, a missing
// table) is not kept, and fails exactly as the unprepared one would have:
// lib/pq reports the same Parse error either way.
func (c *cachingConn) prepared(ctx context.Context, query string) (driver.Stmt, error) {
	if e := c.counters.epoch.Load(); e != c.epoch {
		c.stmts.Purge()
		c.epoch = e
	}
	if st, ok := c.stmts.Get(query); ok {
		c.counters.hits.Add(1)
		return st, nil
	}
	st, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	_, isQ := st.(driver.StmtQueryContext)
	_, isE := st.(driver.StmtExecContext)
	if !isQ || !isE {
		_ = st.Close()
		return nil, driver.ErrSkip // database/sql then prepares and closes as usual
	}
	c.counters.prepared.Add(1)
	c.stmts.Add(query, st)
	return st, nil
}

// replan drops query's statement when Postgres refused its cached plan
// because a schema change altered the statement's result columns (0A000
// "cached plan must not change result type"), and reports whether the
// statement may be retried: only outside a transaction, which the error
// has aborted. Postgres raises it while binding, before anything ran, so a
// retry runs the statement once. Inside a transaction the error goes to
// the caller; WithTx retries the whole transaction (see retryable).
func (c *cachingConn) replan(query string, err error) bool {
	if !isCachedPlanError(err) {
		return false
	}
	c.counters.replanned.Add(1)
	c.stmts.Remove(query) // closes it
	c.counters.epoch.Add(1)
	return !c.inTx
}

// isCachedPlanError reports whether err is Postgres refusing a prepared
// statement whose result columns a schema change altered.
func isCachedPlanError(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "0A000" && strings.Contains(pqErr.Message, "cached plan must not change result type")
}

// PrepareContext implements driver.ConnPrepareContext; statements prepared
// by callers belong to them and are not cached.
func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.Prepare(query)
}

// BeginTx implements driver.ConnBeginTx.
func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	var (
		tx  driver.Tx
		err error
	)
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		tx, err = b.BeginTx(ctx, opts)
	} else {
		tx, err = c.Conn.Begin() //nolint:staticcheck // the driver has nothing newer
	}
	if err != nil {
		return nil, err
	}
	c.inTx = true
	return &cachingTx{Tx: tx, conn: c}, nil
}

// Close implements driver.Conn.
func (c *cachingConn) Close() error {
	if c.opts.closeOnClose {
		c.stmts.Purge()
	}
	return c.Conn.Close()
}

// CheckNamedValue implements driver.NamedValueChecker. driver.ErrSkip
// makes database/sql convert the value itself, as it does for a driver
// without a checker.
func (c *cachingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// Ping implements driver.Pinger.
func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// ResetSession implements driver.SessionResetter.
func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// IsValid implements driver.Validator.
func (c *cachingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// cachingTx notes the end of the connection's transaction.
type cachingTx struct {
	driver.Tx
	conn *cachingConn
}

// Commit implements driver.Tx.
func (t *cachingTx) Commit() error { t.conn.inTx = false; return t.Tx.Commit() }

// Rollback implements driver.Tx.
func (t *cachingTx) Rollback() error { t.conn.inTx = false; return t.Tx.Rollback() }
