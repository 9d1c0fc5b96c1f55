package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mxauth/mxauth/internal/store"
)

// refreshFirstUse tries the common case of Refresh — the presented token is spent for the
// first time — in one round trip: the four statements go to the server as one batch, which
// PostgreSQL runs as one implicit transaction (pgx SendBatch), so either all of it commits
// or none. The order and the locks are those of refreshInTx: the session row is locked
// first, and the guarded update that follows runs with a snapshot taken after the lock was
// granted (READ COMMITTED takes one per statement), so it sees what a previous holder
// committed. The inserts are conditional on the update having spent the token, so a batch
// whose update found nothing to spend writes nothing.
//
// done is false when the token was not spent here (already spent, revoked, or its session
// ended or unknown): the caller then runs the full transaction, which tells a retry, a
// replay, a conflict and a missing token apart, and re-checks everything under the lock.
func refreshFirstUse(ctx context.Context, pool interface {
	SendBatch(context.Context, *pgx.Batch) pgx.BatchResults
}, presentedID string, next store.NewTokens, now time.Time) (done bool, _ error) {
	at, rt := next.AccessToken, next.RefreshToken
	batch := &pgx.Batch{}
	batch.Queue(`SELECT id FROM oauth2_sessions
		 WHERE id = (SELECT session_id FROM oauth2_refresh_tokens WHERE id = $1)
		 FOR NO KEY UPDATE`, presentedID)
	// RFC 6749 §6 and RFC 9700 §4.14.2: a refresh token is spent once; only a token of the
	// named, active session.
	batch.Queue(`UPDATE oauth2_refresh_tokens SET consumed_at = $2, next_id = $3
		 WHERE id = $1 AND consumed_at IS NULL AND revoked_at IS NULL AND session_id = $4
		   AND EXISTS (SELECT 1 FROM oauth2_sessions WHERE id = $4 AND ended_at IS NULL)`,
		presentedID, toDB(now), rt.ID, at.SessionID)
	spent := `EXISTS (SELECT 1 FROM oauth2_refresh_tokens WHERE id = $1 AND next_id = $2)`
	batch.Queue(`INSERT INTO oauth2_access_tokens (`+accessTokenColumns+`)
		 SELECT $3, $4, $5, $6, $7, $8::timestamptz, $9::timestamptz WHERE `+spent,
		presentedID, rt.ID,
		at.ID, at.SessionID, at.Hash, toDB(at.CreatedAt), toDB(at.ExpiresAt), nullTime(at.RevokedAt), nullTime(at.FirstUsedAt))
	batch.Queue(`INSERT INTO oauth2_refresh_tokens (`+refreshTokenColumns+`)
		 SELECT $3, $4, $5, $6, $7, $8::timestamptz, $9, $10::timestamptz WHERE `+spent,
		presentedID, rt.ID,
		rt.ID, rt.SessionID, rt.Hash, nullString(rt.AccessTokenID), toDB(rt.CreatedAt),
		nullTime(rt.ConsumedAt), nullString(rt.NextID), nullTime(rt.RevokedAt))

	results := pool.SendBatch(ctx, batch)
	var lockedID string
	err := results.QueryRow().Scan(&lockedID)
	if errors.Is(err, pgx.ErrNoRows) {
		err = nil // an unknown token: the full transaction says ErrNotFound
	}
	var tags [3]int64
	for i := range tags {
		if err != nil {
			break
		}
		tag, execErr := results.Exec()
		err, tags[i] = execErr, tag.RowsAffected()
	}
	if closeErr := results.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return false, err
	}
	if tags[0] == 1 && (tags[1] != 1 || tags[2] != 1) {
		// Impossible while the conditions above agree; refuse rather than answer tokens
		// that were not stored.
		return false, fmt.Errorf("the refresh token was spent but its successor pair was not stored (%d, %d)", tags[1], tags[2])
	}
	return tags[0] == 1, nil
}
