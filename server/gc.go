package main

import (
	"os"

	"github.com/bytedance/gopkg/util/gctuner"
)

// tuneGC keeps the garbage collector from running before the heap reaches
// floor bytes (0: Go's defaults), unless GOGC is set in the environment.
//
// With the default GOGC=100 the collector runs each time the heap doubles
// its live size. An instance that mostly answers queries keeps a live heap
// of a few MB and allocates tens of KB per request, so under load it
// collects many times a second and spends 12-20 % of its CPU doing it
// (server/orders/ORDERSTATUS_BENCHMARKS.md). A fixed higher GOGC would also
// multiply the heap of an instance whose live heap is large (10,000 idle
// websockets, server/live/BENCHMARKS.md). A floor does neither: bytedance's
// gctuner sets GOGC after every collection so that the next one starts at
// the floor, but never below 100, so a live heap past half the floor is
// collected exactly as with the defaults, and at most 1,000, so a heap that
// suddenly grows is caught at the next collection. GOMEMLIMIT, when set,
// still bounds the heap: the runtime honours it whatever GOGC is.
func tuneGC(floor uint64) {
	if floor == 0 || os.Getenv("GOGC") != "" {
		return
	}
	gctuner.SetMinGCPercent(100)
	gctuner.SetMaxGCPercent(1000)
	gctuner.Tuning(floor)
}
