package app

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/hooks"
	"github.com/aftercart/aftercart/server/jobs"
	"github.com/aftercart/aftercart/server/loyalty"
	"github.com/aftercart/aftercart/server/media"
	"github.com/aftercart/aftercart/server/notify"
	"github.com/aftercart/aftercart/server/orders"
	"github.com/aftercart/aftercart/server/ratelimit"
	"github.com/aftercart/aftercart/server/reviews"
	"github.com/jonboulle/clockwork"
)

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
	// their turn (see graph/admission.go; 0 queues none, the flag's
	// default is DefaultMaxQueued).
	MaxInFlight, MaxQueued int
	// GCHeapFloor is the heap size below which the garbage collector does
	// not run (see package main's tuneGC); 0 keeps Go's default. The
	// process applies it, not Run: tests run many servers in one process.
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
	// FlagThreshold is the flag score that hides a review, post or comment
	// at once and queues it for staff (see server/community's doc); zero
	// means community.DefaultFlagThreshold.
	FlagThreshold float64
	// CommunityLimits overrides the per-customer posting limit (tests);
	// nil means community.DefaultLimits.
	CommunityLimits *community.Limits
	// LoyaltyRedeemRate bounds each customer's reward redemptions (tests);
	// the zero Rate means loyalty.DefaultRedeemRate.
	LoyaltyRedeemRate ratelimit.Rate
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
	// Jobs configures the job system (workers, sweep interval; tests
	// shorten its poll interval and backoff). Its Clock, Log and Metrics
	// are set by Run from this Config's and the App's.
	Jobs jobs.Config
	// Referrals configures the referral program (share link, rewards,
	// weekly cap); Run sets its Base to the server's URL.
	Referrals loyalty.ReferralConfig
	// JobsSetup, when set, registers more workers and sweepers after the
	// concepts' and before the job system starts (tests).
	JobsSetup func(*jobs.System)
	// Mail configures the outbox (server/notify: SMTP, sender, the
	// confirmation's delivery and return details). Its Dev, Clock, Log and
	// StoreName are set by Run; an empty OrderURL links to the demo's
	// order page on this server.
	Mail notify.Config
	// Webhooks configures the outbound store webhooks (server/hooks); Run
	// sets AllowHTTP in development mode, and its Clock and Log.
	Webhooks hooks.Config
}

// MaxFlagThreshold bounds -flag-threshold: a flag weighs at most 2, so a
// higher threshold would take more flaggers than a store has to hide
// anything, which is a typo rather than a choice.
const MaxFlagThreshold = 100

// ConfigError lists every problem found in the configuration (by
// Validate, and by package main's flag parsing).
// They are reported together because an operator who fixes one missing
// secret per restart (the old behaviour) pays a deploy for each.
type ConfigError struct {
	// Problems are one sentence each, naming the flag and its environment
	// variable; they never repeat a secret or a password.
	Problems []string
}

// Error implements error: one problem on one line, several as a list.
func (e *ConfigError) Error() string {
	if len(e.Problems) == 1 {
		return "configuration: " + e.Problems[0]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "configuration has %d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  - " + p)
	}
	return b.String()
}

// NewConfigError returns a *ConfigError for problems, or nil when there are
// none.
func NewConfigError(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	return &ConfigError{Problems: problems}
}

// Validate checks c as package main's ParseFlags produced it and returns a
// *ConfigError listing every problem, or nil. Secrets are checked where they will come
// from: the Config fields when set, else the environment (the development
// files in the data dir are created or read later, by Run).
func (c *Config) Validate() error { return NewConfigError(c.problems()) }

func (c *Config) problems() []string {
	var ps []string
	add := func(format string, args ...any) { ps = append(ps, fmt.Sprintf(format, args...)) }

	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		add("-addr (AFTERCART_ADDR) %q is not host:port, e.g. 127.0.0.1:8080 or :8080", c.Addr)
	} else if n, err := strconv.Atoi(port); err == nil && (n < 0 || n > 65535) {
		add("-addr (AFTERCART_ADDR) %q has port %d, outside 0-65535", c.Addr, n)
	}
	switch {
	case c.DataDir != "":
	case c.DatabaseURL == "" || c.Dev:
		add("-data-dir (AFTERCART_DATA_DIR) is empty; it holds the embedded database and the development secrets")
	case c.MediaURL == "":
		add("-data-dir (AFTERCART_DATA_DIR) is empty; it holds uploaded media unless -media-url (AFTERCART_MEDIA_URL) is set")
	}
	if c.DatabaseURL != "" {
		// The URL may carry a password: name its scheme, never echo it.
		u, err := url.Parse(c.DatabaseURL)
		switch {
		case err != nil:
			add("-database-url (DATABASE_URL) is not a URL; want postgres://user:password@host:5432/dbname")
		case u.Scheme != "postgres" && u.Scheme != "postgresql":
			add("-database-url (DATABASE_URL) has scheme %q; want postgres://user:password@host:5432/dbname, or leave it empty for the embedded SQLite database", u.Scheme)
		}
	}
	for _, o := range c.AllowedOrigins {
		if o != "*" && !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
			add("-allowed-origins (AFTERCART_ALLOWED_ORIGINS) entry %q is not an origin such as https://shop.example.com", o)
		}
	}
	if c.ReturnWindowDays < 0 || c.ReturnWindowDays > orders.MaxReturnWindowDays {
		add("-return-window-days (AFTERCART_RETURN_WINDOW_DAYS) is %d; must be between 0 and %d", c.ReturnWindowDays, orders.MaxReturnWindowDays)
	}
	if c.CostBudget < 1 {
		add("-cost-budget (AFTERCART_COST_BUDGET) is %d; must be at least 1", c.CostBudget)
	}
	if c.ViewerBurst < 1 {
		add("-viewer-cost-burst (AFTERCART_VIEWER_COST_BURST) is %d; must be at least 1", c.ViewerBurst)
	}
	if c.ViewerPerSecond <= 0 {
		add("-viewer-cost-per-second (AFTERCART_VIEWER_COST_PER_SECOND) is %g; must be at least 1", c.ViewerPerSecond)
	}
	if c.IntegrationBurst < 1 {
		add("-integration-cost-burst (AFTERCART_INTEGRATION_COST_BURST) is %d; must be at least 1", c.IntegrationBurst)
	}
	if c.IntegrationPerSecond <= 0 {
		add("-integration-cost-per-second (AFTERCART_INTEGRATION_COST_PER_SECOND) is %g; must be at least 1", c.IntegrationPerSecond)
	}
	if c.FlagThreshold < 0 || c.FlagThreshold > MaxFlagThreshold {
		add("-flag-threshold (AFTERCART_FLAG_THRESHOLD) is %g; must be above 0 and at most %d", c.FlagThreshold, MaxFlagThreshold)
	}
	if c.PprofAddr != "" {
		if p := pprofAddrProblem(c.PprofAddr); p != "" {
			add("-pprof-addr (AFTERCART_PPROF_ADDR) %q %s", c.PprofAddr, p)
		}
	}
	if c.Mail.SMTPURL != "" {
		// The URL may carry a password: CheckSMTPURL never echoes it.
		if p := notify.CheckSMTPURL(c.Mail.SMTPURL); p != "" {
			add("-smtp-url (AFTERCART_SMTP_URL) %s", p)
		} else if c.Mail.From == "" {
			add("-smtp-url (AFTERCART_SMTP_URL) needs -mail-from (AFTERCART_MAIL_FROM), the sender of every email")
		}
	}
	switch {
	case c.Simulate < 0:
		add("-simulate-carriers (AFTERCART_SIMULATE_CARRIERS) is %s; use 0 to disable it", c.Simulate)
	case c.Simulate > 0 && !c.Dev:
		add("-simulate-carriers (AFTERCART_SIMULATE_CARRIERS) needs -dev: it writes fake tracking events")
	}
	for _, s := range []struct {
		env   string
		value []byte
	}{{auth.SecretEnv, c.JWTSecret}, {WebhookSecretEnv, c.WebhookSecret}} {
		if s.value != nil {
			if len(s.value) < auth.MinSecretLen {
				add("the %s given is %d bytes, need at least %d", s.env, len(s.value), auth.MinSecretLen)
			}
		} else if err := auth.CheckSecretEnv(s.env, c.Dev); err != nil {
			ps = append(ps, err.Error())
		}
	}
	return ps
}

// DefaultMaxQueued is how many GraphQL requests may wait for a slot
// (Config.MaxQueued) unless the operator says otherwise: enough for any
// client's burst (the admin SPA's template list asks for each kind at
// once), few enough that a flood is refused rather than held.
const DefaultMaxQueued = 1024
