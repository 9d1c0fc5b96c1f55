package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

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

// StartFromGrant exchanges the grant and starts ns in one IMMEDIATE transaction (shared with
// concurrent writers: group commit, batch.go), which holds the database's write lock
// throughout: no other exchange of the grant and no other login on the device can come
// between the steps.
func (ss sessionStore) StartFromGrant(ctx context.Context, grantID string, ns store.NewSession, now time.Time) ([]model.Session, error) {
	const op = "start session from grant"
	if !store.IsStorableKey(grantID) {
		return nil, fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	if err := store.CheckNewSession(grantID, ns); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	var ended []model.Session
	err := ss.s.groupWrite(ctx, func(ctx context.Context, tx *writeTx) error {
		var err error
		ended, err = startFromGrantInTx(ctx, tx, op, grantID, ns, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return ended, nil
}

// startFromGrantInTx does StartFromGrant's work in tx; its errors are mapped.
func startFromGrantInTx(ctx context.Context, tx *writeTx, op, grantID string, ns store.NewSession, now time.Time) ([]model.Session, error) {
	// The guarded update spends the code (RFC 6749 §4.1.2: a code is used at most once).
	var (
		grantUser   sql.NullString
		grantClient string
	)
	err := tx.QueryRowContext(ctx,
		`UPDATE oauth2_authorization_grants SET status = 'exchanged', exchanged_at = ?, session_id = ?
		 WHERE id = ? AND status = 'fulfilled'
		 RETURNING user_id, client_id`,
		now.UnixMilli(), ns.Session.ID, grantID).Scan(&grantUser, &grantClient)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, grantNotMoved(ctx, tx, op, grantID)
	}
	if err != nil {
		return nil, mapError(op, err)
	}
	if err := store.CheckSessionMatchesGrant(ns.Session, grantUser.String, grantClient); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	ended, err := endDeviceSessions(ctx, tx, ns.Session.UserID, ns.Session.DeviceID, now)
	if err != nil {
		return nil, mapError(op, err)
	}
	if err := insertNewSession(ctx, tx, ns); err != nil {
		return nil, mapError(op, err)
	}
	return ended, nil
}

// endDeviceSessions ends the user's active sessions on deviceID at now, revokes their tokens
// and returns them as ended, oldest first (nil if there were none).
func endDeviceSessions(ctx context.Context, tx *writeTx, userID, deviceID string, now time.Time) ([]model.Session, error) {
	return endActiveSessions(ctx, tx, now, `user_id = ? AND device_id = ?`, userID, deviceID)
}

// endActiveSessions ends at now the active sessions that the condition where selects (a
// fixed SQL text, never input, whose parameters are args), revokes their tokens and returns
// them as ended, oldest first (nil if there were none).
func endActiveSessions(ctx context.Context, tx *writeTx, now time.Time, where string, args ...any) ([]model.Session, error) {
	rows, err := tx.QueryContext(ctx,
		`UPDATE oauth2_sessions SET ended_at = ?
		 WHERE ended_at IS NULL AND `+where+`
		 RETURNING `+sessionColumns,
		append([]any{now.UnixMilli()}, args...)...)
	if err != nil {
		return nil, err
	}
	ended, err := collectSessions(rows)
	if err != nil {
		return nil, err
	}
	// RETURNING has no defined order.
	slices.SortFunc(ended, func(a, b model.Session) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	for _, s := range ended {
		if err := revokeSessionTokens(ctx, tx, s.ID, now); err != nil {
			return nil, err
		}
	}
	return ended, nil
}

// revokeSessionTokens revokes, at t, every token of the session that is not revoked yet.
func revokeSessionTokens(ctx context.Context, tx *writeTx, sessionID string, t time.Time) error {
	for _, table := range []string{"oauth2_access_tokens", "oauth2_refresh_tokens"} {
		_, err := tx.ExecContext(ctx,
			`UPDATE `+table+` SET revoked_at = ? WHERE session_id = ? AND revoked_at IS NULL`,
			t.UnixMilli(), sessionID)
		if err != nil {
			return err
		}
	}
	return nil
}

func insertNewSession(ctx context.Context, tx *writeTx, ns store.NewSession) error {
	s := ns.Session
	_, err := tx.ExecContext(ctx,
		`INSERT INTO oauth2_sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.UserID, s.ClientID, s.DeviceID, s.Scope, nullString(s.GrantID),
		s.CreatedAt.UnixMilli(), nullMillis(s.EndedAt),
		s.UserAgent, nullMillis(s.LastActiveAt), nullString(s.LastActiveIP))
	if err != nil {
		return err
	}
	return insertTokens(ctx, tx, ns.AccessToken, ns.RefreshToken)
}

// insertTokens stores an access token and a refresh token as given.
func insertTokens(ctx context.Context, tx *writeTx, at model.AccessToken, rt model.RefreshToken) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO oauth2_access_tokens (`+accessTokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		at.ID, at.SessionID, at.Hash, at.CreatedAt.UnixMilli(), at.ExpiresAt.UnixMilli(),
		nullMillis(at.RevokedAt), nullMillis(at.FirstUsedAt))
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO oauth2_refresh_tokens (`+refreshTokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		rt.ID, rt.SessionID, rt.Hash, nullString(rt.AccessTokenID), rt.CreatedAt.UnixMilli(),
		nullMillis(rt.ConsumedAt), nullString(rt.NextID), nullMillis(rt.RevokedAt))
	return err
}

// Get returns the session with this ID, or store.ErrNotFound.
func (ss sessionStore) Get(ctx context.Context, id string) (model.Session, error) {
	const op = "get session"
	if !store.IsStorableKey(id) {
		return model.Session{}, fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	var r sessionRow
	err := ss.s.hot.queryRow(ctx,
		`SELECT `+sessionColumns+` FROM oauth2_sessions WHERE id = ?`, id).Scan(r.dest()...)
	if err != nil {
		return model.Session{}, mapError(op, err)
	}
	return r.session(), nil
}

// End ends the session at t unless it has ended already (coalesce keeps the first time) and
// revokes its tokens that are not revoked yet, in one IMMEDIATE transaction.
func (ss sessionStore) End(ctx context.Context, id string, t time.Time) error {
	const op = "end session"
	if !store.IsStorableKey(id) {
		return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	if err := store.CheckTimeIsSet("end time", t); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	tx, err := ss.s.beginWrite(ctx)
	if err != nil {
		return mapError(op, err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit

	// SQLite counts a row the WHERE matched as changed even when coalesce keeps the old
	// value, so 0 rows means no such session.
	res, err := tx.ExecContext(ctx,
		`UPDATE oauth2_sessions SET ended_at = coalesce(ended_at, ?) WHERE id = ?`, t.UnixMilli(), id)
	if err != nil {
		return mapError(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return mapError(op, err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	if err := revokeSessionTokens(ctx, tx, id, t); err != nil {
		return mapError(op, err)
	}
	if err := tx.Commit(); err != nil {
		return mapError(op, err)
	}
	return nil
}

// ListActiveByUser returns the user's active sessions, newest first; sessions started in
// the same millisecond are ordered by ID, descending, so the order is stable.
func (ss sessionStore) ListActiveByUser(ctx context.Context, userID string) ([]model.Session, error) {
	const op = "list active sessions"
	if !store.IsStorableKey(userID) {
		return nil, nil // no user has such an ID
	}
	rows, err := ss.s.reader.QueryContext(ctx,
		`SELECT `+sessionColumns+` FROM oauth2_sessions
		 WHERE user_id = ? AND ended_at IS NULL
		 ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, mapError(op, err)
	}
	sessions, err := collectSessions(rows)
	if err != nil {
		return nil, mapError(op, err)
	}
	return sessions, nil
}

// AccessTokenByHash is the introspection hot path: one probe of the UNIQUE hash index
// joined to the session's primary key, on the reader pool.
func (ss sessionStore) AccessTokenByHash(ctx context.Context, hash []byte) (model.AccessToken, model.Session, error) {
	const op = "get access token"
	if len(hash) == 0 {
		return model.AccessToken{}, model.Session{}, fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	var (
		t accessTokenRow
		s sessionRow
	)
	err := ss.s.hot.queryRow(ctx,
		`SELECT `+joinedAccessTokenColumns+`, `+joinedSessionColumns+`
		 FROM oauth2_access_tokens t JOIN oauth2_sessions s ON s.id = t.session_id
		 WHERE t.hash = ?`, hash).Scan(append(t.dest(), s.dest()...)...)
	if err != nil {
		return model.AccessToken{}, model.Session{}, mapError(op, err)
	}
	return t.token(), s.session(), nil
}

// AccessTokenWithOwner is AccessTokenByHash joined with the session's user.
func (ss sessionStore) AccessTokenWithOwner(ctx context.Context, hash []byte) (model.AccessToken, model.Session, store.TokenOwner, error) {
	const op = "get access token with owner"
	if len(hash) == 0 {
		return model.AccessToken{}, model.Session{}, store.TokenOwner{}, fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	var (
		t     accessTokenRow
		s     sessionRow
		owner store.TokenOwner
	)
	err := ss.s.hot.queryRow(ctx,
		`SELECT `+joinedAccessTokenColumns+`, `+joinedSessionColumns+`,
		        u.username, (u.locked_at IS NULL AND u.deactivated_at IS NULL)
		 FROM oauth2_access_tokens t
		 JOIN oauth2_sessions s ON s.id = t.session_id
		 JOIN users u ON u.id = s.user_id
		 WHERE t.hash = ?`, hash).Scan(append(append(t.dest(), s.dest()...), &owner.Username, &owner.CanSignIn)...)
	if err != nil {
		return model.AccessToken{}, model.Session{}, store.TokenOwner{}, mapError(op, err)
	}
	return t.token(), s.session(), owner, nil
}

// RefreshTokenByHash is AccessTokenWithOwner for refresh tokens.
func (ss sessionStore) RefreshTokenByHash(ctx context.Context, hash []byte) (model.RefreshToken, model.Session, store.TokenOwner, error) {
	const op = "get refresh token"
	if len(hash) == 0 {
		return model.RefreshToken{}, model.Session{}, store.TokenOwner{}, fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	var (
		t     refreshTokenRow
		s     sessionRow
		owner store.TokenOwner
	)
	err := ss.s.hot.queryRow(ctx,
		`SELECT t.id, t.session_id, t.hash, t.access_token_id, t.created_at, t.consumed_at,
		        t.next_id, t.revoked_at, `+joinedSessionColumns+`,
		        u.username, (u.locked_at IS NULL AND u.deactivated_at IS NULL)
		 FROM oauth2_refresh_tokens t
		 JOIN oauth2_sessions s ON s.id = t.session_id
		 JOIN users u ON u.id = s.user_id
		 WHERE t.hash = ?`, hash).Scan(append(append(t.dest(), s.dest()...), &owner.Username, &owner.CanSignIn)...)
	if err != nil {
		return model.RefreshToken{}, model.Session{}, store.TokenOwner{}, mapError(op, err)
	}
	return t.token(), s.session(), owner, nil
}

// RecordActivity writes the batch's summaries (store.SummarizeActivity) in one statement,
// whatever their number: they travel as one JSON array parameter (json_each), as in
// MarkAccessTokensUsed, and the UPDATE ... FROM join skips IDs that name no session. Every
// SET expression reads the row as it was before the UPDATE, so the IP is compared with the
// old last_active_at. A summary has at most one row per session, so the join never matches a
// session twice.
func (ss sessionStore) RecordActivity(ctx context.Context, activity []store.SessionActivity) error {
	const op = "record session activity"
	summaries, err := store.SummarizeActivity(activity)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if len(summaries) == 0 {
		return nil
	}
	type row struct {
		ID     string `json:"id"`
		LastAt int64  `json:"at"`
		IP     string `json:"ip"`
		IPAt   *int64 `json:"ip_at"`
	}
	rows := make([]row, len(summaries))
	for i, sum := range summaries {
		rows[i] = row{ID: sum.SessionID, LastAt: sum.LastAt.UnixMilli(), IP: sum.IP}
		if !sum.IPAt.IsZero() {
			ipAt := sum.IPAt.UnixMilli()
			rows[i].IPAt = &ipAt
		}
	}
	list, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	_, err = ss.s.writer.ExecContext(ctx,
		`UPDATE oauth2_sessions SET
		     last_active_ip = CASE WHEN a.ip_at > coalesce(oauth2_sessions.last_active_at, a.ip_at - 1)
		                           THEN a.ip ELSE oauth2_sessions.last_active_ip END,
		     last_active_at = max(coalesce(oauth2_sessions.last_active_at, a.last_at), a.last_at)
		 FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.at') AS last_at,
		              json_extract(value, '$.ip') AS ip, json_extract(value, '$.ip_at') AS ip_at
		       FROM json_each(?)) AS a
		 WHERE oauth2_sessions.id = a.id`, string(list))
	if err != nil {
		return mapError(op, err)
	}
	return nil
}

// collectSessions reads every row of a sessionColumns query and closes rows.
func collectSessions(rows *sql.Rows) ([]model.Session, error) {
	return collectRows(rows, func(row scanner) (model.Session, error) {
		var r sessionRow
		err := row.Scan(r.dest()...)
		return r.session(), err
	})
}

// Compile-time check that the aggregate implements its interface.
var _ store.SessionStore = sessionStore{}
