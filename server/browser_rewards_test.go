package main

import (
	"testing"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/demo"
)

// TestRewardsInBrowser runs web-demo/e2e/rewards.mjs against "My rewards"
// (#/rewards) on the demo data (demo.SeedLoyalty), issue 12's "Done
// when": the page opens live with the seeded balance, pending date, tier
// progress and ledger; redeeming a reward lowers the balance live and
// shows the code (the one the API issued); an admin adjustment made
// through the API changes the open page without a reload. One browser
// page, one server.
//
// Needs what TestWebDemoInBrowser needs; screenshots go to
// web-demo/test-results/rewards/.
func TestRewardsInBrowser(t *testing.T) {
	t.Parallel() // its own server, data and Chromium: two browser tests at once use the CPU the other waits out
	b := startBrowserDemo(t, "rewards")
	b.run(t, "rewards.mjs",
		"AFTERCART_CUSTOMER_TOKEN="+b.Token(t, auth.RoleCustomer, demo.DemoCustomerEmail),
		"AFTERCART_ADMIN_TOKEN="+b.Token(t, auth.RoleAdmin, ""),
		"AFTERCART_REWARD="+demo.RedeemableRewardName,
	)
}
