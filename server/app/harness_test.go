package app_test

import (
	"log/slog"
	"testing"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testServer is the real server (see testserver.Server); the helpers of the
// transport tests (raw requests, token expiry) are its methods.
type testServer struct{ *testserver.Server }

// mustServer starts the real server (see testserver.Start).
func mustServer(t testing.TB, dbURL string, configure ...func(*app.Config)) *testServer {
	t.Helper()
	return &testServer{testserver.Start(t, dbURL, configure...)}
}

// mustServerLog starts the real server logging to log (see
// testserver.StartLog).
func mustServerLog(t testing.TB, dbURL string, log *slog.Logger, configure ...func(*app.Config)) *testServer {
	t.Helper()
	return &testServer{testserver.StartLog(t, dbURL, log, configure...)}
}
