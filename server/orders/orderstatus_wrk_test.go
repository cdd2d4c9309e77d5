package orders_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// wrkHint says how to get the load generator.
const wrkHint = "wrk not found: install Debian's package (apt-get install wrk); .ci/run installs it"

// osWrkPath returns wrk's path: BenchmarkOrderStatus drives every variant
// with wrk (a maintained, event-driven load generator in C, so the load
// costs little CPU next to the servers) and a Lua script.
func osWrkPath() (string, error) {
	p, err := exec.LookPath("wrk")
	if err != nil {
		return "", fmt.Errorf("%s", wrkHint)
	}
	return p, nil
}

// osPair is one request of a rotation: a token (empty for none) and the
// order number to ask for.
type osPair struct{ token, number string }

// osTarget is one variant: a server, the requests sent to it in rotation,
// and what its CPU time is made of.
type osTarget struct {
	name    string
	proc    *osProc
	pg      *osPostgres // nil when no Postgres serves it
	pairs   []osPair
	reqFile string
}

// osRequestBody is the JSON body of the README's OrderStatus for number.
func osRequestBody(query, number string) []byte {
	b, _ := json.Marshal(map[string]any{"query": query, "operationName": "OrderStatus", "variables": map[string]any{"number": number}})
	return b
}

// writeRequests writes t's rotation for the Lua script: "<token>\t<body>"
// per line.
func (t *osTarget) writeRequests(tb testing.TB, dir, query string) {
	tb.Helper()
	var b bytes.Buffer
	for _, p := range t.pairs {
		b.WriteString(p.token)
		b.WriteByte('\t')
		b.Write(osRequestBody(query, p.number))
		b.WriteByte('\n')
	}
	t.reqFile = filepath.Join(dir, strings.NewReplacer(" ", "-", ",", "", "(", "", ")", "").Replace(t.name)+".requests")
	if err := os.WriteFile(t.reqFile, b.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// osRun is one wrk run against one variant, and the CPU time it cost.
type osRun struct {
	variant            string
	conns, round       int
	requests           int64
	duration           time.Duration
	p50, p90, p99, max time.Duration
	// status counts answers with an HTTP status over 399, sock socket
	// errors and timeouts, bad the answers that were not real data.
	status, sock, bad int64
	badSample         string
	// CPU time over the run: the variant's server, its Postgres cluster,
	// wrk, and every other process on the machine.
	server, pg, wrk, other time.Duration
}

// rps is the run's throughput.
func (r osRun) rps() float64 { return float64(r.requests) / r.duration.Seconds() }

// errors counts every answer that was not real data.
func (r osRun) errors() int64 { return r.status + r.sock + r.bad }

// perRequest is d spread over the run's requests, in microseconds.
func (r osRun) perRequest(d time.Duration) float64 {
	if r.requests == 0 {
		return 0
	}
	return float64(d.Microseconds()) / float64(r.requests)
}

// osWrk runs wrk against t for d with conns connections.
func osWrk(tb testing.TB, t *osTarget, conns, threads int, d time.Duration, check bool) osRun {
	tb.Helper()
	wrk, err := osWrkPath()
	if err != nil {
		tb.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "orderstatus.lua"))
	if err != nil {
		tb.Fatal(err)
	}
	threads = max(1, min(threads, conns))
	chk := "0"
	if check {
		chk = "1"
	}
	cmd := exec.Command(wrk, "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns),
		// wrk takes whole seconds (its units are s, m and h).
		"-d", fmt.Sprintf("%ds", max(1, int(d.Round(time.Second).Seconds()))), "--timeout", "10s",
		"-s", script, t.proc.url+"/query", "--", t.reqFile, chk, strconv.Itoa(threads))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out

	srv0, busy0, self0 := t.proc.cpu(), osMachineBusy(), osSelfCPU()
	var pg0 time.Duration
	if t.pg != nil {
		pg0 = t.pg.cpu()
	}
	err = cmd.Run()
	r := osRun{variant: t.name, conns: conns}
	r.server = t.proc.cpu() - srv0
	if t.pg != nil {
		r.pg = t.pg.cpu() - pg0
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.wrk = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	r.other = max(0, osMachineBusy()-busy0-r.server-r.pg-r.wrk-(osSelfCPU()-self0))
	if err != nil {
		tb.Fatalf("wrk against %s: %v\n%s", t.name, err, out.String())
	}
	if err := r.parse(out.String()); err != nil {
		tb.Fatalf("wrk against %s: %v\n%s", t.name, err, out.String())
	}
	return r
}

// parse reads the script's WRK-RESULT and WRK-BAD lines.
func (r *osRun) parse(out string) error {
	found := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if s, ok := strings.CutPrefix(line, "WRK-BAD "); ok {
			r.badSample = s
			continue
		}
		rest, ok := strings.CutPrefix(line, "WRK-RESULT ")
		if !ok {
			continue
		}
		found = true
		v := map[string]int64{}
		for _, kv := range strings.Fields(rest) {
			k, val, _ := strings.Cut(kv, "=")
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				return fmt.Errorf("WRK-RESULT %s: %v", kv, err)
			}
			v[k] = n
		}
		us := func(k string) time.Duration { return time.Duration(v[k]) * time.Microsecond }
		r.requests, r.duration = v["requests"], us("duration_us")
		r.p50, r.p90, r.p99, r.max = us("p50_us"), us("p90_us"), us("p99_us"), us("max_us")
		r.status, r.sock, r.bad = v["status"], v["connect"]+v["read"]+v["write"]+v["timeout"], v["bad"]
	}
	if !found {
		return fmt.Errorf("no WRK-RESULT line")
	}
	if r.requests == 0 || r.duration <= 0 {
		return fmt.Errorf("no request completed")
	}
	return nil
}
