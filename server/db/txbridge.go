package db

import (
	"context"
	"database/sql"
	"errors"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/aftercart/aftercart/ent"
)

// The transaction bridge: code that writes to the database with another
// library than ent (River's job inserts, server/jobs) must write inside the
// ent transaction of the change that caused it, so that both commit or roll
// back together (the transactional outbox). ent's Tx keeps its *sql.Tx
// unexported, and has no hook to hand it out. So the driver under the ent
// client (txBridge) tells the *sql.Tx of each transaction it opens to a
// holder that WithTx puts in the context before it opens one, and SQLTx
// reads it back from the context WithTx passes to its function.

// txHolderKey is the context key of the *txHolder of the transaction WithTx
// is running.
type txHolderKey struct{}

// txHolder carries one WithTx transaction's handles: sql is set by the
// driver when it opens the transaction, ent by runTx once ent wrapped it.
type txHolder struct {
	sql *sql.Tx
	ent *ent.Tx
}

// txBridge is ent's SQL driver with transactions that report their *sql.Tx
// to the context's txHolder (see above). Everything else is the driver's.
type txBridge struct{ *entsql.Driver }

// Tx implements dialect.Driver.
func (d txBridge) Tx(ctx context.Context) (dialect.Tx, error) { return d.BeginTx(ctx, nil) }

// BeginTx opens a transaction as ent's driver does, and records its *sql.Tx
// in the context's holder if there is one.
func (d txBridge) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	tx, err := d.Driver.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	if h, ok := ctx.Value(txHolderKey{}).(*txHolder); ok {
		if t, ok := tx.(*entsql.Tx); ok {
			h.sql, _ = t.Tx.(*sql.Tx)
		}
	}
	return tx, nil
}

// ErrNoSQLTx is returned by SQLTx when tx is not the transaction that
// WithTx passed, with ctx, to the function it runs.
var ErrNoSQLTx = errors.New("db: no *sql.Tx for this transaction: " +
	"use the transaction and the context that WithTx passes to its function")

// SQLTx returns the *sql.Tx under tx, for a library that must write in the
// same transaction as ent (server/jobs inserts jobs with it). tx and ctx
// must be the ones WithTx passed to its function; anything else is
// ErrNoSQLTx, never another transaction. Statements run on the *sql.Tx
// commit or roll back with tx; they bypass ent (its hooks, privacy and
// statement counting).
func (db *DB) SQLTx(ctx context.Context, tx *ent.Tx) (*sql.Tx, error) {
	h, ok := ctx.Value(txHolderKey{}).(*txHolder)
	if !ok || tx == nil || h.ent != tx || h.sql == nil {
		return nil, ErrNoSQLTx
	}
	return h.sql, nil
}
