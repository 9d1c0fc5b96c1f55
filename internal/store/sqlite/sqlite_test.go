package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/store/migrate"
	"github.com/mxauth/mxauth/internal/store/storetest"
)

var testClock = clock.NewFake(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))

// openUnmigrated opens a store at path and closes it when the test ends.
func openUnmigrated(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), Options{Path: path, Clock: testClock})
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func openMigrated(t *testing.T, path string) *Store {
	t.Helper()
	s := openUnmigrated(t, path)
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func tempDBPath(t *testing.T) string { return filepath.Join(t.TempDir(), "mxauth.db") }

func TestConformanceFile(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return openMigrated(t, tempDBPath(t)) })
}

func TestConformanceMemory(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return openMigrated(t, MemoryPath) })
}

func TestOpenRejectsBadPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	notDB := filepath.Join(dir, "not-a-database")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("this is not SQLite\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    Options
		wantErr []string
	}{
		{"empty path", Options{}, []string{"no database path"}},
		{"missing directory", Options{Path: filepath.Join(dir, "missing", "mxauth.db")},
			[]string{"directory " + filepath.Join(dir, "missing"), "does not exist", "create it first"}},
		{"parent is a file", Options{Path: filepath.Join(regular, "mxauth.db")},
			[]string{regular, "is not a directory"}},
		{"path is a directory", Options{Path: dir}, []string{dir, "is a directory"}},
		{"not a database", Options{Path: notDB}, []string{notDB, "not an SQLite database"}},
		{"negative ReadConns", Options{Path: tempDBPath(t), ReadConns: -1}, []string{"ReadConns is -1"}},
		{"negative BusyTimeout", Options{Path: tempDBPath(t), BusyTimeout: -time.Second}, []string{"BusyTimeout is -1s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Open(t.Context(), tt.opts)
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open(%+v) succeeded, want an error", tt.opts)
			}
			t.Logf("Open error: %v", err)
			for _, sub := range tt.wantErr {
				if !strings.Contains(err.Error(), sub) {
					t.Errorf("Open error %q does not contain %q", err, sub)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open created the missing directory (stat: %v); creating it is the app's job", err)
	}
}

func TestOpenUnwritableDirectory(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("running as root: directory permissions are not enforced")
	}
	dir := filepath.Join(t.TempDir(), "readonly")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), Options{Path: filepath.Join(dir, "mxauth.db")})
	if err == nil || !strings.Contains(err.Error(), "directory is writable") {
		t.Fatalf("Open in a read-only directory = %v, want an error mentioning writability", err)
	}
	t.Logf("Open error: %v", err)
}

func TestPathWithURICharacters(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "odd name?x=1#frag%20.db")
	s := openMigrated(t, path)
	if _, err := s.Keys().CreateIfAbsent(t.Context(), testKey("a")); err != nil {
		t.Fatalf("CreateIfAbsent: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file not created under its exact name: %v", err)
	}
}

func testKey(slot string) model.SigningKey {
	return model.SigningKey{
		KID: "kid-" + slot, Alg: model.AlgES256, Slot: slot, Sealed: []byte{1, 2, 3},
		CreatedAt: time.Date(2026, 11, 2, 3, 4, 5, 6_000_000, time.UTC),
	}
}

func TestWriterReaderSplit(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := Open(ctx, Options{Path: tempDBPath(t), ReadConns: 3, Clock: testClock})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if s.reader == s.writer {
		t.Fatal("a file database must have separate reader and writer pools")
	}

	// Written through the writer, visible through the readers.
	k := testKey("split")
	if _, err := s.Keys().CreateIfAbsent(ctx, k); err != nil {
		t.Fatalf("CreateIfAbsent: %v", err)
	}
	got, err := s.Keys().List(ctx)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if diff := cmp.Diff([]model.SigningKey{k}, got); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}

	// Readers are query_only; the writer put the file in WAL mode.
	if _, err := s.reader.ExecContext(ctx, `DELETE FROM signing_keys`); err == nil {
		t.Error("a write through the reader pool succeeded; readers must be query_only")
	}
	var mode string
	if err := s.reader.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	// The writer's own settings, applied on every connection it opens.
	for _, p := range []struct {
		pragma string
		want   int
	}{{"foreign_keys", 1}, {"wal_autocheckpoint", walCheckpointPages}, {"cache_size", -writerCacheKiB}, {"temp_store", 2}} {
		var got int
		if err := s.writer.QueryRowContext(ctx, `PRAGMA `+p.pragma).Scan(&got); err != nil || got != p.want {
			t.Errorf("writer %s = %d, %v; want %d", p.pragma, got, err, p.want)
		}
	}

	stats := map[string]store.PoolStats{}
	for _, p := range s.PoolStats() {
		stats[p.Name] = p
	}
	if stats["writer"].Max != 1 || stats["reader"].Max != 3 || len(stats) != 2 {
		t.Errorf("PoolStats = %+v, want writer (Max 1) and reader (Max 3)", s.PoolStats())
	}
}

func TestDefaultReadConns(t *testing.T) {
	t.Parallel()
	s := openUnmigrated(t, tempDBPath(t))
	if got, want := s.reader.Stats().MaxOpenConnections, max(4, runtime.GOMAXPROCS(0)); got != want {
		t.Errorf("reader pool size = %d, want %d", got, want)
	}
}

func TestMemoryDatabasesAreSeparate(t *testing.T) {
	t.Parallel()
	a, b := openMigrated(t, MemoryPath), openMigrated(t, MemoryPath)
	if _, err := a.Keys().CreateIfAbsent(t.Context(), testKey("only-in-a")); err != nil {
		t.Fatalf("CreateIfAbsent: %v", err)
	}
	keys, err := b.Keys().List(t.Context())
	if err != nil || len(keys) != 0 {
		t.Errorf("second in-memory store sees %v, %v; want no keys", keys, err)
	}
}

func TestReopenKeepsDataAndVersion(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := tempDBPath(t)
	first, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := first.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	k := testKey("persisted")
	if _, err := first.Keys().CreateIfAbsent(ctx, k); err != nil {
		t.Fatalf("CreateIfAbsent: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	second := openUnmigrated(t, path)
	applied, latest, err := second.SchemaVersion(ctx)
	if err != nil || applied != latest || applied == 0 {
		t.Errorf("SchemaVersion after reopen = (%d, %d, %v), want applied == latest > 0", applied, latest, err)
	}
	got, err := second.Keys().List(ctx)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if diff := cmp.Diff([]model.SigningKey{k}, got); diff != "" {
		t.Errorf("List after reopen (-want +got):\n%s", diff)
	}
}

func TestUnmigratedDatabase(t *testing.T) {
	t.Parallel()
	for _, path := range []string{MemoryPath, "file"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			if path == "file" {
				path = tempDBPath(t)
			}
			s := openUnmigrated(t, path)
			ctx := t.Context()
			applied, latest, err := s.SchemaVersion(ctx)
			if err != nil || applied != 0 || latest == 0 {
				t.Errorf("SchemaVersion = (%d, %d, %v), want (0, >0, nil)", applied, latest, err)
			}
			if _, err := s.Keys().List(ctx); !errors.Is(err, store.ErrSchemaOutdated) {
				t.Errorf("List = %v, want store.ErrSchemaOutdated", err)
			}
			if _, err := s.Keys().CreateIfAbsent(ctx, testKey("x")); !errors.Is(err, store.ErrSchemaOutdated) {
				t.Errorf("CreateIfAbsent = %v, want store.ErrSchemaOutdated", err)
			}
		})
	}
}

// TestConcurrentMigrateSeparateStores stands in for several processes starting on one
// file: each store has its own writer connection, so only SQLite's lock keeps them apart.
func TestConcurrentMigrateSeparateStores(t *testing.T) {
	t.Parallel()
	path := tempDBPath(t)
	stores := make([]*Store, 4)
	for i := range stores {
		stores[i] = openUnmigrated(t, path)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	for i, s := range stores {
		wg.Go(func() { errs[i] = s.Migrate(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate #%d: %v", i, err)
		}
	}
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	var rows, maxVersion int
	err = stores[0].reader.QueryRowContext(t.Context(),
		`SELECT count(*), max(version) FROM schema_migrations`).Scan(&rows, &maxVersion)
	if err != nil || rows != len(ms) || maxVersion != migrate.Latest(ms) {
		t.Errorf("schema_migrations has %d rows up to %d (%v), want each of %d migrations once",
			rows, maxVersion, err, len(ms))
	}
}

func TestMigrationsRecordAppliedAt(t *testing.T) {
	t.Parallel()
	s := openMigrated(t, MemoryPath)
	var name string
	var appliedAt int64
	err := s.reader.QueryRowContext(t.Context(),
		`SELECT name, applied_at FROM schema_migrations WHERE version = 1`).Scan(&name, &appliedAt)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	if name != "signing_keys" || appliedAt != testClock.Now().UnixMilli() {
		t.Errorf("schema_migrations row 1 = (%q, %d), want (signing_keys, %d)", name, appliedAt, testClock.Now().UnixMilli())
	}
}

// TestFailedMigrationKeepsEarlierOnes runs the SQLite target with migrations of the test's
// own: a multi-statement script that fails halfway must leave nothing behind, while the
// migration before it stays applied.
func TestFailedMigrationKeepsEarlierOnes(t *testing.T) {
	t.Parallel()
	s := openUnmigrated(t, tempDBPath(t))
	ctx := t.Context()
	ms := []migrate.Migration{
		{Version: 1, Name: "one", SQL: `CREATE TABLE one (x INTEGER); INSERT INTO one VALUES (1);`},
		{Version: 2, Name: "two", SQL: `CREATE TABLE two (x INTEGER); INSERT INTO nowhere VALUES (1);`},
	}
	err := migrate.Run(ctx, &migrationTarget{db: s.writer, clock: testClock}, ms)
	if err == nil || !strings.Contains(err.Error(), "0002_two") {
		t.Fatalf("Run = %v, want an error naming 0002_two", err)
	}
	if v, err := appliedVersion(ctx, s.reader); err != nil || v != 1 {
		t.Errorf("applied version = %d, %v; want 1", v, err)
	}
	var tables []string
	rows, err := s.reader.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('one', 'two') ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if diff := cmp.Diff([]string{"one"}, tables); diff != "" {
		t.Errorf("tables after failed migration (-want +got):\n%s", diff)
	}
	// The writer connection is usable again: the lock was released.
	if err := migrate.Run(ctx, &migrationTarget{db: s.writer, clock: testClock}, ms[:1]); err != nil {
		t.Errorf("Run after failure: %v", err)
	}
}

func TestMigrateRefusesNewerDatabase(t *testing.T) {
	t.Parallel()
	s := openMigrated(t, MemoryPath)
	_, err := s.writer.ExecContext(t.Context(),
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(t.Context()); !errors.Is(err, migrate.ErrDatabaseNewer) {
		t.Errorf("Migrate = %v, want migrate.ErrDatabaseNewer", err)
	}
}

func TestMigrateHonoursCanceledContext(t *testing.T) {
	t.Parallel()
	s := openUnmigrated(t, MemoryPath)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Migrate(ctx); err == nil {
		t.Fatal("Migrate with a canceled context succeeded")
	}
	// Nothing half-done: a later Migrate starts from scratch and works.
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate after cancellation: %v", err)
	}
}
