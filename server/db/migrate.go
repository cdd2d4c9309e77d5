package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	"entgo.io/ent/dialect"
)

// migrationFiles are the committed Postgres migrations, compiled into the
// binary so a deployment cannot run code against another release's files.
//
//go:embed migrations/*.sql migrations/atlas.sum
var migrationFiles embed.FS

// MigrationsDir is where the migration files live in the repository, for
// messages that tell a developer what to run or commit.
const MigrationsDir = "server/db/migrations"

// NewMigrationCommand writes the next migration file from the ent schema.
const NewMigrationCommand = "go run ./server/db/newmigration <name>"

// BaselineVersion is the version of the first migration file. It builds the
// schema that ent's automatic migration created up to 66d848c, the last
// release without versioned migrations, so a database of that release is
// recorded as being at this version rather than migrated from scratch.
const BaselineVersion = "20261129092817"

// operatorVersion is written into every revision row, so a reader of the
// table knows which tool applied it.
const operatorVersion = "aftercart server (ariga.io/atlas executor)"

// Migrations returns the embedded migration directory.
func Migrations() (migrate.Dir, error) {
	dir := &migrate.MemDir{}
	dir.SetPath(MigrationsDir)
	err := fs.WalkDir(migrationFiles, "migrations", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrationFiles.ReadFile(p)
		if err != nil {
			return err
		}
		return dir.WriteFile(path.Base(p), b)
	})
	if err != nil {
		return nil, fmt.Errorf("db: reading embedded migrations: %w", err)
	}
	return dir, nil
}

// MigrationResult says what ApplyMigrations did.
type MigrationResult struct {
	// Baselined is true when a database from before versioned migrations
	// was recorded as being at BaselineVersion.
	Baselined bool
	// Applied names the files applied, in order.
	Applied []string
	// Version is the last recorded revision afterwards.
	Version string
}

// ApplyMigrations brings a Postgres database up to the last file of dir (nil
// means the embedded migrations). It holds the migration advisory lock
// throughout, so instances starting together take turns and the later ones
// find nothing to do. Each file runs in its own transaction together with its
// revision row: a file that fails leaves no trace and is retried, from its
// first statement, on the next start.
func (db *DB) ApplyMigrations(ctx context.Context, dir migrate.Dir) (res MigrationResult, err error) {
	if db.Dialect != dialect.Postgres {
		return res, errors.New("db: versioned migrations are for PostgreSQL; the embedded SQLite database migrates automatically")
	}
	if dir == nil {
		if dir, err = Migrations(); err != nil {
			return res, err
		}
	}
	// Checked before anything else (the executor checks again per file) so
	// that a directory edited after it was hashed is refused with a message
	// a person can act on, and before any instance touches the database.
	if err := migrate.Validate(dir); err != nil {
		return res, checksumError(dir, err)
	}
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("db: migration lock: %w", err)
	}
	defer conn.Close()
	unlock, err := advisoryLock(ctx, conn)
	if err != nil {
		return res, err
	}
	defer unlock()
	for first := true; ; first = false {
		done, err := applyNext(ctx, conn, dir, first, &res)
		if err != nil || done {
			return res, err
		}
	}
}

// advisoryLock takes the session-level migration lock on conn.
func advisoryLock(ctx context.Context, conn *sql.Conn) (unlock func(), err error) {
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return nil, fmt.Errorf("db: migration lock: %w", err)
	}
	return func() {
		//nolint:errcheck // released with the session anyway
		conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	}, nil
}

// applyNext applies the next pending file of dir in one transaction and
// reports done when nothing was pending. The first call also decides how to
// start on a database without revisions (empty: from the first file; from
// before versioned migrations: baseline, or refuse).
func applyNext(ctx context.Context, conn *sql.Conn, dir migrate.Dir, first bool, res *MigrationResult) (done bool, err error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("db: migrating: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	drv, err := postgres.Open(tx)
	if err != nil {
		return false, fmt.Errorf("db: migrating: %w", err)
	}
	rrw := &revisions{q: tx}
	opts := []migrate.ExecutorOption{migrate.WithOperatorVersion(operatorVersion)}
	if first {
		revs, err := rrw.ReadRevisions(ctx)
		if err != nil {
			return false, fmt.Errorf("db: reading %s: %w", RevisionsTable, err)
		}
		if len(revs) == 0 {
			empty, err := adoptUnversioned(ctx, tx, drv, dir)
			if err != nil {
				return false, err
			}
			if empty {
				// Our own check (above) looked at the schema we migrate.
				// Atlas's would look at the whole database and call it dirty
				// for any other schema in it (an extension's, say).
				opts = append(opts, migrate.WithAllowDirty(true))
			} else {
				opts = append(opts, migrate.WithBaselineVersion(BaselineVersion))
				res.Baselined = true
			}
		}
	}
	ex, err := migrate.NewExecutor(drv, dir, rrw, opts...)
	if err != nil {
		return false, fmt.Errorf("db: migrating: %w", err)
	}
	pending, err := ex.Pending(ctx)
	switch {
	case errors.Is(err, migrate.ErrNoPendingFiles):
		revs, err := rrw.ReadRevisions(ctx)
		if err != nil {
			return false, fmt.Errorf("db: reading %s: %w", RevisionsTable, err)
		}
		if len(revs) > 0 {
			res.Version = revs[len(revs)-1].Version
		}
		return true, tx.Commit() // the baseline row, if one was written
	case err != nil:
		return false, pendingError(dir, err)
	}
	file := pending[0]
	if err := ex.Execute(ctx, file); err != nil {
		return false, executeError(file, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("db: committing migration %s: %w", file.Name(), err)
	}
	res.Applied = append(res.Applied, file.Name())
	res.Version = file.Version()
	return false, nil
}

func checksumError(dir migrate.Dir, err error) error {
	where := MigrationsDir
	if p, ok := dir.(interface{ Path() string }); ok && p.Path() != "" {
		where = p.Path()
	}
	var ce *migrate.ChecksumError
	switch {
	case errors.As(err, &ce):
		return fmt.Errorf("db: migration directory %s does not match its atlas.sum (%w: %s %s): "+
			"a migration file was changed after it was hashed, or a file was added or removed by hand. "+
			"Never edit a migration that may have been applied anywhere; write a new one with `%s`. "+
			"If the edit is deliberate and nothing has applied the file yet, rehash with `go run ./server/db/newmigration -hash`",
			where, err, ce.File, ce.Reason, NewMigrationCommand)
	case errors.Is(err, migrate.ErrChecksumNotFound):
		return fmt.Errorf("db: migration directory %s has no atlas.sum (%w): rehash with `go run ./server/db/newmigration -hash`", where, err)
	default:
		return fmt.Errorf("db: migration directory %s: %w", where, err)
	}
}

func pendingError(dir migrate.Dir, err error) error {
	var nonLinear *migrate.HistoryNonLinearError
	switch {
	case errors.As(err, &nonLinear):
		return fmt.Errorf("db: %w: the database already has later revisions; give the new file a version after the last applied one (rename it and rehash)", err)
	case errors.Is(err, migrate.ErrChecksumMismatch):
		return checksumError(dir, err)
	default:
		return fmt.Errorf("db: migrating: %w", err)
	}
}

func executeError(file migrate.File, err error) error {
	var stmtErr *migrate.StmtExecError
	if errors.As(err, &stmtErr) {
		stmt := strings.TrimSpace(stmtErr.Stmt.Text)
		if len(stmt) > 200 {
			stmt = stmt[:200] + "…"
		}
		return fmt.Errorf("db: migration %s failed, and was rolled back (nothing of it applied): %w; statement: %s",
			file.Name(), stmtErr.Err, stmt)
	}
	return fmt.Errorf("db: migration %s failed, and was rolled back: %w", file.Name(), err)
}
