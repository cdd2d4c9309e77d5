package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/auth"
)

// orderStatusQuery is the mobile app's contract, verbatim from the issue.
const orderStatusQuery = `query OrderStatus($number: String!) {
  order(number: $number) {
    id number status placedAt returnWindowEndsAt
    customer { firstName }
    total { amount currencyCode }
    items { quantity unitPrice { amount currencyCode } product { name imageUrl } }
    shipments {
      id carrier trackingNumber trackingUrl status subStatus
      firstEstimatedDeliveryAt latestEstimatedDeliveryAt
      events(first: 20) {
        edges { node { status subStatus message location occurredAt } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}`

// orderStatus mirrors orderStatusQuery's result.
type orderStatus struct {
	Order *struct {
		ID                 string
		Number             string
		Status             string
		PlacedAt           time.Time
		ReturnWindowEndsAt *time.Time
		Customer           struct{ FirstName string }
		Total              struct{ Amount, CurrencyCode string }
		Items              []struct {
			Quantity  int
			UnitPrice struct{ Amount, CurrencyCode string }
			Product   struct {
				Name     string
				ImageURL *string `json:"imageUrl"`
			}
		}
		Shipments []struct {
			ID, Carrier, TrackingNumber, Status string
			TrackingURL                         *string `json:"trackingUrl"`
			SubStatus                           *string
			FirstEstimatedDeliveryAt            *time.Time
			LatestEstimatedDeliveryAt           *time.Time
			Events                              struct {
				Edges []struct {
					Node struct {
						Status, Message     string
						SubStatus, Location *string
						OccurredAt          time.Time
					}
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
			}
		}
	}
}

var t0 = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

func TestOrderStatusContract(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		o := s.mustImport(t, orderSpec{email: "mina@example.com", number: "AC-1", items: 2})
		s.mustShip(t, o.ID, "dhl", "jjd 0001 2345", map[string]any{"orderItemId": o.Items[0].ID, "quantity": o.Items[0].Quantity})
		// Out of order: the newest checkpoint arrives first.
		s.mustTrack(t, "DHL", "JJD00012345", event("e3", "IN_TRANSIT", t0.Add(20*time.Hour)))
		s.mustTrack(t, "DHL", "JJD00012345", event("e1", "INFO_RECEIVED", t0), event("e2", "IN_TRANSIT", t0.Add(4*time.Hour)))
		// The carrier's estimate slips.
		var tracked struct {
			RecordTrackingEvents struct {
				Shipment struct {
					Status                    string
					LatestEstimatedDeliveryAt time.Time
				}
			}
		}
		s.gql(t, s.integration(t), trackMutation, map[string]any{"input": map[string]any{
			"carrier": "DHL", "trackingNumber": "JJD00012345", "estimatedDeliveryAt": "2026-11-07T18:00:00Z",
			"events": []any{map[string]any{"externalId": "e4", "status": "IN_TRANSIT", "subStatus": "Delayed at hub",
				"message": "Delayed", "location": "Kassel, DE", "occurredAt": t0.Add(30 * time.Hour).Format(time.RFC3339)}},
		}}).mustOK(t, &tracked)
		if got := tracked.RecordTrackingEvents.Shipment; got.Status != "IN_TRANSIT" || !got.LatestEstimatedDeliveryAt.Equal(time.Date(2026, 11, 7, 18, 0, 0, 0, time.UTC)) {
			t.Fatalf("Track payload = %+v", got)
		}

		var res orderStatus
		s.gql(t, s.token(t, auth.RoleCustomer, "mina@example.com"), orderStatusQuery, map[string]any{"number": "AC-1"}).mustOK(t, &res)
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
		want := []time.Time{t0.Add(30 * time.Hour), t0.Add(20 * time.Hour), t0.Add(4 * time.Hour), t0}
		if fmt.Sprint(times) != fmt.Sprint(want) {
			t.Errorf("timeline = %v, want newest first %v", times, want)
		}
		if sh.Events.PageInfo.HasNextPage {
			t.Error("hasNextPage with 4 of 20")
		}
	})
}

func TestTimelinePagination(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		o := s.mustImport(t, orderSpec{email: "mina@example.com", number: "AC-2", items: 1})
		s.mustShip(t, o.ID, "UPS", "1Z999AA10123456784")
		var evs []map[string]any
		for i := 0; i < 5; i++ {
			evs = append(evs, event(fmt.Sprint("p", i), "IN_TRANSIT", t0.Add(time.Duration(i)*time.Hour)))
		}
		s.mustTrack(t, "UPS", "1Z999AA10123456784", evs...)
		const q = `query($n: String!, $after: Cursor) { order(number: $n) { shipments { events(first: 2, after: $after) {
			edges { node { occurredAt } } pageInfo { hasNextPage endCursor } } } } }`
		tok := s.token(t, auth.RoleCustomer, "mina@example.com")
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
			s.gql(t, tok, q, map[string]any{"n": "AC-2", "after": after}).mustOK(t, &res)
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
	eachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		for i := 0; i < 3; i++ {
			s.mustImport(t, orderSpec{email: "mina@example.com", number: fmt.Sprint("M-", i), items: 1, placedAt: t0.Add(time.Duration(i) * 24 * time.Hour)})
		}
		shipped := s.mustImport(t, orderSpec{email: "mina@example.com", number: "M-shipped", items: 1, placedAt: t0.Add(-24 * time.Hour)})
		s.mustShip(t, shipped.ID, "UPS", "1ZSHIPPED01")
		s.mustImport(t, orderSpec{email: "leo@example.com", number: "L-1", items: 1})

		const q = `query($status: OrderStatus) { orders(first: 10, where: {status: $status}) { totalCount edges { node { number } } } }`
		numbers := func(token string, status any) []string {
			var res struct {
				Orders struct {
					Edges []struct{ Node struct{ Number string } }
				}
			}
			s.gql(t, token, q, map[string]any{"status": status}).mustOK(t, &res)
			var out []string
			for _, e := range res.Orders.Edges {
				out = append(out, e.Node.Number)
			}
			return out
		}
		mina := s.token(t, auth.RoleCustomer, "mina@example.com")
		if got := fmt.Sprint(numbers(mina, nil)); got != "[M-2 M-1 M-0 M-shipped]" {
			t.Errorf("mina's orders = %s, want her own, newest first", got)
		}
		if got := fmt.Sprint(numbers(mina, "SHIPPED")); got != "[M-shipped]" {
			t.Errorf("mina's shipped orders = %s", got)
		}
		admin := s.token(t, auth.RoleAdmin, "")
		if got := numbers(admin, nil); len(got) != 5 {
			t.Errorf("admin sees %v, want all 5", got)
		}
		if got := fmt.Sprint(numbers(admin, "UNFULFILLED")); got != "[M-2 M-1 M-0 L-1]" {
			t.Errorf("admin's unfulfilled = %s", got)
		}
	})
}

func TestAuthorization(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		a := s.mustImport(t, orderSpec{email: "mina@example.com", number: "A-1", items: 1})
		shipID := s.mustShip(t, a.ID, "DHL", "JJDAUTH0001")
		s.mustTrack(t, "DHL", "JJDAUTH0001", event("x1", "IN_TRANSIT", t0))
		s.mustImport(t, orderSpec{email: "leo@example.com", number: "B-1", items: 1})

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
		admin := s.token(t, auth.RoleAdmin, "")
		s.gql(t, admin, `{ order(number: "A-1") { customer { id } shipments { events(first: 5) { edges { node { id } } } } } }`, nil).mustOK(t, &ids)
		foreign := map[string]string{
			"order":         a.ID,
			"orderItem":     a.Items[0].ID,
			"shipment":      shipID,
			"trackingEvent": ids.Order.Shipments[0].Events.Edges[0].Node.ID,
			"customer":      ids.Order.Customer.ID,
		}
		leo := s.token(t, auth.RoleCustomer, "leo@example.com")
		mina := s.token(t, auth.RoleCustomer, "mina@example.com")

		t.Run("by number, like a missing order", func(t *testing.T) {
			theirs := s.gql(t, leo, `query($n: String!) { order(number: $n) { id } }`, map[string]any{"n": "A-1"})
			missing := s.gql(t, leo, `query($n: String!) { order(number: $n) { id } }`, map[string]any{"n": "NOPE-1"})
			theirs.mustCode(t, "NOT_FOUND")
			missing.mustCode(t, "NOT_FOUND")
			if string(theirs.Data) != string(missing.Data) || theirs.Errors[0].Message != `order "A-1" not found` {
				t.Errorf("foreign %s %+v vs missing %s %+v", theirs.Data, theirs.Errors, missing.Data, missing.Errors)
			}
		})
		for kind, id := range foreign {
			t.Run("node "+kind, func(t *testing.T) {
				r := s.gql(t, leo, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
				r.mustCode(t, "NOT_FOUND")
				if string(r.Data) != `{"node":null}` {
					t.Errorf("data = %s", r.Data)
				}
				// The owner sees it through the same path.
				var own struct{ Node *struct{ ID string } }
				s.gql(t, mina, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}).mustOK(t, &own)
				if own.Node == nil || own.Node.ID != id {
					t.Errorf("owner got %+v", own.Node)
				}
			})
		}
		t.Run("nodes", func(t *testing.T) {
			r := s.gql(t, leo, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{a.ID, shipID}})
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
			s.gql(t, leo, `{ orders(first: 10) { totalCount } customers(first: 10) { edges { node { email } } } viewer { email } }`, nil).mustOK(t, &res)
			if res.Orders.TotalCount != 1 || len(res.Customers.Edges) != 1 || res.Customers.Edges[0].Node.Email != "leo@example.com" || res.Viewer.Email != "leo@example.com" {
				t.Errorf("leo sees %+v", res)
			}
		})
		t.Run("unknown customer sees nothing", func(t *testing.T) {
			nobody := s.token(t, auth.RoleCustomer, "nobody@example.com")
			var res struct{ Orders struct{ TotalCount int } }
			s.gql(t, nobody, `{ orders(first: 10) { totalCount } }`, nil).mustOK(t, &res)
			if res.Orders.TotalCount != 0 {
				t.Errorf("unknown customer sees %d orders", res.Orders.TotalCount)
			}
			s.gql(t, nobody, `{ order(number: "A-1") { id } }`, nil).mustCode(t, "NOT_FOUND")
		})
		t.Run("anonymous", func(t *testing.T) {
			s.gql(t, "", `{ order(number: "A-1") { id } }`, nil).mustCode(t, "UNAUTHENTICATED")
			s.gql(t, "", `{ orders(first: 1) { totalCount } }`, nil).mustCode(t, "UNAUTHENTICATED")
			s.gql(t, "", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": a.ID}).mustCode(t, "UNAUTHENTICATED")
		})
		t.Run("bad token", func(t *testing.T) {
			r := s.gql(t, "not-a-jwt", `{ viewer { id } }`, nil)
			if r.Status != 401 {
				t.Errorf("status %d", r.Status)
			}
			r.mustCode(t, "UNAUTHENTICATED")
			expired, _ := s.Issuer.Issue(auth.RoleAdmin, "", time.Nanosecond)
			time.Sleep(time.Millisecond)
			s.gql(t, expired, `{ viewer { id } }`, nil).mustCode(t, "UNAUTHENTICATED")
		})
		t.Run("commands need staff", func(t *testing.T) {
			vars := importOrderVars(orderSpec{email: "leo@example.com", number: "B-2", items: 1})
			s.gql(t, leo, importOrderMutation, vars).mustCode(t, "FORBIDDEN")
			s.gql(t, "", importOrderMutation, vars).mustCode(t, "UNAUTHENTICATED")
			s.gql(t, leo, trackMutation, map[string]any{"input": map[string]any{"carrier": "DHL", "trackingNumber": "JJDAUTH0001",
				"events": []any{event("x2", "DELIVERED", t0.Add(time.Hour))}}}).mustCode(t, "FORBIDDEN")
			s.gql(t, leo, createShipmentMutation, map[string]any{"input": map[string]any{"orderId": a.ID, "carrier": "UPS", "trackingNumber": "1ZLEO0001"}}).mustCode(t, "FORBIDDEN")
			n, err := s.DB.Order.Query().Count(auth.WithSystem(context.Background()))
			if err != nil || n != 2 {
				t.Errorf("orders = %d, %v; want 2 (nothing written)", n, err)
			}
		})
	})
}

func TestOrderDetails(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		o := s.mustImport(t, orderSpec{email: "mina@example.com", number: "D-1", items: 2})
		s.mustShip(t, o.ID, "UPS", "1ZDETAIL001", map[string]any{"orderItemId": o.Items[1].ID, "quantity": 1})
		second := s.mustShip(t, o.ID, "UPS", "1ZDETAIL002") // the rest: 1 × item 0, 1 × item 1
		delivered := t0.Add(48 * time.Hour)
		s.mustTrack(t, "UPS", "1ZDETAIL001", event("a", "DELIVERED", delivered.Add(-time.Hour)))
		s.mustTrack(t, "UPS", "1ZDETAIL002", event("b", "DELIVERED", delivered))
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
		s.gql(t, s.token(t, auth.RoleCustomer, "mina@example.com"), q, nil).mustOK(t, &res)
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
		s.gql(t, s.integration(t), createShipmentMutation, map[string]any{"input": map[string]any{
			"orderId": o.ID, "carrier": "UPS", "trackingNumber": "1ZDETAIL003"}}).mustCode(t, "CONFLICT")
		// Re-creating a shipment is idempotent.
		var again struct {
			CreateShipment struct {
				Created  bool
				Shipment struct{ ID string }
			}
		}
		s.gql(t, s.integration(t), createShipmentMutation, map[string]any{"input": map[string]any{
			"orderId": o.ID, "carrier": "ups", "trackingNumber": "1z detail 002"}}).mustOK(t, &again)
		if again.CreateShipment.Created || again.CreateShipment.Shipment.ID != second {
			t.Errorf("retry created a shipment: %+v", again)
		}
	})
}
