package demo_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/order"
	"github.com/aftercart/aftercart/ent/predicate"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/shipment"
	"github.com/aftercart/aftercart/ent/trackingevent"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/demo"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/orders"
	"github.com/aftercart/aftercart/server/pubsub/inmem"
	"github.com/aftercart/aftercart/server/tracking"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// env is an open, migrated database with the services Seed needs.
type env struct {
	db  *db.DB
	ord *orders.Service
	trk *tracking.Service
	// writes counts statements other than SELECTs (and transactions
	// started), so a test can prove a call wrote nothing at all.
	writes *atomic.Int64
}

// forEachDialect runs fn on a fresh SQLite database and, when PostgreSQL is
// installed, on a fresh Postgres database.
func forEachDialect(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, mustEnv(t, db.Config{DataDir: t.TempDir()})) })
	t.Run("postgres", func(t *testing.T) { fn(t, mustEnv(t, db.Config{URL: pgtest.Get(t).NewDatabase(t)})) })
}

func mustEnv(tb testing.TB, cfg db.Config) *env {
	tb.Helper()
	writes := new(atomic.Int64)
	cfg.OnStatement = func(_ context.Context, line string) {
		// The debug driver reports "….Query: query=SELECT …",
		// "….Exec: query=INSERT …" and "Tx(id): started" lines.
		if !strings.Contains(line, "query=SELECT") && !strings.HasSuffix(line, "committed") && !strings.HasSuffix(line, "rollbacked") {
			writes.Add(1)
		}
	}
	d, err := db.Open(cfg)
	if err != nil {
		tb.Fatalf("db.Open: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background()); err != nil {
		tb.Fatalf("Migrate: %v", err)
	}
	writes.Store(0)
	return &env{
		db:     d,
		ord:    orders.NewService(d, orders.Policy{Text: "Return unused items within 30 days of delivery.", WindowDays: 30}),
		trk:    tracking.NewService(d, inmem.New()),
		writes: writes,
	}
}

func (e *env) mustSeed(tb testing.TB, now time.Time) {
	tb.Helper()
	if err := demo.Seed(context.Background(), e.db, e.ord, e.trk, now); err != nil {
		tb.Fatalf("Seed: %v", err)
	}
}

// customerNamed returns the seeded customer with email.
func customerNamed(tb testing.TB, e *env, email string) *ent.Customer {
	tb.Helper()
	c, err := e.db.Customer.Query().Where(customer.Email(email)).Only(sys)
	if err != nil {
		tb.Fatalf("customer %s: %v", email, err)
	}
	return c
}

// sys is the context the tests read with: privacy rules filter everything
// else.
var sys = auth.WithSystem(context.Background())

func TestSeed(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		// The tracking service checks checkpoint times against the wall
		// clock, so the demo must be seeded at about the real time.
		now := time.Now().UTC().Truncate(time.Second)
		e.mustSeed(t, now)

		mina, err := e.db.Customer.Query().Where(customer.Email(demo.DemoCustomerEmail)).Only(sys)
		if err != nil {
			t.Fatalf("demo customer: %v", err)
		}
		if mina.FirstName != "Mina" || mina.LastName == "" {
			t.Errorf("demo customer is %q %q, want Mina and a last name", mina.FirstName, mina.LastName)
		}
		leo, err := e.db.Customer.Query().Where(customer.Email(demo.OtherCustomerEmail)).Only(sys)
		if err != nil {
			t.Fatalf("other customer: %v", err)
		}

		all, err := e.db.Order.Query().
			WithItems().
			WithShipments(func(q *ent.ShipmentQuery) { q.WithItems().WithEvents() }).
			All(sys)
		if err != nil {
			t.Fatal(err)
		}
		byNumber := make(map[string]*ent.Order, len(all))
		for _, o := range all {
			byNumber[o.Number] = o
		}

		tests := []struct {
			number    string
			owner     *ent.Customer
			status    types.OrderStatus
			shipments int
		}{
			{"AC-1000", mina, types.OrderDelivered, 1},
			{demo.InTransitOrderNumber, mina, types.OrderShipped, 1},
			{"AC-1002", mina, types.OrderPartiallyShipped, 1},
			{"AC-1003", mina, types.OrderShipped, 1},
			{"AC-1004", mina, types.OrderShipped, 1},
			{"AC-1005", mina, types.OrderUnfulfilled, 0},
			{"AC-1006", mina, types.OrderCanceled, 0},
			{"AC-2001", leo, types.OrderDelivered, 1},
			{"AC-2002", leo, types.OrderShipped, 1},
			{"AC-3001", customerNamed(t, e, demo.SofiaEmail), types.OrderDelivered, 1},
			{"AC-3002", customerNamed(t, e, demo.NewCustomerEmail), types.OrderUnfulfilled, 0},
		}
		if len(all) != len(tests) {
			t.Errorf("seeded %d orders, want %d", len(all), len(tests))
		}
		for _, tt := range tests {
			o := byNumber[tt.number]
			if o == nil {
				t.Errorf("order %s missing", tt.number)
				continue
			}
			if o.Status != tt.status {
				t.Errorf("%s: status %s, want %s", tt.number, o.Status, tt.status)
			}
			if o.CustomerID != tt.owner.ID {
				t.Errorf("%s: belongs to customer %d, want %s", tt.number, o.CustomerID, tt.owner.Email)
			}
			if got := len(o.Edges.Shipments); got != tt.shipments {
				t.Errorf("%s: %d shipments, want %d", tt.number, got, tt.shipments)
			}
			checkOrder(t, o, now)
		}

		t.Run("delivered order has its return window running", func(t *testing.T) {
			o := byNumber["AC-1000"]
			if o.DeliveredAt == nil || !o.DeliveredAt.Before(now.Add(-3*24*time.Hour)) {
				t.Errorf("deliveredAt = %v, want several days before %v", o.DeliveredAt, now)
			}
			if o.ReturnWindowEndsAt == nil || !o.ReturnWindowEndsAt.After(now) {
				t.Errorf("returnWindowEndsAt = %v, want after %v", o.ReturnWindowEndsAt, now)
			}
		})

		t.Run("in-transit order is the mobile demo's", func(t *testing.T) {
			o := byNumber[demo.InTransitOrderNumber]
			if len(o.Edges.Items) < 2 {
				t.Errorf("%d items, want at least 2", len(o.Edges.Items))
			}
			if want := now.Add(-3 * 24 * time.Hour); !o.PlacedAt.Equal(want) {
				t.Errorf("placedAt = %v, want %v (three days before now)", o.PlacedAt, want)
			}
			sh := o.Edges.Shipments[0]
			if sh.Carrier != demo.InTransitCarrier || sh.TrackingNumber != demo.InTransitTrackingNumber || sh.Status != types.TrackingInTransit || sh.TrackingURL == nil {
				t.Errorf("shipment = %s %s %s url %v, want %s %s IN_TRANSIT with a tracking URL (send-event and the README post to it)",
					sh.Carrier, sh.TrackingNumber, sh.Status, sh.TrackingURL, demo.InTransitCarrier, demo.InTransitTrackingNumber)
			}
			if len(sh.Edges.Events) < 3 {
				t.Fatalf("%d events, want at least 3", len(sh.Edges.Events))
			}
			statuses := map[types.TrackingStatus]int{}
			for _, ev := range sh.Edges.Events {
				statuses[ev.Status]++
				if ev.Location == nil || *ev.Location == "" || ev.Message == "" {
					t.Errorf("event %s has no location or message", ev.ExternalID)
				}
			}
			if statuses[types.TrackingInfoReceived] == 0 || statuses[types.TrackingInTransit] < 2 {
				t.Errorf("event statuses %v, want INFO_RECEIVED and at least two IN_TRANSIT", statuses)
			}
			first, latest := sh.FirstEstimatedDeliveryAt, sh.LatestEstimatedDeliveryAt
			if first == nil || latest == nil || !first.Before(*latest) {
				t.Fatalf("estimates first %v latest %v, want the first before the latest (a slip)", first, latest)
			}
			if want := now.Add(2 * 24 * time.Hour); !latest.Equal(want) {
				t.Errorf("latest estimate %v, want %v (in two days)", latest, want)
			}
		})

		t.Run("partially shipped order ships one of two lines with UPS", func(t *testing.T) {
			o := byNumber["AC-1002"]
			sh := o.Edges.Shipments[0]
			if len(o.Edges.Items) != 2 || len(sh.Edges.Items) != 1 || sh.Carrier != "UPS" {
				t.Errorf("%d lines, %d in the %s shipment; want 2 lines, 1 shipped with UPS", len(o.Edges.Items), len(sh.Edges.Items), sh.Carrier)
			}
		})

		t.Run("out-for-delivery order", func(t *testing.T) {
			if sh := byNumber["AC-1003"].Edges.Shipments[0]; sh.Status != types.TrackingOutForDelivery {
				t.Errorf("shipment status %s, want OUT_FOR_DELIVERY", sh.Status)
			}
		})

		t.Run("delayed order is held in customs", func(t *testing.T) {
			sh := byNumber["AC-1004"].Edges.Shipments[0]
			if sh.Status != types.TrackingException || sh.SubStatus == nil || *sh.SubStatus != "Customs hold" {
				t.Errorf("shipment status %s sub-status %v, want EXCEPTION / Customs hold", sh.Status, sh.SubStatus)
			}
		})

		t.Run("canceled order", func(t *testing.T) {
			if o := byNumber["AC-1006"]; o.CanceledAt == nil || o.CanceledAt.After(now) {
				t.Errorf("canceledAt = %v, want a time before now", o.CanceledAt)
			}
		})

		t.Run("catalog", func(t *testing.T) {
			products, err := e.db.Product.Query().All(sys)
			if err != nil {
				t.Fatal(err)
			}
			if len(products) < 10 {
				t.Errorf("%d products, want about ten", len(products))
			}
			categories, intervals, shown := map[string]bool{}, map[int]bool{}, map[string]bool{}
			for _, p := range products {
				categories[p.Category] = true
				if p.ReorderIntervalDays != nil {
					intervals[*p.ReorderIntervalDays] = true
				}
				if p.ImageURL == nil {
					t.Errorf("%s: no image URL", p.Sku)
					continue
				}
				checkImage(t, p.Sku, *p.ImageURL)
				shown[strings.TrimPrefix(*p.ImageURL, demo.ImagePrefix)] = true
			}
			// Every shipped image belongs to a product: none is dead weight.
			files, err := os.ReadDir("images")
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if !shown[f.Name()] {
					t.Errorf("images/%s is no product's image", f.Name())
				}
			}
			if len(categories) < 5 {
				t.Errorf("categories %v, want at least five", categories)
			}
			for _, days := range []int{30, 45, 60} {
				if !intervals[days] {
					t.Errorf("no consumable reorders every %d days (have %v)", days, intervals)
				}
			}
		})
	})
}

// checkOrder checks what every demo order must satisfy: consistent money,
// a payment method and an address, and no date after now.
func checkOrder(t *testing.T, o *ent.Order, now time.Time) {
	t.Helper()
	if o.Currency != "EUR" {
		t.Errorf("%s: currency %s, want EUR", o.Number, o.Currency)
	}
	if o.TotalMinor != o.SubtotalMinor+o.ShippingMinor+o.TaxMinor-o.DiscountMinor || o.TotalMinor <= 0 {
		t.Errorf("%s: total %d ≠ %d + %d + %d - %d", o.Number, o.TotalMinor, o.SubtotalMinor, o.ShippingMinor, o.TaxMinor, o.DiscountMinor)
	}
	if o.ShippingAddress.CountryCode != "CH" && o.TaxMinor == 0 {
		t.Errorf("%s: no tax on an EU order", o.Number)
	}
	if o.PaymentMethod.Kind == "" || o.ShippingAddress.Line1 == "" {
		t.Errorf("%s: payment %+v, address %+v; want both", o.Number, o.PaymentMethod, o.ShippingAddress)
	}
	if o.PlacedAt.After(now) {
		t.Errorf("%s: placed at %v, after now %v", o.Number, o.PlacedAt, now)
	}
	for _, sh := range o.Edges.Shipments {
		for _, ev := range sh.Edges.Events {
			if ev.OccurredAt.After(now) || ev.OccurredAt.Before(o.PlacedAt) {
				t.Errorf("%s: event %s at %v, outside [placedAt %v, now %v]", o.Number, ev.ExternalID, ev.OccurredAt, o.PlacedAt, now)
			}
		}
	}
}

// rowCounts counts the rows of every table.
func rowCounts(tb testing.TB, d *db.DB) map[string]int {
	tb.Helper()
	counts := map[string]func(context.Context) (int, error){
		"customers":      d.Customer.Query().Count,
		"products":       d.Product.Query().Count,
		"orders":         d.Order.Query().Count,
		"order_items":    d.OrderItem.Query().Count,
		"shipments":      d.Shipment.Query().Count,
		"shipment_items": d.ShipmentItem.Query().Count,
		"events":         d.TrackingEvent.Query().Count,
	}
	out := make(map[string]int, len(counts))
	for table, count := range counts {
		n, err := count(sys)
		if err != nil {
			tb.Fatalf("counting %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

func orderUpdates(tb testing.TB, d *db.DB) map[string]time.Time {
	tb.Helper()
	os, err := d.Order.Query().All(sys)
	if err != nil {
		tb.Fatal(err)
	}
	out := make(map[string]time.Time, len(os))
	for _, o := range os {
		out[o.Number] = o.UpdatedAt
	}
	return out
}

func TestSeedTwiceWritesNothing(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		now := time.Now()
		e.mustSeed(t, now)
		if e.writes.Load() == 0 {
			t.Fatal("the first Seed wrote nothing; the write counter is broken")
		}
		beforeRows, beforeUpdates := rowCounts(t, e.db), orderUpdates(t, e.db)

		e.writes.Store(0)
		// A later start: the demo must not be re-seeded with new dates.
		e.mustSeed(t, now.Add(time.Hour))
		if n := e.writes.Load(); n != 0 {
			t.Errorf("the second Seed ran %d writing statements, want none", n)
		}
		afterRows, afterUpdates := rowCounts(t, e.db), orderUpdates(t, e.db)
		for table, n := range beforeRows {
			if afterRows[table] != n {
				t.Errorf("%s: %d rows before, %d after", table, n, afterRows[table])
			}
		}
		for number, at := range beforeUpdates {
			if !afterUpdates[number].Equal(at) {
				t.Errorf("%s: updatedAt changed from %v to %v", number, at, afterUpdates[number])
			}
		}
	})
}

func TestSeedLeavesExistingDataAlone(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		_, err := e.ord.Import(sys, orders.ImportInput{
			ExternalID:      "real-1",
			Number:          "R-1",
			PlacedAt:        time.Now().Add(-time.Hour),
			CurrencyCode:    "EUR",
			Customer:        orders.CustomerInput{Email: "real@example.com"},
			Items:           []orders.ItemInput{{ExternalID: "l1", Sku: "REAL-1", Name: "Real thing", Quantity: 1, UnitPrice: "9.99"}},
			ShippingAddress: types.Address{Name: "Real Person", Line1: "Hauptstraße 1", City: "Köln", CountryCode: "DE"},
		})
		if err != nil {
			t.Fatalf("Import: %v", err)
		}
		before := rowCounts(t, e.db)
		e.writes.Store(0)
		e.mustSeed(t, time.Now())
		if n := e.writes.Load(); n != 0 {
			t.Errorf("Seed ran %d writing statements on a database with orders, want none", n)
		}
		after := rowCounts(t, e.db)
		for table, n := range before {
			if after[table] != n {
				t.Errorf("%s: %d rows before, %d after", table, n, after[table])
			}
		}
		if exists, err := e.db.Customer.Query().Where(customer.Email(demo.DemoCustomerEmail)).Exist(sys); err != nil || exists {
			t.Errorf("demo customer exists = %v (err %v), want false", exists, err)
		}
	})
}

// TestEventIDsArePerShipmentUnique guards the rule seedOrder relies on: each
// shipment's checkpoints have distinct external ids, so none was dropped as
// a duplicate.
func TestEventIDsArePerShipmentUnique(t *testing.T) {
	e := mustEnv(t, db.Config{DataDir: t.TempDir()})
	e.mustSeed(t, time.Now())
	sh, err := e.db.Shipment.Query().
		Where(shipment.HasOrderWith(order.Number(demo.InTransitOrderNumber))).
		Only(sys)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := e.db.TrackingEvent.Query().
		Where(trackingevent.ShipmentID(sh.ID)).
		Order(trackingevent.ByOccurredAt()).
		Select(trackingevent.FieldExternalID).
		Strings(sys)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ac1001-1", "ac1001-2", "ac1001-3", "ac1001-4"}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Errorf("event ids %v, want %v", ids, want)
	}
}

func dbConfigSQLite(t *testing.T) db.Config { return db.Config{DataDir: t.TempDir()} }

func customerWithEmail(email string) predicate.Customer { return customer.Email(email) }

// checkImage checks that a seeded imageUrl is a path the server answers
// itself (demo.Images under demo.ImagePrefix) with an SVG image: the demo
// must show its products offline.
func checkImage(t *testing.T, sku, url string) {
	t.Helper()
	name, ok := strings.CutPrefix(url, demo.ImagePrefix)
	if !ok {
		t.Errorf("%s: image URL %q, want a path under %s", sku, url, demo.ImagePrefix)
		return
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, url, nil)
	http.StripPrefix(demo.ImagePrefix, demo.Images()).ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/svg+xml" {
		t.Errorf("%s: GET %s: %d %q, want 200 image/svg+xml", sku, url, rec.Code, rec.Header().Get("Content-Type"))
		return
	}
	var root struct {
		XMLName xml.Name
		ViewBox string `xml:"viewBox,attr"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &root); err != nil || root.XMLName.Local != "svg" || root.ViewBox != "0 0 400 400" {
		t.Errorf("%s: %s is not a square SVG (root %v, viewBox %q, err %v)", sku, name, root.XMLName, root.ViewBox, err)
	}
}

func TestImagesServeOnlyImages(t *testing.T) {
	h := http.StripPrefix(demo.ImagePrefix, demo.Images())
	for _, path := range []string{demo.ImagePrefix, demo.ImagePrefix + "missing.svg", demo.ImagePrefix + "../images.go", demo.ImagePrefix + "images/nw-crew-tee.svg"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, rec.Code)
		}
	}
}
