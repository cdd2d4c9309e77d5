package orders_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"runtime/metrics"
	"syscall"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/demo"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// goBenchDump, when set, makes BenchmarkOrderStatusHandler write each
// case's response body to <dir>/<case>.json, so that the responses of two
// commits can be compared byte for byte (the demo data is seeded at a fixed
// time, so the bodies do not depend on when the benchmark ran within a day).
var goBenchDump = flag.String("gobench-dump", "",
	"BenchmarkOrderStatusHandler: write each case's response body to this directory")

// BenchmarkOrderStatusHandler measures the Go side of one OrderStatus
// request: the README's operation for the demo order AC-1001, served by
// the real server's whole handler chain (request log, CORS, token
// verification, gqlgen, ent, the embedded SQLite with the demo data) in
// this process, without a network in between. It reports ns/op, B/op,
// allocs/op, cpu-ns/op, gc-cpu-ns/op and gc/kop (see goBenchCPU) for an
// ADMIN token and for the demo customer's token (which adds the privacy
// rules' ownership checks), one request at a time and, for the "parallel"
// cases, from 2×GOMAXPROCS goroutines at once.
//
// The request log writes JSON to io.Discard: its formatting is counted,
// the terminal is not. The per-client cost budget is raised so that the
// loop is never throttled, and no statement hook is installed. Figures:
// server/orders/GO_BENCHMARKS.md. Run it with, for example:
//
//	go test ./server/orders/ -run '^$' -bench BenchmarkOrderStatusHandler -benchtime 2s -count 6
func BenchmarkOrderStatusHandler(b *testing.B) {
	s := mustServerLog(b, "", slog.New(slog.NewJSONHandler(io.Discard, nil)), func(c *app.Config) {
		c.ViewerBurst = math.MaxInt32
		c.ViewerPerSecond = math.MaxInt32
		// The test harness counts statements through ent's debug driver,
		// which formats every statement: production has no such hook.
		c.OnStatement = nil
	})
	// Seeded at a fixed time of the day (Seed wants a time near the wall
	// clock), so that responses are comparable between runs.
	if err := demo.Seed(context.Background(), s.DB, s.Orders, s.Tracking, time.Now().UTC().Truncate(24*time.Hour)); err != nil {
		b.Fatal(err)
	}
	body, err := json.Marshal(map[string]any{"query": testserver.ReadmeOrderStatusQuery(b), "variables": map[string]any{"number": demo.InTransitOrderNumber}})
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	cases := []struct{ name, token string }{
		{"admin", s.Token(b, auth.RoleAdmin, "")},
		{"customer", s.Token(b, auth.RoleCustomer, demo.DemoCustomerEmail)},
	}
	for _, c := range cases {
		goBenchCheck(b, c.name, goBenchServe(b, h, body, c.token))
		b.Run(c.name, func(b *testing.B) {
			w := newGoBenchWriter()
			b.ReportAllocs()
			cpu := startGoBenchCPU(b)
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, goBenchRequest(body, c.token))
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
			}
			cpu.report(b)
		})
		b.Run(c.name+"-parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(2)
			cpu := startGoBenchCPU(b)
			b.RunParallel(func(pb *testing.PB) {
				w := newGoBenchWriter()
				for pb.Next() {
					w.reset()
					h.ServeHTTP(w, goBenchRequest(body, c.token))
					if w.status != http.StatusOK {
						b.Errorf("status %d", w.status)
						return
					}
				}
			})
			cpu.report(b)
		})
	}
}

// goBenchCPU measures the process's CPU time over a benchmark loop: on a
// machine shared with other work, CPU per request moves much less than
// wall time per request, and it is what the Go budget is counted
// in. GC's share comes from the runtime's own estimate.
type goBenchCPU struct {
	cpu, gc time.Duration
	gcs     uint32
}

func startGoBenchCPU(b *testing.B) goBenchCPU {
	c := goBenchCPU{}
	c.cpu, c.gc, c.gcs = goBenchCPUTimes(b)
	return c
}

// report adds cpu-ns/op (user+system time of the whole process: every
// goroutine, the GC included), gc-cpu-ns/op and gc/kop (collections per
// 1,000 requests).
func (c goBenchCPU) report(b *testing.B) {
	cpu, gc, gcs := goBenchCPUTimes(b)
	n := float64(b.N)
	b.ReportMetric(float64(cpu-c.cpu)/n, "cpu-ns/op")
	b.ReportMetric(float64(gc-c.gc)/n, "gc-cpu-ns/op")
	b.ReportMetric(float64(gcs-c.gcs)*1000/n, "gc/kop")
}

func goBenchCPUTimes(b *testing.B) (cpu, gc time.Duration, gcs uint32) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	gc = time.Duration(s[0].Value.Float64() * float64(time.Second))
	return cpu, gc, uint32(s[1].Value.Uint64())
}

// goBenchRequest is one POST /query as a client sends it.
func goBenchRequest(body []byte, token string) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/query", bytes.NewReader(body))
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

// goBenchServe serves one request and returns its body.
func goBenchServe(b *testing.B, h http.Handler, body []byte, token string) []byte {
	b.Helper()
	w := newGoBenchWriter()
	w.keep = true
	h.ServeHTTP(w, goBenchRequest(body, token))
	if w.status != http.StatusOK {
		b.Fatalf("status %d: %s", w.status, w.body.Bytes())
	}
	return w.body.Bytes()
}

// goBenchCheck fails unless raw is the demo order with real
// data and no errors, and writes it to -gobench-dump when set.
func goBenchCheck(b *testing.B, name string, raw []byte) {
	b.Helper()
	var res testserver.Response
	var data testserver.OrderStatus
	if err := json.Unmarshal(raw, &res); err != nil {
		b.Fatalf("%s: %v: %s", name, err, raw)
	}
	if err := json.Unmarshal(res.Data, &data); err != nil {
		b.Fatalf("%s: %v: %s", name, err, raw)
	}
	o := data.Order
	if len(res.Errors) > 0 || o == nil || o.Number != demo.InTransitOrderNumber || len(o.Items) == 0 ||
		len(o.Shipments) == 0 || len(o.Shipments[0].Events.Edges) == 0 {
		b.Fatalf("%s: not the demo order with its shipments and events: %s", name, raw)
	}
	if *goBenchDump != "" {
		if err := os.MkdirAll(*goBenchDump, 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(*goBenchDump+"/"+name+".json", raw, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// goBenchWriter is a reusable http.ResponseWriter that keeps the status and,
// when asked, the body: httptest.ResponseRecorder would add its own
// allocations to every request measured.
type goBenchWriter struct {
	header http.Header
	status int
	keep   bool
	body   bytes.Buffer
}

func newGoBenchWriter() *goBenchWriter { return &goBenchWriter{header: http.Header{}} }

func (w *goBenchWriter) reset() {
	clear(w.header)
	w.status = 0
}

func (w *goBenchWriter) Header() http.Header { return w.header }

func (w *goBenchWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *goBenchWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.keep {
		w.body.Write(p)
	}
	return len(p), nil
}
