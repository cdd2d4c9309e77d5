package orders

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
// On Postgres both roots are common table expressions of one statement
// (statusload_pg.go), each the selector ent builds with its policy, as on
// its own. The shipments' finds the order by its number
// (shipment.HasOrderWith), not by the id the order's reads, and
// ScopeShipments filters it as on any other path; its rows are only used
// when the order's half found a visible order.
// server/orders/orderstatus_api_test.go (TestOrderStatusPrivacy) checks it through the API.

// StatusPlan is what an order status read needs from the database: which
// edges of the order to load and, for the fast path, which columns. The
// GraphQL layer derives it from the selection (graph/orderstatus.go);
// aliases name the eager-loaded edges, as entgql's collection names them,
// so the generated resolvers find what was loaded.
type StatusPlan struct {
	// Customer loads the order's customer.
	Customer bool
	// Items is the alias of Order.items; "" when not selected.
	Items string
	// Products loads each item's product.
	Products bool
	// Shipments is the alias of Order.shipments; "" when not selected.
	Shipments string
	// Events is the alias of Shipment.events; "" when not selected.
	Events string
	// First is the size of each shipment's events page (newest first).
	First int
	// Cols are the columns each part reads; zero reads every column (only
	// the GraphQL fast path prunes: graph/orderstatus_columns.go).
	Cols StatusCols
}

// StatusCols are the columns each part of an order status load reads; a nil
// part reads every column. The id comes first in every part (the loader
// tells rows apart by it).
type StatusCols struct {
	// Order, Customer, Item, Product, Shipment and Event are the columns
	// of each entity's part.
	Order, Customer, Item, Product, Shipment, Event []string
}

// joined prefixes the columns of a joined table: "customer__first_name".
// ent's column names never contain "__".
const joined = "__"

// LoadStatus loads the order numbered number as p says: on Postgres in one
// statement (statusload_pg.go), on SQLite in two (no round trip to save
// there, and a UNION's columns would lose the declared types modernc's
// driver decodes times by): the order with its customer and its items (one
// row per item, the order's columns repeated), then its shipments with
// their events. It returns ent's not-found error when the
// viewer may not see the order or there is none, and the privacy policy's
// error when the viewer may see no order at all.
func LoadStatus(ctx context.Context, c *ent.Client, number string, p StatusPlan) (*ent.Order, error) {
	l := statusLoad{c: c, p: p, items: []*ent.OrderItem{}}
	if c.Dialect() == dialect.Postgres {
		if err := l.loadPostgres(ctx, number); err != nil {
			return nil, err
		}
		return l.finish()
	}
	osel, err := l.orderSelector(ctx, number)
	if err != nil {
		return nil, err
	}
	if err := scanRows(ctx, c, selectParts(osel, order.Table, l.orderParts), l.orderParts, l.orderRow); err != nil {
		return nil, err
	}
	if l.o != nil && p.Shipments != "" {
		ssel, err := l.shipmentSelector(ctx, shipment.OrderID(l.o.ID))
		if err != nil {
			return nil, err
		}
		if err := scanRows(ctx, c, l.shipmentStatement(ssel), l.shipmentParts, l.shipmentRow); err != nil {
			return nil, err
		}
	}
	return l.finish()
}

// statusLoad is one order status load: the statements' parts and what their
// rows decoded so far.
type statusLoad struct {
	c *ent.Client
	p StatusPlan
	// orderParts: the order, its customer, its items, their products;
	// shipmentParts: the shipments, their events.
	orderParts, shipmentParts []rowPart
	itemsAt                   int // index of the items' part in orderParts
	oq                        *ent.OrderQuery
	sq                        *ent.ShipmentQuery

	o     *ent.Order
	items []*ent.OrderItem
	ships []*ent.Shipment
	// Two statements (SQLite): the last shipment read and its page so far.
	last *ent.Shipment
	page []*ent.TrackingEvent
	// One statement (Postgres, statusload_pg.go): its parts, where the
	// shipments' start, each shipment's page, the shipment events go to.
	parts  []rowPart
	shipAt int
	pages  [][]*ent.TrackingEvent
	cur    int
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
	l.orderParts = []rowPart{{cols: or(p.Cols.Order, order.Columns), scan: l.oq.ScanValues}}
	if p.Customer {
		t := sql.Table(customer.Table).As("customer")
		sel.Join(t).On(sel.C(order.FieldCustomerID), t.C(customer.FieldID))
		l.orderParts = append(l.orderParts, rowPart{name: "customer", cols: or(p.Cols.Customer, customer.Columns), scan: c.Customer.Query().ScanValues})
	}
	l.itemsAt = len(l.orderParts)
	if p.Items != "" {
		// In the order the store sent them (ids grow with the import).
		// entgql's eager loading sets no order: SQLite happens to return
		// external-id order (its index) and Postgres heap order.
		it := sql.Table(orderitem.Table).As("item")
		sel.LeftJoin(it).On(sel.C(order.FieldID), it.C(orderitem.FieldOrderID)).OrderBy(it.C(orderitem.FieldID))
		l.orderParts = append(l.orderParts, rowPart{name: "item", cols: or(p.Cols.Item, orderitem.Columns), scan: c.OrderItem.Query().ScanValues})
		if p.Products {
			pt := sql.Table(product.Table).As("product")
			sel.LeftJoin(pt).On(it.C(orderitem.FieldProductID), pt.C(product.FieldID))
			l.orderParts = append(l.orderParts, rowPart{name: "product", cols: or(p.Cols.Product, product.Columns), scan: c.Product.Query().ScanValues})
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
	l.shipmentParts = []rowPart{{cols: or(l.p.Cols.Shipment, shipment.Columns), scan: l.sq.ScanValues}}
	if l.p.Events != "" {
		l.shipmentParts = append(l.shipmentParts, rowPart{name: "event", cols: or(l.p.Cols.Event, trackingevent.Columns), scan: l.c.TrackingEvent.Query().ScanValues})
	}
	return sel, nil
}

// shipmentStatement is the shipments' statement on its own: with each
// shipment's events page when l.p wants one.
func (l *statusLoad) shipmentStatement(sel *sql.Selector) sql.Querier {
	if l.p.Events == "" {
		return selectParts(sel, shipment.Table, l.shipmentParts)
	}
	var b strings.Builder
	b.WriteString(`SELECT s.*, `)
	b.WriteString(selectList("", l.shipmentParts[1:]))
	args := timelineFrom(&b, l.c.Dialect(), sel, l.shipmentParts, l.p.First+1)
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
		if p.Customer {
			cu, err := c.Customer.Query().Decode(l.orderParts[1].cols, vals[1])
			if err != nil {
				return err
			}
			l.o.SetLoadedCustomer(cu)
		}
	} else if id, ok := vals[0][0].(*sql.NullInt64); !ok || id.Int64 != int64(l.o.ID) {
		return &ent.NotSingularError{} // number is unique: unreachable
	}
	if p.Items == "" {
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
	if p.Products {
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
	if l.p.Events == "" {
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
	if l.last != nil && l.p.Events != "" {
		l.last.SetNamedEvents(l.p.Events, l.page)
	}
	l.page = nil
}

// finish returns the order with its edges, or not found.
func (l *statusLoad) finish() (*ent.Order, error) {
	if l.o == nil {
		return nil, &ent.NotFoundError{}
	}
	if l.p.Items != "" {
		l.o.SetNamedItems(l.p.Items, l.items)
	}
	if l.p.Shipments != "" {
		l.flush()
		if l.p.Events != "" {
			for i, page := range l.pages {
				l.ships[i].SetNamedEvents(l.p.Events, page)
			}
		}
		if l.ships == nil {
			l.ships = []*ent.Shipment{}
		}
		l.o.SetNamedShipments(l.p.Shipments, l.ships)
	}
	return l.o, nil
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
	timelineJoin(b, d, n, true)
	return args
}

// timelineJoin writes the join of timelineFrom: a shipment row "s" with each
// of the n first events of its timeline as "event"; with left, a shipment
// without events keeps one row, of NULLs for the event.
func timelineJoin(b *strings.Builder, d string, n int, left bool) {
	if left {
		b.WriteString(`LEFT `)
	}
	const order = `ORDER BY x."occurred_at" DESC, x."id" DESC`
	if d == dialect.Postgres {
		// LATERAL: for each shipment, an index scan that stops after n rows.
		fmt.Fprintf(b, `JOIN LATERAL (SELECT x.* FROM "tracking_events" AS x WHERE x."shipment_id" = s."id" %s LIMIT %d) AS "event" ON TRUE`, order, n)
	} else {
		// SQLite has no LATERAL; a correlated IN with a LIMIT reads the same
		// n index entries per shipment, then the n events by rowid.
		fmt.Fprintf(b, `JOIN "tracking_events" AS "event" ON "event"."id" IN (SELECT x."id" FROM "tracking_events" AS x WHERE x."shipment_id" = s."id" %s LIMIT %d)`, order, n)
	}
}

// rowPart is one entity's columns in a statement's rows, in order: the
// root's (name ""), then each joined entity's, selected as name__column.
type rowPart struct {
	name string
	// table is the part's table (set where a statement needs its column
	// types: statusload_pg.go).
	table string
	cols  []string
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
