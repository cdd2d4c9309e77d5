package reviews

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/review"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/moderation"
)

// EditInput changes the author's review (GraphQL EditReviewInput); absent
// fields keep their value, an empty title removes it.
type EditInput struct {
	ReviewID int     `json:"reviewId"`
	Rating   *int    `json:"rating,omitempty"`
	Title    *string `json:"title,omitempty"`
	Body     *string `json:"body,omitempty"`
	// MediaIDs, when given, replaces the review's media (in this order;
	// empty removes them all); nil leaves them as they are.
	MediaIDs []int `json:"mediaIds,omitempty"`
}

// DeleteResult names the review deleted (GraphQL DeleteReviewPayload).
type DeleteResult struct {
	DeletedReviewID int
}

// ownReview locks the viewer's own review: another customer's review is
// NOT_FOUND when they may not see it and FORBIDDEN when they may.
func (s *Service) ownReview(ctx context.Context, tx *ent.Tx, v *auth.Viewer, id int) (*ent.Review, error) {
	r, err := s.lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if r.CustomerID != v.CustomerID {
		if !visibleTo(v, r) {
			return nil, errs.Errorf(errs.NotFound, "review %d not found", id)
		}
		return nil, errs.Errorf(errs.Forbidden, "only its author may change a review")
	}
	return r, nil
}

// Edit changes the author's review and records the edit time. The
// publishing rule runs again on the new text: a PENDING review that now
// passes is published, a PUBLISHED one that now holds a watched word waits
// again; REJECTED and HIDDEN reviews stay so (an edit never escapes a
// staff decision).
func (s *Service) Edit(ctx context.Context, in EditInput) (*WriteResult, error) {
	v, err := customer(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.reviews.Allow(v.Subject); err != nil {
		return nil, err
	}
	m, err := s.mod.Matcher(ctx)
	if err != nil {
		return nil, err
	}
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		r, err := s.ownReview(ctx, tx, v, in.ReviewID)
		if err != nil {
			return err
		}
		rating, title, body := r.Rating, r.Title, r.Body
		if in.Rating != nil {
			rating = *in.Rating
		}
		if in.Title != nil {
			title = in.Title
		}
		if in.Body != nil {
			body = *in.Body
		}
		c, err := checkContent(rating, title, body, in.MediaIDs)
		if err != nil {
			return err
		}
		verdict, err := checkWords(m, c.title, c.body)
		if err != nil {
			return err
		}
		status := r.Status
		switch {
		case r.Status == types.ModerationPending:
			status = InitialStatus(r.VerifiedBuyer, verdict)
		case r.Status == types.ModerationPublished && verdict.Hold():
			status = types.ModerationPending
		}
		cu, err := tx.Customer.Get(ctx, r.CustomerID)
		if err != nil {
			return err
		}
		upd := tx.Review.UpdateOneID(r.ID).
			SetRating(c.rating).
			SetBody(c.body).
			SetStatus(status).
			SetAuthorName(moderation.DisplayName(cu.FirstName, cu.LastName)).
			SetWatchedWords(verdict.Watched()).
			SetEditedAt(s.now())
		if c.title != nil {
			upd.SetTitle(*c.title)
		} else {
			upd.ClearTitle()
		}
		if t := m.CensorPtr(c.title); t != nil {
			upd.SetCensoredTitle(*t)
		} else {
			upd.ClearCensoredTitle()
		}
		if b := m.Censor(c.body); b != nil {
			upd.SetCensoredBody(*b)
		} else {
			upd.ClearCensoredBody()
		}
		if err := upd.Exec(ctx); err != nil {
			return err
		}
		if in.MediaIDs != nil {
			if err := s.setMedia(ctx, tx, r, in.MediaIDs); err != nil {
				return err
			}
		}
		if status != r.Status {
			if err := s.recordRule(ctx, tx, r, r.Status, status, r.VerifiedBuyer, verdict); err != nil {
				return err
			}
		}
		return s.mod.QueueMoved(ctx, tx, "Review", r.ID, moderation.InQueue(r.Status, false), moderation.InQueue(status, false))
	})
	if err != nil {
		return nil, err
	}
	return s.reload(ctx, in.ReviewID)
}

// Delete removes the author's review with its replies and votes. The
// moderation trail about it stays (it has no foreign key to the review).
func (s *Service) Delete(ctx context.Context, id int) (*DeleteResult, error) {
	v, err := customer(ctx)
	if err != nil {
		return nil, err
	}
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		r, err := s.ownReview(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if err := detachMedia(ctx, tx, id); err != nil {
			return err
		}
		if err := tx.Review.DeleteOneID(id).Exec(ctx); err != nil {
			return err
		}
		return s.mod.QueueMoved(ctx, tx, "Review", id, moderation.InQueue(r.Status, false), false)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteResult{DeletedReviewID: id}, nil
}

// SetFeatured features a PUBLISHED review in the showcase, or stops
// featuring any review. Staff only. Featuring changes nothing else: other
// reviews keep their order and visibility.
func (s *Service) SetFeatured(ctx context.Context, id int, featured bool) (*WriteResult, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	err := s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		r, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if featured && r.Status != types.ModerationPublished {
			return errs.Errorf(errs.Conflict, "only a PUBLISHED review can be featured; this one is %s", r.Status)
		}
		return tx.Review.Update().Where(review.ID(id)).SetFeatured(featured).Exec(ctx)
	})
	if err != nil {
		return nil, err
	}
	return s.reload(ctx, id)
}
