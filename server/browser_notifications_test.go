package main

import (
	"testing"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/demo"
)

// TestNotificationsInBrowser runs web-demo/e2e/notifications.mjs against
// the demo's order page on the demo data, issue 13's "an in-app
// notification appears live on the open order page": with an order of the
// demo customer open, a new order imported through the API (its
// confirmation queues an IN_APP message beside its email) shows its
// notification on that page and in the bell's count without a reload; the
// bell lists it and "Mark all read" clears the count, as the API says.
// One browser page, one server.
//
// Needs what TestWebDemoInBrowser needs; screenshots go to
// web-demo/test-results/notifications/.
func TestNotificationsInBrowser(t *testing.T) {
	t.Parallel() // its own server, data and Chromium: two browser tests at once use the CPU the other waits out
	b := startBrowserDemo(t, "notifications")
	b.run(t, "notifications.mjs",
		"AFTERCART_CUSTOMER_TOKEN="+b.Token(t, auth.RoleCustomer, demo.DemoCustomerEmail),
		"AFTERCART_INTEGRATION_TOKEN="+b.Integration(t),
		"AFTERCART_CUSTOMER_EMAIL="+demo.DemoCustomerEmail,
	)
}
