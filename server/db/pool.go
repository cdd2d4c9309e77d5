package db

import (
	"database/sql"
	"time"
)

// Pool sizes the connection pool (database/sql's settings of the same
// names). A zero field means the default's value; see DefaultPool.
type Pool struct {
	// MaxOpen bounds the connections open at once, busy or idle.
	MaxOpen int
	// MaxIdle is how many connections are kept open while unused; zero
	// means MaxOpen.
	MaxIdle int
	// MaxLifetime closes a connection this long after it was opened,
	// once it is free; zero means the default, negative never.
	MaxLifetime time.Duration
	// MaxIdleTime closes a connection unused for this long; zero means
	// the default, negative never.
	MaxIdleTime time.Duration
}

// Pool defaults that do not depend on the machine.
const (
	// DefaultMaxLifetime recycles connections hourly, so that a
	// long-lived Postgres backend's memory (catalog caches, prepared
	// statements) is returned, and connections follow a failover or a DNS
	// change, at the cost of one reconnect per connection per hour.
	DefaultMaxLifetime = time.Hour
	// DefaultMaxIdleTime lets an instance whose traffic dropped give its
	// connections back within minutes; a connection that serves even one
	// statement every five minutes is never closed for idling.
	DefaultMaxIdleTime = 5 * time.Minute
)

// DefaultPool is the pool for a process with procs usable CPUs
// (GOMAXPROCS): MaxOpen 4×procs, at least 8 and at most 64, and MaxIdle
// equal to it.
//
// Why 4×procs: a connection is busy only while a statement runs (or a
// transaction is open), and aftercart's Go work per request is about what
// Postgres spends on it, so each CPU keeps one or two connections busy;
// four leave room for network latency to a remote database and for
// transactions that wait on a row lock. At least 8, so that a small
// machine still runs readers beside a few writers that hold row locks;
// at most 64, because Postgres's throughput stops growing at a few active
// connections per core of its own, and every instance's pool (plus one
// listener connection each) must fit max_connections (100 by default):
// raise it with -db-max-open-conns when the database is sized for it.
//
// Why MaxIdle = MaxOpen: database/sql closes a returned connection when
// MaxIdle are already idle, so a pool with fewer idle than open slots
// closes and reopens connections under bursty load (20 open / 10 idle
// opened 15-26 new Postgres sessions per 20-second benchmark run), and each
// new session starts with no prepared statements.
func DefaultPool(procs int) Pool {
	n := min(max(4*procs, 8), 64)
	return Pool{MaxOpen: n, MaxIdle: n, MaxLifetime: DefaultMaxLifetime, MaxIdleTime: DefaultMaxIdleTime}
}

// withDefaults fills p's zero fields from def; MaxIdle follows MaxOpen.
func (p Pool) withDefaults(def Pool) Pool {
	if p.MaxOpen <= 0 {
		p.MaxOpen = def.MaxOpen
	}
	if p.MaxIdle <= 0 {
		p.MaxIdle = p.MaxOpen
	}
	p.MaxIdle = min(p.MaxIdle, p.MaxOpen)
	if p.MaxLifetime == 0 {
		p.MaxLifetime = def.MaxLifetime
	}
	if p.MaxIdleTime == 0 {
		p.MaxIdleTime = def.MaxIdleTime
	}
	return p
}

// apply configures s; a negative duration means never (database/sql's 0).
func (p Pool) apply(s *sql.DB) {
	s.SetMaxOpenConns(p.MaxOpen)
	s.SetMaxIdleConns(p.MaxIdle)
	s.SetConnMaxLifetime(max(p.MaxLifetime, 0))
	s.SetConnMaxIdleTime(max(p.MaxIdleTime, 0))
}
