package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"entgo.io/ent/dialect"

	"github.com/aftercart/aftercart/server/db"
)

// runMigrate implements "server migrate": apply the pending Postgres
// migrations and exit. The server applies them at start anyway, under the
// same advisory lock; this is for a release step that must finish before new
// instances roll out, and for seeing what a start would do.
func runMigrate(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	dbConfig := subcommandDB(fs, "to migrate")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	cfg := dbConfig()
	d, err := db.Open(cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	if d.Dialect != dialect.Postgres {
		if err := d.Migrate(ctx); err != nil {
			return err
		}
		_, err := fmt.Fprintf(out, "%s: migrated by ent's automatic migration (versioned migrations are for PostgreSQL)\n",
			filepath.Join(cfg.DataDir, "aftercart.db"))
		return err
	}
	res, err := d.ApplyMigrations(ctx, nil)
	if err != nil {
		return err
	}
	if res.Baselined {
		fmt.Fprintf(out, "recorded the existing schema (from before versioned migrations) as baseline %s\n", db.BaselineVersion)
	}
	for _, f := range res.Applied {
		fmt.Fprintf(out, "applied %s\n", f)
	}
	if !res.Baselined && len(res.Applied) == 0 {
		_, err = fmt.Fprintf(out, "up to date at version %s\n", res.Version)
	} else {
		_, err = fmt.Fprintf(out, "database at version %s\n", res.Version)
	}
	return err
}
