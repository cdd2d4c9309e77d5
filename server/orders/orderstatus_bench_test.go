package orders_test

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/internal/testserver"
)

// Flags of BenchmarkOrderStatus; see server/orders/ORDERSTATUS_BENCHMARKS.md.
var (
	osScale = flag.Float64("orderstatus-scale", 1,
		"BenchmarkOrderStatus: dataset size; 1 is 100,000 orders, 10,000 customers, 300,000 items, 120,000 shipments, ~3,000,000 tracking events")
	osDuration = flag.Duration("orderstatus-duration", 20*time.Second, "BenchmarkOrderStatus: length of each measured wrk run")
	osRounds   = flag.Int("orderstatus-rounds", 3, "BenchmarkOrderStatus: rounds; each measures every variant once, in a rotated order")
	osConns    = flag.String("orderstatus-conns", "8,64", "BenchmarkOrderStatus: comma-separated concurrent connections to measure at")
	osCust     = flag.Int("orderstatus-customers", 200, "BenchmarkOrderStatus: customers (tokens) of the customer variant, each reading their own orders")
	osThreads  = flag.Int("orderstatus-threads", 2, "BenchmarkOrderStatus: wrk threads")
	osCheck    = flag.Bool("orderstatus-check", false, "BenchmarkOrderStatus: check every answer of the measured runs in wrk's Lua script too (status 200, an order, no errors; costs wrk ~25 µs per answer); the warm-up runs always do")
	osSQLite   = flag.Bool("orderstatus-sqlite", true, "BenchmarkOrderStatus: also measure the embedded SQLite default (demo data) at the highest concurrency")
	osEvents   = flag.Bool("orderstatus-events", true, "BenchmarkOrderStatus: also measure the 2,025-event and 25-event shipments at the lowest concurrency")
	osProfile  = flag.String("orderstatus-profile", "", "BenchmarkOrderStatus: write CPU profiles of aftercart (ADMIN and customers, highest concurrency) to this directory, from an extra run after the measured ones")
	osSrvArgs  = flag.String("orderstatus-server-args", "", "BenchmarkOrderStatus: extra flags for both aftercart servers, space-separated (e.g. pool settings)")
)

// osConfig is one run's plan.
type osConfig struct {
	scale            float64
	duration, warmup time.Duration
	rounds           int
	conns            []int
	customers        int
	threads          int
	check            bool
	sqlite, events   bool
	profileDir       string
	serverArgs       []string
}

// BenchmarkOrderStatus measures the README's OrderStatus query, in one run,
// through aftercart on Postgres (one ADMIN token; many customer tokens each
// reading their own orders) and through the ceiling (server/internal/ceiling:
// net/http + lib/pq and ONE SQL statement rendering the same JSON), at each
// -orderstatus-conns concurrency, in -orderstatus-rounds interleaved rounds;
// then the embedded SQLite default, and a shipment with 2,025 events against
// one with 25. Postgres is a throwaway cluster tuned for the run and loaded
// with the dataset through SQL (server/internal/benchdata); the load
// comes from wrk. It prints a table (req/s, p50, p99, % of the ceiling, CPU
// per request of the server and of Postgres) and reports the highest
// concurrency's figures as metrics; ns/op is one second over ADMIN's req/s
// there. Run it with -benchtime 1x:
//
//	go test ./server/orders/ -run '^$' -bench '^BenchmarkOrderStatus$' -benchtime 1x -timeout 30m
func BenchmarkOrderStatus(b *testing.B) {
	if _, err := osWrkPath(); err != nil {
		b.Fatal(err)
	}
	conns, err := osParseConns(*osConns)
	if err != nil {
		b.Fatal(err)
	}
	cfg := osConfig{scale: *osScale, duration: *osDuration, warmup: 3 * time.Second, rounds: max(1, *osRounds),
		conns: conns, customers: *osCust, threads: *osThreads, check: *osCheck, sqlite: *osSQLite, events: *osEvents,
		profileDir: *osProfile, serverArgs: strings.Fields(*osSrvArgs)}
	e := &osEnv{cfg: cfg, out: os.Stdout}
	e.setup(b)
	e.check(b)
	b.ResetTimer()
	rep := e.measure(b)
	b.StopTimer()
	e.check(b) // still real data after the runs
	rep.write(os.Stdout)
	rep.metrics(b)
	for _, r := range rep.runs {
		if r.errors() > 0 {
			b.Errorf("%s, c=%d, round %d: %d answers were not real data (%d status, %d socket, %d bad bodies); first: %s",
				r.variant, r.conns, r.round, r.errors(), r.status, r.sock, r.bad, r.badSample)
		}
	}
}

// TestOrderStatusBenchSmoke runs BenchmarkOrderStatus's machinery at a tiny
// scale for about a second per variant, so that it cannot rot: the dataset
// loads, every server starts, every variant answers real data (checked
// field by field against the ceiling and by wrk's script on every answer),
// and a CPU profile is written. It asserts nothing about speed.
func TestOrderStatusBenchSmoke(t *testing.T) {
	if _, err := osWrkPath(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v (CI is set: the benchmark's smoke test must run, not skip)", err)
		}
		t.Skip(err)
	}
	cfg := osConfig{scale: 0.0005, duration: time.Second, rounds: 1, conns: []int{2, 4}, customers: 3, threads: 1,
		check: true, sqlite: true, events: true, profileDir: t.TempDir()}
	e := &osEnv{cfg: cfg, out: testserver.LogWriter{T: t}}
	e.setup(t)
	e.check(t)
	rep := e.measure(t)
	rep.write(testserver.LogWriter{T: t})
	want := map[string]bool{}
	for _, v := range []*osTarget{e.ceiling, e.admin, e.customers, e.sqlite, e.big, e.small} {
		want[v.name] = true
	}
	for _, r := range rep.runs {
		delete(want, r.variant)
		if r.requests == 0 || r.errors() > 0 {
			t.Errorf("%s, c=%d: %d requests, %d not real data (%d status, %d socket, %d bad bodies); first: %s",
				r.variant, r.conns, r.requests, r.errors(), r.status, r.sock, r.bad, r.badSample)
		}
	}
	for v := range want {
		t.Errorf("variant %q never ran", v)
	}
	for _, name := range []string{"cpu-admin.pprof", "cpu-customers.pprof"} {
		b, err := os.ReadFile(filepath.Join(cfg.profileDir, name))
		if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b { // pprof files are gzipped
			t.Errorf("%s: %d bytes, %v; want a gzipped profile", name, len(b), err)
		}
	}
}

func osParseConns(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-orderstatus-conns %q: want comma-separated positive numbers", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// osRotate returns ts rotated left by k: each round starts with another
// variant, so none is always measured first (or right after another).
func osRotate(ts []*osTarget, k int) []*osTarget {
	k %= len(ts)
	return append(append([]*osTarget{}, ts[k:]...), ts[:k]...)
}

// measure runs the plan: a warm-up of every variant, the rounds (each
// variant once per concurrency, SQLite at the highest), the
// per-shipment-cost pair at the lowest, and the profile run.
func (e *osEnv) measure(tb testing.TB) *osReport {
	tb.Helper()
	c := e.cfg
	lo, hi := c.conns[0], c.conns[0]
	for _, n := range c.conns {
		lo, hi = min(lo, n), max(hi, n)
	}
	rep := &osReport{env: e, lo: lo, hi: hi}
	main := []*osTarget{e.ceiling, e.admin, e.customers}
	if c.warmup > 0 {
		// Every answer of the warm-up is checked, whatever -orderstatus-check
		// says: a variant that answers errors under load fails here.
		for _, t := range append(main, e.sqlite) {
			if t == nil {
				continue
			}
			if r := osWrk(tb, t, hi, c.threads, c.warmup, true); r.errors() > 0 {
				tb.Fatalf("warm-up of %s: %d answers were not real data (%d status, %d socket, %d bad bodies); first: %s",
					t.name, r.errors(), r.status, r.sock, r.bad, r.badSample)
			}
		}
	}
	run := func(t *osTarget, conns, round int) {
		time.Sleep(c.duration / 20) // let the previous run's stragglers settle
		r := osWrk(tb, t, conns, c.threads, c.duration, c.check)
		r.round = round
		rep.runs = append(rep.runs, r)
		fmt.Fprintf(e.out, "round %d  c=%-3d %-36s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d\n",
			round, conns, t.name, r.rps(), osMs(r.p50), osMs(r.p99), r.errors())
	}
	for round := 1; round <= c.rounds; round++ {
		for _, conns := range c.conns {
			variants := main
			if conns == hi && e.sqlite != nil {
				variants = append(append([]*osTarget{}, main...), e.sqlite)
			}
			for _, t := range osRotate(variants, round-1) {
				run(t, conns, round)
			}
		}
	}
	if e.big != nil {
		for round := 1; round <= c.rounds; round++ {
			for _, t := range osRotate([]*osTarget{e.big, e.small}, round-1) {
				run(t, lo, round)
			}
		}
	}
	if c.profileDir != "" {
		e.profile(tb, hi)
	}
	return rep
}

// profile records aftercart's CPU profile while wrk drives the ADMIN and
// the customer variants at conns connections, in a run that is not
// reported, from the server's own -pprof-addr.
func (e *osEnv) profile(tb testing.TB, conns int) {
	tb.Helper()
	if err := os.MkdirAll(e.cfg.profileDir, 0o755); err != nil {
		tb.Fatal(err)
	}
	proc := e.admin.proc
	if proc.pprof == "" {
		tb.Fatalf("%s has no -pprof-addr flag: its CPU cannot be profiled", e.bin)
	}
	secs := max(1, int(e.cfg.duration.Seconds()))
	for _, v := range []struct {
		file string
		t    *osTarget
	}{{"cpu-admin.pprof", e.admin}, {"cpu-customers.pprof", e.customers}} {
		t := *v.t
		t.proc = proc
		got := make(chan error, 1)
		path := filepath.Join(e.cfg.profileDir, v.file)
		go func() { got <- osFetchProfile(proc.pprof+"/debug/pprof/profile?seconds="+strconv.Itoa(secs), path) }()
		// wrk outlasts the profile by a little on both ends.
		osWrk(tb, &t, conns, e.cfg.threads, time.Duration(secs)*time.Second+time.Second, e.cfg.check)
		if err := <-got; err != nil {
			tb.Fatalf("CPU profile of %s: %v", t.name, err)
		}
		fmt.Fprintf(e.out, "CPU profile of %s at c=%d, %d s, from %s: %s\n", t.name, conns, secs, e.profiler, path)
	}
}

// osFetchProfile downloads a pprof profile from url into path.
func osFetchProfile(url, path string) error {
	res, err := http.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("%s: %d %s", url, res.StatusCode, b)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, res.Body)
	return errors.Join(err, f.Close())
}
