// Command server runs aftercart's GraphQL API; with "token" it prints a JWT,
// with "send-event" it plays a carrier and posts one signed tracking event.
//
//	server [flags]                                  run the API
//	server token -dev -role customer -email a@b.c   print a token for a -dev server
//	server send-event -status OUT_FOR_DELIVERY      sign and post a tracking checkpoint
//	server migrate [-database-url postgres://...]   apply pending migrations and exit
//
// Configuration comes from flags, each with an environment fallback; see
// README.md for the full list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"entgo.io/ent/dialect"
	"github.com/jonboulle/clockwork"
	"gocloud.dev/blob"

	"github.com/aftercart/aftercart/graph"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/demo"
	"github.com/aftercart/aftercart/server/live"
	"github.com/aftercart/aftercart/server/media"
	"github.com/aftercart/aftercart/server/metrics"
	"github.com/aftercart/aftercart/server/moderation"
	"github.com/aftercart/aftercart/server/orders"
	"github.com/aftercart/aftercart/server/pubsub"
	"github.com/aftercart/aftercart/server/pubsub/inmem"
	"github.com/aftercart/aftercart/server/pubsub/pgnotify"
	"github.com/aftercart/aftercart/server/ratelimit"
	"github.com/aftercart/aftercart/server/reviews"
	"github.com/aftercart/aftercart/server/tracking"
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
}

// Config is the server's configuration.
type Config struct {
	Addr             string
	DataDir          string
	Dev              bool
	DatabaseURL      string
	AllowedOrigins   []string
	ReturnPolicy     string
	ReturnWindowDays int
	CostBudget       int
	// ViewerBurst and ViewerPerSecond size each client's cost bucket (see
	// graph.HandlerConfig); zero means the defaults.
	ViewerBurst     int
	ViewerPerSecond float64
	// IntegrationBurst and IntegrationPerSecond size each INTEGRATION
	// token's cost bucket (see graph.HandlerConfig); zero means the
	// defaults.
	IntegrationBurst     int
	IntegrationPerSecond float64
	// DBPool sizes the database pool; zero fields mean db.DefaultPool's
	// (see db.Pool: there a negative duration means never).
	DBPool db.Pool
	// DBStatementCache is how many prepared statements each database
	// connection keeps; zero means db.DefaultStatementCache, negative
	// turns the cache off.
	DBStatementCache int
	// PprofAddr, when set, serves net/http/pprof on a loopback listener
	// of its own (see pprof.go).
	PprofAddr string
	// Seed seeds demo data on an empty database (default: on in dev mode).
	Seed bool
	// Simulate, when positive, advances the demo shipments at this interval
	// (development mode only).
	Simulate time.Duration
	// DemoDir holds the built web-demo, served at /demo/.
	DemoDir string
	// JWTSecret and WebhookSecret, when set, override the secrets resolved
	// from the environment and the data dir (tests set them).
	JWTSecret, WebhookSecret []byte
	// WSInitTimeout overrides how long a websocket may wait before
	// connection_init (tests shorten it).
	WSInitTimeout time.Duration
	// OnStatement, when set, sees every SQL statement (tests count them).
	OnStatement func(ctx context.Context, query string)
	// Clock times websocket pings and token expiry on open connections;
	// nil means the real clock (tests move a fake one).
	Clock clockwork.Clock
	// MetricsAddr, when set, serves /metrics on a listener of its own
	// (see observe.go).
	MetricsAddr string
	// MaxInFlight bounds the GraphQL requests over HTTP that run at once
	// (0: two per CPU, see maxInFlight; -1: no bound); MaxQueued more wait
	// their turn (see graph/admission.go).
	MaxInFlight, MaxQueued int
	// GCHeapFloor is the heap size below which the garbage collector does
	// not run (see tuneGC); 0 keeps Go's default. The process applies it,
	// not Run: tests run many servers in one process.
	GCHeapFloor uint64
	// StoreName signs the store's replies to reviews; empty means "The
	// store", or the demo store's name in development mode.
	StoreName string
	// ReviewsRequirePurchase refuses reviews from customers who have not
	// received the product (a store setting).
	ReviewsRequirePurchase bool
	// ReviewLimits overrides the per-customer review, reply and vote rate
	// limits (tests); nil means reviews.DefaultLimits.
	ReviewLimits *reviews.Limits
	// CommunityLimits overrides the per-customer posting limit (tests);
	// nil means community.DefaultLimits.
	CommunityLimits *community.Limits
	// NoFastPath leaves the order status screen to gqlgen's executor too
	// (see graph/orderstatus_render.go); the zero value keeps it on.
	NoFastPath bool
	// MediaURL is the blob bucket uploads live in (file://..., s3://...);
	// empty means the folder media/ of DataDir (see media.OpenBucket).
	MediaURL string
	// MediaLimits caps uploads; zero fields take media's defaults.
	MediaLimits media.Limits
	// MediaUploadRate is a customer's upload rate; zero takes
	// media.DefaultUploadRate.
	MediaUploadRate ratelimit.Rate
	// MediaCleanupInterval is how often unattached uploads are deleted;
	// zero means media.DefaultCleanupInterval, negative never (tests: the
	// loop's timer would sit on their fake clock beside the websockets').
	MediaCleanupInterval time.Duration
}

// Main is the running program: ParseFlags, then Run, then Close. Tests drive
// it directly with Addr "127.0.0.1:0".
type Main struct {
	Config Config
	Log    *slog.Logger

	// Set by Run.
	DB       *db.DB
	Issuer   *auth.Issuer
	Broker   pubsub.Broker
	Orders   *orders.Service
	Tracking *tracking.Service
	// Live is the stream engine every live feed runs on.
	Live *live.Engine
	// Shipments is the shipmentUpdated feed.
	Shipments *tracking.ShipmentFeed
	// Media stores and serves uploads.
	Media *media.Service
	// Moderation is the moderation core every kind of content registers with.
	Moderation *moderation.Service
	// Reviews writes and lists product reviews.
	Reviews *reviews.Service
	// ReviewReplies is the reviewReplyAdded feed.
	ReviewReplies *reviews.ReplyFeed
	// Community writes and lists topics and posts.
	Community *community.Service
	// Posts is the postAdded and postChanged feeds.
	Posts *community.PostFeeds
	// Comments is the feed of a post's comments.
	Comments *community.CommentFeed
	// Queue is the moderationQueueChanged feed.
	Queue   *moderation.QueueFeed
	Metrics *metrics.Metrics
	// WebhookSecret signs POST /webhooks/tracking deliveries.
	WebhookSecret []byte

	ln     net.Listener
	server *http.Server
	// api is the /query handler, kept to close its websockets on Close.
	api  *graph.Handler
	stop context.CancelFunc // stops background work (the simulator)
	// metricsLn and metricsServer serve Config.MetricsAddr.
	metricsLn     net.Listener
	metricsServer *http.Server
	// bucket holds the uploads; closed on Close.
	bucket *blob.Bucket
	// pprofLn and pprofServer serve Config.PprofAddr.
	pprofLn     net.Listener
	pprofServer *http.Server

	closeOnce sync.Once
	closeErr  error
}

// NewMain returns a Main with defaults and a text logger on stderr.
func NewMain() *Main {
	return &Main{
		Config: Config{Addr: "127.0.0.1:8080", DataDir: "data", DemoDir: "web-demo/dist", ReturnWindowDays: 30, ReturnPolicy: defaultReturnPolicy},
		Log:    slog.New(slog.NewTextHandler(os.Stderr, nil)),
	}
}

const defaultReturnPolicy = "Return or exchange unused items within 30 days of delivery for a full refund. Start a return from your order page; return shipping is free."

// ParseFlags reads flags, falling back to environment variables, and
// validates the result: a *ConfigError lists every missing or invalid
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
	fs.IntVar(&c.MaxQueued, "max-queued-requests", envInt("AFTERCART_MAX_QUEUED_REQUESTS", 1024), "requests that may wait for -max-inflight-requests; more get 503 UNAVAILABLE with Retry-After (env AFTERCART_MAX_QUEUED_REQUESTS)")
	gcFloor := fs.Int("gc-heap-floor", envInt("AFTERCART_GC_HEAP_FLOOR", 64), "MB of heap below which the garbage collector does not run; 0 keeps Go's GOGC=100 (a GOGC in the environment wins) (env AFTERCART_GC_HEAP_FLOOR)")
	fs.StringVar(&c.StoreName, "store-name", os.Getenv("AFTERCART_STORE_NAME"), "the store's name, shown on its replies to reviews; default \"The store\" (env AFTERCART_STORE_NAME)")
	fs.BoolVar(&c.ReviewsRequirePurchase, "reviews-require-purchase", envBool("AFTERCART_REVIEWS_REQUIRE_PURCHASE", false), "accept reviews only from customers with a delivered order line of the product (env AFTERCART_REVIEWS_REQUIRE_PURCHASE)")
	fastPath := fs.Bool("graphql-fast-path", envBool("AFTERCART_GRAPHQL_FAST_PATH", true), "render the order status query directly instead of field by field (same answers; a switch in case it is ever wrong) (env AFTERCART_GRAPHQL_FAST_PATH)")
	mf := addMediaFlags(fs)
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
	return configError(append(problems, c.problems()...))
}

// Run opens and migrates the database, seeds demo data in development mode,
// and starts serving. It returns once the server is listening.
func (m *Main) Run(ctx context.Context) error {
	c := m.Config
	var err error
	jwtSecret := c.JWTSecret
	if jwtSecret == nil {
		if jwtSecret, err = auth.ResolveSecret(c.DataDir, c.Dev); err != nil {
			return err
		}
	}
	if m.Issuer, err = auth.NewIssuer(jwtSecret); err != nil {
		return err
	}
	m.WebhookSecret = c.WebhookSecret
	if m.WebhookSecret == nil {
		if m.WebhookSecret, err = auth.ResolveNamedSecret(WebhookSecretEnv, WebhookSecretFile, c.DataDir, c.Dev); err != nil {
			return err
		}
	}
	if m.DB, err = db.Open(db.Config{URL: c.DatabaseURL, DataDir: c.DataDir, OnStatement: c.OnStatement, Log: m.Log,
		Pool: c.DBPool, StatementCache: c.DBStatementCache}); err != nil {
		return err
	}
	m.Metrics = metrics.New()
	if err := m.Metrics.WatchDB(m.DB.SQL); err != nil {
		return err
	}
	if err := m.Metrics.WatchStatements(func() metrics.StatementCounts {
		s := m.DB.Statements()
		return metrics.StatementCounts{Prepared: s.Prepared, Hits: s.Hits, Evicted: s.Evicted, Replanned: s.Replanned}
	}); err != nil {
		return err
	}
	if err := m.DB.Migrate(ctx); err != nil {
		return err
	}
	// Postgres carries change notifications between instances; the embedded
	// database serves one process, so an in-memory broker is enough.
	if m.DB.Dialect == dialect.Postgres {
		if m.Broker, err = pgnotify.New(ctx, m.DB.URL, m.Log); err != nil {
			return err
		}
	} else {
		m.Broker = inmem.New()
	}
	m.Orders = orders.NewService(m.DB, orders.Policy{Text: c.ReturnPolicy, WindowDays: c.ReturnWindowDays})
	m.Tracking = tracking.NewService(m.DB, m.Broker)
	m.Live = live.NewEngine(m.Broker, m.Log, live.WithClock(c.Clock), live.WithObserver(m.Metrics))
	m.Shipments = tracking.NewShipmentFeed(m.Live, m.DB.Client)
	if m.bucket, err = media.OpenBucket(ctx, c.MediaURL, c.DataDir); err != nil {
		return err
	}
	m.Media = media.NewService(m.DB, media.Config{Bucket: m.bucket, Limits: c.MediaLimits, UploadRate: c.MediaUploadRate, Clock: c.Clock, Log: m.Log})
	storeName := c.StoreName
	if storeName == "" && c.Dev {
		storeName = demo.StoreName
	}
	m.Moderation = moderation.NewService(m.DB, moderation.WithBroker(m.Broker))
	m.Queue = moderation.NewQueueFeed(m.Live, m.DB.Client, m.Moderation)
	m.Reviews = reviews.NewService(m.DB, m.Broker, m.Moderation, reviews.Config{Media: m.Media,
		RequirePurchase: c.ReviewsRequirePurchase, StoreName: storeName, Limits: c.ReviewLimits, Clock: c.Clock})
	m.ReviewReplies = reviews.NewReplyFeed(m.Live, m.DB.Client)
	m.Community = community.NewService(m.DB, m.Moderation, community.Config{Media: m.Media, Limits: c.CommunityLimits, Clock: c.Clock, Broker: m.Broker})
	m.Posts = community.NewPostFeeds(m.Live, m.DB.Client)
	m.Comments = community.NewCommentFeed(m.Live, m.DB.Client)
	if c.Seed {
		if err := demo.Seed(ctx, m.DB, m.Orders, m.Tracking, time.Now()); err != nil {
			return fmt.Errorf("seeding demo data: %w", err)
		}
		if err := demo.SeedReviews(ctx, m.DB, m.Reviews, m.Media); err != nil {
			return fmt.Errorf("seeding demo reviews: %w", err)
		}
	}
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	m.stop = stop
	if c.MediaCleanupInterval >= 0 {
		go m.Media.Run(bg, c.MediaCleanupInterval)
	}
	if c.Dev && c.Simulate > 0 {
		go demo.NewSimulator(m.DB, m.Orders, m.Tracking, m.Log).Run(bg, c.Simulate)
		m.Log.Info("carrier simulator on", "every", c.Simulate)
	}
	m.ln, err = net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	m.server = &http.Server{
		Handler:           m.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	go func() {
		if err := m.server.Serve(m.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("serve", "err", err)
		}
	}()
	if err := m.serveMetrics(); err != nil {
		return err
	}
	if err := m.servePprof(); err != nil {
		return err
	}
	m.Log.Info("aftercart listening", "url", m.URL(), "database", m.DB.Dialect, "dev", c.Dev, "metrics", m.MetricsURL())
	if c.Dev {
		m.printDevTokens()
	}
	return nil
}

// WebhookSecretEnv names the environment variable holding the webhook secret.
const WebhookSecretEnv = "AFTERCART_WEBHOOK_SECRET"

// URL is the base URL the server listens on.
func (m *Main) URL() string {
	if m.ln == nil {
		return ""
	}
	return "http://" + m.ln.Addr().String()
}

// Close shuts the server down gracefully (in-flight requests get 10 s) and
// closes the database. It logs when it starts and when it is done. Calls
// after the first return the first's result.
func (m *Main) Close() error {
	m.closeOnce.Do(func() { m.closeErr = m.close() })
	return m.closeErr
}

func (m *Main) close() error {
	start := time.Now()
	m.Log.Info("shutting down", "grace", shutdownGrace.String())
	var errsOut []error
	if m.stop != nil {
		m.stop()
	}
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		errsOut = append(errsOut, m.server.Shutdown(ctx))
	}
	errsOut = append(errsOut, m.closeMetrics(), m.closePprof())
	websockets := 0
	if m.api != nil {
		websockets = m.api.Connections()
		m.api.Close() // websockets are hijacked: Shutdown leaves them open
	}
	if m.Live != nil {
		m.Live.Close()
	}
	if m.Broker != nil {
		errsOut = append(errsOut, m.Broker.Close())
	}
	if m.bucket != nil {
		errsOut = append(errsOut, m.bucket.Close())
	}
	if m.DB != nil {
		errsOut = append(errsOut, m.DB.Close())
	}
	err := errors.Join(errsOut...)
	m.Log.Info("shutdown complete", "ms", time.Since(start).Milliseconds(), "websockets_closed", websockets, "ok", err == nil)
	return err
}

// shutdownGrace is how long in-flight requests get to finish on Close.
const shutdownGrace = 10 * time.Second
