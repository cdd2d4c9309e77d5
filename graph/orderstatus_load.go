package graph

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/product"
	"github.com/aftercart/aftercart/ent/shipment"
	"github.com/aftercart/aftercart/ent/trackingevent"
)

// Authorization on this path. Each statement's root (the order; the
// shipments) is an ent query: its privacy policy adds its predicates as on
// any other path (Selector). The rows joined to them need no policy of
// their own, because theirs is implied by the root's:
//   - the customer joined on orders.customer_id: a customer viewer sees an
//     order only if customer_id is theirs, and ScopeCustomers lets them see
//     exactly that customer; staff and system see everything;
//   - the items joined on order_items.order_id: ScopeOrderItems lets a
//     viewer see a line exactly when its order is visible, and the order
//     already passed ScopeOrders;
//   - products: their policy allows every read (the public catalog);
//   - the events joined on a shipment's id: ScopeTrackingEvents lets a viewer
//     see an event exactly when its shipment is visible, and the shipment
//     already passed ScopeShipments.
// server/orderstatus_test.go (TestOrderStatusPrivacy) checks it through the API.

// joined prefixes the columns of a joined table: "customer__first_name".
// ent's column names never contain "__".
const joined = "__"

// loadStatus loads the order numbered number as p says, in at most two
// statements: the order with its customer and its items (one row per item,
// the order's columns repeated), then its shipments with their events. It
// returns ent's not-found error when the viewer may not see the order or
// there is none, and the privacy policy's error when the viewer may see no
// order at all.
func loadStatus(ctx context.Context, c *ent.Client, number string, p statusPlan) (*ent.Order, error) {
	oq := c.Order.Query().Where(order.Number(number))
	sel, err := oq.Selector(ctx)
	if err != nil {
		return nil, err
	}
	parts := []rowPart{{cols: or(p.cols.order, order.Columns), scan: oq.ScanValues}}
	if p.customer {
		t := sql.Table(customer.Table).As("customer")
		sel.Join(t).On(sel.C(order.FieldCustomerID), t.C(customer.FieldID))
		parts = append(parts, rowPart{name: "customer", cols: or(p.cols.customer, customer.Columns), scan: c.Customer.Query().ScanValues})
	}
	itemsAt := len(parts)
	if p.items != "" {
		// In the order the store sent them (ids grow with the import).
		// entgql's eager loading sets no order: SQLite happens to return
		// external-id order (its index) and Postgres heap order.
		it := sql.Table(orderitem.Table).As("item")
		sel.LeftJoin(it).On(sel.C(order.FieldID), it.C(orderitem.FieldOrderID)).OrderBy(it.C(orderitem.FieldID))
		parts = append(parts, rowPart{name: "item", cols: or(p.cols.item, orderitem.Columns), scan: c.OrderItem.Query().ScanValues})
		if p.products {
			pt := sql.Table(product.Table).As("product")
			sel.LeftJoin(pt).On(it.C(orderitem.FieldProductID), pt.C(product.FieldID))
			parts = append(parts, rowPart{name: "product", cols: or(p.cols.product, product.Columns), scan: c.Product.Query().ScanValues})
		}
	}
	var (
		o     *ent.Order
		items = []*ent.OrderItem{}
	)
	err = scanRows(ctx, c, selectParts(sel, order.Table, parts), parts, func(vals [][]any) error {
		if o == nil {
			var err error
			if o, err = oq.Decode(parts[0].cols, vals[0]); err != nil {
				return err
			}
			if p.customer {
				cu, err := c.Customer.Query().Decode(parts[1].cols, vals[1])
				if err != nil {
					return err
				}
				o.SetLoadedCustomer(cu)
			}
		} else if id, ok := vals[0][0].(*sql.NullInt64); !ok || id.Int64 != int64(o.ID) {
			return &ent.NotSingularError{} // number is unique: unreachable
		}
		if p.items == "" {
			return nil
		}
		if id, ok := vals[itemsAt][0].(*sql.NullInt64); ok && !id.Valid {
			return nil // an order without lines: the LEFT JOIN's NULLs
		}
		it, err := c.OrderItem.Query().Decode(parts[itemsAt].cols, vals[itemsAt])
		if err != nil {
			return err
		}
		if p.products {
			pr, err := c.Product.Query().Decode(parts[itemsAt+1].cols, vals[itemsAt+1])
			if err != nil {
				return err
			}
			it.SetLoadedProduct(pr)
		}
		items = append(items, it)
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case o == nil:
		return nil, &ent.NotFoundError{}
	}
	if p.items != "" {
		o.SetNamedItems(p.items, items)
	}
	if p.shipments != "" {
		if err := loadShipments(ctx, c, o, p); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// loadShipments loads o's shipments, oldest first, each with the first
// p.first+1 events of its timeline when p wants them.
func loadShipments(ctx context.Context, c *ent.Client, o *ent.Order, p statusPlan) error {
	sq := c.Shipment.Query().Where(shipment.OrderID(o.ID)).Order(shipment.ByID())
	sel, err := sq.Selector(ctx)
	if err != nil {
		return err
	}
	parts := []rowPart{{cols: or(p.cols.shipment, shipment.Columns), scan: sq.ScanValues}}
	var stmt sql.Querier = selectParts(sel, shipment.Table, parts)
	if p.events != "" {
		parts = append(parts, rowPart{name: "event", cols: or(p.cols.event, trackingevent.Columns), scan: c.TrackingEvent.Query().ScanValues})
		stmt = withTimelinePage(c.Dialect(), sel, parts, p.first+1)
	}
	var (
		ships = []*ent.Shipment{}
		last  *ent.Shipment
		page  []*ent.TrackingEvent
	)
	flush := func() {
		if last != nil && p.events != "" {
			last.SetNamedEvents(p.events, page)
		}
		page = nil
	}
	err = scanRows(ctx, c, stmt, parts, func(vals [][]any) error {
		// A shipment's columns repeat on each of its events' rows: it is
		// decoded from the first.
		if id, ok := vals[0][0].(*sql.NullInt64); !ok || last == nil || !id.Valid || id.Int64 != int64(last.ID) {
			s, err := sq.Decode(parts[0].cols, vals[0])
			if err != nil {
				return err
			}
			flush()
			ships, last = append(ships, s), s
		}
		if p.events == "" {
			return nil
		}
		if id, ok := vals[1][0].(*sql.NullInt64); ok && !id.Valid {
			return nil // no event: the LEFT JOIN's NULLs
		}
		e, err := c.TrackingEvent.Query().Decode(parts[1].cols, vals[1])
		if err != nil {
			return err
		}
		page = append(page, e)
		return nil
	})
	if err != nil {
		return err
	}
	flush()
	o.SetNamedShipments(p.shipments, ships)
	return nil
}

// withTimelinePage wraps the shipments statement s so that each shipment row
// comes with the first n events of its timeline in the default page order
// (occurred_at DESC, id DESC), one row per event, or one row of NULLs for a
// shipment without events. Each shipment's page is read from the front of
// the (shipment_id, occurred_at DESC, id DESC) index: n entries, no sort.
//
// n is written into the statement, not bound: SQLite (built with STAT4, as
// modernc's is) marks a statement whose plan may depend on a bound LIMIT as
// expired at every bind, and so parsed and planned it again on every run
// (14 % of the server's CPU on the SQLite benchmark). n is an int the plan
// checked to be 1..100: at most 100 statements, each prepared once per
// connection.
func withTimelinePage(d string, s *sql.Selector, parts []rowPart, n int) sql.Querier {
	inner, args := selectParts(s, shipment.Table, parts[:1]).Query()
	var b strings.Builder
	fmt.Fprintf(&b, `SELECT s.*, %s FROM (%s) AS s `, selectList("", parts[1:]), inner)
	const order = `ORDER BY x."occurred_at" DESC, x."id" DESC`
	if d == dialect.Postgres {
		// LATERAL: for each shipment, an index scan that stops after n rows.
		fmt.Fprintf(&b, `LEFT JOIN LATERAL (SELECT x.* FROM "tracking_events" AS x WHERE x."shipment_id" = s."id" %s LIMIT %d) AS "event" ON TRUE`, order, n)
	} else {
		// SQLite has no LATERAL; a correlated IN with a LIMIT reads the same
		// n index entries per shipment, then the n events by rowid.
		fmt.Fprintf(&b, `LEFT JOIN "tracking_events" AS "event" ON "event"."id" IN (SELECT x."id" FROM "tracking_events" AS x WHERE x."shipment_id" = s."id" %s LIMIT %d)`, order, n)
	}
	b.WriteString(` ORDER BY s."id", "event"."occurred_at" DESC, "event"."id" DESC`)
	return sql.Expr(b.String(), args...)
}

// rowPart is one entity's columns in a statement's rows, in order: the
// root's (name ""), then each joined entity's, selected as name__column.
type rowPart struct {
	name string
	cols []string
	// scan returns ent's scan destinations for cols (a query's ScanValues).
	scan func([]string) ([]any, error)
}

// selectLists caches select lists by table and parts: they are the same
// for every request with the same selection, and ent would otherwise quote
// every column name of every statement again (8 % of the server's CPU on
// the order status screen). Distinct selections are few; past
// maxSelectLists the lists are built per request.
var (
	selectLists  sync.Map // string -> string
	selectListsN atomic.Int64
)

const maxSelectLists = 1000

// selectList is parts' select list: the root's columns qualified by table
// (its part is named ""), each joined part's selected from the table
// joined under its name, as name__column.
func selectList(table string, parts []rowPart) string {
	var key strings.Builder
	key.WriteString(table)
	for _, p := range parts {
		key.WriteString("|" + p.name + ":")
		key.WriteString(strings.Join(p.cols, ","))
	}
	if list, ok := selectLists.Load(key.String()); ok {
		return list.(string)
	}
	var cols []string
	for _, p := range parts {
		for _, col := range p.cols {
			if p.name == "" {
				cols = append(cols, fmt.Sprintf("%q.%q", table, col))
			} else {
				cols = append(cols, fmt.Sprintf("%q.%q AS %q", p.name, col, p.name+joined+col))
			}
		}
	}
	list := strings.Join(cols, ", ")
	if selectListsN.Load() < maxSelectLists {
		if _, loaded := selectLists.LoadOrStore(key.String(), list); !loaded {
			selectListsN.Add(1)
		}
	}
	return list
}

// selectParts makes sel select the columns of parts: the root table's, then
// each joined part's.
func selectParts(sel *sql.Selector, table string, parts []rowPart) *sql.Selector {
	return sel.SelectExpr(sql.Expr(selectList(table, parts)))
}

// or is cols, or all when cols is nil (every column).
func or(cols, all []string) []string {
	if cols == nil {
		return all
	}
	return cols
}

// scanRows runs stmt, whose rows hold parts' columns in order, and calls
// each with every row's values, one slice per part, as ent's ScanValues
// made them. The destinations are made once per statement and reused from
// row to row: ent's Decode copies what it keeps (strings, times, the bytes
// of JSON fields), so nothing decoded from one row aliases the next.
func scanRows(ctx context.Context, c *ent.Client, stmt sql.Querier, parts []rowPart, each func(vals [][]any) error) error {
	query, args := stmt.Query()
	rows, err := c.QueryRows(ctx, query, args)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([][]any, len(parts))
	var dest []any
	for i, p := range parts {
		if vals[i], err = p.scan(p.cols); err != nil {
			return err
		}
		dest = append(dest, vals[i]...)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if err := each(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}
