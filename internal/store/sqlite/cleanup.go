package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// deadTokenRules are the token deletions of SessionStore.DeleteExpired, in the order they
// run. Each statement has two parameters, the cutoff and the most rows it may delete, and
// deletes the longest dead rows first; the LIMIT is in a subquery (see
// clientStore.DeleteUnusedDynamic). Each WHERE matches an index of migration 0004.
var deadTokenRules = []string{
	// Access tokens that expired or were revoked before the cutoff; the expression is the
	// one of index oauth2_access_tokens_dead.
	`DELETE FROM oauth2_access_tokens
	 WHERE id IN (SELECT id FROM oauth2_access_tokens
	              WHERE min(expires_at, coalesce(revoked_at, expires_at)) < ?1
	              ORDER BY min(expires_at, coalesce(revoked_at, expires_at)) LIMIT ?2)`,
	// Refresh tokens revoked before the cutoff.
	`DELETE FROM oauth2_refresh_tokens
	 WHERE id IN (SELECT id FROM oauth2_refresh_tokens
	              WHERE revoked_at < ?1 ORDER BY revoked_at LIMIT ?2)`,
	// Spent refresh tokens whose successor was spent before the cutoff: presenting one again
	// can only be a replay, which the successor, kept one step deep, still tells. A token is
	// spent before its successor is (the successor is created when it is spent), so
	// p.consumed_at < cutoff only narrows the scan to index oauth2_refresh_tokens_consumed.
	`DELETE FROM oauth2_refresh_tokens
	 WHERE id IN (SELECT p.id FROM oauth2_refresh_tokens p
	              JOIN oauth2_refresh_tokens n ON n.id = p.next_id
	              WHERE p.consumed_at < ?1 AND n.consumed_at < ?1
	              ORDER BY p.consumed_at LIMIT ?2)`,
}

// endedSessionsBefore selects, with parameters cutoff and limit, the sessions that
// DeleteExpired deletes: those that ended before the cutoff, the longest ended first (ID
// breaks ties, so that two evaluations in one transaction select the same rows).
const endedSessionsBefore = `SELECT id FROM oauth2_sessions WHERE ended_at < ?1
	ORDER BY ended_at, id LIMIT ?2`

// DeleteExpired deletes at most limit dead rows (the rules are on
// store.SessionStore.DeleteExpired) in one IMMEDIATE transaction, and returns how many.
//
// Tokens go first and are counted: an ended session's tokens were revoked when it ended, so
// they are normally gone before the session is. Sessions go last, each counted once; any
// token still left goes with its session (ON DELETE CASCADE, not counted), and so does the
// grant exchanged for it. That grant is kept while its session exists, so that a replayed
// code is recognised (GrantStore.DeleteExpired); once the session is gone a replayed code
// has nothing left to revoke, and the grant would otherwise never be deleted.
func (ss sessionStore) DeleteExpired(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	const op = "delete expired sessions and tokens"
	if limit <= 0 {
		return 0, nil // SQLite would read a negative LIMIT as "no limit"
	}
	tx, err := ss.s.beginWrite(ctx)
	if err != nil {
		return 0, mapError(op, err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit

	deleted := 0
	for _, rule := range deadTokenRules {
		if deleted == limit {
			break
		}
		n, err := execCount(ctx, tx, rule, cutoff.UnixMilli(), limit-deleted)
		if err != nil {
			return 0, mapError(op, err)
		}
		deleted += n
	}
	if deleted < limit {
		n, err := deleteEndedSessions(ctx, tx, cutoff, limit-deleted)
		if err != nil {
			return 0, mapError(op, err)
		}
		deleted += n
	}
	if err := tx.Commit(); err != nil {
		return 0, mapError(op, err)
	}
	return deleted, nil
}

// deleteEndedSessions deletes up to limit sessions that ended before cutoff, with the grants
// they were exchanged for, and returns how many sessions it deleted.
func deleteEndedSessions(ctx context.Context, tx *writeTx, cutoff time.Time, limit int) (int, error) {
	_, err := tx.ExecContext(ctx,
		`DELETE FROM oauth2_authorization_grants
		 WHERE status = 'exchanged'
		   AND id IN (SELECT grant_id FROM oauth2_sessions WHERE id IN (`+endedSessionsBefore+`))`,
		cutoff.UnixMilli(), limit)
	if err != nil {
		return 0, err
	}
	return execCount(ctx, tx,
		`DELETE FROM oauth2_sessions WHERE id IN (`+endedSessionsBefore+`)`, cutoff.UnixMilli(), limit)
}

// deleteBatch runs query, a DELETE whose parameters are the cutoff and the most rows it may
// delete (the cleanup methods' contract: "at most limit"), on the writer and returns how
// many rows it deleted. A limit below 1 deletes nothing without asking the database: SQLite
// would read a negative LIMIT as "no limit".
func (s *Store) deleteBatch(ctx context.Context, op, query string, cutoff time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	n, err := execCount(ctx, s.writer, query, cutoff.UnixMilli(), limit)
	if err != nil {
		return 0, mapError(op, err)
	}
	return n, nil
}

// execer is a *sql.DB or *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// execCount runs a statement and returns how many rows it changed.
func execCount(ctx context.Context, db execer, query string, args ...any) (int, error) {
	res, err := db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
