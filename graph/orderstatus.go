package graph

import (
	"context"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/server/orders"
)

// order(number:) is the order status screen: the most frequent request
// aftercart serves. entgql's field collection would load it in one statement
// per edge (order, customer, items, products, shipments, events) plus a
// COUNT of every shipment's events because pageInfo is selected, and its
// per-shipment page is a window function that reads and sorts a shipment's
// whole timeline. So when the selection stays within what orders.StatusPlan knows,
// the order loads in two statements whatever its size (server/orders/statusload.go),
// which Postgres runs as one (server/orders/statusload_pg.go: one round trip, and no
// parent's columns repeated on its children's rows):
//
//  1. the order, joined with its customer and its items, joined with their
//     products (one row per item);
//  2. its shipments, each joined with the first+1 newest events of its
//     timeline (a LATERAL subquery on Postgres, a correlated IN on SQLite),
//     which read first+1 entries of the (shipment_id, occurred_at DESC,
//     id DESC) index and nothing else. hasNextPage comes from the extra row.
//
// The loaded entities are handed to the generated resolvers as eager-loaded
// edges (ent/template/rows.tmpl), so pages, cursors and fields are built by
// the same code as on entgql's path. Any other selection (another edge,
// totalCount, a cursor or an ordering argument) takes entgql's path.

// Implementors of the types the plan walks (gqlgen's CollectFields needs
// them to expand fragments on interfaces).
var (
	statusOrderTypes     = []string{"Order", "Node"}
	statusCustomerTypes  = []string{"Customer", "Node"}
	statusItemTypes      = []string{"OrderItem", "Node"}
	statusProductTypes   = []string{"Product", "Node"}
	statusShipmentTypes  = []string{"Shipment", "Node"}
	statusEventTypes     = []string{"TrackingEvent", "Node"}
	statusConnTypes      = []string{"TrackingEventConnection"}
	statusEdgeTypes      = []string{"TrackingEventEdge"}
	statusPageInfoTypes  = []string{"PageInfo"}
	statusValueTypeNames = map[string]bool{"Money": true, "Address": true, "PaymentMethod": true}
)

// orderByNumber loads the order numbered number for the selection in ctx,
// privacy applied, in at most two statements (one on Postgres) when
// planStatus knows the selection and through entgql's collection otherwise.
func (r *queryResolver) orderByNumber(ctx context.Context, number string) (*ent.Order, error) {
	if fc := graphql.GetFieldContext(ctx); fc != nil && graphql.HasOperationContext(ctx) {
		if p, ok := planStatus(graphql.GetOperationContext(ctx), fc.Field); ok {
			return orders.LoadStatus(ctx, r.Client, number, p)
		}
	}
	q, err := r.Client.Order.Query().Where(order.Number(number)).CollectFields(ctx)
	if err != nil {
		return nil, err
	}
	return q.Only(ctx)
}

// planStatus reads the selection of an order(number:) field of op.
// ok is false when it selects anything the plan does not load.
func planStatus(op *graphql.OperationContext, field graphql.CollectedField) (p orders.StatusPlan, ok bool) {
	w := planWalker{op: op, ok: true}
	w.fields(field.Selections, statusOrderTypes, func(f graphql.CollectedField) {
		switch f.Name {
		case "customer":
			p.Customer = true
			w.leaves(f.Selections, statusCustomerTypes)
		case "items":
			p.Items = w.alias(p.Items, f)
			w.fields(f.Selections, statusItemTypes, func(f graphql.CollectedField) {
				if f.Name != "product" {
					w.fail()
					return
				}
				p.Products = true
				w.leaves(f.Selections, statusProductTypes)
			})
		case "shipments":
			p.Shipments = w.alias(p.Shipments, f)
			w.fields(f.Selections, statusShipmentTypes, func(f graphql.CollectedField) {
				if f.Name != "events" {
					w.fail()
					return
				}
				p.Events = w.alias(p.Events, f)
				first, ok := defaultPage(f.ArgumentMap(w.op.Variables))
				if !ok || (p.First != 0 && p.First != first) {
					w.fail()
					return
				}
				p.First = first
				w.eventsPage(f.Selections)
			})
		default:
			w.fail()
		}
	})
	return p, w.ok
}

// planWalker walks a selection, noting whether the plan can serve it.
type planWalker struct {
	op *graphql.OperationContext
	ok bool
}

func (w *planWalker) fail() { w.ok = false }

// fields calls edge for every field of sel (fragments expanded) that has a
// selection of its own and is not a value type (Money, Address, ...): the
// edges. Scalars and value types are read from the row itself.
func (w *planWalker) fields(sel ast.SelectionSet, types []string, edge func(graphql.CollectedField)) {
	for _, f := range graphql.CollectFields(w.op, sel, types) {
		if !w.ok {
			return
		}
		if len(f.Deferrables) > 0 { // @defer: gqlgen's executor streams it
			w.fail()
			return
		}
		if len(f.Selections) == 0 || (f.Definition != nil && f.Definition.Type != nil && statusValueTypeNames[f.Definition.Type.Name()]) {
			continue
		}
		edge(f)
	}
}

// leaves accepts sel only if it selects no edge.
func (w *planWalker) leaves(sel ast.SelectionSet, types []string) {
	w.fields(sel, types, func(graphql.CollectedField) { w.fail() })
}

// alias returns f's alias, failing when the same edge is selected under
// another one (each alias would need its own load).
func (w *planWalker) alias(seen string, f graphql.CollectedField) string {
	if seen != "" && seen != f.Alias {
		w.fail()
	}
	return f.Alias
}

// eventsPage accepts a TrackingEventConnection selection without totalCount.
func (w *planWalker) eventsPage(sel ast.SelectionSet) {
	for _, f := range graphql.CollectFields(w.op, sel, statusConnTypes) {
		switch f.Name {
		case "__typename":
		case "pageInfo":
			w.leaves(f.Selections, statusPageInfoTypes)
		case "edges":
			w.fields(f.Selections, statusEdgeTypes, func(f graphql.CollectedField) {
				if f.Name != "node" {
					w.fail()
					return
				}
				w.leaves(f.Selections, statusEventTypes)
			})
		default: // totalCount needs a count of the whole timeline
			w.fail()
		}
	}
}

// defaultPage returns first when the events arguments ask for the first page
// in the default order (occurred_at DESC) with no cursor or filter.
func defaultPage(args map[string]any) (first int, ok bool) {
	for _, name := range []string{"after", "before", "last", "where"} {
		if args[name] != nil {
			return 0, false
		}
	}
	if o := args["orderBy"]; o != nil {
		m, isMap := o.(map[string]any)
		if !isMap || len(m) != 2 || m["field"] != "OCCURRED_AT" || m["direction"] != "DESC" {
			return 0, false
		}
	}
	switch v := args["first"].(type) {
	case int:
		first = v
	case int64:
		first = int(v)
	case float64:
		first = int(v)
		if float64(first) != v {
			return 0, false
		}
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			return 0, false
		}
		first = int(n)
	default:
		return 0, false
	}
	// The cost limit refuses pages outside 1..100 before anything runs;
	// anything else goes the general way, which reports it.
	return first, first >= 1 && first <= 100
}
