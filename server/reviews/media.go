package reviews

import (
	"context"
	"errors"
	"fmt"

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

// setMedia makes ids r's media, in that order, in the review's
// transaction: uploads already on r keep their place in the new order,
// the others are attached through media's Attach (fresh uploads of the
// author's), and those r no longer lists are let go (the media cleanup then
// deletes them with their blobs). A refused id (someone else's, unknown,
// attached elsewhere, listed twice) fails the whole write, so no review is
// saved half-illustrated and no upload counts as attached to a review that
// does not have it. ids is at most MaxMedia (checkContent).
func (s *Service) setMedia(ctx context.Context, tx *ent.Tx, r *ent.Review, ids []int) error {
	current, err := tx.Media.Query().Where(media.ReviewID(r.ID)).IDs(ctx)
	if err != nil {
		return err
	}
	have := make(map[int]bool, len(current))
	for _, id := range current {
		have[id] = true
	}
	listed := make(map[int]bool, len(ids))
	var fresh, freshAt []int
	for i, id := range ids {
		if listed[id] {
			return errs.Invalid(fmt.Sprintf("%s[%d]", mediaField, i), "the same media is listed twice")
		}
		listed[id] = true
		if !have[id] {
			fresh, freshAt = append(fresh, id), append(freshAt, i)
		}
	}
	var dropped []int
	for _, id := range current {
		if !listed[id] {
			dropped = append(dropped, id)
		}
	}
	if len(dropped) > 0 {
		if err := tx.Media.Update().Where(media.IDIn(dropped...)).
			ClearReviewID().ClearAttachedAt().SetPosition(0).Exec(ctx); err != nil {
			return err
		}
	}
	if len(fresh) > 0 {
		if s.cfg.Media == nil {
			return errs.Invalid(mediaField, "this server stores no media")
		}
		if _, err := s.cfg.Media.Attach(ctx, tx, mediaField, fresh); err != nil {
			return atIndex(err, freshAt)
		}
	}
	for i, id := range ids {
		if err := tx.Media.UpdateOneID(id).SetReviewID(r.ID).SetPosition(i).Exec(ctx); err != nil {
			return err
		}
	}
	if r.HasMedia == (len(ids) > 0) {
		return nil
	}
	return tx.Review.UpdateOneID(r.ID).SetHasMedia(len(ids) > 0).Exec(ctx)
}

// atIndex rewrites the field of an Attach error, which counts in the
// fresh ids it was given, to the id's place in the whole list.
func atIndex(err error, at []int) error {
	var e *errs.Error
	if !errors.As(err, &e) {
		return err
	}
	var k int
	if _, scanErr := fmt.Sscanf(e.Field, mediaField+"[%d]", &k); scanErr != nil || k < 0 || k >= len(at) {
		return err
	}
	fixed := *e
	fixed.Field = fmt.Sprintf("%s[%d]", mediaField, at[k])
	return &fixed
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
