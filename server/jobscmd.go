package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/jobs"
)

// runJobs implements "server jobs": list the jobs that failed their last
// attempt (discarded, kept a week), or with -retry ID make one available
// again. It works beside a running server, on the same database.
func runJobs(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("jobs", flag.ContinueOnError)
	dbConfig := subcommandDB(fs, "of the server")
	limit := fs.Int("limit", 20, "how many discarded jobs to list, newest first")
	retry := fs.Int64("retry", 0, "make the job with this id available again (one more attempt), instead of listing")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *limit < 1 || *limit > 10_000 {
		return fmt.Errorf("-limit %d: must be between 1 and 10000", *limit)
	}
	cfg := dbConfig()
	d, err := db.Open(cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	if *retry != 0 {
		j, err := jobs.Retry(ctx, d, *retry)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "job %d (%s) is %s, attempt %d of %d\n", j.ID, j.Kind, j.State, j.Attempt, j.MaxAttempts)
		return err
	}
	failed, err := jobs.ListDiscarded(ctx, d, *limit)
	if err != nil {
		return err
	}
	if len(failed) == 0 {
		_, err := fmt.Fprintln(out, "no discarded jobs")
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tATTEMPTS\tDISCARDED\tLAST ERROR")
	for _, f := range failed {
		msg, _, _ := strings.Cut(f.LastError, "\n")
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\n", f.ID, f.Kind, f.Attempts, f.At.UTC().Format(time.RFC3339), msg)
	}
	return tw.Flush()
}
