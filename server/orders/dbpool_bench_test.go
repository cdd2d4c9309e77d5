package orders_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// BenchmarkOrderStatusDB compares database settings (the pool, the
// statement cache) on the README's OrderStatus query, through the real HTTP
// server running in this process, on SQLite and on a throwaway Postgres.
// Each variant runs -dbbench-rounds times, interleaved with the others, so a
// machine shared with other work slows them alike; compare variants within
// one run, never across runs. It prints req/s, p50 and p99 per round and
// reports the median round's req/s.
//
//	go test ./server/orders/ -run '^$' -bench BenchmarkOrderStatusDB -benchtime 1x
//
// Clients and server share the CPUs: the figures are for comparing
// variants, not for the targets (see the repository's OrderStatus
// benchmark for those).
func BenchmarkOrderStatusDB(b *testing.B) {
	query := testserver.ReadmeOrderStatusQuery(b)
	for _, dbName := range []string{"sqlite", "postgres"} {
		b.Run(dbName, func(b *testing.B) {
			url := ""
			if dbName == "postgres" {
				url = benchPostgres(b)
			}
			variants := dbBenchVariants(dbName)
			servers := make([]*orderStatusTarget, len(variants))
			for i, v := range variants {
				// On Postgres the variants share one database (seeding is
				// idempotent); on SQLite each has its own file.
				servers[i] = newOrderStatusTarget(b, url, v.configure, query)
			}
			for _, c := range []int{8, 64} {
				results := make([][]loadResult, len(variants))
				for round := range *dbBenchRounds {
					for i, v := range variants {
						r := servers[i].load(b, c, *dbBenchDuration)
						results[i] = append(results[i], r)
						fmt.Printf("%s c=%-2d %-18s round %d: %6.0f req/s  p50 %6.2f ms  p99 %7.2f ms  CPU/req: Go %4.0f µs, Postgres %4.0f µs  connections closed %d\n",
							dbName, c, v.name, round+1, r.rps, testserver.Millis(r.p50), testserver.Millis(r.p99), r.goCPU, r.pgCPU, r.closed)
					}
				}
				for i, v := range variants {
					rps := make([]float64, len(results[i]))
					for j, r := range results[i] {
						rps[j] = r.rps
					}
					slices.Sort(rps)
					b.ReportMetric(rps[len(rps)/2], fmt.Sprintf("req/s-c%d-%s", c, v.name))
				}
			}
		})
	}
}

// Flags of BenchmarkOrderStatusDB.
var (
	dbBenchRounds   = flag.Int("dbbench-rounds", 3, "BenchmarkOrderStatusDB: rounds per variant, interleaved")
	dbBenchDuration = flag.Duration("dbbench-duration", 5*time.Second, "BenchmarkOrderStatusDB: length of one round")
)

// dbBenchVariant is one configuration BenchmarkOrderStatusDB measures.
type dbBenchVariant struct {
	name      string
	configure func(*app.Config)
}

// dbBenchVariants are the configurations compared: the defaults, each of
// the pool and the statement cache alone, and neither (the pool as it was
// before they were configurable: 20 open / 10 idle on Postgres; on SQLite
// database/sql's defaults, no limit and 2 idle).
func dbBenchVariants(dbName string) []dbBenchVariant {
	old := db.Pool{MaxOpen: 20, MaxIdle: 10, MaxIdleTime: 5 * time.Minute, MaxLifetime: -1}
	if dbName == "sqlite" {
		old = db.Pool{MaxOpen: 1 << 20, MaxIdle: 2, MaxIdleTime: -1, MaxLifetime: -1}
	}
	return []dbBenchVariant{
		{"old-pool,no-cache", func(c *app.Config) { c.DBPool, c.DBStatementCache = old, -1 }},
		{"old-pool,cache", func(c *app.Config) { c.DBPool = old }},
		{"new-pool,no-cache", func(c *app.Config) { c.DBStatementCache = -1 }},
		{"new-pool,cache", func(*app.Config) {}},
	}
}

// benchPostgres returns a database on a throwaway cluster.
func benchPostgres(b *testing.B) string {
	b.Helper()
	return pgtest.Get(b).NewDatabase(b)
}

// orderStatusTarget is a server with orders to read and the tokens to read
// them with.
type orderStatusTarget struct {
	s       *testServer
	body    [][]byte // one request body per order
	tokens  []string // the admin token (the bench reads as staff)
	client  *http.Client
	numbers []string
}

// dbBenchOrders is how many orders the benchmark reads (round-robin).
const dbBenchOrders = 20

func newOrderStatusTarget(b *testing.B, url string, configure func(*app.Config), query string) *orderStatusTarget {
	b.Helper()
	// A request log line per request would measure the test log.
	s := mustServerLog(b, url, slog.New(slog.DiscardHandler), func(c *app.Config) {
		// The per-client budget is not what is measured here.
		c.ViewerBurst, c.ViewerPerSecond = 1<<30, 1<<30
		configure(c)
	})
	t := &orderStatusTarget{s: s, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	for i := range dbBenchOrders {
		number := fmt.Sprintf("BENCH-%03d", i)
		t.numbers = append(t.numbers, number)
		{
			o := s.MustImport(b, testserver.OrderSpec{Email: fmt.Sprintf("c%d@example.com", i), Number: number, Items: 4})
			for k := range 2 {
				tn := fmt.Sprintf("%s-%d", number, k)
				s.MustShip(b, o.ID, "DHL", tn, map[string]any{"orderItemId": o.Items[k].ID, "quantity": o.Items[k].Quantity})
				var evs []map[string]any
				for e := range 25 {
					evs = append(evs, testserver.Event(fmt.Sprintf("%s-e%d", tn, e), "IN_TRANSIT", time.Date(2026, 11, 2, 0, e, 0, 0, time.UTC)))
				}
				s.MustTrack(b, "DHL", tn, evs...)
			}
		}
		body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"number": number}})
		t.body = append(t.body, body)
	}
	t.tokens = []string{s.Token(b, auth.RoleAdmin, "")}
	return t
}

// loadResult is one round's throughput and latency, and the CPU time per
// request of this process (server and clients) and of the Postgres
// cluster, in µs: CPU time is less disturbed than throughput by other work
// on a shared machine. closed counts the connections the pool closed.
type loadResult struct {
	rps          float64
	p50, p99     time.Duration
	goCPU, pgCPU float64
	closed       int64
}

// load runs c clients for d, each sending OrderStatus back to back, and
// checks every answer holds an order.
func (t *orderStatusTarget) load(b *testing.B, c int, d time.Duration) loadResult {
	b.Helper()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		lat      []time.Duration
		failures atomic.Int64
		firstErr atomic.Value
	)
	pg0, go0, st0 := t.pgCPU(b), testserver.SelfCPUTime(b), t.s.DB.SQL.Stats()
	deadline := time.Now().Add(d)
	start := time.Now()
	for g := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := g; time.Now().Before(deadline); i++ {
				req, _ := http.NewRequest(http.MethodPost, t.s.URL()+"/query", bytes.NewReader(t.body[i%len(t.body)]))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+t.tokens[0])
				t0 := time.Now()
				res, err := t.client.Do(req)
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				raw, _ := io.ReadAll(res.Body)
				res.Body.Close()
				mine = append(mine, time.Since(t0))
				if res.StatusCode != http.StatusOK || !bytes.Contains(raw, []byte(`"number":"BENCH-`)) || bytes.Contains(raw, []byte(`"errors"`)) {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, string(raw))
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d failed requests; first: %v", n, firstErr.Load())
	}
	pg1, go1, st1 := t.pgCPU(b), testserver.SelfCPUTime(b), t.s.DB.SQL.Stats()
	n := float64(len(lat))
	slices.Sort(lat)
	return loadResult{
		rps: n / elapsed.Seconds(), p50: testserver.Percentile(lat, 0.5), p99: testserver.Percentile(lat, 0.99),
		goCPU: float64((go1 - go0).Microseconds()) / n, pgCPU: float64((pg1 - pg0).Microseconds()) / n,
		closed: (st1.MaxIdleClosed + st1.MaxIdleTimeClosed + st1.MaxLifetimeClosed) - (st0.MaxIdleClosed + st0.MaxIdleTimeClosed + st0.MaxLifetimeClosed),
	}
}

// pgCPU returns the CPU time the Postgres cluster has used: the
// postmaster's own and that of its children, live (utime, stime) and ended
// (cutime, cstime, which the postmaster collects when it reaps them), so
// that sessions closed during a round still count. Zero on SQLite.
func (t *orderStatusTarget) pgCPU(b *testing.B) time.Duration {
	if t.s.DB.Dialect != "postgres" {
		return 0
	}
	var backend int
	if err := t.s.DB.SQL.QueryRowContext(b.Context(), "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		b.Fatal(err)
	}
	stat := func(pid int) []string {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return nil
		}
		// Fields after the command name: ppid is the 2nd, utime, stime,
		// cutime and cstime the 12th to 15th.
		return strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	}
	num := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
	f := stat(backend)
	if f == nil {
		b.Fatal("no /proc entry for the Postgres backend")
	}
	postmaster := int(num(f[1]))
	f = stat(postmaster)
	ticks := num(f[11]) + num(f[12]) + num(f[13]) + num(f[14])
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f := stat(pid); f != nil && int(num(f[1])) == postmaster {
			ticks += num(f[11]) + num(f[12])
		}
	}
	return time.Duration(ticks) * time.Second / testserver.ClockTicks
}
