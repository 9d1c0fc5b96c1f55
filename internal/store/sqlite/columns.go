package sqlite

import (
	"database/sql"
	"time"
)

// This file is how Go values become column values and back in this backend (see "Stored
// representation" in the package comment): times are INTEGER Unix milliseconds in UTC, and
// "never" (the zero time), "none" (the empty string) and an empty hash are NULL.

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// collectRows scans every row of rows with scan and closes rows. No rows is a nil slice.
func collectRows[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var all []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		all = append(all, v)
	}
	return all, rows.Err()
}

// fromUnixMilli reads a time column.
func fromUnixMilli(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// optionalMillis scans a nullable time column; NULL is the zero time ("never").
type optionalMillis struct{ sql.NullInt64 }

func (m optionalMillis) Time() time.Time {
	if !m.Valid {
		return time.Time{}
	}
	return fromUnixMilli(m.Int64)
}

// nullMillis writes the zero time ("never") as NULL.
func nullMillis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// nullString writes the empty string as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullBytes writes an empty byte slice as NULL; the driver would store a zero-length BLOB.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
