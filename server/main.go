// Command server runs aftercart's GraphQL API; with "token" it prints a JWT,
// with "send-event" it plays a carrier and posts one signed tracking event.
//
//	server [flags]                                  run the API
//	server token -dev -role customer -email a@b.c   print a token for a -dev server
//	server send-event -status OUT_FOR_DELIVERY      sign and post a tracking checkpoint
//	server migrate [-database-url postgres://...]   apply pending migrations and exit
//	server jobs [-retry ID]                         list failed (discarded) jobs, or retry one
//
// Configuration comes from flags, each with an environment fallback; see
// README.md for the full list. The server itself is server/app: this
// package turns flags and environment into an app.Config and runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/aftercart/aftercart/graph"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/community"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 {
		if run, ok := subcommands[os.Args[1]]; ok {
			if err := run(ctx, os.Args[2:], os.Stdout); err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[1], err)
				os.Exit(1)
			}
			return
		}
	}
	m := NewMain()
	if err := m.ParseFlags(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	tuneGC(m.Config.GCHeapFloor)
	if err := m.Run(ctx); err != nil {
		m.Log.Error("server stopped", "err", err)
		_ = m.Close()
		os.Exit(1)
	}
	<-ctx.Done()
	if err := m.Close(); err != nil {
		m.Log.Error("shutdown", "err", err)
		os.Exit(1)
	}
}

// subcommands are the server's modes besides serving, by their first
// argument.
var subcommands = map[string]func(ctx context.Context, args []string, out io.Writer) error{
	"token":      func(_ context.Context, args []string, out io.Writer) error { return runToken(args, out) },
	"send-event": runSendEvent,
	"migrate":    runMigrate,
	"jobs":       runJobs,
}

// Main is the command: ParseFlags, then Run, then Close. It turns flags and
// environment into an app.Config and runs the app.App they describe.
type Main struct {
	// Config is what ParseFlags produced (NewMain's defaults before).
	Config app.Config
	// Log is the server's logger: text on stderr, JSON outside -dev.
	Log *slog.Logger
	// App is the running server, set by Run.
	App *app.App
}

// NewMain returns a Main with defaults and a text logger on stderr.
func NewMain() *Main {
	return &Main{
		Config: app.Config{Addr: "127.0.0.1:8080", DataDir: "data", DemoDir: "web-demo/dist", ReturnWindowDays: 30, ReturnPolicy: defaultReturnPolicy},
		Log:    slog.New(slog.NewTextHandler(os.Stderr, nil)),
	}
}

const defaultReturnPolicy = "Return or exchange unused items within 30 days of delivery for a full refund. Start a return from your order page; return shipping is free."

// ParseFlags reads flags, falling back to environment variables, and
// validates the result: an *app.ConfigError lists every missing or invalid
// setting at once (see Config.Validate). A malformed command line is
// reported by the flag package as before.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	c := &m.Config
	fs.StringVar(&c.Addr, "addr", env("AFTERCART_ADDR", c.Addr), "listen address (env AFTERCART_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", env("AFTERCART_DATA_DIR", c.DataDir), "directory for the SQLite database and development secrets (env AFTERCART_DATA_DIR)")
	fs.BoolVar(&c.Dev, "dev", envBool("AFTERCART_DEV", false), "development mode: GraphiQL, introspection, demo data, generated secrets (env AFTERCART_DEV)")
	fs.StringVar(&c.DatabaseURL, "database-url", os.Getenv("DATABASE_URL"), "postgres://... to use PostgreSQL; empty for embedded SQLite (env DATABASE_URL)")
	origins := fs.String("allowed-origins", os.Getenv("AFTERCART_ALLOWED_ORIGINS"), "comma-separated browser origins allowed for CORS and websockets, e.g. https://shop.example.com; default in -dev: http://localhost:*,http://127.0.0.1:* (env AFTERCART_ALLOWED_ORIGINS)")
	fs.StringVar(&c.ReturnPolicy, "return-policy", env("AFTERCART_RETURN_POLICY", c.ReturnPolicy), "default return policy text for imported orders (env AFTERCART_RETURN_POLICY)")
	fs.IntVar(&c.ReturnWindowDays, "return-window-days", envInt("AFTERCART_RETURN_WINDOW_DAYS", c.ReturnWindowDays), "default days after delivery an order can be returned (env AFTERCART_RETURN_WINDOW_DAYS)")
	fs.IntVar(&c.CostBudget, "cost-budget", envInt("AFTERCART_COST_BUDGET", graph.DefaultCostBudget), "maximum cost of one GraphQL operation (env AFTERCART_COST_BUDGET)")
	fs.IntVar(&c.ViewerBurst, "viewer-cost-burst", envInt("AFTERCART_VIEWER_COST_BURST", graph.DefaultViewerBurst), "cost points one client may spend at once; ADMIN tokens get 10 times as much, INTEGRATION tokens have -integration-cost-burst (env AFTERCART_VIEWER_COST_BURST)")
	perSecond := fs.Int("viewer-cost-per-second", envInt("AFTERCART_VIEWER_COST_PER_SECOND", graph.DefaultViewerPerSecond), "cost points a client gets back per second (env AFTERCART_VIEWER_COST_PER_SECOND)")
	fs.IntVar(&c.IntegrationBurst, "integration-cost-burst", envInt("AFTERCART_INTEGRATION_COST_BURST", graph.DefaultIntegrationBurst), "cost points one INTEGRATION token may spend at once (env AFTERCART_INTEGRATION_COST_BURST)")
	integrationPerSecond := fs.Int("integration-cost-per-second", envInt("AFTERCART_INTEGRATION_COST_PER_SECOND", graph.DefaultIntegrationPerSecond), "cost points an INTEGRATION token gets back per second; an order status screen costs 230 (env AFTERCART_INTEGRATION_COST_PER_SECOND)")
	dbf := addDBFlags(fs)
	fs.StringVar(&c.PprofAddr, "pprof-addr", os.Getenv("AFTERCART_PPROF_ADDR"), "serve net/http/pprof at /debug/pprof/ on this loopback address, e.g. 127.0.0.1:6060; off when empty (env AFTERCART_PPROF_ADDR)")
	seed := fs.String("seed", os.Getenv("AFTERCART_SEED"), "seed demo data into an empty database: true/false; default true in -dev (env AFTERCART_SEED)")
	fs.StringVar(&c.DemoDir, "demo-dir", env("AFTERCART_DEMO_DIR", c.DemoDir), "directory of the built web-demo, served at /demo/ (env AFTERCART_DEMO_DIR)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", os.Getenv("AFTERCART_METRICS_ADDR"), "serve Prometheus metrics at /metrics on this address, e.g. 127.0.0.1:9090; without it only -dev serves them, on -addr (env AFTERCART_METRICS_ADDR)")
	fs.IntVar(&c.MaxInFlight, "max-inflight-requests", envInt("AFTERCART_MAX_INFLIGHT_REQUESTS", 0), "GraphQL requests over HTTP that run at once, the others wait their turn; 0: 2 per CPU (at least 4, at most -db-max-open-conns), -1: no bound; raise it for a database across a network (env AFTERCART_MAX_INFLIGHT_REQUESTS)")
	fs.IntVar(&c.MaxQueued, "max-queued-requests", envInt("AFTERCART_MAX_QUEUED_REQUESTS", app.DefaultMaxQueued), "requests that may wait for -max-inflight-requests; more get 503 UNAVAILABLE with Retry-After (env AFTERCART_MAX_QUEUED_REQUESTS)")
	gcFloor := fs.Int("gc-heap-floor", envInt("AFTERCART_GC_HEAP_FLOOR", 64), "MB of heap below which the garbage collector does not run; 0 keeps Go's GOGC=100 (a GOGC in the environment wins) (env AFTERCART_GC_HEAP_FLOOR)")
	fs.StringVar(&c.StoreName, "store-name", os.Getenv("AFTERCART_STORE_NAME"), "the store's name, shown on its replies to reviews; default \"The store\" (env AFTERCART_STORE_NAME)")
	fs.BoolVar(&c.ReviewsRequirePurchase, "reviews-require-purchase", envBool("AFTERCART_REVIEWS_REQUIRE_PURCHASE", false), "accept reviews only from customers with a delivered order line of the product (env AFTERCART_REVIEWS_REQUIRE_PURCHASE)")
	fs.Float64Var(&c.FlagThreshold, "flag-threshold", envFloat("AFTERCART_FLAG_THRESHOLD", community.DefaultFlagThreshold), "the flag score that hides a review, post or comment at once and queues it for staff: a newcomer's flag weighs 1, a reliable flagger's up to 2 (env AFTERCART_FLAG_THRESHOLD)")
	fastPath := fs.Bool("graphql-fast-path", envBool("AFTERCART_GRAPHQL_FAST_PATH", true), "render the order status query directly instead of field by field (same answers; a switch in case it is ever wrong) (env AFTERCART_GRAPHQL_FAST_PATH)")
	mf := addMediaFlags(fs)
	jf := addJobFlags(fs)
	rf := addReferralFlags(fs)
	mailf := addMailFlags(fs)
	whf := addWebhookFlags(fs)
	rulef := addRuleFlags(fs)
	simulate := fs.Duration("simulate-carriers", envDuration("AFTERCART_SIMULATE_CARRIERS", 0), "in -dev, advance a demo shipment one checkpoint at this interval; default 5s in -dev, 0 disables (env AFTERCART_SIMULATE_CARRIERS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	// Every problem is collected and reported at once (see ConfigError).
	problems := envProblems(fs, explicit)
	c.ViewerPerSecond = float64(*perSecond)
	c.IntegrationPerSecond = float64(*integrationPerSecond)
	problems = append(problems, dbf.apply(c)...)
	problems = append(problems, mf.apply(c)...)
	problems = append(problems, jf.apply(c)...)
	problems = append(problems, rf.apply(c)...)
	problems = append(problems, mailf.apply(c)...)
	problems = append(problems, whf.apply(c)...)
	problems = append(problems, rulef.apply(c)...)
	c.AllowedOrigins = splitList(*origins)
	if len(c.AllowedOrigins) == 0 && c.Dev {
		c.AllowedOrigins = []string{"http://localhost:*", "http://127.0.0.1:*"}
	}
	c.Seed = c.Dev
	if *seed != "" {
		if b, err := strconv.ParseBool(*seed); err != nil {
			problems = append(problems, fmt.Sprintf("-seed (AFTERCART_SEED) %q must be true or false", *seed))
		} else {
			c.Seed = b
		}
	}
	c.Simulate = *simulate
	c.NoFastPath = !*fastPath
	if c.MaxInFlight < -1 || c.MaxQueued < 0 {
		problems = append(problems, fmt.Sprintf("-max-inflight-requests (%d) must be -1 or more and -max-queued-requests (%d) 0 or more", c.MaxInFlight, c.MaxQueued))
	}
	if c.FlagThreshold == 0 {
		// Zero means "the default" in app.Config; on the command line it
		// would hide everything at its first flag.
		problems = append(problems, fmt.Sprintf("-flag-threshold (AFTERCART_FLAG_THRESHOLD) is 0; must be above 0 and at most %d", app.MaxFlagThreshold))
	}
	if *gcFloor < 0 {
		problems = append(problems, fmt.Sprintf("-gc-heap-floor (AFTERCART_GC_HEAP_FLOOR) %d must be 0 or more MB", *gcFloor))
	}
	c.GCHeapFloor = uint64(max(*gcFloor, 0)) << 20
	if !explicit["simulate-carriers"] && os.Getenv("AFTERCART_SIMULATE_CARRIERS") == "" && c.Dev {
		c.Simulate = 5 * time.Second
	}
	if !c.Dev {
		m.Log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	var invalid *app.ConfigError
	if errors.As(c.Validate(), &invalid) {
		problems = append(problems, invalid.Problems...)
	}
	return app.NewConfigError(problems)
}

// Run starts the server described by m.Config and, in development mode,
// prints ready-to-use tokens. It returns once the server is listening.
func (m *Main) Run(ctx context.Context) error {
	m.App = app.New(m.Config, m.Log)
	if err := m.App.Run(ctx); err != nil {
		return err
	}
	if m.Config.Dev {
		m.printDevTokens()
	}
	return nil
}

// URL is the base URL the server listens on, "" before Run.
func (m *Main) URL() string {
	if m.App == nil {
		return ""
	}
	return m.App.URL()
}

// Close shuts the server down (see app.App.Close); it is safe before Run.
func (m *Main) Close() error {
	if m.App == nil {
		return nil
	}
	return m.App.Close()
}
