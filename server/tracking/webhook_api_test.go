package tracking_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/tracking"
)

func TestWebhook(t *testing.T) {
	testserver.EachDB(t, func(t *testing.T, dbURL string) {
		s := testserver.Start(t, dbURL)
		o := s.MustImport(t, testserver.OrderSpec{Email: "mina@example.com", Number: "W-1", Items: 1})
		s.MustShip(t, o.ID, "DHL", "JJDHOOK01")

		t.Run("bad signature writes nothing", func(t *testing.T) {
			body := testserver.WebhookBody(t, "DHL", "JJDHOOK01", testserver.Event("w0", "IN_TRANSIT", testserver.T0))
			tampered := append([]byte(nil), body...)
			tampered[len(tampered)-3] ^= 0x01
			if status, _ := s.WebhookWithSignature(t, tampered, tracking.Sign(testserver.WebhookSecret, body)); status != http.StatusUnauthorized {
				t.Errorf("flipped byte: status %d, want 401", status)
			}
			if status, _ := s.Webhook(t, body, []byte("another-secret")); status != http.StatusUnauthorized {
				t.Errorf("wrong secret: status %d, want 401", status)
			}
			if status, _ := s.Webhook(t, body, nil); status != http.StatusUnauthorized {
				t.Errorf("unsigned: status %d, want 401", status)
			}
			if _, evs := s.Timeline(t, "DHL", "JJDHOOK01"); len(evs) != 0 {
				t.Fatalf("events written despite bad signatures: %v", evs)
			}
		})

		t.Run("three concurrent deliveries store one row per event", func(t *testing.T) {
			body := testserver.WebhookBody(t, "DHL", "JJDHOOK01", testserver.Event("w1", "INFO_RECEIVED", testserver.T0), testserver.Event("w2", "IN_TRANSIT", testserver.T0.Add(time.Hour)))
			var wg sync.WaitGroup
			statuses := make([]int, 3)
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i], _ = s.Webhook(t, body, testserver.WebhookSecret)
				}()
			}
			wg.Wait()
			for i, st := range statuses {
				if st != http.StatusOK {
					t.Errorf("delivery %d: status %d", i, st)
				}
			}
			status, evs := s.Timeline(t, "DHL", "JJDHOOK01")
			if fmt.Sprint(evs) != "[IN_TRANSIT@09h INFO_RECEIVED@08h]" || status != "IN_TRANSIT" {
				t.Fatalf("status %s, timeline %v", status, evs)
			}
		})

		t.Run("out of order, and DELIVERED is terminal", func(t *testing.T) {
			deliver := testserver.WebhookBody(t, "DHL", "JJDHOOK01", testserver.Event("w5", "DELIVERED", testserver.T0.Add(5*time.Hour)))
			late := testserver.WebhookBody(t, "DHL", "JJDHOOK01", testserver.Event("w3", "IN_TRANSIT", testserver.T0.Add(3*time.Hour)), testserver.Event("w4", "OUT_FOR_DELIVERY", testserver.T0.Add(4*time.Hour)))
			skewed := testserver.WebhookBody(t, "DHL", "JJDHOOK01", testserver.Event("w6", "IN_TRANSIT", testserver.T0.Add(6*time.Hour)))
			for _, b := range [][]byte{deliver, late, skewed} {
				if st, body := s.Webhook(t, b, testserver.WebhookSecret); st != http.StatusOK {
					t.Fatalf("status %d: %v", st, body)
				}
			}
			status, evs := s.Timeline(t, "DHL", "JJDHOOK01")
			want := "[IN_TRANSIT@14h DELIVERED@13h OUT_FOR_DELIVERY@12h IN_TRANSIT@11h IN_TRANSIT@09h INFO_RECEIVED@08h]"
			if status != "DELIVERED" || fmt.Sprint(evs) != want {
				t.Fatalf("status %s, timeline %v; want DELIVERED, %s", status, evs, want)
			}
			var res struct{ Order struct{ Status string } }
			s.GQL(t, s.Token(t, auth.RoleCustomer, "mina@example.com"), `{ order(number: "W-1") { status returnWindowEndsAt } }`, nil).MustOK(t, &res)
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
				"unknown tracking number": {testserver.WebhookBody(t, "DHL", "NOSUCH123", testserver.Event("u1", "IN_TRANSIT", testserver.T0)), 404, "NOT_FOUND"},
				"invalid status":          {testserver.WebhookBody(t, "DHL", "JJDHOOK01", testserver.Event("u2", "LOST", testserver.T0)), 422, "INVALID_INPUT"},
				"malformed json":          {[]byte(`{"carrier": "DHL",`), 400, "BAD_REQUEST"},
				"malformed date":          {[]byte(`{"carrier":"DHL","trackingNumber":"JJDHOOK01","events":[{"externalId":"u3","status":"IN_TRANSIT","occurredAt":"yesterday"}]}`), 400, "INVALID_INPUT"},
				"no events":               {testserver.WebhookBody(t, "DHL", "JJDHOOK01"), 422, "INVALID_INPUT"},
			} {
				st, body := s.Webhook(t, c.body, testserver.WebhookSecret)
				errObj, _ := body["error"].(map[string]any)
				if st != c.want || errObj["code"] != c.code {
					t.Errorf("%s: status %d body %v, want %d %s", name, st, body, c.want, c.code)
				}
			}
			if _, evs := s.Timeline(t, "DHL", "JJDHOOK01"); len(evs) != 6 {
				t.Errorf("bad requests wrote events: %v", evs)
			}
		})
	})
}
