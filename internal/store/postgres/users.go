package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// Users returns the local account store.
func (s *Store) Users() store.UserStore { return userStore{s} }

// BrowserSessions returns the store of sign-ins to mxauth's own web pages.
func (s *Store) BrowserSessions() store.BrowserSessionStore { return browserSessionStore{s} }

// userStore implements store.UserStore.
type userStore struct{ s *Store }

const userColumns = `id, username, display_name, password_hash, admin, locked_at, deactivated_at, created_at`

// Create inserts u. A taken ID (primary key) or username (UNIQUE) is store.ErrConflict.
func (us userStore) Create(ctx context.Context, u model.User) error {
	const op = "create user"
	if err := store.CheckUser(u); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	_, err := us.s.pool.Exec(ctx,
		`INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.ID, u.Username, u.DisplayName, nullString(u.PasswordHash), u.Admin,
		nullTime(u.LockedAt), nullTime(u.DeactivatedAt), toDB(u.CreatedAt))
	if err != nil {
		return mapError(op, err)
	}
	return nil
}

// Get returns the user with this ID, or store.ErrNotFound.
func (us userStore) Get(ctx context.Context, id string) (model.User, error) {
	return us.getBy(ctx, "get user", "id", id)
}

// GetByUsername returns the user with exactly this username, or store.ErrNotFound.
func (us userStore) GetByUsername(ctx context.Context, username string) (model.User, error) {
	return us.getBy(ctx, "get user by username", "username", username)
}

// getBy reads the user whose column (a fixed name, never input) equals value.
func (us userStore) getBy(ctx context.Context, op, column, value string) (model.User, error) {
	if !store.IsStorableKey(value) {
		return model.User{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	u, err := scanUser(us.s.pool.QueryRow(ctx,
		`SELECT `+userColumns+` FROM users WHERE `+column+` = $1`, value))
	if err != nil {
		return model.User{}, mapError(op, err)
	}
	return u, nil
}

// List returns every user ordered by username (byte order: the column's collation is "C").
func (us userStore) List(ctx context.Context) ([]model.User, error) {
	const op = "list users"
	rows, err := us.s.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, mapError(op, err)
	}
	users, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (model.User, error) {
		return scanUser(row)
	})
	if err != nil {
		return nil, mapError(op, err)
	}
	return users, nil
}

// SetPasswordHash replaces the password hash; an empty hash removes the password (NULL).
func (us userStore) SetPasswordHash(ctx context.Context, id, hash string) error {
	const op = "set password hash"
	if err := store.CheckPasswordHash(hash); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	return us.update(ctx, op, id, `UPDATE users SET password_hash = $2 WHERE id = $1`, nullString(hash))
}

// SetLocked locks the user at t, keeping an earlier lock time, or unlocks them for a zero t.
func (us userStore) SetLocked(ctx context.Context, id string, t time.Time) error {
	if t.IsZero() {
		return us.update(ctx, "unlock user", id, `UPDATE users SET locked_at = NULL WHERE id = $1`)
	}
	return us.update(ctx, "lock user", id,
		`UPDATE users SET locked_at = coalesce(locked_at, $2) WHERE id = $1`, toDB(t))
}

// update runs an UPDATE of one user whose first parameter is the ID. PostgreSQL counts every
// row the WHERE matched, also when the new values equal the old ones, so 0 rows means no
// such user.
func (us userStore) update(ctx context.Context, op, id, query string, args ...any) error {
	if !store.IsStorableKey(id) {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	tag, err := us.s.pool.Exec(ctx, query, append([]any{id}, args...)...)
	return notFoundUnlessOneRow(op, tag, err)
}

func scanUser(row pgx.Row) (model.User, error) {
	var (
		u                       model.User
		passwordHash            *string
		lockedAt, deactivatedAt *time.Time
	)
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &passwordHash, &u.Admin,
		&lockedAt, &deactivatedAt, &u.CreatedAt)
	if err != nil {
		return model.User{}, err
	}
	u.PasswordHash = stringOrEmpty(passwordHash)
	u.LockedAt, u.DeactivatedAt = optionalTime(lockedAt), optionalTime(deactivatedAt)
	u.CreatedAt = fromDB(u.CreatedAt)
	return u, nil
}

// browserSessionStore implements store.BrowserSessionStore.
type browserSessionStore struct{ s *Store }

const browserSessionColumns = `id, user_id, token_hash, created_at, authenticated_at, expires_at, ended_at, user_agent, ip`

// Create inserts bs. A taken ID or token hash is store.ErrConflict; a user ID that names no
// user fails the foreign key, a plain error.
func (bss browserSessionStore) Create(ctx context.Context, bs model.BrowserSession) error {
	const op = "create browser session"
	if err := store.CheckBrowserSession(bs); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	_, err := bss.s.pool.Exec(ctx,
		`INSERT INTO browser_sessions (`+browserSessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		bs.ID, bs.UserID, bs.TokenHash, toDB(bs.CreatedAt), toDB(bs.AuthenticatedAt),
		toDB(bs.ExpiresAt), nullTime(bs.EndedAt), bs.UserAgent, bs.IP)
	if err != nil {
		return mapError(op, err)
	}
	return nil
}

// GetByTokenHash returns the session with this token hash, ended or expired as it may be.
func (bss browserSessionStore) GetByTokenHash(ctx context.Context, hash []byte) (model.BrowserSession, error) {
	const op = "get browser session"
	bs, err := scanBrowserSession(bss.s.pool.QueryRow(ctx,
		`SELECT `+browserSessionColumns+` FROM browser_sessions WHERE token_hash = $1`, hash))
	if err != nil {
		return model.BrowserSession{}, mapError(op, err)
	}
	return bs, nil
}

// End sets ended_at unless it is set already, so the first logout's time stays.
func (bss browserSessionStore) End(ctx context.Context, id string, t time.Time) error {
	const op = "end browser session"
	if err := store.CheckTimeIsSet("end time", t); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if !store.IsStorableKey(id) {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	tag, err := bss.s.pool.Exec(ctx,
		`UPDATE browser_sessions SET ended_at = coalesce(ended_at, $2) WHERE id = $1`, id, toDB(t))
	return notFoundUnlessOneRow(op, tag, err)
}

// DeleteExpired deletes up to limit sessions that expired or ended before cutoff, those that
// stopped being usable first. The WHERE and ORDER BY spell the expression of the index
// browser_sessions_unusable (migration 0003), so this reads one index range and stops after
// limit rows. PostgreSQL has no DELETE ... LIMIT, hence the subquery.
//
// The outer WHERE repeats the condition: if a concurrent transaction changes a row after the
// subquery chose it, PostgreSQL re-checks the outer conditions on the row's new version
// (READ COMMITTED) but does not re-run the subquery.
func (bss browserSessionStore) DeleteExpired(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	return bss.s.deleteBatch(ctx, "delete expired browser sessions",
		`DELETE FROM browser_sessions
		 WHERE id IN (SELECT id FROM browser_sessions
		              WHERE LEAST(expires_at, ended_at) < $1
		              ORDER BY LEAST(expires_at, ended_at), id LIMIT $2)
		   AND LEAST(expires_at, ended_at) < $1`,
		cutoff, limit)
}

func scanBrowserSession(row pgx.Row) (model.BrowserSession, error) {
	var (
		bs      model.BrowserSession
		endedAt *time.Time
	)
	err := row.Scan(&bs.ID, &bs.UserID, &bs.TokenHash, &bs.CreatedAt, &bs.AuthenticatedAt,
		&bs.ExpiresAt, &endedAt, &bs.UserAgent, &bs.IP)
	if err != nil {
		return model.BrowserSession{}, err
	}
	bs.CreatedAt = fromDB(bs.CreatedAt)
	bs.AuthenticatedAt = fromDB(bs.AuthenticatedAt)
	bs.ExpiresAt = fromDB(bs.ExpiresAt)
	bs.EndedAt = optionalTime(endedAt)
	return bs, nil
}

// notFoundUnlessOneRow maps an UPDATE's outcome, turning "matched no row" into
// store.ErrNotFound.
func notFoundUnlessOneRow(op string, tag pgconn.CommandTag, err error) error {
	if err != nil {
		return mapError(op, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	return nil
}

// Compile-time checks that the aggregates implement their interfaces.
var (
	_ store.UserStore           = userStore{}
	_ store.BrowserSessionStore = browserSessionStore{}
)
