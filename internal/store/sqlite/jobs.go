package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// jobStore implements store.JobStore. Every write runs on the single writer connection, so
// two claimers (goroutines of this process) never interleave; other processes on the same
// file wait for SQLite's write lock. A job's lease is what keeps the next claimer away.
type jobStore struct{ s *Store }

// Jobs returns the background job queue.
func (s *Store) Jobs() store.JobStore { return jobStore{s} }

const jobColumns = `id, kind, job_key, payload, version, attempts, run_at, locked_until, last_error, created_at`

// Enqueue inserts j, or lands on the queued job holding j.Key (ON CONFLICT on the UNIQUE
// job_key): one statement, so two Enqueues of one key give one row. An ID already taken
// by a job with another key is store.ErrConflict.
func (js jobStore) Enqueue(ctx context.Context, j model.Job) (string, error) {
	const op = "enqueue job"
	if err := store.CheckNewJob(j); err != nil {
		return "", fmt.Errorf("sqlite: %s: %w", op, err)
	}
	var id string
	err := js.s.writer.QueryRowContext(ctx,
		`INSERT INTO jobs (`+jobColumns+`) VALUES (?, ?, ?, ?, ?, 0, ?, NULL, '', ?)
		 ON CONFLICT (job_key) DO UPDATE SET
		     payload = excluded.payload,
		     run_at = min(run_at, excluded.run_at),
		     version = version + 1,
		     attempts = 0
		 RETURNING id`,
		j.ID, j.Kind, j.Key, j.Payload, store.FirstJobVersion, j.RunAt.UnixMilli(), j.CreatedAt.UnixMilli()).Scan(&id)
	if err != nil {
		return "", mapError(op, err)
	}
	return id, nil
}

// Claim leases the due jobs in one UPDATE on the writer connection.
func (js jobStore) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]model.Job, error) {
	const op = "claim jobs"
	if err := store.CheckLease(now, lease); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if limit <= 0 {
		return nil, nil // SQLite would read a negative LIMIT as "no limit"
	}
	rows, err := js.s.writer.QueryContext(ctx,
		`UPDATE jobs SET locked_until = ?1, attempts = attempts + 1
		 WHERE id IN (SELECT id FROM jobs
		              WHERE run_at <= ?2 AND (locked_until IS NULL OR locked_until <= ?2)
		              ORDER BY run_at, id LIMIT ?3)
		 RETURNING `+jobColumns,
		now.Add(lease).UnixMilli(), now.UnixMilli(), limit)
	if err != nil {
		return nil, mapError(op, err)
	}
	jobs, err := collectRows(rows, scanJob)
	if err != nil {
		return nil, mapError(op, err)
	}
	// RETURNING has no defined order.
	slices.SortFunc(jobs, func(a, b model.Job) int {
		return cmp.Or(a.RunAt.Compare(b.RunAt), cmp.Compare(a.ID, b.ID))
	})
	return jobs, nil
}

// ClaimID leases one job by ID; when the guarded update changes nothing, a second look in
// the same IMMEDIATE transaction tells a missing job from a leased one.
func (js jobStore) ClaimID(ctx context.Context, id string, now time.Time, lease time.Duration) (model.Job, error) {
	const op = "claim job"
	if err := store.CheckLease(now, lease); err != nil {
		return model.Job{}, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if !store.IsStorableKey(id) {
		return model.Job{}, fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	tx, err := js.s.beginWrite(ctx)
	if err != nil {
		return model.Job{}, mapError(op, err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit

	j, err := scanJob(tx.QueryRowContext(ctx,
		`UPDATE jobs SET locked_until = ?1, attempts = attempts + 1
		 WHERE id = ?3 AND (locked_until IS NULL OR locked_until <= ?2)
		 RETURNING `+jobColumns,
		now.Add(lease).UnixMilli(), now.UnixMilli(), id))
	if errors.Is(err, sql.ErrNoRows) {
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM jobs WHERE id = ?`, id).Scan(&one)
		if err == nil {
			return model.Job{}, fmt.Errorf("sqlite: %s %s: %w: another worker's lease holds it", op, id, store.ErrConflict)
		}
		return model.Job{}, mapError(op, err) // sql.ErrNoRows: store.ErrNotFound
	}
	if err != nil {
		return model.Job{}, mapError(op, err)
	}
	if err := tx.Commit(); err != nil {
		return model.Job{}, mapError(op, err)
	}
	return j, nil
}

// Complete deletes the job at version, or else releases its lease, in one IMMEDIATE
// transaction: no Enqueue can land between the two statements.
func (js jobStore) Complete(ctx context.Context, id string, version int64) error {
	const op = "complete job"
	if !store.IsStorableKey(id) {
		return nil // no job can have this ID
	}
	tx, err := js.s.beginWrite(ctx)
	if err != nil {
		return mapError(op, err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit

	n, err := execCount(ctx, tx, `DELETE FROM jobs WHERE id = ? AND version = ?`, id, version)
	if err != nil {
		return mapError(op, err)
	}
	if n == 0 {
		// An Enqueue landed since the claim (or the job is gone): the newer work must run.
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET locked_until = NULL WHERE id = ?`, id); err != nil {
			return mapError(op, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return mapError(op, err)
	}
	return nil
}

// Retry releases the lease and records the failure in one guarded UPDATE.
func (js jobStore) Retry(ctx context.Context, id string, version int64, runAt time.Time, errText string) error {
	const op = "retry job"
	if err := store.CheckRetry(runAt); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if !store.IsStorableKey(id) {
		return nil // no job can have this ID
	}
	_, err := js.s.writer.ExecContext(ctx,
		`UPDATE jobs SET locked_until = NULL, last_error = ?1,
		     run_at = CASE WHEN version = ?2 THEN ?3 ELSE run_at END
		 WHERE id = ?4`,
		store.JobErrorText(errText), version, runAt.UnixMilli(), id)
	if err != nil {
		return mapError(op, err)
	}
	return nil
}

// List reads the queue from a reader connection, in index jobs_run_at's order.
func (js jobStore) List(ctx context.Context, limit int) ([]model.Job, error) {
	const op = "list jobs"
	if limit <= 0 {
		return nil, nil // SQLite would read a negative LIMIT as "no limit"
	}
	rows, err := js.s.reader.QueryContext(ctx,
		`SELECT `+jobColumns+` FROM jobs ORDER BY run_at, id LIMIT ?`, limit)
	if err != nil {
		return nil, mapError(op, err)
	}
	jobs, err := collectRows(rows, scanJob)
	if err != nil {
		return nil, mapError(op, err)
	}
	return jobs, nil
}

// Count counts the queued jobs.
func (js jobStore) Count(ctx context.Context) (int, error) {
	var n int
	if err := js.s.reader.QueryRowContext(ctx, `SELECT count(*) FROM jobs`).Scan(&n); err != nil {
		return 0, mapError("count jobs", err)
	}
	return n, nil
}

// scanJob reads the jobColumns of one row.
func scanJob(row scanner) (model.Job, error) {
	var (
		j                model.Job
		runAt, createdAt int64
		lockedUntil      optionalMillis
	)
	err := row.Scan(&j.ID, &j.Kind, &j.Key, &j.Payload, &j.Version, &j.Attempts,
		&runAt, &lockedUntil, &j.LastError, &createdAt)
	if err != nil {
		return model.Job{}, err
	}
	j.RunAt, j.LockedUntil, j.CreatedAt = fromUnixMilli(runAt), lockedUntil.Time(), fromUnixMilli(createdAt)
	return j, nil
}
