package community

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/reaction"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// ReactInput is a reaction to leave or take back (GraphQL ReactInput).
type ReactInput struct {
	PostID int                `json:"postId"`
	Kind   types.ReactionKind `json:"kind"`
}

// React leaves the viewer's reaction of one kind on a PUBLISHED post:
// once per post, customer and kind (the second is CONFLICT). The post's
// counter for the kind moves in the same transaction, under the post's row
// lock, so counts and rows never disagree. Silenced authors are FORBIDDEN.
func (s *Service) React(ctx context.Context, in ReactInput) (*PostResult, error) {
	return s.react(ctx, in, true)
}

// Unreact takes the viewer's reaction back; one they never left is
// NOT_FOUND.
func (s *Service) Unreact(ctx context.Context, in ReactInput) (*PostResult, error) {
	return s.react(ctx, in, false)
}

func (s *Service) react(ctx context.Context, in ReactInput, add bool) (*PostResult, error) {
	v, err := customer(ctx)
	if err != nil {
		return nil, err
	}
	if !in.Kind.Valid() {
		return nil, errs.Invalid("input.kind", "unknown reaction %q", in.Kind)
	}
	if err := s.reactions.Allow(v.Subject); err != nil {
		return nil, err
	}
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		if _, err := s.author(ctx, tx, v.CustomerID); err != nil {
			return err
		}
		p, err := s.openPost(ctx, tx, v, in.PostID, "react to")
		if err != nil {
			return err
		}
		mine := tx.Reaction.Query().Where(reaction.PostID(p.ID), reaction.CustomerID(v.CustomerID), reaction.KindEQ(in.Kind))
		had, err := mine.Exist(ctx)
		switch {
		case err != nil:
			return err
		case add && had:
			return &errs.Error{Code: errs.Conflict, Field: "input.kind", Message: "you already left this reaction"}
		case !add && !had:
			return &errs.Error{Code: errs.NotFound, Field: "input.kind", Message: "you have not left this reaction"}
		}
		d := 1
		if add {
			err = tx.Reaction.Create().SetPostID(p.ID).SetCustomerID(v.CustomerID).SetKind(in.Kind).SetCreatedAt(s.now()).Exec(ctx)
		} else {
			d = -1
			_, err = tx.Reaction.Delete().Where(reaction.PostID(p.ID), reaction.CustomerID(v.CustomerID), reaction.KindEQ(in.Kind)).Exec(ctx)
		}
		if err != nil {
			return err
		}
		u := tx.Post.UpdateOneID(p.ID)
		switch in.Kind {
		case types.ReactionLike:
			u.AddLikeCount(d)
		case types.ReactionLove:
			u.AddLoveCount(d)
		case types.ReactionHelpful:
			u.AddHelpfulCount(d)
		}
		return u.Exec(ctx)
	})
	if err != nil {
		return nil, err
	}
	return s.reload(ctx, in.PostID)
}
