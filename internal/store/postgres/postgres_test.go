package postgres

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/clock"
	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
	"github.com/mxauth/mxauth/internal/store/migrate"
	"github.com/mxauth/mxauth/internal/store/postgres/pgtest"
	"github.com/mxauth/mxauth/internal/store/storetest"
)

var testClock = clock.NewFake(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))

// Schemas and the server come from pgtest, shared with the end-to-end tests.
var (
	serverDSN   = pgtest.ServerDSN
	freshSchema = pgtest.FreshSchema
)

func openStore(t *testing.T, dsn string, maxConns int32) *Store {
	t.Helper()
	s, err := Open(t.Context(), Options{URL: dsn, MaxConns: maxConns, Clock: testClock})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	serverDSN(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		s := openStore(t, freshSchema(t), 0)
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		return s
	})
}

// TestConcurrentMigrateFreshSchema stands in for replicas starting together: each store
// has its own pool, so only the advisory lock keeps them apart.
func TestConcurrentMigrateFreshSchema(t *testing.T) {
	t.Parallel()
	dsn := freshSchema(t)
	stores := make([]*Store, 6)
	for i := range stores {
		stores[i] = openStore(t, dsn, 2)
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
	err = stores[0].pool.QueryRow(t.Context(),
		`SELECT count(*), max(version) FROM schema_migrations`).Scan(&rows, &maxVersion)
	if err != nil || rows != len(ms) || maxVersion != migrate.Latest(ms) {
		t.Errorf("schema_migrations has %d rows up to %d (%v), want each of %d migrations once",
			rows, maxVersion, err, len(ms))
	}
	// No session of any store still holds an advisory lock. (Other tests migrate other
	// schemas under the same database-wide key at the same time, so "is the key free" would
	// be flaky; the sessions are what must be clean.)
	var pids []uint32
	for _, s := range stores {
		for _, c := range s.pool.AcquireAllIdle(t.Context()) {
			pids = append(pids, c.Conn().PgConn().PID())
			c.Release()
		}
	}
	var held int
	err = stores[0].pool.QueryRow(t.Context(),
		`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = ANY($1)`, pids).Scan(&held)
	if err != nil || held != 0 || len(pids) == 0 {
		t.Errorf("%d advisory locks still held by the stores' %d sessions (%v)", held, len(pids), err)
	}
}

func TestUnmigratedSchema(t *testing.T) {
	t.Parallel()
	s := openStore(t, freshSchema(t), 0)
	ctx := t.Context()
	applied, latest, err := s.SchemaVersion(ctx)
	if err != nil || applied != 0 || latest == 0 {
		t.Errorf("SchemaVersion = (%d, %d, %v), want (0, >0, nil)", applied, latest, err)
	}
	if _, err := s.Keys().List(ctx); !errors.Is(err, store.ErrSchemaOutdated) {
		t.Errorf("List = %v, want store.ErrSchemaOutdated", err)
	}
	k := model.SigningKey{KID: "k", Alg: model.AlgES256, Slot: "s", Sealed: []byte{1}, CreatedAt: testClock.Now()}
	if _, err := s.Keys().CreateIfAbsent(ctx, k); !errors.Is(err, store.ErrSchemaOutdated) {
		t.Errorf("CreateIfAbsent = %v, want store.ErrSchemaOutdated", err)
	}
}

func TestMigrationsRecordAppliedAt(t *testing.T) {
	t.Parallel()
	s := openStore(t, freshSchema(t), 0)
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	var name string
	var appliedAt time.Time
	err := s.pool.QueryRow(t.Context(),
		`SELECT name, applied_at FROM schema_migrations WHERE version = 1`).Scan(&name, &appliedAt)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	if name != "signing_keys" || !appliedAt.Equal(testClock.Now()) {
		t.Errorf("schema_migrations row 1 = (%q, %v), want (signing_keys, %v)", name, appliedAt, testClock.Now())
	}
}

// TestFailedMigrationKeepsEarlierOnes runs the PostgreSQL target with migrations of the
// test's own: a multi-statement script that fails halfway leaves nothing behind, while the
// migration before it stays applied, and the lock is released.
func TestFailedMigrationKeepsEarlierOnes(t *testing.T) {
	t.Parallel()
	s := openStore(t, freshSchema(t), 1) // one connection: a leaked lock session would block below
	ctx := t.Context()
	ms := []migrate.Migration{
		{Version: 1, Name: "one", SQL: `CREATE TABLE one (x INTEGER); INSERT INTO one VALUES (1);`},
		{Version: 2, Name: "two", SQL: `CREATE TABLE two (x INTEGER); INSERT INTO nowhere VALUES (1);`},
	}
	err := migrate.Run(ctx, &migrationTarget{pool: s.pool, clock: testClock}, ms)
	if err == nil || !strings.Contains(err.Error(), "0002_two") {
		t.Fatalf("Run = %v, want an error naming 0002_two", err)
	}
	if v, err := appliedVersion(ctx, s.pool); err != nil || v != 1 {
		t.Errorf("applied version = %d, %v; want 1", v, err)
	}
	var one, two bool
	err = s.pool.QueryRow(ctx, `SELECT to_regclass('one') IS NOT NULL, to_regclass('two') IS NOT NULL`).Scan(&one, &two)
	if err != nil || !one || two {
		t.Errorf("tables one=%v two=%v (%v), want one only", one, two, err)
	}
	if err := migrate.Run(ctx, &migrationTarget{pool: s.pool, clock: testClock}, ms[:1]); err != nil {
		t.Errorf("Run after failure: %v", err)
	}
}

func TestMigrateRefusesNewerDatabase(t *testing.T) {
	t.Parallel()
	s := openStore(t, freshSchema(t), 0)
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	_, err := s.pool.Exec(t.Context(),
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', now())`)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(t.Context()); !errors.Is(err, migrate.ErrDatabaseNewer) {
		t.Errorf("Migrate = %v, want migrate.ErrDatabaseNewer", err)
	}
}

func TestPoolStatsMaxConns(t *testing.T) {
	t.Parallel()
	s := openStore(t, freshSchema(t), 3)
	stats := s.PoolStats()
	if len(stats) != 1 || stats[0].Name != "pool" || stats[0].Max != 3 || stats[0].Open < 1 {
		t.Errorf("PoolStats = %+v, want one pool named pool with Max 3 and an open connection", stats)
	}
}

// TestOpenErrors needs no server: every case fails before or at connecting.
func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    Options
		wantErr string
		notIn   string
	}{
		{"empty URL", Options{}, "no connection URL", ""},
		{"negative MaxConns", Options{URL: "postgres://localhost/db", MaxConns: -1}, "MaxConns is -1", ""},
		{"unparsable URL", Options{URL: "postgres://user:s3cret@host:notaport/db"}, "cannot parse", "s3cret"},
		{"nothing listening", Options{URL: "postgres://user:s3cret@127.0.0.1:1/db?connect_timeout=5"},
			"connect to 127.0.0.1:1/db", "s3cret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Open(t.Context(), tt.opts)
			if err == nil {
				_ = s.Close()
				t.Fatal("Open succeeded, want an error")
			}
			t.Logf("Open error: %v", err)
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Open error %q does not contain %q", err, tt.wantErr)
			}
			if tt.notIn != "" && strings.Contains(err.Error(), tt.notIn) {
				t.Errorf("Open error %q leaks %q", err, tt.notIn)
			}
		})
	}
}
