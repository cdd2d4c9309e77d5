package reviews

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/media"
	"github.com/aftercart/aftercart/server/errs"
)

// Attacher attaches the viewer's uploads in the caller's transaction
// (server/media's Service): unknown ids and other people's uploads are
// refused for the whole write, already attached ones too.
type Attacher interface {
	Attach(ctx context.Context, tx *ent.Tx, field string, ids []int) ([]*ent.Media, error)
}

// mediaField is where a review's media ids are, for errors.
const mediaField = "input.mediaIds"

// attachMedia attaches the author's uploads to r, in the order given, in
// the review's transaction: a refused id (someone else's, unknown, already
// attached) fails the whole write, so no review is saved half-illustrated
// and no upload is counted as attached to a review that does not exist.
// ids is at most MaxMedia (checkContent).
func (s *Service) attachMedia(ctx context.Context, tx *ent.Tx, r *ent.Review, ids []int) error {
	if len(ids) == 0 {
		return nil
	}
	if s.cfg.Media == nil {
		return errs.Invalid(mediaField, "this server stores no media")
	}
	attached, err := s.cfg.Media.Attach(ctx, tx, mediaField, ids)
	if err != nil {
		return err
	}
	for i, m := range attached {
		if err := tx.Media.UpdateOne(m).SetReviewID(r.ID).SetPosition(i).Exec(ctx); err != nil {
			return err
		}
	}
	return tx.Review.UpdateOneID(r.ID).SetHasMedia(true).Exec(ctx)
}

// detachMedia lets go of a review's media before the review is deleted:
// unattached again, the media cleanup deletes them with their blobs.
func detachMedia(ctx context.Context, tx *ent.Tx, reviewID int) error {
	return tx.Media.Update().Where(media.ReviewID(reviewID)).
		ClearReviewID().ClearAttachedAt().SetPosition(0).Exec(ctx)
}

// withMedia eager-loads the reviews' media in their order: one statement
// for a whole page of reviews.
func withMedia(q *ent.ReviewQuery) *ent.ReviewQuery {
	return q.WithAttachments(func(mq *ent.MediaQuery) { mq.Order(ent.Asc(media.FieldPosition), ent.Asc(media.FieldID)) })
}

// Media returns r's media in the author's order: the eager-loaded ones
// when the list loaded them, otherwise one statement.
func Media(ctx context.Context, r *ent.Review) ([]*ent.Media, error) {
	if ms, err := r.Edges.AttachmentsOrErr(); err == nil {
		return ms, nil
	}
	return r.QueryAttachments().Order(ent.Asc(media.FieldPosition), ent.Asc(media.FieldID)).All(ctx)
}
