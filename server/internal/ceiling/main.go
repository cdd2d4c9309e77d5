// Command ceiling is a yardstick, not a product: the fastest a Go server can
// answer the README's OrderStatus query from aftercart's Postgres schema,
// with nothing between HTTP and the database. BenchmarkOrderStatus (see
// server/orders/ORDERSTATUS_BENCHMARKS.md) measures aftercart against it on the
// same data, with the same requests, in the same run.
//
// It takes the request aftercart takes (POST /query with a GraphQL JSON
// body; only variables.number is read, the query text and any token are
// ignored), runs ONE prepared SQL statement that renders the whole response
// as JSON inside Postgres (statement.go), and writes those bytes back. It
// has no GraphQL, no authorization, no cost limits, no logging and no
// metrics: everything aftercart does beyond that is what the ratio to the
// ceiling measures. Its answer equals aftercart's field for field (the
// server's TestOrderStatusBenchSmoke compares them).
//
//	go run ./server/internal/ceiling -addr 127.0.0.1:8099 -database-url 'postgres://...?sslmode=disable'
//
// GET /healthz answers 200 once the statement is prepared.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	_ "github.com/lib/pq" // the driver aftercart uses
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8099", "listen address")
	url := flag.String("database-url", os.Getenv("DATABASE_URL"), "postgres://... of an aftercart database (env DATABASE_URL)")
	conns := flag.Int("max-conns", 4*runtime.GOMAXPROCS(0), "database connections, all kept open (idle = open)")
	flag.Parse()
	if err := run(*addr, *url, *conns); err != nil {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(1)
	}
}

func run(addr, url string, conns int) error {
	if url == "" {
		return errors.New("-database-url (or DATABASE_URL) is required")
	}
	db, err := sql.Open("postgres", url)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	h, err := newHandler(context.Background(), db)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// handler answers POST /query with the statement's JSON, and GET /healthz.
type handler struct {
	stmt *sql.Stmt
	mux  *http.ServeMux
}

// newHandler prepares the statement on db (database/sql prepares it again
// on each pooled connection at first use, then reuses it: Postgres plans it
// once per connection, not per request).
func newHandler(ctx context.Context, db *sql.DB) (*handler, error) {
	stmt, err := db.PrepareContext(ctx, statement)
	if err != nil {
		return nil, fmt.Errorf("preparing the statement: %w", err)
	}
	h := &handler{stmt: stmt, mux: http.NewServeMux()}
	h.mux.HandleFunc("POST /query", h.query)
	h.mux.HandleFunc("GET /healthz", func(http.ResponseWriter, *http.Request) {})
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// request is the part of a GraphQL request the ceiling reads.
type request struct {
	Variables struct {
		Number string `json:"number"`
	} `json:"variables"`
}

func (h *handler) query(w http.ResponseWriter, r *http.Request) {
	var req request
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil || req.Variables.Number == "" {
		http.Error(w, `{"errors":[{"message":"want a JSON body with variables.number"}]}`, http.StatusBadRequest)
		return
	}
	var out []byte
	if err := h.stmt.QueryRowContext(r.Context(), req.Variables.Number).Scan(&out); err != nil {
		http.Error(w, `{"errors":[{"message":"database error"}]}`, http.StatusInternalServerError)
		fmt.Fprintln(os.Stderr, "ceiling: query:", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}
