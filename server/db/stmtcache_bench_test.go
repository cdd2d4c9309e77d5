package db_test

import (
	"testing"

	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/internal/pgtest"
)

// BenchmarkStatementCache runs one statement shaped like ent's (a join,
// arguments, an order and a limit) back to back on one connection, with
// the statement cache off and on. ns/op is one execution, from the
// client's side: on Postgres one round trip instead of two, and no parse or
// plan; on SQLite no compilation. On a shared machine, compare the medians
// of -count 5.
//
//	go test ./server/db -run '^$' -bench BenchmarkStatementCache -count 5
func BenchmarkStatementCache(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			url := ""
			if dialect == "postgres" {
				url = pgtest.Get(b).NewDatabase(b)
			}
			dir := b.TempDir()
			for _, v := range []struct {
				name  string
				cache int
			}{{"off", -1}, {"on", 0}} {
				b.Run(v.name, func(b *testing.B) {
					d, err := db.Open(db.Config{URL: url, DataDir: dir, StatementCache: v.cache, Pool: db.Pool{MaxOpen: 1}})
					if err != nil {
						b.Fatal(err)
					}
					defer d.Close()
					if err := d.Migrate(b.Context()); err != nil {
						b.Fatal(err)
					}
					arg := "$1"
					if dialect == "sqlite" {
						arg = "?"
					}
					query := `SELECT t.id, t.status, t.sub_status, t.message, t.location, t.occurred_at
						FROM tracking_events t JOIN shipments s ON s.id = t.shipment_id
						WHERE s.order_id = ` + arg + ` ORDER BY t.occurred_at DESC, t.id DESC LIMIT 21`
					b.ResetTimer()
					for b.Loop() {
						rows, err := d.SQL.QueryContext(b.Context(), query, 1)
						if err != nil {
							b.Fatal(err)
						}
						for rows.Next() {
						}
						rows.Close()
					}
				})
			}
		})
	}
}
