package db_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/internal/pgtest"
)

// TestSQLTxSharesTheTransaction checks the transaction bridge on both
// databases: a statement run on SQLTx's *sql.Tx commits and rolls back with
// the ent transaction, and SQLTx refuses anything but WithTx's own
// transaction and context.
func TestSQLTxSharesTheTransaction(t *testing.T) {
	for _, c := range []struct {
		name string
		open func(t *testing.T) *db.DB
	}{
		{"sqlite", func(t *testing.T) *db.DB {
			d, err := db.Open(db.Config{DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = d.Close() })
			return d
		}},
		{"postgres", func(t *testing.T) *db.DB { return openPG(t, pgtest.Get(t).NewDatabase(t)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := c.open(t)
			ctx := auth.WithSystem(t.Context())
			if err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := d.SQL.ExecContext(ctx, "CREATE TABLE bridge_probe (email VARCHAR(320) NOT NULL)"); err != nil {
				t.Fatal(err)
			}
			rollback := errors.New("roll back")
			write := func(email string, fail bool) error {
				return d.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
					if _, err := tx.Customer.Create().SetEmail(email).Save(ctx); err != nil {
						return err
					}
					sqlTx, err := d.SQLTx(ctx, tx)
					if err != nil {
						return err
					}
					if _, err := sqlTx.ExecContext(ctx, "INSERT INTO bridge_probe (email) VALUES ('"+email+"')"); err != nil {
						return err
					}
					if fail {
						return rollback
					}
					return nil
				})
			}
			if err := write("kept@example.com", false); err != nil {
				t.Fatal(err)
			}
			if err := write("undone@example.com", true); !errors.Is(err, rollback) {
				t.Fatalf("rolled-back write: %v", err)
			}
			for _, w := range []struct {
				email string
				want  int
			}{{"kept@example.com", 1}, {"undone@example.com", 0}} {
				var probes int
				if err := d.SQL.QueryRowContext(ctx, "SELECT COUNT(*) FROM bridge_probe WHERE email = '"+w.email+"'").Scan(&probes); err != nil {
					t.Fatal(err)
				}
				customers, err := d.Customer.Query().Where(customer.Email(w.email)).Count(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if probes != w.want || customers != w.want {
					t.Errorf("%s: %d probe rows and %d customers, want %d of each", w.email, probes, customers, w.want)
				}
			}

			// Outside WithTx, with another context, or with another
			// transaction: refused.
			tx, err := d.Tx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.SQLTx(ctx, tx); !errors.Is(err, db.ErrNoSQLTx) {
				t.Errorf("SQLTx on a transaction WithTx did not open = %v, want ErrNoSQLTx", err)
			}
			_ = tx.Rollback() // before WithTx: SQLite has one writer
			err = d.WithTx(ctx, func(inner context.Context, tx *ent.Tx) error {
				var got *sql.Tx
				if got, err = d.SQLTx(ctx, tx); !errors.Is(err, db.ErrNoSQLTx) || got != nil {
					t.Errorf("SQLTx with the caller's context, not WithTx's = %v, %v; want ErrNoSQLTx", got, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
