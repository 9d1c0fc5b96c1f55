package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/store"
)

// MemoryPath opens a private in-memory database (for tests); see the package comment.
const MemoryPath = ":memory:"

// Options configures Open. The zero value of every field but Path picks the default.
type Options struct {
	// Path is the database file, or MemoryPath. Its directory must already exist.
	Path string
	// ReadConns is the size of the reader pool; 0 means max(4, GOMAXPROCS).
	ReadConns int
	// BusyTimeout is how long a connection waits for a lock held by another connection or
	// process before failing with SQLITE_BUSY; 0 means 5s.
	BusyTimeout time.Duration
	// Clock stamps schema_migrations.applied_at; nil means clock.Real.
	Clock clock.Clock
}

const defaultBusyTimeout = 5 * time.Second

// Store is an open SQLite database. It implements store.Store.
type Store struct {
	writer *sql.DB
	// reader is the query_only pool; it is writer itself for MemoryPath.
	reader *sql.DB
	// hot caches prepared statements for the lookups on the token paths.
	hot *stmtCache
	// writes caches prepared statements on the writer connection, for writeTx.
	writes *stmtCache
	clock  clock.Clock
	memory bool
	// batch runs group commits (batch.go).
	batch batcher
	// ckpt copies the WAL into the database file in the background (checkpoint.go); nil
	// for MemoryPath.
	ckpt *checkpointer
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database at opts.Path and checks that it can be
// written. It does not migrate: call Migrate.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Path == "" {
		return nil, errors.New("sqlite: no database path given")
	}
	if opts.ReadConns < 0 {
		return nil, fmt.Errorf("sqlite: ReadConns is %d, want 0 (default) or more", opts.ReadConns)
	}
	if opts.BusyTimeout < 0 {
		return nil, fmt.Errorf("sqlite: BusyTimeout is %s, want 0 (default) or more", opts.BusyTimeout)
	}
	if opts.ReadConns == 0 {
		opts.ReadConns = max(4, runtime.GOMAXPROCS(0))
	}
	if opts.BusyTimeout == 0 {
		opts.BusyTimeout = defaultBusyTimeout
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Path == MemoryPath {
		return openMemory(ctx, opts)
	}
	return openFile(ctx, opts)
}

func openMemory(ctx context.Context, opts Options) (*Store, error) {
	// A plain ":memory:" name: the driver strips the query before sqlite3_open_v2.
	db, err := openPool(MemoryPath+"?"+connParams(opts.BusyTimeout, roleMemory).Encode(), 1)
	if err != nil {
		return nil, err
	}
	// The database lives exactly as long as its one connection: never let database/sql
	// retire it.
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: open in-memory database: %w", err), db.Close())
	}
	cache := newStmtCache(db)
	return &Store{writer: db, reader: db, hot: cache, writes: cache, clock: opts.Clock, memory: true}, nil
}

func openFile(ctx context.Context, opts Options) (*Store, error) {
	path, err := filepath.Abs(opts.Path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: database path %q: %w", opts.Path, err)
	}
	if err := checkPath(path); err != nil {
		return nil, err
	}
	writer, err := openPool(fileDSN(path, connParams(opts.BusyTimeout, roleWriter)), 1)
	if err != nil {
		return nil, err
	}
	// Connecting runs the PRAGMAs, which create the file and switch it to WAL: this is where
	// an unwritable directory or a file that is not a database shows up.
	if err := writer.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: open %s for writing: %s: %w",
			path, openHint(err), err), writer.Close())
	}
	reader, err := openPool(fileDSN(path, connParams(opts.BusyTimeout, roleReader)), opts.ReadConns)
	if err != nil {
		return nil, errors.Join(err, writer.Close())
	}
	if err := reader.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: open %s for reading: %w", path, err),
			reader.Close(), writer.Close())
	}
	ckptDB, err := openPool(fileDSN(path, connParams(opts.BusyTimeout, roleCheckpointer)), 1)
	if err != nil {
		return nil, errors.Join(err, reader.Close(), writer.Close())
	}
	return &Store{writer: writer, reader: reader, hot: newStmtCache(reader), writes: newStmtCache(writer), clock: opts.Clock,
		ckpt: startCheckpointer(ckptDB, checkpointEvery)}, nil
}

// checkPath turns the common set-up mistakes into messages that say what to do, instead of
// SQLite's "unable to open database file".
func checkPath(path string) error {
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("sqlite: directory %s of database %s does not exist; create it first", dir, path)
	case err != nil:
		return fmt.Errorf("sqlite: directory of database %s: %w", path, err)
	case !info.IsDir():
		return fmt.Errorf("sqlite: %s (parent of database %s) is not a directory", dir, path)
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return fmt.Errorf("sqlite: database path %s is a directory", path)
	}
	return nil
}

// openHint says what an open failure most likely means, in the operator's terms.
func openHint(err error) string {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // primary result code
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
			return "cannot create or write the file; check that its directory is writable by this process"
		case sqlite3.SQLITE_NOTADB:
			return "the file exists but is not an SQLite database"
		case sqlite3.SQLITE_BUSY:
			return "another process holds a lock on the database"
		}
	}
	return "unexpected error"
}

// walCheckpointPages is the writer's wal_autocheckpoint: the WAL length, in pages, at which
// a commit checkpoints itself (https://www.sqlite.org/pragma.html#pragma_wal_autocheckpoint).
const walCheckpointPages = 8000

// writerCacheKiB is the writer's page cache in KiB (SQLite's default is 2,000).
const writerCacheKiB = 16 << 10

type connRole int

const (
	roleWriter connRole = iota
	roleReader
	roleMemory       // writer and reader in one
	roleCheckpointer // the background checkpoint's connection (checkpoint.go)
)

// connParams are the driver's DSN parameters (documented on modernc.org/sqlite Driver.Open)
// for one kind of connection. The driver applies them on every new connection.
func connParams(busy time.Duration, role connRole) url.Values {
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(busy.Milliseconds(), 10))
	q.Set("_foreign_keys", "1")
	switch role {
	case roleWriter:
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "NORMAL")
		q.Set("_txlock", "immediate")
		// Group commit runs each operation in a SAVEPOINT; the statement journal that
		// makes a savepoint undoable would otherwise be a temporary file, written with a
		// system call per page. In memory it costs a few kilobytes per batch.
		q.Add("_pragma", "temp_store(MEMORY)")
		// A checkpoint copies each page changed since the last one back into the database
		// file. Every login and refresh changes a few random pages of the token hash
		// indexes; at SQLite's default of 1,000 pages the writer checkpointed every few
		// dozen batches, copying the same hot pages again and again, and every writer
		// waited meanwhile. The checkpointer (checkpoint.go) now does it beside the writer;
		// the writer's own checkpoint, at 8,000 pages (a WAL of about 32 MiB), only bounds
		// the WAL should the checkpointer fall behind (docs/design-decisions.md).
		q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walCheckpointPages))
		// The writer's page cache survives its own commits (readers lose theirs at every
		// commit in WAL mode), so a larger one keeps the index pages that every write
		// descends through; it grows only as pages are used.
		q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", writerCacheKiB))
	case roleReader:
		q.Set("_query_only", "1")
	case roleMemory:
		q.Set("_txlock", "immediate")
	}
	return q
}

// fileDSN builds a "file:" URI (https://www.sqlite.org/uri.html) so that any path works:
// characters such as '?', '#' and '%' are percent-escaped, where a plain file name would be
// cut at its first '?'.
func fileDSN(path string, q url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

func openPool(dsn string, conns int) (*sql.DB, error) {
	connector, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	// sql.OpenDB rather than sql.Open: no process-global driver registration involved.
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	return db, nil
}

// Keys returns the signing-key store.
func (s *Store) Keys() store.KeyStore { return keyStore{s} }

// Clients returns the OAuth client store.
func (s *Store) Clients() store.ClientStore { return clientStore{s} }

// Ping checks that both pools answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping writer: %w", err)
	}
	if err := s.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping reader: %w", err)
	}
	return nil
}

// PoolStats reports the writer and reader pools ("writer", "reader"), or the single pool
// "memory" of an in-memory database.
func (s *Store) PoolStats() []store.PoolStats {
	if s.memory {
		return []store.PoolStats{poolStats("memory", s.writer)}
	}
	return []store.PoolStats{poolStats("writer", s.writer), poolStats("reader", s.reader)}
}

func poolStats(name string, db *sql.DB) store.PoolStats {
	st := db.Stats()
	return store.PoolStats{
		Name:      name,
		Max:       st.MaxOpenConnections,
		Open:      st.OpenConnections,
		InUse:     st.InUse,
		Idle:      st.Idle,
		WaitCount: st.WaitCount,
		WaitTime:  st.WaitDuration,
	}
}

// Close closes both pools. An in-memory database is gone afterwards.
func (s *Store) Close() error {
	s.stopBatches()
	s.hot.close()
	if s.writes != s.hot {
		s.writes.close()
	}
	if s.memory {
		return s.writer.Close()
	}
	return errors.Join(s.ckpt.close(), s.reader.Close(), s.writer.Close())
}
