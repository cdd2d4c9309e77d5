package hooks_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/hooks"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// TestPrivateEndpointsRefused: without AllowPrivate (production), an
// endpoint naming a loopback, private, link-local (the cloud metadata
// service) or CGNAT address, or localhost, is INVALID_INPUT at save; and a
// host name that resolves to such an address is refused when dialed, so a
// real receiver on loopback never gets the request. With AllowPrivate
// (development mode, -webhook-allow-private) the same receiver gets it.
func TestPrivateEndpointsRefused(t *testing.T) {
	prod := testserver.Start(t, "", func(c *app.Config) { c.Webhooks = hooks.Config{AllowHTTP: true} })
	admin := prod.Token(t, auth.RoleAdmin, "")
	for _, u := range []string{
		"http://127.0.0.1:8080/hook", "http://[::1]/hook", "http://10.1.2.3/hook", "http://192.168.0.10/hook",
		"http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/hook", "http://[::ffff:127.0.0.1]/hook",
		"http://[fe80::1]/hook", "http://0.0.0.0/hook", "http://localhost:9000/hook", "http://api.localhost/hook",
	} {
		res := prod.GQL(t, admin, createEndpoint, map[string]any{"in": map[string]any{"url": u, "events": []string{"ORDER_CREATED"}}})
		res.MustCode(t, "INVALID_INPUT")
		if !strings.Contains(res.Errors[0].Message, "private") {
			t.Errorf("%s: %q does not say why", u, res.Errors[0].Message)
		}
	}
	prod.GQL(t, admin, createEndpoint, map[string]any{"in": map[string]any{"url": "https://hooks.example.com/aftercart",
		"events": []string{"ORDER_CREATED"}}}).MustOK(t, nil)

	var got atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { got.Add(1) }))
	t.Cleanup(receiver.Close)
	// "localhost" is refused at save; here it stands for any name that
	// resolves to a private address after the save: the dial is checked.
	byName := strings.Replace(receiver.URL, "127.0.0.1", "localhost", 1)
	req := hooks.Request{URL: byName, Secret: []byte("s"), EventID: "evt_1", Event: "ORDER_CREATED", Body: []byte(`{}`), Now: time.Now()}

	res := hooks.Post(context.Background(), hooks.NewClient(5*time.Second, false), req)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "private") || got.Load() != 0 {
		t.Fatalf("guarded client: err %v, receiver got %d requests; want refused before connecting", res.Err, got.Load())
	}
	res = hooks.Post(context.Background(), hooks.NewClient(5*time.Second, true), req)
	if res.Err != nil || res.StatusCode != http.StatusOK || got.Load() != 1 {
		t.Fatalf("AllowPrivate: status %d err %v, receiver got %d requests; want one delivery", res.StatusCode, res.Err, got.Load())
	}
}
