package jobs

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"
	"github.com/riverqueue/river/rivermigrate"
)

// migrationLockKey is the Postgres advisory lock taken while River's tables
// are migrated, so that instances starting together take turns: River's
// migrator takes no lock of its own. ("rivr"; server/db's lock for ent's
// migrations is another key.)
const migrationLockKey = 0x72697672

// Migrate applies River's pending migrations without starting anything, as
// Start does first. It is for test harnesses that migrate a database once
// and copy it for every test (server/internal/testserver's MigratedDatabase);
// a server needs only Start.
func (s *System) Migrate(ctx context.Context) error { return s.migrate(ctx) }

// migrate applies River's pending migrations (each in its own transaction,
// as River requires: some cannot share one) and records them in
// river_migration.
func (s *System) migrate(ctx context.Context) error {
	m, err := rivermigrate.New(s.driver, &rivermigrate.Config{Logger: s.riverLog()})
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if s.db.Dialect == dialect.Postgres {
		// A session lock on a connection of its own, held while the
		// migrator uses others.
		conn, err := s.db.SQL.Conn(ctx)
		if err != nil {
			return fmt.Errorf("jobs: migration lock: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			return fmt.Errorf("jobs: migration lock: %w", err)
		}
		//nolint:errcheck // released with the session anyway
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("jobs: migrating River's tables: %w", err)
	}
	// Logged on Postgres only, as server/db does: a SQLite file is one
	// server's, migrated at every first start.
	if len(res.Versions) > 0 && s.db.Dialect == dialect.Postgres {
		s.log.Info("job tables migrated", "river_versions", len(res.Versions))
	}
	return nil
}
