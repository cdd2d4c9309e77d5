package benchdata

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lib/pq"
)

// schemaObject is a secondary index or a foreign key of a loaded table, with
// the statement that creates it again.
type schemaObject struct {
	table, name, kind, create string
}

// schema is the secondary indexes and foreign keys of the loaded tables, in
// a stable order.
type schema []schemaObject

// readSchema lists the indexes (but primary keys and indexes that back a
// constraint, which stay) and the foreign keys of the tables Load fills.
func readSchema(ctx context.Context, conn *sql.Conn) (schema, error) {
	rows, err := conn.QueryContext(ctx, `
		SELECT c.relname, i.relname, 'index', pg_get_indexdef(i.oid)
		FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_class c ON c.oid = x.indrelid
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY($1)
			AND NOT x.indisprimary
			AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.oid)
		UNION ALL
		SELECT c.relname, k.conname, 'foreign key', pg_get_constraintdef(k.oid)
		FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
		WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace AND c.relname = ANY($1)
		ORDER BY 1, 3, 2`, pq.Array(tables))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var s schema
	for rows.Next() {
		var o schemaObject
		if err := rows.Scan(&o.table, &o.name, &o.kind, &o.create); err != nil {
			return nil, err
		}
		s = append(s, o)
	}
	return s, rows.Err()
}

// dropSecondary drops the foreign keys and secondary indexes of s: rows
// load several times faster without them, and building an index once over
// sorted data beats maintaining it row by row.
func (l *loader) dropSecondary(s schema) error {
	start := time.Now()
	defer func() {
		l.logf("benchdata: dropped %d indexes and foreign keys %6.1f s", len(s), time.Since(start).Seconds())
	}()
	for _, o := range s {
		q := "DROP INDEX " + pq.QuoteIdentifier(o.name)
		if o.kind == "foreign key" {
			q = "ALTER TABLE " + pq.QuoteIdentifier(o.table) + " DROP CONSTRAINT " + pq.QuoteIdentifier(o.name)
		}
		if _, err := l.execQuiet("dropping "+o.kind+" "+o.name, q); err != nil {
			return err
		}
	}
	return nil
}

// restore creates again what dropSecondary dropped, indexes first (a
// foreign key's check then finds the referenced keys by index). Adding a
// foreign key validates every row, and a unique index refuses duplicates,
// so the data is checked against the whole schema.
func (l *loader) restore(s schema) error {
	start := time.Now()
	for _, kind := range []string{"index", "foreign key"} {
		for _, o := range s {
			if o.kind != kind {
				continue
			}
			q := o.create
			if kind == "foreign key" {
				q = "ALTER TABLE " + pq.QuoteIdentifier(o.table) + " ADD CONSTRAINT " + pq.QuoteIdentifier(o.name) + " " + o.create
			}
			if _, err := l.execQuiet("creating "+kind+" "+o.name, q); err != nil {
				return err
			}
		}
	}
	l.logf("benchdata: created %d indexes and foreign keys %6.1f s", len(s), time.Since(start).Seconds())
	return nil
}

// diff describes how after differs from s, or returns "".
func (s schema) diff(after schema) string {
	if slices.Equal(s, after) {
		return ""
	}
	var b strings.Builder
	for _, o := range s {
		if !slices.Contains(after, o) {
			fmt.Fprintf(&b, "  missing: %s\n", o.create)
		}
	}
	for _, o := range after {
		if !slices.Contains(s, o) {
			fmt.Fprintf(&b, "  unexpected: %s\n", o.create)
		}
	}
	return b.String()
}
