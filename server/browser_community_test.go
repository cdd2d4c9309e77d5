package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aftercart/aftercart/server/app"
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
	node, dist, chromium := mustBrowser(t)
	s := mustServer(t, "", func(c *app.Config) {
		c.Dev = true
		c.Seed = true
		c.Simulate = 0
		c.DemoDir = dist
	})
	artifacts, err := filepath.Abs(filepath.Join(webDemoDir, "test-results", "community"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(artifacts); err != nil {
		t.Fatal(err)
	}
	photo, err := filepath.Abs(filepath.Join("demo", "photos", "unboxing.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	runBrowserScript(t, node, "community.mjs", artifacts,
		"AFTERCART_URL="+s.URL(),
		"AFTERCART_ADMIN_TOKEN="+s.Token(t, auth.RoleAdmin, ""),
		"AFTERCART_CUSTOMER_TOKEN="+s.Token(t, auth.RoleCustomer, demo.NewCustomerEmail),
		"AFTERCART_LEO_TOKEN="+s.Token(t, auth.RoleCustomer, demo.OtherCustomerEmail),
		"AFTERCART_MINA_TOKEN="+s.Token(t, auth.RoleCustomer, demo.DemoCustomerEmail),
		"AFTERCART_PHOTO="+photo,
		"CHROMIUM="+chromium,
	)
}
