package community

import (
	"context"
	"fmt"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/post"
	"github.com/aftercart/aftercart/ent/postproduct"
	"github.com/aftercart/aftercart/ent/product"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/shipment"
	"github.com/aftercart/aftercart/ent/shipmentitem"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/moderation"
)

// Limits on what a post holds.
const (
	// MaxMedia is the most photos and videos one post may carry.
	MaxMedia = 10
	// MaxProducts is the most products one post may tag.
	MaxProducts = 10
	// MaxBody bounds a post's text, in characters.
	MaxBody = 10000
)

// CreateInput is a new post (GraphQL CreatePostInput).
type CreateInput struct {
	// Topic is the topic's slug.
	Topic      string `json:"topic"`
	Body       string `json:"body"`
	MediaIDs   []int  `json:"mediaIds,omitempty"`
	ProductIDs []int  `json:"productIds,omitempty"`
}

// EditInput changes the author's post (GraphQL EditPostInput); absent
// fields keep their value.
type EditInput struct {
	PostID int     `json:"postId"`
	Body   *string `json:"body,omitempty"`
	// MediaIDs and ProductIDs, when given, replace the post's media and
	// tags (in this order; empty removes them all).
	MediaIDs   []int `json:"mediaIds,omitempty"`
	ProductIDs []int `json:"productIds,omitempty"`
}

// PostResult carries the post as its author sees it (GraphQL
// CreatePostPayload, EditPostPayload).
type PostResult struct {
	Post *ent.Post
}

// DeleteResult names the post deleted (GraphQL DeletePostPayload).
type DeleteResult struct {
	DeletedPostID int
}

// checkBody trims and bounds a post's text.
func checkBody(body string) (string, error) {
	return checkText("input.body", body, MaxBody, true)
}

// checkLists bounds the media and product lists and refuses repeats.
func checkLists(mediaIDs, productIDs []int) error {
	if len(mediaIDs) > MaxMedia {
		return errs.Invalid("input.mediaIds", "at most %d photos or videos, got %d", MaxMedia, len(mediaIDs))
	}
	if len(productIDs) > MaxProducts {
		return errs.Invalid("input.productIds", "at most %d products, got %d", MaxProducts, len(productIDs))
	}
	seen := map[int]bool{}
	for i, id := range productIDs {
		if seen[id] {
			return errs.Invalid(fmt.Sprintf("input.productIds[%d]", i), "the same product is listed twice")
		}
		seen[id] = true
	}
	return nil
}

// checkWords refuses blocked words.
func checkWords(m *moderation.Matcher, body string) (moderation.Verdict, error) {
	v := m.Check(body)
	if len(v.Blocked) > 0 {
		return v, errs.Invalid("input.body", "contains a word that is not allowed: %q", v.Blocked[0])
	}
	return v, nil
}

// Create publishes or queues a new post (see the trust rule). Errors:
// INVALID_INPUT for an empty or long body, too many media or products, a
// blocked word; NOT_FOUND for an unknown topic or product, or media that
// is not the author's; CONFLICT for media attached elsewhere; FORBIDDEN
// for staff and silenced authors; THROTTLED past the rate limit. Nothing
// is written unless everything is.
func (s *Service) Create(ctx context.Context, in CreateInput) (*PostResult, error) {
	v, err := customer(ctx)
	if err != nil {
		return nil, err
	}
	body, err := checkBody(in.Body)
	if err != nil {
		return nil, err
	}
	if err := checkLists(in.MediaIDs, in.ProductIDs); err != nil {
		return nil, err
	}
	m, err := s.mod.Matcher(ctx)
	if err != nil {
		return nil, err
	}
	verdict, err := checkWords(m, body)
	if err != nil {
		return nil, err
	}
	if err := s.posts.Allow(v.Subject); err != nil {
		return nil, err
	}
	var id int
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		t, err := topicBySlug(ctx, tx, "input.topic", in.Topic)
		if err != nil {
			return err
		}
		cu, err := s.author(ctx, tx, v.CustomerID)
		if err != nil {
			return err
		}
		rec, err := record(ctx, tx, cu)
		if err != nil {
			return err
		}
		status := InitialStatus(Trusted(rec), verdict)
		now := s.now()
		c := tx.Post.Create().
			SetTopicID(t.ID).
			SetCustomerID(cu.ID).
			SetBody(body).
			SetNillableCensoredBody(m.Censor(body)).
			SetStatus(status).
			SetAuthorName(moderation.DisplayName(cu.FirstName, cu.LastName)).
			SetWatchedWords(verdict.Watched()).
			SetCreatedAt(now).
			SetUpdatedAt(now)
		if status == types.ModerationPublished {
			c.SetPublishedAt(now)
		}
		p, err := c.Save(ctx)
		if err != nil {
			return err
		}
		if err := s.setTags(ctx, tx, p, in.ProductIDs); err != nil {
			return err
		}
		if err := s.setMedia(ctx, tx, p.ID, in.MediaIDs); err != nil {
			return err
		}
		id = p.ID
		if err := s.recordRule(ctx, tx, p, types.ModerationPending, status, rec, verdict); err != nil {
			return err
		}
		// Live: a post published at once joins the feeds; one that waits
		// enters the queue (in this order: the queue's lock comes last).
		if err := s.postMoved(ctx, tx, p.ID, t.ID, false, visible(status), false); err != nil {
			return err
		}
		return s.mod.QueueMoved(ctx, tx, postType, p.ID, false, moderation.InQueue(status, false))
	})
	if err != nil {
		return nil, err
	}
	return s.reload(ctx, id)
}

// Edit changes the author's post and records the edit time. The
// publishing rule runs again on the new text: a PENDING post that now
// passes is published, a PUBLISHED one that now holds a watched word waits
// again; REJECTED and HIDDEN posts stay so (an edit never escapes a staff
// decision).
func (s *Service) Edit(ctx context.Context, in EditInput) (*PostResult, error) {
	v, err := customer(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkLists(in.MediaIDs, in.ProductIDs); err != nil {
		return nil, err
	}
	m, err := s.mod.Matcher(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.posts.Allow(v.Subject); err != nil {
		return nil, err
	}
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		p, err := s.ownPost(ctx, tx, v, in.PostID)
		if err != nil {
			return err
		}
		cu, err := s.author(ctx, tx, v.CustomerID)
		if err != nil {
			return err
		}
		body := p.Body
		if in.Body != nil {
			if body, err = checkBody(*in.Body); err != nil {
				return err
			}
		}
		verdict, err := checkWords(m, body)
		if err != nil {
			return err
		}
		rec, err := record(ctx, tx, cu)
		if err != nil {
			return err
		}
		status := p.Status
		switch {
		case p.Status == types.ModerationPending:
			status = InitialStatus(Trusted(rec), verdict)
		case p.Status == types.ModerationPublished && verdict.Hold():
			status = types.ModerationPending
		}
		now := s.now()
		u := tx.Post.UpdateOneID(p.ID).
			SetBody(body).
			SetStatus(status).
			SetAuthorName(moderation.DisplayName(cu.FirstName, cu.LastName)).
			SetWatchedWords(verdict.Watched()).
			SetEditedAt(now).
			SetUpdatedAt(now)
		if status == types.ModerationPublished && p.PublishedAt == nil {
			u.SetPublishedAt(now)
		}
		if c := m.Censor(body); c != nil {
			u.SetCensoredBody(*c)
		} else {
			u.ClearCensoredBody()
		}
		if err := u.Exec(ctx); err != nil {
			return err
		}
		if in.ProductIDs != nil {
			if err := s.setTags(ctx, tx, p, in.ProductIDs); err != nil {
				return err
			}
		}
		if in.MediaIDs != nil {
			if err := s.setMedia(ctx, tx, p.ID, in.MediaIDs); err != nil {
				return err
			}
		}
		if status != p.Status {
			if err := s.recordRule(ctx, tx, p, p.Status, status, rec, verdict); err != nil {
				return err
			}
		}
		// Live: open pages get the edit, or lose a post held again; the
		// queue gains a post held again, or loses one that now passes.
		if err := s.postMoved(ctx, tx, p.ID, p.TopicID, visible(p.Status), visible(status), true); err != nil {
			return err
		}
		flagged := p.FlaggedAt != nil
		return s.mod.QueueMoved(ctx, tx, postType, p.ID, moderation.InQueue(p.Status, flagged), moderation.InQueue(status, flagged))
	})
	if err != nil {
		return nil, err
	}
	return s.reload(ctx, in.PostID)
}

// Delete removes the author's post with its tags, comments and reactions;
// its media are let go (the media cleanup deletes them). The moderation
// trail about it stays.
func (s *Service) Delete(ctx context.Context, id int) (*DeleteResult, error) {
	v, err := customer(ctx)
	if err != nil {
		return nil, err
	}
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		p, err := s.ownPost(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if err := s.setMedia(ctx, tx, id, []int{}); err != nil {
			return err
		}
		if err := tx.Post.DeleteOneID(id).Exec(ctx); err != nil {
			return err
		}
		// Live: open pages drop a published post; the queue loses a
		// waiting one.
		if err := s.postMoved(ctx, tx, id, p.TopicID, visible(p.Status), false, false); err != nil {
			return err
		}
		return s.mod.QueueMoved(ctx, tx, postType, id, moderation.InQueue(p.Status, p.FlaggedAt != nil), false)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteResult{DeletedPostID: id}, nil
}

// lock reads a post for update, so that writers of one post (edits,
// moderation, next: comments, reactions, flags) take turns.
func (s *Service) lock(ctx context.Context, tx *ent.Tx, id int) (*ent.Post, error) {
	q := tx.Post.Query().Where(post.ID(id))
	if s.db.LockForUpdate() {
		q = q.ForUpdate()
	}
	p, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.Errorf(errs.NotFound, "post %d not found", id)
	}
	return p, err
}

// ownPost locks the viewer's own post: another customer's post is
// NOT_FOUND when they may not see it and FORBIDDEN when they may.
func (s *Service) ownPost(ctx context.Context, tx *ent.Tx, v *auth.Viewer, id int) (*ent.Post, error) {
	p, err := s.lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if p.CustomerID != v.CustomerID {
		if p.Status != types.ModerationPublished {
			return nil, errs.Errorf(errs.NotFound, "post %d not found", id)
		}
		return nil, errs.Errorf(errs.Forbidden, "only its author may change a post")
	}
	return p, nil
}

// setTags makes ids p's product tags, in that order, each with its own
// verified-buyer mark, and sets p's verified_buyer from them. An unknown
// product fails the whole write.
func (s *Service) setTags(ctx context.Context, tx *ent.Tx, p *ent.Post, ids []int) error {
	if _, err := tx.PostProduct.Delete().Where(postproduct.PostID(p.ID)).Exec(ctx); err != nil {
		return err
	}
	known, err := tx.Product.Query().Where(product.IDIn(ids...)).IDs(ctx)
	if err != nil {
		return err
	}
	exists := make(map[int]bool, len(known))
	for _, id := range known {
		exists[id] = true
	}
	verified := false
	for i, id := range ids {
		if !exists[id] {
			return &errs.Error{Code: errs.NotFound, Field: fmt.Sprintf("input.productIds[%d]", i), Message: "no such product"}
		}
		line, err := deliveredLine(ctx, tx, p.CustomerID, id)
		if err != nil {
			return err
		}
		verified = verified || line != nil
		if err := tx.PostProduct.Create().SetPostID(p.ID).SetProductID(id).SetPosition(i).
			SetVerifiedBuyer(line != nil).SetNillableOrderItemID(line).SetCreatedAt(s.now()).Exec(ctx); err != nil {
			return err
		}
	}
	if verified == p.VerifiedBuyer {
		return nil
	}
	return tx.Post.UpdateOneID(p.ID).SetVerifiedBuyer(verified).Exec(ctx)
}

// deliveredLine returns the customer's order line of the product in a
// shipment the carrier delivered, or nil (the reviews rule).
func deliveredLine(ctx context.Context, tx *ent.Tx, customerID, productID int) (*int, error) {
	ids, err := tx.OrderItem.Query().
		Where(
			orderitem.ProductID(productID),
			orderitem.HasOrderWith(order.CustomerID(customerID)),
			orderitem.HasShipmentItemsWith(shipmentitem.HasShipmentWith(shipment.StatusEQ(types.TrackingDelivered))),
		).
		Order(orderitem.ByID()).
		Limit(1).
		IDs(ctx)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return &ids[0], nil
}

// recordRule writes the publishing rule's outcome to the trail, so that
// staff see why a post went up at once or waits.
func (s *Service) recordRule(ctx context.Context, tx *ent.Tx, p *ent.Post, from, to types.ModerationStatus, rec Record, v moderation.Verdict) error {
	reason := "trusted author; no watched word needs approval"
	if to != types.ModerationPublished {
		reason = holdReason(rec, v)
	}
	cid := p.CustomerID
	_, err := s.mod.Record(ctx, tx, postType, moderation.Item{ID: p.ID, Status: from, AuthorID: &cid}, nil, to, &reason, moderation.AutoActor)
	return err
}

// reload reads a post as the viewer in ctx sees it.
func (s *Service) reload(ctx context.Context, id int) (*PostResult, error) {
	p, err := s.db.Post.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &PostResult{Post: p}, nil
}
