// Package validationtest holds GraphQL documents built to make validation
// expensive, against aftercart's schema: the shapes issue 8 found (hundreds
// of fields that cannot merge under one response name, identical nested
// fields) and every other path through gqlparser's validator that was, or
// could be, quadratic in the document or produce an error per node. Each fits
// the server's body (1 MiB) and parser token (15,000) limits, so the server
// must answer each quickly with a short list of errors. graph's tests, the
// server's HTTP tests and its benchmark share them.
package validationtest

import (
	"fmt"
	"strings"
)

// Shape is one document.
type Shape struct {
	// Name identifies the shape in test and benchmark output.
	Name string
	// Query is the document.
	Query string
	// OperationName selects the operation of a document holding several.
	OperationName string
	// Valid says the document passes validation (it may still fail later,
	// e.g. on its cost or for lack of a token).
	Valid bool
	// Issue marks the shapes issue 8 reported.
	Issue bool
}

// repeat joins n results of f with spaces.
func repeat(n int, f func(i int) string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f(i))
	}
	return b.String()
}

// Shapes returns the documents, in a fixed order.
func Shapes() []Shape {
	return []Shape{
		{
			// Issue 8: 500 fields under one alias with alternating
			// arguments: 62,250 errors and 145-294 ms before.
			Name: "alias-differing-args", Issue: true,
			Query: "{ " + repeat(500, func(i int) string {
				return fmt.Sprintf("a: orders(first: %d) { totalCount }", i%2+1)
			}) + " }",
		},
		{
			// Issue 8: one alias on different fields.
			Name: "alias-different-fields", Issue: true,
			Query: `{ order(number: "AC-1001") { ` + repeat(499, func(i int) string {
				return "a: " + []string{"id", "number", "externalId", "returnPolicy"}[i%4]
			}) + " } }",
		},
		{
			// Issue 8: 500 identical nested fields, valid: 126-145 ms before.
			Name: "identical-nested", Issue: true, Valid: true,
			Query: "{ " + repeat(500, func(int) string {
				return "orders(first: 1) { edges { node { number customer { firstName } } } }"
			}) + " }",
		},
		{
			// Mergeable variants of one field at every level, each
			// with other sub-fields: comparing them pairwise is
			// exponential in the depth without memoization.
			Name: "nested-variants", Valid: true,
			Query: `{ order(number: "AC-1001") { ` + nestedVariants(7) + " } }",
		},
		{
			Name: "too-many-shapes",
			Query: "{ " + repeat(480, func(i int) string {
				return fmt.Sprintf("a: orders(first: %d) { totalCount }", i%40+1)
			}) + " }",
		},
		{
			Name: "distinct-aliases",
			Query: "{ " + repeat(3500, func(i int) string {
				return fmt.Sprintf("a%d: __typename", i)
			}) + " }",
		},
		{
			Name:  "unknown-fields",
			Query: "{ " + repeat(7000, func(i int) string { return fmt.Sprintf("f%d", i) }) + " }",
		},
		{
			// 20 names of 50 KB each: every error echoes one.
			Name: "long-unknown-names",
			Query: "{ " + repeat(20, func(i int) string {
				return fmt.Sprintf("f%d%s", i, strings.Repeat("x", 50_000))
			}) + " }",
		},
		{
			Name:  "repeated-directives",
			Query: "{ __typename " + repeat(2000, func(int) string { return "@skip(if: false)" }) + " }",
		},
		{
			Name:  "unknown-directives",
			Query: "{ __typename " + repeat(7000, func(i int) string { return fmt.Sprintf("@d%d", i) }) + " }",
		},
		{
			Name:  "repeated-arguments",
			Query: "{ orders(" + repeat(4900, func(int) string { return "first: 1" }) + ") { totalCount } }",
		},
		{
			Name:  "unknown-arguments",
			Query: "{ __typename(" + repeat(4900, func(i int) string { return fmt.Sprintf("a%d: 1", i) }) + ") }",
		},
		{
			Name:  "unknown-input-fields",
			Query: "{ orders(first: 1, where: {" + repeat(4900, func(i int) string { return fmt.Sprintf("f%d: true", i) }) + "}) { totalCount } }",
		},
		{
			Name:  "long-list",
			Query: "{ nodes(ids: [" + repeat(14_000, func(int) string { return `"x"` }) + "]) { id } }",
			Valid: true,
		},
		{
			Name: "many-variables",
			Query: "query Q(" + repeat(900, func(i int) string { return fmt.Sprintf("$v%d: Int", i) }) + ") { " +
				repeat(900, func(i int) string { return fmt.Sprintf("a%d: orders(first: $v%d) { totalCount }", i, i) }) + " }",
		},
		{
			// The most variables allowed, each used many times.
			Name: "variable-uses",
			Query: "query Q(" + repeat(100, func(i int) string { return fmt.Sprintf("$v%d: Int", i) }) + ") { " +
				repeat(450, func(i int) string { return fmt.Sprintf("a%d: orders(first: $v%d) { totalCount }", i, 99-i%100) }) + " }",
			Valid: true,
		},
		{
			// gqlparser walks each fragment again for every fragment
			// that reaches it: quadratic in the chain's length.
			Name: "fragment-chain",
			Query: `{ order(number: "AC-1001") { ...F0 } } ` + repeat(240, func(i int) string {
				return fmt.Sprintf("fragment F%d on Order { number ...F%d }", i, i+1)
			}) + " fragment F240 on Order { id }",
		},
		{
			Name: "many-fragments",
			Query: `{ order(number: "AC-1001") { ...F0 } } ` + repeat(1500, func(i int) string {
				return fmt.Sprintf("fragment F%d on Order { id }", i)
			}),
		},
		{
			// Each spread looks its fragment up by a linear search.
			Name: "many-spreads",
			Query: `{ order(number: "AC-1001") { ` + repeat(3000, func(int) string { return "...F249" }) + " } } " +
				repeat(250, func(i int) string { return fmt.Sprintf("fragment F%d on Order { id }", i) }),
		},
		{
			// The 22-fragment bomb of graph/cost, each spreading the
			// next twice.
			Name: "fragment-bomb",
			Query: `{ order(number: "AC-1001") { ...F0 } } ` + repeat(22, func(i int) string {
				return fmt.Sprintf("fragment F%d on Order { number ...F%d ...F%d }", i, i+1, i+1)
			}) + " fragment F22 on Order { number }",
		},
		{
			// Every operation walks the fragment again.
			Name:          "operations-sharing-a-fragment",
			OperationName: "Q0",
			Query: repeat(600, func(i int) string {
				return fmt.Sprintf(`query Q%d { order(number: "AC-1001") { ...F } }`, i)
			}) + " fragment F on Order { " + repeat(400, func(i int) string { return fmt.Sprintf("a%d: number", i) }) + " }",
		},
		{
			// gqlparser collects every inline fragment's fields again,
			// with all those nested in it.
			Name:  "nested-inline-fragments",
			Query: `{ order(number: "AC-1001") { ` + strings.Repeat("... on Order { ", 900) + "id " + strings.Repeat("} ", 900) + "} }",
			Valid: true,
		},
	}
}

// nestedVariants selects `a: customer` twice at each of depth levels, each
// time with a different leaf next to the next level.
func nestedVariants(depth int) string {
	if depth == 0 {
		return "id"
	}
	inner := nestedVariants(depth - 1)
	return fmt.Sprintf("a: customer { firstName b: orders(first: 1) { edges { node { %s } } } } a: customer { lastName b: orders(first: 1) { edges { node { %s } } } }", inner, inner)
}
