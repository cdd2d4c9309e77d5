package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aftercart/aftercart/ent/shipment"
	"github.com/aftercart/aftercart/ent/trackingevent"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/tracking"
)

// webhookBody is a tracking webhook payload.
func webhookBody(t testing.TB, carrier, number string, events ...map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"carrier": carrier, "trackingNumber": number, "events": events})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// timeline returns the shipment's events, newest first, as "status@hour".
func (s *testServer) timeline(t testing.TB, carrier, number string) (status string, events []string) {
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

func TestWebhook(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		s := mustServer(t, dbURL)
		o := s.mustImport(t, orderSpec{email: "mina@example.com", number: "W-1", items: 1})
		s.mustShip(t, o.ID, "DHL", "JJDHOOK01")

		t.Run("bad signature writes nothing", func(t *testing.T) {
			body := webhookBody(t, "DHL", "JJDHOOK01", event("w0", "IN_TRANSIT", t0))
			tampered := append([]byte(nil), body...)
			tampered[len(tampered)-3] ^= 0x01
			if status, _ := s.webhookWithSignature(t, tampered, tracking.Sign(testWebhookSecret, body)); status != http.StatusUnauthorized {
				t.Errorf("flipped byte: status %d, want 401", status)
			}
			if status, _ := s.webhook(t, body, []byte("another-secret")); status != http.StatusUnauthorized {
				t.Errorf("wrong secret: status %d, want 401", status)
			}
			if status, _ := s.webhook(t, body, nil); status != http.StatusUnauthorized {
				t.Errorf("unsigned: status %d, want 401", status)
			}
			if _, evs := s.timeline(t, "DHL", "JJDHOOK01"); len(evs) != 0 {
				t.Fatalf("events written despite bad signatures: %v", evs)
			}
		})

		t.Run("three concurrent deliveries store one row per event", func(t *testing.T) {
			body := webhookBody(t, "DHL", "JJDHOOK01", event("w1", "INFO_RECEIVED", t0), event("w2", "IN_TRANSIT", t0.Add(time.Hour)))
			var wg sync.WaitGroup
			statuses := make([]int, 3)
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i], _ = s.webhook(t, body, testWebhookSecret)
				}()
			}
			wg.Wait()
			for i, st := range statuses {
				if st != http.StatusOK {
					t.Errorf("delivery %d: status %d", i, st)
				}
			}
			status, evs := s.timeline(t, "DHL", "JJDHOOK01")
			if fmt.Sprint(evs) != "[IN_TRANSIT@09h INFO_RECEIVED@08h]" || status != "IN_TRANSIT" {
				t.Fatalf("status %s, timeline %v", status, evs)
			}
		})

		t.Run("out of order, and DELIVERED is terminal", func(t *testing.T) {
			deliver := webhookBody(t, "DHL", "JJDHOOK01", event("w5", "DELIVERED", t0.Add(5*time.Hour)))
			late := webhookBody(t, "DHL", "JJDHOOK01", event("w3", "IN_TRANSIT", t0.Add(3*time.Hour)), event("w4", "OUT_FOR_DELIVERY", t0.Add(4*time.Hour)))
			skewed := webhookBody(t, "DHL", "JJDHOOK01", event("w6", "IN_TRANSIT", t0.Add(6*time.Hour)))
			for _, b := range [][]byte{deliver, late, skewed} {
				if st, body := s.webhook(t, b, testWebhookSecret); st != http.StatusOK {
					t.Fatalf("status %d: %v", st, body)
				}
			}
			status, evs := s.timeline(t, "DHL", "JJDHOOK01")
			want := "[IN_TRANSIT@14h DELIVERED@13h OUT_FOR_DELIVERY@12h IN_TRANSIT@11h IN_TRANSIT@09h INFO_RECEIVED@08h]"
			if status != "DELIVERED" || fmt.Sprint(evs) != want {
				t.Fatalf("status %s, timeline %v; want DELIVERED, %s", status, evs, want)
			}
			var res struct{ Order struct{ Status string } }
			s.gql(t, s.token(t, auth.RoleCustomer, "mina@example.com"), `{ order(number: "W-1") { status returnWindowEndsAt } }`, nil).mustOK(t, &res)
			if res.Order.Status != "DELIVERED" {
				t.Errorf("order status %s, want DELIVERED", res.Order.Status)
			}
		})

		t.Run("bad requests", func(t *testing.T) {
			for name, c := range map[string]struct {
				body []byte
				want int
				code string
			}{
				"unknown tracking number": {webhookBody(t, "DHL", "NOSUCH123", event("u1", "IN_TRANSIT", t0)), 404, "NOT_FOUND"},
				"invalid status":          {webhookBody(t, "DHL", "JJDHOOK01", event("u2", "LOST", t0)), 422, "INVALID_INPUT"},
				"malformed json":          {[]byte(`{"carrier": "DHL",`), 400, "BAD_REQUEST"},
				"malformed date":          {[]byte(`{"carrier":"DHL","trackingNumber":"JJDHOOK01","events":[{"externalId":"u3","status":"IN_TRANSIT","occurredAt":"yesterday"}]}`), 400, "INVALID_INPUT"},
				"no events":               {webhookBody(t, "DHL", "JJDHOOK01"), 422, "INVALID_INPUT"},
			} {
				st, body := s.webhook(t, c.body, testWebhookSecret)
				errObj, _ := body["error"].(map[string]any)
				if st != c.want || errObj["code"] != c.code {
					t.Errorf("%s: status %d body %v, want %d %s", name, st, body, c.want, c.code)
				}
			}
			if _, evs := s.timeline(t, "DHL", "JJDHOOK01"); len(evs) != 6 {
				t.Errorf("bad requests wrote events: %v", evs)
			}
		})
	})
}
