package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// selects reports whether the field being resolved (of GraphQL type
// typeName) selects field, in any of its fragments. A connection's
// feedCursor costs a statement, which a page that does not follow the feed
// should not pay; so does a hand-paged connection's totalCount.
func selects(ctx context.Context, typeName, field string) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{typeName}) {
		if f.Name == field {
			return true
		}
	}
	return false
}
