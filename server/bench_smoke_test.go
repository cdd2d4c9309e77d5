package main

import (
	"fmt"
	"testing"
	"time"
)

// TestFanoutBenchSmoke runs the fan-out benchmarks' machinery at a small
// scale in every test run (benchmarks do not run under go test ./...), so
// that what server/live/BENCHMARKS.md's figures come from keeps working:
// the server binary in a process of its own, a postAdded fixture made
// through the API, subscribers read by the benchmark's readers (epoll on
// Linux, benchpoll_linux_test.go), and posts that must reach every
// subscriber exactly when they say: after the request was sent.
func TestFanoutBenchSmoke(t *testing.T) {
	t.Parallel()
	const subscribers, posts = 24, 3
	raiseNoFile(t, subscribers)
	srv := startFanoutServer(t, "", "")
	fx := srv.postFixture(t, posts+20) // waitAllLive's probes post too
	h := newPostAddedHarness(srv, fx, subscribers)
	h.connectAll(t)
	h.waitAllLive(t)
	for i := range posts {
		res := h.measure(t, fmt.Sprintf("smoke-%d", i), 30*time.Second)
		if res.missed > 0 || len(res.fromSend) != subscribers {
			t.Fatalf("post %d reached %d of %d subscribers\nserver log:\n%s", i, len(res.fromSend), subscribers, srv.logTail())
		}
		for j, d := range res.fromSend {
			if d <= 0 {
				t.Fatalf("post %d: receipt %d is %v after the request was sent, want after it", i, j, d)
			}
		}
	}
	if e := h.ended.Load(); e > 0 {
		t.Fatalf("%d subscriptions ended; first: %s", e, h.firstEnd.Load())
	}
}
