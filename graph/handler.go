package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/graph/cost"
	"github.com/aftercart/aftercart/graph/wsproto"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
	"github.com/aftercart/aftercart/server/metrics"
)

// Limits applied to every GraphQL request.
const (
	// MaxBodyBytes bounds a POST body; larger requests get 413 before parsing.
	MaxBodyBytes = 1 << 20
	// ParserTokenLimit bounds how much a query can make the parser and the
	// (quadratic) field-overlap validation do: 8,000 repeated fields otherwise
	// take seconds before any cost check runs.
	ParserTokenLimit = 15_000
	// DefaultCostBudget is the most a single operation may cost (see graph/cost).
	DefaultCostBudget = 25_000
	// DefaultViewerBurst is the most cost one client may spend at once:
	// two of the most expensive operations back to back.
	DefaultViewerBurst = 2 * DefaultCostBudget
	// DefaultViewerPerSecond is the cost a client gets back per second:
	// one of the most expensive operations every 10 s, or a typical
	// order screen (a few hundred points) several times a second.
	DefaultViewerPerSecond = 2_500
	// StaffBudgetScale multiplies the budget of ADMIN tokens: people
	// working for many customers.
	StaffBudgetScale = 10
	// DefaultIntegrationBurst and DefaultIntegrationPerSecond size the
	// bucket of each INTEGRATION token. A store's backend may serve all
	// of its customers through one token, so its budget is sized above
	// what one instance serves (an order status screen costs 230: about
	// 4,300 a second, where two cores serve ~1,000-3,000) and the
	// instance's capacity, not the budget, is what limits it; lower it
	// to keep a runaway integration from crowding out customers' apps.
	DefaultIntegrationBurst     = 2_000_000
	DefaultIntegrationPerSecond = 1_000_000
)

// HandlerConfig configures the GraphQL HTTP handler.
type HandlerConfig struct {
	// Resolver holds the resolvers' dependencies.
	Resolver *Resolver
	// Issuer verifies bearer tokens, including websocket connection_init ones.
	Issuer *auth.Issuer
	// Log receives internal errors and panics.
	Log *slog.Logger
	// Dev enables introspection and field suggestions.
	Dev bool
	// AllowedOrigins are the browser origins allowed to open websockets
	// (host patterns, see wsproto.Transport.OriginPatterns: "localhost:5173", "*.example.com").
	AllowedOrigins []string
	// CostBudget overrides DefaultCostBudget when positive.
	CostBudget int
	// ViewerBurst and ViewerPerSecond size each client's leaky bucket of
	// cost (see cost.Budget); zero means DefaultViewerBurst and
	// DefaultViewerPerSecond. The burst is raised to the cost budget if
	// lower, so that any acceptable operation can run.
	ViewerBurst     int
	ViewerPerSecond float64
	// IntegrationBurst and IntegrationPerSecond size each INTEGRATION
	// token's bucket; zero means DefaultIntegrationBurst and
	// DefaultIntegrationPerSecond. The burst is raised to the cost budget
	// if lower.
	IntegrationBurst     int
	IntegrationPerSecond float64
	// WSInitTimeout overrides how long a websocket may wait before
	// connection_init (default wsproto.DefaultInitTimeout).
	WSInitTimeout time.Duration
	// Clock times websockets (see wsproto.Transport.Clock); nil means the
	// real clock.
	Clock clockwork.Clock
	// Metrics records operations and websockets (see observe.go); nil
	// records them nowhere.
	Metrics *metrics.Metrics
	// MaxInFlight bounds the GraphQL requests over HTTP that run at once
	// (0: no bound); up to MaxQueued more wait their turn in arrival order,
	// and the rest get 503 UNAVAILABLE (see admission.go).
	MaxInFlight, MaxQueued int
	// NoFastPath makes gqlgen's executor answer the order status screen
	// too (see orderstatus_render.go): for comparing both paths, and as a
	// switch should the fast path ever be wrong.
	NoFastPath bool
	// MaxUploadBytes is the largest file a multipart request may carry
	// (the largest media.Limits cap); the body of such a request may be
	// MaxBodyBytes more. Zero refuses multipart requests (415), as for
	// any form post.
	MaxUploadBytes int64
}

// MaxSubscriptionsPerConnection caps a websocket's active subscriptions; the
// one over the cap gets a THROTTLED error (see wsproto.Transport).
const MaxSubscriptionsPerConnection = 50

// Handler is the /query handler (see NewHandler).
type Handler struct {
	http.Handler
	ws *wsproto.Transport
}

// Close ends every open websocket (1001, going away). Call it after the HTTP
// server has shut down: hijacked connections are not the server's to close.
func (h *Handler) Close() { h.ws.Close() }

// Connections returns how many websockets are open.
func (h *Handler) Connections() int { return h.ws.Connections() }

// NewHandler builds the /query handler: gqlgen with explicit transports and
// extensions (never handler.NewDefaultServer, which has no limits), wrapped in
// a body-size limit. Authentication of plain HTTP requests happens in
// auth.Middleware before it; websockets authenticate in connection_init.
func NewHandler(cfg HandlerConfig) *Handler {
	srv := handler.New(NewExecutableSchema(Config{Resolvers: cfg.Resolver}))
	viewers := NewViewerCache(cfg.Resolver.Client)
	conns := newConnLimiter(MaxConnectionsPerViewer)
	obs := newObserver(cfg.Metrics, cfg.Log)
	// aftercart's own graphql-transport-ws transport, not gqlgen's: right
	// close codes, and a few KB per idle subscriber instead of ~90 (see
	// graph/wsproto and server/live/BENCHMARKS.md).
	ws := &wsproto.Transport{
		OriginPatterns:   cfg.AllowedOrigins,
		InitTimeout:      cfg.WSInitTimeout,
		MaxSubscriptions: MaxSubscriptionsPerConnection,
		PingInterval:     WSPingInterval,
		PongTimeout:      WSPongTimeout,
		Clock:            cfg.Clock,
		Log:              cfg.Log,
		OnOpen:           obs.websocketOpened,
		OnClose:          obs.websocketClosed,
		InitFunc: func(ctx context.Context, payload transport.InitPayload) (context.Context, error) {
			v, err := auth.FromInitPayload(cfg.Issuer, payload)
			if err != nil {
				return nil, err
			}
			if v == nil {
				return ctx, nil
			}
			if err := viewers.Resolve(ctx, v); err != nil {
				cfg.Log.WarnContext(ctx, "resolving websocket viewer", "err", err)
				return nil, errors.New("service unavailable")
			}
			if v.IsCustomer() {
				if !conns.admit(ctx, v) {
					return nil, &wsproto.CloseError{Code: 4429, Reason: "Too many connections for this viewer"}
				}
			}
			// The socket closes with 4403 when the token expires.
			return wsproto.WithExpiry(auth.NewContext(ctx, v), v.ExpiresAt), nil
		},
	}
	srv.AddTransport(ws)
	srv.AddTransport(transport.Options{})
	posts := httpTransport{maxBody: MaxBodyBytes, maxUpload: cfg.MaxUploadBytes}
	srv.AddTransport(posts)
	queries := newQueryCache()
	srv.SetQueryCache(queries)
	srv.SetParserTokenLimit(ParserTokenLimit)
	srv.SetDisableSuggestion(!cfg.Dev)
	srv.SetValidationRulesFn(validationRules(cfg.Dev))
	srv.Use(&ValidationGuard{Cache: queries}) // before the persisted-query cache: see validation.go
	budget := cfg.CostBudget
	if budget <= 0 {
		budget = DefaultCostBudget
	}
	// The cost check must be the first operation mutator (see graph/cost);
	// the per-client budget charges the cost it computed.
	srv.Use(cost.New(budget))
	burst := cfg.ViewerBurst
	if burst <= 0 {
		burst = DefaultViewerBurst
	}
	perSecond := cfg.ViewerPerSecond
	if perSecond <= 0 {
		perSecond = DefaultViewerPerSecond
	}
	integration := cost.Rate{Burst: cfg.IntegrationBurst, PerSecond: cfg.IntegrationPerSecond}
	if integration.Burst <= 0 {
		integration.Burst = DefaultIntegrationBurst
	}
	if integration.PerSecond <= 0 {
		integration.PerSecond = DefaultIntegrationPerSecond
	}
	integration.Burst = max(integration.Burst, budget)
	staff := cost.Rate{Burst: max(burst, budget) * StaffBudgetScale, PerSecond: perSecond * StaffBudgetScale}
	srv.Use(&cost.Budget{Burst: max(burst, budget), PerSecond: perSecond, Key: budgetKey(staff, integration)})
	// Only an operation that passed every check above looks its viewer up.
	srv.Use(viewerResolver{cache: viewers})
	if cfg.Dev {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: newPersistedQueryCache()})
	srv.Use(obs)
	if !cfg.NoFastPath {
		// Last: the innermost response interceptor, inside every check.
		srv.Use(statusFastPath{resolver: cfg.Resolver, log: obs.log, metrics: obs.metrics})
	}
	srv.SetErrorPresenter(obs.presenter(ErrorPresenter(cfg.Log)))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		cfg.Log.ErrorContext(ctx, "graphql: panic", "panic", fmt.Sprint(p))
		return fmt.Errorf("panic: %v", p)
	})
	admit := newAdmission(cfg.MaxInFlight, cfg.MaxQueued)
	return &Handler{ws: ws, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), clientAddrKey{}, clientAddr(r))
		websocket := ws.Supports(r)
		if !websocket {
			ctx = cost.WithResponseHeader(ctx, w.Header())
		}
		r = r.WithContext(ctx)
		if limit := posts.bodyLimit(r); r.ContentLength > limit {
			// Refused before reading; a body without a declared length is
			// cut off at the same size by httpTransport.
			writeRequestError(w, mediaJSON, http.StatusRequestEntityTooLarge, errs.BadRequest,
				fmt.Sprintf("the request body is over %d bytes", limit))
			return
		}
		if websocket || strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			// Neither waits its turn: a subscription holds no slot while
			// it waits for changes, and an upload spends most of its time
			// receiving its body, which a slow client would make a slot
			// wait for (uploads have their own per-customer rate and
			// decode at most GOMAXPROCS photos at once: server/media).
			srv.ServeHTTP(w, r)
			return
		}
		admit.admit(w, r, srv)
	})}
}

// clientAddrKey carries the client's address, which anonymous requests are
// charged to.
type clientAddrKey struct{}

// clientAddr is the request's remote host. Behind a proxy every anonymous
// client shares the proxy's address, and so one budget: anonymous clients
// can do little but sign in.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// budgetKey names the bucket an operation's cost is charged to, and its
// rate: the customer, the ADMIN token (staff's rate), the INTEGRATION token
// (the integration rate), or the anonymous client's address. Websocket
// operations carry the connection's viewer and address.
func budgetKey(staff, integration cost.Rate) func(ctx context.Context) (string, cost.Rate) {
	return func(ctx context.Context) (string, cost.Rate) {
		if v, ok := auth.FromContext(ctx); ok && v != nil {
			switch {
			case v.Role == auth.RoleIntegration:
				return "staff:" + string(v.Role) + ":" + v.Subject, integration
			case v.IsStaff():
				return "staff:" + string(v.Role) + ":" + v.Subject, staff
			}
			return string(v.Role) + ":" + v.Subject, cost.Rate{}
		}
		addr, _ := ctx.Value(clientAddrKey{}).(string)
		return "anonymous:" + addr, cost.Rate{}
	}
}
