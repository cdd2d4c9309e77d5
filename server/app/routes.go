package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/rs/cors"

	"github.com/aftercart/aftercart/graph"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/catalog"
	"github.com/aftercart/aftercart/server/demo"
	"github.com/aftercart/aftercart/server/media"
	"github.com/aftercart/aftercart/server/notify"
	"github.com/aftercart/aftercart/server/reqlog"
	"github.com/aftercart/aftercart/server/support"
	"github.com/aftercart/aftercart/server/tracking"
)

// Handler is what Run serves on Config.Addr, nil before Run. Benchmarks
// call it directly to leave the network out.
func (a *App) Handler() http.Handler { return a.handler }

// routes assembles the handler: /query, the tracking webhook, media, health
// probes, the demo and, in development mode, GraphiQL, the demo session and
// /metrics. It needs what Run opened.
func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	api := graph.NewHandler(graph.HandlerConfig{
		Resolver: &graph.Resolver{Client: a.DB.Client, Orders: a.Orders, Tracking: a.Tracking, Shipments: a.Shipments, Uploads: a.media,
			Reviews: a.reviews, ReviewReplies: a.reviewReplies, Moderation: a.moderation, Community: a.community,
			Posts: a.posts, Comments: a.comments, Queue: a.queue, Program: a.Loyalty, LoyaltyFeed: a.loyaltyFeed,
			Referrals: a.Referrals, Outbox: a.Notify, Hooks: a.Hooks, Notifications: a.notifications,
			Catalog: catalog.NewService(a.DB), Support: support.NewService(a.DB, a.Config.Clock)},
		Issuer:               a.Issuer,
		Log:                  a.Log,
		Dev:                  a.Config.Dev,
		AllowedOrigins:       hostPatterns(a.Config.AllowedOrigins),
		CostBudget:           a.Config.CostBudget,
		ViewerBurst:          a.Config.ViewerBurst,
		ViewerPerSecond:      a.Config.ViewerPerSecond,
		IntegrationBurst:     a.Config.IntegrationBurst,
		IntegrationPerSecond: a.Config.IntegrationPerSecond,
		WSInitTimeout:        a.Config.WSInitTimeout,
		Clock:                a.Config.Clock,
		Metrics:              a.Metrics,
		NoFastPath:           a.Config.NoFastPath,
		MaxInFlight:          a.maxInFlight(),
		MaxQueued:            a.Config.MaxQueued,
		MaxUploadBytes:       a.media.Limits().MaxFileBytes(),
	})
	a.api = api
	corsMW := cors.New(cors.Options{
		AllowedOrigins:   a.Config.AllowedOrigins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   []string{"Authorization", "Content-Type"},
		AllowCredentials: false, // bearer tokens, never cookies
		MaxAge:           600,
	})
	mux.Handle("/query", corsMW.Handler(auth.Middleware(a.Issuer, api)))
	mux.Handle("/webhooks/tracking", a.Metrics.InstrumentWebhook(tracking.NewWebhook(a.Tracking, a.WebhookSecret, a.Log)))
	mux.Handle(media.PathPrefix, a.media.Handler())
	// The links of emails: one-click unsubscribe, open pixel, tracked clicks.
	links := a.Notify.Handler()
	for _, p := range []string{notify.UnsubscribePath, notify.OpenPath, notify.ClickPath} {
		mux.Handle(p, links)
	}
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.DB.Ping(ctx); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	mux.Handle("/demo/", http.StripPrefix("/demo/", demoFiles(a.Config.DemoDir)))
	// The demo catalog's images ship in the binary, so seeded products show
	// offline and without a web-demo build (Seed can run outside -dev too).
	mux.Handle(demo.ImagePrefix, http.StripPrefix(demo.ImagePrefix, demo.Images()))
	if a.Config.Dev {
		mux.Handle("GET /{$}", explorer(a.Config.DemoDir))
		// Development sessions: the demo pages sign in as the demo customer,
		// the admin SPA as staff, without a pasted token.
		mux.Handle("GET /demo/session", demo.SessionHandler(a.Issuer, auth.RoleCustomer, demo.DemoCustomerEmail))
		mux.Handle("GET "+demo.AdminSessionPath, demo.SessionHandler(a.Issuer, auth.RoleAdmin, ""))
		// In production metrics are on -metrics-addr only: the main
		// listener faces the internet (see observe.go).
		mux.Handle("GET /metrics", a.Metrics.Handler())
	}
	return reqlog.Middleware(a.Log, mux, quietPaths...)
}

// hostPatterns turns origins ("https://shop.example.com") into the host
// patterns coder/websocket matches ("shop.example.com").
func hostPatterns(origins []string) []string {
	out := make([]string, 0, len(origins))
	for _, o := range origins {
		if i := strings.Index(o, "://"); i >= 0 {
			o = o[i+3:]
		}
		out = append(out, o)
	}
	return out
}

// buildHint is how to build the web-demo, which holds both the order page
// and GraphiQL.
const buildHint = "Build it with: npm ci --prefix web-demo && npm run build --prefix web-demo\n"

// ExplorerPage is GraphiQL's page in the web-demo build. The server serves
// it only at `/` in development mode, never under /demo/, so production has
// no explorer even though the build contains it.
const ExplorerPage = "graphiql.html"

// demoFiles serves the built web-demo, or explains how to build it.
func demoFiles(dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
			notBuilt(w, "The web demo", filepath.Join(dir, "index.html"))
			return
		}
		if path.Clean("/"+r.URL.Path) == "/"+ExplorerPage {
			http.NotFound(w, r)
			return
		}
		securityHeaders(w)
		files.ServeHTTP(w, r)
	})
}

// explorer serves GraphiQL, built from npm packages with the web-demo so it
// loads nothing from the internet (gqlgen's playground takes React and
// GraphiQL from a CDN: offline it stays a blank page). The page fetches the
// demo customer's token from /demo/session itself. Its scripts and styles
// are under /demo/assets/, served by demoFiles.
func explorer(dir string) http.Handler {
	page := filepath.Join(dir, ExplorerPage)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(page)
		if err != nil {
			notBuilt(w, "GraphiQL", page)
			return
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil {
			http.Error(w, "cannot read "+ExplorerPage, http.StatusInternalServerError)
			return
		}
		securityHeaders(w)
		// The page names hashed assets: a stale copy would load old ones.
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		http.ServeContent(w, r, ExplorerPage, info.ModTime(), f)
	})
}

// notBuilt answers 404 with how to build the web-demo, for a newcomer who
// opened the page before building it.
func notBuilt(w http.ResponseWriter, what, missing string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, "%s is not built (no %s).\n%s", what, missing, buildHint)
}

// securityHeaders are set on every built page and asset: no MIME sniffing,
// and tokens in URLs never leak through Referer.
func securityHeaders(w http.ResponseWriter) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
}

// maxInFlight is the admission bound of /query (Config.MaxInFlight). By
// default two requests per CPU, and never more than the pool's
// connections: a request is mostly CPU (the Go side, and SQLite or a
// Postgres on the same machine), so more at once only makes them take turns
// on the CPUs, and database/sql then hands connections out at random. On
// two CPUs with Postgres on the same machine, 4 at once served 28 % more
// order status screens than 8, with a third lower p99
// (server/orders/ORDERSTATUS_BENCHMARKS.md). Requests that wait on a database
// across a network want more: raise -max-inflight-requests towards
// -db-max-open-conns.
func (a *App) maxInFlight() int {
	switch n := a.Config.MaxInFlight; {
	case n < 0:
		return 0
	case n == 0:
		return min(max(2*runtime.GOMAXPROCS(0), 4), a.DB.Pool.MaxOpen)
	default:
		return n
	}
}
