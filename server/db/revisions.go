package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/schema"
)

// RevisionsTable is where applied migrations are recorded, in the database's
// current schema (public, unless the URL sets a search_path).
const RevisionsTable = "atlas_schema_revisions"

// revisionsDDL has the columns and types of the Atlas CLI's own revisions
// table (its ent schema, on Postgres), so `atlas migrate status
// --revisions-schema public` could read it if an operator ever brings the CLI.
const revisionsDDL = `CREATE TABLE IF NOT EXISTS ` + RevisionsTable + ` (
	version character varying NOT NULL PRIMARY KEY,
	description character varying NOT NULL,
	type bigint NOT NULL DEFAULT 2,
	applied bigint NOT NULL DEFAULT 0,
	total bigint NOT NULL DEFAULT 0,
	executed_at timestamptz NOT NULL,
	execution_time bigint NOT NULL,
	error text NULL,
	error_stmt text NULL,
	hash character varying NOT NULL,
	partial_hashes jsonb NULL,
	operator_version character varying NOT NULL
)`

const revisionColumns = `version, description, type, applied, total, executed_at, execution_time, error, error_stmt, hash, partial_hashes, operator_version`

// revisions is the migrate.RevisionReadWriter Atlas's executor records
// applied migrations through. Atlas ships one only inside its CLI
// (ariga.io/atlas/cmd/atlas/internal/migrate, an internal package of another
// module), and ent ships none, so this small one writes the same table.
//
// It works on whatever it is given, a *sql.Tx in practice, so a migration
// file and its revision row commit or roll back together. It creates the
// table on first write rather than up front: a database the migrator refuses
// to touch is left exactly as it was found.
type revisions struct {
	q       schema.ExecQuerier
	created bool
}

var _ migrate.RevisionReadWriter = (*revisions)(nil)

// Ident names the table in the current schema: the executor leaves it out
// when it checks that a database is clean.
func (r *revisions) Ident() *migrate.TableIdent {
	return &migrate.TableIdent{Name: RevisionsTable}
}

// exists reports whether the revisions table is there yet.
func (r *revisions) exists(ctx context.Context) (bool, error) {
	if r.created {
		return true, nil
	}
	var found bool
	if err := queryRow(ctx, r.q, `SELECT to_regclass($1) IS NOT NULL`, []any{RevisionsTable}, &found); err != nil {
		return false, fmt.Errorf("looking for %s: %w", RevisionsTable, err)
	}
	r.created = found
	return found, nil
}

// ReadRevisions returns every recorded revision, oldest version first; none
// when the table does not exist yet.
func (r *revisions) ReadRevisions(ctx context.Context) ([]*migrate.Revision, error) {
	if ok, err := r.exists(ctx); err != nil || !ok {
		return nil, err
	}
	rows, err := r.q.QueryContext(ctx, `SELECT `+revisionColumns+` FROM `+RevisionsTable+` ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var revs []*migrate.Revision
	for rows.Next() {
		rev, err := scanRevision(rows)
		if err != nil {
			return nil, err
		}
		revs = append(revs, rev)
	}
	return revs, rows.Err()
}

// ReadRevision returns one revision, or migrate.ErrRevisionNotExist.
func (r *revisions) ReadRevision(ctx context.Context, version string) (*migrate.Revision, error) {
	if ok, err := r.exists(ctx); err != nil {
		return nil, err
	} else if !ok {
		return nil, migrate.ErrRevisionNotExist
	}
	rows, err := r.q.QueryContext(ctx, `SELECT `+revisionColumns+` FROM `+RevisionsTable+` WHERE version = $1`, version)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, migrate.ErrRevisionNotExist
	}
	return scanRevision(rows)
}

// WriteRevision inserts or replaces the revision: the executor writes a
// file's row when it starts, after each statement and at the end.
func (r *revisions) WriteRevision(ctx context.Context, rev *migrate.Revision) error {
	if !r.created {
		if _, err := r.q.ExecContext(ctx, revisionsDDL); err != nil {
			return fmt.Errorf("creating %s: %w", RevisionsTable, err)
		}
		r.created = true
	}
	var partial any // NULL, as the Atlas CLI leaves it, once a file is done
	if len(rev.PartialHashes) > 0 {
		b, err := json.Marshal(rev.PartialHashes)
		if err != nil {
			return err
		}
		partial = string(b)
	}
	_, err := r.q.ExecContext(ctx, `INSERT INTO `+RevisionsTable+` (`+revisionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (version) DO UPDATE SET
			description = EXCLUDED.description, type = EXCLUDED.type, applied = EXCLUDED.applied,
			total = EXCLUDED.total, executed_at = EXCLUDED.executed_at, execution_time = EXCLUDED.execution_time,
			error = EXCLUDED.error, error_stmt = EXCLUDED.error_stmt, hash = EXCLUDED.hash,
			partial_hashes = EXCLUDED.partial_hashes, operator_version = EXCLUDED.operator_version`,
		rev.Version, rev.Description, int64(rev.Type), rev.Applied, rev.Total, rev.ExecutedAt,
		int64(rev.ExecutionTime), nullString(rev.Error), nullString(rev.ErrorStmt), rev.Hash, partial, rev.OperatorVersion)
	return err
}

// DeleteRevision removes a revision (Atlas calls it when a baseline is
// replaced; aftercart never does).
func (r *revisions) DeleteRevision(ctx context.Context, version string) error {
	if ok, err := r.exists(ctx); err != nil || !ok {
		return err
	}
	_, err := r.q.ExecContext(ctx, `DELETE FROM `+RevisionsTable+` WHERE version = $1`, version)
	return err
}

func scanRevision(rows *sql.Rows) (*migrate.Revision, error) {
	var (
		rev              migrate.Revision
		typ, execTime    int64
		errText, errStmt sql.NullString
		partial          []byte
		applied, total   int64
	)
	if err := rows.Scan(&rev.Version, &rev.Description, &typ, &applied, &total, &rev.ExecutedAt,
		&execTime, &errText, &errStmt, &rev.Hash, &partial, &rev.OperatorVersion); err != nil {
		return nil, err
	}
	rev.Type = migrate.RevisionType(typ)
	rev.Applied, rev.Total = int(applied), int(total)
	rev.ExecutionTime = time.Duration(execTime)
	rev.Error, rev.ErrorStmt = errText.String, errStmt.String
	if len(partial) > 0 {
		if err := json.Unmarshal(partial, &rev.PartialHashes); err != nil {
			return nil, fmt.Errorf("revision %s: partial_hashes: %w", rev.Version, err)
		}
	}
	return &rev, nil
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// queryRow scans one row of query into dest, on an ExecQuerier (which, unlike
// *sql.Tx, has no QueryRowContext).
func queryRow(ctx context.Context, q schema.ExecQuerier, query string, args []any, dest ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return errors.New("no rows")
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}
