package sqlite

import (
	"database/sql"

	"github.com/mxauth/mxauth/internal/model"
)

// This file holds the rows the session store scans. The checks its writes make are the
// store package's (validate.go), shared with the PostgreSQL backend.

// sessionRow receives the sessionColumns of one row.
type sessionRow struct {
	s                     model.Session
	grantID, lastActiveIP sql.NullString
	createdAt             int64
	endedAt, lastActiveAt optionalMillis
}

func (r *sessionRow) dest() []any {
	return []any{&r.s.ID, &r.s.UserID, &r.s.ClientID, &r.s.DeviceID, &r.s.Scope, &r.grantID,
		&r.createdAt, &r.endedAt, &r.s.UserAgent, &r.lastActiveAt, &r.lastActiveIP}
}

func (r *sessionRow) session() model.Session {
	s := r.s
	s.GrantID, s.LastActiveIP = r.grantID.String, r.lastActiveIP.String
	s.CreatedAt, s.EndedAt = fromUnixMilli(r.createdAt), r.endedAt.Time()
	s.LastActiveAt = r.lastActiveAt.Time()
	return s
}

// accessTokenRow receives the accessTokenColumns of one row.
type accessTokenRow struct {
	t                      model.AccessToken
	createdAt, expiresAt   int64
	revokedAt, firstUsedAt optionalMillis
}

func (r *accessTokenRow) dest() []any {
	return []any{&r.t.ID, &r.t.SessionID, &r.t.Hash, &r.createdAt, &r.expiresAt, &r.revokedAt, &r.firstUsedAt}
}

func (r *accessTokenRow) token() model.AccessToken {
	t := r.t
	t.CreatedAt, t.ExpiresAt, t.RevokedAt = fromUnixMilli(r.createdAt), fromUnixMilli(r.expiresAt), r.revokedAt.Time()
	t.FirstUsedAt = r.firstUsedAt.Time()
	return t
}

// refreshTokenRow receives the refreshTokenColumns of one row.
type refreshTokenRow struct {
	t                     model.RefreshToken
	accessTokenID, nextID sql.NullString
	createdAt             int64
	consumedAt, revokedAt optionalMillis
}

func (r *refreshTokenRow) dest() []any {
	return []any{&r.t.ID, &r.t.SessionID, &r.t.Hash, &r.accessTokenID, &r.createdAt,
		&r.consumedAt, &r.nextID, &r.revokedAt}
}

func (r *refreshTokenRow) token() model.RefreshToken {
	t := r.t
	t.AccessTokenID, t.NextID = r.accessTokenID.String, r.nextID.String
	t.CreatedAt, t.ConsumedAt, t.RevokedAt = fromUnixMilli(r.createdAt), r.consumedAt.Time(), r.revokedAt.Time()
	return t
}
