package orders_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

func TestOrderStatusContract(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		o := s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "AC-1", Items: 2})
		s.MustShip(t, o.ID, "dhl", "jjd 0001 2345", map[string]any{"orderItemId": o.Items[0].ID, "quantity": o.Items[0].Quantity})
		// Out of order: the newest checkpoint arrives first.
		s.MustTrack(t, "DHL", "JJD00012345", testserver.Event("e3", "IN_TRANSIT", testserver.T0.Add(20*time.Hour)))
		s.MustTrack(t, "DHL", "JJD00012345", testserver.Event("e1", "INFO_RECEIVED", testserver.T0), testserver.Event("e2", "IN_TRANSIT", testserver.T0.Add(4*time.Hour)))
		// The carrier's estimate slips.
		var tracked struct {
			RecordTrackingEvents struct {
				Shipment struct {
					Status                    string
					LatestEstimatedDeliveryAt time.Time
				}
			}
		}
		s.GQL(t, s.Integration(t), testserver.TrackMutation, map[string]any{"input": map[string]any{
			"carrier": "DHL", "trackingNumber": "JJD00012345", "estimatedDeliveryAt": "2026-11-07T18:00:00Z",
			"events": []any{map[string]any{"externalId": "e4", "status": "IN_TRANSIT", "subStatus": "Delayed at hub",
				"message": "Delayed", "location": "Kassel, DE", "occurredAt": testserver.T0.Add(30 * time.Hour).Format(time.RFC3339)}},
		}}).MustOK(t, &tracked)
		if got := tracked.RecordTrackingEvents.Shipment; got.Status != "IN_TRANSIT" || !got.LatestEstimatedDeliveryAt.Equal(time.Date(2026, 11, 7, 18, 0, 0, 0, time.UTC)) {
			t.Fatalf("Track payload = %+v", got)
		}

		var res testserver.OrderStatus
		s.GQL(t, s.Token(t, auth.RoleCustomer, "mina@example.com"), testserver.OrderStatusQuery, map[string]any{"number": "AC-1"}).MustOK(t, &res)
		got := res.Order
		if got == nil {
			t.Fatal("order is null")
		}
		if got.Number != "AC-1" || got.Status != "PARTIALLY_SHIPPED" || got.Customer.FirstName != "Mina" || got.ReturnWindowEndsAt != nil {
			t.Errorf("order = %+v", got)
		}
		// 1 × 10.00 + 2 × 11.01 + 4.90 shipping + 3.10 tax
		if got.Total.Amount != "40.02" || got.Total.CurrencyCode != "EUR" {
			t.Errorf("total = %+v, want 40.02 EUR", got.Total)
		}
		if len(got.Items) != 2 || got.Items[1].Quantity != 2 || got.Items[1].UnitPrice.Amount != "11.01" ||
			got.Items[1].Product.Name != "Product 1" || got.Items[1].Product.ImageURL == nil {
			t.Errorf("items = %+v", got.Items)
		}
		if len(got.Shipments) != 1 {
			t.Fatalf("shipments = %+v", got.Shipments)
		}
		sh := got.Shipments[0]
		if sh.Carrier != "DHL" || sh.TrackingNumber != "JJD00012345" || sh.TrackingURL == nil || sh.Status != "IN_TRANSIT" ||
			sh.SubStatus == nil || *sh.SubStatus != "Delayed at hub" {
			t.Errorf("shipment = %+v", sh)
		}
		if sh.FirstEstimatedDeliveryAt == nil || sh.LatestEstimatedDeliveryAt == nil ||
			!sh.FirstEstimatedDeliveryAt.Before(*sh.LatestEstimatedDeliveryAt) {
			t.Errorf("ETA slip not visible: first %v latest %v", sh.FirstEstimatedDeliveryAt, sh.LatestEstimatedDeliveryAt)
		}
		var times []time.Time
		for _, e := range sh.Events.Edges {
			times = append(times, e.Node.OccurredAt)
		}
		want := []time.Time{testserver.T0.Add(30 * time.Hour), testserver.T0.Add(20 * time.Hour), testserver.T0.Add(4 * time.Hour), testserver.T0}
		if fmt.Sprint(times) != fmt.Sprint(want) {
			t.Errorf("timeline = %v, want newest first %v", times, want)
		}
		if sh.Events.PageInfo.HasNextPage {
			t.Error("hasNextPage with 4 of 20")
		}
	})
}

func TestTimelinePagination(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		o := s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "AC-2", Items: 1})
		s.MustShip(t, o.ID, "UPS", "1Z999AA10123456784")
		var evs []map[string]any
		for i := 0; i < 5; i++ {
			evs = append(evs, testserver.Event(fmt.Sprint("p", i), "IN_TRANSIT", testserver.T0.Add(time.Duration(i)*time.Hour)))
		}
		s.MustTrack(t, "UPS", "1Z999AA10123456784", evs...)
		const q = `query($n: String!, $after: Cursor) { order(number: $n) { shipments { events(first: 2, after: $after) {
			edges { node { occurredAt } } pageInfo { hasNextPage endCursor } } } } }`
		tok := s.Token(t, auth.RoleCustomer, "mina@example.com")
		var seen []time.Time
		var after any
		for page := 0; page < 5; page++ {
			var res struct {
				Order struct {
					Shipments []struct {
						Events struct {
							Edges []struct {
								Node struct{ OccurredAt time.Time }
							}
							PageInfo struct {
								HasNextPage bool
								EndCursor   string
							}
						}
					}
				}
			}
			s.GQL(t, tok, q, map[string]any{"n": "AC-2", "after": after}).MustOK(t, &res)
			ev := res.Order.Shipments[0].Events
			for _, e := range ev.Edges {
				seen = append(seen, e.Node.OccurredAt)
			}
			if !ev.PageInfo.HasNextPage {
				break
			}
			after = ev.PageInfo.EndCursor
		}
		if len(seen) != 5 {
			t.Fatalf("paged through %d events, want 5: %v", len(seen), seen)
		}
		for i := 1; i < len(seen); i++ {
			if !seen[i].Before(seen[i-1]) {
				t.Fatalf("not newest first: %v", seen)
			}
		}
	})
}

func TestOrdersConnection(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		for i := 0; i < 3; i++ {
			s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: fmt.Sprint("M-", i), Items: 1, PlacedAt: testserver.T0.Add(time.Duration(i) * 24 * time.Hour)})
		}
		shipped := s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "M-shipped", Items: 1, PlacedAt: testserver.T0.Add(-24 * time.Hour)})
		s.MustShip(t, shipped.ID, "UPS", "1ZSHIPPED01")
		s.MustImport(t, testserver.OrderSpec{Email: "leo@example.com", Number: "L-1", Items: 1})

		const q = `query($status: OrderStatus) { orders(first: 10, where: {status: $status}) { totalCount edges { node { number } } } }`
		numbers := func(token string, status any) []string {
			var res struct {
				Orders struct {
					Edges []struct{ Node struct{ Number string } }
				}
			}
			s.GQL(t, token, q, map[string]any{"status": status}).MustOK(t, &res)
			var out []string
			for _, e := range res.Orders.Edges {
				out = append(out, e.Node.Number)
			}
			return out
		}
		mina := s.Token(t, auth.RoleCustomer, "mina@example.com")
		if got := fmt.Sprint(numbers(mina, nil)); got != "[M-2 M-1 M-0 M-shipped]" {
			t.Errorf("mina's orders = %s, want her own, newest first", got)
		}
		if got := fmt.Sprint(numbers(mina, "SHIPPED")); got != "[M-shipped]" {
			t.Errorf("mina's shipped orders = %s", got)
		}
		admin := s.Token(t, auth.RoleAdmin, "")
		if got := numbers(admin, nil); len(got) != 5 {
			t.Errorf("admin sees %v, want all 5", got)
		}
		if got := fmt.Sprint(numbers(admin, "UNFULFILLED")); got != "[M-2 M-1 M-0 L-1]" {
			t.Errorf("admin's unfulfilled = %s", got)
		}
	})
}

func TestAuthorization(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		a := s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "A-1", Items: 1})
		shipID := s.MustShip(t, a.ID, "DHL", "JJDAUTH0001")
		s.MustTrack(t, "DHL", "JJDAUTH0001", testserver.Event("x1", "IN_TRANSIT", testserver.T0))
		s.MustImport(t, testserver.OrderSpec{Email: "leo@example.com", Number: "B-1", Items: 1})

		var ids struct {
			Order struct {
				Customer  struct{ ID string }
				Shipments []struct {
					Events struct {
						Edges []struct{ Node struct{ ID string } }
					}
				}
			}
		}
		admin := s.Token(t, auth.RoleAdmin, "")
		s.GQL(t, admin, `{ order(number: "A-1") { customer { id } shipments { events(first: 5) { edges { node { id } } } } } }`, nil).MustOK(t, &ids)
		foreign := map[string]string{
			"order":         a.ID,
			"orderItem":     a.Items[0].ID,
			"shipment":      shipID,
			"trackingEvent": ids.Order.Shipments[0].Events.Edges[0].Node.ID,
			"customer":      ids.Order.Customer.ID,
		}
		leo := s.Token(t, auth.RoleCustomer, "leo@example.com")
		mina := s.Token(t, auth.RoleCustomer, "mina@example.com")

		t.Run("by number, like a missing order", func(t *testing.T) {
			theirs := s.GQL(t, leo, `query($n: String!) { order(number: $n) { id } }`, map[string]any{"n": "A-1"})
			missing := s.GQL(t, leo, `query($n: String!) { order(number: $n) { id } }`, map[string]any{"n": "NOPE-1"})
			theirs.MustCode(t, "NOT_FOUND")
			missing.MustCode(t, "NOT_FOUND")
			if string(theirs.Data) != string(missing.Data) || theirs.Errors[0].Message != `order "A-1" not found` {
				t.Errorf("foreign %s %+v vs missing %s %+v", theirs.Data, theirs.Errors, missing.Data, missing.Errors)
			}
		})
		for kind, id := range foreign {
			t.Run("node "+kind, func(t *testing.T) {
				r := s.GQL(t, leo, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
				r.MustCode(t, "NOT_FOUND")
				if string(r.Data) != `{"node":null}` {
					t.Errorf("data = %s", r.Data)
				}
				// The owner sees it through the same path.
				var own struct{ Node *struct{ ID string } }
				s.GQL(t, mina, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}).MustOK(t, &own)
				if own.Node == nil || own.Node.ID != id {
					t.Errorf("owner got %+v", own.Node)
				}
			})
		}
		t.Run("nodes", func(t *testing.T) {
			r := s.GQL(t, leo, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{a.ID, shipID}})
			if string(r.Data) != `{"nodes":[null,null]}` {
				t.Errorf("nodes = %s %+v", r.Data, r.Errors)
			}
		})
		t.Run("connections", func(t *testing.T) {
			var res struct {
				Orders    struct{ TotalCount int }
				Customers struct {
					Edges []struct{ Node struct{ Email string } }
				}
				Viewer struct{ Email string }
			}
			s.GQL(t, leo, `{ orders(first: 10) { totalCount } customers(first: 10) { edges { node { email } } } viewer { email } }`, nil).MustOK(t, &res)
			if res.Orders.TotalCount != 1 || len(res.Customers.Edges) != 1 || res.Customers.Edges[0].Node.Email != "leo@example.com" || res.Viewer.Email != "leo@example.com" {
				t.Errorf("leo sees %+v", res)
			}
		})
		t.Run("unknown customer sees nothing", func(t *testing.T) {
			nobody := s.Token(t, auth.RoleCustomer, "nobody@example.com")
			var res struct{ Orders struct{ TotalCount int } }
			s.GQL(t, nobody, `{ orders(first: 10) { totalCount } }`, nil).MustOK(t, &res)
			if res.Orders.TotalCount != 0 {
				t.Errorf("unknown customer sees %d orders", res.Orders.TotalCount)
			}
			s.GQL(t, nobody, `{ order(number: "A-1") { id } }`, nil).MustCode(t, "NOT_FOUND")
		})
		t.Run("anonymous", func(t *testing.T) {
			s.GQL(t, "", `{ order(number: "A-1") { id } }`, nil).MustCode(t, "UNAUTHENTICATED")
			s.GQL(t, "", `{ orders(first: 1) { totalCount } }`, nil).MustCode(t, "UNAUTHENTICATED")
			s.GQL(t, "", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": a.ID}).MustCode(t, "UNAUTHENTICATED")
		})
		t.Run("bad token", func(t *testing.T) {
			r := s.GQL(t, "not-a-jwt", `{ viewer { id } }`, nil)
			if r.Status != 401 {
				t.Errorf("status %d", r.Status)
			}
			r.MustCode(t, "UNAUTHENTICATED")
			expired, _ := s.Issuer.Issue(auth.RoleAdmin, "", time.Nanosecond)
			time.Sleep(time.Millisecond)
			s.GQL(t, expired, `{ viewer { id } }`, nil).MustCode(t, "UNAUTHENTICATED")
		})
		t.Run("commands need staff", func(t *testing.T) {
			vars := testserver.ImportOrderVars(testserver.OrderSpec{Email: "leo@example.com", Number: "B-2", Items: 1})
			s.GQL(t, leo, testserver.ImportOrderMutation, vars).MustCode(t, "FORBIDDEN")
			s.GQL(t, "", testserver.ImportOrderMutation, vars).MustCode(t, "UNAUTHENTICATED")
			s.GQL(t, leo, testserver.TrackMutation, map[string]any{"input": map[string]any{"carrier": "DHL", "trackingNumber": "JJDAUTH0001",
				"events": []any{testserver.Event("x2", "DELIVERED", testserver.T0.Add(time.Hour))}}}).MustCode(t, "FORBIDDEN")
			s.GQL(t, leo, testserver.CreateShipmentMutation, map[string]any{"input": map[string]any{"orderId": a.ID, "carrier": "UPS", "trackingNumber": "1ZLEO0001"}}).MustCode(t, "FORBIDDEN")
			n, err := s.DB.Order.Query().Count(auth.WithSystem(context.Background()))
			if err != nil || n != 2 {
				t.Errorf("orders = %d, %v; want 2 (nothing written)", n, err)
			}
		})
	})
}

func TestOrderDetails(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		o := s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "D-1", Items: 2})
		s.MustShip(t, o.ID, "UPS", "1ZDETAIL001", map[string]any{"orderItemId": o.Items[1].ID, "quantity": 1})
		second := s.MustShip(t, o.ID, "UPS", "1ZDETAIL002") // the rest: 1 × item 0, 1 × item 1
		delivered := testserver.T0.Add(48 * time.Hour)
		s.MustTrack(t, "UPS", "1ZDETAIL001", testserver.Event("a", "DELIVERED", delivered.Add(-time.Hour)))
		s.MustTrack(t, "UPS", "1ZDETAIL002", testserver.Event("b", "DELIVERED", delivered))
		const q = `{ order(number: "D-1") {
			status deliveredAt returnWindowEndsAt returnPolicy
			paymentMethod { summary }
			shippingAddress { name line1 city postalCode countryCode }
			subtotal { amount } shippingCost { amount } tax { amount }
			shipments { id items { quantity orderItem { id } } }
		} }`
		var res struct {
			Order struct {
				Status                          string
				DeliveredAt, ReturnWindowEndsAt time.Time
				ReturnPolicy                    string
				PaymentMethod                   struct{ Summary string }
				ShippingAddress                 struct{ Name, Line1, City, PostalCode, CountryCode string }
				Subtotal, ShippingCost, Tax     struct{ Amount string }
				Shipments                       []struct {
					ID    string
					Items []struct {
						Quantity  int
						OrderItem struct{ ID string }
					}
				}
			}
		}
		s.GQL(t, s.Token(t, auth.RoleCustomer, "mina@example.com"), q, nil).MustOK(t, &res)
		got := res.Order
		if got.Status != "DELIVERED" || !got.DeliveredAt.Equal(delivered) || !got.ReturnWindowEndsAt.Equal(delivered.AddDate(0, 0, 30)) {
			t.Errorf("status %s delivered %v window %v", got.Status, got.DeliveredAt, got.ReturnWindowEndsAt)
		}
		if got.ReturnPolicy != "30 days, free returns." || got.PaymentMethod.Summary != "Visa •••• 4242" {
			t.Errorf("policy %q, payment %q", got.ReturnPolicy, got.PaymentMethod.Summary)
		}
		if a := got.ShippingAddress; a.Line1 != "Torstraße 1" || a.CountryCode != "DE" || a.PostalCode != "10119" {
			t.Errorf("address %+v", a)
		}
		if got.Subtotal.Amount != "32.02" || got.ShippingCost.Amount != "4.90" || got.Tax.Amount != "3.10" {
			t.Errorf("amounts %+v %+v %+v", got.Subtotal, got.ShippingCost, got.Tax)
		}
		units := map[string]map[string]int{}
		for _, sh := range got.Shipments {
			units[sh.ID] = map[string]int{}
			for _, it := range sh.Items {
				units[sh.ID][it.OrderItem.ID] = it.Quantity
			}
		}
		want := map[string]int{o.Items[0].ID: 1, o.Items[1].ID: 1}
		if len(got.Shipments) != 2 || fmt.Sprint(units[second]) != fmt.Sprint(want) {
			t.Errorf("shipment contents %v, want second = %v", units, want)
		}
		// Everything has shipped now: a third shipment has nothing to carry.
		s.GQL(t, s.Integration(t), testserver.CreateShipmentMutation, map[string]any{"input": map[string]any{
			"orderId": o.ID, "carrier": "UPS", "trackingNumber": "1ZDETAIL003"}}).MustCode(t, "CONFLICT")
		// Re-creating a shipment is idempotent.
		var again struct {
			CreateShipment struct {
				Created  bool
				Shipment struct{ ID string }
			}
		}
		s.GQL(t, s.Integration(t), testserver.CreateShipmentMutation, map[string]any{"input": map[string]any{
			"orderId": o.ID, "carrier": "ups", "trackingNumber": "1z detail 002"}}).MustOK(t, &again)
		if again.CreateShipment.Created || again.CreateShipment.Shipment.ID != second {
			t.Errorf("retry created a shipment: %+v", again)
		}
	})
}
