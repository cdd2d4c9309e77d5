// Package metrics is aftercart's Prometheus instrumentation: the collectors,
// the registry they live in, and the /metrics handler (the official
// client_golang library).
//
// Every server owns its registry (never prometheus.DefaultRegisterer), so
// several servers in one process, as in the tests, do not collide, and a
// scrape shows exactly one server.
//
// The series, all prefixed aftercart_ except the standard ones:
//
//	graphql_operation_duration_seconds{type,operation,outcome}  histogram; its _count is the number of operations
//	graphql_subscriptions_active                                gauge
//	websocket_connections                                       gauge, open websockets
//	websocket_closed_total{code}                                counter, by close code (sent or received)
//	live_changelog_reads_total{reader,result}                   counter, reads of the change log by a hub or a catching-up subscriber
//	live_changes_read_total{reader}                             counter, rows those reads returned
//	live_resyncs_total                                          counter, lost notifications made up by re-reading
//	live_updates_sent_total                                     counter, updates written to subscribers
//	webhook_deliveries_total{code}                              counter, tracking webhook deliveries by HTTP status
//	webhook_delivery_duration_seconds                           histogram
//	go_sql_*{db_name="aftercart"}                               database pool (collectors.NewDBStatsCollector)
//	go_*, process_*                                             Go runtime and process
//
// Labels whose values come from clients are bounded. An operation label is
// the operation's name when it is a GraphQL name of at most MaxNameLength
// characters and one of the first MaxOperationNames distinct names seen in a
// valid operation; "anonymous" for an operation without a name; "other" for
// anything else (later names, names only seen in requests that failed to
// parse or validate, over-long names). An outcome is "ok" or the first
// error's extensions.code, and a close code one of the codes the server
// itself uses, else "other". The worst case is therefore a few thousand
// series, however clients name their operations.
package metrics
