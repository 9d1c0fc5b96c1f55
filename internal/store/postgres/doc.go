// Package postgres is mxauth's PostgreSQL storage backend, on pgx v5 (pgxpool), for
// deployments that run several stateless replicas against one database. It implements every
// store interface, passes store/storetest, and owns the PostgreSQL schema: the embedded
// files in migrations/, applied by Store.Migrate.
//
// # Connection design
//
// One pgxpool.Pool serves every call; PostgreSQL handles concurrent readers and writers
// itself (MVCC), so there is no reader/writer split as in the SQLite backend. Options.URL is
// any connection string pgx accepts (URL or key=value), including runtime parameters such
// as search_path, which the tests use to give each test a schema of its own.
//
// Migrations run under a session-level advisory lock (pg_advisory_lock, a constant key)
// taken on one connection that is held for the whole run, and each migration is applied
// in its own transaction on that same connection. Replicas that start together therefore
// queue on the lock; the first applies what is missing, the others then find nothing to do.
// A connection whose lock state is in doubt (an error while locking or unlocking) is closed
// rather than returned to the pool, because closing the session is what frees the lock.
//
// # Stored representation
//
// Timestamps are timestamptz, truncated to milliseconds before they are written (PostgreSQL
// would keep microseconds) so that both backends return the same values, and read back in
// UTC. Unique violations (SQLSTATE 23505) become store.ErrConflict, a missing table
// (42P01, the schema was not migrated) store.ErrSchemaOutdated, and no rows store.ErrNotFound.
package postgres
