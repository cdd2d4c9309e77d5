package media

import (
	"context"
	"time"

	"gocloud.dev/gcerrors"

	"github.com/aftercart/aftercart/ent/media"
	"github.com/aftercart/aftercart/server/auth"
)

// cleanupBatch is how many expired uploads one Cleanup query reads.
const cleanupBatch = 100

// Cleanup deletes the media nothing attached within UnattachedTTL (plus
// cleanupGrace), blobs first, then the row, oldest first, and returns how
// many it deleted. The order makes it safe to stop anywhere: a row whose
// blobs are gone is deleted by the next run (a blob already missing counts
// as deleted), and no blob outlives its row. The row's delete is guarded by
// attached_at IS NULL, and Attach refuses uploads past UnattachedTTL, so
// attached media is never touched.
func (s *Service) Cleanup(ctx context.Context) (int, error) {
	ctx = auth.WithSystem(ctx)
	deleted := 0
	for {
		cutoff := s.clock.Now().Add(-UnattachedTTL - cleanupGrace)
		expired, err := s.db.Media.Query().
			Where(media.AttachedAtIsNil(), media.CreatedAtLT(cutoff)).
			Order(media.ByCreatedAt(), media.ByID()).
			Limit(cleanupBatch).
			All(ctx)
		if err != nil {
			return deleted, err
		}
		for _, m := range expired {
			keys := []string{m.BlobKey}
			if m.ThumbnailKey != nil {
				keys = append(keys, *m.ThumbnailKey)
			}
			for _, k := range keys {
				if err := s.bucket.Delete(ctx, k); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
					return deleted, err
				}
			}
			n, err := s.db.Media.Delete().Where(media.ID(m.ID), media.AttachedAtIsNil()).Exec(ctx)
			if err != nil {
				return deleted, err
			}
			deleted += n
		}
		if len(expired) < cleanupBatch {
			return deleted, nil
		}
	}
}

// Run calls Cleanup at start and then interval after each round, on the
// service's clock, until ctx ends. Failures are logged and retried at the next tick.
//
// A timer per instance is enough for now: Cleanup is idempotent and safe
// to run on several instances at once (each delete is guarded). The loyalty
// issue brings a durable job system; this becomes one of its periodic jobs
// then.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultCleanupInterval
	}
	for {
		if n, err := s.Cleanup(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.WarnContext(ctx, "media cleanup", "err", err, "deleted", n)
		} else if n > 0 {
			s.log.InfoContext(ctx, "media cleanup", "deleted", n)
		}
		// A timer per round rather than a ticker: a slow round never
		// queues the next one behind it, and a fake clock's waiter count
		// shows when a round is over (tests wait on it).
		t := s.clock.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.Chan():
		}
	}
}
