package testserver

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"
)

// What the benchmarks that run the server as a process of its own share
// (the order status benchmarks in server/orders, the fan-out and
// amplification benchmarks in package main).

// GoTool is the go command that builds the server binary: the one on PATH,
// else the one of the toolchain running the test.
func GoTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// GoBuild returns the command that compiles package pkg (a directory,
// relative to the test's working directory) into the executable out. It
// builds with -trimpath, as the README's test command does: the build
// cache keys a package compiled with and without it apart, so a build
// without it would compile every dependency a second time in a fresh CI.
func GoBuild(out, pkg string) *exec.Cmd {
	return exec.Command(GoTool(), "build", "-trimpath", "-o", out, pkg)
}

// ClockTicks is USER_HZ, the unit of /proc/<pid>/stat times; 100 on every
// Linux architecture Go supports.
const ClockTicks = 100

// SelfCPUTime returns the user plus system CPU time of this process.
func SelfCPUTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Percentile returns the q-quantile of ds (nearest rank); it sorts ds.
func Percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(float64(len(ds))*q+0.999999) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

// Millis is d in milliseconds, for reports.
func Millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
