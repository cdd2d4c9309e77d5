package orders_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/internal/testserver"
)

// BenchmarkOrderStatus's servers run as processes of their own, built from
// the repository: aftercart (go build ./server) and the ceiling (go build
// ./server/internal/ceiling). Separate processes keep their CPU time, garbage
// collector and scheduler apart from each other and from the benchmark,
// and let the report charge each request its server's and Postgres's CPU
// as /proc counts it.

// osBuild compiles the package in dir (relative to server/orders) into out.
func osBuild(tb testing.TB, dir, out string) {
	tb.Helper()
	build := testserver.GoBuild(out, dir)
	if b, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", dir, err, b)
	}
}

// osProc is a server process the benchmark started.
type osProc struct {
	name    string
	url     string // http://127.0.0.1:port
	pprof   string // base URL of its /debug/pprof/, if it serves one
	cmd     *exec.Cmd
	exited  chan struct{}
	logPath string
}

// osStart starts bin with args and env, logging to dir/<name>.log, and
// waits until health answers 200. The process is stopped when tb ends.
func osStart(tb testing.TB, dir, name, bin string, args, env []string, addr, health string) *osProc {
	tb.Helper()
	p := &osProc{name: name, url: "http://" + addr, exited: make(chan struct{}), logPath: filepath.Join(dir, name+".log")}
	logFile, err := os.Create(p.logPath)
	if err != nil {
		tb.Fatal(err)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	// Should the benchmark die, do not leave a server behind.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		_ = logFile.Close()
		close(p.exited)
	}()
	tb.Cleanup(p.stop)
	for deadline := time.Now().Add(time.Minute); ; {
		if res, err := http.Get(p.url + health); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.exited:
			tb.Fatalf("%s exited at start-up:\n%s", name, p.logTail())
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s did not answer %s within a minute:\n%s", name, health, p.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop asks the process to shut down and kills it if it takes too long.
func (p *osProc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

func (p *osProc) logTail() string {
	b, _ := os.ReadFile(p.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// cpu is the user plus system CPU time the process has used.
func (p *osProc) cpu() time.Duration {
	t, _ := osProcCPU(p.cmd.Process.Pid, false)
	return t
}

// osProcCPU reads a process's user and system CPU time from
// /proc/<pid>/stat, plus that of its reaped children when children is set.
func osProcCPU(pid int, children bool) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses: utime,
	// stime, cutime and cstime are fields 14 to 17, in clock ticks.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	n := 2
	if children {
		n = 4
	}
	var ticks int64
	for _, v := range f[11 : 11+n] {
		t, _ := strconv.ParseInt(v, 10, 64)
		ticks += t
	}
	return time.Duration(ticks) * time.Second / testserver.ClockTicks, nil
}

// osPostgres measures the CPU time of one Postgres cluster: its postmaster,
// the backends it has reaped (a pool that churns connections still counts)
// and those alive.
type osPostgres struct{ postmaster int }

// osFindPostmaster finds the postmaster of the cluster db talks to: the
// parent of db's backend.
func osFindPostmaster(ctx context.Context, db *sql.DB) (osPostgres, error) {
	var backend int
	if err := db.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		return osPostgres{}, err
	}
	ppid, err := osParent(backend)
	return osPostgres{postmaster: ppid}, err
}

// osParent returns a process's parent pid.
func osParent(pid int) (int, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	if len(f) < 2 {
		return 0, errors.New("short /proc stat")
	}
	return strconv.Atoi(f[1])
}

// cpu sums the cluster's CPU time.
func (pg osPostgres) cpu() time.Duration {
	if pg.postmaster == 0 {
		return 0
	}
	total, _ := osProcCPU(pg.postmaster, true)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, err := osParent(pid); err == nil && ppid == pg.postmaster {
			t, _ := osProcCPU(pid, false)
			total += t
		}
	}
	return total
}

// osMachineBusy returns the CPU time every process on the machine has used
// (the non-idle time of all CPUs, from /proc/stat).
func osMachineBusy() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
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

// osSelfCPU returns the CPU time of this process.
func osSelfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// osFreeAddr returns a loopback address with a port free right now.
func osFreeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
