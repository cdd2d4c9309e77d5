// Package db opens aftercart's database — the embedded SQLite file by default,
// PostgreSQL when a postgres:// URL is configured — migrates its schema and
// runs transactions with the locking each dialect needs.
//
// Migrations differ by dialect, on purpose. The embedded SQLite file serves
// one process and is migrated on open by ent's automatic migration. PostgreSQL
// is what production runs, where a schema change must be reviewed, repeatable
// and recorded: it is migrated with the versioned files in migrations/
// (Atlas format, checked against atlas.sum), applied in order at start under
// an advisory lock, each file in one transaction, each applied file recorded
// in atlas_schema_revisions. The files are written by
// `go run ./server/db/newmigration <name>` from the ent schema, and a test
// fails when they stop building exactly that schema.
//
// A Postgres database created before versioned migrations (by ent's automatic
// migration, up to 66d848c) has tables but no revisions. It is adopted only
// if its schema is exactly what the first migration file (BaselineVersion)
// builds: then that file is recorded as a baseline, not run, and later files
// apply as usual. Anything else is refused with the differences, because
// running the files over an unknown schema could fail half-way or, worse,
// succeed on top of a schema the code does not expect.
//
// # Prepared statements
//
// lib/pq sends a statement with arguments as an unnamed statement: Postgres
// parses and plans it again on every execution, which was a third of its
// time on the order status screen, and lib/pq waits for the Parse before it
// sends the Bind (two round trips). modernc's SQLite compiles every
// statement again too. So every connection of the pool keeps the
// statements it ran in an LRU of DefaultStatementCache (stmtcache.go): the
// first execution of a statement text on a connection prepares it, the
// following ones only bind and execute it (one round trip; after five
// executions Postgres keeps a generic plan when it is no worse than the
// custom ones, and stops planning).
//
// The cache sits beneath database/sql, in the driver connection, rather
// than in database/sql's Stmt: a connection is used by one goroutine at a
// time, so the cache needs no lock, and it lives and dies with its
// connection: a connection that breaks is discarded by database/sql with
// its statements, and a new one starts empty. database/sql's Stmt would
// prepare per connection too, but through a statement shared by every
// connection (a mutex and a scan of its connections per execution) and
// with no bound on how many statements it keeps.
//
// What is cached: statements with arguments, that is ent's. Statements
// without arguments (DDL, migration files of several statements) go as
// before, in lib/pq's simple protocol. Transactions use their connection's
// statements; Postgres does not undo a prepared statement on rollback.
// A schema change makes Postgres re-plan a prepared statement by itself,
// except when the statement's result columns change type: then it answers
// 0A000 "cached plan must not change result type" before running anything;
// the statement is dropped and, outside a transaction, prepared again and
// run once more; inside one, which the error aborted, WithTx runs the
// transaction again. Either way every connection of the pool drops its
// statements before its next one (and after Migrate applied a file), so
// the pool meets the error once, not once per connection. Migrations add columns (ent selects columns by name),
// so in practice this happens only after a column changes type.
//
// Two things change with prepared statements, both by lib/pq's design:
// a query cancelled through its context is cancelled on the server, and
// the connection stays in the pool instead of being closed; and Postgres
// may keep a generic plan for a statement whose best plan depends on its
// arguments. Behind PgBouncer in transaction pooling mode (before 1.21,
// which tracks prepared statements), turn the cache off with
// -db-statement-cache 0.
//
// # The pool
//
// Pool and DefaultPool size database/sql's pool from GOMAXPROCS, and keep
// as many idle connections as open ones, so that a burst of load does not
// close and reopen connections (each new Postgres session also starts with
// no prepared statements).
package db
