package cost_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/aftercart/aftercart/graph/cost"
	"github.com/aftercart/aftercart/server/errs"
)

// testSDL is a small slice of aftercart's API shape: connections at two
// levels, a plain list between them, an interface, and a schema default.
const testSDL = `
interface Node { id: ID! }

type Query {
  orders(first: Int, last: Int, after: String, before: String): OrderConnection!
  recentOrders(first: Int = 10): OrderConnection!
  node(id: ID!): Node
  viewer: Customer
}

type Customer implements Node {
  id: ID!
  name: String!
  tags: [String!]!
  referrer: Customer
  orders(first: Int, last: Int): OrderConnection!
}

type OrderConnection {
  edges: [OrderEdge!]!
  pageInfo: PageInfo!
  totalCount: Int!
}
type OrderEdge { cursor: String! node: Order! }
type Order implements Node {
  id: ID!
  number: String!
  customer: Customer!
  shipments: [Shipment!]!
}
type Shipment implements Node {
  id: ID!
  carrier: String!
  events(first: Int, last: Int): EventConnection!
}
type EventConnection { edges: [EventEdge!]! pageInfo: PageInfo! }
type EventEdge { cursor: String! node: Event! }
type Event { id: ID! status: String! }
type PageInfo { hasNextPage: Boolean! endCursor: String }
`

var testSchema = gqlparser.MustLoadSchema(&ast.Source{Name: "test.graphql", Input: testSDL})

// mustOperation parses and validates query against testSchema, as gqlgen does
// before calling the extension, and returns its only operation.
func mustOperation(tb testing.TB, query string) *ast.OperationDefinition {
	tb.Helper()
	doc, errList := gqlparser.LoadQueryWithRules(testSchema, query, rules.NewDefaultRules())
	if len(errList) > 0 {
		tb.Fatalf("query does not validate: %v", errList)
	}
	if len(doc.Operations) != 1 {
		tb.Fatalf("want 1 operation, got %d", len(doc.Operations))
	}
	return doc.Operations[0]
}

// mustCoerce turns JSON variables into what gqlgen hands the extension.
func mustCoerce(tb testing.TB, op *ast.OperationDefinition, varsJSON string) map[string]any {
	tb.Helper()
	if varsJSON == "" {
		varsJSON = "{}"
	}
	var raw map[string]any
	dec := json.NewDecoder(strings.NewReader(varsJSON))
	dec.UseNumber() // as gqlgen's transports do
	if err := dec.Decode(&raw); err != nil {
		tb.Fatal(err)
	}
	vars, err := validator.VariableValues(testSchema, op, raw)
	if err != nil {
		tb.Fatalf("variables: %v", err)
	}
	return vars
}

// bomb returns a query of n fragments in which each spreads the next twice:
// 2^n leaves if every spread is walked again.
func bomb(n int) string {
	var b strings.Builder
	b.WriteString("query Bomb { viewer { ...F0 } }\n")
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on Customer { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Customer { name }\n", n)
	return b.String()
}

// nestedBomb is bomb with each spread under its own field, so that executing
// it would also produce 2^n objects.
func nestedBomb(n int) string {
	var b strings.Builder
	b.WriteString("query Bomb { viewer { ...F0 } }\n")
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on Customer { a: referrer { ...F%d } b: referrer { ...F%d } }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Customer { name }\n", n)
	return b.String()
}

// nestedOrders returns viewer { orders(first: 100) { edges { node { customer {
// ... } } } } } nested depth times: cost about 100^depth.
func nestedOrders(depth int) string {
	var b strings.Builder
	b.WriteString("{ viewer { ")
	for range depth {
		b.WriteString("orders(first: 100) { edges { node { customer { ")
	}
	b.WriteString("name")
	for range depth {
		b.WriteString(" } } } }")
	}
	b.WriteString(" } }")
	return b.String()
}

func aliases(n int, field string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, field)
	}
	b.WriteString(" }")
	return b.String()
}

func TestCalculate(t *testing.T) {
	tests := []struct {
		name  string
		query string
		vars  string
		want  int
	}{
		{name: "scalar fields", query: `{ viewer { id name } }`, want: 3},
		{name: "plain list is not multiplied", query: `{ viewer { tags } }`, want: 2},
		{name: "connection", query: `{ orders(first: 10) { totalCount } }`, want: 1 + 10*1},
		{name: "last", query: `{ orders(last: 30) { totalCount } }`, want: 1 + 30*1},
		{name: "first and last: the larger", query: `{ orders(first: 10, last: 30) { totalCount } }`, want: 1 + 30*1},
		{name: "bounds", query: `{ a: orders(first: 1) { totalCount } b: orders(last: 100) { totalCount } }`, want: 2 + 101},
		{
			// events: 1 + 20×(edges 1 + node 1 + status 1) = 61; shipments 62;
			// order node 1 + id 1 + 62 = 64; edges 65; orders 1 + 10×65.
			name:  "nested connections multiply",
			query: `{ orders(first: 10) { edges { node { id shipments { events(first: 20) { edges { node { status } } } } } } } }`,
			want:  1 + 10*(1+(1+1+(1+(1+20*(1+(1+1)))))),
		},
		{name: "every edge field is charged per page", query: `{ orders(first: 5) { edges { cursor } pageInfo { hasNextPage } totalCount } }`, want: 1 + 5*(2+2+1)},
		{name: "variable", query: `query($n: Int!) { orders(first: $n) { totalCount } }`, vars: `{"n": 50}`, want: 51},
		{name: "variable default", query: `query($n: Int = 7) { orders(first: $n) { totalCount } }`, want: 8},
		{name: "variable absent, schema default", query: `query($n: Int) { recentOrders(first: $n) { totalCount } }`, want: 11},
		{name: "schema default", query: `{ recentOrders { totalCount } }`, want: 11},
		{name: "literal overrides schema default", query: `{ recentOrders(first: 3) { totalCount } }`, want: 4},
		{name: "other argument as variable", query: `query($c: String) { orders(first: 2, after: $c) { totalCount } }`, want: 3},
		{
			name:  "inline fragments on an interface add up",
			query: `{ node(id: "1") { id ... on Order { number shipments { carrier } } ... on Customer { name } } }`,
			want:  1 + (1 + (1 + 2) + 1),
		},
		{name: "inline fragment without type condition", query: `{ viewer { ... { name } } }`, want: 2},
		{
			name: "named fragment counted at every spread",
			query: `{ a: orders(first: 2) { ...O } b: orders(first: 3) { ...O } }
				fragment O on OrderConnection { totalCount pageInfo { hasNextPage } }`,
			want: (1 + 2*3) + (1 + 3*3),
		},
		{
			name:  "fragment with a connection inside",
			query: `{ viewer { ...C } } fragment C on Customer { orders(first: 4) { totalCount } }`,
			want:  1 + (1 + 4),
		},
		{name: "skip is an upper bound", query: `{ viewer { name @skip(if: true) id } }`, want: 3},
		{name: "introspection is flat", query: `{ __schema { types { name fields { name type { name } } } } __type(name: "Order") { name } __typename }`, want: 3},
		{name: "typename in a connection", query: `{ orders(first: 4) { __typename } }`, want: 1 + 4},
		{name: "saturates instead of overflowing", query: nestedOrders(12), want: math.MaxInt},
		{name: "fragment bomb", query: bomb(22), want: 1 + 1<<22},
		// Each level: 2 × (referrer 1 + next level); the leaf costs 1.
		{name: "nested fragment bomb", query: nestedBomb(22), want: 1 + (3<<22 - 2)},
		{name: "200 aliases", query: aliases(200, "orders(first: 100) { totalCount }"), want: 200 * 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := mustOperation(t, tt.query)
			got, err := cost.Calculate(testSchema, op, mustCoerce(t, op, tt.vars))
			if err != nil {
				t.Fatalf("Calculate: %v", err)
			}
			if got != tt.want {
				t.Fatalf("cost = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestCalculateVariableForms(t *testing.T) {
	// Variables reach the extension as whatever the transport decoded and
	// gqlparser's coercion let through.
	op := mustOperation(t, `query($n: Int) { orders(first: $n) { totalCount } }`)
	tests := []struct {
		value any
		want  int
	}{
		{value: 7, want: 8},
		{value: int32(7), want: 8},
		{value: int64(7), want: 8},
		{value: float64(7), want: 8},
		{value: json.Number("7"), want: 8},
		{value: "7", want: 8},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%T", tt.value), func(t *testing.T) {
			got, err := cost.Calculate(testSchema, op, map[string]any{"n": tt.value})
			if err != nil || got != tt.want {
				t.Fatalf("Calculate = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestCalculateRefusesUnboundedConnections(t *testing.T) {
	tests := []struct {
		name    string
		query   string
		vars    string
		wantMsg string
		line    int
		column  int
	}{
		{
			name:    "missing",
			query:   `{ orders { totalCount } }`,
			wantMsg: `orders: "first" or "last" is required (1..100)`,
			line:    1, column: 3,
		},
		{
			name:    "only a cursor",
			query:   `{ orders(after: "x") { totalCount } }`,
			wantMsg: `orders: "first" or "last" is required (1..100)`,
		},
		{
			name:    "nested, named by path",
			query:   "{ orders(first: 1) {\n edges { node { shipments { events { pageInfo { hasNextPage } } } } } } }",
			wantMsg: `orders.edges.node.shipments.events: "first" or "last" is required (1..100)`,
			line:    2, column: 29,
		},
		{
			name:    "alias in the path",
			query:   `{ mine: viewer { recent: orders { totalCount } } }`,
			wantMsg: `mine.recent: "first" or "last" is required`,
		},
		{
			name:    "inside a fragment",
			query:   `{ viewer { ...C } } fragment C on Customer { orders { totalCount } }`,
			wantMsg: `viewer.orders: "first" or "last" is required`,
		},
		{name: "zero", query: `{ orders(first: 0) { totalCount } }`, wantMsg: `orders: "first" must be in 1..100, got 0`},
		{name: "101", query: `{ orders(first: 101) { totalCount } }`, wantMsg: `orders: "first" must be in 1..100, got 101`},
		{name: "negative last", query: `{ orders(last: -1) { totalCount } }`, wantMsg: `orders: "last" must be in 1..100, got -1`},
		{name: "one of two out of range", query: `{ orders(first: 10, last: 500) { totalCount } }`, wantMsg: `orders: "last" must be in 1..100, got 500`},
		{name: "null", query: `{ orders(first: null) { totalCount } }`, wantMsg: `orders: "first" or "last" is required`},
		{name: "null overrides schema default", query: `{ recentOrders(first: null) { totalCount } }`, wantMsg: `recentOrders: "first" or "last" is required`},
		{name: "variable too big", query: `query($n: Int) { orders(first: $n) { totalCount } }`, vars: `{"n": 1000}`, wantMsg: `orders: "first" must be in 1..100, got 1000`},
		{name: "variable null", query: `query($n: Int) { orders(first: $n) { totalCount } }`, vars: `{"n": null}`, wantMsg: `orders: "first" or "last" is required`},
		{name: "variable absent", query: `query($n: Int) { orders(first: $n) { totalCount } }`, wantMsg: `orders: "first" or "last" is required`},
		{name: "outermost reported first", query: `{ orders { edges { node { shipments { events { pageInfo { hasNextPage } } } } } } }`, wantMsg: `orders: "first"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := mustOperation(t, tt.query)
			got, err := cost.Calculate(testSchema, op, mustCoerce(t, op, tt.vars))
			if err == nil {
				t.Fatalf("Calculate = %d, want an error", got)
			}
			gqlErr, ok := err.(*gqlerror.Error)
			if !ok {
				t.Fatalf("error %v is %T, want *gqlerror.Error", err, err)
			}
			if code := gqlErr.Extensions["code"]; code != "INVALID_INPUT" {
				t.Errorf("extensions.code = %v, want INVALID_INPUT", code)
			}
			if errs.CodeOf(err) != errs.InvalidInput {
				t.Errorf("errs.CodeOf = %s, want INVALID_INPUT", errs.CodeOf(err))
			}
			if !strings.HasPrefix(gqlErr.Message, tt.wantMsg) {
				t.Errorf("message = %q, want prefix %q", gqlErr.Message, tt.wantMsg)
			}
			if tt.line != 0 {
				want := []gqlerror.Location{{Line: tt.line, Column: tt.column}}
				if fmt.Sprint(gqlErr.Locations) != fmt.Sprint(want) {
					t.Errorf("locations = %v, want %v", gqlErr.Locations, want)
				}
			}
		})
	}
}

func TestCalculateFragmentCycle(t *testing.T) {
	// Validation refuses cycles before the extension runs; Calculate must
	// still not follow one if handed an operation validated without that rule.
	doc, err := parser.ParseQuery(&ast.Source{Input: `{ viewer { ...A } }
		fragment A on Customer { name ...B }
		fragment B on Customer { id ...A }`})
	if err != nil {
		t.Fatal(err)
	}
	r := rules.NewDefaultRules()
	r.RemoveRule("NoFragmentCycles")
	r.RemoveRule("OverlappingFieldsCanBeMerged")
	_ = validator.ValidateWithRules(testSchema, doc, r)

	_, err = cost.Calculate(testSchema, doc.Operations[0], nil)
	if err == nil || !strings.Contains(err.Error(), "spreads itself") {
		t.Fatalf("Calculate error = %v, want a fragment cycle error", err)
	}
}

func TestCalculateFragmentBombIsLinear(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  int
	}{
		{name: "flat", query: bomb(30), want: 1 + 1<<30},
		{name: "nested", query: nestedBomb(30), want: 1 + (3<<30 - 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.query) > 2500 {
				t.Fatalf("bomb is %d bytes, want at most 2.5 KB", len(tt.query))
			}
			op := mustOperation(t, tt.query)
			start := time.Now()
			got, err := cost.Calculate(testSchema, op, nil)
			elapsed := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("cost = %d, want %d", got, tt.want)
			}
			// A generous bound that only a re-walk (2^30 visits) could break;
			// see BenchmarkCalculateFragmentBomb for the real figure.
			if elapsed > 2*time.Second {
				t.Fatalf("Calculate took %v", elapsed)
			}
		})
	}
}

func TestCalculateNeedsValidation(t *testing.T) {
	doc, err := parser.ParseQuery(&ast.Source{Input: `{ orders(first: 1) { totalCount } }`})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cost.Calculate(testSchema, doc.Operations[0], nil); err == nil {
		t.Fatal("Calculate accepted an unvalidated operation")
	}
	if _, err := cost.Calculate(testSchema, nil, nil); err == nil {
		t.Fatal("Calculate accepted a nil operation")
	}
}

func BenchmarkCalculateFragmentBomb(b *testing.B) {
	for name, query := range map[string]string{"flat": bomb(22), "nested": nestedBomb(22)} {
		b.Run(name, func(b *testing.B) {
			op := mustOperation(b, query)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cost.Calculate(testSchema, op, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCalculateNested(b *testing.B) {
	op := mustOperation(b, `{ orders(first: 10) { edges { node { id number shipments { carrier events(first: 20) { edges { node { status } } } } } } } }`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cost.Calculate(testSchema, op, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNodesByIDs: nodes(ids:) costs one page per id and takes at most a
// page of ids, as a literal or a variable.
func TestNodesByIDs(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
		interface Node { id: ID! }
		type Query { nodes(ids: [ID!]!): [Node]! }`})
	ids := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = strconv.Itoa(i + 1)
		}
		return out
	}
	for _, tc := range []struct {
		query string
		vars  map[string]any
		cost  int
		code  string
	}{
		{`{ nodes(ids: ["1", "2", "3"]) { id } }`, nil, 1 + 3*1, ""},
		{`query Q($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids(100)}, 1 + 100*1, ""},
		{`query Q($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids(101)}, 0, "INVALID_INPUT"},
	} {
		doc, gerr := gqlparser.LoadQuery(schema, tc.query)
		if gerr != nil {
			t.Fatal(gerr)
		}
		got, err := cost.Calculate(schema, doc.Operations[0], tc.vars)
		if tc.code != "" {
			if errs.CodeOf(err) != errs.Code(tc.code) {
				t.Errorf("%s: %v, want %s", tc.query, err, tc.code)
			}
			continue
		}
		if err != nil || got != tc.cost {
			t.Errorf("%s: cost %d, %v; want %d", tc.query, got, err, tc.cost)
		}
	}
}
