package community

import (
	"context"
	"errors"
	"fmt"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/media"
	"github.com/aftercart/aftercart/server/errs"
)

// mediaField is where a post's media ids are, for errors.
const mediaField = "input.mediaIds"

// setMedia makes ids the post's media, in that order, in the post's
// transaction: uploads already on it keep their place in the new order,
// the others are attached through media's Attach (fresh uploads of the
// author's), and those it no longer lists are let go (the media cleanup
// then deletes them with their blobs). A refused id fails the whole
// write. It is the reviews' rule, on Media.post_id.
func (s *Service) setMedia(ctx context.Context, tx *ent.Tx, postID int, ids []int) error {
	current, err := tx.Media.Query().Where(media.PostID(postID)).IDs(ctx)
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
			ClearPostID().ClearAttachedAt().SetPosition(0).Exec(ctx); err != nil {
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
		if err := tx.Media.UpdateOneID(id).SetPostID(postID).SetPosition(i).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
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

// mediaOrder is the order of a post's media: the author's.
func mediaOrder(mq *ent.MediaQuery) {
	mq.Order(ent.Asc(media.FieldPosition), ent.Asc(media.FieldID))
}
