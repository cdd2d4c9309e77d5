package db

import (
	"database/sql/driver"
	"io"
	"reflect"
)

// cachingRows tells its connection when a result set is closed, so that
// the connection knows when its statements are free again. It forwards
// every optional interface database/sql looks for, answering as
// database/sql does for a driver that lacks one.
type cachingRows struct {
	driver.Rows
	conn   *cachingConn
	closed bool
}

var (
	_ driver.RowsNextResultSet              = (*cachingRows)(nil)
	_ driver.RowsColumnTypeScanType         = (*cachingRows)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*cachingRows)(nil)
	_ driver.RowsColumnTypeLength           = (*cachingRows)(nil)
	_ driver.RowsColumnTypeNullable         = (*cachingRows)(nil)
	_ driver.RowsColumnTypePrecisionScale   = (*cachingRows)(nil)
)

func wrapRows(rows driver.Rows, c *cachingConn) driver.Rows {
	return &cachingRows{Rows: rows, conn: c}
}

// Close implements driver.Rows.
func (r *cachingRows) Close() error {
	if !r.closed {
		r.closed = true
		r.conn.openRows--
	}
	return r.Rows.Close()
}

// HasNextResultSet implements driver.RowsNextResultSet.
func (r *cachingRows) HasNextResultSet() bool {
	if n, ok := r.Rows.(driver.RowsNextResultSet); ok {
		return n.HasNextResultSet()
	}
	return false
}

// NextResultSet implements driver.RowsNextResultSet.
func (r *cachingRows) NextResultSet() error {
	if n, ok := r.Rows.(driver.RowsNextResultSet); ok {
		return n.NextResultSet()
	}
	return io.EOF
}

// ColumnTypeScanType implements driver.RowsColumnTypeScanType.
func (r *cachingRows) ColumnTypeScanType(index int) reflect.Type {
	if c, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return c.ColumnTypeScanType(index)
	}
	return reflect.TypeFor[any]()
}

// ColumnTypeDatabaseTypeName implements driver.RowsColumnTypeDatabaseTypeName.
func (r *cachingRows) ColumnTypeDatabaseTypeName(index int) string {
	if c, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return c.ColumnTypeDatabaseTypeName(index)
	}
	return ""
}

// ColumnTypeLength implements driver.RowsColumnTypeLength.
func (r *cachingRows) ColumnTypeLength(index int) (int64, bool) {
	if c, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return c.ColumnTypeLength(index)
	}
	return 0, false
}

// ColumnTypeNullable implements driver.RowsColumnTypeNullable.
func (r *cachingRows) ColumnTypeNullable(index int) (nullable, ok bool) {
	if c, isC := r.Rows.(driver.RowsColumnTypeNullable); isC {
		return c.ColumnTypeNullable(index)
	}
	return false, false
}

// ColumnTypePrecisionScale implements driver.RowsColumnTypePrecisionScale.
func (r *cachingRows) ColumnTypePrecisionScale(index int) (precision, scale int64, ok bool) {
	if c, isC := r.Rows.(driver.RowsColumnTypePrecisionScale); isC {
		return c.ColumnTypePrecisionScale(index)
	}
	return 0, 0, false
}
