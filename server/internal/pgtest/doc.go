// Package pgtest runs a real, throwaway PostgreSQL cluster for Go tests.
//
// The Postgres code paths (LISTEN/NOTIFY, migrations, behaviour when the
// server restarts mid-stream) cannot be trusted to a fake or to SQLite, and a
// shared long-lived server makes tests order-dependent. So each test binary
// starts its own cluster from the Debian binaries in
// /usr/lib/postgresql/<version>/bin, gives every test its own database, and
// removes everything when it exits. Durability is switched off, since the
// data is thrown away: a cluster starts in two to three seconds and a
// database takes a few hundred milliseconds.
//
// A package whose tests need Postgres runs them through [Main]:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		dsn := pgtest.Get(t).NewDatabase(t)
//		db, err := sql.Open("postgres", dsn)
//		...
//	}
//
// A harness whose tests all need the same schema builds it once with
// [Cluster.Template] and gives each test a copy from [Cluster.NewDatabaseFrom]
// (server/internal/testserver's MigratedDatabase does this for the server's
// schema).
//
// The cluster is started on the first [Get], so `go test -run` that selects
// no Postgres test pays nothing. A test that restarts or otherwise disturbs
// the server should use its own cluster from [Start] instead of the shared
// one.
//
// When the binaries are missing, tests are skipped on a developer machine but
// fail when the CI environment variable is set: CI must never go green by
// silently skipping the Postgres suite.
//
// When the tests run as root (CI containers), initdb, pg_ctl and postgres run
// as the postgres OS user, because the server refuses to run as root.
package pgtest
