package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
	"github.com/aftercart/aftercart/server/tracking"
)

// Flags of BenchmarkFanout; see server/live/BENCHMARKS.md.
var (
	fanoutSubscribers = flag.Int("subscribers", envInt("AFTERCART_BENCH_SUBSCRIBERS", 10_000),
		"BenchmarkFanout: websocket subscribers, one connection and one subscription each (env AFTERCART_BENCH_SUBSCRIBERS)")
	fanoutRounds = flag.Int("fanout-rounds", 10,
		"BenchmarkFanout: measured events, each fanned out to every subscriber (at least -benchtime Nx)")
	fanoutDB = flag.String("bench-db", "sqlite",
		"BenchmarkFanout: sqlite, or postgres (a throwaway cluster from internal/pgtest)")
	fanoutIdle = flag.Duration("fanout-idle", 3*time.Second,
		"BenchmarkFanout: how long connections sit idle before the server's memory is sampled (the Go runtime forces a GC at least every 2 minutes)")
	fanoutServerEnv = flag.String("fanout-server-env", "",
		"BenchmarkFanout: comma-separated KEY=VALUE pairs added to the server's environment, e.g. GOGC=50 (GOGC set for go test would apply to the clients too)")
	fanoutProfile = flag.String("fanout-profile", "",
		"BenchmarkFanout: write the server's heap, goroutine and CPU profiles to this directory; the server then runs inside this test binary (same code plus a profiling port) instead of the built binary")
)

// Environment of a server started by BenchmarkFanout in profile mode (see
// fanoutChild): the test binary re-executes itself as the server.
const (
	fanoutChildEnv     = "AFTERCART_FANOUT_CHILD_PROFILE_DIR"
	fanoutChildAddrEnv = "AFTERCART_FANOUT_CHILD_DEBUG_ADDR"
)

func init() {
	if dir := os.Getenv(fanoutChildEnv); dir != "" {
		os.Exit(fanoutChild(dir, os.Getenv(fanoutChildAddrEnv), os.Args[1:]))
	}
}

// BenchmarkFanout connects N websocket subscribers (-subscribers, default
// 10,000) to shipmentUpdated for one order of a server running as a separate
// process, and reports:
//
//   - KB/conn: the server's resident memory (RSS) with every connection idle
//     and subscribed, minus its RSS before the first one, divided by N;
//   - p50-ms ... max-ms: delivery latency of one event fanned out to all N,
//     from its commit (the webhook's recordedAt, taken by the server right
//     after the commit and before it notifies subscribers; same machine, same
//     clock) to each client's receipt, pooled over -fanout-rounds events;
//     send-p99-ms measures from just before the webhook request instead (an
//     upper bound that adds the webhook's own work);
//   - ns/op: mean time from sending an event to its last receipt.
//
// The expensive setup (build, server, N connections) happens once; b.N only
// raises the number of measured rounds. Run it with -benchtime 1x:
//
//	go test ./server/ -run '^$' -bench BenchmarkFanout -benchtime 1x -timeout 30m -subscribers 1000
func BenchmarkFanout(b *testing.B) {
	n := *fanoutSubscribers
	if n < 1 {
		b.Fatalf("-subscribers %d: need at least one", n)
	}
	b.Run(fmt.Sprintf("db=%s/subscribers=%d", *fanoutDB, n), func(b *testing.B) { benchFanout(b, n) })
}

func benchFanout(b *testing.B, n int) {
	raiseNoFile(b, n)
	srv := startFanoutServer(b, benchDBURL(b), *fanoutProfile)
	fx := srv.fixture(b)
	runFanout(b, "BenchmarkFanout", srv, n, func(n int) *fanoutHarness { return newFanoutHarness(srv, fx, n) })
}

// benchDBURL is the database -bench-db asks for: "" for SQLite, or a
// throwaway Postgres database.
func benchDBURL(b testing.TB) string {
	switch *fanoutDB {
	case "sqlite":
	case "postgres":
		return pgtest.Get(b).NewDatabase(b)
	default:
		b.Fatalf("-bench-db %q: want sqlite or postgres", *fanoutDB)
	}
	return ""
}

// runFanout measures a fan-out benchmark on srv, whose fixture is ready:
// memory per idle subscription with n subscribers of newHarness, then
// -fanout-rounds events each delivered to all of them (see
// BenchmarkFanout; BenchmarkPostAdded runs the same measurement on
// postAdded). name heads the printed report.
func runFanout(b *testing.B, name string, srv *fanoutServer, n int, newHarness func(n int) *fanoutHarness) {
	// One subscriber first, then gone: lazily built state (query caches,
	// pools, the first hub) belongs to the baseline, not to the connections.
	warm := newHarness(1)
	warm.connectAll(b)
	warm.waitAllLive(b)
	warm.closeAll()

	base := srv.settledMemory(b, memSettle)
	baseGo := srv.snapshot(b, "baseline")

	h := newHarness(n)
	start := time.Now()
	h.connectAll(b)
	connected := time.Since(start)
	probes := h.waitAllLive(b)
	live := time.Since(start)
	idle := srv.settledMemory(b, *fanoutIdle)
	idleGC := srv.lastGCTrace()
	idleGo := srv.snapshot(b, "idle")

	rounds := max(*fanoutRounds, b.N)
	srv.cpuProfile(b, "start")
	b.ResetTimer()
	results := make([]fanoutResult, rounds)
	for i := range results {
		// A pause first: each round is one event reaching an idle server,
		// not the tail of the previous round's work (or its GC).
		time.Sleep(roundPause)
		srvCPU, cliCPU, busy := srv.cpuTime(b), testserver.SelfCPUTime(b), machineBusy(b)
		results[i] = h.measure(b, fmt.Sprintf("fanout-%d", i+1), time.Minute)
		// Measured up to the last receipt: work trailing it is not counted.
		r := &results[i]
		r.serverCPU, r.clientCPU = srv.cpuTime(b)-srvCPU, testserver.SelfCPUTime(b)-cliCPU
		r.otherCPU = max(machineBusy(b)-busy-r.serverCPU-r.clientCPU, 0)
	}
	b.StopTimer()
	// A collection's gctrace line appears when it ends.
	time.Sleep(roundPause)
	cycles := srv.gcCycles()
	for i := range results {
		results[i].gc = gcOverlap(cycles, results[i].sent, results[i].sent.Add(results[i].span))
	}
	srv.cpuProfile(b, "stop")
	after := srv.memory(b)
	afterGo := srv.snapshot(b, "after")

	rep := fanoutReport{name: name, srv: srv, n: n, connected: connected, live: live, probes: probes,
		base: base, idle: idle, after: after, idleGC: idleGC, baseGo: baseGo, idleGo: idleGo, afterGo: afterGo,
		results: results, readers: h.readers.stats()}
	all := rep.pooled()
	p := func(ds []time.Duration, q float64) float64 { return testserver.Millis(testserver.Percentile(ds, q)) }
	b.ReportMetric(float64(all.span.Nanoseconds())/float64(rounds), "ns/op")
	b.ReportMetric(rep.perConn(), "KB/conn")
	b.ReportMetric(p(all.fromCommit, 0.50), "p50-ms")
	b.ReportMetric(p(all.fromCommit, 0.90), "p90-ms")
	b.ReportMetric(p(all.fromCommit, 0.99), "p99-ms")
	b.ReportMetric(p(all.fromCommit, 1), "max-ms")
	b.ReportMetric(p(all.fromSend, 0.99), "send-p99-ms")
	// Printed, not logged: go test keeps only the first ten lines of a
	// benchmark's log.
	rep.write(os.Stdout)
	if all.missed > 0 {
		b.Errorf("%d deliveries never arrived (a subscriber dropped or too slow); server log:\n%s", all.missed, srv.logTail())
	}
	if e := h.ended.Load(); e > 0 {
		b.Errorf("%d subscriptions ended during the benchmark; first: %s", e, h.firstEnd.Load())
	}
}

// fanoutReport is what one run of BenchmarkFanout found.
type fanoutReport struct {
	name                    string // the benchmark's
	srv                     *fanoutServer
	n, probes               int
	connected, live         time.Duration
	base, idle, after       memSample
	idleGC                  string
	baseGo, idleGo, afterGo *goMem // profile mode only
	results                 []fanoutResult
	readers                 string // how the clients read
}

// perConn is the server's RSS growth per idle connection, in KB.
func (r *fanoutReport) perConn() float64 { return float64(r.idle.rss-r.base.rss) / float64(r.n) }

// pooled merges the rounds; its span is the sum of theirs.
func (r *fanoutReport) pooled() fanoutResult {
	all := fanoutResult{webhook: "-"}
	for _, x := range r.results {
		all.fromCommit = append(all.fromCommit, x.fromCommit...)
		all.fromSend = append(all.fromSend, x.fromSend...)
		all.fromOK = append(all.fromOK, x.fromOK...)
		all.missed += x.missed
		all.serverCPU += x.serverCPU
		all.clientCPU += x.clientCPU
		all.otherCPU += x.otherCPU
		all.gc += x.gc
		all.span += x.span
	}
	return all
}

// write prints the report as text tables.
func (r *fanoutReport) write(w io.Writer) {
	var out strings.Builder
	n := r.n
	fmt.Fprintf(&out, "--- %s: server %s, database %s, %d subscribers on %d CPUs (clients in this process, server in pid %d)\n",
		r.name, r.srv.kind, *fanoutDB, n, runtime.NumCPU(), r.srv.cmd.Process.Pid)
	if *fanoutServerEnv != "" {
		fmt.Fprintf(&out, "server environment: %s\n", *fanoutServerEnv)
	}
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(&out, "load average at the end (1, 5, 15 min): %s\n", strings.Join(strings.Fields(string(load))[:3], " "))
	}
	fmt.Fprintf(&out, "connect+init+subscribe: %.1f s (%.0f conn/s); all live after %d probe(s), %.1f s from the first dial\n",
		r.connected.Seconds(), float64(n)/r.connected.Seconds(), r.probes, r.live.Seconds())
	fmt.Fprintf(&out, "server memory (median of %d samples, after %s idle; before connections after %s):\n", memSamples, *fanoutIdle, memSettle)
	fmt.Fprintf(&out, "  before connections  RSS %8.1f MB  PSS %8.1f MB\n", mb(r.base.rss), mb(r.base.pss))
	fmt.Fprintf(&out, "  %6d idle         RSS %8.1f MB  PSS %8.1f MB   => %.1f KB RSS/conn, %.1f KB PSS/conn\n",
		n, mb(r.idle.rss), mb(r.idle.pss), r.perConn(), float64(r.idle.pss-r.base.pss)/float64(n))
	fmt.Fprintf(&out, "  after %d rounds     RSS %8.1f MB\n", len(r.results), mb(r.after.rss))
	if r.idleGC != "" {
		fmt.Fprintf(&out, "  last GC before the idle sample (gctrace): %s\n", r.idleGC)
	}
	all := r.pooled()
	deliveries := float64(len(all.fromSend))
	if r.baseGo != nil {
		fmt.Fprintf(&out, "  Go runtime after runtime.GC(), per connection: heap in use %.1f KB, stacks %.1f KB, goroutines %.2f; Sys %.1f KB\n",
			kbPer(r.idleGo.HeapInuse, r.baseGo.HeapInuse, n), kbPer(r.idleGo.StackInuse, r.baseGo.StackInuse, n),
			float64(r.idleGo.Goroutines-r.baseGo.Goroutines)/float64(n), kbPer(r.idleGo.Sys, r.baseGo.Sys, n))
		fmt.Fprintf(&out, "  allocated per delivery during the rounds: %.1f KB in %.0f objects\n",
			float64(r.afterGo.TotalAlloc-r.idleGo.TotalAlloc)/1024/deliveries, float64(r.afterGo.Mallocs-r.idleGo.Mallocs)/deliveries)
		fmt.Fprintf(&out, "  profiles in %s (CPU figures include the heap profiler's sampling at 4 KB)\n", *fanoutProfile)
	}
	fmt.Fprintf(&out, "delivery latency in ms (commit: %s; send: from just before the request; 200: from its response):\n", r.srv.commitIs)
	p := func(ds []time.Duration, q float64) float64 { return testserver.Millis(testserver.Percentile(ds, q)) }
	tw := tabwriter.NewWriter(&out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "round\treceived\tcommit p50\tp90\tp99\tmax\tsend p99\tmax\t200 p99\twebhook\tCPU ms server\tclients\tother processes\tserver GC ms\t")
	row := func(name string, x fanoutResult) {
		fmt.Fprintf(tw, "%s\t%d/%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%s\t%.0f\t%.0f\t%.0f\t%.0f\t\n", name,
			len(x.fromSend), len(x.fromSend)+x.missed,
			p(x.fromCommit, 0.5), p(x.fromCommit, 0.9), p(x.fromCommit, 0.99), p(x.fromCommit, 1),
			p(x.fromSend, 0.99), p(x.fromSend, 1), p(x.fromOK, 0.99), x.webhook, testserver.Millis(x.serverCPU), testserver.Millis(x.clientCPU), testserver.Millis(x.otherCPU), testserver.Millis(x.gc))
	}
	for i, x := range r.results {
		row(strconv.Itoa(i+1), x)
	}
	row("all", all)
	_ = tw.Flush()
	fmt.Fprintf(&out, "clients: %s\n", r.readers)
	fmt.Fprintf(&out, "CPU per delivery: server %.0f µs, clients %.0f µs (both include the webhook and the wait for the last receipt)\n",
		float64(all.serverCPU.Microseconds())/deliveries, float64(all.clientCPU.Microseconds())/deliveries)
	_, _ = io.WriteString(w, out.String())
}

// Memory sampling: the server's RSS moves as its GC and scavenger run, so
// each figure is the median of several samples after a pause.
const (
	memSettle  = 3 * time.Second
	memSamples = 5
	roundPause = time.Second
)

// raiseNoFile lifts the soft open-files limit to the hard one. Setting it
// explicitly matters: Go raises its own soft limit at start-up but restores
// the original for child processes unless the program set it itself, and the
// server child needs one descriptor per connection too.
func raiseNoFile(b testing.TB, n int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatal(err)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatal(err)
	}
	if need := uint64(n) + 512; lim.Max < need {
		b.Fatalf("%d subscribers need about %d open files in this process and in the server, the hard limit (ulimit -Hn) is %d", n, need, lim.Max)
	}
}

// fanoutServer is the server under test, in its own process.
type fanoutServer struct {
	kind     string // "binary" or "test binary (profile mode)"
	url      string
	cmd      *exec.Cmd
	exited   chan struct{}
	logPath  string
	debugURL string // profile mode only
	issuer   *auth.Issuer
	hookKey  []byte
	seq      atomic.Int64 // distinct event times
	commitIs string       // what the report's commit time is
	started  time.Time    // gctrace times count from the process start, a little later
}

func startFanoutServer(b testing.TB, dbURL, profileDir string) *fanoutServer {
	dir, err := os.MkdirTemp("", "aftercart-fanout-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = os.RemoveAll(dir) })
	jwtKey, hookKey := []byte("fanout-benchmark-jwt-secret-0123456789abcdef"), []byte("fanout-benchmark-webhook-secret-0123456789")
	iss, err := auth.NewIssuer(jwtKey)
	if err != nil {
		b.Fatal(err)
	}
	s := &fanoutServer{kind: "binary", commitIs: "from the webhook's recordedAt", exited: make(chan struct{}), logPath: filepath.Join(dir, "server.log"), issuer: iss, hookKey: hookKey}
	args := []string{"-addr", "127.0.0.1:" + strconv.Itoa(freePort(b)), "-data-dir", filepath.Join(dir, "data")}
	if dbURL != "" {
		args = append(args, "-database-url", dbURL)
	}
	env := append(os.Environ(), auth.SecretEnv+"="+string(jwtKey), app.WebhookSecretEnv+"="+string(hookKey),
		"GODEBUG=gctrace=1", "DATABASE_URL=", "AFTERCART_DEV=", "AFTERCART_SEED=", "AFTERCART_SIMULATE_CARRIERS=")
	env = append(env, splitList(*fanoutServerEnv)...)
	var bin string
	if profileDir == "" {
		bin = filepath.Join(dir, "aftercart")
		build := testserver.GoBuild(bin, ".")
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
	} else {
		if err := os.MkdirAll(profileDir, 0o755); err != nil {
			b.Fatal(err)
		}
		abs, err := filepath.Abs(profileDir)
		if err != nil {
			b.Fatal(err)
		}
		debugAddr := "127.0.0.1:" + strconv.Itoa(freePort(b))
		s.kind, s.debugURL = "test binary (profile mode)", "http://"+debugAddr
		bin = os.Args[0]
		env = append(env, fanoutChildEnv+"="+abs, fanoutChildAddrEnv+"="+debugAddr)
	}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		b.Fatal(err)
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = env
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	s.started = time.Now()
	if err := s.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s.url = "http://" + args[1]
	go func() {
		_ = s.cmd.Wait()
		_ = logFile.Close()
		close(s.exited)
	}()
	b.Cleanup(s.stop)
	for deadline := time.Now().Add(time.Minute); ; {
		res, err := http.Get(s.url + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK && (s.debugURL == "" || s.debugUp()) {
				break
			}
		}
		select {
		case <-s.exited:
			b.Fatalf("the server exited at start-up:\n%s", s.logTail())
		default:
		}
		if time.Now().After(deadline) {
			b.Fatalf("the server did not answer /healthz within a minute:\n%s", s.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

func (s *fanoutServer) debugUp() bool {
	res, err := http.Get(s.debugURL + "/up")
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// stop asks the server to shut down and kills it if it takes too long.
func (s *fanoutServer) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

func (s *fanoutServer) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// gcCycle is one garbage collection of the server, from its gctrace line.
type gcCycle struct{ start, end time.Time }

// gctraceLine matches "gc 14 @15.737s 5%: 3.1+872+0.009 ms clock, ...": the
// start since the process began, then the wall time of the phases.
var gctraceLine = regexp.MustCompile(`^gc \d+ @([0-9.]+)s [0-9]+%: ([0-9.]+)\+([0-9.]+)\+([0-9.]+) ms clock`)

// gcCycles returns the server's collections so far (GODEBUG=gctrace=1).
func (s *fanoutServer) gcCycles() []gcCycle {
	data, _ := os.ReadFile(s.logPath)
	var out []gcCycle
	for line := range strings.SplitSeq(string(data), "\n") {
		m := gctraceLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var f [4]float64
		for i := range f {
			f[i], _ = strconv.ParseFloat(m[i+1], 64)
		}
		start := s.started.Add(time.Duration(f[0] * float64(time.Second)))
		out = append(out, gcCycle{start, start.Add(time.Duration((f[1] + f[2] + f[3]) * float64(time.Millisecond)))})
	}
	return out
}

// gcOverlap returns how long collections ran between from and to.
func gcOverlap(cycles []gcCycle, from, to time.Time) time.Duration {
	var d time.Duration
	for _, c := range cycles {
		start, end := c.start, c.end
		if start.Before(from) {
			start = from
		}
		if end.After(to) {
			end = to
		}
		if end.After(start) {
			d += end.Sub(start)
		}
	}
	return d
}

// lastGCTrace returns the server's most recent gctrace line (GODEBUG=gctrace=1).
func (s *fanoutServer) lastGCTrace() string {
	f, err := os.Open(s.logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	last := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "gc ") {
			last = line
		}
	}
	return last
}

func freePort(b testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// cpuTime returns the user plus system CPU time the server has used.
func (s *fanoutServer) cpuTime(b testing.TB) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		b.Fatalf("reading the server's CPU time: %v", err)
	}
	// Fields after the command name, which is in parentheses: state is
	// field 3, utime and stime are fields 14 and 15, in clock ticks.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / testserver.ClockTicks
}

// machineBusy returns the CPU time all processes have used (the non-idle
// time of every CPU, from /proc/stat), so that other work on the machine
// during a round shows.
func machineBusy(b testing.TB) time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		b.Fatal(err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	var ticks int64
	for i, v := range f[1:min(len(f), 9)] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / testserver.ClockTicks
}

// memSample is the server's memory as the kernel sees it, in KB.
type memSample struct{ rss, pss int64 }

// memory reads the server's Rss and Pss from /proc/<pid>/smaps_rollup.
func (s *fanoutServer) memory(b testing.TB) memSample {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", s.cmd.Process.Pid))
	if err != nil {
		b.Fatalf("reading the server's memory: %v", err)
	}
	var m memSample
	for line := range strings.SplitSeq(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "Rss:":
			m.rss = v
		case "Pss:":
			m.pss = v
		}
	}
	if m.rss == 0 {
		b.Fatalf("no Rss in smaps_rollup:\n%s", data)
	}
	return m
}

// settledMemory waits settle, then returns the median of memSamples
// samples half a second apart.
func (s *fanoutServer) settledMemory(b testing.TB, settle time.Duration) memSample {
	time.Sleep(settle)
	var rss, pss []int64
	for i := range memSamples {
		if i > 0 {
			time.Sleep(500 * time.Millisecond)
		}
		m := s.memory(b)
		rss, pss = append(rss, m.rss), append(pss, m.pss)
	}
	slices.Sort(rss)
	slices.Sort(pss)
	return memSample{rss: rss[len(rss)/2], pss: pss[len(pss)/2]}
}

// goMem is the Go runtime's view of the server, from the profile-mode child.
type goMem struct {
	HeapInuse, StackInuse, Sys uint64
	TotalAlloc, Mallocs        uint64
	Goroutines                 int
}

// snapshot, in profile mode, has the server collect garbage and write its
// heap and goroutine profiles under name; it returns nil otherwise.
func (s *fanoutServer) snapshot(b testing.TB, name string) *goMem {
	if s.debugURL == "" {
		return nil
	}
	res, err := http.Get(s.debugURL + "/snapshot?name=" + name)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var m goMem
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		b.Fatal(err)
	}
	return &m
}

// cpuProfile starts or stops the profile-mode server's CPU profile.
func (s *fanoutServer) cpuProfile(b testing.TB, action string) {
	if s.debugURL == "" {
		return
	}
	res, err := http.Post(s.debugURL+"/cpu?action="+action, "text/plain", nil)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b.Fatalf("cpu profile %s: %d %s", action, res.StatusCode, body)
	}
}

// fanoutFixture is the order everyone follows.
type fanoutFixture struct {
	orderID, tracking, customerToken string
}

// fixture imports an order and ships it through the API, as an integration would.
func (s *fanoutServer) fixture(b testing.TB) fanoutFixture {
	integration, err := s.issuer.Issue(auth.RoleIntegration, "", 2*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	// Subscribers follow one order, which only its customer and staff may
	// do, and a customer may hold only graph.MaxConnectionsPerViewer
	// sockets: the N subscribers use a staff token (uncapped). The cost of
	// a delivery is the same; the customer's per-push ownership check is
	// one comparison more.
	customer, err := s.issuer.Issue(auth.RoleAdmin, "", 6*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	var imported struct {
		ImportOrder struct{ Order testserver.ImportedOrder }
	}
	s.gql(b, integration, testserver.ImportOrderMutation, testserver.ImportOrderVars(testserver.OrderSpec{Email: "mina@example.com", Number: "FAN-1", Items: 2})).MustOK(b, &imported)
	o := imported.ImportOrder.Order
	tn := "JJDFAN00001"
	s.gql(b, integration, testserver.CreateShipmentMutation, map[string]any{"input": map[string]any{
		"orderId": o.ID, "carrier": "DHL", "trackingNumber": tn, "estimatedDeliveryAt": "2026-11-05T18:00:00Z",
		"items": []any{map[string]any{"orderItemId": o.Items[0].ID, "quantity": 1}},
	}}).MustOK(b, nil)
	return fanoutFixture{orderID: o.ID, tracking: tn, customerToken: customer}
}

func (s *fanoutServer) gql(b testing.TB, token, query string, vars map[string]any) *testserver.Response {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.url+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	out := &testserver.Response{Status: res.StatusCode}
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, out); err != nil {
		b.Fatalf("status %d, body %q: %v", res.StatusCode, raw, err)
	}
	return out
}

// record sends one tracking event through the signed webhook and returns
// when the request was sent, when the server committed it (the webhook's
// recordedAt, same machine and clock) and when its 200 arrived.
func (s *fanoutServer) record(b testing.TB, fx fanoutFixture, id string) (sent, committed, ok time.Time) {
	at := testserver.T0.Add(time.Duration(s.seq.Add(1)) * time.Minute)
	body := testserver.WebhookBody(b, "DHL", fx.tracking, testserver.Event(id, "IN_TRANSIT", at))
	req, _ := http.NewRequest(http.MethodPost, s.url+"/webhooks/tracking", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(tracking.SignatureHeader, tracking.Sign(s.hookKey, body))
	sent = time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	var out struct {
		RecordedAt time.Time `json:"recordedAt"`
	}
	err = json.NewDecoder(res.Body).Decode(&out)
	res.Body.Close()
	ok = time.Now()
	if res.StatusCode != http.StatusOK || err != nil || out.RecordedAt.IsZero() {
		b.Fatalf("webhook: status %d, recordedAt %v, %v", res.StatusCode, out.RecordedAt, err)
	}
	return sent, out.RecordedAt, ok
}

// fanoutHarness is N subscribers, each a websocket with one goroutine.
type fanoutHarness struct {
	srv *fanoutServer
	// trigger commits the event named id and returns when its request was
	// sent, when the server committed it and when its answer arrived;
	// marker is how the event shows in a subscriber's payload.
	trigger      func(b testing.TB, id string) (sent, committed, ok time.Time)
	marker       func(id string) []byte
	wsURL        string
	init, sub    []byte
	clients      []*benchConn
	round        atomic.Pointer[fanoutRound]
	ended        atomic.Int64 // subscriptions that completed or failed
	firstEnd     atomic.Value // string: the first such message
	closing      atomic.Bool
	readers      benchReaders // reads every subscriber's socket
	readerExited sync.WaitGroup
}

func newFanoutHarness(srv *fanoutServer, fx fanoutFixture, n int) *fanoutHarness {
	return &fanoutHarness{
		srv:     srv,
		trigger: func(b testing.TB, id string) (time.Time, time.Time, time.Time) { return srv.record(b, fx, id) },
		marker:  func(id string) []byte { return []byte(`"Event ` + id + `"`) },
		wsURL:   "ws" + strings.TrimPrefix(srv.url, "http") + "/query",
		init:    testserver.MustJSON(map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer " + fx.customerToken}}),
		sub:     testserver.MustJSON(testserver.WSMessage{ID: "1", Type: "subscribe", Payload: testserver.MustJSON(map[string]any{"query": testserver.ShipmentUpdatedSubscription, "variables": map[string]any{"orderId": fx.orderID}})}),
		clients: make([]*benchConn, n),
	}
}

// connectAll opens every connection (a few dozen handshakes at a time), each
// with connection_init and one subscribe.
func (h *fanoutHarness) connectAll(b testing.TB) {
	b.Cleanup(h.closeAll)
	if err := h.readers.start(h, len(h.clients)); err != nil {
		b.Fatalf("starting the readers: %v", err)
	}
	const parallel = 32
	var next atomic.Int64
	errc := make(chan error, parallel)
	for range parallel {
		go func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(h.clients) {
					errc <- nil
					return
				}
				if err := h.connect(i); err != nil {
					next.Store(int64(len(h.clients))) // stop the others
					errc <- fmt.Errorf("subscriber %d: %w", i, err)
					return
				}
			}
		}()
	}
	var first error
	for range parallel {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		b.Fatalf("connecting: %v\nserver log:\n%s", first, h.srv.logTail())
	}
}

var (
	msgAck  = []byte(`"type":"connection_ack"`)
	msgPing = []byte(`"type":"ping"`)
	msgNext = []byte(`"type":"next"`)
	msgPong = []byte(`{"type":"pong"}`)
	msgEnds = [][]byte{[]byte(`"type":"complete"`), []byte(`"type":"error"`)}
)

// benchConn is one subscriber's websocket, kept as lean as a client can be
// (gobwas/ws frames on the raw connection, one goroutine): the clients share
// the two CPUs with the server, so every microsecond they spend per message
// shows up in the measured latency.
type benchConn struct {
	nc  net.Conn
	r   io.Reader // buffered
	wmu sync.Mutex
	// fd is the socket once benchReaders took it from nc (Linux), else -1.
	fd int
}

// close closes the socket, whoever holds it.
func (c *benchConn) close() {
	if c.fd >= 0 {
		_ = syscall.Close(c.fd)
		return
	}
	_ = c.nc.Close()
}

func dialBench(ctx context.Context, url string) (*benchConn, error) {
	d := ws.Dialer{Protocols: []string{"graphql-transport-ws"}}
	nc, br, _, err := d.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	// Buffered, so that a message costs one read(2), not one for the
	// header and one for the payload.
	c := &benchConn{nc: nc, r: bufio.NewReaderSize(nc, 2<<10), fd: -1}
	if br != nil {
		c.r = br // holds bytes read past the handshake; 4 KB, also buffered
	}
	return c, nil
}

// write sends one masked text frame.
func (c *benchConn) write(p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return wsutil.WriteClientText(c.nc, p)
}

// readFrame reads one unfragmented server frame into buf (the server never
// fragments) and returns its opcode and payload.
func (c *benchConn) readFrame(buf []byte) (ws.OpCode, []byte, error) {
	h, err := ws.ReadHeader(c.r)
	if err != nil {
		return 0, nil, err
	}
	if h.Length > int64(len(buf)) {
		return 0, nil, fmt.Errorf("message of %d bytes is larger than the read buffer", h.Length)
	}
	data := buf[:h.Length]
	if _, err := io.ReadFull(c.r, data); err != nil {
		return 0, nil, err
	}
	return h.OpCode, data, nil
}

// readMessage is readFrame for the handshake, where a close is an error.
func (c *benchConn) readMessage(buf []byte) ([]byte, error) {
	op, data, err := c.readFrame(buf)
	if err == nil && op == ws.OpClose {
		code, reason := ws.ParseCloseFrameData(data)
		return nil, fmt.Errorf("closed by the server: %d %s", code, reason)
	}
	return data, err
}

func (h *fanoutHarness) connect(i int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := dialBench(ctx, h.wsURL)
	if err != nil {
		return err
	}
	h.clients[i] = conn
	if err := conn.write(h.init); err != nil {
		return err
	}
	buf := make([]byte, 4<<10)
	for {
		data, err := conn.readMessage(buf)
		if err != nil {
			return fmt.Errorf("waiting for connection_ack: %w", err)
		}
		if bytes.Contains(data, msgAck) {
			break
		}
		if !bytes.Contains(data, msgPing) {
			return fmt.Errorf("want connection_ack, got %s", data)
		}
		if err := conn.write(msgPong); err != nil {
			return err
		}
	}
	if err := conn.write(h.sub); err != nil {
		return err
	}
	return h.readers.add(h, i, conn)
}

// handle acts on one message the server sent subscriber i, which arrived
// at at: it timestamps the round's event and notes a subscription that
// ended. It reports whether the message is a ping to answer with a pong.
func (h *fanoutHarness) handle(i int, op ws.OpCode, data []byte, at time.Time) (ping bool) {
	switch {
	case op == ws.OpClose:
		code, reason := ws.ParseCloseFrameData(data)
		h.lost(i, fmt.Errorf("closed by the server: %d %s", code, reason))
	case op != ws.OpText:
		// websocket-level control frames: the server pings with
		// graphql-transport-ws messages instead.
	case bytes.Contains(data, msgNext):
		if rd := h.round.Load(); rd != nil && bytes.Contains(data, rd.marker) {
			rd.arrived(i, at)
		}
	case bytes.Contains(data, msgPing):
		return true
	case bytes.Contains(data, msgEnds[0]) || bytes.Contains(data, msgEnds[1]):
		h.ended.Add(1)
		h.firstEnd.CompareAndSwap(nil, fmt.Sprintf("subscriber %d: %s", i, data))
	}
	return false
}

// lost notes that subscriber i's connection failed, unless the harness is
// closing it.
func (h *fanoutHarness) lost(i int, err error) {
	if !h.closing.Load() {
		h.ended.Add(1)
		h.firstEnd.CompareAndSwap(nil, fmt.Sprintf("subscriber %d: read: %v", i, err))
	}
}

// closeAll closes every connection without waiting for close handshakes.
func (h *fanoutHarness) closeAll() {
	if h.closing.Swap(true) {
		return
	}
	h.readers.stop()
	for _, c := range h.clients {
		if c != nil {
			c.close()
		}
	}
	h.readerExited.Wait()
}

// fanoutRound collects one event's arrivals.
type fanoutRound struct {
	marker []byte // the event's message, as the payload carries it
	at     []atomic.Int64
	want   int64
	got    atomic.Int64
	done   chan struct{}
}

func (r *fanoutRound) arrived(i int, at time.Time) {
	if r.at[i].CompareAndSwap(0, at.UnixNano()) && r.got.Add(1) == r.want {
		close(r.done)
	}
}

// fanoutResult is one round's latencies.
type fanoutResult struct {
	fromCommit, fromSend, fromOK []time.Duration
	missed                       int
	span                         time.Duration // send to last receipt
	webhook                      string        // the webhook's round trip
	sent                         time.Time
	// CPU time the server, this process (the clients) and every other
	// process on the machine used from just before the send to the last
	// receipt, and how much of that time the server was collecting garbage
	// (wall clock).
	serverCPU, clientCPU, otherCPU, gc time.Duration
}

// publish records event id and waits up to timeout for every subscriber to
// receive it.
func (h *fanoutHarness) publish(b testing.TB, id string, timeout time.Duration) (r *fanoutRound, sent, committed, ok time.Time) {
	r = &fanoutRound{marker: h.marker(id), at: make([]atomic.Int64, len(h.clients)), want: int64(len(h.clients)), done: make(chan struct{})}
	h.round.Store(r)
	defer h.round.Store(nil)
	sent, committed, ok = h.trigger(b, id)
	select {
	case <-r.done:
	case <-time.After(timeout):
	}
	return r, sent, committed, ok
}

// waitAllLive records probes until one reaches every subscriber: the
// protocol has no "subscribed" message, and a live-only stream misses what
// commits before it joins. It returns the number of probes.
func (h *fanoutHarness) waitAllLive(b testing.TB) int {
	for i := 1; ; i++ {
		r, _, _, _ := h.publish(b, fmt.Sprintf("probe-%d-%d", len(h.clients), i), 3*time.Second+time.Duration(len(h.clients))*300*time.Microsecond)
		got := r.got.Load()
		if got == r.want {
			return i
		}
		if e := h.ended.Load(); e > 0 {
			b.Fatalf("%d subscriptions ended while connecting; first: %s\nserver log:\n%s", e, h.firstEnd.Load(), h.srv.logTail())
		}
		if i == 20 {
			b.Fatalf("after %d probes only %d of %d subscribers receive events\nserver log:\n%s", i, got, r.want, h.srv.logTail())
		}
	}
}

// measure fans one event out to everyone and returns the latencies.
func (h *fanoutHarness) measure(b testing.TB, id string, timeout time.Duration) fanoutResult {
	r, sent, committed, ok := h.publish(b, id, timeout)
	res := fanoutResult{sent: sent, webhook: fmt.Sprintf("%.1f ms", testserver.Millis(ok.Sub(sent)))}
	var last int64
	for i := range r.at {
		at := r.at[i].Load()
		if at == 0 {
			res.missed++
			continue
		}
		last = max(last, at)
		res.fromCommit = append(res.fromCommit, time.Duration(at-committed.UnixNano()))
		res.fromSend = append(res.fromSend, time.Duration(at-sent.UnixNano()))
		res.fromOK = append(res.fromOK, time.Duration(at-ok.UnixNano()))
	}
	if last > 0 {
		res.span = time.Duration(last - sent.UnixNano())
	}
	return res
}

func mb(kb int64) float64 { return float64(kb) / 1024 }

// kbPer returns (after-before)/n in KB; the difference may be negative.
func kbPer(after, before uint64, n int) float64 {
	return float64(int64(after)-int64(before)) / 1024 / float64(n)
}

// fanoutChild runs the server inside the test binary, for profile mode: the
// same Main as the built binary, plus a loopback port (debugAddr) with
// /snapshot (GC, then heap and goroutine profiles written to dir and the
// runtime's memory figures returned) and /cpu?action=start|stop.
func fanoutChild(dir, debugAddr string, args []string) int {
	// Sample every 4 KB allocated rather than every 512 KB, so that the
	// heap profile attributes per-connection objects precisely.
	runtime.MemProfileRate = 4096
	m := NewMain()
	if err := m.ParseFlags(args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := m.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		return 1
	}
	ln, err := net.Listen("tcp", debugAddr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "debug listener:", err)
		return 1
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/up", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/snapshot", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		runtime.GC()
		var st, after runtime.MemStats
		runtime.ReadMemStats(&st)
		g := runtime.NumGoroutine()
		for file, write := range map[string]func(io.Writer) error{
			"heap-" + name + ".pprof":     func(w io.Writer) error { return pprof.Lookup("heap").WriteTo(w, 0) },
			"goroutines-" + name + ".txt": func(w io.Writer) error { return pprof.Lookup("goroutine").WriteTo(w, 1) },
		} {
			if err := writeFile(filepath.Join(dir, file), write); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		// Allocation counters after writing the profiles, so that the
		// next snapshot's difference leaves out what writing them took.
		runtime.ReadMemStats(&after)
		_ = json.NewEncoder(w).Encode(goMem{HeapInuse: st.HeapInuse, StackInuse: st.StackInuse, Sys: st.Sys,
			TotalAlloc: after.TotalAlloc, Mallocs: after.Mallocs, Goroutines: g})
	})
	var cpu *os.File
	mux.HandleFunc("POST /cpu", func(w http.ResponseWriter, r *http.Request) {
		var err error
		switch r.URL.Query().Get("action") {
		case "start":
			if cpu, err = os.Create(filepath.Join(dir, "cpu-fanout.pprof")); err == nil {
				err = pprof.StartCPUProfile(cpu)
			}
		case "stop":
			pprof.StopCPUProfile()
			if cpu != nil {
				err = cpu.Close()
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	go func() { _ = http.Serve(ln, mux) }()
	<-ctx.Done()
	_ = ln.Close()
	if err := m.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "close:", err)
		return 1
	}
	return 0
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
