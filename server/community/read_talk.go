package community

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/comment"
	"github.com/aftercart/aftercart/ent/reaction"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/moderation"
)

// What a page of posts loads for its viewer beside the posts, one
// statement each for the whole page (ent's eager loading, under the
// privacy rules): the viewer's own unpublished comments (commentCount)
// and their reactions (viewerReactions). A post read alone (node, a
// payload) reads them with one statement of its own.
const (
	ownUnpublished = "viewerUnpublishedComments"
	ownReactions   = "viewerReactions"
)

// withViewer adds the customer viewer's own comments and reactions to a
// page of posts; other viewers have none.
func withViewer(ctx context.Context, q *ent.PostQuery) *ent.PostQuery {
	v, ok := auth.FromContext(ctx)
	if !ok || !v.IsCustomer() {
		return q
	}
	return q.
		WithNamedComments(ownUnpublished, func(cq *ent.CommentQuery) {
			cq.Where(comment.CustomerID(v.CustomerID), comment.StatusNEQ(types.ModerationPublished)).
				Select(comment.FieldID, comment.FieldPostID)
		}).
		WithNamedReactions(ownReactions, func(rq *ent.ReactionQuery) {
			rq.Where(reaction.CustomerID(v.CustomerID))
		})
}

// CommentCount is the number of comments on p the viewer may see: the
// PUBLISHED ones, counted on the row (the same for everyone), plus, for a
// customer, their own that are not published (only they see those).
func CommentCount(ctx context.Context, p *ent.Post) (int, error) {
	v, ok := auth.FromContext(ctx)
	if !ok || !v.IsCustomer() {
		return p.CommentCount, nil
	}
	if own, err := p.NamedComments(ownUnpublished); err == nil {
		return p.CommentCount + len(own), nil
	}
	n, err := p.QueryComments().
		Where(comment.CustomerID(v.CustomerID), comment.StatusNEQ(types.ModerationPublished)).Count(ctx)
	return p.CommentCount + n, err
}

// ViewerReactions are the kinds the customer viewer left on p, in the
// kinds' order; empty for anyone else.
func ViewerReactions(ctx context.Context, p *ent.Post) ([]types.ReactionKind, error) {
	v, ok := auth.FromContext(ctx)
	if !ok || !v.IsCustomer() {
		return []types.ReactionKind{}, nil
	}
	rs, err := p.NamedReactions(ownReactions)
	if err != nil {
		if rs, err = p.QueryReactions().Where(reaction.CustomerID(v.CustomerID)).All(ctx); err != nil {
			return nil, err
		}
	}
	left := map[types.ReactionKind]bool{}
	for _, r := range rs {
		left[r.Kind] = true
	}
	out := []types.ReactionKind{}
	for _, k := range types.ReactionKinds {
		if left[k] {
			out = append(out, k)
		}
	}
	return out, nil
}

// Comments lists p's top-level comments the viewer may see, oldest first,
// with their replies loaded for the whole page in one more statement
// (Replies). A reply whose comment the viewer may not see is not shown.
// With pg.FeedCursor, the page carries p's commentAdded position, taken
// before its rows (see commentFeedCursor).
func (s *Service) Comments(ctx context.Context, p *ent.Post, pg Page) (*CommentPage, error) {
	out := &CommentPage{}
	if pg.FeedCursor {
		c, err := commentFeedCursor(ctx, s.db.Client, p.ID)
		if err != nil {
			return nil, err
		}
		out.FeedCursor = c
	}
	conn, err := s.db.Comment.Query().
		Where(comment.PostID(p.ID), comment.ParentIDIsNil()).
		WithReplies(replyOrder).
		Paginate(ctx, pg.After, pg.First, pg.Before, pg.Last)
	if err != nil {
		return nil, err
	}
	out.CommentConnection = conn
	return out, nil
}

// replyOrder is a thread's order: oldest first (ids grow with time).
func replyOrder(q *ent.CommentQuery) { q.Order(ent.Asc(comment.FieldID)) }

// Replies are c's replies the viewer may see, oldest first.
func Replies(ctx context.Context, c *ent.Comment) ([]*ent.Comment, error) {
	if rs, err := c.Edges.RepliesOrErr(); err == nil {
		return rs, nil
	}
	q := c.QueryReplies()
	replyOrder(q)
	return q.All(ctx)
}

// CommentBody is the comment's text as the viewer in ctx may read it: as
// written for its author and staff, with censored words masked for anyone
// else.
func CommentBody(ctx context.Context, c *ent.Comment) string {
	if c.CensoredBody != nil && !seesOriginal(ctx, c.CustomerID) {
		return *c.CensoredBody
	}
	return c.Body
}

// CommentAuthor names c's author as other viewers see them.
func CommentAuthor(c *ent.Comment) *moderation.Author {
	return &moderation.Author{DisplayName: c.AuthorName}
}

// CommentWatchedWords are the watched words c matched when last written,
// for staff; empty for anyone else.
func CommentWatchedWords(ctx context.Context, c *ent.Comment) []string {
	if auth.RequireStaff(ctx) != nil || c.WatchedWords == nil {
		return []string{}
	}
	return c.WatchedWords
}

// ViewerIsAuthor reports whether the signed-in customer is authorID, the
// author of a post or comment: pages recognise their own content by it
// rather than by display names, which two customers can share, and no
// author id reaches other viewers.
func ViewerIsAuthor(ctx context.Context, authorID int) bool {
	v, ok := auth.FromContext(ctx)
	return ok && v.IsCustomer() && v.CustomerID != 0 && v.CustomerID == authorID
}
