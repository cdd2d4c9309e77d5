package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
)

// TestReviewsInBrowser runs web-demo/e2e/reviews.mjs: the demo customer
// writes a review with a photo from her delivered order's page (the photo
// testserver.Uploaded through the GraphQL multipart request spec and shown from the
// server's thumbnail) and sees it published; the product's review page
// shows the summary, the histogram and the reviews with their photos; and a
// staff reply recorded through the API (an ADMIN token) appears on the open
// page without a reload, over reviewReplyAdded.
//
// Needs what TestWebDemoInBrowser needs; screenshots go to
// web-demo/test-results/reviews/.
func TestReviewsInBrowser(t *testing.T) {
	node, dist, chromium := mustBrowser(t)
	s := mustServer(t, "", func(c *app.Config) {
		c.Dev = true
		c.Seed = true
		c.Simulate = 0
		c.DemoDir = dist
	})
	artifacts, err := filepath.Abs(filepath.Join(webDemoDir, "test-results", "reviews"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(artifacts); err != nil {
		t.Fatal(err)
	}
	photo, err := filepath.Abs(filepath.Join("demo", "photos", "filter.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	runBrowserScript(t, node, "reviews.mjs", artifacts,
		"AFTERCART_URL="+s.URL(),
		"AFTERCART_ADMIN_TOKEN="+s.Token(t, auth.RoleAdmin, ""),
		"AFTERCART_PHOTO="+photo,
		"CHROMIUM="+chromium,
	)
}
