// Package ulid makes identifiers in the ULID format (a 48-bit millisecond timestamp and 80
// random bits, in 26 characters of Crockford base32): unique, URL-safe, and sortable by
// creation time, which keeps database indexes compact. Client IDs and entity IDs use it, as
// MAS does, so IDs look familiar to operators moving from MAS.
package ulid
