// Package migrate is mxauth's schema migration runner, shared by the SQLite and PostgreSQL
// backends. It owns three things and nothing dialect-specific:
//
//   - Parse reads migration files named NNNN_description.sql from an fs.FS (normally an
//     embed.FS inside the backend) and checks that their versions run 1, 2, 3, ... without
//     duplicates or gaps, so a bad file name fails at start-up instead of silently skipping
//     a migration.
//   - Target is what a backend implements: a database-wide lock, the highest applied
//     version, and "apply one migration and record it in one transaction".
//   - Run applies, under the lock, every migration newer than the applied version, in order.
//
// Each backend keeps its applied versions in a table
//
//	schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at <timestamp>)
//
// which the backend creates itself (CREATE TABLE IF NOT EXISTS, inside the transaction of the
// first Apply), so migration files contain only the application's own schema.
package migrate
