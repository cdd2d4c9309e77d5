package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
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
func (m *Main) serveMetrics() error {
	if m.Config.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", m.Config.MetricsAddr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Metrics.Handler())
	m.metricsLn = ln
	m.metricsServer = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := m.metricsServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("serve metrics", "err", err)
		}
	}()
	return nil
}

// MetricsURL is the URL of /metrics: on the metrics listener when there is
// one, else on the main listener in development mode, else "".
func (m *Main) MetricsURL() string {
	switch {
	case m.metricsLn != nil:
		return "http://" + m.metricsLn.Addr().String() + "/metrics"
	case m.Config.Dev && m.ln != nil:
		return m.URL() + "/metrics"
	}
	return ""
}

// closeMetrics stops the metrics listener; a scrape in flight gets a second.
func (m *Main) closeMetrics() error {
	if m.metricsServer == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return m.metricsServer.Shutdown(ctx)
}
