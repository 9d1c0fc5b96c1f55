// Package sqlite is mxauth's embedded storage backend, on modernc.org/sqlite (pure Go, no
// cgo), implementing every store interface and passing store/storetest. It also owns the
// SQLite schema: the embedded files in migrations/, applied by Store.Migrate.
//
// # Connection design
//
// SQLite allows one writer at a time per database file, and in WAL mode readers never block
// the writer nor each other (https://www.sqlite.org/wal.html). Open therefore keeps two
// database/sql pools on one file:
//
//   - the writer: exactly one connection (MaxOpenConns 1), opened with _txlock=immediate so
//     every transaction starts with BEGIN IMMEDIATE and takes the write lock up front. A
//     deferred transaction that reads and then writes can fail with SQLITE_BUSY at the write,
//     where busy_timeout does not help; an immediate one waits (busy_timeout) at BEGIN
//     instead. Writers queue in database/sql rather than in SQLite's busy loop.
//   - the readers: ReadConns connections with PRAGMA query_only, so a bug that writes through
//     a reader fails loudly instead of racing the writer.
//
// Every connection sets busy_timeout (Options.BusyTimeout) and foreign_keys=ON; the writer
// also sets journal_mode=WAL (persistent in the file) and synchronous=NORMAL, which in WAL
// mode is durable against application crashes and loses at most the last transactions on
// power loss (https://www.sqlite.org/pragma.html#pragma_synchronous).
//
// A third connection, the checkpointer, copies the WAL back into the database file ten
// times a second with PASSIVE checkpoints, which neither wait for nor block the others, so
// writers no longer pay for checkpoints inside their commits. The writer checkpoints itself
// only if the WAL reaches 8,000 pages, and keeps a 16 MiB page cache: token writes touch
// random index pages, and both settings cut how often the same pages are read and copied.
//
// Path ":memory:" opens a private in-memory database for tests. Each connection to
// ":memory:" would otherwise see its own empty database, so the writer and the readers are
// then ONE pool with ONE connection that is never closed until Store.Close. A shared-cache
// memory database would allow several connections, but shared cache uses table-level locks
// that fail with SQLITE_LOCKED instead of waiting, which busy_timeout does not cover; one
// connection is slower but has no such failure mode. PoolStats then reports a single pool
// named "memory".
//
// # Stored representation
//
// Timestamps are INTEGER Unix milliseconds in UTC (time.Time.UnixMilli), so they sort and
// compare as numbers; they are read back as UTC time.Time values. Finer precision is
// truncated, matching the PostgreSQL backend. Tables are STRICT, so a value of the wrong type
// is an error rather than silently stored.
//
// Open does not create the database's directory: the application decides where data lives
// and with which permissions. A missing directory is a clear error.
package sqlite
