package community

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
)

// WriteCommentForTest adds a comment to postID as a comment's transaction
// will (the comments slice's addComment): under the post's row lock, the
// row and its change-log entry in one transaction (commentMoved). It
// stands in for addComment until that exists; status is the comment's.
func (s *Service) WriteCommentForTest(ctx context.Context, postID, customerID int, body string, status types.ModerationStatus) (*ent.Comment, error) {
	var c *ent.Comment
	err := s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		if _, err := s.lock(ctx, tx, postID); err != nil {
			return err
		}
		var err error
		c, err = tx.Comment.Create().SetPostID(postID).SetCustomerID(customerID).SetBody(body).
			SetStatus(status).SetAuthorName("Tester").Save(ctx)
		if err != nil {
			return err
		}
		return s.commentMoved(ctx, tx, c, false, visible(status), false)
	})
	return c, err
}

// SetCommentStatusForTest moves a comment to status as commentKind.SetStatus
// will: under the post's row lock, with its change-log entry.
func (s *Service) SetCommentStatusForTest(ctx context.Context, c *ent.Comment, to types.ModerationStatus) error {
	return s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		if _, err := s.lock(ctx, tx, c.PostID); err != nil {
			return err
		}
		now, err := tx.Comment.UpdateOneID(c.ID).SetStatus(to).Save(ctx)
		if err != nil {
			return err
		}
		return s.commentMoved(ctx, tx, now, visible(c.Status), visible(to), false)
	})
}
