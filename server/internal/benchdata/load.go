package benchdata

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/aftercart/aftercart/server/tracking"
)

// tables are the tables Load fills, parents first.
var tables = []string{"customers", "products", "orders", "order_items", "shipments", "shipment_items", "tracking_events"}

// withIDs are the tables whose ids Load sets itself (other rows refer to
// them); the others take ids from their identity columns.
var withIDs = []string{"customers", "products", "orders", "order_items", "shipments"}

// carriers ship the dataset's parcels in turn; their public tracking pages
// come from package tracking, as for parcels created through the API.
var carriers = []string{"DHL", "UPS", "DPD", "GLS"}

// T0 is when the dataset's first order was placed; orders follow over a
// year.
var T0 = time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)

// returnPolicy is every order's policy text (the server's default).
const returnPolicy = "Return or exchange unused items within 30 days of delivery for a full refund. Start a return from your order page; return shipping is free."

// Load fills the empty, migrated database db with the dataset spec
// describes, and returns what it created. It needs a Postgres role that may
// drop and create indexes and constraints (the owner); progress, one line
// per step with its duration, goes to logf when it is not nil.
func Load(ctx context.Context, db *sql.DB, spec Spec, logf func(format string, args ...any)) (*Dataset, error) {
	if err := spec.validate(); err != nil {
		return nil, err
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	// One connection: the plan lives in temporary tables.
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("benchdata: %w", err)
	}
	defer conn.Close()
	l := &loader{ctx: ctx, conn: conn, spec: spec, logf: logf, base: map[string]int64{}}
	// Sorting three million events by time, and rebuilding the indexes,
	// in memory rather than in temporary files; this session only.
	for _, set := range []string{"SET work_mem = '1GB'", "SET maintenance_work_mem = '1GB'"} {
		if _, err := conn.ExecContext(ctx, set); err != nil {
			return nil, fmt.Errorf("benchdata: %s: %w", set, err)
		}
	}
	if err := l.load(); err != nil {
		return nil, fmt.Errorf("benchdata: %s: %w", l.step, err)
	}
	d := &Dataset{Spec: spec, Rows: map[string]int64{}, BigEventsOrder: OrderNumber(0), SmallEventsOrder: OrderNumber(1),
		customerBase: l.base["customers"]}
	for _, t := range tables {
		var n int64
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+pq.QuoteIdentifier(t)).Scan(&n); err != nil {
			return nil, fmt.Errorf("benchdata: counting %s: %w", t, err)
		}
		d.Rows[t] = n
	}
	return d, nil
}

// loader runs Load's steps on one connection; step names the one running,
// for errors.
type loader struct {
	ctx  context.Context
	conn *sql.Conn
	spec Spec
	logf func(string, ...any)
	step string
	// base is each withIDs table's first id: its identity's START WITH.
	base map[string]int64
}

// exec runs one step and logs its rows and duration.
func (l *loader) exec(step, query string, args ...any) error {
	start := time.Now()
	n, err := l.execQuiet(step, query, args...)
	if err == nil {
		l.logf("benchdata: %-32s %9d rows %6.1f s", step, n, time.Since(start).Seconds())
	}
	return err
}

// execQuiet runs one step without logging it, and returns the rows it
// affected.
func (l *loader) execQuiet(step, query string, args ...any) (int64, error) {
	l.step = step
	res, err := l.conn.ExecContext(l.ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (l *loader) load() error {
	l.step = "checking the database is empty"
	for _, t := range tables {
		var any bool
		if err := l.conn.QueryRowContext(l.ctx, "SELECT EXISTS (SELECT 1 FROM "+pq.QuoteIdentifier(t)+")").Scan(&any); err != nil {
			return err
		}
		if any {
			return fmt.Errorf("table %s has rows: Load needs an empty, migrated database", t)
		}
	}
	for _, t := range withIDs {
		l.step = "reading the id range of " + t
		var start int64
		if err := l.conn.QueryRowContext(l.ctx, `SELECT seqstart FROM pg_sequence WHERE seqrelid = pg_get_serial_sequence($1, 'id')::regclass`, t).Scan(&start); err != nil {
			return err
		}
		l.base[t] = start
	}
	l.step = "reading the schema"
	before, err := readSchema(l.ctx, l.conn)
	if err != nil {
		return err
	}
	if err := l.dropSecondary(before); err != nil {
		return err
	}
	if err := l.insert(); err != nil {
		return err
	}
	if err := l.restore(before); err != nil {
		return err
	}
	l.step = "checking the schema is restored"
	after, err := readSchema(l.ctx, l.conn)
	if err != nil {
		return err
	}
	if diff := before.diff(after); diff != "" {
		return fmt.Errorf("the schema differs from the migrated one after loading:\n%s", diff)
	}
	for _, t := range withIDs {
		// Ids set explicitly leave the identity behind: move it past them
		// so rows created through the API later do not collide.
		if _, err := l.execQuiet("moving the identity of "+t, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT max(id) FROM %s))`, t, pq.QuoteIdentifier(t))); err != nil {
			return err
		}
	}
	start := time.Now()
	for _, t := range tables {
		// VACUUM sets the visibility map (index-only scans) and ANALYZE
		// gives the planner the statistics a real database would have.
		if _, err := l.execQuiet("vacuum analyze "+t, "VACUUM (ANALYZE) "+pq.QuoteIdentifier(t)); err != nil {
			return err
		}
	}
	l.logf("benchdata: vacuum analyze %6.1f s", time.Since(start).Seconds())
	return nil
}

// insert writes every row. Rows go in the order a real store writes them:
// orders, items and shipments by id, tracking events by the time they
// happened, so one shipment's events are spread over the table's pages as
// they are in production, not packed together.
func (l *loader) insert() error {
	s := l.spec
	b := l.base
	span := int64(365 * 24 * 3600)
	urls := make([]string, len(carriers))
	for i, c := range carriers {
		u, err := tracking.TrackingURL(nil, c, "N")
		if err != nil || u == nil {
			return fmt.Errorf("no tracking page for %s: %v", c, err)
		}
		urls[i] = strings.TrimSuffix(*u, "N")
	}
	steps := []struct {
		name, query string
		args        []any
	}{
		{"customers", `
			INSERT INTO customers (id, created_at, updated_at, email, external_id, first_name, last_name)
			SELECT $1::bigint + c, $2::timestamptz - interval '30 days', $2::timestamptz - interval '30 days',
				'customer' || c || '@bench.aftercart.dev', 'cust-' || c,
				(ARRAY['Mina','Jonas','Aiko','Lena','Omar','Sofia','Ravi','Emma'])[1 + c % 8],
				(ARRAY['Okafor','Schmidt','Tanaka','Novak','Haddad','Rossi','Iyer','Larsen'])[1 + (c / 8) % 8]
			FROM generate_series(0, $3 - 1) c`, []any{b["customers"], T0, s.Customers}},
		{"products", `
			INSERT INTO products (id, created_at, updated_at, sku, name, description, image_url, category)
			SELECT $1::bigint + p, $2, $2, 'BENCH-SKU-' || p,
				(ARRAY['Harbour House Espresso, 1 kg','Organic Sencha, 100 g','Paper filters, 100 pcs','Pour-over kettle','Burr grinder','Oolong sampler'])[1 + p % 6] || ' No. ' || p,
				'', 'https://cdn.example.com/products/' || p || '.jpg',
				(ARRAY['coffee','tea','equipment'])[1 + p % 3]
			FROM generate_series(0, $3 - 1) p`, []any{b["products"], T0.Add(-30 * 24 * time.Hour), s.Products}},
		// The plan: how many shipments each order has (none for one in
		// ten, two for a third of the rest, one otherwise; orders 0 and 1
		// are the per-shipment-cost pair), and whether its first shipment
		// was delivered.
		{"plan: orders", `
			CREATE TEMP TABLE bench_orders AS
			SELECT i::bigint AS i,
				CASE WHEN i < 2 THEN 1 WHEN i % 10 = 9 THEN 0 WHEN i % 3 = 0 THEN 2 ELSE 1 END AS nship,
				(i >= 2 AND i % 4 = 0) AS first_delivered,
				$1::timestamptz + make_interval(secs => (i::bigint * $2 / $3)) AS placed_at
			FROM generate_series(0, $3 - 1) i`, []any{T0, span, s.Orders}},
		{"plan: shipments", `
			CREATE TEMP TABLE bench_ships AS
			SELECT x.*, x.shipped_at + (x.n_ev - 1) * interval '30 minutes' AS last_event_at
			FROM (
				SELECT y.*, CASE WHEN y.i = 0 THEN $1 WHEN y.i = 1 THEN $2 ELSE 5 + (y.sidx * 7 % 41)::int END AS n_ev
				FROM (
					SELECT row_number() OVER (ORDER BY o.i, j) - 1 AS sidx, o.i, j, o.nship,
						(j = 1 AND o.first_delivered) AS delivered,
						o.placed_at + interval '1 day' + (j - 1) * interval '6 hours' AS shipped_at
					FROM bench_orders o, generate_series(1, o.nship) j
				) y
			) x`, []any{s.BigEvents, s.SmallEvents}},
		// Statuses and dates as orders.DeriveStatus and tracking's fold
		// would derive them; totals from the items below.
		{"orders", `
			INSERT INTO orders (id, created_at, updated_at, number, external_id, status, placed_at, delivered_at,
				currency, subtotal_minor, shipping_minor, tax_minor, discount_minor, total_minor,
				shipping_address, payment_method, return_policy, return_window_days, return_window_ends_at, customer_id)
			SELECT $1::bigint + o.i, o.placed_at, COALESCE(s1.last_event_at, o.placed_at),
				'BO-' || lpad(o.i::text, 7, '0'), 'ext-BO-' || o.i,
				CASE WHEN o.nship = 0 THEN 'UNFULFILLED'
					WHEN o.first_delivered AND o.nship = 1 THEN 'DELIVERED'
					WHEN o.first_delivered THEN 'PARTIALLY_DELIVERED'
					ELSE 'SHIPPED' END,
				o.placed_at, d.at, 'EUR', t.sub, 490, t.sub * 19 / 100, 0, t.sub + 490 + t.sub * 19 / 100,
				jsonb_build_object('name', 'Customer ' || (o.i % $3), 'line1', 'Torstrasse ' || (1 + o.i % 200),
					'city', 'Berlin', 'postalCode', '10119', 'countryCode', 'DE'),
				'{"kind":"card","brand":"Visa","last4":"4242"}'::jsonb, $5, 30, d.at + interval '30 days',
				$2::bigint + (o.i % $3)
			FROM bench_orders o
			LEFT JOIN bench_ships s1 ON s1.i = o.i AND s1.j = 1,
			LATERAL (SELECT CASE WHEN o.nship = 1 AND o.first_delivered THEN s1.last_event_at END AS at) d,
			LATERAL (SELECT sum((1 + (o.i + k) % 3) * (500 + ((o.i * 3 + k) % $4) * 37 % 5000))::bigint AS sub
				FROM generate_series(0, 2) k) t
			ORDER BY o.i`, []any{b["orders"], b["customers"], s.Customers, s.Products, returnPolicy}},
		{"order_items", `
			INSERT INTO order_items (id, created_at, updated_at, external_id, quantity, unit_price_minor, currency, order_id, product_id)
			SELECT $1::bigint + o.i * 3 + k, o.placed_at, o.placed_at, 'line-' || k, 1 + (o.i + k) % 3,
				500 + ((o.i * 3 + k) % $4) * 37 % 5000, 'EUR', $2::bigint + o.i, $3::bigint + (o.i * 3 + k) % $4
			FROM bench_orders o, generate_series(0, 2) k
			ORDER BY o.i, k`, []any{b["order_items"], b["orders"], b["products"], s.Products}},
		{"shipments", `
			INSERT INTO shipments (id, created_at, updated_at, carrier, tracking_number, tracking_url, status, sub_status,
				first_estimated_delivery_at, latest_estimated_delivery_at, shipped_at, delivered_at, last_event_at, order_id)
			SELECT $1::bigint + s.sidx, s.shipped_at, s.last_event_at,
				($3::text[])[1 + s.sidx % 4], 'BT' || lpad(s.sidx::text, 10, '0'),
				($4::text[])[1 + s.sidx % 4] || 'BT' || lpad(s.sidx::text, 10, '0'),
				CASE WHEN s.delivered THEN 'DELIVERED' ELSE 'IN_TRANSIT' END,
				CASE WHEN s.n_ev % 5 = 0 THEN 'Arrived at hub' END,
				s.shipped_at + interval '3 days', s.shipped_at + interval '3 days' + (s.sidx % 3) * interval '1 day',
				s.shipped_at, CASE WHEN s.delivered THEN s.last_event_at END, s.last_event_at, $2::bigint + s.i
			FROM bench_ships s
			ORDER BY s.sidx`, []any{b["shipments"], b["orders"], pq.Array(carriers), pq.Array(urls)}},
		// One shipment carries the whole order, or the first of two
		// carries items 0 and 1 and the second item 2.
		{"shipment_items", `
			INSERT INTO shipment_items (quantity, shipment_id, order_item_id)
			SELECT 1 + (s.i + k) % 3, $1::bigint + s.sidx, $2::bigint + s.i * 3 + k
			FROM bench_ships s, generate_series(0, 2) k
			WHERE s.nship = 1 OR (s.j = 1 AND k < 2) OR (s.j = 2 AND k = 2)
			ORDER BY s.sidx, k`, []any{b["shipments"], b["order_items"]}},
		{"tracking_events", `
			INSERT INTO tracking_events (external_id, status, sub_status, message, location, occurred_at, recorded_at, shipment_id)
			SELECT 'evt-' || e.k, e.status,
				CASE WHEN e.k % 5 = 0 THEN 'Arrived at hub' END,
				CASE e.status WHEN 'INFO_RECEIVED' THEN 'Shipment information received'
					WHEN 'DELIVERED' THEN 'Delivered to the front door'
					WHEN 'OUT_FOR_DELIVERY' THEN 'Out for delivery'
					ELSE (ARRAY['Arrived at the sort facility','Departed the sort facility'])[1 + e.k % 2] END,
				(ARRAY['Leipzig, DE','Berlin, DE','Hamburg, DE','Cologne, DE'])[1 + e.k % 4],
				e.at, e.at + interval '2 minutes', $1::bigint + e.sidx
			FROM (
				SELECT s.sidx, k, s.shipped_at + (k - 1) * interval '30 minutes' AS at,
					CASE WHEN k = 1 THEN 'INFO_RECEIVED'
						WHEN s.delivered AND k = s.n_ev THEN 'DELIVERED'
						WHEN s.delivered AND k = s.n_ev - 1 THEN 'OUT_FOR_DELIVERY'
						ELSE 'IN_TRANSIT' END AS status
				FROM bench_ships s, generate_series(1, s.n_ev) k
			) e
			ORDER BY e.at, e.sidx`, []any{b["shipments"]}},
	}
	for _, st := range steps {
		if err := l.exec(st.name, st.query, st.args...); err != nil {
			return err
		}
	}
	_, err := l.execQuiet("dropping the plan", "DROP TABLE bench_orders, bench_ships")
	return err
}
