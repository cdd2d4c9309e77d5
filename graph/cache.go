package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
)

// Query caches. gqlgen's caches bound the number of entries, not their
// size: 1,000 parsed documents or persisted queries of up to a body's 1 MiB
// each could hold gigabytes, filled by anyone. Only queries up to
// MaxCachedQueryBytes are kept; larger ones (no real client sends them) are
// parsed again each time, which the validation guard bounds.
const (
	// MaxCachedQueryBytes is the largest query text the caches keep.
	MaxCachedQueryBytes = 16 << 10
	// queryCacheEntries is how many queries each cache keeps.
	queryCacheEntries = 1000
)

// smallOnly is a gqlgen cache that refuses entries larger than max, as
// measured by size.
type smallOnly[T any] struct {
	graphql.Cache[T]
	max  int
	size func(key string, value T) int
}

// Add keeps value only if it is small.
func (c smallOnly[T]) Add(ctx context.Context, key string, value T) {
	if c.size(key, value) <= c.max {
		c.Cache.Add(ctx, key, value)
	}
}

// newQueryCache caches parsed documents, keyed by their query text.
func newQueryCache() graphql.Cache[*ast.QueryDocument] {
	return smallOnly[*ast.QueryDocument]{
		Cache: lru.New[*ast.QueryDocument](queryCacheEntries),
		max:   MaxCachedQueryBytes,
		size:  func(query string, _ *ast.QueryDocument) int { return len(query) },
	}
}

// newPersistedQueryCache caches persisted queries' text by hash.
func newPersistedQueryCache() graphql.Cache[string] {
	return smallOnly[string]{
		Cache: lru.New[string](queryCacheEntries),
		max:   MaxCachedQueryBytes,
		size:  func(_ string, query string) int { return len(query) },
	}
}
