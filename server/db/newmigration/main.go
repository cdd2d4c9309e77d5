// Command newmigration writes the next versioned Postgres migration: the SQL
// that takes a database from what server/db/migrations builds today to what
// the ent schema (ent/schema) describes. Run it from the repository root after
// changing the ent schema and running `go generate ./ent`:
//
//	go run ./server/db/newmigration add_shipment_item_index
//
// It replays the committed migrations on an empty development database, asks
// Atlas (through ent's sql/versioned-migration support) for the difference to
// the ent schema, and writes it as server/db/migrations/<UTC timestamp>_<name>.sql
// together with an updated atlas.sum. Without -dev-url it starts a throwaway
// PostgreSQL cluster from the Debian binaries (as the tests do) and removes
// it afterwards, so no Atlas CLI and no running database are needed.
//
// After editing a migration file by hand (a data migration, say), rewrite the
// checksums so the server accepts the directory again:
//
//	go run ./server/db/newmigration -hash
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"regexp"

	atlas "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	_ "github.com/lib/pq" // the dev database's driver

	"github.com/aftercart/aftercart/ent/migrate"
	"github.com/aftercart/aftercart/server/internal/pgtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "newmigration:", err)
		os.Exit(1)
	}
}

// validName keeps file names portable and readable in `ls`.
var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`)

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("newmigration", flag.ContinueOnError)
	dirPath := fs.String("dir", "server/db/migrations", "the migration directory (relative to the repository root)")
	devURL := fs.String("dev-url", "", "an empty Postgres database to replay the migrations on, e.g. postgres://postgres@127.0.0.1:5432/dev?sslmode=disable; default: a throwaway cluster")
	hash := fs.Bool("hash", false, "only rewrite atlas.sum for the files in the directory (after a deliberate hand edit)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: go run ./server/db/newmigration [-dev-url URL] <name>\n       go run ./server/db/newmigration -hash")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := atlas.NewLocalDir(*dirPath)
	if err != nil {
		return fmt.Errorf("%s: %w (run from the repository root)", *dirPath, err)
	}
	if *hash {
		sum, err := dir.Checksum()
		if err != nil {
			return err
		}
		if err := atlas.WriteSumFile(dir, sum); err != nil {
			return err
		}
		fmt.Printf("rewrote %s/atlas.sum\n", *dirPath)
		return nil
	}
	if fs.NArg() != 1 || !validName.MatchString(fs.Arg(0)) {
		fs.Usage()
		return errors.New("want one migration name of lower-case letters, digits and underscores")
	}
	name := fs.Arg(0)
	if *devURL == "" {
		c, err := pgtest.StartCluster()
		if err != nil {
			return fmt.Errorf("starting a throwaway Postgres (or pass -dev-url): %w", err)
		}
		defer c.Stop()
		*devURL = c.DSN("postgres")
	}
	before, err := dir.Files()
	if err != nil {
		return err
	}
	err = migrate.NamedDiff(ctx, *devURL, name,
		schema.WithDir(dir),
		// Replay: the current state is what the committed files build, not
		// what some database happens to hold.
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dialect.Postgres),
		schema.WithFormatter(atlas.DefaultFormatter),
		schema.WithForeignKeys(true),
		// The migrations must build exactly the ent schema (the drift test
		// holds them to it), so removals are written too; the author reviews
		// them and, for a rolling deploy, keeps the field one more release.
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
		schema.WithErrNoPlan(true),
	)
	if errors.Is(err, atlas.ErrNoPlan) {
		fmt.Println("the migrations already build the ent schema: nothing written")
		return nil
	}
	if err != nil {
		return err
	}
	after, err := dir.Files()
	if err != nil {
		return err
	}
	for _, f := range after[len(before):] {
		fmt.Printf("wrote %s/%s and atlas.sum: review it, then commit both\n", *dirPath, f.Name())
	}
	return nil
}
