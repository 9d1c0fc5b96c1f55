package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mxauth/mxauth/internal/store"
)

// Refresh spends the refresh token presentedID for next (the rules are on
// store.SessionStore.Refresh) in one transaction: the common first use in one round trip
// (refreshFirstUse), anything else in the transaction below.
//
// Its first statement locks the presented token's session row (FOR NO KEY UPDATE). Every
// write to a session's tokens that depends on their state happens under that lock: other
// refreshes take it the same way, and End and a login on the device take it by updating the
// row. The refreshes of one session are therefore serialised, and each statement after the
// lock sees everything the previous holder committed (READ COMMITTED takes a snapshot per
// statement); this is what makes concurrent refreshes of one token leave one live refresh
// token, where a guarded update alone would not (a retry reads a successor that a concurrent
// refresh is spending). The guarded updates that follow are kept: they state each
// transition's precondition, and a mark of use (which takes no session lock) between the
// read and the revocation of a successor's access token turns a retry into a replay.
// FOR NO KEY UPDATE does not block the foreign key checks of inserted tokens (FOR KEY SHARE).
func (ss sessionStore) Refresh(ctx context.Context, presentedID string, next store.NewTokens, now time.Time) (store.RefreshOutcome, error) {
	const op = "refresh"
	if !store.IsStorableKey(presentedID) {
		return 0, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	if err := store.CheckNewTokens(next); err != nil {
		return 0, fmt.Errorf("postgres: %s: %w", op, err)
	}
	var (
		outcome  store.RefreshOutcome
		replayed bool
	)
	done := false
	err := retryAborted(func() error {
		var err error
		done, err = refreshFirstUse(ctx, ss.s.pool, presentedID, next, now)
		return err
	})
	if err != nil {
		return 0, mapError(op, err)
	}
	if done {
		return store.Rotated, nil
	}
	err = retryAborted(func() error {
		return pgx.BeginFunc(ctx, ss.s.pool, func(tx pgx.Tx) error {
			var err error
			outcome, replayed, err = refreshInTx(ctx, tx, presentedID, next, now)
			return err
		})
	})
	if err != nil {
		return 0, mapError(op, err)
	}
	if replayed {
		// Returned only now: the session's end is committed (store.ErrReplay).
		return 0, fmt.Errorf("postgres: %s: %w: session %s ended", op, store.ErrReplay, next.AccessToken.SessionID)
	}
	return outcome, nil
}

// refreshInTx does Refresh's work in tx. replayed reports that it ended the session, which
// the caller commits before it answers store.ErrReplay.
func refreshInTx(ctx context.Context, tx pgx.Tx, presentedID string, next store.NewTokens, now time.Time) (_ store.RefreshOutcome, replayed bool, _ error) {
	sessionID := next.AccessToken.SessionID
	var (
		lockedID string
		active   bool
	)
	err := tx.QueryRow(ctx,
		`SELECT id, ended_at IS NULL FROM oauth2_sessions
		 WHERE id = (SELECT session_id FROM oauth2_refresh_tokens WHERE id = $1)
		 FOR NO KEY UPDATE`, presentedID).Scan(&lockedID, &active)
	switch {
	case err != nil:
		return 0, false, err // pgx.ErrNoRows: store.ErrNotFound
	case lockedID != sessionID:
		return 0, false, fmt.Errorf("the new tokens name session %q, but the refresh token is of session %q",
			sessionID, lockedID)
	case !active:
		return 0, false, fmt.Errorf("%w: the session has ended", store.ErrConflict)
	}

	// RFC 6749 §6 and RFC 9700 §4.14.2: a refresh token is spent once.
	tag, err := tx.Exec(ctx,
		`UPDATE oauth2_refresh_tokens SET consumed_at = $2, next_id = $3
		 WHERE id = $1 AND consumed_at IS NULL AND revoked_at IS NULL`,
		presentedID, toDB(now), next.RefreshToken.ID)
	if err != nil {
		return 0, false, err
	}
	if tag.RowsAffected() == 1 {
		return store.Rotated, false, insertTokens(ctx, tx, next)
	}

	st, err := readRefreshState(ctx, tx, presentedID)
	switch {
	case err != nil:
		return 0, false, err
	case st.revoked:
		return 0, false, fmt.Errorf("%w: the refresh token is revoked", store.ErrConflict)
	case !st.spent:
		return 0, false, errors.New("the refresh token is unspent, but the guarded update missed it")
	case st.successor.Retryable():
		retried, err := retryRefresh(ctx, tx, presentedID, st, next, now)
		if err != nil || retried {
			return store.Retried, false, err
		}
	}
	return 0, true, endReplayedSession(ctx, tx, sessionID, now)
}

// refreshState is what Refresh reads of a presented token that its guarded update did not
// spend, and of that token's successor.
type refreshState struct {
	revoked bool
	spent   bool
	// successor decides between a retry and a replay (store.RefreshSuccessor.Retryable).
	successor store.RefreshSuccessor
}

func readRefreshState(ctx context.Context, tx pgx.Tx, presentedID string) (refreshState, error) {
	var (
		st                       refreshState
		successorID, successorAT *string
	)
	err := tx.QueryRow(ctx,
		`SELECT p.revoked_at IS NOT NULL, p.consumed_at IS NOT NULL,
		        n.id, coalesce(n.consumed_at IS NULL AND n.revoked_at IS NULL, false),
		        n.access_token_id, coalesce(a.first_used_at IS NULL AND a.id IS NOT NULL, false)
		 FROM oauth2_refresh_tokens p
		 LEFT JOIN oauth2_refresh_tokens n ON n.id = p.next_id
		 LEFT JOIN oauth2_access_tokens a ON a.id = n.access_token_id
		 WHERE p.id = $1`, presentedID).Scan(&st.revoked, &st.spent,
		&successorID, &st.successor.Live, &successorAT, &st.successor.AccessTokenUnused)
	st.successor.ID, st.successor.AccessTokenID = stringOrEmpty(successorID), stringOrEmpty(successorAT)
	return st, err
}

// retryRefresh revokes the presented token's unused successor pair, makes next its successor
// and stores next. Each revocation is guarded by the condition that made the refresh a
// retry; retried is false, with nothing to undo, if one no longer held (then the refresh is
// a replay, whose end of the session revokes everything anyway).
func retryRefresh(ctx context.Context, tx pgx.Tx, presentedID string, st refreshState, next store.NewTokens, now time.Time) (retried bool, _ error) {
	ok, err := execOne(ctx, tx,
		`UPDATE oauth2_refresh_tokens SET revoked_at = $2
		 WHERE id = $1 AND consumed_at IS NULL AND revoked_at IS NULL`,
		st.successor.ID, toDB(now))
	if err != nil || !ok {
		return false, err
	}
	if st.successor.AccessTokenID != "" {
		ok, err := execOne(ctx, tx,
			`UPDATE oauth2_access_tokens SET revoked_at = coalesce(revoked_at, $2)
			 WHERE id = $1 AND first_used_at IS NULL`,
			st.successor.AccessTokenID, toDB(now))
		if err != nil || !ok {
			return false, err
		}
	}
	ok, err = execOne(ctx, tx,
		`UPDATE oauth2_refresh_tokens SET next_id = $2 WHERE id = $1 AND next_id = $3`,
		presentedID, next.RefreshToken.ID, st.successor.ID)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, errors.New("the refresh token's successor changed during the refresh")
	}
	return true, insertTokens(ctx, tx, next)
}

// endReplayedSession ends the session at now and revokes all its tokens (Matrix CS API: the
// homeserver "SHOULD consider that the session is compromised if an old, invalidated refresh
// token is used, and SHOULD revoke the session"; RFC 9700 §4.14.2). The caller holds the
// session's lock, so the revocation sees every token of the session.
func endReplayedSession(ctx context.Context, tx pgx.Tx, sessionID string, now time.Time) error {
	batch := &pgx.Batch{}
	batch.Queue(`UPDATE oauth2_sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL`, sessionID, toDB(now))
	batch.Queue(revokeTokensOf(`SELECT $1::text`, "$2"), sessionID, toDB(now))
	return tx.SendBatch(ctx, batch).Close()
}

// insertTokens stores next's tokens, in one round trip.
func insertTokens(ctx context.Context, tx pgx.Tx, next store.NewTokens) error {
	batch := &pgx.Batch{}
	queueInsertTokens(batch, next.AccessToken, next.RefreshToken)
	return tx.SendBatch(ctx, batch).Close()
}

// execOne runs a guarded update of one row and reports whether it changed that row.
func execOne(ctx context.Context, tx pgx.Tx, query string, args ...any) (bool, error) {
	tag, err := tx.Exec(ctx, query, args...)
	return err == nil && tag.RowsAffected() == 1, err
}

// SQLSTATEs after which PostgreSQL rolled a transaction back and running it again can
// succeed (PostgreSQL manual, appendix A and §13.6).
const (
	sqlstateSerializationFailure = "40001"
	sqlstateDeadlockDetected     = "40P01"
)

// abortedAttempts is how often retryAborted runs a transaction that PostgreSQL keeps
// aborting.
const abortedAttempts = 3

// retryAborted runs attempt, and runs it again (at most abortedAttempts times in all) while
// PostgreSQL aborts it with a deadlock or serialization failure. Refresh takes its locks in
// one order (session, then tokens), but mark-of-use batches and cleanup lock many token rows
// without the session's lock, so a deadlock with them stays possible, if unlikely; and an
// administrator may set default_transaction_isolation to serializable. A refresh that failed
// for such a reason would answer 500 to a client that did nothing wrong.
func retryAborted(attempt func() error) error {
	var err error
	for range abortedAttempts {
		if err = attempt(); !abortedForRetry(err) {
			return err
		}
	}
	return err
}

func abortedForRetry(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) &&
		(pe.Code == sqlstateDeadlockDetected || pe.Code == sqlstateSerializationFailure)
}

// MarkAccessTokensUsed sets first_used_at to t on the tokens among ids that have none yet, in
// one statement. The subquery locks the rows in ID order, so that two batches with common
// IDs (from two replicas) cannot deadlock each other; after waiting for a lock it re-checks
// first_used_at IS NULL on the committed row, so the first use wins. IDs that no token can
// have are dropped first, as PostgreSQL would refuse them as text.
func (ss sessionStore) MarkAccessTokensUsed(ctx context.Context, ids []string, t time.Time) error {
	const op = "mark access tokens used"
	if err := store.CheckTimeIsSet("time of use", t); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	ids = store.StorableKeys(ids)
	if len(ids) == 0 {
		return nil
	}
	_, err := ss.s.pool.Exec(ctx,
		`UPDATE oauth2_access_tokens SET first_used_at = coalesce(first_used_at, $2)
		 WHERE id IN (SELECT id FROM oauth2_access_tokens
		              WHERE id = ANY ($1) AND first_used_at IS NULL
		              ORDER BY id FOR NO KEY UPDATE)`,
		ids, toDB(t))
	if err != nil {
		return mapError(op, err)
	}
	return nil
}
