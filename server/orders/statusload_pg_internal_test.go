package orders

import (
	"testing"

	"github.com/aftercart/aftercart/ent/migrate"
)

// TestPgNullsKnowEveryColumn: the one-statement order status pads each half
// with NULLs cast to the types of the columns they stand for; a column type
// pgNulls cannot name (a new kind of field) is caught here rather than by
// the first order status of a server on Postgres.
func TestPgNullsKnowEveryColumn(t *testing.T) {
	for _, table := range migrate.Tables {
		for _, c := range table.Columns {
			if _, ok := pgNulls[table.Name][c.Name]; !ok {
				t.Errorf("%s.%s (%s): no Postgres type for its NULL", table.Name, c.Name, c.Type)
			}
		}
	}
}
