package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/pgtest"
)

// BenchmarkOrderStatusDB compares database settings (the pool, the
// statement cache) on the README's OrderStatus query, through the real HTTP
// server running in this process, on SQLite and on a throwaway Postgres.
// Each variant runs -dbbench-rounds times, interleaved with the others, so a
// machine shared with other work slows them alike; compare variants within
// one run, never across runs. It prints req/s, p50 and p99 per round and
// reports the median round's req/s.
//
//	go test ./server -run '^$' -bench BenchmarkOrderStatusDB -benchtime 1x
//
// Clients and server share the CPUs: the figures are for comparing
// variants, not for the targets (see the repository's OrderStatus
// benchmark for those).
func BenchmarkOrderStatusDB(b *testing.B) {
	query, err := os.ReadFile(filepath.Join(webDemoDir, "src", "graphiql", "OrderStatus.graphql"))
	if err != nil {
		b.Fatal(err)
	}
	for _, dbName := range []string{"sqlite", "postgres"} {
		b.Run(dbName, func(b *testing.B) {
			url := ""
			if dbName == "postgres" {
				url = benchPostgres(b)
			}
			variants := dbBenchVariants()
			servers := make([]*orderStatusTarget, len(variants))
			for i, v := range variants {
				// On Postgres the variants share one database (seeding is
				// idempotent); on SQLite each has its own file.
				servers[i] = newOrderStatusTarget(b, url, v.configure, string(query))
			}
			for _, c := range []int{8, 64} {
				results := make([][]loadResult, len(variants))
				for round := range *dbBenchRounds {
					for i, v := range variants {
						r := servers[i].load(b, c, *dbBenchDuration)
						results[i] = append(results[i], r)
						fmt.Printf("%s c=%d %-28s round %d: %7.0f req/s  p50 %6.2f ms  p99 %6.2f ms\n",
							dbName, c, v.name, round+1, r.rps, ms(r.p50), ms(r.p99))
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
	configure func(*Config)
}

// dbBenchVariants are the configurations compared.
func dbBenchVariants() []dbBenchVariant {
	return []dbBenchVariant{
		{"default", func(*Config) {}},
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

func newOrderStatusTarget(b *testing.B, url string, configure func(*Config), query string) *orderStatusTarget {
	b.Helper()
	// A request log line per request would measure the test log.
	s := mustServerLog(b, url, slog.New(slog.DiscardHandler), func(c *Config) {
		// The per-client budget is not what is measured here.
		c.ViewerBurst, c.ViewerPerSecond = 1<<30, 1<<30
		configure(c)
	})
	t := &orderStatusTarget{s: s, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	for i := range dbBenchOrders {
		number := fmt.Sprintf("BENCH-%03d", i)
		t.numbers = append(t.numbers, number)
		{
			o := s.mustImport(b, orderSpec{email: fmt.Sprintf("c%d@example.com", i), number: number, items: 4})
			for k := range 2 {
				tn := fmt.Sprintf("%s-%d", number, k)
				s.mustShip(b, o.ID, "DHL", tn, map[string]any{"orderItemId": o.Items[k].ID, "quantity": o.Items[k].Quantity})
				var evs []map[string]any
				for e := range 25 {
					evs = append(evs, event(fmt.Sprintf("%s-e%d", tn, e), "IN_TRANSIT", time.Date(2026, 11, 2, 0, e, 0, 0, time.UTC)))
				}
				s.mustTrack(b, "DHL", tn, evs...)
			}
		}
		body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"number": number}})
		t.body = append(t.body, body)
	}
	t.tokens = []string{s.token(b, auth.RoleAdmin, "")}
	return t
}

// loadResult is one round's throughput and latency.
type loadResult struct {
	rps      float64
	p50, p99 time.Duration
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
	slices.Sort(lat)
	return loadResult{rps: float64(len(lat)) / elapsed.Seconds(), p50: percentile(lat, 0.5), p99: percentile(lat, 0.99)}
}
