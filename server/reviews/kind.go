package reviews

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/predicate"
	"github.com/aftercart/aftercart/ent/review"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/moderation"
)

// kind plugs reviews into the moderation core.
type kind struct{ s *Service }

var (
	_ moderation.Kind   = kind{}
	_ moderation.Loader = kind{}
)

// Type implements moderation.Kind.
func (kind) Type() string { return "Review" }

// Owns implements moderation.Kind.
func (kind) Owns(n ent.Noder) bool { _, ok := n.(*ent.Review); return ok }

// Lock implements moderation.Kind: the review's row lock, the same one
// replies take, so that a decision and a reply on one review take turns.
func (k kind) Lock(ctx context.Context, tx *ent.Tx, id int) (moderation.Item, error) {
	r, err := k.s.lock(ctx, tx, id)
	if err != nil {
		return moderation.Item{}, err
	}
	cid := r.CustomerID
	return moderation.Item{ID: r.ID, Status: r.Status, AuthorID: &cid}, nil
}

// SetStatus implements moderation.Kind. A review that leaves PUBLISHED
// also leaves the showcase: featuring must not outlive publication.
func (kind) SetStatus(ctx context.Context, tx *ent.Tx, it moderation.Item, to types.ModerationStatus, reason *string) error {
	u := tx.Review.UpdateOneID(it.ID).SetStatus(to).SetNillableStatusReason(reason)
	if reason == nil {
		u.ClearStatusReason()
	}
	if to != types.ModerationPublished {
		u.SetFeatured(false)
	}
	return u.Exec(ctx)
}

// Queued implements moderation.Kind.
func (k kind) Queued(ctx context.Context, f moderation.QueueFilter, after *moderation.QueueKey, limit int) ([]moderation.QueueEntry, error) {
	rs, err := k.s.db.Review.Query().Where(predicate.Review(f.Where(after))).
		Order(review.ByCreatedAt(), review.ByID()).Limit(limit).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]moderation.QueueEntry, len(rs))
	for i, r := range rs {
		out[i] = moderation.QueueEntry{Key: moderation.QueueKey{CreatedAt: r.CreatedAt, ID: r.ID}, Node: r,
			Reasons: moderation.Reasons(r.Status, r.WatchedWords)}
	}
	return out, nil
}

// CountQueued implements moderation.Kind.
func (k kind) CountQueued(ctx context.Context, f moderation.QueueFilter) (int, error) {
	return k.s.db.Review.Query().Where(predicate.Review(f.Where(nil))).Count(ctx)
}

// Load implements moderation.Loader: a page of the queue feed reads its
// reviews in one statement.
func (k kind) Load(ctx context.Context, ids []int) (map[int]ent.Noder, error) {
	rs, err := k.s.db.Review.Query().Where(review.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int]ent.Noder, len(rs))
	for _, r := range rs {
		out[r.ID] = r
	}
	return out, nil
}
