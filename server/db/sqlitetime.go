package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// sqliteTimesNormalized is the bit of SQLite's user_version that records
// that every stored time has been rewritten in UTC (normalizeSQLiteTimes).
// ent's automatic migration does not use user_version.
const sqliteTimesNormalized = 1

// storedTimeLayouts are the layouts a time column of an embedded database
// may hold: time.Time.String (what modernc's driver writes, after the
// monotonic suffix is cut), and the others its _time_format options write.
var storedTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999 -0700 MST",
	"2006-01-02 15:04:05.999999999-07:00",
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999",
}

// normalizeSQLiteTimes rewrites, once per file, every time stored before
// SQLiteDSN wrote times in UTC: such a file may hold times in the zone of
// the machine that wrote them, which compare wrongly as text (see
// SQLiteDSN). It runs after ent's migration, in one transaction with the
// user_version mark, so it is done entirely or not at all. A value it
// cannot read is left as it is and logged: starting with it is no worse
// than before, refusing to start would be.
func (db *DB) normalizeSQLiteTimes(ctx context.Context) error {
	var version int
	if err := db.SQL.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("db: reading user_version: %w", err)
	}
	if version&sqliteTimesNormalized != 0 {
		return nil
	}
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: normalizing stored times: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	columns, err := sqliteTimeColumns(ctx, tx)
	if err != nil {
		return err
	}
	rewritten := 0
	for _, c := range columns {
		n, err := db.normalizeTimeColumn(ctx, tx, c[0], c[1])
		if err != nil {
			return err
		}
		rewritten += n
	}
	// PRAGMA takes no arguments: the value is a constant of this file.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, version|sqliteTimesNormalized)); err != nil {
		return fmt.Errorf("db: marking stored times normalized: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: normalizing stored times: %w", err)
	}
	if rewritten > 0 {
		db.log.Info("stored times rewritten in UTC", "values", rewritten)
	}
	return nil
}

// sqliteTimeColumns lists every (table, column) declared as a time: ent
// declares its time fields "datetime" on SQLite.
func sqliteTimeColumns(ctx context.Context, tx *sql.Tx) ([][2]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND lower(p.type) IN ('datetime', 'timestamp')
		ORDER BY m.name, p.cid`)
	if err != nil {
		return nil, fmt.Errorf("db: listing time columns: %w", err)
	}
	defer rows.Close()
	var cols [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// normalizeTimeColumn rewrites table.column's values not already in UTC
// without a monotonic suffix, returning how many it rewrote.
func (db *DB) normalizeTimeColumn(ctx context.Context, tx *sql.Tx, table, column string) (int, error) {
	// Names come from sqlite_master, quoted as identifiers.
	t, c := quoteIdent(table), quoteIdent(column)
	rows, err := tx.QueryContext(ctx, `SELECT rowid, CAST(`+c+` AS TEXT) FROM `+t+
		` WHERE typeof(`+c+`) = 'text' AND `+c+` NOT LIKE '% +0000 UTC'`)
	if err != nil {
		return 0, fmt.Errorf("db: reading %s.%s: %w", table, column, err)
	}
	type value struct {
		rowid int64
		at    time.Time
	}
	var values []value
	for rows.Next() {
		var (
			v   value
			raw string
		)
		if err := rows.Scan(&v.rowid, &raw); err != nil {
			rows.Close()
			return 0, err
		}
		at, ok := parseStoredTime(raw)
		if !ok {
			db.log.Warn("stored time not understood; left as it is", "table", table, "column", column, "rowid", v.rowid)
			continue
		}
		v.at = at
		values = append(values, v)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	for _, v := range values {
		if _, err := tx.ExecContext(ctx, `UPDATE `+t+` SET `+c+` = ? WHERE rowid = ?`, v.at, v.rowid); err != nil {
			return 0, fmt.Errorf("db: rewriting %s.%s: %w", table, column, err)
		}
	}
	return len(values), nil
}

// parseStoredTime reads a stored time in any of storedTimeLayouts, without
// the " m=+…" monotonic suffix time.Time.String adds.
func parseStoredTime(s string) (time.Time, bool) {
	if i := strings.Index(s, " m="); i >= 0 {
		s = s[:i]
	}
	for _, layout := range storedTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// quoteIdent quotes a SQLite identifier.
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
