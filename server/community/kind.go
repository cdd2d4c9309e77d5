package community

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/post"
	"github.com/aftercart/aftercart/ent/predicate"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/moderation"
)

// postKind plugs posts into the moderation core: they appear in
// moderationQueue and moderate works on them.
type postKind struct{ s *Service }

var (
	_ moderation.Kind   = postKind{}
	_ moderation.Loader = postKind{}
)

// Type implements moderation.Kind.
func (postKind) Type() string { return postType }

// Owns implements moderation.Kind.
func (postKind) Owns(n ent.Noder) bool { _, ok := n.(*ent.Post); return ok }

// Lock implements moderation.Kind: the post's row lock, the one every
// writer of the post takes.
func (k postKind) Lock(ctx context.Context, tx *ent.Tx, id int) (moderation.Item, error) {
	p, err := k.s.lock(ctx, tx, id)
	if err != nil {
		return moderation.Item{}, err
	}
	cid := p.CustomerID
	return moderation.Item{ID: p.ID, Status: p.Status, AuthorID: &cid, Flagged: p.FlaggedAt != nil}, nil
}

// SetStatus implements moderation.Kind. A first publication stamps
// published_at (the feed's order, the loyalty points' moment); a staff
// decision settles the post's flags, so their hold (flagged_at) and score
// end (a flag auto-hide sets them again after this; see flags.go). What the
// move shows other viewers joins the post feeds (postMoved): approving and
// restoring add the post, hiding and rejecting a published one remove it.
func (k postKind) SetStatus(ctx context.Context, tx *ent.Tx, it moderation.Item, to types.ModerationStatus, reason *string) error {
	u := tx.Post.UpdateOneID(it.ID).SetStatus(to).SetNillableStatusReason(reason).ClearFlaggedAt().SetFlagScore(0)
	if reason == nil {
		u.ClearStatusReason()
	}
	p, err := tx.Post.Query().Where(post.ID(it.ID)).Select(post.FieldPublishedAt, post.FieldTopicID).Only(ctx)
	if err != nil {
		return err
	}
	if to == types.ModerationPublished && p.PublishedAt == nil {
		u.SetPublishedAt(k.s.now())
	}
	if err := u.Exec(ctx); err != nil {
		return err
	}
	return k.s.postMoved(ctx, tx, it.ID, p.TopicID, visible(it.Status), visible(to), false)
}

// Queued implements moderation.Kind.
func (k postKind) Queued(ctx context.Context, f moderation.QueueFilter, after *moderation.QueueKey, limit int) ([]moderation.QueueEntry, error) {
	ps, err := k.s.db.Post.Query().Where(predicate.Post(f.Where(after))).
		Order(post.ByCreatedAt(), post.ByID()).Limit(limit).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]moderation.QueueEntry, len(ps))
	for i, p := range ps {
		out[i] = moderation.QueueEntry{Key: moderation.QueueKey{CreatedAt: p.CreatedAt, ID: p.ID}, Node: p,
			Reasons: moderation.Reasons(p.Status, p.WatchedWords)}
	}
	return out, nil
}

// CountQueued implements moderation.Kind.
func (k postKind) CountQueued(ctx context.Context, f moderation.QueueFilter) (int, error) {
	return k.s.db.Post.Query().Where(predicate.Post(f.Where(nil))).Count(ctx)
}

// Load implements moderation.Loader: a page of the queue feed reads its
// posts in one statement.
func (k postKind) Load(ctx context.Context, ids []int) (map[int]ent.Noder, error) {
	ps, err := k.s.db.Post.Query().Where(post.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int]ent.Noder, len(ps))
	for _, p := range ps {
		out[p.ID] = p
	}
	return out, nil
}
