package reqlog

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// TestMiddleware runs a real HTTP server: a GraphQL-like request annotated
// with its operation, a hijacked one that refuses annotation, a quiet path.
func TestMiddleware(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	hijackAnnotated := make(chan bool, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/query", func(w http.ResponseWriter, r *http.Request) {
		if !Annotate(r.Context(), Operation{Name: "OrderStatus", Type: "query", Codes: []string{"NOT_FOUND", "FORBIDDEN"}}) {
			t.Error("a plain request refused its annotation")
		}
		w.WriteHeader(http.StatusTeapot)
		_, _ = io.WriteString(w, "12345")
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: close\r\n\r\n")
		_ = c.Close()
		hijackAnnotated <- Annotate(r.Context(), Operation{Name: "Later"})
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {})
	logged := make(chan struct{}, 3) // one per request, once its line is written
	logging := Middleware(log, mux, "/healthz")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logging.ServeHTTP(w, r)
		logged <- struct{}{}
	}))
	defer srv.Close()

	for _, path := range []string{"/query?token=secret", "/ws", "/healthz"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		<-logged
	}
	if <-hijackAnnotated {
		t.Error("a hijacked request accepted an annotation")
	}
	lines := buf.lines(t)
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3: %v", len(lines), lines)
	}
	want := []map[string]any{
		{"level": "INFO", "msg": "request", "method": "GET", "path": "/query", "status": 418.0, "bytes": 5.0, "op": "OrderStatus", "type": "query", "codes": "NOT_FOUND,FORBIDDEN"},
		{"level": "INFO", "path": "/ws", "status": 101.0},
		{"level": "DEBUG", "path": "/healthz", "status": 200.0, "bytes": 0.0},
	}
	for i, w := range want {
		for k, v := range w {
			if lines[i][k] != v {
				t.Errorf("line %d: %s = %v, want %v (%v)", i, k, lines[i][k], v, lines[i])
			}
		}
	}
	if _, ok := lines[1]["op"]; ok {
		t.Errorf("the hijacked request's line carries an operation: %v", lines[1])
	}
	if strings.Contains(buf.b.String(), "secret") {
		t.Error("the query string reached the log")
	}
}
