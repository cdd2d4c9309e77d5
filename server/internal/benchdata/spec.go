package benchdata

import (
	"context"
	"database/sql"
	"fmt"
	"math"

	"github.com/lib/pq"
)

// Spec sizes a dataset. [ForScale] derives one from a single number; the
// fields may then be adjusted.
type Spec struct {
	// Customers, Orders and Products are row counts. Every order has three
	// items; order i belongs to customer i mod Customers, so each
	// customer's orders are spread over the whole table, as a real store's
	// are over time.
	Customers, Orders, Products int
	// BigEvents and SmallEvents are the event counts of the two orders of
	// the per-shipment-cost case (2,025 and 25 by default). Every other
	// shipment has 5 to 45 events, 25 on average.
	BigEvents, SmallEvents int
}

// MinOrders is the fewest orders a dataset may have: enough for every shape
// (unfulfilled, one shipment, two shipments, delivered, partly delivered)
// besides the two orders of the per-shipment-cost case.
const MinOrders = 20

// ForScale returns the dataset of the issue scaled by scale: 1 gives 10,000
// customers, 100,000 orders, 300,000 items, 2,000 products, 120,000
// shipments and about 3,000,000 tracking events. Small scales keep at least
// [MinOrders] orders, 2 customers and 10 products, and always the 2,025- and
// 25-event shipments.
func ForScale(scale float64) (Spec, error) {
	if !(scale > 0 && scale <= 10) {
		return Spec{}, fmt.Errorf("benchdata: scale %g: want more than 0 and at most 10", scale)
	}
	n := func(full, least int) int { return max(least, int(math.Round(float64(full)*scale))) }
	return Spec{
		Customers:   n(10_000, 2),
		Orders:      n(100_000, MinOrders),
		Products:    n(2_000, 10),
		BigEvents:   2_025,
		SmallEvents: 25,
	}, nil
}

func (s Spec) validate() error {
	if s.Customers < 1 || s.Orders < MinOrders || s.Products < 1 || s.BigEvents < 1 || s.SmallEvents < 1 {
		return fmt.Errorf("benchdata: spec %+v: need at least 1 customer, %d orders, 1 product and 1 event per special shipment", s, MinOrders)
	}
	return nil
}

// Dataset is what [Load] created.
type Dataset struct {
	Spec
	// Rows counts the rows of each table after loading, by table name.
	Rows map[string]int64
	// BigEventsOrder and SmallEventsOrder are the numbers of the orders of
	// the per-shipment-cost case: same shape, one shipment each, with
	// Spec.BigEvents and Spec.SmallEvents tracking events.
	BigEventsOrder, SmallEventsOrder string
	// customerBase is the first customer id (its identity's START WITH).
	customerBase int64
}

// OrderNumber returns the number of order i (0-based): "BO-0000042".
func OrderNumber(i int) string { return fmt.Sprintf("BO-%07d", i) }

// Shopper is one customer and the numbers of all their orders.
type Shopper struct {
	Email  string
	Orders []string
}

// Shoppers returns k customers spread evenly over the dataset (all of them
// when there are fewer), each with the numbers of their orders, newest first.
func (d *Dataset) Shoppers(ctx context.Context, db *sql.DB, k int) ([]Shopper, error) {
	k = min(k, d.Spec.Customers)
	ids := make([]int64, k)
	for j := range ids {
		ids[j] = d.customerBase + int64(j)*int64(d.Spec.Customers)/int64(k)
	}
	rows, err := db.QueryContext(ctx, `
		SELECT c.email, array_agg(o.number ORDER BY o.placed_at DESC, o.id DESC)
		FROM customers c JOIN orders o ON o.customer_id = c.id
		WHERE c.id = ANY($1)
		GROUP BY c.id, c.email ORDER BY c.id`, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("benchdata: customers: %w", err)
	}
	defer rows.Close()
	var out []Shopper
	for rows.Next() {
		var c Shopper
		if err := rows.Scan(&c.Email, pq.Array(&c.Orders)); err != nil {
			return nil, fmt.Errorf("benchdata: customers: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("benchdata: customers: %w", err)
	}
	return out, nil
}
