package reviews_test

import (
	"testing"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// testServer is the real server (see testserver.Server); the reviews tests'
// helpers (a shop with products, writing, listing and moderating reviews)
// are its methods.
type testServer struct{ *testserver.Server }

// mustServer starts the real server (see testserver.Start).
func mustServer(t testing.TB, dbURL string, configure ...func(*app.Config)) *testServer {
	t.Helper()
	return &testServer{testserver.Start(t, dbURL, configure...)}
}
