package graph

import (
	"context"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

// TestCachesKeepOnlySmallQueries: the caches a client fills hold small
// queries only, so 1,000 entries stay a few MB whatever clients send.
func TestCachesKeepOnlySmallQueries(t *testing.T) {
	ctx := context.Background()
	small, large := "{ __typename }", "{ __typename "+strings.Repeat(" ", MaxCachedQueryBytes)+"}"

	docs := newQueryCache()
	docs.Add(ctx, small, &ast.QueryDocument{})
	docs.Add(ctx, large, &ast.QueryDocument{})
	if _, ok := docs.Get(ctx, small); !ok {
		t.Error("a small document was not cached")
	}
	if _, ok := docs.Get(ctx, large); ok {
		t.Error("a document over the limit was cached")
	}

	persisted := newPersistedQueryCache()
	persisted.Add(ctx, "hash-small", small)
	persisted.Add(ctx, "hash-large", large)
	if _, ok := persisted.Get(ctx, "hash-small"); !ok {
		t.Error("a small persisted query was not cached")
	}
	if _, ok := persisted.Get(ctx, "hash-large"); ok {
		t.Error("a persisted query over the limit was cached")
	}
}
