package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/aftercart/aftercart/ent"
)

// ErrNotStarted is returned by Enqueue before Start: the River client that
// inserts jobs is made by Start, once every worker is registered.
var ErrNotStarted = errors.New("jobs: Enqueue before Start")

// Enqueue inserts a job in tx, the ent transaction db.WithTx passed with
// ctx: the job exists only if tx commits (the transactional outbox), and
// then it runs once, within Config.PollInterval, on whichever server takes
// it. opts may be nil (the job's InsertOpts and River's defaults apply).
// A job of a kind with no registered worker is refused, rather than left
// waiting forever.
//
// Inserting a job with InsertOpts.ScheduledAt far ahead works, but River
// promotes scheduled jobs every 5 s of real time whatever the clock says:
// time-based work belongs in a sweeper (see AddSweeper) instead.
func (s *System) Enqueue(ctx context.Context, tx *ent.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	client := s.Client()
	if client == nil {
		return nil, ErrNotStarted
	}
	sqlTx, err := s.db.SQLTx(ctx, tx)
	if err != nil {
		return nil, err
	}
	res, err := client.InsertTx(ctx, sqlTx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("jobs: enqueueing %s: %w", args.Kind(), err)
	}
	return res, nil
}
