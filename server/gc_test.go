package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"
)

// TestGCHeapFloor runs tuneGC in a child process (it changes the whole
// process's garbage collector): with a small live heap and a 64 MB floor,
// GOGC is raised past 100 after a collection; with a live heap past half
// the floor it stays at 100; a GOGC in the environment is left alone.
func TestGCHeapFloor(t *testing.T) {
	if os.Getenv("AFTERCART_TEST_GC_CHILD") == "1" {
		tuneGC(64 << 20)
		runtime.GC()
		runtime.GC() // the tuner runs after the collection that freed its sentinel
		small := debug.SetGCPercent(-1)
		debug.SetGCPercent(small)
		hold := make([][]byte, 0, 48)
		for range 48 { // 48 MB live: past half the floor
			hold = append(hold, make([]byte, 1<<20))
		}
		runtime.GC()
		runtime.GC()
		large := debug.SetGCPercent(-1)
		runtime.KeepAlive(hold)
		os.Stdout.WriteString(strconv.Itoa(small) + " " + strconv.Itoa(large))
		os.Exit(0)
	}
	run := func(env ...string) string {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestGCHeapFloor$")
		cmd.Env = append(os.Environ(), append(env, "AFTERCART_TEST_GC_CHILD=1")...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("child: %v %s", err, out)
		}
		return string(out)
	}
	var small, large int
	if _, err := fmt.Sscan(run("GOGC="), &small, &large); err != nil {
		t.Fatal(err)
	}
	if small <= 100 || small > 1000 || large != 100 {
		t.Errorf("GOGC with a small live heap %d (want 101-1000), with 48 MB live %d (want 100)", small, large)
	}
	if _, err := fmt.Sscan(run("GOGC=150"), &small, &large); err != nil {
		t.Fatal(err)
	}
	if small != 150 || large != 150 {
		t.Errorf("GOGC=150 in the environment: %d and %d", small, large)
	}
}
