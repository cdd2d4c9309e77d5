package reviews

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/reviewvote"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/pubsub"
)

// ReplyInput is a reply to a review (GraphQL ReplyToReviewInput).
type ReplyInput struct {
	ReviewID int    `json:"reviewId"`
	Body     string `json:"body"`
}

// ReplyResult is the reply as its writer sees it (GraphQL
// ReplyToReviewPayload).
type ReplyResult struct {
	Reply *ent.ReviewReply
}

// Reply adds a reply to a review's thread: staff reply for the store, the
// review's author may answer; nobody else replies (FORBIDDEN), and a
// review someone may not see is NOT_FOUND to them, so a pending or hidden
// review takes replies from its author and staff only. The reply and its
// change-log row commit together under the review's row lock, and
// subscribers (reviewReplyAdded) are told after the commit.
func (s *Service) Reply(ctx context.Context, in ReplyInput) (*ReplyResult, error) {
	v, ok := auth.FromContext(ctx)
	if !ok {
		return nil, errs.Errorf(errs.Unauthenticated, "sign in to reply")
	}
	body := strings.TrimSpace(in.Body)
	switch {
	case body == "":
		return nil, errs.Invalid("input.body", "must not be empty")
	case utf8.RuneCountInString(body) > MaxBody:
		return nil, errs.Invalid("input.body", "at most %d characters", MaxBody)
	}
	if v.IsCustomer() {
		if err := s.replies.Allow(v.Subject); err != nil {
			return nil, err
		}
	}
	var id int
	err := s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		r, err := s.lock(ctx, tx, in.ReviewID)
		if err != nil {
			return err
		}
		if !visibleTo(v, r) {
			return errs.Errorf(errs.NotFound, "review %d not found", in.ReviewID)
		}
		create := tx.ReviewReply.Create().SetReviewID(r.ID).SetBody(body)
		switch {
		case v.IsStaff():
			create.SetByMerchant(true).SetAuthorName(s.cfg.StoreName)
		case v.IsCustomer() && v.CustomerID == r.CustomerID:
			create.SetCustomerID(v.CustomerID).SetAuthorName(r.AuthorName)
		default:
			return errs.Errorf(errs.Forbidden, "only the store and the review's author reply to a review")
		}
		reply, err := create.SetCreatedAt(s.now()).Save(ctx)
		if err != nil {
			return err
		}
		id = reply.ID
		if v.IsStaff() && !r.MerchantReplied {
			if err := tx.Review.UpdateOneID(r.ID).SetMerchantReplied(true).Exec(ctx); err != nil {
				return err
			}
		}
		change, err := tx.ReviewReplyChange.Create().SetReviewID(r.ID).SetReplyID(reply.ID).
			SetPublic(r.Status == types.ModerationPublished).Save(ctx)
		if err != nil {
			return err
		}
		return s.broker.Publish(ctx, tx, pubsub.Message{Topic: ReplyTopic(r.ID), ID: change.ID})
	})
	if err != nil {
		return nil, err
	}
	reply, err := s.db.ReviewReply.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &ReplyResult{Reply: reply}, nil
}

// MarkHelpful records the viewer's helpful vote: once per customer per
// review (CONFLICT the second time), never on one's own review
// (INVALID_INPUT), only on a review the viewer can see (NOT_FOUND).
func (s *Service) MarkHelpful(ctx context.Context, id int) (*WriteResult, error) {
	v, err := customer(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.votes.Allow(v.Subject); err != nil {
		return nil, err
	}
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		r, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		switch {
		case !visibleTo(v, r):
			return errs.Errorf(errs.NotFound, "review %d not found", id)
		case r.CustomerID == v.CustomerID:
			return errs.Invalid("input.reviewId", "you cannot vote for your own review")
		}
		// Looked up first so that a retried transaction (a concurrent
		// duplicate hit the unique index) answers CONFLICT.
		if dup, err := tx.ReviewVote.Query().Where(reviewvote.ReviewID(id), reviewvote.CustomerID(v.CustomerID)).Exist(ctx); err != nil {
			return err
		} else if dup {
			return errs.Errorf(errs.Conflict, "you have already marked this review helpful")
		}
		if err := tx.ReviewVote.Create().SetReviewID(id).SetCustomerID(v.CustomerID).SetCreatedAt(s.now()).Exec(ctx); err != nil {
			return err
		}
		return tx.Review.UpdateOneID(id).AddHelpfulCount(1).Exec(ctx)
	})
	if err != nil {
		return nil, err
	}
	return s.reload(ctx, id)
}
