package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"runtime"
	"testing"

	"github.com/aftercart/aftercart/graph"
	"github.com/aftercart/aftercart/graph/validationtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// TestAbusiveValidation sends every shape of graph/validationtest to the
// real server without a token (issue 8, item 1: 500 fields that cannot
// merge answered with 62,250 errors, 15-20 MB, and grew RSS ~150 MB each)
// and checks the answer's bounds: at most graph.MaxErrors+1 errors, each
// with a code, in a few KB, no SQL for a refused document, and a bounded
// allocation per request (client and server together: the test shares
// their process). Times are in BenchmarkAbusiveValidation.
func TestAbusiveValidation(t *testing.T) {
	s := mustServer(t, "")
	for _, shape := range validationtest.Shapes() {
		t.Run(shape.Name, func(t *testing.T) {
			testserver.PostQuery(t, s.URL(), shape) // warm: lazily built state
			s.Statements.Store(0)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			status, raw := testserver.PostQuery(t, s.URL(), shape)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			var res struct {
				Errors []testserver.Error `json:"errors"`
			}
			if err := json.Unmarshal(raw, &res); err != nil {
				t.Fatalf("status %d, body %.300q: %v", status, raw, err)
			}
			if len(res.Errors) > graph.MaxErrors+1 {
				t.Errorf("%d errors, want at most %d", len(res.Errors), graph.MaxErrors+1)
			}
			for _, e := range res.Errors {
				if e.Extensions["code"] == nil {
					t.Errorf("an error without extensions.code: %+v", e)
				}
			}
			if len(raw) > 8<<10 {
				t.Errorf("the response is %d bytes, want a few KB", len(raw))
			}
			if !shape.Valid {
				// A request error: 200 with errors and no data for an
				// application/json client (see httpTransport).
				if len(res.Errors) == 0 || status != http.StatusOK || bytes.Contains(raw, []byte(`"data"`)) {
					t.Fatalf("not refused as a request error: status %d, body %.300s", status, raw)
				}
				if n := s.Statements.Load(); n != 0 {
					t.Errorf("%d SQL statements for a refused document", n)
				}
			}
			// The request body is encoded, sent, read and decoded (a few
			// times its size), the document parsed twice; the errors
			// alone took 15-20 MB before, their allocation far more.
			if limit := uint64(8*len(shape.Query) + 24<<20); alloc > limit {
				t.Errorf("the request allocated %d KB, want at most %d KB", alloc>>10, limit>>10)
			}
			t.Logf("status %d, %d errors, %d bytes, %d KB allocated", status, len(res.Errors), len(raw), alloc>>10)
		})
	}
}
