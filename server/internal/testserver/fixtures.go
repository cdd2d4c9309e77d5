package testserver

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/shipment"
	"github.com/aftercart/aftercart/ent/trackingevent"
	"github.com/aftercart/aftercart/server/auth"
)

// OrderSpec describes an order for ImportOrderVars.
type OrderSpec struct {
	// Email is the customer's; Number the order's number.
	Email, Number string
	// Items is how many order lines it has (each of quantity 1 to 3).
	Items int
	// PlacedAt defaults to 1 November 2026, 10:00 UTC.
	PlacedAt time.Time
}

// ImportOrderVars builds importOrder variables for the order o describes.
func ImportOrderVars(o OrderSpec) map[string]any {
	if o.PlacedAt.IsZero() {
		o.PlacedAt = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	}
	items := make([]any, o.Items)
	for i := range items {
		items[i] = map[string]any{
			"externalId": fmt.Sprintf("%s-line-%d", o.Number, i),
			"sku":        fmt.Sprintf("SKU-%d", i),
			"name":       fmt.Sprintf("Product %d", i),
			"imageUrl":   fmt.Sprintf("https://img.example.com/%d.jpg", i),
			"quantity":   i%3 + 1,
			"unitPrice":  fmt.Sprintf("%d.%02d", 10+i, i%100),
		}
	}
	first := strings.SplitN(o.Email, "@", 2)[0]
	return map[string]any{"input": map[string]any{
		"externalId":   "ext-" + o.Number,
		"number":       o.Number,
		"placedAt":     o.PlacedAt.Format(time.RFC3339),
		"currencyCode": "EUR",
		"customer":     map[string]any{"email": o.Email, "firstName": strings.ToUpper(first[:1]) + first[1:]},
		"items":        items,
		"shippingCost": "4.90",
		"tax":          "3.10",
		"shippingAddress": map[string]any{
			"name": "Mina Okafor", "line1": "Torstraße 1", "city": "Berlin", "postalCode": "10119", "countryCode": "DE",
		},
		"paymentMethod": map[string]any{"kind": "card", "brand": "Visa", "last4": "4242"},
	}}
}

// ImportOrderMutation imports an order, as a store's integration does.
const ImportOrderMutation = `mutation Import($input: ImportOrderInput!) {
  importOrder(input: $input) {
    created changed
    order { id number status updatedAt total { amount currencyCode } items { id quantity } }
  }
}`

// ImportedOrder is what MustImport returns.
type ImportedOrder struct {
	ID     string
	Number string
	Status string
	Items  []struct {
		ID       string
		Quantity int
	}
}

// MustImport imports an order through the API and returns it.
func (s *Server) MustImport(t testing.TB, o OrderSpec) ImportedOrder {
	t.Helper()
	var out struct {
		ImportOrder struct{ Order ImportedOrder }
	}
	s.GQL(t, s.Integration(t), ImportOrderMutation, ImportOrderVars(o)).MustOK(t, &out)
	return out.ImportOrder.Order
}

// CreateShipmentMutation ships order lines.
const CreateShipmentMutation = `mutation Ship($input: CreateShipmentInput!) {
  createShipment(input: $input) { created shipment { id carrier trackingNumber trackingUrl status } }
}`

// MustShip ships every remaining unit of the order (or the given items).
func (s *Server) MustShip(t testing.TB, orderID, carrier, number string, items ...map[string]any) string {
	t.Helper()
	in := map[string]any{"orderId": orderID, "carrier": carrier, "trackingNumber": number,
		"estimatedDeliveryAt": "2026-11-05T18:00:00Z"}
	if len(items) > 0 {
		in["items"] = items
	}
	var out struct {
		CreateShipment struct{ Shipment struct{ ID string } }
	}
	s.GQL(t, s.Integration(t), CreateShipmentMutation, map[string]any{"input": in}).MustOK(t, &out)
	return out.CreateShipment.Shipment.ID
}

// TrackMutation is the contract's recordTrackingEvents mutation, verbatim.
const TrackMutation = `mutation Track($input: RecordTrackingEventsInput!) {
  recordTrackingEvents(input: $input) { shipment { id status latestEstimatedDeliveryAt } }
}`

// Event builds one TrackingEventInput.
func Event(id, status string, at time.Time) map[string]any {
	return map[string]any{"externalId": id, "status": status, "message": "Event " + id,
		"location": "Leipzig, DE", "occurredAt": at.UTC().Format(time.RFC3339)}
}

// MustTrack records events through the GraphQL mutation.
func (s *Server) MustTrack(t testing.TB, carrier, number string, events ...map[string]any) {
	t.Helper()
	in := map[string]any{"carrier": carrier, "trackingNumber": number, "events": events}
	s.GQL(t, s.Integration(t), TrackMutation, map[string]any{"input": in}).MustOK(t, nil)
}

// OrderStatusQuery is the mobile app's contract, verbatim from the issue.
const OrderStatusQuery = `query OrderStatus($number: String!) {
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

// OrderStatus mirrors OrderStatusQuery's result.
type OrderStatus struct {
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

// T0 is the tests' reference time: events are placed relative to it.
var T0 = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

// Timeline returns the shipment's events, newest first, as "status@hour".
func (s *Server) Timeline(t testing.TB, carrier, number string) (status string, events []string) {
	t.Helper()
	ctx := auth.WithSystem(context.Background())
	sh, err := s.DB.Shipment.Query().Where(shipment.Carrier(carrier), shipment.TrackingNumber(number)).Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := sh.QueryEvents().Order(trackingevent.ByOccurredAt()).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(evs) - 1; i >= 0; i-- {
		events = append(events, fmt.Sprintf("%s@%s", evs[i].Status, evs[i].OccurredAt.UTC().Format("15h")))
	}
	return string(sh.Status), events
}
