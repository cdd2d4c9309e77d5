package graph

import (
	"context"
	"fmt"
	"strings"

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

// Authorization on this path. Each statement's root (the order, its items,
// its shipments) is an ent query: its privacy policy adds its predicates as
// on any other path (Selector). The rows joined to them need no policy of
// their own, because theirs is implied by the root's:
//   - the customer joined on orders.customer_id: a customer viewer sees an
//     order only if customer_id is theirs, and ScopeCustomers lets them see
//     exactly that customer; staff and system see everything;
//   - products: their policy allows every read (the public catalog);
//   - the events joined on a shipment's id: ScopeTrackingEvents lets a viewer
//     see an event exactly when its shipment is visible, and the shipment
//     already passed ScopeShipments.
// server/orderstatus_test.go (TestOrderStatusPrivacy) checks it through the API.

// joined prefixes the columns of a joined table: "customer__first_name".
// ent's column names never contain "__".
const joined = "__"

// loadStatus loads the order numbered number as p says, in at most three
// statements. It returns ent's not-found error when the viewer may not see
// the order or there is none, and the privacy policy's error when the
// viewer may see no order at all.
func loadStatus(ctx context.Context, c *ent.Client, number string, p statusPlan) (*ent.Order, error) {
	oq := c.Order.Query().Where(order.Number(number)).Limit(2)
	sel := querier(oq.Selector)
	if p.customer {
		sel = joinColumns(oq.Selector, customer.Table, order.FieldCustomerID, "customer", customer.Columns)
	}
	orders, err := scanJoined(ctx, c, sel, oq.ScanValues, func(r row) (*ent.Order, error) {
		o, err := oq.Decode(r.part(""))
		if err != nil || !p.customer {
			return o, err
		}
		cu, err := c.Customer.Query().Decode(r.part("customer"))
		o.SetLoadedCustomer(cu)
		return o, err
	})
	switch {
	case err != nil:
		return nil, err
	case len(orders) == 0:
		return nil, &ent.NotFoundError{}
	case len(orders) > 1: // number is unique: unreachable
		return nil, &ent.NotSingularError{}
	}
	o := orders[0]
	if p.items != "" {
		if err := loadItems(ctx, c, o, p); err != nil {
			return nil, err
		}
	}
	if p.shipments != "" {
		if err := loadShipments(ctx, c, o, p); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// loadItems loads o's items, and their products when p wants them.
func loadItems(ctx context.Context, c *ent.Client, o *ent.Order, p statusPlan) error {
	// In the order the store sent them (ids grow with the import). entgql's
	// eager loading sets no order: SQLite happens to return external-id
	// order (its index) and Postgres heap order.
	iq := c.OrderItem.Query().Where(orderitem.OrderID(o.ID)).Order(orderitem.ByID())
	sel := querier(iq.Selector)
	if p.products {
		sel = joinColumns(iq.Selector, product.Table, orderitem.FieldProductID, "product", product.Columns)
	}
	items, err := scanJoined(ctx, c, sel, iq.ScanValues, func(r row) (*ent.OrderItem, error) {
		it, err := iq.Decode(r.part(""))
		if err != nil || !p.products {
			return it, err
		}
		pr, err := c.Product.Query().Decode(r.part("product"))
		it.SetLoadedProduct(pr)
		return it, err
	})
	if err != nil {
		return err
	}
	o.SetNamedItems(p.items, items)
	return nil
}

// loadShipments loads o's shipments, oldest first, each with the first
// p.first+1 events of its timeline when p wants them.
func loadShipments(ctx context.Context, c *ent.Client, o *ent.Order, p statusPlan) error {
	sq := c.Shipment.Query().Where(shipment.OrderID(o.ID)).Order(shipment.ByID())
	sel := querier(sq.Selector)
	if p.events != "" {
		sel = func(ctx context.Context) (sql.Querier, error) {
			s, err := sq.Selector(ctx)
			if err != nil {
				return nil, err
			}
			return withTimelinePage(c.Dialect(), s, p.first+1), nil
		}
	}
	var (
		ships []*ent.Shipment
		last  *ent.Shipment
		page  []*ent.TrackingEvent
	)
	flush := func() {
		if last != nil && p.events != "" {
			last.SetNamedEvents(p.events, page)
		}
		page = nil
	}
	_, err := scanJoined(ctx, c, sel, sq.ScanValues, func(r row) (*ent.Shipment, error) {
		s, err := sq.Decode(r.part(""))
		if err != nil {
			return nil, err
		}
		if last == nil || last.ID != s.ID {
			flush()
			ships, last = append(ships, s), s
		}
		if p.events == "" {
			return nil, nil
		}
		e, err := c.TrackingEvent.Query().Decode(r.part("event"))
		if err != nil || e.ID == 0 { // no event: the LEFT JOIN's NULLs
			return nil, err
		}
		page = append(page, e)
		return nil, nil
	})
	if err != nil {
		return err
	}
	flush()
	if ships == nil {
		ships = []*ent.Shipment{}
	}
	o.SetNamedShipments(p.shipments, ships)
	return nil
}

// withTimelinePage wraps the shipments statement s so that each shipment row
// comes with the first n events of its timeline in the default page order
// (occurred_at DESC, id DESC), one row per event, or one row of NULLs for a
// shipment without events. Each shipment's page is read from the front of
// the (shipment_id, occurred_at DESC, id DESC) index: n entries, no sort.
func withTimelinePage(d string, s *sql.Selector, n int) sql.Querier {
	inner, args := s.Query()
	cols := make([]string, len(trackingevent.Columns))
	for i, col := range trackingevent.Columns {
		cols[i] = fmt.Sprintf(`e.%q AS %q`, col, "event"+joined+col)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `SELECT s.*, %s FROM (%s) AS s `, strings.Join(cols, ", "), inner)
	const order = `ORDER BY x."occurred_at" DESC, x."id" DESC`
	if d == dialect.Postgres {
		// LATERAL: for each shipment, an index scan that stops after n rows.
		fmt.Fprintf(&b, `LEFT JOIN LATERAL (SELECT x.* FROM "tracking_events" AS x WHERE x."shipment_id" = s."id" %s LIMIT $%d) AS e ON TRUE`, order, len(args)+1)
	} else {
		// SQLite has no LATERAL; a correlated IN with a LIMIT reads the same
		// n index entries per shipment, then the n events by rowid.
		fmt.Fprintf(&b, `LEFT JOIN "tracking_events" AS e ON e."id" IN (SELECT x."id" FROM "tracking_events" AS x WHERE x."shipment_id" = s."id" %s LIMIT ?)`, order)
	}
	b.WriteString(` ORDER BY s."id", e."occurred_at" DESC, e."id" DESC`)
	return sql.Expr(b.String(), append(args, n)...)
}

// joinColumns extends the statement sel builds: it joins table on its id =
// the root's fk and selects the table's columns as name__column.
func joinColumns(sel func(context.Context) (*sql.Selector, error), table, fk, name string, columns []string) func(context.Context) (sql.Querier, error) {
	return func(ctx context.Context) (sql.Querier, error) {
		s, err := sel(ctx)
		if err != nil {
			return nil, err
		}
		t := sql.Table(table).As(name)
		s.Join(t).On(s.C(fk), t.C("id"))
		for _, col := range columns {
			s.AppendSelectAs(t.C(col), name+joined+col)
		}
		return s, nil
	}
}

// querier adapts a query's Selector to what scanJoined runs.
func querier(sel func(context.Context) (*sql.Selector, error)) func(context.Context) (sql.Querier, error) {
	return func(ctx context.Context) (sql.Querier, error) { return sel(ctx) }
}

// row is one row of a joined statement, split by entity: the root's
// columns, then each joined entity's (name__column, prefix stripped).
type row struct {
	parts map[string]rowPart
}

// rowPart is one entity's columns in a row and ent's scan values for them.
type rowPart struct {
	cols []string
	vals []any
}

// part returns the columns and scanned values of the entity name ("" for
// the statement's root).
func (r row) part(name string) ([]string, []any) {
	p := r.parts[name]
	return p.cols, p.vals
}

// scanners are the scan-value functions of the entities a statement may
// join, by name.
func scanners(c *ent.Client) map[string]func([]string) ([]any, error) {
	return map[string]func([]string) ([]any, error){
		"customer": c.Customer.Query().ScanValues,
		"product":  c.Product.Query().ScanValues,
		"event":    c.TrackingEvent.Query().ScanValues,
	}
}

// scanJoined runs the statement sel builds and decodes each row with decode.
// root gives the scan values of the root entity's columns; joined entities'
// come from scanners. Non-nil results are returned in row order.
func scanJoined[T any](ctx context.Context, c *ent.Client, sel func(context.Context) (sql.Querier, error), root func([]string) ([]any, error), decode func(row) (*T, error)) ([]*T, error) {
	s, err := sel(ctx)
	if err != nil {
		return nil, err
	}
	query, args := s.Query()
	rows, err := c.QueryRows(ctx, query, args)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	// Which result column belongs to which entity, once per statement.
	type group struct {
		idx  []int
		cols []string
	}
	groups := map[string]*group{}
	for i, col := range cols {
		name, field, ok := strings.Cut(col, joined)
		if !ok {
			name, field = "", col
		}
		g := groups[name]
		if g == nil {
			g = &group{}
			groups[name] = g
		}
		g.idx, g.cols = append(g.idx, i), append(g.cols, field)
	}
	scan := scanners(c)
	scan[""] = root
	var out []*T
	dest := make([]any, len(cols))
	for rows.Next() {
		// ent's scan values are fresh per row, so nothing decoded from
		// one row aliases the next.
		r := row{parts: make(map[string]rowPart, len(groups))}
		for name, g := range groups {
			f := scan[name]
			if f == nil {
				return nil, fmt.Errorf("order status: no decoder for the columns of %q", name)
			}
			vals, err := f(g.cols)
			if err != nil {
				return nil, err
			}
			for j, i := range g.idx {
				dest[i] = vals[j]
			}
			r.parts[name] = rowPart{cols: g.cols, vals: vals}
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		v, err := decode(r)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out = append(out, v)
		}
	}
	return out, rows.Err()
}
