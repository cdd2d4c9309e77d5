package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
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
	dbURL := fs.String("database-url", os.Getenv("DATABASE_URL"), "postgres://... to migrate; empty for the embedded SQLite file in -data-dir (env DATABASE_URL)")
	dataDir := fs.String("data-dir", env("AFTERCART_DATA_DIR", "data"), "directory of the SQLite database (env AFTERCART_DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	d, err := db.Open(db.Config{URL: *dbURL, DataDir: *dataDir})
	if err != nil {
		return err
	}
	defer d.Close()
	if d.Dialect != dialect.Postgres {
		if err := d.Migrate(ctx); err != nil {
			return err
		}
		_, err := fmt.Fprintf(out, "%s: migrated by ent's automatic migration (versioned migrations are for PostgreSQL)\n",
			filepath.Join(*dataDir, "aftercart.db"))
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
