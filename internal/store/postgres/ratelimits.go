package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mxauth/mxauth/internal/store"
)

// rateLimitStore implements store.RateLimitStore.
type rateLimitStore struct{ s *Store }

// RateLimits returns the store of rate-limit buckets shared by every replica.
func (s *Store) RateLimits() store.RateLimitStore { return rateLimitStore{s} }

// refilledTokens is what the bucket row b holds at now (the formula is at
// store.RateLimitStore), with parameters $2 burst, $3 now and $4 the refill rate per second.
// The elapsed milliseconds are exact (numeric) until the conversion to float8, so the float
// arithmetic is the SQLite backend's, operation for operation.
const refilledTokens = `LEAST($2::float8, b.tokens +
	GREATEST(0, EXTRACT(EPOCH FROM $3::timestamptz - b.updated_at) * 1000)::float8 * $4::float8 / 1000)`

// Take takes a token with one upsert, and reads what the bucket holds with a second
// statement in the same round trip and implicit transaction (a batch). A new bucket starts
// full (burst ≥ 1), so the insert always takes a token. On an existing bucket the upsert
// locks the row even when its WHERE refuses the take (PostgreSQL's ON CONFLICT DO UPDATE
// locks the conflicting row either way), so concurrent Takes of one key queue on that lock
// and each sees the tokens the previous one left: never more than the bucket allows get
// through, and the read gives retryAfter from the row as this Take saw it.
func (rs rateLimitStore) Take(ctx context.Context, key string, burst int, perSecond float64, now time.Time) (bool, time.Duration, error) {
	const op = "take rate-limit token"
	if err := store.CheckBucket(key, burst, perSecond, now); err != nil {
		return false, 0, fmt.Errorf("postgres: %s: %w", op, err)
	}
	args := []any{key, float64(burst), toDB(now), perSecond}
	batch := &pgx.Batch{}
	batch.Queue(`INSERT INTO rate_limit_buckets AS b (bucket_key, tokens, updated_at)
		 VALUES ($1, $2::float8 - 1, $3)
		 ON CONFLICT (bucket_key) DO UPDATE SET
		     tokens = GREATEST(0, `+refilledTokens+` - 1),
		     updated_at = GREATEST(b.updated_at, $3)
		 WHERE `+refilledTokens+` >= $5
		 RETURNING tokens`, append(args, store.TokenAvailable)...)
	batch.Queue(`SELECT `+refilledTokens+` FROM rate_limit_buckets b WHERE bucket_key = $1`, args...)
	results := rs.s.pool.SendBatch(ctx, batch)
	var left, tokens float64
	err := results.QueryRow().Scan(&left)
	allowed := err == nil
	if errors.Is(err, pgx.ErrNoRows) {
		err = results.QueryRow().Scan(&tokens)
	}
	// Close reports the batch's first error again; keep the first one seen.
	if closeErr := results.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return false, 0, mapError(op, err)
	}
	if allowed {
		return true, 0, nil
	}
	return false, store.RetryAfter(tokens, perSecond), nil
}

// DeleteIdle deletes the buckets idle longest first. The outer WHERE repeats the cutoff: a
// Take that touched a chosen bucket after the subquery read it commits a new row version,
// which the DELETE re-checks, so a bucket in use is never reset to full.
func (rs rateLimitStore) DeleteIdle(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	return rs.s.deleteBatch(ctx, "delete idle rate-limit buckets",
		`DELETE FROM rate_limit_buckets
		 WHERE updated_at < $1
		   AND bucket_key IN (SELECT bucket_key FROM rate_limit_buckets
		                      WHERE updated_at < $1 ORDER BY updated_at LIMIT $2)`,
		cutoff, limit)
}

// Compile-time check that the aggregate implements its interface.
var _ store.RateLimitStore = rateLimitStore{}
