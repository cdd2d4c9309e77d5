package community

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/comment"
	"github.com/aftercart/aftercart/ent/predicate"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/moderation"
)

// commentKind plugs comments into the moderation core: they appear in
// moderationQueue, moderate works on them, flags hide them. Staff
// decisions and flag auto-hides change a comment's status here and only
// here (the author's writes are in comments.go).
type commentKind struct{ s *Service }

var _ moderation.Kind = commentKind{}

// Type implements moderation.Kind.
func (commentKind) Type() string { return commentType }

// Owns implements moderation.Kind.
func (commentKind) Owns(n ent.Noder) bool { _, ok := n.(*ent.Comment); return ok }

// Lock implements moderation.Kind: the post's row lock, which every
// writer of the post's comments takes (the post counts them).
func (k commentKind) Lock(ctx context.Context, tx *ent.Tx, id int) (moderation.Item, error) {
	c, _, err := k.s.lockComment(ctx, tx, id)
	if err != nil {
		return moderation.Item{}, err
	}
	cid := c.CustomerID
	return moderation.Item{ID: c.ID, Status: c.Status, AuthorID: &cid, Flagged: c.FlaggedAt != nil}, nil
}

// SetStatus implements moderation.Kind: the comment's status, the post's
// count of published comments (a top-level comment's published replies
// count with it), and, as for posts, the end of a flag hold
// (a flag auto-hide sets it again after this; see flags.go).
func (k commentKind) SetStatus(ctx context.Context, tx *ent.Tx, it moderation.Item, to types.ModerationStatus, reason *string) error {
	before, err := counted(ctx, tx, it.ID)
	if err != nil {
		return err
	}
	u := tx.Comment.UpdateOneID(it.ID).SetStatus(to).SetNillableStatusReason(reason).ClearFlaggedAt().SetFlagScore(0)
	if reason == nil {
		u.ClearStatusReason()
	}
	if err := u.Exec(ctx); err != nil {
		return err
	}
	after, err := counted(ctx, tx, it.ID)
	if err != nil {
		return err
	}
	c, err := tx.Comment.Get(ctx, it.ID)
	if err != nil {
		return err
	}
	if err := recount(ctx, tx, c.PostID, before, after); err != nil {
		return err
	}
	// What the move shows open pages joins the post's comment feed.
	return k.s.commentMoved(ctx, tx, c, visible(it.Status), visible(to), false)
}

// Queued implements moderation.Kind.
func (k commentKind) Queued(ctx context.Context, f moderation.QueueFilter, after *moderation.QueueKey, limit int) ([]moderation.QueueEntry, error) {
	cs, err := k.s.db.Comment.Query().Where(predicate.Comment(f.Where(after))).
		Order(comment.ByCreatedAt(), comment.ByID()).Limit(limit).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]moderation.QueueEntry, len(cs))
	for i, c := range cs {
		out[i] = moderation.QueueEntry{Key: moderation.QueueKey{CreatedAt: c.CreatedAt, ID: c.ID}, Node: c,
			Reasons: moderation.Reasons(c.Status, c.WatchedWords)}
	}
	return out, nil
}

// CountQueued implements moderation.Kind.
func (k commentKind) CountQueued(ctx context.Context, f moderation.QueueFilter) (int, error) {
	return k.s.db.Comment.Query().Where(predicate.Comment(f.Where(nil))).Count(ctx)
}
