package orders_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/internal/benchdata"
	"github.com/aftercart/aftercart/server/internal/pgtest"
	"github.com/aftercart/aftercart/server/internal/testserver"
)

// osPostgresSettings tune the benchmark's throwaway cluster (on top of
// pgtest's fsync=off, synchronous_commit=off, full_page_writes=off and
// max_connections=200): the whole dataset fits in shared buffers, so every
// run reads memory as a warmed-up production database does; nothing runs
// in the background while a variant is measured; and no plan pays for JIT.
var osPostgresSettings = []struct{ name, value, why string }{
	{"shared_buffers", "2GB", "the scale-1 database, indexes included, is about 0.8 GB: all of it stays cached"},
	{"effective_cache_size", "8GB", "tells the planner the data is cached"},
	{"random_page_cost", "1.1", "a cached random read costs about a sequential one"},
	{"work_mem", "16MB", "sorts and hashes of one statement stay in memory"},
	{"maintenance_work_mem", "1GB", "rebuilding the indexes after loading sorts in memory"},
	{"max_wal_size", "16GB", "no checkpoint is forced by WAL volume during the load or a run"},
	{"checkpoint_timeout", "1h", "nor by time"},
	{"autovacuum", "off", "no background vacuum or analyze during a run; the loader runs VACUUM (ANALYZE) itself"},
	{"jit", "off", "JIT compilation only adds latency to short OLTP statements"},
}

// osBudgetArgs lift the per-client cost budget out of the way. One ADMIN
// token sending OrderStatus (cost 230) as fast as it can would otherwise be
// throttled after its burst, and wrk would measure THROTTLED answers
// (counted as bad) instead of the read path. The defaults are not changed;
// the benchmark's server is told its bucket is practically bottomless.
var osBudgetArgs = []string{"-viewer-cost-burst", "1000000000", "-viewer-cost-per-second", "1000000000"}

// Secrets of the benchmark's servers; tokens are minted in-process with the
// same key.
var (
	osJWTKey     = []byte("orderstatus-benchmark-jwt-secret-0123456789abcdef")
	osWebhookKey = []byte("orderstatus-benchmark-webhook-secret-0123456789")
)

// osEnv is everything a run of the benchmark measures.
type osEnv struct {
	cfg       osConfig
	out       io.Writer
	dir       string
	query     string // the README's OrderStatus, verbatim
	ds        *benchdata.Dataset
	loadTime  time.Duration
	pgVersion string
	bin       string   // the aftercart binary
	pgArgs    []string // its arguments on Postgres, but -addr
	env       []string
	profiler  string // how the CPU profile is taken
	// The variants; sqlite, big and small are nil when not measured.
	ceiling, admin, customers, sqlite, big, small *osTarget
}

// setup starts and tunes Postgres, builds and starts the servers, loads the
// dataset and prepares every variant's rotation.
func (e *osEnv) setup(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	e.query = testserver.ReadmeOrderStatusQuery(tb)
	var err error
	if e.dir, err = os.MkdirTemp("", "aftercart-orderstatus-"); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = os.RemoveAll(e.dir) })
	e.bin = filepath.Join(e.dir, "aftercart")
	osBuild(tb, "..", e.bin)
	ceilingBin := filepath.Join(e.dir, "ceiling")
	osBuild(tb, "../internal/ceiling", ceilingBin)
	e.env = append(os.Environ(), auth.SecretEnv+"="+string(osJWTKey), app.WebhookSecretEnv+"="+string(osWebhookKey),
		"DATABASE_URL=", "AFTERCART_DEV=", "AFTERCART_SEED=", "AFTERCART_SIMULATE_CARRIERS=", "AFTERCART_METRICS_ADDR=")

	cluster := pgtest.Start(tb)
	if err := osTune(ctx, cluster); err != nil {
		tb.Fatal(err)
	}
	dsn := cluster.NewDatabase(tb)
	if out, err := exec.Command(e.bin, "migrate", "-database-url", dsn).CombinedOutput(); err != nil {
		tb.Fatalf("aftercart migrate: %v\n%s", err, out)
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	_ = db.QueryRowContext(ctx, "SHOW server_version").Scan(&e.pgVersion)
	spec, err := benchdata.ForScale(e.cfg.scale)
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	logf := func(format string, args ...any) { fmt.Fprintf(e.out, format+"\n", args...) }
	if e.ds, err = benchdata.Load(ctx, db, spec, logf); err != nil {
		tb.Fatal(err)
	}
	e.loadTime = time.Since(start)
	pg, err := osFindPostmaster(ctx, db)
	if err != nil {
		tb.Fatal(err)
	}

	e.pgArgs = append(append([]string{"-data-dir", filepath.Join(e.dir, "pg-data"), "-database-url", dsn}, osBudgetArgs...), e.cfg.serverArgs...)
	args := e.pgArgs
	pprofAddr := ""
	if e.cfg.profileDir != "" {
		pprofAddr = osFreeAddr(tb)
		args = append(args, "-pprof-addr", pprofAddr)
		e.profiler = "the server's -pprof-addr"
	}
	addr := osFreeAddr(tb)
	aftercart := osStart(tb, e.dir, "aftercart-postgres", e.bin, append([]string{"-addr", addr}, args...), e.env, addr, "/readyz")
	if pprofAddr != "" {
		aftercart.pprof = "http://" + pprofAddr
	}
	addr = osFreeAddr(tb)
	ceiling := osStart(tb, e.dir, "ceiling", ceilingBin, []string{"-addr", addr, "-database-url", dsn}, e.env, addr, "/healthz")

	iss, err := auth.NewIssuer(osJWTKey)
	if err != nil {
		tb.Fatal(err)
	}
	token := func(role auth.Role, email string) string {
		tok, err := iss.Issue(role, email, 12*time.Hour)
		if err != nil {
			tb.Fatal(err)
		}
		return tok
	}
	admin := token(auth.RoleAdmin, "")
	shoppers, err := e.ds.Shoppers(ctx, db, e.cfg.customers)
	if err != nil {
		tb.Fatal(err)
	}
	// Round robin over the customers, so that consecutive requests come
	// from different viewers; ADMIN and the ceiling ask for the same
	// orders in the same order.
	var custPairs, adminPairs []osPair
	for k := 0; ; k++ {
		more := false
		for _, s := range shoppers {
			if k < len(s.Orders) {
				more = true
				custPairs = append(custPairs, osPair{token(auth.RoleCustomer, s.Email), s.Orders[k]})
				adminPairs = append(adminPairs, osPair{admin, s.Orders[k]})
			}
		}
		if !more {
			break
		}
	}
	e.ceiling = &osTarget{name: "ceiling (1 SQL statement)", proc: ceiling, pg: &pg, pairs: adminPairs}
	e.admin = &osTarget{name: "aftercart, ADMIN", proc: aftercart, pg: &pg, pairs: adminPairs}
	e.customers = &osTarget{name: fmt.Sprintf("aftercart, %d customers", len(shoppers)), proc: aftercart, pg: &pg, pairs: custPairs}
	targets := []*osTarget{e.ceiling, e.admin, e.customers}
	if e.cfg.events {
		e.big = &osTarget{name: fmt.Sprintf("aftercart, ADMIN, %d events", e.ds.BigEvents), proc: aftercart, pg: &pg,
			pairs: []osPair{{admin, e.ds.BigEventsOrder}}}
		e.small = &osTarget{name: fmt.Sprintf("aftercart, ADMIN, %d events", e.ds.SmallEvents), proc: aftercart, pg: &pg,
			pairs: []osPair{{admin, e.ds.SmallEventsOrder}}}
		targets = append(targets, e.big, e.small)
	}
	if e.cfg.sqlite {
		e.sqlite = e.startSQLite(tb, admin)
		targets = append(targets, e.sqlite)
	}
	for _, t := range targets {
		t.writeRequests(tb, e.dir, e.query)
	}
}

// osTune applies osPostgresSettings and restarts the cluster for those
// that need it.
func osTune(ctx context.Context, c *pgtest.Cluster) error {
	db, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	for _, s := range osPostgresSettings {
		if _, err := db.ExecContext(ctx, fmt.Sprintf("ALTER SYSTEM SET %s = '%s'", s.name, s.value)); err != nil {
			return fmt.Errorf("tuning postgres: %s: %w", s.name, err)
		}
	}
	return c.Restart(ctx)
}

// startSQLite starts aftercart on the embedded SQLite database with the demo
// data (-seed true, production mode otherwise) and returns its variant: the
// ADMIN token over every demo order.
func (e *osEnv) startSQLite(tb testing.TB, admin string) *osTarget {
	tb.Helper()
	addr := osFreeAddr(tb)
	args := append(append([]string{"-addr", addr, "-data-dir", filepath.Join(e.dir, "sqlite-data"), "-seed", "true"}, osBudgetArgs...), e.cfg.serverArgs...)
	p := osStart(tb, e.dir, "aftercart-sqlite", e.bin, args, e.env, addr, "/readyz")
	t := &osTarget{name: "aftercart, ADMIN, SQLite demo data", proc: p}
	status, body := osPost(tb, p, admin, []byte(`{"query":"query DemoOrders { orders(first: 100) { edges { node { number } } } }"}`))
	raw, _ := json.Marshal(body)
	var list struct {
		Data struct {
			Orders struct {
				Edges []struct{ Node struct{ Number string } }
			}
		}
	}
	if err := json.Unmarshal(raw, &list); err != nil || status != 200 || len(list.Data.Orders.Edges) == 0 {
		tb.Fatalf("listing the demo orders: status %d %s", status, raw)
	}
	for _, edge := range list.Data.Orders.Edges {
		t.pairs = append(t.pairs, osPair{admin, edge.Node.Number})
	}
	return t
}
