package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// selectsFeedCursor reports whether the connection field being resolved
// (of GraphQL type typeName) selects feedCursor, in any of its fragments:
// the feed's position costs a statement, which a page that does not
// follow the feed should not pay.
func selectsFeedCursor(ctx context.Context, typeName string) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{typeName}) {
		if f.Name == "feedCursor" {
			return true
		}
	}
	return false
}
