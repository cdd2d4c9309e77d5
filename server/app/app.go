package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"gocloud.dev/blob"

	"github.com/aftercart/aftercart/graph"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/demo"
	"github.com/aftercart/aftercart/server/hooks"
	"github.com/aftercart/aftercart/server/jobs"
	"github.com/aftercart/aftercart/server/live"
	"github.com/aftercart/aftercart/server/loyalty"
	"github.com/aftercart/aftercart/server/media"
	"github.com/aftercart/aftercart/server/metrics"
	"github.com/aftercart/aftercart/server/moderation"
	"github.com/aftercart/aftercart/server/notify"
	"github.com/aftercart/aftercart/server/orders"
	"github.com/aftercart/aftercart/server/pubsub"
	"github.com/aftercart/aftercart/server/pubsub/inmem"
	"github.com/aftercart/aftercart/server/pubsub/pgnotify"
	"github.com/aftercart/aftercart/server/reviews"
	"github.com/aftercart/aftercart/server/tracking"
)

// App is the assembled server: New, then Run, then Close. Package main
// drives it from flags; tests drive it directly with Addr "127.0.0.1:0"
// (see server/internal/testserver).
type App struct {
	// Config is what New was given; Run reads it, nothing changes it.
	Config Config
	// Log receives the server's logs.
	Log *slog.Logger

	// Set by Run; exported for package main and tests.

	// DB is the opened and migrated database.
	DB *db.DB
	// Issuer signs and checks the API's tokens.
	Issuer *auth.Issuer
	// Orders imports orders and ships them.
	Orders *orders.Service
	// Tracking records carrier events.
	Tracking *tracking.Service
	// Live is the stream engine every live feed runs on.
	Live *live.Engine
	// Shipments is the shipmentUpdated feed.
	Shipments *tracking.ShipmentFeed
	// Loyalty is the loyalty program; the job system runs its sweep
	// (loyaltySweep).
	Loyalty *loyalty.Service
	// Referrals is the program's referrals; the job system runs their
	// sweep (referralSweep) beside the program's.
	Referrals *loyalty.Referrals
	// Metrics holds the Prometheus collectors served at /metrics.
	Metrics *metrics.Metrics
	// Jobs is the durable job system (River) concepts register their
	// workers and sweepers with while Run assembles them.
	Jobs *jobs.System
	// Notify is the outbox: every message to a customer (server/notify).
	Notify *notify.Service
	// Hooks is the outbound webhooks of the store's own systems
	// (server/hooks).
	Hooks *hooks.Service
	// WebhookSecret signs POST /webhooks/tracking deliveries.
	WebhookSecret []byte

	// broker carries change notifications after commit (in memory on
	// SQLite, LISTEN/NOTIFY on Postgres).
	broker pubsub.Broker
	// media stores and serves uploads.
	media *media.Service
	// moderation is the moderation core every kind of content registers with.
	moderation *moderation.Service
	// reviews writes and lists product reviews.
	reviews *reviews.Service
	// reviewReplies is the reviewReplyAdded feed.
	reviewReplies *reviews.ReplyFeed
	// community writes and lists topics and posts.
	community *community.Service
	// posts is the postAdded and postChanged feeds.
	posts *community.PostFeeds
	// comments is the feed of a post's comments.
	comments *community.CommentFeed
	// queue is the moderationQueueChanged feed.
	queue *moderation.QueueFeed
	// loyaltyFeed is the loyaltyUpdated feed.
	loyaltyFeed *loyalty.Feed
	// notifications is the notificationAdded feed.
	notifications *notify.NotificationFeed

	ln     net.Listener
	server *http.Server
	// api is the /query handler, kept to close its websockets on Close.
	api *graph.Handler
	// handler is every route, api included (see Handler).
	handler http.Handler
	stop    context.CancelFunc // stops background work (the simulator)
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

// New returns an App that will run with c and log to log (slog.Default()
// when nil). Nothing is opened before Run.
func New(c Config, log *slog.Logger) *App {
	if log == nil {
		log = slog.Default()
	}
	return &App{Config: c, Log: log}
}

// Run opens and migrates the database, seeds demo data in development mode,
// and starts serving. It returns once the server is listening. Call Close
// after Run, whether or not it failed: it releases what Run opened.
func (a *App) Run(ctx context.Context) error {
	c := a.Config
	var err error
	jwtSecret := c.JWTSecret
	if jwtSecret == nil {
		if jwtSecret, err = auth.ResolveSecret(c.DataDir, c.Dev); err != nil {
			return err
		}
	}
	if a.Issuer, err = auth.NewIssuer(jwtSecret); err != nil {
		return err
	}
	a.WebhookSecret = c.WebhookSecret
	if a.WebhookSecret == nil {
		if a.WebhookSecret, err = auth.ResolveNamedSecret(WebhookSecretEnv, WebhookSecretFile, c.DataDir, c.Dev); err != nil {
			return err
		}
	}
	if a.DB, err = db.Open(db.Config{URL: c.DatabaseURL, DataDir: c.DataDir, OnStatement: c.OnStatement, Log: a.Log,
		Pool: c.DBPool, StatementCache: c.DBStatementCache}); err != nil {
		return err
	}
	a.Metrics = metrics.New()
	if err := a.Metrics.WatchDB(a.DB.SQL); err != nil {
		return err
	}
	if err := a.Metrics.WatchStatements(func() metrics.StatementCounts {
		s := a.DB.Statements()
		return metrics.StatementCounts{Prepared: s.Prepared, Hits: s.Hits, Evicted: s.Evicted, Replanned: s.Replanned}
	}); err != nil {
		return err
	}
	if err := a.DB.Migrate(ctx); err != nil {
		return err
	}
	// Postgres carries change notifications between instances; the embedded
	// database serves one process, so an in-memory broker is enough.
	if a.DB.Dialect == dialect.Postgres {
		if a.broker, err = pgnotify.New(ctx, a.DB.URL, a.Log); err != nil {
			return err
		}
	} else {
		a.broker = inmem.New()
	}
	jc := c.Jobs
	jc.Clock, jc.Log, jc.Metrics = c.Clock, a.Log, a.Metrics.Registry
	if a.Jobs, err = jobs.New(a.DB, jc); err != nil {
		return err
	}
	a.Orders = orders.NewService(a.DB, orders.Policy{Text: c.ReturnPolicy, WindowDays: c.ReturnWindowDays})
	a.Tracking = tracking.NewService(a.DB, a.broker, tracking.WithClock(c.Clock))
	a.Live = live.NewEngine(a.broker, a.Log, live.WithClock(c.Clock), live.WithObserver(a.Metrics))
	a.Shipments = tracking.NewShipmentFeed(a.Live, a.DB.Client)
	if a.bucket, err = media.OpenBucket(ctx, c.MediaURL, c.DataDir); err != nil {
		return err
	}
	a.media = media.NewService(a.DB, media.Config{Bucket: a.bucket, Limits: c.MediaLimits, UploadRate: c.MediaUploadRate, Clock: c.Clock, Log: a.Log})
	storeName := c.StoreName
	if storeName == "" && c.Dev {
		storeName = demo.StoreName
	}
	a.moderation = moderation.NewService(a.DB, moderation.WithBroker(a.broker), moderation.WithClock(c.Clock))
	// Before anything that delivers orders or publishes content: the
	// program hooks into those writes (loyalty.Service.Register).
	if a.Loyalty, err = loyalty.NewService(a.DB, loyalty.Config{Clock: c.Clock, Broker: a.broker, RedeemRate: c.LoyaltyRedeemRate}); err != nil {
		return err
	}
	a.loyaltyFeed = loyalty.NewFeed(a.Live, a.Loyalty)
	a.Jobs.AddSweeper("loyalty", a.loyaltySweep)
	rc := c.Referrals
	rc.Base = a.URL
	a.Referrals = loyalty.NewReferrals(a.Loyalty, rc)
	a.Orders.UseReferrals(a.Referrals)
	a.Orders.UseRewardCodes(a.Loyalty)
	a.Jobs.AddSweeper("referrals", a.referralSweep)
	a.queue = moderation.NewQueueFeed(a.Live, a.DB.Client, a.moderation)
	a.reviews = reviews.NewService(a.DB, a.broker, a.moderation, reviews.Config{Media: a.media,
		RequirePurchase: c.ReviewsRequirePurchase, StoreName: storeName, Limits: c.ReviewLimits, Clock: c.Clock})
	a.reviewReplies = reviews.NewReplyFeed(a.Live, a.DB.Client)
	a.community = community.NewService(a.DB, a.moderation, community.Config{Media: a.media, Limits: c.CommunityLimits, Clock: c.Clock, Broker: a.broker,
		FlagThreshold: c.FlagThreshold})
	a.posts = community.NewPostFeeds(a.Live, a.DB.Client)
	a.comments = community.NewCommentFeed(a.Live, a.DB.Client)
	mc := c.Mail
	mc.Dev, mc.Clock, mc.Log, mc.StoreName, mc.Broker = c.Dev, c.Clock, a.Log, storeName, a.broker
	// Review requests mention the points a verified review earns: the
	// program above runs with loyalty's default (no flag sets it).
	if mc.ReviewPoints == 0 {
		mc.ReviewPoints = loyalty.DefaultReviewPoints
	}
	mc.Rules.LinkSecret = notify.LinkKey(jwtSecret)
	if a.Notify, err = notify.NewService(a.DB, a.Jobs, mc); err != nil {
		return err
	}
	a.Referrals.Notify(a.Notify)
	a.Loyalty.Notify(a.Notify) // LOYALTY messages (notify/journey_lifecycle.go)
	a.Notify.UseLoyalty(a.Loyalty)
	a.notifications = notify.NewNotificationFeed(a.Live, a.Notify)
	if a.Notify.Transport() == "outbox" && !c.Dev {
		a.Log.Warn("no -smtp-url: emails stay in the outbox (the messages query shows them), nothing is sent")
	}
	hc := c.Webhooks
	hc.AllowHTTP, hc.AllowPrivate, hc.Clock, hc.Log = hc.AllowHTTP || c.Dev, hc.AllowPrivate || c.Dev, c.Clock, a.Log
	a.Hooks = hooks.NewService(a.DB, a.Jobs, hc)
	if c.JobsSetup != nil {
		c.JobsSetup(a.Jobs)
	}
	// Every worker is registered: start working jobs (before seeding,
	// which may enqueue some).
	if err := a.Jobs.Start(ctx); err != nil {
		return err
	}
	if c.Seed {
		if err := demo.Seed(ctx, a.DB, a.Orders, a.Tracking, time.Now()); err != nil {
			return fmt.Errorf("seeding demo data: %w", err)
		}
		if err := demo.SeedReviews(ctx, a.DB, a.reviews, a.media); err != nil {
			return fmt.Errorf("seeding demo reviews: %w", err)
		}
		if err := demo.SeedCommunity(ctx, a.DB, a.media, time.Now()); err != nil {
			return fmt.Errorf("seeding the demo community: %w", err)
		}
		if err := demo.SeedLoyalty(ctx, a.DB, a.Orders, a.Tracking, a.Loyalty, time.Now()); err != nil {
			return fmt.Errorf("seeding the demo loyalty history: %w", err)
		}
		if err := demo.SeedReferrals(ctx, a.DB, a.Orders, a.Tracking, a.Referrals, time.Now()); err != nil {
			return fmt.Errorf("seeding the demo referrals: %w", err)
		}
		if err := demo.SeedCatalog(ctx, a.DB); err != nil {
			return fmt.Errorf("seeding the demo catalog content: %w", err)
		}
	}
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stop = stop
	if c.MediaCleanupInterval >= 0 {
		go a.media.Run(bg, c.MediaCleanupInterval)
	}
	if c.Dev && c.Simulate > 0 {
		go demo.NewSimulator(a.DB, a.Orders, a.Tracking, a.Log).Run(bg, c.Simulate)
		a.Log.Info("carrier simulator on", "every", c.Simulate)
	}
	a.ln, err = net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	if c.Mail.OrderURL == "" {
		a.Notify.SetOrderURL(a.URL() + "/demo/#/orders/{number}")
	}
	a.Notify.SetPublicURL(a.URL())
	a.handler = a.routes()
	a.server = &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	go func() {
		if err := a.server.Serve(a.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("serve", "err", err)
		}
	}()
	if err := a.serveMetrics(); err != nil {
		return err
	}
	if err := a.servePprof(); err != nil {
		return err
	}
	a.Log.Info("aftercart listening", "url", a.URL(), "database", a.DB.Dialect, "dev", c.Dev, "metrics", a.MetricsURL())
	return nil
}

// WebhookSecretEnv names the environment variable holding the webhook secret.
const WebhookSecretEnv = "AFTERCART_WEBHOOK_SECRET"

// WebhookSecretFile is the file under the data directory where development
// mode keeps the webhook secret it generated.
const WebhookSecretFile = "webhook-secret"

// URL is the base URL the server listens on.
func (a *App) URL() string {
	if a.ln == nil {
		return ""
	}
	return "http://" + a.ln.Addr().String()
}

// Close shuts the server down gracefully (in-flight requests get 10 s, then
// running jobs get Config.Jobs.StopGrace, see jobs.System.Stop) and closes
// the database. It logs when it starts and when it is done. Calls
// after the first return the first's result.
func (a *App) Close() error {
	a.closeOnce.Do(func() { a.closeErr = a.close() })
	return a.closeErr
}

func (a *App) close() error {
	start := time.Now()
	a.Log.Info("shutting down", "grace", shutdownGrace.String())
	var errsOut []error
	if a.stop != nil {
		a.stop()
	}
	if a.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		errsOut = append(errsOut, a.server.Shutdown(ctx))
	}
	errsOut = append(errsOut, a.closeMetrics(), a.closePprof())
	if a.Jobs != nil {
		// After the requests that enqueue jobs, before what jobs use.
		errsOut = append(errsOut, a.Jobs.Stop())
	}
	if a.Notify != nil {
		a.Notify.Close() // the SMTP sessions kept open, once no send runs
	}
	websockets := 0
	if a.api != nil {
		websockets = a.api.Connections()
		a.api.Close() // websockets are hijacked: Shutdown leaves them open
	}
	if a.Live != nil {
		a.Live.Close()
	}
	if a.broker != nil {
		errsOut = append(errsOut, a.broker.Close())
	}
	if a.bucket != nil {
		errsOut = append(errsOut, a.bucket.Close())
	}
	if a.DB != nil {
		errsOut = append(errsOut, a.DB.Close())
	}
	err := errors.Join(errsOut...)
	a.Log.Info("shutdown complete", "ms", time.Since(start).Milliseconds(), "websockets_closed", websockets, "ok", err == nil)
	return err
}

// shutdownGrace is how long in-flight requests get to finish on Close.
const shutdownGrace = 10 * time.Second

// loyaltySweep is the loyalty program's sweeper: pending points released
// when their return window ends, points expired, tiers recomputed as spend
// rolls off (loyalty.Service.Sweep), on the job system's schedule and
// clock. It logs what it changed, when it changed anything.
func (a *App) loyaltySweep(ctx context.Context, now time.Time) error {
	res, err := a.Loyalty.Sweep(ctx, now)
	if res != (loyalty.SweepResult{}) {
		a.Log.Info("loyalty sweep", "released", res.Released, "expired", res.Expired, "retiered", res.Retiered)
	}
	return err
}

// referralSweep settles due referrals (loyalty.Referrals.Sweep): a second
// sweeper rather than a step of loyaltySweep, so a failing referral cannot
// hold back the release of everyone's pending points, and each logs its
// own counts.
func (a *App) referralSweep(ctx context.Context, now time.Time) error {
	res, err := a.Referrals.Sweep(ctx, now)
	if res != (loyalty.ReferralSweepResult{}) {
		a.Log.Info("referral sweep", "paid", res.Paid, "held", res.Held, "voided", res.Voided)
	}
	return err
}
