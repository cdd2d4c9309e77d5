package community

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/comment"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/moderation"
)

// MaxCommentBody bounds a comment's text, in characters.
const MaxCommentBody = 5000

// CommentInput is a new comment or reply (GraphQL AddCommentInput).
type CommentInput struct {
	PostID int    `json:"postId"`
	Body   string `json:"body"`
	// ParentID makes the comment a reply to a top-level comment of the
	// same post.
	ParentID *int `json:"parentId,omitempty"`
}

// CommentEdit changes the author's comment (GraphQL EditCommentInput).
type CommentEdit struct {
	CommentID int    `json:"commentId"`
	Body      string `json:"body"`
}

// CommentResult carries the comment as its author sees it (GraphQL
// AddCommentPayload, EditCommentPayload).
type CommentResult struct {
	Comment *ent.Comment
}

// CommentDeleteResult names what deleteComment removed (GraphQL
// DeleteCommentPayload).
type CommentDeleteResult struct {
	DeletedCommentID int
	// DeletedReplyIDs are the replies deleted with a top-level comment.
	DeletedReplyIDs []int
}

// AddComment writes a comment on a post, or a reply to one of its
// top-level comments, under the trust rule and watched words as for posts:
// a trusted author's comment publishes at once (and counts on the post),
// anyone else's waits in the queue. Errors: INVALID_INPUT for an empty or
// long body, a blocked word, a reply to a reply or to another post's
// comment; NOT_FOUND for a post or parent the viewer may not see; CONFLICT
// for the author's own post or comment that is not published;
// FORBIDDEN for staff and silenced authors; THROTTLED past the rate limit.
func (s *Service) AddComment(ctx context.Context, in CommentInput) (*CommentResult, error) {
	v, err := customer(ctx)
	if err != nil {
		return nil, err
	}
	body, err := checkText("input.body", in.Body, MaxCommentBody, true)
	if err != nil {
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
	if err := s.comments.Allow(v.Subject); err != nil {
		return nil, err
	}
	var id int
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		cu, err := s.author(ctx, tx, v.CustomerID)
		if err != nil {
			return err
		}
		p, err := s.openPost(ctx, tx, v, in.PostID, "comment on")
		if err != nil {
			return err
		}
		if in.ParentID != nil {
			if err := checkParent(ctx, tx, v, p.ID, *in.ParentID); err != nil {
				return err
			}
		}
		rec, err := record(ctx, tx, cu)
		if err != nil {
			return err
		}
		status := InitialStatus(Trusted(rec), verdict)
		now := s.now()
		c, err := tx.Comment.Create().
			SetPostID(p.ID).
			SetNillableParentID(in.ParentID).
			SetCustomerID(cu.ID).
			SetBody(body).
			SetNillableCensoredBody(m.Censor(body)).
			SetStatus(status).
			SetAuthorName(moderation.DisplayName(cu.FirstName, cu.LastName)).
			SetWatchedWords(verdict.Watched()).
			SetCreatedAt(now).
			SetUpdatedAt(now).
			Save(ctx)
		if err != nil {
			return err
		}
		id = c.ID
		n, err := counted(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if err := recount(ctx, tx, p.ID, 0, n); err != nil {
			return err
		}
		if err := s.recordOutcome(ctx, tx, commentType, c.ID, c.CustomerID, types.ModerationPending, status, rec, verdict); err != nil {
			return err
		}
		// The live feeds, under the post's row lock (openPost), the queue's
		// lock last.
		if err := s.commentMoved(ctx, tx, c, false, visible(status), false); err != nil {
			return err
		}
		return s.mod.QueueMoved(ctx, tx, commentType, c.ID, false, moderation.InQueue(status, false))
	})
	if err != nil {
		return nil, err
	}
	return s.reloadComment(ctx, id)
}

// EditComment changes the author's comment; the rule runs again as for a
// post's edit (a PENDING comment that now passes publishes, a PUBLISHED
// one that now holds a watched word waits again, a staff decision stays).
func (s *Service) EditComment(ctx context.Context, in CommentEdit) (*CommentResult, error) {
	v, err := customer(ctx)
	if err != nil {
		return nil, err
	}
	body, err := checkText("input.body", in.Body, MaxCommentBody, true)
	if err != nil {
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
	if err := s.comments.Allow(v.Subject); err != nil {
		return nil, err
	}
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		cu, err := s.author(ctx, tx, v.CustomerID)
		if err != nil {
			return err
		}
		c, err := s.ownComment(ctx, tx, v, in.CommentID)
		if err != nil {
			return err
		}
		rec, err := record(ctx, tx, cu)
		if err != nil {
			return err
		}
		status := c.Status
		switch {
		case c.Status == types.ModerationPending:
			status = InitialStatus(Trusted(rec), verdict)
		case c.Status == types.ModerationPublished && verdict.Hold():
			status = types.ModerationPending
		}
		before, err := counted(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		now := s.now()
		u := tx.Comment.UpdateOneID(c.ID).
			SetBody(body).
			SetStatus(status).
			SetAuthorName(moderation.DisplayName(cu.FirstName, cu.LastName)).
			SetWatchedWords(verdict.Watched()).
			SetEditedAt(now).
			SetUpdatedAt(now)
		if cb := m.Censor(body); cb != nil {
			u.SetCensoredBody(*cb)
		} else {
			u.ClearCensoredBody()
		}
		if err := u.Exec(ctx); err != nil {
			return err
		}
		after, err := counted(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if err := recount(ctx, tx, c.PostID, before, after); err != nil {
			return err
		}
		if status != c.Status {
			if err := s.recordOutcome(ctx, tx, commentType, c.ID, c.CustomerID, c.Status, status, rec, verdict); err != nil {
				return err
			}
		}
		edited := *c
		edited.Status = status
		if err := s.commentMoved(ctx, tx, &edited, visible(c.Status), visible(status), true); err != nil {
			return err
		}
		flagged := c.FlaggedAt != nil
		return s.mod.QueueMoved(ctx, tx, commentType, c.ID, moderation.InQueue(c.Status, flagged), moderation.InQueue(status, flagged))
	})
	if err != nil {
		return nil, err
	}
	return s.reloadComment(ctx, in.CommentID)
}

// DeleteComment deletes the author's comment and, for a top-level one,
// its replies (whoever wrote them: a thread goes with its first comment,
// so no reply is left answering nothing). The post's count drops by the
// published ones among them. The trail and flags about them stay.
func (s *Service) DeleteComment(ctx context.Context, id int) (*CommentDeleteResult, error) {
	v, err := customer(ctx)
	if err != nil {
		return nil, err
	}
	out := &CommentDeleteResult{DeletedCommentID: id, DeletedReplyIDs: []int{}}
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		c, err := s.ownComment(ctx, tx, v, id)
		if err != nil {
			return err
		}
		before, err := counted(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		replies, err := tx.Comment.Query().Where(comment.ParentID(c.ID)).Order(ent.Asc(comment.FieldID)).IDs(ctx)
		if err != nil {
			return err
		}
		out.DeletedReplyIDs = append(out.DeletedReplyIDs, replies...)
		gone, err := tx.Comment.Query().Where(comment.ParentID(c.ID)).Order(ent.Asc(comment.FieldID)).All(ctx)
		if err != nil {
			return err
		}
		gone = append(gone, c)
		if _, err := tx.Comment.Delete().Where(comment.ParentID(c.ID)).Exec(ctx); err != nil {
			return err
		}
		if err := tx.Comment.DeleteOneID(c.ID).Exec(ctx); err != nil {
			return err
		}
		if err := recount(ctx, tx, c.PostID, before, 0); err != nil {
			return err
		}
		// Open pages drop the thread; the queue lets go of what waited.
		for _, g := range gone {
			if err := s.commentMoved(ctx, tx, g, visible(g.Status), false, false); err != nil {
				return err
			}
		}
		for _, g := range gone {
			if err := s.mod.QueueMoved(ctx, tx, commentType, g.ID, moderation.InQueue(g.Status, g.FlaggedAt != nil), false); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// openPost locks a post the viewer may write on (comment on, react to):
// PUBLISHED. Another customer's unpublished post is NOT_FOUND, as it is
// on every read; the viewer's own is CONFLICT, saying why.
func (s *Service) openPost(ctx context.Context, tx *ent.Tx, v *auth.Viewer, id int, what string) (*ent.Post, error) {
	p, err := s.lock(ctx, tx, id)
	if err != nil {
		return nil, notFoundAt("input.postId", err)
	}
	switch {
	case p.Status == types.ModerationPublished:
		return p, nil
	case p.CustomerID != v.CustomerID:
		return nil, &errs.Error{Code: errs.NotFound, Field: "input.postId", Message: "no such post"}
	}
	return nil, &errs.Error{Code: errs.Conflict, Field: "input.postId",
		Message: "your post is " + string(p.Status) + ": others can " + what + " it once it is published"}
}

// checkParent checks a reply's parent: a PUBLISHED top-level comment of
// the same post (the viewer's own unpublished one is CONFLICT, anyone
// else's NOT_FOUND).
func checkParent(ctx context.Context, tx *ent.Tx, v *auth.Viewer, postID, parentID int) error {
	par, err := tx.Comment.Get(ctx, parentID)
	switch {
	case ent.IsNotFound(err):
		return &errs.Error{Code: errs.NotFound, Field: "input.parentId", Message: "no such comment"}
	case err != nil:
		return err
	case par.Status != types.ModerationPublished && par.CustomerID != v.CustomerID:
		return &errs.Error{Code: errs.NotFound, Field: "input.parentId", Message: "no such comment"}
	case par.PostID != postID:
		return errs.Invalid("input.parentId", "that comment is on another post")
	case par.ParentID != nil:
		return errs.Invalid("input.parentId", "replies are one level deep: reply to the comment it answers")
	case par.Status != types.ModerationPublished:
		return &errs.Error{Code: errs.Conflict, Field: "input.parentId", Message: "your comment is " + string(par.Status) + ": replies open once it is published"}
	}
	return nil
}

// ownComment locks the viewer's own comment (through its post's row lock,
// the one every writer of the post's comments takes). Another customer's
// comment is NOT_FOUND when they may not see it and FORBIDDEN when they
// may.
func (s *Service) ownComment(ctx context.Context, tx *ent.Tx, v *auth.Viewer, id int) (*ent.Comment, error) {
	c, p, err := s.lockComment(ctx, tx, id)
	if err != nil {
		return nil, notFoundAt("input.commentId", err)
	}
	switch {
	case c.CustomerID == v.CustomerID:
		return c, nil
	case c.Status != types.ModerationPublished || p.Status != types.ModerationPublished:
		return nil, &errs.Error{Code: errs.NotFound, Field: "input.commentId", Message: "no such comment"}
	}
	return nil, errs.Errorf(errs.Forbidden, "only its author may change a comment")
}

// lockComment takes the comment's post's row lock, then reads the
// comment: a comment's writers (its author, staff, flags, replies that
// count on the post) take turns on the post.
func (s *Service) lockComment(ctx context.Context, tx *ent.Tx, id int) (*ent.Comment, *ent.Post, error) {
	c, err := tx.Comment.Query().Where(comment.ID(id)).Select(comment.FieldPostID).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, errs.Errorf(errs.NotFound, "comment %d not found", id)
	} else if err != nil {
		return nil, nil, err
	}
	p, err := s.lock(ctx, tx, c.PostID)
	if err != nil {
		return nil, nil, err
	}
	c, err = tx.Comment.Get(ctx, id)
	return c, p, err
}

// counted is how many comments the post's comment_count holds for
// comment id: a PUBLISHED top-level comment with its PUBLISHED replies, a
// PUBLISHED reply while its comment is PUBLISHED (rule.ScopeComments
// hides a reply with its comment, so the count does too), else none.
// Writers read it before and after a change, under the post's row lock,
// and move the count by the difference (recount).
func counted(ctx context.Context, tx *ent.Tx, id int) (int, error) {
	c, err := tx.Comment.Query().Where(comment.ID(id)).WithParent().Only(ctx)
	if err != nil || c.Status != types.ModerationPublished {
		return 0, err
	}
	if c.ParentID != nil {
		if c.Edges.Parent != nil && c.Edges.Parent.Status == types.ModerationPublished {
			return 1, nil
		}
		return 0, nil
	}
	n, err := tx.Comment.Query().Where(comment.ParentID(id), comment.StatusEQ(types.ModerationPublished)).Count(ctx)
	return 1 + n, err
}

// recount moves the post's comment_count by after-before.
func recount(ctx context.Context, tx *ent.Tx, postID, before, after int) error {
	if before == after {
		return nil
	}
	return tx.Post.UpdateOneID(postID).AddCommentCount(after - before).Exec(ctx)
}

// recordOutcome writes the publishing rule's outcome for a post or a
// comment to the trail, so that staff see why it went up at once or
// waits.
func (s *Service) recordOutcome(ctx context.Context, tx *ent.Tx, typ string, id, authorID int, from, to types.ModerationStatus, rec Record, v moderation.Verdict) error {
	reason := "trusted author; no watched word needs approval"
	if to != types.ModerationPublished {
		reason = holdReason(rec, v)
	}
	_, err := s.mod.Record(ctx, tx, typ, moderation.Item{ID: id, Status: from, AuthorID: &authorID}, nil, to, &reason, moderation.AutoActor)
	return err
}

// notFoundAt names the input field of a NOT_FOUND error.
func notFoundAt(field string, err error) error {
	if e, ok := errs.As(err); ok && e.Code == errs.NotFound && e.Field == "" {
		fixed := *e
		fixed.Field = field
		return &fixed
	}
	return err
}

// reloadComment reads a comment as the viewer in ctx sees it.
func (s *Service) reloadComment(ctx context.Context, id int) (*CommentResult, error) {
	c, err := s.db.Comment.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &CommentResult{Comment: c}, nil
}
