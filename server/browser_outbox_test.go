package main

import (
	"testing"

	"github.com/aftercart/aftercart/server/auth"
)

// TestOutboxInBrowser runs web-demo/e2e/outbox.mjs against the admin SPA's
// outbox (/demo/admin.html#/outbox), issue 13's "Done when": an order
// imported through the API (as the store's integration) shows its
// confirmation in the outbox, and its preview, read inside the sandboxed
// iframe, has every item and the tracking button. Development mode: the
// message is "sent" to the outbox, nothing leaves the machine.
//
// Needs what TestWebDemoInBrowser needs; screenshots go to
// web-demo/test-results/outbox/.
func TestOutboxInBrowser(t *testing.T) {
	t.Parallel() // its own server, data and Chromium: two browser tests at once use the CPU the other waits out
	b := startBrowserDemo(t, "outbox")
	b.run(t, "outbox.mjs",
		"AFTERCART_INTEGRATION_TOKEN="+b.Integration(t),
		"AFTERCART_ADMIN_TOKEN="+b.Token(t, auth.RoleAdmin, ""),
	)
}
