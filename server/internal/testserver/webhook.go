package testserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/aftercart/aftercart/server/tracking"
)

// Webhook posts body to /webhooks/tracking signed with secret (unsigned if nil).
func (s *Server) Webhook(t testing.TB, body []byte, secret []byte) (int, map[string]any) {
	t.Helper()
	sig := ""
	if secret != nil {
		sig = tracking.Sign(secret, body)
	}
	return s.WebhookWithSignature(t, body, sig)
}

// WebhookWithSignature posts body with the given signature header value.
func (s *Server) WebhookWithSignature(t testing.TB, body []byte, sig string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/webhooks/tracking", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(tracking.SignatureHeader, sig)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// WebhookBody is a tracking webhook payload.
func WebhookBody(t testing.TB, carrier, number string, events ...map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"carrier": carrier, "trackingNumber": number, "events": events})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
