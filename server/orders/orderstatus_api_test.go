package orders_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// OrderStatus loads in two statements on its own path (graph/orderstatus.go);
// any selection that path does not know goes through entgql's collection.
// These tests hold the two paths to the same answers and the same
// authorization.

// orderStatusGeneral is testserver.OrderStatusQuery plus totalCount, which only
// entgql's path serves: the same fields, read the general way.
var orderStatusGeneral = strings.Replace(testserver.OrderStatusQuery, "pageInfo { hasNextPage endCursor }", "pageInfo { hasNextPage endCursor } totalCount", 1)

// statusFixture imports number for email with items lines and one shipment
// per entry of events (that many checkpoints each; several share a time, so
// the id tie-break matters).
func statusFixture(t *testing.T, s *testServer, email, number string, items int, events ...int) {
	t.Helper()
	o := s.MustImport(t, testserver.OrderSpec{Email: email, Number: number, Items: items})
	for i, n := range events {
		tn := fmt.Sprintf("JJD%s%02d", strings.ReplaceAll(number, "-", ""), i)
		s.MustShip(t, o.ID, "DHL", tn, map[string]any{"orderItemId": o.Items[i%len(o.Items)].ID, "quantity": 1})
		for from := 0; from < n; from += 50 {
			var evs []map[string]any
			for e := from; e < min(n, from+50); e++ {
				ev := testserver.Event(fmt.Sprint(tn, "-", e), "IN_TRANSIT", testserver.T0.Add(time.Duration(e/3)*time.Hour))
				if e%4 == 0 {
					delete(ev, "location")
					ev["subStatus"] = "Sorted"
				}
				evs = append(evs, ev)
			}
			s.MustTrack(t, "DHL", tn, evs...)
		}
	}
}

func TestOrderStatusSameAsGeneralPath(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		// 12 lines (ids and external ids sort differently past 9), a long
		// timeline (hasNextPage), a short one, an exact page plus one, none.
		statusFixture(t, s, "mina@example.com", "EQ-1", 12, 45, 3, 21, 0)
		for _, tok := range []string{s.Token(t, auth.RoleCustomer, "mina@example.com"), s.Token(t, auth.RoleAdmin, "")} {
			s.GQL(t, tok, `{ viewer { id } }`, nil) // binds the viewer: not a statement of OrderStatus
			for _, first := range []int{20, 1, 100} {
				q := strings.Replace(testserver.OrderStatusQuery, "first: 20", fmt.Sprintf("first: %d", first), 1)
				general := strings.Replace(orderStatusGeneral, "first: 20", fmt.Sprintf("first: %d", first), 1)
				vars := map[string]any{"number": "EQ-1"}
				s.Statements.Store(0)
				fast := s.GQL(t, tok, q, vars)
				fastStatements := s.Statements.Load()
				var a, b testserver.OrderStatus
				fast.MustOK(t, &a)
				s.GQL(t, tok, general, vars).MustOK(t, &b)
				// Lines come in import order on the two-statement path;
				// entgql's sets no order (SQLite returns them by external
				// id, Postgres in heap order), so compare them sorted.
				for _, o := range []*testserver.OrderStatus{&a, &b} {
					slices.SortFunc(o.Order.Items, func(x, y orderStatusItem) int { return strings.Compare(x.Product.Name, y.Product.Name) })
				}
				if fastStatements > 2 {
					t.Errorf("first %d: %d statements", first, fastStatements)
				}
				if fa, fb := string(testserver.MustJSON(a)), string(testserver.MustJSON(b)); fa != fb {
					i := 0
					for i < min(len(fa), len(fb)) && fa[i] == fb[i] {
						i++
					}
					from := max(0, i-300)
					t.Errorf("first %d: the two paths differ at byte %d:\ntwo statements: …%s\nentgql:         …%s", first, i, fa[from:min(len(fa), i+200)], fb[from:min(len(fb), i+200)])
				}
				if got := a.Order.Shipments[0].Events; len(got.Edges) != min(first, 45) || got.PageInfo.HasNextPage != (first < 45) {
					t.Errorf("first %d: %d events, hasNextPage %v", first, len(got.Edges), got.PageInfo.HasNextPage)
				}
			}
		}
	})
}

// TestOrderStatusPrivacy: on the two-statement path another customer's
// order, with its shipments and events, is exactly a missing one, and a
// customer's own order shows only its own shipments and events.
func TestOrderStatusPrivacy(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		statusFixture(t, s, "mina@example.com", "PM-1", 2, 5, 2)
		statusFixture(t, s, "leo@example.com", "PL-1", 1, 3)
		leo := s.Token(t, auth.RoleCustomer, "leo@example.com")
		stranger := s.Token(t, auth.RoleCustomer, "nobody@example.com")
		for _, who := range []struct{ name, token string }{{"another customer", leo}, {"a customer without orders", stranger}} {
			theirs := s.GQL(t, who.token, testserver.OrderStatusQuery, map[string]any{"number": "PM-1"})
			missing := s.GQL(t, who.token, testserver.OrderStatusQuery, map[string]any{"number": "NOPE-1"})
			theirs.MustCode(t, "NOT_FOUND")
			missing.MustCode(t, "NOT_FOUND")
			if string(theirs.Data) != string(missing.Data) || theirs.Errors[0].Message != `order "PM-1" not found` {
				t.Errorf("%s: foreign %s %+v vs missing %s %+v", who.name, theirs.Data, theirs.Errors, missing.Data, missing.Errors)
			}
		}
		anon := s.GQL(t, "", testserver.OrderStatusQuery, map[string]any{"number": "PM-1"})
		anon.MustCode(t, "UNAUTHENTICATED")

		var own testserver.OrderStatus
		s.GQL(t, leo, testserver.OrderStatusQuery, map[string]any{"number": "PL-1"}).MustOK(t, &own)
		if len(own.Order.Shipments) != 1 || len(own.Order.Shipments[0].Events.Edges) != 3 || len(own.Order.Items) != 1 {
			t.Fatalf("own order: %+v", own.Order)
		}
		for _, e := range own.Order.Shipments[0].Events.Edges {
			if !strings.Contains(e.Node.Message, "PL1") {
				t.Errorf("another order's event on Leo's timeline: %+v", e.Node)
			}
		}
		var staff testserver.OrderStatus
		s.GQL(t, s.Token(t, auth.RoleAdmin, ""), testserver.OrderStatusQuery, map[string]any{"number": "PM-1"}).MustOK(t, &staff)
		if len(staff.Order.Shipments) != 2 || len(staff.Order.Shipments[0].Events.Edges) != 5 {
			t.Errorf("staff: %+v", staff.Order)
		}
	})
}

// orderStatusItem is the type of testserver.OrderStatus's items (identical struct type).
type orderStatusItem = struct {
	Quantity  int
	UnitPrice struct{ Amount, CurrencyCode string }
	Product   struct {
		Name     string
		ImageURL *string `json:"imageUrl"`
	}
}
