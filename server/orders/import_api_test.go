package orders_test

import (
	"context"
	"testing"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// rowCounts counts the rows of every table the order path writes.
func (s *testServer) rowCounts(t testing.TB) map[string]int {
	t.Helper()
	ctx := auth.WithSystem(context.Background())
	out := map[string]int{}
	for name, count := range map[string]func(context.Context) (int, error){
		"customers":      s.DB.Customer.Query().Count,
		"products":       s.DB.Product.Query().Count,
		"orders":         s.DB.Order.Query().Count,
		"order_items":    s.DB.OrderItem.Query().Count,
		"shipments":      s.DB.Shipment.Query().Count,
		"shipment_items": s.DB.ShipmentItem.Query().Count,
		"events":         s.DB.TrackingEvent.Query().Count,
	} {
		n, err := count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = n
	}
	return out
}

func TestImportIdempotent(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		tok := s.Integration(t)
		type payload struct {
			ImportOrder struct {
				Created, Changed bool
				Order            struct {
					ID, UpdatedAt, Status string
					Total                 struct{ Amount string }
					Items                 []struct {
						ID       string
						Quantity int
					}
				}
			}
		}
		vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: "mina@example.com", Number: "I-1", Items: 3})
		var first, again payload
		s.GQL(t, tok, testserver.ImportOrderMutation, vars).MustOK(t, &first)
		before := s.rowCounts(t)
		s.GQL(t, tok, testserver.ImportOrderMutation, vars).MustOK(t, &again)
		if !first.ImportOrder.Created || again.ImportOrder.Created || again.ImportOrder.Changed {
			t.Errorf("created/changed: first %+v, again %+v", first.ImportOrder, again.ImportOrder)
		}
		if again.ImportOrder.Order.ID != first.ImportOrder.Order.ID || again.ImportOrder.Order.UpdatedAt != first.ImportOrder.Order.UpdatedAt {
			t.Errorf("identical re-import changed the order: %+v vs %+v", first.ImportOrder.Order, again.ImportOrder.Order)
		}
		if after := s.rowCounts(t); fmtMap(after) != fmtMap(before) {
			t.Errorf("identical re-import wrote rows: %v -> %v", before, after)
		}

		// A changed re-import updates in place: one line's quantity, the shipping cost.
		in := vars["input"].(map[string]any)
		in["items"].([]any)[0].(map[string]any)["quantity"] = 5
		in["shippingCost"] = "0.00"
		var changed payload
		s.GQL(t, tok, testserver.ImportOrderMutation, vars).MustOK(t, &changed)
		o := changed.ImportOrder.Order
		if changed.ImportOrder.Created || !changed.ImportOrder.Changed || o.ID != first.ImportOrder.Order.ID || o.Items[0].Quantity != 5 || o.Items[0].ID != first.ImportOrder.Order.Items[0].ID {
			t.Errorf("changed re-import: %+v", changed.ImportOrder)
		}
		// 5 × 10.00 + 2 × 11.01 + 3 × 12.02 + 0 shipping + 3.10 tax
		if o.Total.Amount != "111.18" {
			t.Errorf("total %s, want 111.18", o.Total.Amount)
		}

		// A shipped line cannot be removed or reduced below what shipped.
		s.MustShip(t, o.ID, "UPS", "1ZIDEM0001", map[string]any{"orderItemId": o.Items[0].ID, "quantity": 4})
		before = s.rowCounts(t)
		in["items"].([]any)[0].(map[string]any)["quantity"] = 3
		s.GQL(t, tok, testserver.ImportOrderMutation, vars).MustCode(t, "CONFLICT")
		in["items"] = in["items"].([]any)[1:]
		s.GQL(t, tok, testserver.ImportOrderMutation, vars).MustCode(t, "CONFLICT")
		if after := s.rowCounts(t); fmtMap(after) != fmtMap(before) {
			t.Errorf("rejected re-import wrote rows: %v -> %v", before, after)
		}
	})
}

func TestBadInput(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		o := s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "X-1", Items: 2})
		s.MustShip(t, o.ID, "DHL", "JJDBAD0001", map[string]any{"orderItemId": o.Items[0].ID, "quantity": 1})
		tok := s.Integration(t)
		withImport := func(edit func(in map[string]any)) map[string]any {
			vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: "new@example.com", Number: "X-2", Items: 2})
			edit(vars["input"].(map[string]any))
			return vars
		}
		item := func(in map[string]any, i int) map[string]any { return in["items"].([]any)[i].(map[string]any) }
		track := func(ev map[string]any) map[string]any {
			return map[string]any{"input": map[string]any{"carrier": "DHL", "trackingNumber": "JJDBAD0001", "events": []any{ev}}}
		}
		before := s.rowCounts(t)
		for _, c := range []struct {
			name, query string
			vars        map[string]any
			code        string
		}{
			{"unknown order number", `{ order(number: "NOPE") { id } }`, nil, "NOT_FOUND"},
			{"unknown tracking number", testserver.TrackMutation, map[string]any{"input": map[string]any{"carrier": "DHL", "trackingNumber": "NOSUCH0001",
				"events": []any{testserver.Event("b1", "IN_TRANSIT", testserver.T0)}}}, "NOT_FOUND"},
			{"invalid status", testserver.TrackMutation, track(testserver.Event("b2", "LOST", testserver.T0)), "GRAPHQL_VALIDATION_FAILED"},
			{"malformed date", testserver.TrackMutation, track(map[string]any{"externalId": "b3", "status": "IN_TRANSIT", "occurredAt": "2026-11-02 08:00"}), "INVALID_INPUT"},
			{"date without zone", testserver.TrackMutation, track(map[string]any{"externalId": "b4", "status": "IN_TRANSIT", "occurredAt": "2026-11-02T08:00:00"}), "INVALID_INPUT"},
			{"far-future event", testserver.TrackMutation, track(testserver.Event("b5", "IN_TRANSIT", testserver.T0.AddDate(5, 0, 0))), "INVALID_INPUT"},
			{"too many decimals", testserver.ImportOrderMutation, withImport(func(in map[string]any) { item(in, 1)["unitPrice"] = "12.345" }), "INVALID_INPUT"},
			{"not a number", testserver.ImportOrderMutation, withImport(func(in map[string]any) { item(in, 1)["unitPrice"] = "12,50" }), "INVALID_INPUT"},
			{"negative price", testserver.ImportOrderMutation, withImport(func(in map[string]any) { item(in, 1)["unitPrice"] = "-1.00" }), "INVALID_INPUT"},
			{"unknown currency", testserver.ImportOrderMutation, withImport(func(in map[string]any) { in["currencyCode"] = "EURO" }), "INVALID_INPUT"},
			{"malformed placedAt", testserver.ImportOrderMutation, withImport(func(in map[string]any) { in["placedAt"] = "yesterday" }), "INVALID_INPUT"},
			{"bad email", testserver.ImportOrderMutation, withImport(func(in map[string]any) { in["customer"] = map[string]any{"email": "not-an-email"} }), "INVALID_INPUT"},
			{"zero quantity", testserver.ImportOrderMutation, withImport(func(in map[string]any) { item(in, 1)["quantity"] = 0 }), "INVALID_INPUT"},
			{"no items", testserver.ImportOrderMutation, withImport(func(in map[string]any) { in["items"] = []any{} }), "INVALID_INPUT"},
			{"number of another order", testserver.ImportOrderMutation, withImport(func(in map[string]any) { in["number"] = "X-1" }), "INVALID_INPUT"},
			{"ship more than ordered", testserver.CreateShipmentMutation, map[string]any{"input": map[string]any{"orderId": o.ID, "carrier": "UPS", "trackingNumber": "1ZBAD00002",
				"items": []any{map[string]any{"orderItemId": o.Items[0].ID, "quantity": 99}}}}, "CONFLICT"},
			{"tracking number of another order", testserver.CreateShipmentMutation, map[string]any{"input": map[string]any{"orderId": s.MustImport(t, testserver.OrderSpec{Email: "leo@example.com", Number: "X-3", Items: 1}).ID,
				"carrier": "DHL", "trackingNumber": "JJDBAD0001"}}, "CONFLICT"},
			{"bad tracking url", testserver.CreateShipmentMutation, map[string]any{"input": map[string]any{"orderId": o.ID, "carrier": "UPS", "trackingNumber": "1ZBAD00003",
				"trackingUrl": "javascript:alert(1)"}}, "INVALID_INPUT"},
			{"connection without first", `{ orders { totalCount } }`, nil, "INVALID_INPUT"},
			{"first over 100", `{ orders(first: 101) { totalCount } }`, nil, "INVALID_INPUT"},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := s.GQL(t, tok, c.query, c.vars)
				r.MustCode(t, c.code)
				if r.Errors[0].Message == "" || r.Errors[0].Message == "internal error" {
					t.Errorf("unclear message: %+v", r.Errors[0])
				}
			})
		}
		after := s.rowCounts(t)
		before["orders"]++ // X-3, imported above as a fixture
		before["order_items"]++
		before["customers"]++
		if fmtMap(after) != fmtMap(before) {
			t.Errorf("bad input wrote rows: %v -> %v", before, after)
		}
	})
}
