package support_test

import (
	"testing"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testServer is the real server (see testserver.Server).
type testServer struct{ *testserver.Server }

// mustServer starts the real server (see testserver.Start).
func mustServer(t testing.TB, dbURL string, configure ...func(*app.Config)) *testServer {
	t.Helper()
	return &testServer{testserver.Start(t, dbURL, configure...)}
}
