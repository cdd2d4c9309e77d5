package notify

import (
	"context"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/server/auth"
)

// dueBatch bounds one transaction of the due sweep, so a backlog (a
// campaign's thousands of messages all due at 9:00) is enqueued in short
// transactions rather than one that holds SQLite's writer for seconds.
const dueBatch = 500

// sweepDue enqueues the dispatch of every waiting message whose time has
// come (a jobs.Sweeper). A message waits with due_at set (a journey's
// delay, quiet hours); clearing due_at and enqueueing its job happen in
// one transaction, and only for a message whose due_at was still set, so
// a sweep that runs twice (two servers, a retry after a crash) enqueues
// one job per message.
func (s *Service) sweepDue(ctx context.Context, now time.Time) error {
	ctx = auth.WithSystem(ctx)
	for {
		n := 0
		err := s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
			ids, err := tx.Message.Query().
				Where(message.StatusEQ(message.StatusQUEUED), message.DueAtNotNil(), message.DueAtLTE(now)).
				Order(ent.Asc(message.FieldDueAt), ent.Asc(message.FieldID)).Limit(dueBatch).IDs(ctx)
			if err != nil {
				return err
			}
			for _, id := range ids {
				taken, err := tx.Message.Update().Where(message.ID(id), message.DueAtNotNil()).
					ClearDueAt().SetUpdatedAt(s.now()).Save(ctx)
				if err != nil {
					return err
				}
				if taken == 0 {
					continue // another sweep took it
				}
				if _, err := s.jobs.Enqueue(ctx, tx, SendArgs{MessageID: id}, s.sendOpts()); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil || n < dueBatch {
			return err
		}
	}
}
