package pgtest

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
)

// shared is the one cluster per test binary behind Main and Get.
var shared struct {
	mu      sync.Mutex
	main    bool // Main is running, so someone will stop the cluster
	cluster *Cluster
	err     error // a failed start, kept so later tests fail fast
}

// Main runs the package's tests with a shared cluster and exits; call it as
// the whole body of TestMain. The cluster starts on the first [Get] and is
// stopped after the last test.
func Main(m *testing.M) {
	shared.mu.Lock()
	shared.main = true
	shared.mu.Unlock()

	code := m.Run()

	shared.mu.Lock()
	c := shared.cluster
	shared.mu.Unlock()
	if c != nil {
		if err := c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// Get returns the test binary's shared cluster, starting it on first use. It
// skips tb when PostgreSQL is not installed, or fails it when the CI
// environment variable is set; it fails tb when the cluster cannot start or
// when TestMain does not call [Main].
func Get(tb testing.TB) *Cluster {
	tb.Helper()
	shared.mu.Lock()
	if !shared.main {
		shared.mu.Unlock()
		// Without Main nobody would stop the cluster: it would outlive
		// the test binary.
		tb.Fatal("pgtest.Get needs func TestMain(m *testing.M) { pgtest.Main(m) } in this package")
		return nil
	}
	if shared.cluster == nil && shared.err == nil {
		shared.cluster, shared.err = StartCluster()
	}
	c, err := shared.cluster, shared.err
	shared.mu.Unlock()
	if err != nil {
		unavailable(tb, err)
		return nil
	}
	return c
}

// Start starts a cluster for tb alone and stops it when tb finishes. Use it
// instead of [Get] when a test restarts or breaks the server, so tests
// sharing the cluster are not disturbed. It skips or fails tb like [Get].
func Start(tb testing.TB) *Cluster {
	tb.Helper()
	c, err := StartCluster()
	if err != nil {
		unavailable(tb, err)
		return nil
	}
	tb.Cleanup(func() {
		if err := c.Stop(); err != nil {
			tb.Errorf("pgtest: %v", err)
		}
	})
	return c
}

// Require skips tb when PostgreSQL is not installed, or fails it when the CI
// environment variable is set, and otherwise returns the bin directory. It
// is for tests that only need the binaries, such as pg_dump.
func Require(tb testing.TB) (binDir string) {
	tb.Helper()
	binDir, ok := Available()
	if !ok {
		unavailable(tb, ErrNoBinaries)
	}
	return binDir
}

// unavailable ends tb for err. Missing binaries skip on a developer machine,
// who may not care about Postgres today, but fail under CI, where a skip
// would let the whole Postgres suite pass without running.
func unavailable(tb testing.TB, err error) {
	tb.Helper()
	switch {
	case !errors.Is(err, ErrNoBinaries):
		tb.Fatal(err)
	case os.Getenv("CI") != "":
		tb.Fatalf("%v (CI is set: the Postgres tests must run, not skip)", err)
	default:
		tb.Skip(err)
	}
}
