package hooks_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/aftercart/aftercart/server/hooks"
)

// A receiver verifies each delivery with the secret it was shown when the
// endpoint was created, refuses a bad or stale signature with 401 (a 4xx
// is final: no retries), and drops an event id it has seen (replays and
// retries repeat it).
func ExampleVerify() {
	secret := []byte("whsec_example")
	seen := map[string]bool{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if !hooks.Verify(secret, r.Header.Get("X-Aftercart-Timestamp"), r.Header.Get("X-Aftercart-Signature"), body, time.Now(), 5*time.Minute) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		id := r.Header.Get("X-Aftercart-Event-Id")
		if seen[id] {
			fmt.Println("duplicate", id)
			return // 200: already handled
		}
		seen[id] = true
		fmt.Println(r.Header.Get("X-Aftercart-Event"), id, string(body))
	}))
	defer receiver.Close()

	// What the server sends (hooks.Post signs it), twice, then forged.
	body := []byte(`{"id":"evt_1","type":"ORDER_STATUS_CHANGED","data":{"number":"AC-1001","status":"SHIPPED"}}`)
	send := func(secret []byte) int {
		res := hooks.Post(context.Background(), hooks.NewClient(5*time.Second, true), hooks.Request{URL: receiver.URL, Secret: secret,
			EventID: "evt_1", Event: "ORDER_STATUS_CHANGED", Body: body, Now: time.Now()})
		return res.StatusCode
	}
	fmt.Println(send(secret))
	fmt.Println(send(secret))
	fmt.Println(send([]byte("a guess")))
	// Output:
	// ORDER_STATUS_CHANGED evt_1 {"id":"evt_1","type":"ORDER_STATUS_CHANGED","data":{"number":"AC-1001","status":"SHIPPED"}}
	// 200
	// duplicate evt_1
	// 200
	// 401
}
