package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// jobStore implements store.JobStore. Several replicas claim from one table: row locks
// (FOR UPDATE SKIP LOCKED) keep two claimers off one job while they lease it, and the lease
// keeps later claimers off it until it expires.
type jobStore struct{ s *Store }

// Jobs returns the background job queue.
func (s *Store) Jobs() store.JobStore { return jobStore{s} }

const jobColumns = `id, kind, job_key, payload, version, attempts, run_at, locked_until, last_error, created_at`

// Enqueue inserts j, or lands on the queued job holding j.Key: INSERT ... ON CONFLICT is
// atomic on the UNIQUE job_key, so two Enqueues of one key give one row (the second waits
// for the first's row and then updates it). An ID already taken by a job with another key
// is store.ErrConflict.
func (js jobStore) Enqueue(ctx context.Context, j model.Job) (string, error) {
	const op = "enqueue job"
	if err := store.CheckNewJob(j); err != nil {
		return "", fmt.Errorf("postgres: %s: %w", op, err)
	}
	var id string
	err := js.s.pool.QueryRow(ctx,
		`INSERT INTO jobs AS j (`+jobColumns+`) VALUES ($1, $2, $3, $4, $5, 0, $6, NULL, '', $7)
		 ON CONFLICT (job_key) DO UPDATE SET
		     payload = EXCLUDED.payload,
		     run_at = LEAST(j.run_at, EXCLUDED.run_at),
		     version = j.version + 1,
		     attempts = 0
		 RETURNING id`,
		j.ID, j.Kind, j.Key, j.Payload, store.FirstJobVersion, toDB(j.RunAt), toDB(j.CreatedAt)).Scan(&id)
	if err != nil {
		return "", mapError(op, err)
	}
	return id, nil
}

// Claim locks up to limit due jobs, skipping rows another claimer has locked, and leases
// them in the same statement. A row that another claimer leased and committed since this
// statement's snapshot is re-checked on its new version when locked (READ COMMITTED), so
// its lease keeps it out; Claim may then return fewer than limit jobs.
func (js jobStore) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]model.Job, error) {
	const op = "claim jobs"
	if err := store.CheckLease(now, lease); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if limit <= 0 {
		return nil, nil // PostgreSQL would reject a negative LIMIT; "up to 0" claims nothing
	}
	jobs, err := collectJobs(js.s.pool.Query(ctx,
		`WITH due AS (
		     SELECT id FROM jobs
		     WHERE run_at <= $2 AND (locked_until IS NULL OR locked_until <= $2)
		     ORDER BY run_at, id LIMIT $3
		     FOR UPDATE SKIP LOCKED),
		 claimed AS (
		     UPDATE jobs j SET locked_until = $1, attempts = j.attempts + 1
		     FROM due WHERE j.id = due.id
		     RETURNING j.*)
		 SELECT `+jobColumns+` FROM claimed ORDER BY run_at, id`,
		toDB(now.Add(lease)), toDB(now), limit))
	if err != nil {
		return nil, mapError(op, err)
	}
	return jobs, nil
}

// ClaimID leases one job by ID with a guarded update, which waits for any other claimer of
// the row and re-checks the lease on what it committed. When it changes nothing, a second
// look tells a missing job from a leased one.
func (js jobStore) ClaimID(ctx context.Context, id string, now time.Time, lease time.Duration) (model.Job, error) {
	const op = "claim job"
	if err := store.CheckLease(now, lease); err != nil {
		return model.Job{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if !store.IsStorableKey(id) {
		return model.Job{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	var r jobRow
	err := js.s.pool.QueryRow(ctx,
		`UPDATE jobs SET locked_until = $1, attempts = attempts + 1
		 WHERE id = $3 AND (locked_until IS NULL OR locked_until <= $2)
		 RETURNING `+jobColumns,
		toDB(now.Add(lease)), toDB(now), id).Scan(r.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		var exists bool
		err = js.s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM jobs WHERE id = $1)`, id).Scan(&exists)
		if err == nil && exists {
			return model.Job{}, fmt.Errorf("postgres: %s %s: %w: another worker's lease holds it", op, id, store.ErrConflict)
		}
		if err == nil {
			err = pgx.ErrNoRows // store.ErrNotFound
		}
	}
	if err != nil {
		return model.Job{}, mapError(op, err)
	}
	return r.job(), nil
}

// Complete deletes the job at version, or else releases its lease. The two statements go in
// one round trip and run in one implicit transaction (a batch). Each sees the rows committed
// when it starts: if an Enqueue landed while the DELETE waited for the row, the DELETE
// re-checks the version on the new row and keeps it, and the UPDATE, starting after, sees
// that row and releases it. After a successful DELETE the UPDATE finds nothing.
func (js jobStore) Complete(ctx context.Context, id string, version int64) error {
	const op = "complete job"
	if !store.IsStorableKey(id) {
		return nil // no job can have this ID
	}
	batch := &pgx.Batch{}
	batch.Queue(`DELETE FROM jobs WHERE id = $1 AND version = $2`, id, version)
	batch.Queue(`UPDATE jobs SET locked_until = NULL WHERE id = $1`, id)
	if err := js.s.pool.SendBatch(ctx, batch).Close(); err != nil {
		return mapError(op, err)
	}
	return nil
}

// Retry releases the lease and records the failure in one UPDATE; the row lock it takes
// makes the version check see any Enqueue that committed first.
func (js jobStore) Retry(ctx context.Context, id string, version int64, runAt time.Time, errText string) error {
	const op = "retry job"
	if err := store.CheckRetry(runAt); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if !store.IsStorableKey(id) {
		return nil // no job can have this ID
	}
	_, err := js.s.pool.Exec(ctx,
		`UPDATE jobs SET locked_until = NULL, last_error = $2,
		     run_at = CASE WHEN version = $3 THEN $4 ELSE run_at END
		 WHERE id = $1`,
		id, store.JobErrorText(errText), version, toDB(runAt))
	if err != nil {
		return mapError(op, err)
	}
	return nil
}

// List reads the queue in index jobs_run_at's order.
func (js jobStore) List(ctx context.Context, limit int) ([]model.Job, error) {
	const op = "list jobs"
	if limit <= 0 {
		return nil, nil // PostgreSQL would reject a negative LIMIT
	}
	jobs, err := collectJobs(js.s.pool.Query(ctx,
		`SELECT `+jobColumns+` FROM jobs ORDER BY run_at, id LIMIT $1`, limit))
	if err != nil {
		return nil, mapError(op, err)
	}
	return jobs, nil
}

// Count counts the queued jobs.
func (js jobStore) Count(ctx context.Context) (int, error) {
	var n int
	if err := js.s.pool.QueryRow(ctx, `SELECT count(*) FROM jobs`).Scan(&n); err != nil {
		return 0, mapError("count jobs", err)
	}
	return n, nil
}

// jobRow receives the jobColumns of one row.
type jobRow struct {
	j           model.Job
	lockedUntil *time.Time
}

func (r *jobRow) dest() []any {
	return []any{&r.j.ID, &r.j.Kind, &r.j.Key, &r.j.Payload, &r.j.Version, &r.j.Attempts,
		&r.j.RunAt, &r.lockedUntil, &r.j.LastError, &r.j.CreatedAt}
}

func (r *jobRow) job() model.Job {
	j := r.j
	j.RunAt, j.LockedUntil, j.CreatedAt = fromDB(j.RunAt), optionalTime(r.lockedUntil), fromDB(j.CreatedAt)
	return j
}

// collectJobs reads every row of a jobColumns query; no rows is a nil slice, as in the
// SQLite backend.
func collectJobs(rows pgx.Rows, err error) ([]model.Job, error) {
	if err != nil {
		return nil, err
	}
	return pgx.AppendRows([]model.Job(nil), rows, func(row pgx.CollectableRow) (model.Job, error) {
		var r jobRow
		err := row.Scan(r.dest()...)
		return r.job(), err
	})
}

// Compile-time check that the aggregate implements its interface.
var _ store.JobStore = jobStore{}
