package postgres

import "time"

// This file is how Go values become column values and back in this backend (see "Stored
// representation" in the package comment): times are timestamptz at millisecond precision,
// read back in UTC, and "never" (the zero time), "none" (the empty string) and an empty hash
// are NULL.

// toDB is how every timestamp is written: milliseconds, like the SQLite backend, so both
// return identical values (PostgreSQL itself would round to microseconds).
func toDB(t time.Time) time.Time { return t.Truncate(time.Millisecond).UTC() }

// fromDB is how every timestamp is read: pgx returns timestamptz in the local zone.
func fromDB(t time.Time) time.Time { return t.UTC() }

// optionalTime reads a nullable time column; NULL is the zero time ("never").
func optionalTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return fromDB(*t)
}

// stringOrEmpty reads a nullable text column; NULL is "".
func stringOrEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// nullTime writes the zero time ("never") as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return toDB(t)
}

// nullString writes the empty string as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullBytes writes an empty byte slice as NULL, like the SQLite backend.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
