package db

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	atlasschema "ariga.io/atlas/sql/schema"
	"entgo.io/ent/dialect"
	entschema "entgo.io/ent/dialect/sql/schema"

	entmigrate "github.com/aftercart/aftercart/ent/migrate"
)

// RiverTablePrefix begins the names of the job system's tables (river_job,
// river_leader, river_migration, river_queue, river_client, ...). They are
// River's, created and upgraded by River's own migrator when server/jobs
// starts and versioned in river_migration, so the ent schema does not
// describe them and Drift does not count them: listing them in the ent
// schema or in our migration files would make every River upgrade a
// hand-written migration of someone else's schema.
const RiverTablePrefix = "river_"

// Drift returns what separates a Postgres database's schema from the ent
// schema (ent/schema), as the SQL that would remove the difference; none
// means they are the same. It asks ent's migration engine (Atlas) for the
// diff, with drops enabled so that a column or index the ent schema no longer
// has counts too, and adds any table the ent schema does not know (other than
// the revisions table). Nothing is changed.
//
// Tests apply the committed migrations to an empty database and require no
// drift: a schema change without its migration file fails them.
func (db *DB) Drift(ctx context.Context) ([]string, error) {
	if db.Dialect != dialect.Postgres {
		return nil, errors.New("db: Drift compares a PostgreSQL database with the ent schema")
	}
	var changes []atlasschema.Change
	capture := entschema.WithDiffHook(func(next entschema.Differ) entschema.Differ {
		return entschema.DiffFunc(func(current, desired *atlasschema.Schema) ([]atlasschema.Change, error) {
			c, err := next.Diff(current, desired)
			changes = append(changes, c...)
			return nil, err // nothing to apply: this is a dry run
		})
	})
	err := db.Schema.Create(ctx,
		entmigrate.WithForeignKeys(true), entmigrate.WithDropColumn(true), entmigrate.WithDropIndex(true), capture)
	if err != nil {
		return nil, fmt.Errorf("db: diffing with the ent schema: %w", err)
	}
	drv, err := postgres.Open(db.SQL)
	if err != nil {
		return nil, err
	}
	// ent inspects only the tables it knows; anything else in the schema is
	// drift too.
	live, err := drv.InspectSchema(ctx, "", &atlasschema.InspectOptions{Mode: atlasschema.InspectTables})
	if err != nil {
		return nil, fmt.Errorf("db: inspecting the database: %w", err)
	}
	known := map[string]bool{RevisionsTable: true}
	for _, t := range entmigrate.Tables {
		known[t.Name] = true
	}
	for _, t := range live.Tables {
		if !known[t.Name] && !strings.HasPrefix(t.Name, RiverTablePrefix) {
			changes = append(changes, &atlasschema.DropTable{T: t})
		}
	}
	if len(changes) == 0 {
		return nil, nil
	}
	plan, err := drv.PlanChanges(ctx, "drift", changes, func(o *migrate.PlanOptions) {
		unqualified := ""
		o.SchemaQualifier = &unqualified
	})
	if err != nil {
		return nil, fmt.Errorf("db: %d schema differences that Atlas cannot write as SQL: %w", len(changes), err)
	}
	stmts := make([]string, len(plan.Changes))
	for i, c := range plan.Changes {
		stmts[i] = c.Cmd + ";"
	}
	return stmts, nil
}
