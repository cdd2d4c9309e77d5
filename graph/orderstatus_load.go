package graph

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/predicate"
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
//
// On Postgres both roots are halves of one statement (statusUnion), each with
// its own policy's predicates, exactly as on its own. The shipments' half
// finds the order by its number (shipment.HasOrderWith), not by the id the
// order's half reads, and ScopeShipments filters it as on any other path; its
// rows are only used when the order's half found a visible order.
// server/orderstatus_test.go (TestOrderStatusPrivacy) checks it through the API.

// joined prefixes the columns of a joined table: "customer__first_name".
// ent's column names never contain "__".
const joined = "__"

// loadStatus loads the order numbered number as p says: on Postgres in one
// statement (statusUnion), on SQLite in two (no round trip to save there, and
// a UNION's columns would lose the declared types modernc's driver decodes
// times by), the order with its customer and
// its items (one row per item, the order's columns repeated), then its
// shipments with their events. It returns ent's not-found error when the
// viewer may not see the order or there is none, and the privacy policy's
// error when the viewer may see no order at all.
func loadStatus(ctx context.Context, c *ent.Client, number string, p statusPlan) (*ent.Order, error) {
	l := statusLoad{c: c, p: p, items: []*ent.OrderItem{}}
	osel, err := l.orderSelector(ctx, number)
	if err != nil {
		return nil, err
	}
	switch {
	case p.shipments != "" && c.Dialect() == dialect.Postgres:
		// Shipments are found by the order's number, not its id: the two
		// halves do not wait for each other.
		ssel, err := l.shipmentSelector(ctx, shipment.HasOrderWith(order.Number(number)))
		if err != nil {
			return nil, err
		}
		stmt, parts := statusUnion(osel, l.orderParts, ssel, l.shipmentParts, p)
		split := len(l.orderParts) + 1
		err = scanRows(ctx, c, stmt, parts, func(vals [][]any) error {
			if vals[0][0].(*sql.NullInt64).Int64 == 0 {
				return l.orderRow(vals[1:split])
			}
			if l.o == nil { // the order's rows sort first: none, not visible
				return nil
			}
			return l.shipmentRow(vals[split:])
		})
		if err != nil {
			return nil, err
		}
	default:
		if err := scanRows(ctx, c, selectParts(osel, order.Table, l.orderParts), l.orderParts, l.orderRow); err != nil {
			return nil, err
		}
		if l.o != nil && p.shipments != "" {
			ssel, err := l.shipmentSelector(ctx, shipment.OrderID(l.o.ID))
			if err != nil {
				return nil, err
			}
			if err := scanRows(ctx, c, l.shipmentStatement(ssel), l.shipmentParts, l.shipmentRow); err != nil {
				return nil, err
			}
		}
	}
	return l.finish()
}

// statusLoad is one order status load: the statements' parts and what their
// rows decoded so far.
type statusLoad struct {
	c *ent.Client
	p statusPlan
	// orderParts: the order, its customer, its items, their products;
	// shipmentParts: the shipments, their events.
	orderParts, shipmentParts []rowPart
	itemsAt                   int // index of the items' part in orderParts
	oq                        *ent.OrderQuery
	sq                        *ent.ShipmentQuery

	o     *ent.Order
	items []*ent.OrderItem
	ships []*ent.Shipment
	last  *ent.Shipment
	page  []*ent.TrackingEvent
}

// orderSelector is the order's statement, privacy applied: the order with
// its customer, its items and their products as l.p wants them, lines in
// the order the store sent them.
func (l *statusLoad) orderSelector(ctx context.Context, number string) (*sql.Selector, error) {
	c, p := l.c, l.p
	l.oq = c.Order.Query().Where(order.Number(number))
	sel, err := l.oq.Selector(ctx)
	if err != nil {
		return nil, err
	}
	l.orderParts = []rowPart{{cols: or(p.cols.order, order.Columns), scan: l.oq.ScanValues}}
	if p.customer {
		t := sql.Table(customer.Table).As("customer")
		sel.Join(t).On(sel.C(order.FieldCustomerID), t.C(customer.FieldID))
		l.orderParts = append(l.orderParts, rowPart{name: "customer", cols: or(p.cols.customer, customer.Columns), scan: c.Customer.Query().ScanValues})
	}
	l.itemsAt = len(l.orderParts)
	if p.items != "" {
		// In the order the store sent them (ids grow with the import).
		// entgql's eager loading sets no order: SQLite happens to return
		// external-id order (its index) and Postgres heap order.
		it := sql.Table(orderitem.Table).As("item")
		sel.LeftJoin(it).On(sel.C(order.FieldID), it.C(orderitem.FieldOrderID)).OrderBy(it.C(orderitem.FieldID))
		l.orderParts = append(l.orderParts, rowPart{name: "item", cols: or(p.cols.item, orderitem.Columns), scan: c.OrderItem.Query().ScanValues})
		if p.products {
			pt := sql.Table(product.Table).As("product")
			sel.LeftJoin(pt).On(it.C(orderitem.FieldProductID), pt.C(product.FieldID))
			l.orderParts = append(l.orderParts, rowPart{name: "product", cols: or(p.cols.product, product.Columns), scan: c.Product.Query().ScanValues})
		}
	}
	return sel, nil
}

// shipmentSelector is the shipments' statement, privacy applied: the
// order's shipments (which where selects), oldest first.
func (l *statusLoad) shipmentSelector(ctx context.Context, where predicate.Shipment) (*sql.Selector, error) {
	l.sq = l.c.Shipment.Query().Where(where).Order(shipment.ByID())
	sel, err := l.sq.Selector(ctx)
	if err != nil {
		return nil, err
	}
	l.shipmentParts = []rowPart{{cols: or(l.p.cols.shipment, shipment.Columns), scan: l.sq.ScanValues}}
	if l.p.events != "" {
		l.shipmentParts = append(l.shipmentParts, rowPart{name: "event", cols: or(l.p.cols.event, trackingevent.Columns), scan: l.c.TrackingEvent.Query().ScanValues})
	}
	return sel, nil
}

// shipmentStatement is the shipments' statement on its own: with each
// shipment's events page when l.p wants one.
func (l *statusLoad) shipmentStatement(sel *sql.Selector) sql.Querier {
	if l.p.events == "" {
		return selectParts(sel, shipment.Table, l.shipmentParts)
	}
	var b strings.Builder
	b.WriteString(`SELECT s.*, `)
	b.WriteString(selectList("", l.shipmentParts[1:]))
	args := timelineFrom(&b, l.c.Dialect(), sel, l.shipmentParts, l.p.first+1)
	b.WriteString(` ORDER BY s."id", "event"."occurred_at" DESC, "event"."id" DESC`)
	return sql.Expr(b.String(), args...)
}

// orderRow decodes one row of the order's statement: the order and its
// customer from the first, an item and its product from each.
func (l *statusLoad) orderRow(vals [][]any) error {
	c, p := l.c, l.p
	if l.o == nil {
		var err error
		if l.o, err = l.oq.Decode(l.orderParts[0].cols, vals[0]); err != nil {
			return err
		}
		if p.customer {
			cu, err := c.Customer.Query().Decode(l.orderParts[1].cols, vals[1])
			if err != nil {
				return err
			}
			l.o.SetLoadedCustomer(cu)
		}
	} else if id, ok := vals[0][0].(*sql.NullInt64); !ok || id.Int64 != int64(l.o.ID) {
		return &ent.NotSingularError{} // number is unique: unreachable
	}
	if p.items == "" {
		return nil
	}
	at := l.itemsAt
	if id, ok := vals[at][0].(*sql.NullInt64); ok && !id.Valid {
		return nil // an order without lines: the LEFT JOIN's NULLs
	}
	it, err := c.OrderItem.Query().Decode(l.orderParts[at].cols, vals[at])
	if err != nil {
		return err
	}
	if p.products {
		pr, err := c.Product.Query().Decode(l.orderParts[at+1].cols, vals[at+1])
		if err != nil {
			return err
		}
		it.SetLoadedProduct(pr)
	}
	l.items = append(l.items, it)
	return nil
}

// shipmentRow decodes one row of the shipments' statement: a shipment from
// the first row of each, an event from each.
func (l *statusLoad) shipmentRow(vals [][]any) error {
	// A shipment's columns repeat on each of its events' rows: it is
	// decoded from the first.
	if id, ok := vals[0][0].(*sql.NullInt64); !ok || l.last == nil || !id.Valid || id.Int64 != int64(l.last.ID) {
		s, err := l.sq.Decode(l.shipmentParts[0].cols, vals[0])
		if err != nil {
			return err
		}
		l.flush()
		l.ships, l.last = append(l.ships, s), s
	}
	if l.p.events == "" {
		return nil
	}
	if id, ok := vals[1][0].(*sql.NullInt64); ok && !id.Valid {
		return nil // no event: the LEFT JOIN's NULLs
	}
	e, err := l.c.TrackingEvent.Query().Decode(l.shipmentParts[1].cols, vals[1])
	if err != nil {
		return err
	}
	l.page = append(l.page, e)
	return nil
}

// flush hands the page read so far to the last shipment.
func (l *statusLoad) flush() {
	if l.last != nil && l.p.events != "" {
		l.last.SetNamedEvents(l.p.events, l.page)
	}
	l.page = nil
}

// finish returns the order with its edges, or not found.
func (l *statusLoad) finish() (*ent.Order, error) {
	if l.o == nil {
		return nil, &ent.NotFoundError{}
	}
	if l.p.items != "" {
		l.o.SetNamedItems(l.p.items, l.items)
	}
	if l.p.shipments != "" {
		l.flush()
		if l.ships == nil {
			l.ships = []*ent.Shipment{}
		}
		l.o.SetNamedShipments(l.p.shipments, l.ships)
	}
	return l.o, nil
}

// statusUnion is the order's statement and the shipments' as one (Postgres):
// a UNION ALL of the two, each row led by its half (0: the order's, 1: the
// shipments') and padded with NULLs where the other half's columns are
// (Postgres gives each NULL the type of the column it pads). Each half is
// the selector it would be on its own, privacy predicates included. One
// statement instead of two saves a round trip: the system calls on both
// sides, database/sql's and lib/pq's work per statement, and a statement's
// execution overhead in Postgres.
//
// The rows come back in the loader's order: the order's half first, by item
// id; then the shipments by id, each one's events in the page order.
func statusUnion(osel *sql.Selector, oparts []rowPart, ssel *sql.Selector, sparts []rowPart, p statusPlan) (sql.Querier, []rowPart) {
	ocols, scols := partsWidth(oparts), partsWidth(sparts)
	list := selectList(order.Table, oparts)
	oquery, args := selectParts(osel.ClearOrder(), order.Table, oparts).Query()
	from, ok := strings.CutPrefix(oquery, "SELECT "+list)
	if !ok { // ent writes a selector's columns first: unreachable
		panic("order status: unexpected order statement " + oquery)
	}
	var b strings.Builder
	b.WriteString(`(SELECT 0, `)
	b.WriteString(list)
	writeNulls(&b, scols)
	b.WriteString(from)
	b.WriteString(`) UNION ALL (SELECT 1`)
	writeNulls(&b, ocols)
	ssel.SetTotal(len(args))
	if p.events != "" {
		b.WriteString(`, s.*, `)
		b.WriteString(selectList("", sparts[1:]))
		args = append(args, timelineFrom(&b, dialect.Postgres, ssel.ClearOrder(), sparts, p.first+1)...)
	} else {
		q, a := selectParts(ssel.ClearOrder(), shipment.Table, sparts).Query()
		fmt.Fprintf(&b, `, s.* FROM (%s) AS s`, q)
		args = append(args, a...)
	}
	// Sorted by position: 1 is the half, the order's columns follow, then
	// the shipments'; each part's id is its first column.
	b.WriteString(`) ORDER BY 1`)
	if p.items != "" {
		fmt.Fprintf(&b, `, %d`, 2+partsWidth(oparts[:partIndex(oparts, "item")]))
	}
	ship := 2 + ocols
	fmt.Fprintf(&b, `, %d`, ship)
	if p.events != "" {
		ev := ship + len(sparts[0].cols)
		fmt.Fprintf(&b, `, %d DESC, %d DESC`, ev+slices.Index(sparts[1].cols, trackingevent.FieldOccurredAt), ev)
	}
	parts := make([]rowPart, 0, 1+len(oparts)+len(sparts))
	parts = append(parts, rowPart{name: "half", cols: []string{"half"}, scan: scanHalf})
	parts = append(append(parts, oparts...), sparts...)
	return sql.Expr(b.String(), args...), parts
}

// scanHalf is the scan destination of statusUnion's first column.
func scanHalf([]string) ([]any, error) { return []any{new(sql.NullInt64)}, nil }

// writeNulls writes n NULL columns, each after a comma.
func writeNulls(b *strings.Builder, n int) {
	for range n {
		b.WriteString(", NULL")
	}
}

// partsWidth is how many columns parts select.
func partsWidth(parts []rowPart) int {
	n := 0
	for _, p := range parts {
		n += len(p.cols)
	}
	return n
}

// partIndex is the index of the part named name.
func partIndex(parts []rowPart, name string) int {
	return slices.IndexFunc(parts, func(p rowPart) bool { return p.name == name })
}

// timelineFrom writes the FROM clause that gives each row of the shipments
// statement s the first n events of its shipment's timeline in the default
// page order (occurred_at DESC, id DESC), one row per event, or one row of
// NULLs for a shipment without events: s's rows as "s", the events as
// "event". It returns s's arguments. Each shipment's page is read from the
// front of the (shipment_id, occurred_at DESC, id DESC) index: n entries,
// no sort.
//
// n is written into the statement, not bound: SQLite (built with STAT4, as
// modernc's is) marks a statement whose plan may depend on a bound LIMIT as
// expired at every bind, and so parsed and planned it again on every run
// (14 % of the server's CPU on the SQLite benchmark). n is an int the plan
// checked to be 1..100: at most 100 statements, each prepared once per
// connection.
func timelineFrom(b *strings.Builder, d string, s *sql.Selector, parts []rowPart, n int) []any {
	inner, args := selectParts(s, shipment.Table, parts[:1]).Query()
	fmt.Fprintf(b, ` FROM (%s) AS s `, inner)
	const order = `ORDER BY x."occurred_at" DESC, x."id" DESC`
	if d == dialect.Postgres {
		// LATERAL: for each shipment, an index scan that stops after n rows.
		fmt.Fprintf(b, `LEFT JOIN LATERAL (SELECT x.* FROM "tracking_events" AS x WHERE x."shipment_id" = s."id" %s LIMIT %d) AS "event" ON TRUE`, order, n)
	} else {
		// SQLite has no LATERAL; a correlated IN with a LIMIT reads the same
		// n index entries per shipment, then the n events by rowid.
		fmt.Fprintf(b, `LEFT JOIN "tracking_events" AS "event" ON "event"."id" IN (SELECT x."id" FROM "tracking_events" AS x WHERE x."shipment_id" = s."id" %s LIMIT %d)`, order, n)
	}
	return args
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
