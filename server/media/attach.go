package media

import (
	"context"
	"fmt"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/media"
	"github.com/aftercart/aftercart/server/errs"
)

// Attach marks media attached, in the caller's transaction tx: a review or
// a post being written calls it with the ids the client sent, then adds its
// own edges to them. The viewer in ctx must own every one: someone else's
// media is NOT_FOUND, exactly like a missing id (as everywhere in
// aftercart, another's object looks missing), so ids cannot be probed.
// field names the input ("input.mediaIds"); errors name the element
// ("input.mediaIds[2]"). Also refused: a repeated id (INVALID_INPUT),
// media already attached to something (CONFLICT), and an upload older than
// UnattachedTTL (INVALID_INPUT: upload it again; Cleanup is about to
// delete it). It returns the media in ids' order.
//
// Two transactions attaching the same media race on one guarded UPDATE
// (attached_at IS NULL): the loser gets CONFLICT and its transaction, with
// whatever it wrote, rolls back with the error.
func (s *Service) Attach(ctx context.Context, tx *ent.Tx, field string, ids []int) ([]*ent.Media, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	o, err := ownerOf(ctx)
	if err != nil {
		return nil, err
	}
	seen := make(map[int]bool, len(ids))
	for i, id := range ids {
		if seen[id] {
			return nil, errs.Invalid(fmt.Sprintf("%s[%d]", field, i), "the same media is listed twice")
		}
		seen[id] = true
	}
	q := tx.Media.Query().Where(media.IDIn(ids...))
	o.where()(q)
	rows, err := q.All(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int]*ent.Media, len(rows))
	for _, m := range rows {
		byID[m.ID] = m
	}
	now := s.clock.Now()
	out := make([]*ent.Media, len(ids))
	for i, id := range ids {
		at := fmt.Sprintf("%s[%d]", field, i)
		m, ok := byID[id]
		switch {
		case !ok:
			return nil, &errs.Error{Code: errs.NotFound, Field: at, Message: "no such media"}
		case m.AttachedAt != nil:
			return nil, &errs.Error{Code: errs.Conflict, Field: at, Message: "this media is already attached to something else"}
		case m.CreatedAt.Before(now.Add(-UnattachedTTL)):
			return nil, errs.Invalid(at, "this upload is more than %s old and is being deleted: upload it again", UnattachedTTL)
		}
		out[i] = m
	}
	n, err := tx.Media.Update().Where(media.IDIn(ids...), media.AttachedAtIsNil()).SetAttachedAt(now).Save(ctx)
	if err != nil {
		return nil, err
	}
	if n != len(ids) {
		return nil, errs.Errorf(errs.Conflict, "%s: some of this media was attached by another request meanwhile", field)
	}
	for _, m := range out {
		m.AttachedAt = &now
	}
	return out, nil
}
