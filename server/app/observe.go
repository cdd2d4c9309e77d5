package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/aftercart/aftercart/server/notify"
)

// quietPaths are logged at DEBUG rather than INFO: probes and scrapes come
// every few seconds and say nothing a metric does not.
var quietPaths = []string{"/healthz", "/readyz", "/metrics"}

// serveMetrics serves /metrics on Config.MetricsAddr, when set.
//
// Why a listener of its own: the main listener faces clients, and the
// metrics tell anyone who can read them the operation names in use, the
// traffic and the error rates. In production they are served only there,
// on an address the operator keeps internal (loopback, a private interface,
// a port the load balancer does not forward); -dev also serves them on the
// main listener, for convenience.
func (a *App) serveMetrics() error {
	if a.Config.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", a.Config.MetricsAddr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	a.metricsLn = ln
	a.metricsServer = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := a.metricsServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("serve metrics", "err", err)
		}
	}()
	return nil
}

// MetricsURL is the URL of /metrics: on the metrics listener when there is
// one, else on the main listener in development mode, else "".
func (a *App) MetricsURL() string {
	switch {
	case a.metricsLn != nil:
		return "http://" + a.metricsLn.Addr().String() + "/metrics"
	case a.Config.Dev && a.ln != nil:
		return a.URL() + "/metrics"
	}
	return ""
}

// closeMetrics stops the metrics listener; a scrape in flight gets a second.
func (a *App) closeMetrics() error {
	if a.metricsServer == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return a.metricsServer.Shutdown(ctx)
}

// Notifications is the notificationAdded feed, for tests that drive the
// stream engine directly (its commit-order check).
func (a *App) Notifications() *notify.NotificationFeed { return a.notifications }
