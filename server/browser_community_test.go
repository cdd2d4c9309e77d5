package main

import (
	"path/filepath"
	"testing"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/demo"
)

// TestCommunityInBrowser runs web-demo/e2e/community.mjs on the demo
// community: a new customer (Jonas, whose first order has not shipped)
// posts on the community page with a photo and a product tag and sees it
// "Waiting for approval"; an admin approves it in the admin SPA
// (admin.html), where the queue holds it with its audit trail; the post
// then appears live (no reload) on the demo customer's open community
// page. On an open post page comments arrive live and a waiting one shows
// to its author only; reactions toggle. A post flagged past the threshold
// (one report on the page, two through the API) disappears live from the
// open feed and post page and enters the admin queue.
//
// Needs what TestWebDemoInBrowser needs; screenshots go to
// web-demo/test-results/community/.
func TestCommunityInBrowser(t *testing.T) {
	t.Parallel() // its own server, data and Chromium: two browser tests at once use the CPU the other waits out
	b := startBrowserDemo(t, "community")
	photo, err := filepath.Abs(filepath.Join("demo", "photos", "unboxing.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	b.run(t, "community.mjs",
		"AFTERCART_ADMIN_TOKEN="+b.Token(t, auth.RoleAdmin, ""),
		"AFTERCART_CUSTOMER_TOKEN="+b.Token(t, auth.RoleCustomer, demo.NewCustomerEmail),
		"AFTERCART_LEO_TOKEN="+b.Token(t, auth.RoleCustomer, demo.OtherCustomerEmail),
		"AFTERCART_MINA_TOKEN="+b.Token(t, auth.RoleCustomer, demo.DemoCustomerEmail),
		"AFTERCART_PHOTO="+photo,
	)
}
