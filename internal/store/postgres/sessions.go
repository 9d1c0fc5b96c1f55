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

// sessionStore implements store.SessionStore.
type sessionStore struct{ s *Store }

// Sessions returns the OAuth session store.
func (s *Store) Sessions() store.SessionStore { return sessionStore{s} }

const (
	sessionColumns = `id, user_id, client_id, device_id, scope, grant_id, created_at, ended_at,
		user_agent, last_active_at, last_active_ip`
	// joinedSessionColumns are sessionColumns of the session aliased s in a join.
	joinedSessionColumns = `s.id, s.user_id, s.client_id, s.device_id, s.scope, s.grant_id, s.created_at, s.ended_at,
		s.user_agent, s.last_active_at, s.last_active_ip`
	accessTokenColumns  = `id, session_id, hash, created_at, expires_at, revoked_at, first_used_at`
	refreshTokenColumns = `id, session_id, hash, access_token_id, created_at, consumed_at, next_id, revoked_at`
	// joinedAccessTokenColumns are accessTokenColumns of the token aliased t in a join.
	joinedAccessTokenColumns = `t.id, t.session_id, t.hash, t.created_at, t.expires_at, t.revoked_at, t.first_used_at`
)

// revokeTokensOf is one statement that revokes, at the time in parameter timeParam, the
// unrevoked tokens of the sessions whose IDs the query sessionIDs returns.
//
// It runs as a statement of its own, after the one that ended (and so locked) the sessions.
// A statement sees the rows committed when it started (READ COMMITTED): were the revocation
// part of an UPDATE of a session that had to wait for a Refresh holding the session's lock,
// it would miss the tokens that Refresh inserted, and leave them unrevoked.
func revokeTokensOf(sessionIDs, timeParam string) string {
	return `WITH revoked_access AS (
	     UPDATE oauth2_access_tokens SET revoked_at = ` + timeParam + `
	     WHERE session_id IN (` + sessionIDs + `) AND revoked_at IS NULL)
	 UPDATE oauth2_refresh_tokens SET revoked_at = ` + timeParam + `
	 WHERE session_id IN (` + sessionIDs + `) AND revoked_at IS NULL`
}

// StartFromGrant exchanges the grant and starts ns in one transaction.
//
// The guarded update comes first: it locks the grant's row, so a concurrent exchange of the
// same code waits for this transaction and then, re-checking status = 'fulfilled' on the
// committed row, changes nothing. Then the user's row is locked, which serialises the logins
// of one user: without it, two logins on one device could each miss the other's new session
// (each UPDATE reads a snapshot taken before the other committed), and the second would fail
// on oauth2_sessions_active_device instead of ending the first. FOR NO KEY UPDATE does not
// block the foreign key checks of other transactions (they take FOR KEY SHARE).
func (ss sessionStore) StartFromGrant(ctx context.Context, grantID string, ns store.NewSession, now time.Time) ([]model.Session, error) {
	const op = "start session from grant"
	if !store.IsStorableKey(grantID) {
		return nil, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	if err := store.CheckNewSession(grantID, ns); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	var ended []model.Session
	err := pgx.BeginFunc(ctx, ss.s.pool, func(tx pgx.Tx) error {
		// The guarded update spends the code (RFC 6749 §4.1.2: a code is used at most once).
		var (
			grantUser   *string
			grantClient string
		)
		err := tx.QueryRow(ctx,
			`UPDATE oauth2_authorization_grants SET status = 'exchanged', exchanged_at = $2, session_id = $3
			 WHERE id = $1 AND status = 'fulfilled'
			 RETURNING user_id, client_id`,
			grantID, toDB(now), ns.Session.ID).Scan(&grantUser, &grantClient)
		if errors.Is(err, pgx.ErrNoRows) {
			return grantNotMoved(ctx, tx, grantID)
		}
		if err != nil {
			return err
		}
		if err := store.CheckSessionMatchesGrant(ns.Session, stringOrEmpty(grantUser), grantClient); err != nil {
			return err
		}
		ended, err = endDeviceSessionsAndStart(ctx, tx, ns, now)
		return err
	})
	if err != nil {
		return nil, mapError(op, err)
	}
	return ended, nil
}

// endDeviceSessionsAndStart locks the user, ends their active sessions on the new session's
// device at now (revoking their tokens), and inserts the new session and its tokens, in one
// round trip. It returns the ended sessions oldest first, nil if there were none.
//
// The revocation is a statement of its own (see revokeTokensOf); it finds the sessions just
// ended by their end time, which can only add sessions of the device that ended in the same
// millisecond and whose tokens are revoked already.
func endDeviceSessionsAndStart(ctx context.Context, tx pgx.Tx, ns store.NewSession, now time.Time) ([]model.Session, error) {
	s := ns.Session
	batch := &pgx.Batch{}
	batch.Queue(`SELECT FROM users WHERE id = $1 FOR NO KEY UPDATE`, s.UserID)
	batch.Queue(`WITH ended AS (
	     UPDATE oauth2_sessions SET ended_at = $3
	     WHERE user_id = $1 AND device_id = $2 AND ended_at IS NULL
	     RETURNING `+sessionColumns+`)
	 SELECT `+sessionColumns+` FROM ended ORDER BY created_at, id`,
		s.UserID, s.DeviceID, toDB(now))
	batch.Queue(revokeTokensOf(
		`SELECT id FROM oauth2_sessions WHERE user_id = $1 AND device_id = $2 AND ended_at = $3`, "$3"),
		s.UserID, s.DeviceID, toDB(now))
	batch.Queue(`INSERT INTO oauth2_sessions (`+sessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		s.ID, s.UserID, s.ClientID, s.DeviceID, s.Scope, nullString(s.GrantID),
		toDB(s.CreatedAt), nullTime(s.EndedAt), s.UserAgent, nullTime(s.LastActiveAt), nullString(s.LastActiveIP))
	queueInsertTokens(batch, ns.AccessToken, ns.RefreshToken)

	results := tx.SendBatch(ctx, batch)
	var ended []model.Session
	_, err := results.Exec()
	if err == nil {
		ended, err = collectSessions(results.Query())
	}
	for range 4 {
		if err == nil {
			_, err = results.Exec()
		}
	}
	// Close reports the batch's first error again; keep the first one seen.
	if closeErr := results.Close(); err == nil {
		err = closeErr
	}
	return ended, err
}

// queueInsertTokens queues the inserts of an access token and a refresh token, as given.
func queueInsertTokens(batch *pgx.Batch, at model.AccessToken, rt model.RefreshToken) {
	batch.Queue(`INSERT INTO oauth2_access_tokens (`+accessTokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		at.ID, at.SessionID, at.Hash, toDB(at.CreatedAt), toDB(at.ExpiresAt), nullTime(at.RevokedAt),
		nullTime(at.FirstUsedAt))
	batch.Queue(`INSERT INTO oauth2_refresh_tokens (`+refreshTokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		rt.ID, rt.SessionID, rt.Hash, nullString(rt.AccessTokenID), toDB(rt.CreatedAt),
		nullTime(rt.ConsumedAt), nullString(rt.NextID), nullTime(rt.RevokedAt))
}

// Get returns the session with this ID, or store.ErrNotFound.
func (ss sessionStore) Get(ctx context.Context, id string) (model.Session, error) {
	const op = "get session"
	if !store.IsStorableKey(id) {
		return model.Session{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	var r sessionRow
	err := ss.s.pool.QueryRow(ctx,
		`SELECT `+sessionColumns+` FROM oauth2_sessions WHERE id = $1`, id).Scan(r.dest()...)
	if err != nil {
		return model.Session{}, mapError(op, err)
	}
	return r.session(), nil
}

// End ends the session at t unless it has ended already (coalesce keeps the first time) and
// revokes its tokens that are not revoked yet, in one transaction of two statements sent in
// one round trip. The UPDATE locks the session's row, so an End racing another End, a login
// on the device or a Refresh waits for it; the revocation then sees every token they
// inserted (see revokeTokensOf).
func (ss sessionStore) End(ctx context.Context, id string, t time.Time) error {
	const op = "end session"
	if !store.IsStorableKey(id) {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	if err := store.CheckTimeIsSet("end time", t); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	err := pgx.BeginFunc(ctx, ss.s.pool, func(tx pgx.Tx) error {
		batch := &pgx.Batch{}
		batch.Queue(`UPDATE oauth2_sessions SET ended_at = coalesce(ended_at, $2) WHERE id = $1`, id, toDB(t))
		batch.Queue(revokeTokensOf(`SELECT $1::text`, "$2"), id, toDB(t))
		results := tx.SendBatch(ctx, batch)
		tag, err := results.Exec()
		if err == nil && tag.RowsAffected() == 0 {
			err = store.ErrNotFound
		}
		if err == nil {
			_, err = results.Exec()
		}
		// Close reports the batch's first error again; keep the first one seen.
		if closeErr := results.Close(); err == nil {
			err = closeErr
		}
		return err
	})
	if err != nil {
		return mapError(op, err)
	}
	return nil
}

// ListActiveByUser returns the user's active sessions, newest first; sessions started in
// the same millisecond are ordered by ID (byte order), descending, so the order is stable.
func (ss sessionStore) ListActiveByUser(ctx context.Context, userID string) ([]model.Session, error) {
	const op = "list active sessions"
	if !store.IsStorableKey(userID) {
		return nil, nil // no user has such an ID
	}
	sessions, err := collectSessions(ss.s.pool.Query(ctx,
		`SELECT `+sessionColumns+` FROM oauth2_sessions
		 WHERE user_id = $1 AND ended_at IS NULL
		 ORDER BY created_at DESC, id DESC`, userID))
	if err != nil {
		return nil, mapError(op, err)
	}
	return sessions, nil
}

// AccessTokenByHash is the introspection hot path: one probe of the UNIQUE hash index
// joined to the session's primary key, in one round trip.
func (ss sessionStore) AccessTokenByHash(ctx context.Context, hash []byte) (model.AccessToken, model.Session, error) {
	const op = "get access token"
	if len(hash) == 0 {
		return model.AccessToken{}, model.Session{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	var (
		t accessTokenRow
		s sessionRow
	)
	err := ss.s.pool.QueryRow(ctx,
		`SELECT `+joinedAccessTokenColumns+`, `+joinedSessionColumns+`
		 FROM oauth2_access_tokens t JOIN oauth2_sessions s ON s.id = t.session_id
		 WHERE t.hash = $1`, hash).Scan(append(t.dest(), s.dest()...)...)
	if err != nil {
		return model.AccessToken{}, model.Session{}, mapError(op, err)
	}
	return t.token(), s.session(), nil
}

// AccessTokenWithOwner is AccessTokenByHash joined with the session's user.
func (ss sessionStore) AccessTokenWithOwner(ctx context.Context, hash []byte) (model.AccessToken, model.Session, store.TokenOwner, error) {
	const op = "get access token with owner"
	if len(hash) == 0 {
		return model.AccessToken{}, model.Session{}, store.TokenOwner{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	var (
		t     accessTokenRow
		s     sessionRow
		owner store.TokenOwner
	)
	err := ss.s.pool.QueryRow(ctx,
		`SELECT `+joinedAccessTokenColumns+`, `+joinedSessionColumns+`,
		        u.username, (u.locked_at IS NULL AND u.deactivated_at IS NULL)
		 FROM oauth2_access_tokens t
		 JOIN oauth2_sessions s ON s.id = t.session_id
		 JOIN users u ON u.id = s.user_id
		 WHERE t.hash = $1`, hash).Scan(append(append(t.dest(), s.dest()...), &owner.Username, &owner.CanSignIn)...)
	if err != nil {
		return model.AccessToken{}, model.Session{}, store.TokenOwner{}, mapError(op, err)
	}
	return t.token(), s.session(), owner, nil
}

// RefreshTokenByHash is AccessTokenWithOwner for refresh tokens.
func (ss sessionStore) RefreshTokenByHash(ctx context.Context, hash []byte) (model.RefreshToken, model.Session, store.TokenOwner, error) {
	const op = "get refresh token"
	if len(hash) == 0 {
		return model.RefreshToken{}, model.Session{}, store.TokenOwner{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	var (
		t     refreshTokenRow
		s     sessionRow
		owner store.TokenOwner
	)
	err := ss.s.pool.QueryRow(ctx,
		`SELECT t.id, t.session_id, t.hash, t.access_token_id, t.created_at, t.consumed_at,
		        t.next_id, t.revoked_at, `+joinedSessionColumns+`,
		        u.username, (u.locked_at IS NULL AND u.deactivated_at IS NULL)
		 FROM oauth2_refresh_tokens t
		 JOIN oauth2_sessions s ON s.id = t.session_id
		 JOIN users u ON u.id = s.user_id
		 WHERE t.hash = $1`, hash).Scan(append(append(t.dest(), s.dest()...), &owner.Username, &owner.CanSignIn)...)
	if err != nil {
		return model.RefreshToken{}, model.Session{}, store.TokenOwner{}, mapError(op, err)
	}
	return t.token(), s.session(), owner, nil
}

// RecordActivity writes the batch's summaries (store.SummarizeActivity) in one statement,
// whatever their number: they travel as four arrays, unnested into rows, and the UPDATE ...
// FROM join skips IDs that name no session. As in MarkAccessTokensUsed, the subquery locks
// the rows in ID order, so that two batches with common sessions (from two replicas) cannot
// deadlock each other, and the SET expressions, which read the row's committed version
// after any wait, keep the later time. Should a deadlock with a writer that locks sessions in
// another order still happen, the statement is retried.
func (ss sessionStore) RecordActivity(ctx context.Context, activity []store.SessionActivity) error {
	const op = "record session activity"
	summaries, err := store.SummarizeActivity(activity)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if len(summaries) == 0 {
		return nil
	}
	ids := make([]string, len(summaries))
	lastAts := make([]time.Time, len(summaries))
	ips := make([]string, len(summaries))
	ipAts := make([]*time.Time, len(summaries))
	for i, sum := range summaries {
		ids[i], lastAts[i], ips[i] = sum.SessionID, toDB(sum.LastAt), sum.IP
		if !sum.IPAt.IsZero() {
			ipAt := toDB(sum.IPAt)
			ipAts[i] = &ipAt
		}
	}
	err = retryAborted(func() error {
		_, err := ss.s.pool.Exec(ctx,
			`UPDATE oauth2_sessions s SET
			     last_active_ip = CASE WHEN a.ip_at > coalesce(s.last_active_at, '-infinity')
			                           THEN a.ip ELSE s.last_active_ip END,
			     last_active_at = GREATEST(s.last_active_at, a.last_at)
			 FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::timestamptz[]) AS a (id, last_at, ip, ip_at)
			 WHERE s.id = a.id
			   AND s.id IN (SELECT id FROM oauth2_sessions WHERE id = ANY ($1) ORDER BY id FOR NO KEY UPDATE)`,
			ids, lastAts, ips, ipAts)
		return err
	})
	if err != nil {
		return mapError(op, err)
	}
	return nil
}

// collectSessions reads every row of a sessionColumns query; no rows is a nil slice, as in
// the SQLite backend.
func collectSessions(rows pgx.Rows, err error) ([]model.Session, error) {
	if err != nil {
		return nil, err
	}
	return pgx.AppendRows([]model.Session(nil), rows, func(row pgx.CollectableRow) (model.Session, error) {
		var r sessionRow
		err := row.Scan(r.dest()...)
		return r.session(), err
	})
}

// Compile-time check that the aggregate implements its interface.
var _ store.SessionStore = sessionStore{}
