package postgres

import (
	"context"
	"time"
)

// deadTokenRules are the token deletions of SessionStore.DeleteExpired, in the order they
// run. Each statement has two parameters, the cutoff and the most rows it may delete, and
// deletes the longest dead rows first; PostgreSQL has no DELETE ... LIMIT, hence the
// subqueries. Each WHERE matches an index of migration 0004. The conditions only ever become
// true as rows change (times are set once), so a row chosen by a subquery is still dead when
// it is deleted.
var deadTokenRules = []string{
	// Access tokens that expired or were revoked before the cutoff; the expression is the
	// one of index oauth2_access_tokens_dead.
	`DELETE FROM oauth2_access_tokens
	 WHERE id IN (SELECT id FROM oauth2_access_tokens
	              WHERE LEAST(expires_at, revoked_at) < $1
	              ORDER BY LEAST(expires_at, revoked_at) LIMIT $2)`,
	// Refresh tokens revoked before the cutoff.
	`DELETE FROM oauth2_refresh_tokens
	 WHERE id IN (SELECT id FROM oauth2_refresh_tokens
	              WHERE revoked_at < $1 ORDER BY revoked_at LIMIT $2)`,
	// Spent refresh tokens whose successor was spent before the cutoff: presenting one again
	// can only be a replay, which the successor, kept one step deep, still tells. A token is
	// spent before its successor is (the successor is created when it is spent), so
	// p.consumed_at < cutoff only narrows the scan to index oauth2_refresh_tokens_consumed.
	`DELETE FROM oauth2_refresh_tokens
	 WHERE id IN (SELECT p.id FROM oauth2_refresh_tokens p
	              JOIN oauth2_refresh_tokens n ON n.id = p.next_id
	              WHERE p.consumed_at < $1 AND n.consumed_at < $1
	              ORDER BY p.consumed_at LIMIT $2)`,
}

// DeleteExpired deletes at most limit dead rows (the rules are on
// store.SessionStore.DeleteExpired) and returns how many. Each rule is one statement of its
// own, so no lock is held longer than one bounded statement.
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
		return 0, nil // PostgreSQL would reject a negative LIMIT; "at most 0" deletes nothing
	}
	deleted := 0
	for _, rule := range deadTokenRules {
		if deleted == limit {
			return deleted, nil
		}
		tag, err := ss.s.pool.Exec(ctx, rule, toDB(cutoff), limit-deleted)
		if err != nil {
			return deleted, mapError(op, err)
		}
		deleted += int(tag.RowsAffected())
	}
	if deleted == limit {
		return deleted, nil
	}
	var sessions int
	err := ss.s.pool.QueryRow(ctx,
		`WITH gone AS (
		     DELETE FROM oauth2_sessions
		     WHERE id IN (SELECT id FROM oauth2_sessions WHERE ended_at < $1
		                  ORDER BY ended_at, id LIMIT $2)
		     RETURNING grant_id),
		 exchanged AS (
		     DELETE FROM oauth2_authorization_grants
		     WHERE status = 'exchanged' AND id IN (SELECT grant_id FROM gone))
		 SELECT count(*) FROM gone`,
		toDB(cutoff), limit-deleted).Scan(&sessions)
	if err != nil {
		return deleted, mapError(op, err)
	}
	return deleted + sessions, nil
}

// deleteBatch runs query, a DELETE whose parameters are the cutoff ($1) and the most rows it
// may delete ($2; the cleanup methods' contract: "at most limit"), and returns how many rows
// it deleted. A limit below 1 deletes nothing without asking the database: PostgreSQL would
// reject a negative LIMIT, and "at most 0" deletes nothing.
func (s *Store) deleteBatch(ctx context.Context, op, query string, cutoff time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	tag, err := s.pool.Exec(ctx, query, toDB(cutoff), limit)
	if err != nil {
		return 0, mapError(op, err)
	}
	return int(tag.RowsAffected()), nil
}
