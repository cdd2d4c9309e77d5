package pgtest

import (
	"context"
	"fmt"
	"sync"

	"github.com/lib/pq"
)

// templateBuild is one template database of a cluster, built once.
type templateBuild struct {
	once sync.Once
	err  error
}

// templates holds each cluster's template databases by name. Kept outside
// Cluster so that a cluster that never makes one carries nothing.
var templates sync.Map // map[*Cluster]*sync.Map (name -> *templateBuild)

// Template returns name, a database on c that build fills the first time it
// is asked for (build gets its DSN and must close every connection it opens:
// Postgres copies a database only while nobody is connected to it). Later
// calls, from any goroutine, wait for that first build and return its
// outcome. [Cluster.NewDatabaseFrom] copies it, which is how a test harness
// migrates a schema once per test binary instead of once per test: copying
// a migrated database takes a fraction of the time of migrating one.
func (c *Cluster) Template(ctx context.Context, name string, build func(ctx context.Context, dsn string) error) (string, error) {
	byName, _ := templates.LoadOrStore(c, &sync.Map{})
	v, _ := byName.(*sync.Map).LoadOrStore(name, &templateBuild{})
	tpl := v.(*templateBuild)
	tpl.once.Do(func() {
		if err := c.exec(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
			tpl.err = fmt.Errorf("pgtest: create template %s: %w", name, err)
			return
		}
		if err := build(ctx, c.DSN(name)); err != nil {
			tpl.err = fmt.Errorf("pgtest: build template %s: %w", name, err)
		}
	})
	return name, tpl.err
}
