package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/aftercart/aftercart/graph/validationtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// BenchmarkAbusiveValidation measures what issue 8, item 1 asks of a server
// (built and run as its own process, SQLite) facing documents made to be
// expensive to validate (graph/validationtest), sent without a token:
//
//   - per shape: the server's CPU time per request (from /proc, over
//     -abusive-requests sequential requests) and the client-observed p50;
//   - 100 clients each sending one abusive document at once (the issue's
//     shapes in turn), -abusive-bursts times: the server's RSS growth (peak
//     while the bursts run, and settled after, against the settled baseline)
//     and the p50/p99 of a normal OrderStatus query sent every 10 ms
//     meanwhile.
//
// The figures go to graph/VALIDATION_BENCHMARKS.md. Run it with:
//
//	go test ./server/ -run '^$' -bench BenchmarkAbusiveValidation -benchtime 1x -timeout 20m
func BenchmarkAbusiveValidation(b *testing.B) {
	srv := startFanoutServer(b, "", "")
	// Order FAN-1, asked for with a staff token: one client sending
	// OrderStatus every 10 ms spends more than a customer's budget.
	staff := srv.fixture(b).customerToken
	orderStatus := func() time.Duration {
		start := time.Now()
		srv.gql(b, staff, testserver.OrderStatusQuery, map[string]any{"number": "FAN-1"}).MustOK(b, nil)
		return time.Since(start)
	}
	for range 20 {
		orderStatus() // warm
	}

	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "shape\tKB\tstatus\tserver CPU ms/request\tclient p50 ms\t")
	shapes := validationtest.Shapes()
	for _, s := range shapes {
		testserver.PostQuery(b, srv.url, s)
		cpu0 := srv.cpuTime(b)
		var lat []time.Duration
		status := 0
		for range *abusiveRequests {
			start := time.Now()
			status, _ = testserver.PostQuery(b, srv.url, s)
			lat = append(lat, time.Since(start))
		}
		cpu := srv.cpuTime(b) - cpu0
		fmt.Fprintf(w, "%s\t%.1f\t%d\t%.2f\t%.2f\t\n", s.Name, float64(len(s.Query))/1024, status,
			testserver.Millis(cpu)/float64(*abusiveRequests), testserver.Millis(testserver.Percentile(lat, 0.5)))
	}
	w.Flush()

	var issue []validationtest.Shape
	for _, s := range shapes {
		if s.Issue {
			issue = append(issue, s)
		}
	}
	base := srv.settledMemory(b, memSettle)
	var normal []time.Duration
	for range 100 {
		normal = append(normal, orderStatus())
		time.Sleep(10 * time.Millisecond)
	}
	quietP50, quietP99 := testserver.Percentile(normal, 0.5), testserver.Percentile(normal, 0.99)

	var (
		peak    memSample
		done    = make(chan struct{})
		sampled sync.WaitGroup
	)
	sampled.Add(1)
	go func() { // peak RSS while the bursts run
		defer sampled.Done()
		for {
			if m := srv.memory(b); m.rss > peak.rss {
				peak = m
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	var during []time.Duration
	probeDone := make(chan struct{})
	go func() { // OrderStatus every 10 ms while the bursts run
		defer close(probeDone)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			during = append(during, orderStatus())
		}
	}()
	cpu0 := srv.cpuTime(b)
	start := time.Now()
	const clients = 100
	// Bodies encoded once, and connections kept between bursts, so that
	// the clients (on the same two cores) take as little CPU as they can.
	bodies := make([][]byte, len(issue))
	for i, s := range issue {
		bodies[i], _ = json.Marshal(map[string]any{"query": s.Query})
	}
	attackers := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	for burst := range *abusiveBursts {
		var wg sync.WaitGroup
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := attackers.Post(srv.url+"/query", "application/json", bytes.NewReader(bodies[(burst+c)%len(bodies)]))
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}()
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	cpu := srv.cpuTime(b) - cpu0
	close(done)
	sampled.Wait()
	<-probeDone
	after := srv.settledMemory(b, memSettle)
	slices.Sort(during)

	fmt.Printf("\n%d bursts of %d parallel abusive requests (issue 8's shapes in turn) in %v, server CPU %v (%.2f ms per request)\n",
		*abusiveBursts, clients, elapsed.Round(time.Millisecond), cpu, testserver.Millis(cpu)/float64(*abusiveBursts*clients))
	fmt.Printf("server RSS: baseline %.1f MB, peak during the bursts %.1f MB (+%.1f MB), settled after %.1f MB (+%.1f MB)\n",
		mb(base.rss), mb(peak.rss), mb(peak.rss-base.rss), mb(after.rss), mb(after.rss-base.rss))
	fmt.Printf("OrderStatus alone: p50 %.2f ms, p99 %.2f ms (100 requests)\n", testserver.Millis(quietP50), testserver.Millis(quietP99))
	fmt.Printf("OrderStatus during the bursts: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d requests)\n",
		testserver.Millis(testserver.Percentile(during, 0.5)), testserver.Millis(testserver.Percentile(during, 0.99)), testserver.Millis(during[len(during)-1]), len(during))
	b.ReportMetric(mb(peak.rss-base.rss), "peak-MB")
	b.ReportMetric(testserver.Millis(testserver.Percentile(during, 0.99)), "orderstatus-p99-ms")
}

// Flags of BenchmarkAbusiveValidation.
var (
	abusiveRequests = flag.Int("abusive-requests", 20, "BenchmarkAbusiveValidation: sequential requests per shape")
	abusiveBursts   = flag.Int("abusive-bursts", 30, "BenchmarkAbusiveValidation: bursts of 100 parallel abusive requests")
)
