package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/schema"
)

// ErrUnknownSchema is returned (wrapped, with the differences) when a Postgres
// database has tables but no migration history, and its schema is not the
// one BaselineVersion builds: aftercart will not guess how to migrate it.
var ErrUnknownSchema = errors.New("database schema is not aftercart's baseline")

// scratchSchema is where the baseline file is replayed to see what it
// builds. It exists only inside a savepoint that is always rolled back.
const scratchSchema = "aftercart_baseline_check"

// adoptUnversioned decides how to start on a database that has no revisions:
// empty when the current schema has no tables (run every file), nil error when
// its schema is exactly the baseline's (record the baseline, run the rest),
// and ErrUnknownSchema otherwise.
//
// "Exactly the baseline's" is decided by building the baseline here, in a
// scratch schema of the same database, and letting Atlas diff the two
// inspections: both sides are read the same way from the same server, so no
// normalization differences can hide or invent a change. Comparing with the
// ent schema instead would be wrong once the ent schema moves past the
// baseline; comparing with a stored description would need a second artifact
// to keep in step with the baseline file.
func adoptUnversioned(ctx context.Context, tx *sql.Tx, drv migrate.Driver, dir migrate.Dir) (empty bool, err error) {
	live, err := drv.InspectSchema(ctx, "", nil)
	if err != nil {
		return false, fmt.Errorf("db: inspecting the database: %w", err)
	}
	live.Tables = slices.DeleteFunc(live.Tables, func(t *schema.Table) bool { return t.Name == RevisionsTable })
	if len(live.Tables) == 0 && len(live.Views) == 0 {
		return true, nil
	}
	baseline, err := replayBaseline(ctx, tx, drv, dir)
	if err != nil {
		return false, err
	}
	baseline.Name, baseline.Attrs = live.Name, live.Attrs
	changes, err := drv.SchemaDiff(live, baseline)
	if err != nil {
		return false, fmt.Errorf("db: comparing the database with the baseline: %w", err)
	}
	if len(changes) == 0 {
		return false, nil
	}
	names := make([]string, 0, len(live.Tables))
	for _, t := range live.Tables {
		names = append(names, t.Name)
	}
	return false, fmt.Errorf("db: refusing to migrate: %w. Schema %q has tables (%s) but no %s, "+
		"so it was not created by versioned migrations, and it differs from what the baseline migration %s builds "+
		"(aftercart's schema up to release 66d848c). These statements would make it match the baseline:\n%s\n"+
		"A database of an older release: start release 66d848c on it once (its automatic migration brings it to the baseline), then this one. "+
		"Anything else: bring it to the baseline by hand, or use an empty database",
		ErrUnknownSchema, live.Name, strings.Join(names, ", "), RevisionsTable, BaselineVersion, describe(ctx, drv, changes))
}

// replayBaseline runs the baseline file in a scratch schema inside a
// savepoint, inspects what it built, and rolls the savepoint back (which
// also undoes the search_path change).
func replayBaseline(ctx context.Context, tx *sql.Tx, drv migrate.Driver, dir migrate.Dir) (_ *schema.Schema, err error) {
	files, err := dir.Files()
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(files, func(f migrate.File) bool { return f.Version() == BaselineVersion })
	if i < 0 {
		return nil, fmt.Errorf("db: baseline migration %s is missing from the migration directory", BaselineVersion)
	}
	stmts, err := files[i].Stmts()
	if err != nil {
		return nil, fmt.Errorf("db: reading %s: %w", files[i].Name(), err)
	}
	if _, err := tx.ExecContext(ctx, "SAVEPOINT baseline_check"); err != nil {
		return nil, fmt.Errorf("db: baseline check: %w", err)
	}
	defer func() {
		if _, rerr := tx.ExecContext(context.WithoutCancel(ctx), "ROLLBACK TO SAVEPOINT baseline_check"); rerr != nil {
			err = errors.Join(err, fmt.Errorf("db: baseline check: %w", rerr))
		}
	}()
	for _, q := range []string{"CREATE SCHEMA " + scratchSchema, "SET LOCAL search_path TO " + scratchSchema} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("db: baseline check (the database user needs CREATE on the database once, for this check): %w", err)
		}
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("db: baseline check: replaying %s: %w", files[i].Name(), err)
		}
	}
	s, err := drv.InspectSchema(ctx, scratchSchema, nil)
	if err != nil {
		return nil, fmt.Errorf("db: baseline check: inspecting: %w", err)
	}
	return s, nil
}

// describe turns changes into the SQL that would apply them, for people; it
// falls back to the change types when Atlas cannot plan them.
func describe(ctx context.Context, drv migrate.Driver, changes []schema.Change) string {
	const most = 30
	var lines []string
	plan, err := drv.PlanChanges(ctx, "diff", changes, func(o *migrate.PlanOptions) {
		unqualified := ""
		o.SchemaQualifier = &unqualified
	})
	if err == nil {
		for _, c := range plan.Changes {
			lines = append(lines, c.Cmd+";")
		}
	} else {
		for _, c := range changes {
			lines = append(lines, fmt.Sprintf("%T", c))
		}
	}
	if len(lines) > most {
		lines = append(lines[:most], fmt.Sprintf("... and %d more", len(lines)-most))
	}
	return "\t" + strings.Join(lines, "\n\t")
}
