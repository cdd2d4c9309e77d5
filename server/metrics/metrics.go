package metrics

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes aftercart's own series.
const Namespace = "aftercart"

// Outcome label values that are not error codes.
const (
	// OutcomeOK is the outcome of an operation without errors.
	OutcomeOK = "ok"
	// OutcomeOther replaces an outcome that is not a well-formed code.
	OutcomeOther = "other"
)

// Operation types, the type label of operations.
const (
	// TypeQuery, TypeMutation and TypeSubscription are the GraphQL operation types.
	TypeQuery        = "query"
	TypeMutation     = "mutation"
	TypeSubscription = "subscription"
	// TypeUnknown is the type of a request that failed before its operation
	// was known (unparsable, or naming no operation of its document).
	TypeUnknown = "unknown"
)

// latencyBuckets span a cached query (a millisecond) to a request the
// server should never take (ten seconds).
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Metrics is one server's collectors and registry. Its methods are safe for
// concurrent use and cheap enough for every request.
type Metrics struct {
	// Registry holds every collector of this server; Handler serves it.
	Registry *prometheus.Registry

	names         *nameSet
	operations    *prometheus.HistogramVec
	subscriptions prometheus.Gauge
	websockets    prometheus.Gauge
	wsClosed      *prometheus.CounterVec
	reads         *prometheus.CounterVec
	rows          *prometheus.CounterVec
	resyncs       prometheus.Counter
	sent          prometheus.Counter
	webhooks      *prometheus.CounterVec
	webhookTime   *prometheus.HistogramVec
	fastPath      *prometheus.CounterVec
}

// New returns a Metrics with its own registry, holding aftercart's
// collectors plus the Go runtime and process collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		names:    newNameSet(MaxOperationNames),
		operations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "graphql", Name: "operation_duration_seconds",
			Help:    "GraphQL operations by type, operation name and outcome (ok or the first error's code): time to the response, or for a subscription to its set-up. _count is the number of operations.",
			Buckets: latencyBuckets,
		}, []string{"type", "operation", "outcome"}),
		subscriptions: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "graphql", Name: "subscriptions_active",
			Help: "GraphQL subscriptions running now.",
		}),
		websockets: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "websocket", Name: "connections",
			Help: "Open graphql-transport-ws connections.",
		}),
		wsClosed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "websocket", Name: "closed_total",
			Help: "Websocket connections ended, by close code (the first sent or received; 1006 when the socket dropped without one).",
		}, []string{"code"}),
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "live", Name: "changelog_reads_total",
			Help: "Reads of the shipment change log, by reader (hub: an order's pushes; catchup: a resuming or lagging subscriber) and result.",
		}, []string{"reader", "result"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "live", Name: "changes_read_total",
			Help: "Change-log rows read, by reader.",
		}, []string{"reader"}),
		resyncs: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "live", Name: "resyncs_total",
			Help: "Times notifications were lost (the Postgres listener reconnected) and every followed order was re-read.",
		}),
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "live", Name: "updates_sent_total",
			Help: "Live updates written to subscribers.",
		}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "webhook", Name: "deliveries_total",
			Help: "Tracking webhook deliveries, by HTTP status answered.",
		}, []string{"code"}),
		webhookTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "webhook", Name: "delivery_duration_seconds",
			Help:    "Time to answer a tracking webhook delivery.",
			Buckets: latencyBuckets,
		}, nil),
		fastPath: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "graphql", Name: "fast_path_total",
			Help: "Queries the order status fast path could take, by result: served, or fallback (answered by gqlgen's executor: an error such as NOT_FOUND, or a value it does not render).",
		}, []string{"result"}),
	}
	reg.MustRegister(
		m.operations, m.subscriptions, m.websockets, m.wsClosed,
		m.reads, m.rows, m.resyncs, m.sent, m.webhooks, m.webhookTime, m.fastPath,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Handler serves the registry in Prometheus' exposition formats, counting
// its own scrapes (promhttp_metric_handler_*).
func (m *Metrics) Handler() http.Handler {
	return promhttp.InstrumentMetricHandler(m.Registry, promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{
		Registry: m.Registry, // reports its own errors as promhttp_metric_handler_errors_total
	}))
}

// WatchDB exports the pool statistics of db (open, in use, idle, waits) as
// go_sql_*{db_name="aftercart"}. Call it once per server.
func (m *Metrics) WatchDB(db *sql.DB) error {
	return m.Registry.Register(collectors.NewDBStatsCollector(db, Namespace))
}

// StatementCounts are the prepared-statement cache's totals since start
// (server/db's StatementStats; metrics does not import db).
type StatementCounts struct {
	// Prepared, Hits, Evicted and Replanned are as in db.StatementStats.
	Prepared, Hits, Evicted, Replanned int64
}

// WatchStatements exports the prepared-statement cache's totals as
// aftercart_db_statements_total{event="prepared|hit|evicted|replanned"},
// read from read at each scrape. A hit rate that falls, or evictions that
// climb, say the cache (-db-statement-cache) is too small for the
// statements the server sends. Call it once per server.
func (m *Metrics) WatchStatements(read func() StatementCounts) error {
	for _, c := range []struct {
		event string
		value func(StatementCounts) int64
	}{
		{"prepared", func(s StatementCounts) int64 { return s.Prepared }},
		{"hit", func(s StatementCounts) int64 { return s.Hits }},
		{"evicted", func(s StatementCounts) int64 { return s.Evicted }},
		{"replanned", func(s StatementCounts) int64 { return s.Replanned }},
	} {
		value := c.value
		if err := m.Registry.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace:   Namespace,
			Name:        "db_statements_total",
			Help:        "Prepared-statement cache events: statements prepared, executions that reused one, statements evicted, statements replanned after a schema change.",
			ConstLabels: prometheus.Labels{"event": c.event},
		}, func() float64 { return float64(value(read())) })); err != nil {
			return err
		}
	}
	return nil
}

// Operation records one GraphQL operation. name is the client's operation
// name ("" for an anonymous one); valid says the operation parsed and
// validated, which alone lets a new name have its own series. outcome is
// OutcomeOK or an error code; d the time to the response, or for a
// subscription to its set-up.
func (m *Metrics) Operation(typ, name string, valid bool, outcome string, d time.Duration) {
	switch typ {
	case TypeQuery, TypeMutation, TypeSubscription:
	default:
		typ = TypeUnknown
	}
	m.operations.WithLabelValues(typ, m.names.label(name, valid), outcomeLabel(outcome)).Observe(d.Seconds())
}

// SubscriptionStarted counts a running subscription; call the function it
// returns, once, when the subscription ends.
func (m *Metrics) SubscriptionStarted() (ended func()) {
	m.subscriptions.Inc()
	return m.subscriptions.Dec
}

// WebsocketOpened counts an open websocket.
func (m *Metrics) WebsocketOpened() { m.websockets.Inc() }

// WebsocketClosed counts the end of a websocket opened before, by close code.
func (m *Metrics) WebsocketClosed(code int) {
	m.wsClosed.WithLabelValues(closeCodeLabel(code)).Inc()
	m.websockets.Dec()
}

// ChangesRead records one read of the live change log: by a catching-up
// subscriber or by an order's hub, with the rows it returned or its error.
// (It implements live.Observer.)
func (m *Metrics) ChangesRead(catchUp bool, rows int, err error) {
	reader := "hub"
	if catchUp {
		reader = "catchup"
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.reads.WithLabelValues(reader, result).Inc()
	m.rows.WithLabelValues(reader).Add(float64(rows))
}

// Resynced records that lost notifications were made up for by re-reading
// every followed topic, of every feed (live.Observer).
func (m *Metrics) Resynced() { m.resyncs.Inc() }

// UpdatesSent records n updates written to subscribers (live.Observer).
func (m *Metrics) UpdatesSent(n int) { m.sent.Add(float64(n)) }

// FastPath records a query the order status fast path could take: served
// by it, or left to gqlgen's executor.
func (m *Metrics) FastPath(served bool) {
	result := "fallback"
	if served {
		result = "served"
	}
	m.fastPath.WithLabelValues(result).Inc()
}

// InstrumentWebhook counts the deliveries h answers, by HTTP status, and
// times them.
func (m *Metrics) InstrumentWebhook(h http.Handler) http.Handler {
	return promhttp.InstrumentHandlerDuration(m.webhookTime, promhttp.InstrumentHandlerCounter(m.webhooks, h))
}

// closeCodeLabel bounds the close-code label to the codes the server
// sends or expects; a client may close with any of thousands.
func closeCodeLabel(code int) string {
	switch code {
	case 1000, 1001, 1002, 1006, 1007, 1008, 1009, 1011,
		4400, 4401, 4403, 4408, 4409, 4429, 4499:
		return strconv.Itoa(code)
	}
	return OutcomeOther
}
