package reviews

import (
	"context"

	"github.com/aftercart/aftercart/ent"
)

// attachMedia is the seam for review media: it runs in the review's
// transaction, after the review row exists, with the ids the author gave
// (already at most MaxMedia). server/media (uploadMedia, the Media entity
// and media.Attach) is being built on another branch; when it is merged,
// this function calls media.Attach for the author's uploads, fails the
// whole write on someone else's or an unknown id, and sets the review's
// has_media. Until then no review has media: mediaIds are validated for
// their count only and not stored, and Review.media resolves to an empty
// list (graph/reviews.resolvers.go).
func attachMedia(ctx context.Context, tx *ent.Tx, r *ent.Review, mediaIDs []int) error {
	_, _, _, _ = ctx, tx, r, mediaIDs
	return nil
}
