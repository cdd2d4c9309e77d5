package rule

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/comment"
	"github.com/aftercart/aftercart/ent/post"
	"github.com/aftercart/aftercart/ent/postproduct"
	"github.com/aftercart/aftercart/ent/predicate"
	"github.com/aftercart/aftercart/ent/privacy"
	"github.com/aftercart/aftercart/ent/reaction"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
)

// postVisible is the one predicate behind every path to a community post,
// as reviewVisible is for reviews: a PUBLISHED post is everyone's
// (anonymous viewers included); any other only its author's. Staff and
// system contexts are allowed before it runs. Filtering keeps another
// customer's pending post indistinguishable from a missing one in lists,
// node(id:), nodes and totalCount alike.
func postVisible(ctx context.Context) predicate.Post {
	published := post.StatusEQ(types.ModerationPublished)
	if v, ok := auth.FromContext(ctx); ok && v.IsCustomer() {
		return post.Or(published, post.CustomerID(v.CustomerID))
	}
	return published
}

// ScopePosts lets customers and anonymous viewers see PUBLISHED posts and,
// for a customer, their own in any status.
func ScopePosts() privacy.QueryRule {
	return privacy.PostQueryRuleFunc(func(ctx context.Context, q *ent.PostQuery) error {
		q.Where(postVisible(ctx))
		return privacy.Allow
	})
}

// ScopePostProducts shows a product tag exactly when its post is visible.
func ScopePostProducts() privacy.QueryRule {
	return privacy.PostProductQueryRuleFunc(func(ctx context.Context, q *ent.PostProductQuery) error {
		q.Where(postproduct.HasPostWith(postVisible(ctx)))
		return privacy.Allow
	})
}

// ScopeComments shows a comment when it, its post and, for a reply, the
// comment it answers are visible: PUBLISHED ones to everyone, and a
// customer's own in any status. A comment on a hidden post is hidden with
// it, and a reply with its comment, however published the reply itself
// (Post.commentCount counts the same way).
func ScopeComments() privacy.QueryRule {
	return privacy.CommentQueryRuleFunc(func(ctx context.Context, q *ent.CommentQuery) error {
		q.Where(commentVisible(ctx), comment.HasPostWith(postVisible(ctx)),
			comment.Or(comment.ParentIDIsNil(), comment.HasParentWith(commentVisible(ctx))))
		return privacy.Allow
	})
}

// commentVisible: PUBLISHED, or the customer viewer's own.
func commentVisible(ctx context.Context) predicate.Comment {
	published := comment.StatusEQ(types.ModerationPublished)
	if v, ok := auth.FromContext(ctx); ok && v.IsCustomer() {
		return comment.Or(published, comment.CustomerID(v.CustomerID))
	}
	return published
}

// ScopeOwnReactions lets a customer read their own reactions (which kinds
// they left on a post) and nobody else any: counts are on the posts.
func ScopeOwnReactions() privacy.QueryRule {
	return privacy.ReactionQueryRuleFunc(func(ctx context.Context, q *ent.ReactionQuery) error {
		v, ok := auth.FromContext(ctx)
		if !ok || !v.IsCustomer() {
			return privacy.Deny
		}
		q.Where(reaction.CustomerID(v.CustomerID), reaction.HasPostWith(postVisible(ctx)))
		return privacy.Allow
	})
}
