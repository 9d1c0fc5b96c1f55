package postgres

import (
	"time"

	"github.com/mxauth/mxauth/internal/model"
)

// This file holds the rows the session store scans. The checks its writes make are the
// store package's (validate.go), shared with the SQLite backend.

// sessionRow receives the sessionColumns of one row.
type sessionRow struct {
	s                     model.Session
	grantID, lastActiveIP *string
	endedAt, lastActiveAt *time.Time
}

func (r *sessionRow) dest() []any {
	return []any{&r.s.ID, &r.s.UserID, &r.s.ClientID, &r.s.DeviceID, &r.s.Scope, &r.grantID,
		&r.s.CreatedAt, &r.endedAt, &r.s.UserAgent, &r.lastActiveAt, &r.lastActiveIP}
}

func (r *sessionRow) session() model.Session {
	s := r.s
	s.GrantID, s.LastActiveIP = stringOrEmpty(r.grantID), stringOrEmpty(r.lastActiveIP)
	s.CreatedAt, s.EndedAt = fromDB(s.CreatedAt), optionalTime(r.endedAt)
	s.LastActiveAt = optionalTime(r.lastActiveAt)
	return s
}

// accessTokenRow receives the accessTokenColumns of one row.
type accessTokenRow struct {
	t                      model.AccessToken
	revokedAt, firstUsedAt *time.Time
}

func (r *accessTokenRow) dest() []any {
	return []any{&r.t.ID, &r.t.SessionID, &r.t.Hash, &r.t.CreatedAt, &r.t.ExpiresAt, &r.revokedAt, &r.firstUsedAt}
}

func (r *accessTokenRow) token() model.AccessToken {
	t := r.t
	t.CreatedAt, t.ExpiresAt, t.RevokedAt = fromDB(t.CreatedAt), fromDB(t.ExpiresAt), optionalTime(r.revokedAt)
	t.FirstUsedAt = optionalTime(r.firstUsedAt)
	return t
}

// refreshTokenRow receives the refreshTokenColumns of one row.
type refreshTokenRow struct {
	t                     model.RefreshToken
	accessTokenID, nextID *string
	consumedAt, revokedAt *time.Time
}

func (r *refreshTokenRow) dest() []any {
	return []any{&r.t.ID, &r.t.SessionID, &r.t.Hash, &r.accessTokenID, &r.t.CreatedAt,
		&r.consumedAt, &r.nextID, &r.revokedAt}
}

func (r *refreshTokenRow) token() model.RefreshToken {
	t := r.t
	t.AccessTokenID, t.NextID = stringOrEmpty(r.accessTokenID), stringOrEmpty(r.nextID)
	t.CreatedAt, t.ConsumedAt, t.RevokedAt = fromDB(t.CreatedAt), optionalTime(r.consumedAt), optionalTime(r.revokedAt)
	return t
}
