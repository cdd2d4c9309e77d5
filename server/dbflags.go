package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/db"
)

// MaxStatementCache bounds -db-statement-cache: each statement kept costs
// the Postgres session its plan, and aftercart runs a few dozen.
const MaxStatementCache = 10_000

// dbFlags are the pool and statement-cache flags as an operator writes
// them, where 0 means never or off; db.Pool and db.Config use 0 for their
// defaults, which apply takes care of.
type dbFlags struct {
	maxOpen, maxIdle, cache  *int
	maxLifetime, maxIdleTime *time.Duration
}

// addDBFlags declares the database flags on fs. The default pool depends
// on GOMAXPROCS (see db.DefaultPool), so -h shows this machine's.
func addDBFlags(fs *flag.FlagSet) dbFlags {
	def := db.DefaultPool(runtime.GOMAXPROCS(0))
	return dbFlags{
		maxOpen: fs.Int("db-max-open-conns", envInt("AFTERCART_DB_MAX_OPEN_CONNS", def.MaxOpen),
			"database connections open at once; the default is 4 × GOMAXPROCS, at least 8 and at most 64 (env AFTERCART_DB_MAX_OPEN_CONNS)"),
		maxIdle: fs.Int("db-max-idle-conns", envInt("AFTERCART_DB_MAX_IDLE_CONNS", 0),
			"idle database connections kept open; 0 keeps as many as -db-max-open-conns, so that load never closes and reopens connections (env AFTERCART_DB_MAX_IDLE_CONNS)"),
		maxLifetime: fs.Duration("db-conn-max-lifetime", envDuration("AFTERCART_DB_CONN_MAX_LIFETIME", db.DefaultMaxLifetime),
			"close a database connection this long after it was opened; 0: never (env AFTERCART_DB_CONN_MAX_LIFETIME)"),
		maxIdleTime: fs.Duration("db-conn-max-idle-time", envDuration("AFTERCART_DB_CONN_MAX_IDLE_TIME", db.DefaultMaxIdleTime),
			"close a database connection unused for this long; 0: never (env AFTERCART_DB_CONN_MAX_IDLE_TIME)"),
		cache: fs.Int("db-statement-cache", envInt("AFTERCART_DB_STATEMENT_CACHE", db.DefaultStatementCache),
			"prepared statements kept per database connection; 0 turns the cache off (e.g. behind PgBouncer's transaction pooling before 1.21) (env AFTERCART_DB_STATEMENT_CACHE)"),
	}
}

// apply stores the flags' values in c, in db's terms, and returns what is
// wrong with them.
func (f dbFlags) apply(c *app.Config) []string {
	var ps []string
	add := func(format string, args ...any) { ps = append(ps, fmt.Sprintf(format, args...)) }
	if *f.maxOpen < 1 {
		add("-db-max-open-conns (AFTERCART_DB_MAX_OPEN_CONNS) is %d; must be at least 1", *f.maxOpen)
	}
	if *f.maxIdle < 0 || *f.maxIdle > max(*f.maxOpen, 1) {
		add("-db-max-idle-conns (AFTERCART_DB_MAX_IDLE_CONNS) is %d; must be between 0 (as many as -db-max-open-conns) and -db-max-open-conns, %d", *f.maxIdle, *f.maxOpen)
	}
	if *f.maxLifetime < 0 {
		add("-db-conn-max-lifetime (AFTERCART_DB_CONN_MAX_LIFETIME) is %s; use 0 for never", *f.maxLifetime)
	}
	if *f.maxIdleTime < 0 {
		add("-db-conn-max-idle-time (AFTERCART_DB_CONN_MAX_IDLE_TIME) is %s; use 0 for never", *f.maxIdleTime)
	}
	if *f.cache < 0 || *f.cache > MaxStatementCache {
		add("-db-statement-cache (AFTERCART_DB_STATEMENT_CACHE) is %d; must be between 0 (off) and %d", *f.cache, MaxStatementCache)
	}
	never := func(d time.Duration) time.Duration {
		if d == 0 {
			return -1
		}
		return d
	}
	c.DBPool = db.Pool{MaxOpen: *f.maxOpen, MaxIdle: *f.maxIdle, MaxLifetime: never(*f.maxLifetime), MaxIdleTime: never(*f.maxIdleTime)}
	c.DBStatementCache = *f.cache
	if c.DBStatementCache == 0 {
		c.DBStatementCache = -1
	}
	return ps
}

// subcommandDB declares a subcommand's -database-url and -data-dir on fs,
// with the server's environment variables, so that "server migrate" and
// "server jobs" find the database the server uses; use says what the URL
// is for in -h. config reads them once fs is parsed.
func subcommandDB(fs *flag.FlagSet, use string) (config func() db.Config) {
	dbURL := fs.String("database-url", os.Getenv("DATABASE_URL"), "postgres://... "+use+"; empty for the embedded SQLite file in -data-dir (env DATABASE_URL)")
	dataDir := fs.String("data-dir", env("AFTERCART_DATA_DIR", "data"), "directory of the SQLite database (env AFTERCART_DATA_DIR)")
	return func() db.Config { return db.Config{URL: *dbURL, DataDir: *dataDir} }
}
