package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/rs/cors"

	"github.com/aftercart/aftercart/graph"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/tracking"
)

// Handler assembles the routes.
func (m *Main) Handler() http.Handler {
	mux := http.NewServeMux()
	api := graph.NewHandler(graph.HandlerConfig{
		Resolver:       &graph.Resolver{Client: m.DB.Client, Orders: m.Orders, Tracking: m.Tracking, Live: m.Live},
		Issuer:         m.Issuer,
		Log:            m.Log,
		Dev:            m.Config.Dev,
		AllowedOrigins: hostPatterns(m.Config.AllowedOrigins),
		CostBudget:     m.Config.CostBudget,
		WSInitTimeout:  m.Config.WSInitTimeout,
	})
	corsMW := cors.New(cors.Options{
		AllowedOrigins:   m.Config.AllowedOrigins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   []string{"Authorization", "Content-Type"},
		AllowCredentials: false, // bearer tokens, never cookies
		MaxAge:           600,
	})
	mux.Handle("/query", corsMW.Handler(auth.Middleware(m.Issuer, graph.ViewerMiddleware(m.DB.Client, m.Log, api))))
	mux.Handle("/webhooks/tracking", tracking.NewWebhook(m.Tracking, m.WebhookSecret, m.Log))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := m.DB.Ping(ctx); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	if m.Config.Dev {
		mux.Handle("/{$}", playground.Handler("aftercart", "/query"))
	}
	return mux
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
