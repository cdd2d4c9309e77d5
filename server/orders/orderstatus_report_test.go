package orders_test

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
)

// osReport is what one run of BenchmarkOrderStatus measured.
type osReport struct {
	env    *osEnv
	lo, hi int // lowest and highest concurrency
	runs   []osRun
}

// osRow summarizes one variant at one concurrency over the rounds: medians,
// with each round's req/s kept to show the spread.
type osRow struct {
	variant                 string
	conns, n                int
	rps                     float64
	rounds                  []float64
	p50, p99                time.Duration
	ceiling                 float64 // median of the per-round ratios to the ceiling's req/s; 0 if none
	server, pg, wrk, others float64 // µs of CPU per request; others: % of the machine
	errors                  int64
}

func osMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func osMedian(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// row summarizes variant at conns, or returns false if it never ran there.
func (r *osReport) row(variant string, conns int) (osRow, bool) {
	row := osRow{variant: variant, conns: conns}
	// Only the variants that ask for what the ceiling answers compare with
	// it: not SQLite's demo data, nor a single order of the events pair.
	comparable := variant == r.env.admin.name || variant == r.env.customers.name
	var p50, p99, srv, pg, wrk, others, ratio []float64
	for _, x := range r.runs {
		if x.variant != variant || x.conns != conns {
			continue
		}
		row.n++
		row.rounds = append(row.rounds, x.rps())
		p50, p99 = append(p50, float64(x.p50)), append(p99, float64(x.p99))
		srv, pg, wrk = append(srv, x.perRequest(x.server)), append(pg, x.perRequest(x.pg)), append(wrk, x.perRequest(x.wrk))
		others = append(others, 100*x.other.Seconds()/(x.duration.Seconds()*float64(runtime.NumCPU())))
		row.errors += x.errors()
		for _, c := range r.runs {
			if c.variant == r.env.ceiling.name && c.conns == conns && c.round == x.round && comparable {
				ratio = append(ratio, x.rps()/c.rps())
			}
		}
	}
	if row.n == 0 {
		return row, false
	}
	row.rps = osMedian(row.rounds)
	row.p50, row.p99 = time.Duration(osMedian(p50)), time.Duration(osMedian(p99))
	row.server, row.pg, row.wrk, row.others = osMedian(srv), osMedian(pg), osMedian(wrk), osMedian(others)
	row.ceiling = osMedian(ratio)
	return row, true
}

// write prints the run's set-up and its table.
func (r *osReport) write(w io.Writer) {
	e := r.env
	c := e.cfg
	var b strings.Builder
	fmt.Fprintf(&b, "\nOrderStatus (the README's query), %d CPUs, %s, Postgres %s, wrk %d threads, %d round(s) of %s per variant, interleaved\n",
		runtime.NumCPU(), runtime.Version(), e.pgVersion, c.threads, c.rounds, c.duration)
	var rows []string
	for _, t := range []string{"customers", "orders", "order_items", "products", "shipments", "tracking_events"} {
		rows = append(rows, fmt.Sprintf("%d %s", e.ds.Rows[t], t))
	}
	fmt.Fprintf(&b, "dataset (scale %g, loaded in %.1f s): %s\n", c.scale, e.loadTime.Seconds(), strings.Join(rows, ", "))
	if c.check {
		b.WriteString("every answer checked by wrk's script (200, an order, no errors)\n")
	} else {
		b.WriteString("answers checked field by field on samples before and after, every answer of the warm-up by wrk's script; measured runs count non-2xx and socket errors\n")
	}
	if len(c.serverArgs) > 0 {
		fmt.Fprintf(&b, "aftercart flags added: %s\n", strings.Join(c.serverArgs, " "))
	}
	b.WriteString("medians of the rounds; CPU in µs per request; other: the rest of the machine's CPU, % of all CPUs\n\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "c\tvariant\treq/s\trounds\tp50 ms\tp99 ms\t% ceiling\tserver\tpostgres\twrk\tother %\terrors\t")
	line := func(row osRow) {
		rounds := make([]string, len(row.rounds))
		for i, x := range row.rounds {
			rounds[i] = fmt.Sprintf("%.0f", x)
		}
		pct := "-"
		if row.ceiling > 0 {
			pct = fmt.Sprintf("%.1f", 100*row.ceiling)
		}
		pg := "-"
		if row.pg > 0 {
			pg = fmt.Sprintf("%.0f", row.pg)
		}
		fmt.Fprintf(tw, "%d\t%s\t%.0f\t%s\t%.2f\t%.2f\t%s\t%.0f\t%s\t%.0f\t%.0f\t%d\t\n", row.conns, row.variant, row.rps,
			strings.Join(rounds, " "), osMs(row.p50), osMs(row.p99), pct, row.server, pg, row.wrk, row.others, row.errors)
	}
	for _, conns := range c.conns {
		for _, t := range []*osTarget{e.ceiling, e.admin, e.customers, e.sqlite} {
			if t == nil {
				continue
			}
			if row, ok := r.row(t.name, conns); ok {
				line(row)
			}
		}
	}
	if e.big != nil {
		big, ok1 := r.row(e.big.name, r.lo)
		small, ok2 := r.row(e.small.name, r.lo)
		if ok1 && ok2 {
			line(big)
			line(small)
			tw.Flush()
			cost := (big.server + big.pg) / (small.server + small.pg)
			fmt.Fprintf(&b, "\n%d events against %d: %.2f× the CPU per request (server + Postgres), %.2f× the req/s\n",
				e.ds.BigEvents, e.ds.SmallEvents, cost, big.rps/small.rps)
		}
	}
	tw.Flush()
	b.WriteString("\n")
	_, _ = io.WriteString(w, b.String())
}

// metrics reports the highest concurrency's figures to the testing package.
func (r *osReport) metrics(b *testing.B) {
	e := r.env
	for _, m := range []struct {
		t    *osTarget
		name string
	}{{e.ceiling, "ceiling"}, {e.admin, "admin"}, {e.customers, "customers"}, {e.sqlite, "sqlite"}} {
		if m.t == nil {
			continue
		}
		row, ok := r.row(m.t.name, r.hi)
		if !ok {
			continue
		}
		b.ReportMetric(row.rps, m.name+"-req/s")
		b.ReportMetric(osMs(row.p99), m.name+"-p99-ms")
		if row.ceiling > 0 {
			b.ReportMetric(100*row.ceiling, m.name+"-%ceiling")
		}
		if m.name == "admin" {
			b.ReportMetric(1e9/row.rps, "ns/op")
		}
	}
	if e.big != nil {
		big, ok1 := r.row(e.big.name, r.lo)
		small, ok2 := r.row(e.small.name, r.lo)
		if ok1 && ok2 {
			b.ReportMetric((big.server+big.pg)/(small.server+small.pg), "events-cost-ratio")
		}
	}
}
