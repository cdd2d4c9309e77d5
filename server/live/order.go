package live

import (
	"context"
	"database/sql"

	"entgo.io/ent/dialect"
)

// Execer runs a statement in a transaction: *ent.Tx (ent's execquery
// feature) and *sql.Tx both are one.
type Execer interface {
	// ExecContext runs query in the transaction.
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// topicLockClass is the first key of LockTopic's advisory locks. The
// two-key space is apart from the one-key space that the migration lock
// (server/db) uses, and the class keeps them apart from any other
// two-key lock.
const topicLockClass = 0x6c697665 // "live"

// LockTopic makes the writers of topic take turns until tx ends, so that the
// change-log rows they insert after it get positions in commit order (see
// "The commit-order contract" in the package documentation). Call it in
// the writing transaction before inserting the change row: a position
// handed out before the lock is held can still commit after a higher one.
//
// On Postgres it takes a transaction-scoped advisory lock on the topic's
// hash, released by commit or rollback. Two topics whose hashes collide
// only take turns with each other; nothing is wrong, just less parallel.
// A transaction that writes several topics should lock them in one order
// (sorted) so that two such writers cannot deadlock; if they do, Postgres
// aborts one and db.WithTx runs it again. On SQLite (dialectName
// dialect.SQLite) it does nothing: every write transaction begins
// IMMEDIATE (server/db), so writers already take turns on the whole
// database.
//
// A feed whose writers all lock one parent row already (the shipments of
// an order: tracking locks the order row) needs no LockTopic; a feed whose
// rows have no such parent, or whose writers do not all lock it, uses it.
func LockTopic(ctx context.Context, tx Execer, dialectName, topic string) error {
	if dialectName != dialect.Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", topicLockClass, topic)
	return err
}
