package orders_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/aftercart/aftercart/graph"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// The order status fast path (graph/orderstatus_render.go) renders
// order(number:) without gqlgen's executor. These tests hold it to the
// executor's bytes: two servers on one database, one with the fast path and
// one without (-graphql-fast-path=false), answer the same requests, and
// every answer must be byte for byte the same, over every field of every
// type the fast path renders, with aliases, fragments, directives and
// several roots, for staff and customers. The metrics say which answers the
// fast path gave: every selection it knows must have been its own.

// fastPathUnplanned are the fields of the rendered types that the
// two-statement plan does not load: a selection with one of them is the
// executor's.
var fastPathUnplanned = map[string]bool{
	"Customer.orders": true, "OrderItem.order": true, "OrderItem.shipmentItems": true,
	"Shipment.order": true, "Shipment.items": true, "TrackingEvent.shipment": true,
	"TrackingEventConnection.totalCount": true, "Product.reviewSummary": true,
	"Product.reviews": true, "Product.featuredReviews": true, "Product.viewerReview": true,
	"Customer.loyalty": true, "Customer.referral": true, "Customer.notifications": true,
	"Product.complements": true,
}

// fastPathFixture imports orders whose values exercise the writer (and,
// being different from zero values, show a column the fast path forgot to
// read, graph/orderstatus_columns.go): strings
// that need escaping, null and non-null optional fields, timelines shorter
// than, equal to and longer than a page, a delivered shipment (deliveredAt,
// returnWindowEndsAt), a canceled order, an order without shipments.
func fastPathFixture(t *testing.T, s *testServer) {
	t.Helper()
	statusFixture(t, s, "mina@example.com", "FP-1", 4, 45, 3, 21, 0)
	statusFixture(t, s, "leo@example.com", "FP-2", 1)
	odd := testserver.ImportOrderVars(testserver.OrderSpec{Email: "zoë@example.com", Number: "FP-3", Items: 2})
	in := odd["input"].(map[string]any)
	in["canceledAt"] = "2026-11-03T09:30:00.123456Z"
	in["customer"].(map[string]any)["externalId"] = "cust-\"7\""
	in["customer"].(map[string]any)["firstName"] = "Zoë \"Z\" <b>&</b>\u2028"
	in["paymentMethod"] = nil
	in["shippingAddress"].(map[string]any)["line2"] = "Hinterhof\\links\n2. OG\t\u0001"
	in["discount"] = "1.25"
	items := in["items"].([]any)
	items[0].(map[string]any)["name"] = "Tee \"Classic\" \u00e9\u4e2d\U0001F600 </script>"
	items[0].(map[string]any)["category"] = "Shirts"
	items[0].(map[string]any)["reorderIntervalDays"] = 90
	delete(items[1].(map[string]any), "imageUrl")
	s.GQL(t, s.Integration(t), testserver.ImportOrderMutation, odd).MustOK(t, nil)

	o := s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "FP-4", Items: 1})
	s.MustShip(t, o.ID, "UPS", "1Z999AA10123456784")
	s.MustTrack(t, "UPS", "1Z999AA10123456784",
		testserver.Event("d-1", "IN_TRANSIT", testserver.T0),
		testserver.Event("d-2", "OUT_FOR_DELIVERY", testserver.T0.Add(20*3600e9)),
		testserver.Event("d-3", "DELIVERED", testserver.T0.Add(26*3600e9)))
}

// selGen generates random selections of the rendered types from the schema.
type selGen struct {
	schema *ast.Schema
	rnd    *rand.Rand
	// unplanned is set when a generated selection has a field of
	// fastPathUnplanned (or one edge under two aliases, or two page sizes),
	// which the executor answers.
	unplanned bool
	aliases   map[string]string // edge field -> alias used, per query
	first     int
	// all selects every planned field (and no other) at every level.
	all bool
}

func (g *selGen) pick(n int) int { return g.rnd.IntN(n) }

// object writes a selection for an object of type name, depth levels down.
func (g *selGen) object(name string) string {
	all := g.all
	def := g.schema.Types[name]
	var b strings.Builder
	b.WriteString("{ ")
	fields := slices.Clone(def.Fields)
	g.rnd.Shuffle(len(fields), func(i, j int) { fields[i], fields[j] = fields[j], fields[i] })
	wrote := false
	for _, f := range fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		key := name + "." + f.Name
		// Rarely: each one sends the whole query to the executor, and a
		// dozen of them stand on the types the status screen walks.
		if fastPathUnplanned[key] && (all || g.pick(30) != 0) {
			continue
		}
		if !all && g.pick(3) == 0 {
			continue
		}
		if fastPathUnplanned[key] {
			g.unplanned = true
		}
		b.WriteString(g.field(name, f))
		b.WriteString(" ")
		wrote = true
	}
	if !wrote || g.pick(5) == 0 {
		b.WriteString("__typename ")
	}
	extra := g.pick(6)
	if extra == 0 || all { // an inline fragment on the type itself
		b.WriteString("... on " + name + " { __typename } ")
	}
	if (extra == 1 || all) && slices.Contains(def.Interfaces, "Node") { // a fragment on an interface
		b.WriteString("... on Node { nodeId: id } ")
	}
	if extra == 2 || all { // fields under @include / @skip
		b.WriteString("skipped: __typename @skip(if: $yes) included: __typename @include(if: $yes) ")
	}
	b.WriteString("}")
	return b.String()
}

// field writes one field of parent (with an alias, arguments and a
// sub-selection as it needs).
func (g *selGen) field(parent string, f *ast.FieldDefinition) string {
	out := f.Name
	typ := f.Type.Name()
	sub := g.schema.Types[typ]
	edge := sub.Kind == ast.Object && typ != "Money" && typ != "Address" && typ != "PaymentMethod" && typ != "PageInfo"
	switch {
	case edge && f.Name != "customer" && f.Name != "product" && f.Name != "node":
		// A list edge is loaded once, under one alias.
		key := parent + "." + f.Name
		alias, seen := g.aliases[key]
		if !seen {
			alias = f.Name
			if g.pick(3) == 0 {
				alias = "my" + strings.ToUpper(f.Name[:1]) + f.Name[1:]
			}
			g.aliases[key] = alias
		}
		if alias != f.Name {
			out = alias + ": " + f.Name
		}
	case g.pick(4) == 0:
		out = "a" + f.Name + ": " + f.Name
	}
	if fastPathUnplanned[parent+"."+f.Name] {
		// The executor answers it: its own selection does not matter.
		if f.Arguments.ForName("first") != nil {
			out += "(first: 2)"
		}
		if sub.Kind == ast.Object || sub.Kind == ast.Interface {
			out += " { __typename }"
		}
		return out
	}
	if f.Name == "events" {
		first := []int{1, 3, 20, 21, 100}[g.pick(5)]
		if g.first != 0 && g.first != first {
			first = g.first
		}
		g.first = first
		out += fmt.Sprintf("(first: %d)", first)
	} else if len(f.Arguments) > 0 {
		panic("argument of " + parent + "." + f.Name)
	}
	if sub.Kind == ast.Object || sub.Kind == ast.Interface {
		out += " " + g.object(typ)
	}
	return out
}

// query is one request: a random selection of one to three roots.
func (g *selGen) query(numbers []string) (string, bool) {
	g.unplanned, g.aliases, g.first = false, map[string]string{}, 0
	var b strings.Builder
	b.WriteString("query Q($yes: Boolean!) { ")
	for i := range 1 + g.pick(3) {
		n := numbers[g.pick(len(numbers))]
		fmt.Fprintf(&b, "r%d: order(number: %q) %s ", i, n, g.object("Order"))
	}
	if g.pick(4) == 0 {
		b.WriteString("__typename ")
	}
	b.WriteString("}")
	return b.String(), !g.unplanned
}

// sortedErrors renders r's errors in a stable order.
func sortedErrors(r *testserver.Response) string {
	errs := make([]string, len(r.Errors))
	for i, e := range r.Errors {
		errs[i] = string(testserver.MustJSON(e))
	}
	slices.Sort(errs)
	return strings.Join(errs, "\n")
}

// fastPathServed reads the fast path's counters from the server's metrics.
func fastPathServed(t *testing.T, s *testServer) (served, fallback float64) {
	t.Helper()
	families, err := s.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "aftercart_graphql_fast_path_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			switch m.GetLabel()[0].GetValue() {
			case "served":
				served = m.GetCounter().GetValue()
			case "fallback":
				fallback = m.GetCounter().GetValue()
			}
		}
	}
	return served, fallback
}

func TestOrderStatusFastPath(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		fast := mustServer(t, dbURL)
		fastPathFixture(t, fast)
		slow := mustServer(t, dbURL, func(c *app.Config) {
			c.DataDir = fast.Config.DataDir // the same SQLite file
			c.NoFastPath = true
		})
		admin, mina, leo := fast.Token(t, auth.RoleAdmin, ""), fast.Token(t, auth.RoleCustomer, "mina@example.com"), fast.Token(t, auth.RoleCustomer, "leo@example.com")
		compare := func(t *testing.T, token, q string, vars map[string]any) string {
			t.Helper()
			a, b := fast.GQL(t, token, q, vars), slow.GQL(t, token, q, vars)
			// The executor resolves root fields concurrently, so the
			// order of their errors varies from one run to the next;
			// everything else must be the same bytes.
			if x, y := sortedErrors(a), sortedErrors(b); x != y {
				t.Fatalf("the fast path answers with other errors for\n%s\nfast:     %s\nexecutor: %s", q, x, y)
			}
			if x, y := string(a.Data), string(b.Data); x != y || (len(a.Errors) == 0 && string(a.Raw) != string(b.Raw)) {
				x, y = string(a.Raw), string(b.Raw)
				i := 0
				for i < min(len(x), len(y)) && x[i] == y[i] {
					i++
				}
				from := max(0, i-200)
				t.Fatalf("the fast path answers differently at byte %d of\n%s\nfast:     …%s\nexecutor: …%s", i, q, x[from:min(len(x), i+200)], y[from:min(len(y), i+200)])
			}
			return string(a.Raw)
		}

		// Every field of every rendered type, on every fixture order.
		g := &selGen{schema: schema, rnd: rand.New(rand.NewPCG(1, 2))}
		served0, _ := fastPathServed(t, fast)
		for _, n := range []string{"FP-1", "FP-2", "FP-3", "FP-4"} {
			g.unplanned, g.aliases, g.first, g.all = false, map[string]string{}, 20, true
			q := fmt.Sprintf("query Q($yes: Boolean!) { order(number: %q) %s }", n, g.object("Order"))
			g.all = false
			before, _ := fastPathServed(t, fast)
			body := compare(t, admin, q, map[string]any{"yes": true})
			if strings.Contains(body, `"errors"`) {
				t.Fatalf("%s: %s", n, body)
			}
			if after, _ := fastPathServed(t, fast); after != before+1 {
				t.Errorf("%s: not served by the fast path:\n%s\n%s", n, q, body)
			}
		}
		if served, _ := fastPathServed(t, fast); served-served0 != 4 {
			t.Fatalf("every field of every rendered type: the fast path served %v of 4", served-served0)
		}

		readme := testserver.ReadmeOrderStatusQuery(t)
		// README's OrderStatus, as staff and as its customer; another
		// customer's order and a missing one (NOT_FOUND: the executor's).
		served0, fallback0 := fastPathServed(t, fast)
		compare(t, admin, readme, map[string]any{"number": "FP-1"})
		compare(t, mina, readme, map[string]any{"number": "FP-1"})
		compare(t, leo, readme, map[string]any{"number": "FP-1"})
		compare(t, leo, readme, map[string]any{"number": "NOPE"})
		compare(t, "", readme, map[string]any{"number": "FP-1"})
		served, fallback := fastPathServed(t, fast)
		if served-served0 != 2 || fallback-fallback0 != 3 {
			t.Fatalf("served %v, fell back %v; want 2 and 3 (the foreign, missing and anonymous ones)", served-served0, fallback-fallback0)
		}

		// Random selections, by staff and by customers.
		numbers := []string{"FP-1", "FP-2", "FP-3", "FP-4"}
		tokens := []string{admin, admin, mina, leo}
		planned := 0
		served0, _ = fastPathServed(t, fast)
		for i := range 300 {
			q, ok := g.query(numbers)
			tok := tokens[i%len(tokens)]
			body := compare(t, tok, q, map[string]any{"yes": i%2 == 0})
			if ok && !strings.Contains(body, `"errors"`) {
				planned++
			}
		}
		if served, _ := fastPathServed(t, fast); int(served-served0) != planned {
			t.Fatalf("random selections: the fast path served %v of the %d it knows", served-served0, planned)
		}
		if planned < 100 {
			t.Fatalf("only %d of 300 random selections were the fast path's: the generator needs more", planned)
		}
	})
}
