package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mxauth/mxauth/internal/store"
)

// rateLimitStore implements store.RateLimitStore.
type rateLimitStore struct{ s *Store }

// RateLimits returns the store of rate-limit buckets shared by every process on the file.
func (s *Store) RateLimits() store.RateLimitStore { return rateLimitStore{s} }

// refilledTokens is what the existing bucket row holds at now (the formula is at
// store.RateLimitStore), with parameters ?2 burst, ?3 now in Unix milliseconds and ?4 the
// refill rate per second.
const refilledTokens = `min(?2, tokens + max(0, ?3 - updated_at) * ?4 / 1000.0)`

// Take takes a token in one IMMEDIATE transaction: the upsert takes it if the bucket holds
// one (a new bucket starts full, burst ≥ 1, so an insert always does); if it changed
// nothing, a read in the same transaction gives what the bucket holds, for retryAfter.
func (rs rateLimitStore) Take(ctx context.Context, key string, burst int, perSecond float64, now time.Time) (bool, time.Duration, error) {
	const op = "take rate-limit token"
	if err := store.CheckBucket(key, burst, perSecond, now); err != nil {
		return false, 0, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	tx, err := rs.s.beginWrite(ctx)
	if err != nil {
		return false, 0, mapError(op, err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit

	var left float64
	err = tx.QueryRowContext(ctx,
		`INSERT INTO rate_limit_buckets (bucket_key, tokens, updated_at) VALUES (?1, ?2 - 1, ?3)
		 ON CONFLICT (bucket_key) DO UPDATE SET
		     tokens = max(0, `+refilledTokens+` - 1),
		     updated_at = max(updated_at, ?3)
		 WHERE `+refilledTokens+` >= ?5
		 RETURNING tokens`,
		key, burst, now.UnixMilli(), perSecond, store.TokenAvailable).Scan(&left)
	allowed := err == nil
	var retryAfter time.Duration
	if errors.Is(err, sql.ErrNoRows) {
		var tokens float64
		err = tx.QueryRowContext(ctx,
			`SELECT `+refilledTokens+` FROM rate_limit_buckets WHERE bucket_key = ?1`,
			key, burst, now.UnixMilli(), perSecond).Scan(&tokens)
		retryAfter = store.RetryAfter(tokens, perSecond)
	}
	if err != nil {
		return false, 0, mapError(op, err)
	}
	if err := tx.Commit(); err != nil {
		return false, 0, mapError(op, err)
	}
	return allowed, retryAfter, nil
}

// DeleteIdle deletes the buckets idle longest first; the LIMIT is in a subquery (see
// clientStore.DeleteUnusedDynamic).
func (rs rateLimitStore) DeleteIdle(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	return rs.s.deleteBatch(ctx, "delete idle rate-limit buckets",
		`DELETE FROM rate_limit_buckets
		 WHERE bucket_key IN (SELECT bucket_key FROM rate_limit_buckets
		                      WHERE updated_at < ?1 ORDER BY updated_at LIMIT ?2)`,
		cutoff, limit)
}
