package graph

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// TestAdmissionQueue: with one slot taken, waiters are admitted one at a
// time as slots free up (in arrival order: x/sync's semaphore serves its
// waiters first in, first out, which a test cannot observe without racing
// the waiters' arrival); past the queue's bound a request is refused at
// once; a waiter whose client left gives up its place.
func TestAdmissionQueue(t *testing.T) {
	a := newAdmission(1, 3)
	release, ok := a.enter(context.Background())
	if !ok {
		t.Fatal("first request not admitted")
	}
	order := make(chan int, 3)
	releases := make(chan func(), 3)
	queued := func(n int64) {
		t.Helper()
		for a.queued.Load() != n { // the waiter goroutines' arrival, not time
			runtime.Gosched()
		}
	}
	for i := range 2 {
		go func() {
			r, ok := a.enter(context.Background())
			if !ok {
				t.Errorf("waiter %d refused", i)
				return
			}
			order <- i
			releases <- r
		}()
		queued(int64(i + 1)) // arrivals one after the other
	}
	gone, leave := context.WithCancel(context.Background())
	left := make(chan bool)
	go func() { _, ok := a.enter(gone); left <- ok }()
	queued(3)
	if _, ok := a.enter(context.Background()); ok {
		t.Fatal("a fourth waiter was queued past the bound of 3")
	}
	leave()
	if <-left {
		t.Fatal("a waiter whose client left was admitted")
	}
	release()
	for range 2 {
		<-order
		select {
		case <-order:
			t.Fatal("two waiters admitted for one slot")
		default:
		}
		(<-releases)()
	}
	if a.queued.Load() != 0 {
		t.Fatalf("%d still queued", a.queued.Load())
	}
}

// TestAdmissionRefusal: a request past the queue gets 503 UNAVAILABLE with
// Retry-After, as every unavailable answer does.
func TestAdmissionRefusal(t *testing.T) {
	a := newAdmission(1, 0)
	release, _ := a.enter(context.Background())
	defer release()
	rec := httptest.NewRecorder()
	ran := false
	a.admit(rec, httptest.NewRequest(http.MethodPost, "/query", nil), http.HandlerFunc(func(http.ResponseWriter, *http.Request) { ran = true }))
	if ran || rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
		!strings.Contains(rec.Body.String(), `"code":"UNAVAILABLE"`) {
		t.Fatalf("ran %v, %d %v %s", ran, rec.Code, rec.Header(), rec.Body)
	}
	if newAdmission(0, 0) != nil {
		t.Fatal("a bound of 0 must admit everything")
	}
}
