package rule

import (
	"context"
	"errors"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/predicate"
	"github.com/aftercart/aftercart/ent/privacy"
	"github.com/aftercart/aftercart/ent/review"
	"github.com/aftercart/aftercart/ent/reviewreply"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// reviewVisible is the one predicate behind every path to a review: a
// PUBLISHED review is everyone's; any other only its author's (staff and
// system contexts are allowed before it runs). Filtering keeps a pending
// review of someone else indistinguishable from a missing one, in lists,
// node(id:), nodes, totalCount and summaries alike.
func reviewVisible(ctx context.Context) predicate.Review {
	published := review.StatusEQ(types.ModerationPublished)
	if v, ok := auth.FromContext(ctx); ok && v.IsCustomer() {
		return review.Or(published, review.CustomerID(v.CustomerID))
	}
	return published
}

// ScopeReviews lets customers and anonymous viewers see PUBLISHED reviews
// and, for a customer, their own in any status.
func ScopeReviews() privacy.QueryRule {
	return privacy.ReviewQueryRuleFunc(func(ctx context.Context, q *ent.ReviewQuery) error {
		q.Where(reviewVisible(ctx))
		return privacy.Allow
	})
}

// ScopeReviewReplies shows a reply exactly when its review is visible.
func ScopeReviewReplies() privacy.QueryRule {
	return privacy.ReviewReplyQueryRuleFunc(func(ctx context.Context, q *ent.ReviewReplyQuery) error {
		q.Where(reviewreply.HasReviewWith(reviewVisible(ctx)))
		return privacy.Allow
	})
}

// DenyForbidden denies the query with a FORBIDDEN error (a known viewer
// whose role may not read this) or UNAUTHENTICATED (no viewer). It is for
// staff-only tables, where a filtered empty answer would mislead.
func DenyForbidden(msg string) privacy.QueryRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if _, ok := auth.FromContext(ctx); !ok {
			return errors.Join(privacy.Deny, errs.Errorf(errs.Unauthenticated, "sign in with an ADMIN token"))
		}
		return errors.Join(privacy.Deny, errs.Errorf(errs.Forbidden, "%s", msg))
	})
}

// AppendOnly is the mutation policy of audit tables: rows are created by
// trusted code and never updated or deleted, by anyone.
func AppendOnly() privacy.MutationPolicy {
	return privacy.MutationPolicy{
		privacy.OnMutationOperation(privacy.AlwaysDenyRule(), ent.OpUpdate|ent.OpUpdateOne|ent.OpDelete|ent.OpDeleteOne),
		AllowTrusted(),
		privacy.AlwaysDenyRule(),
	}
}
