package jobs_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// TestTwoServersRunEachJobOnce: two servers on one Postgres, each
// enqueueing half of the jobs, run every job exactly once between them
// (River locks each job it takes with SKIP LOCKED).
func TestTwoServersRunEachJobOnce(t *testing.T) {
	dbURL := pgtest.Get(t).NewDatabase(t)
	r := newRecorder()
	servers := []*testserver.Server{startServer(t, dbURL, r, "a"), startServer(t, dbURL, r, "b")}
	const jobs = 200
	var wg sync.WaitGroup
	errs := make(chan error, jobs)
	for i := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("job-%03d", i)
			if _, err := enqueue(t, servers[i%2], probeArgs{Key: key}, key, nil, false); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for range jobs {
		waitRun(t, r)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	perServer := map[string]int{}
	for i := range jobs {
		key := fmt.Sprintf("job-%03d", i)
		if r.runs[key] != 1 {
			t.Errorf("%s ran %d times", key, r.runs[key])
		}
		perServer[r.by[key]]++
	}
	if len(r.runs) != jobs {
		t.Errorf("%d distinct jobs ran, want %d", len(r.runs), jobs)
	}
	t.Logf("jobs run per server: %v", perServer)
}
