package main

import (
	"path/filepath"
	"testing"

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
	t.Parallel() // its own server, data and Chromium: two browser tests at once use the CPU the other waits out
	b := startBrowserDemo(t, "reviews")
	photo, err := filepath.Abs(filepath.Join("demo", "photos", "filter.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	b.run(t, "reviews.mjs",
		"AFTERCART_ADMIN_TOKEN="+b.Token(t, auth.RoleAdmin, ""),
		"AFTERCART_PHOTO="+photo,
	)
}
