package reqlog

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Operation is what the GraphQL layer tells the request log about the
// request it served.
type Operation struct {
	// Name is the operation's name, already made safe to log (see
	// metrics.CleanName).
	Name string
	// Type is query, mutation, subscription or unknown.
	Type string
	// Codes are the distinct extensions.code values of the response's
	// errors, in order of appearance; none when it succeeded.
	Codes []string
}

// entry is one request being served; the middleware puts it in the
// request's context.
type entry struct {
	mu       sync.Mutex
	op       *Operation
	hijacked bool
}

type entryKey struct{}

// Annotate attaches op to the log line of the HTTP request ctx belongs to.
// It reports false when there is no such line to come: ctx is not a request
// served through Middleware, or the request became a websocket, whose
// operations the caller must then log itself.
func Annotate(ctx context.Context, op Operation) bool {
	e, ok := ctx.Value(entryKey{}).(*entry)
	if !ok {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.hijacked {
		return false
	}
	e.op = &op
	return true
}

// Middleware logs one line per request served by next, at INFO, or at
// DEBUG for the quiet paths.
func Middleware(log *slog.Logger, next http.Handler, quiet ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		e := &entry{}
		rw := &responseWriter{ResponseWriter: w, entry: e}
		next.ServeHTTP(rw, r.WithContext(context.WithValue(r.Context(), entryKey{}, e)))
		level := slog.LevelInfo
		if slices.Contains(quiet, r.URL.Path) {
			level = slog.LevelDebug
		}
		if !log.Enabled(r.Context(), level) {
			return
		}
		attrs := make([]slog.Attr, 0, 9)
		attrs = append(attrs,
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rw.statusCode()),
			slog.Float64("ms", float64(time.Since(start).Microseconds())/1000),
			slog.Int64("bytes", rw.bytes),
		)
		e.mu.Lock()
		op := e.op
		e.mu.Unlock()
		if op != nil {
			attrs = append(attrs, slog.String("op", op.Name), slog.String("type", op.Type))
			if len(op.Codes) > 0 {
				attrs = append(attrs, slog.String("codes", strings.Join(op.Codes, ",")))
			}
		}
		log.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// responseWriter records the status and size of the answer. It passes
// Flush and the like through Unwrap (http.ResponseController), and
// implements Hijack itself to learn of websocket upgrades.
type responseWriter struct {
	http.ResponseWriter
	entry  *entry
	status int
	bytes  int64
}

func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack hands the connection over (a websocket upgrade) and marks the
// request as such.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.entry.mu.Lock()
		w.entry.hijacked = true
		w.entry.mu.Unlock()
		w.status = http.StatusSwitchingProtocols
	}
	return c, rw, err
}

func (w *responseWriter) statusCode() int {
	if w.status == 0 {
		return http.StatusOK // net/http's answer to a handler that wrote nothing
	}
	return w.status
}
