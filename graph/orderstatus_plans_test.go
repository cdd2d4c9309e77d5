package graph

import (
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// TestVariablesOnlyInNumber: a plan is remembered only for operations whose
// variables cannot change it, the README's OrderStatus among them.
func TestVariablesOnlyInNumber(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	const page = `events(first: 20) { edges { node { status } } }`
	for _, c := range []struct {
		name, query string
		want        bool
	}{
		{"no variables", `{ order(number: "A") { id } }`, true},
		{"number", `query Q($n: String!) { order(number: $n) { id } }`, true},
		{"number with a default, aliases", `query Q($n: String! = "A") { a: order(number: $n) { id } b: order(number: "B") { id } }`, true},
		{"literal page and directives", `query Q($n: String!) { order(number: $n) { id @include(if: true) shipments { ` + page + ` } } }`, true},
		{"fragments without variables", `query Q($n: String!) { order(number: $n) { ...F } } fragment F on Order { id ... on Order { number } }`, true},
		{"page size", `query Q($n: String!, $f: Int) { order(number: $n) { shipments { events(first: $f) { edges { node { status } } } } } }`, false},
		{"include", `query Q($n: String!, $x: Boolean!) { order(number: $n) { id @include(if: $x) } }`, false},
		{"skip on the root", `query Q($n: String!, $x: Boolean!) { order(number: $n) @skip(if: $x) { id } }`, false},
		{"in a fragment", `query Q($n: String!, $x: Boolean!) { order(number: $n) { ...F } } fragment F on Order { id @skip(if: $x) }`, false},
		{"on a spread", `query Q($n: String!, $x: Boolean!) { order(number: $n) { ...F @include(if: $x) } } fragment F on Order { id }`, false},
		{"in an inline fragment", `query Q($n: String!, $x: Boolean!) { order(number: $n) { ... on Order @include(if: $x) { id } } }`, false},
		{"root in an inline fragment", `query Q($n: String!) { ... on Query { order(number: $n) { id } } }`, false},
		{"in a list", `query Q($n: String!, $o: OrderWhereInput!) { orders(first: 1, where: {and: [$o]}) { totalCount } order(number: $n) { id } }`, false},
	} {
		doc, errs := gqlparser.LoadQueryWithRules(schema, c.query, rules.NewDefaultRules())
		if errs != nil {
			t.Fatalf("%s: %v", c.name, errs)
		}
		if got := variablesOnlyInNumber(doc.Operations[0]); got != c.want {
			t.Errorf("%s: variablesOnlyInNumber = %v, want %v", c.name, got, c.want)
		}
	}
}
