package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/aftercart/aftercart/server/db"
)

// Failed is a discarded job as an operator sees it: no arguments (they may
// hold a customer's data), the last attempt's error.
type Failed struct {
	// ID is the job's id, for Retry.
	ID int64
	// Kind is the job's kind, e.g. "jobs.sweep".
	Kind string
	// Attempts is how many times it was tried.
	Attempts int
	// At is when it was discarded.
	At time.Time
	// LastError is the last attempt's error (a panic's value).
	LastError string
}

// adminClient is an insert-only River client over d: it lists and retries
// jobs without working any, so it can run beside a serving server (package
// main's "jobs" command).
func adminClient(d *db.DB) (*river.Client[*sql.Tx], error) {
	s, err := New(d, Config{})
	if err != nil {
		return nil, err
	}
	c, err := river.NewClient(s.driver, &river.Config{Logger: s.riverLog()})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return c, nil
}

// ListDiscarded returns the last limit jobs that failed their last attempt
// (River keeps them a week), newest first.
func ListDiscarded(ctx context.Context, d *db.DB, limit int) ([]Failed, error) {
	c, err := adminClient(d)
	if err != nil {
		return nil, err
	}
	res, err := c.JobList(ctx, river.NewJobListParams().States(rivertype.JobStateDiscarded).
		OrderBy(river.JobListOrderByFinalizedAt, river.SortOrderDesc).First(limit))
	if err != nil {
		return nil, fmt.Errorf("jobs: listing discarded jobs: %w", err)
	}
	out := make([]Failed, len(res.Jobs))
	for i, j := range res.Jobs {
		f := Failed{ID: j.ID, Kind: j.Kind, Attempts: j.Attempt}
		if j.FinalizedAt != nil {
			f.At = *j.FinalizedAt
		}
		if n := len(j.Errors); n > 0 {
			f.LastError = j.Errors[n-1].Error
		}
		out[i] = f
	}
	return out, nil
}

// Retry makes job id available again now (with one more attempt if it had
// used them all), for a server to run within its poll interval. A running
// job is left alone.
func Retry(ctx context.Context, d *db.DB, id int64) (*rivertype.JobRow, error) {
	c, err := adminClient(d)
	if err != nil {
		return nil, err
	}
	j, err := c.JobRetry(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("jobs: retrying job %d: %w", id, err)
	}
	return j, nil
}
