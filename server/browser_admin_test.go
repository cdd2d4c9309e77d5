package main

import (
	"testing"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/demo"
)

// TestAdminInBrowser runs web-demo/e2e/admin.mjs against the admin SPA
// (admin.html) on the demo data: a post by a customer the script creates
// through the API enters the live queue and the count goes up by one;
// the admin approves it and the card stays with "Approved by you" while
// the count goes down by exactly one; the admin silences the author from
// the card, and the author's next post is refused with FORBIDDEN; the
// Silenced screen lists them and lifts the silence. One browser page,
// one server.
//
// Needs what TestWebDemoInBrowser needs; screenshots go to
// web-demo/test-results/admin/.
func TestAdminInBrowser(t *testing.T) {
	t.Parallel() // its own server, data and Chromium: two browser tests at once use the CPU the other waits out
	b := startBrowserDemo(t, "admin")
	// Not in the demo data: the script creates this customer with
	// importOrder, so their first post waits for approval.
	const author = "ines@example.com"
	b.run(t, "admin.mjs",
		"AFTERCART_ADMIN_TOKEN="+b.Token(t, auth.RoleAdmin, ""),
		"AFTERCART_AUTHOR_EMAIL="+author,
		"AFTERCART_AUTHOR_TOKEN="+b.Token(t, auth.RoleCustomer, author),
		"AFTERCART_OTHER_TOKEN="+b.Token(t, auth.RoleCustomer, demo.NewCustomerEmail),
	)
}
