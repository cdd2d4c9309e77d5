// Package testserver is the harness every concept's tests use to test
// themselves through the real API: it starts the real server (app.App) on
// SQLite or on a throwaway Postgres (EachDB runs a test on both), mints
// tokens, posts GraphQL operations and checks their answers (Response's
// MustOK, MustCode), signs webhooks, speaks graphql-transport-ws over a real
// websocket (WSClient) and imports, ships and tracks orders (the common
// fixtures). A package whose tests use Postgres runs them through
// pgtest.Main:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// Helpers that only one concept uses live with that concept's tests, not
// here.
package testserver
