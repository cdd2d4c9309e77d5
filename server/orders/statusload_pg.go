package orders

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema/field"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/migrate"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/orderitem"
	"github.com/aftercart/aftercart/ent/product"
	"github.com/aftercart/aftercart/ent/shipment"
	"github.com/aftercart/aftercart/ent/trackingevent"
)

// The order status screen on Postgres: one statement.
//
// Two statements in turn (the order, then its shipments) cost two round
// trips: the system calls on both sides, database/sql's and lib/pq's work
// per statement, and a statement's execution overhead in Postgres. And a
// join repeats the parent's columns on every child row: each shipment's on
// each of its 20 events' rows, the order's on each item's, all of it
// formatted as text by Postgres and parsed again by lib/pq (a string, an
// integer or a time allocated per column per row) to be thrown away.
//
// So on Postgres the order status is one UNION ALL of up to four halves,
// over the two privacy-filtered roots as common table expressions:
//
//	WITH "o" AS (the order's selector), "s" AS (the shipments' selector)
//	  (SELECT 0, the order's columns, its customer's         FROM "o" JOIN customers)
//	  UNION ALL (SELECT 1, an item's columns, its product's  FROM "o" JOIN order_items LEFT JOIN products)
//	  UNION ALL (SELECT 2, a shipment's columns              FROM "s")
//	  UNION ALL (SELECT 3, the shipment's id, an event's      FROM "s" JOIN LATERAL (its page))
//	ORDER BY the half, the item's id, the shipment's id, the page order
//
// Each row carries one entity's columns (and its joined one's) and NULLs in
// the other halves' places: a NULL is a length of -1 on the wire, nothing
// to format, parse or allocate. Each NULL is cast to its column's type
// (pgNull): Postgres resolves a UNION's column types two halves at a time,
// and two untyped NULLs would make a text column that a later half's
// bigint cannot join. Each root is the selector ent builds with
// its privacy policy, as on its own (see "Authorization on this path" in
// statusload.go); the shipments' finds the order by its number
// (shipment.HasOrderWith), so ScopeShipments filters it as on any other
// path. The events page is the LATERAL of timelineFrom: first+1 entries of
// the timeline index per shipment.

// loadPostgres loads the order in one statement.
func (l *statusLoad) loadPostgres(ctx context.Context, number string) error {
	c, p := l.c, l.p
	l.oq = c.Order.Query().Where(order.Number(number))
	osel, err := l.oq.Selector(ctx)
	if err != nil {
		return err
	}
	parts := []rowPart{
		{name: "half", cols: []string{"half"}, scan: scanHalf},
		{name: "o", table: order.Table, cols: or(p.Cols.Order, order.Columns), scan: l.oq.ScanValues},
	}
	l.orderParts = parts[1:2]
	if p.Customer {
		parts = append(parts, rowPart{name: "customer", table: customer.Table, cols: or(p.Cols.Customer, customer.Columns), scan: c.Customer.Query().ScanValues})
	}
	var ssel *sql.Selector
	if p.Items != "" {
		l.itemsAt = len(parts)
		parts = append(parts, rowPart{name: "item", table: orderitem.Table, cols: or(p.Cols.Item, orderitem.Columns), scan: c.OrderItem.Query().ScanValues})
		if p.Products {
			parts = append(parts, rowPart{name: "product", table: product.Table, cols: or(p.Cols.Product, product.Columns), scan: c.Product.Query().ScanValues})
		}
	}
	if p.Shipments != "" {
		l.shipAt = len(parts)
		l.sq = c.Shipment.Query().Where(shipment.HasOrderWith(order.Number(number)))
		if ssel, err = l.sq.Selector(ctx); err != nil {
			return err
		}
		parts = append(parts, rowPart{name: "s", table: shipment.Table, cols: or(p.Cols.Shipment, shipment.Columns), scan: l.sq.ScanValues})
		if p.Events != "" {
			parts = append(parts, rowPart{name: "event", table: trackingevent.Table, cols: or(p.Cols.Event, trackingevent.Columns), scan: c.TrackingEvent.Query().ScanValues})
		}
	}
	l.parts = parts

	// The roots' texts come from ent on every request (their predicates
	// are the viewer's); the rest depends only on the selection.
	var b strings.Builder
	// The roots' columns as ent's selectors select them (the CTEs name them).
	oquery, args := selectParts(osel, order.Table, []rowPart{{cols: parts[1].cols}}).Query()
	b.WriteString(`WITH "o" AS (`)
	b.WriteString(oquery)
	if ssel != nil {
		ssel.SetTotal(len(args))
		squery, sargs := selectParts(ssel, shipment.Table, []rowPart{{cols: parts[l.shipAt].cols}}).Query()
		args = append(args, sargs...)
		b.WriteString(`), "s" AS (`)
		b.WriteString(squery)
	}
	b.WriteString(`) `)
	b.WriteString(statusHalves(parts, p))
	return scanRows(ctx, c, sql.Expr(b.String(), args...), parts, l.pgRow)
}

// pgRow decodes one row of loadPostgres's statement, by its half.
func (l *statusLoad) pgRow(vals [][]any) error {
	c, p, parts := l.c, l.p, l.parts
	half := vals[0][0].(*sql.NullInt64).Int64
	if half == 0 {
		if l.o != nil {
			return &ent.NotSingularError{} // number is unique: unreachable
		}
		var err error
		if l.o, err = l.oq.Decode(parts[1].cols, vals[1]); err != nil {
			return err
		}
		if p.Customer {
			cu, err := c.Customer.Query().Decode(parts[2].cols, vals[2])
			if err != nil {
				return err
			}
			l.o.SetLoadedCustomer(cu)
		}
		return nil
	}
	if l.o == nil { // the order's row sorts first: the order is not visible
		return nil
	}
	switch half {
	case 1:
		at := l.itemsAt
		it, err := c.OrderItem.Query().Decode(parts[at].cols, vals[at])
		if err != nil {
			return err
		}
		if p.Products {
			pr, err := c.Product.Query().Decode(parts[at+1].cols, vals[at+1])
			if err != nil {
				return err
			}
			it.SetLoadedProduct(pr)
		}
		l.items = append(l.items, it)
	case 2:
		s, err := l.sq.Decode(parts[l.shipAt].cols, vals[l.shipAt])
		if err != nil {
			return err
		}
		l.ships = append(l.ships, s)
		l.pages = append(l.pages, nil)
	case 3:
		// Events sort by their shipment's id, as the shipments do: the
		// shipment is the current one or a later one.
		id := vals[l.shipAt][0].(*sql.NullInt64).Int64
		for l.cur < len(l.ships) && int64(l.ships[l.cur].ID) != id {
			l.cur++
		}
		if l.cur == len(l.ships) {
			return fmt.Errorf("order status: an event of shipment %d, which was not read", id)
		}
		e, err := c.TrackingEvent.Query().Decode(parts[l.shipAt+1].cols, vals[l.shipAt+1])
		if err != nil {
			return err
		}
		l.pages[l.cur] = append(l.pages[l.cur], e)
	}
	return nil
}

// scanHalf is the scan destination of the statement's first column.
func scanHalf([]string) ([]any, error) { return []any{new(sql.NullInt64)}, nil }

// statusTails caches statusHalves by selection, as selectLists does.
var (
	statusTails  sync.Map // string -> string
	statusTailsN atomic.Int64
)

// statusHalves writes the statement after its WITH clause: the halves and
// the order of the rows, for the parts of a selection.
func statusHalves(parts []rowPart, p StatusPlan) string {
	var key strings.Builder
	fmt.Fprintf(&key, "%d", p.First)
	for _, part := range parts {
		key.WriteString("|" + part.name + ":")
		key.WriteString(strings.Join(part.cols, ","))
	}
	if tail, ok := statusTails.Load(key.String()); ok {
		return tail.(string)
	}
	// pos[i] is the position of part i's first column (1-based).
	pos := make([]int, len(parts))
	width := 0
	for i, part := range parts {
		pos[i] = width + 1
		width += len(part.cols)
	}
	var b strings.Builder
	// half writes one half: its number, then for each part either its
	// columns (those in show, from the table aliased as the part's name)
	// or NULLs; then from.
	half := func(n int, show map[string]bool, from string) {
		if n > 0 {
			b.WriteString(` UNION ALL `)
		}
		fmt.Fprintf(&b, `(SELECT %d`, n)
		for _, part := range parts[1:] {
			for j, col := range part.cols {
				switch {
				case show[part.name]:
					fmt.Fprintf(&b, `, %q.%q`, part.name, col)
				case part.name == "s" && show["s.id"] && j == 0:
					b.WriteString(`, "s"."id"`)
				default:
					b.WriteString(`, `)
					b.WriteString(pgNull(part.table, col))
				}
			}
		}
		b.WriteString(` FROM `)
		b.WriteString(from)
		b.WriteString(`)`)
	}
	orderBy := []string{"1"}
	from := `"o"`
	if p.Customer {
		from += fmt.Sprintf(` JOIN %q AS "customer" ON "customer".%q = "o".%q`, customer.Table, customer.FieldID, order.FieldCustomerID)
	}
	half(0, map[string]bool{"o": true, "customer": true}, from)
	if i := partIndex(parts, "item"); i >= 0 {
		from := fmt.Sprintf(`"o" JOIN %q AS "item" ON "item".%q = "o".%q`, orderitem.Table, orderitem.FieldOrderID, order.FieldID)
		if p.Products {
			from += fmt.Sprintf(` LEFT JOIN %q AS "product" ON "product".%q = "item".%q`, product.Table, product.FieldID, orderitem.FieldProductID)
		}
		half(1, map[string]bool{"item": true, "product": true}, from)
		orderBy = append(orderBy, fmt.Sprint(pos[i]))
	}
	if i := partIndex(parts, "s"); i >= 0 {
		half(2, map[string]bool{"s": true}, `"s"`)
		orderBy = append(orderBy, fmt.Sprint(pos[i]))
		if e := partIndex(parts, "event"); e >= 0 {
			var from strings.Builder
			timelineJoin(&from, dialect.Postgres, p.First+1, false)
			half(3, map[string]bool{"s.id": true, "event": true}, `"s" `+from.String())
			orderBy = append(orderBy,
				fmt.Sprintf("%d DESC", pos[e]+slices.Index(parts[e].cols, trackingevent.FieldOccurredAt)),
				fmt.Sprintf("%d DESC", pos[e]))
		}
	}
	b.WriteString(` ORDER BY `)
	b.WriteString(strings.Join(orderBy, ", "))
	tail := b.String()
	if statusTailsN.Load() < maxSelectLists {
		if _, loaded := statusTails.LoadOrStore(key.String(), tail); !loaded {
			statusTailsN.Add(1)
		}
	}
	return tail
}

// partIndex is the index of the part named name, or -1.
func partIndex(parts []rowPart, name string) int {
	return slices.IndexFunc(parts, func(p rowPart) bool { return p.name == name })
}

// pgNulls are typed NULLs for every column of the schema, by table and
// column: "NULL::bigint".
var pgNulls = func() map[string]map[string]string {
	types := map[field.Type]string{
		field.TypeBool:    "boolean",
		field.TypeInt:     "bigint",
		field.TypeInt64:   "bigint",
		field.TypeFloat64: "double precision",
		field.TypeString:  "text", // varchar columns too: the same category
		field.TypeEnum:    "text",
		field.TypeTime:    "timestamptz",
		field.TypeJSON:    "jsonb",
	}
	m := map[string]map[string]string{}
	for _, t := range migrate.Tables {
		cols := map[string]string{}
		for _, c := range t.Columns {
			typ := c.SchemaType[dialect.Postgres]
			if typ == "" {
				typ = types[c.Type]
			}
			if typ != "" {
				cols[c.Name] = "NULL::" + typ
			}
		}
		m[t.Name] = cols
	}
	return m
}()

// pgNull is a NULL of the type of table's column col. A type pgNulls does
// not know (a new kind of column) panics when the statement is first built,
// which the fast path turns into the executor's answer, and
// TestPgNullsKnowEveryColumn catches first.
func pgNull(table, col string) string {
	if n, ok := pgNulls[table][col]; ok {
		return n
	}
	panic(fmt.Sprintf("order status: no Postgres type for %s.%s", table, col))
}
