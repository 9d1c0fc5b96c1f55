package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mxauth/mxauth/internal/store"
)

// Refresh spends the refresh token presentedID for next (the rules are on
// store.SessionStore.Refresh) in one IMMEDIATE transaction, shared with concurrent writers
// (group commit, batch.go). The transaction holds the
// database's write lock from BEGIN to COMMIT, so refreshes, logins, ends and marks of use are
// serialised: what Refresh reads cannot change before it writes, and two refreshes of one
// token can never both see it unspent. The first statement is the guarded update of the
// common case (a first use); only when it changes nothing are the token and its successor
// read to tell a retry from a replay.
func (ss sessionStore) Refresh(ctx context.Context, presentedID string, next store.NewTokens, now time.Time) (store.RefreshOutcome, error) {
	const op = "refresh"
	if !store.IsStorableKey(presentedID) {
		return 0, fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	if err := store.CheckNewTokens(next); err != nil {
		return 0, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	var (
		outcome  store.RefreshOutcome
		replayed bool
	)
	err := ss.s.groupWrite(ctx, func(ctx context.Context, tx *writeTx) error {
		var err error
		outcome, replayed, err = refreshInTx(ctx, tx, presentedID, next, now)
		if err != nil {
			return mapError(op, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if replayed {
		// Returned only now: the session's end is committed (store.ErrReplay).
		return 0, fmt.Errorf("sqlite: %s: %w: session %s ended", op, store.ErrReplay, next.AccessToken.SessionID)
	}
	return outcome, nil
}

// refreshInTx does Refresh's work in tx. replayed reports that it ended the session, which
// the caller commits before it answers store.ErrReplay.
func refreshInTx(ctx context.Context, tx *writeTx, presentedID string, next store.NewTokens, now time.Time) (_ store.RefreshOutcome, replayed bool, _ error) {
	sessionID := next.AccessToken.SessionID
	// RFC 6749 §6 and RFC 9700 §4.14.2: a refresh token is spent once. The guard repeats
	// every condition of a first use, the session's too.
	res, err := tx.ExecContext(ctx,
		`UPDATE oauth2_refresh_tokens SET consumed_at = ?, next_id = ?
		 WHERE id = ? AND session_id = ? AND consumed_at IS NULL AND revoked_at IS NULL
		   AND EXISTS (SELECT 1 FROM oauth2_sessions s
		               WHERE s.id = oauth2_refresh_tokens.session_id AND s.ended_at IS NULL)`,
		now.UnixMilli(), next.RefreshToken.ID, presentedID, sessionID)
	if err != nil {
		return 0, false, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, false, err
	} else if n == 1 {
		return store.Rotated, false, insertTokens(ctx, tx, next.AccessToken, next.RefreshToken)
	}

	st, err := readRefreshState(ctx, tx, presentedID)
	if err != nil {
		return 0, false, err // sql.ErrNoRows: store.ErrNotFound
	}
	switch {
	case st.sessionID != sessionID:
		return 0, false, fmt.Errorf("the new tokens name session %q, but the refresh token is of session %q",
			sessionID, st.sessionID)
	case !st.sessionActive:
		return 0, false, fmt.Errorf("%w: the session has ended", store.ErrConflict)
	case st.revoked:
		return 0, false, fmt.Errorf("%w: the refresh token is revoked", store.ErrConflict)
	case !st.spent:
		// The guarded update would have spent it: the rows changed inside a transaction
		// that holds the write lock, which SQLite does not allow.
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
	sessionID     string
	sessionActive bool
	revoked       bool
	spent         bool
	// successor decides between a retry and a replay (store.RefreshSuccessor.Retryable).
	successor store.RefreshSuccessor
}

func readRefreshState(ctx context.Context, tx *writeTx, presentedID string) (refreshState, error) {
	var (
		st                       refreshState
		successorID, successorAT sql.NullString
	)
	err := tx.QueryRowContext(ctx,
		`SELECT p.session_id, s.ended_at IS NULL, p.revoked_at IS NOT NULL, p.consumed_at IS NOT NULL,
		        n.id, coalesce(n.consumed_at IS NULL AND n.revoked_at IS NULL, 0),
		        n.access_token_id, coalesce(a.first_used_at IS NULL AND a.id IS NOT NULL, 0)
		 FROM oauth2_refresh_tokens p
		 JOIN oauth2_sessions s ON s.id = p.session_id
		 LEFT JOIN oauth2_refresh_tokens n ON n.id = p.next_id
		 LEFT JOIN oauth2_access_tokens a ON a.id = n.access_token_id
		 WHERE p.id = ?`, presentedID).Scan(&st.sessionID, &st.sessionActive, &st.revoked, &st.spent,
		&successorID, &st.successor.Live, &successorAT, &st.successor.AccessTokenUnused)
	st.successor.ID, st.successor.AccessTokenID = successorID.String, successorAT.String
	return st, err
}

// retryRefresh revokes the presented token's unused successor pair, makes next its successor
// and stores next. Each revocation is guarded by the condition that made the refresh a
// retry; retried is false, with nothing to undo, if one no longer held (then the refresh is
// a replay, whose end of the session revokes everything anyway).
func retryRefresh(ctx context.Context, tx *writeTx, presentedID string, st refreshState, next store.NewTokens, now time.Time) (retried bool, _ error) {
	ok, err := execOne(ctx, tx,
		`UPDATE oauth2_refresh_tokens SET revoked_at = ?
		 WHERE id = ? AND consumed_at IS NULL AND revoked_at IS NULL`,
		now.UnixMilli(), st.successor.ID)
	if err != nil || !ok {
		return false, err
	}
	if st.successor.AccessTokenID != "" {
		ok, err := execOne(ctx, tx,
			`UPDATE oauth2_access_tokens SET revoked_at = coalesce(revoked_at, ?)
			 WHERE id = ? AND first_used_at IS NULL`,
			now.UnixMilli(), st.successor.AccessTokenID)
		if err != nil || !ok {
			return false, err
		}
	}
	ok, err = execOne(ctx, tx,
		`UPDATE oauth2_refresh_tokens SET next_id = ? WHERE id = ? AND next_id = ?`,
		next.RefreshToken.ID, presentedID, st.successor.ID)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, errors.New("the refresh token's successor changed during the refresh")
	}
	return true, insertTokens(ctx, tx, next.AccessToken, next.RefreshToken)
}

// endReplayedSession ends the session at now and revokes all its tokens (Matrix CS API: the
// homeserver "SHOULD consider that the session is compromised if an old, invalidated refresh
// token is used, and SHOULD revoke the session"; RFC 9700 §4.14.2).
func endReplayedSession(ctx context.Context, tx *writeTx, sessionID string, now time.Time) error {
	_, err := tx.ExecContext(ctx,
		`UPDATE oauth2_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL`,
		now.UnixMilli(), sessionID)
	if err != nil {
		return err
	}
	return revokeSessionTokens(ctx, tx, sessionID, now)
}

// execOne runs a guarded update of one row and reports whether it changed that row.
func execOne(ctx context.Context, tx *writeTx, query string, args ...any) (bool, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MarkAccessTokensUsed sets first_used_at to t on the tokens among ids that have none yet,
// in one statement whatever the number of IDs: they travel as one JSON array parameter
// (json_each), so SQLite's limit on bound parameters does not apply. IDs that no token can
// have are dropped first; encoding/json would turn invalid UTF-8 into U+FFFD and match
// another ID.
func (ss sessionStore) MarkAccessTokensUsed(ctx context.Context, ids []string, t time.Time) error {
	const op = "mark access tokens used"
	if err := store.CheckTimeIsSet("time of use", t); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	ids = store.StorableKeys(ids)
	if len(ids) == 0 {
		return nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	_, err = ss.s.writer.ExecContext(ctx,
		`UPDATE oauth2_access_tokens SET first_used_at = coalesce(first_used_at, ?)
		 WHERE first_used_at IS NULL AND id IN (SELECT value FROM json_each(?))`,
		t.UnixMilli(), string(list))
	if err != nil {
		return mapError(op, err)
	}
	return nil
}
