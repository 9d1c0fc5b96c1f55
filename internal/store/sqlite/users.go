package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/mxauth/mxauth/internal/model"
	"github.com/mxauth/mxauth/internal/store"
)

// Users returns the local account store.
func (s *Store) Users() store.UserStore { return userStore{s} }

// BrowserSessions returns the store of sign-ins to mxauth's own web pages.
func (s *Store) BrowserSessions() store.BrowserSessionStore { return browserSessionStore{s} }

// userStore implements store.UserStore.
type userStore struct{ s *Store }

const userColumns = `id, username, display_name, password_hash, admin, locked_at, deactivated_at, created_at,
	cross_signing_reset_allowed_until`

// Create inserts u. A taken ID (primary key) or username (UNIQUE) is store.ErrConflict.
func (us userStore) Create(ctx context.Context, u model.User) error {
	const op = "create user"
	if err := store.CheckUser(u); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if err := insertUser(ctx, us.s.writer, u); err != nil {
		return mapError(op, err)
	}
	return nil
}

func insertUser(ctx context.Context, db execer, u model.User) error {
	_, err := db.ExecContext(ctx,
		`INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Username, u.DisplayName, nullString(u.PasswordHash), u.Admin,
		nullMillis(u.LockedAt), nullMillis(u.DeactivatedAt), u.CreatedAt.UnixMilli(),
		nullMillis(u.CrossSigningResetAllowedUntil))
	return err
}

// Register inserts u and spends a use of the registration token, if one is named, in one
// IMMEDIATE transaction: it holds the database's write lock throughout, so concurrent
// registrations with one token are serialised and the guarded update sees every use spent
// before it. The token goes first; a taken username or ID then rolls its use back.
func (us userStore) Register(ctx context.Context, u model.User, registrationTokenID string, now time.Time) error {
	const op = "register user"
	if err := store.CheckUser(u); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if registrationTokenID != "" {
		if err := store.CheckTimeIsSet("registration time", now); err != nil {
			return fmt.Errorf("sqlite: %s: %w", op, err)
		}
		if !store.IsStorableKey(registrationTokenID) {
			return fmt.Errorf("sqlite: %s: registration token: %w", op, store.ErrNotFound)
		}
	}
	tx, err := us.s.beginWrite(ctx)
	if err != nil {
		return mapError(op, err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit

	if registrationTokenID != "" {
		if err := spendRegistrationToken(ctx, tx, registrationTokenID, now); err != nil {
			return mapError(op, err)
		}
	}
	if err := insertUser(ctx, tx, u); err != nil {
		return mapError(op, err)
	}
	if err := tx.Commit(); err != nil {
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
		return model.User{}, fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	u, err := scanUser(us.s.hot.queryRow(ctx,
		`SELECT `+userColumns+` FROM users WHERE `+column+` = ?`, value))
	if err != nil {
		return model.User{}, mapError(op, err)
	}
	return u, nil
}

// List returns every user ordered by username (byte order).
func (us userStore) List(ctx context.Context) ([]model.User, error) {
	const op = "list users"
	rows, err := us.s.reader.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, mapError(op, err)
	}
	users, err := collectRows(rows, scanUser)
	if err != nil {
		return nil, mapError(op, err)
	}
	return users, nil
}

// SetPasswordHash replaces the password hash; an empty hash removes the password (NULL).
func (us userStore) SetPasswordHash(ctx context.Context, id, hash string) error {
	const op = "set password hash"
	if err := store.CheckPasswordHash(hash); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return us.update(ctx, op, id, `UPDATE users SET password_hash = ? WHERE id = ?`, nullString(hash))
}

// SetDisplayName replaces the display name; the empty name is stored as such.
func (us userStore) SetDisplayName(ctx context.Context, id, name string) error {
	const op = "set display name"
	if err := store.CheckDisplayName(name); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return us.update(ctx, op, id, `UPDATE users SET display_name = ? WHERE id = ?`, name)
}

// AllowCrossSigningReset stores until; a zero until withdraws the approval (NULL).
func (us userStore) AllowCrossSigningReset(ctx context.Context, id string, until time.Time) error {
	return us.update(ctx, "allow cross-signing reset", id,
		`UPDATE users SET cross_signing_reset_allowed_until = ? WHERE id = ?`, nullMillis(until))
}

// Deactivate marks the user deactivated (coalesce keeps an earlier time) and ends their
// active OAuth sessions, revoking the sessions' tokens, and their browser sessions, in one
// IMMEDIATE transaction: no login or refresh can come between the steps. Sessions ended
// before keep their end time; a second call therefore ends nothing and returns nil.
func (us userStore) Deactivate(ctx context.Context, id string, t time.Time) ([]model.Session, error) {
	const op = "deactivate user"
	if err := store.CheckTimeIsSet("deactivation time", t); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if !store.IsStorableKey(id) {
		return nil, fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	tx, err := us.s.beginWrite(ctx)
	if err != nil {
		return nil, mapError(op, err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit

	res, err := tx.ExecContext(ctx,
		`UPDATE users SET deactivated_at = coalesce(deactivated_at, ?) WHERE id = ?`, t.UnixMilli(), id)
	if err != nil {
		return nil, mapError(op, err)
	}
	if err := notFoundUnlessOneRow(op, res); err != nil {
		return nil, err
	}
	ended, err := endActiveSessions(ctx, tx, t, `user_id = ?`, id)
	if err != nil {
		return nil, mapError(op, err)
	}
	_, err = tx.ExecContext(ctx,
		`UPDATE browser_sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL`, t.UnixMilli(), id)
	if err != nil {
		return nil, mapError(op, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, mapError(op, err)
	}
	return ended, nil
}

// SetLocked locks the user at t, keeping an earlier lock time, or unlocks them for a zero t.
func (us userStore) SetLocked(ctx context.Context, id string, t time.Time) error {
	if t.IsZero() {
		return us.update(ctx, "unlock user", id, `UPDATE users SET locked_at = NULL WHERE id = ?`)
	}
	return us.update(ctx, "lock user", id,
		`UPDATE users SET locked_at = coalesce(locked_at, ?) WHERE id = ?`, t.UnixMilli())
}

// update runs an UPDATE of one user whose last parameter is the ID. SQLite counts a row the
// WHERE matched as changed even when the new values equal the old ones, so 0 rows means no
// such user.
func (us userStore) update(ctx context.Context, op, id, query string, args ...any) error {
	if !store.IsStorableKey(id) {
		return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	res, err := us.s.writer.ExecContext(ctx, query, append(args, id)...)
	if err != nil {
		return mapError(op, err)
	}
	return notFoundUnlessOneRow(op, res)
}

func scanUser(row scanner) (model.User, error) {
	var (
		u                                          model.User
		passwordHash                               sql.NullString
		lockedAt, deactivatedAt, resetAllowedUntil optionalMillis
		createdAt                                  int64
	)
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &passwordHash, &u.Admin,
		&lockedAt, &deactivatedAt, &createdAt, &resetAllowedUntil)
	if err != nil {
		return model.User{}, err
	}
	u.PasswordHash = passwordHash.String
	u.LockedAt, u.DeactivatedAt = lockedAt.Time(), deactivatedAt.Time()
	u.CrossSigningResetAllowedUntil = resetAllowedUntil.Time()
	u.CreatedAt = fromUnixMilli(createdAt)
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
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	_, err := bss.s.writer.ExecContext(ctx,
		`INSERT INTO browser_sessions (`+browserSessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		bs.ID, bs.UserID, bs.TokenHash, bs.CreatedAt.UnixMilli(), bs.AuthenticatedAt.UnixMilli(),
		bs.ExpiresAt.UnixMilli(), nullMillis(bs.EndedAt), bs.UserAgent, bs.IP)
	if err != nil {
		return mapError(op, err)
	}
	return nil
}

// GetByTokenHash returns the session with this token hash, ended or expired as it may be.
func (bss browserSessionStore) GetByTokenHash(ctx context.Context, hash []byte) (model.BrowserSession, error) {
	const op = "get browser session"
	bs, err := scanBrowserSession(bss.s.hot.queryRow(ctx,
		`SELECT `+browserSessionColumns+` FROM browser_sessions WHERE token_hash = ?`, hash))
	if err != nil {
		return model.BrowserSession{}, mapError(op, err)
	}
	return bs, nil
}

// End sets ended_at unless it is set already, so the first logout's time stays.
func (bss browserSessionStore) End(ctx context.Context, id string, t time.Time) error {
	const op = "end browser session"
	if err := store.CheckTimeIsSet("end time", t); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if !store.IsStorableKey(id) {
		return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	res, err := bss.s.writer.ExecContext(ctx,
		`UPDATE browser_sessions SET ended_at = coalesce(ended_at, ?) WHERE id = ?`, t.UnixMilli(), id)
	if err != nil {
		return mapError(op, err)
	}
	return notFoundUnlessOneRow(op, res)
}

// DeleteExpired deletes up to limit sessions that expired or ended before cutoff, those that
// stopped being usable first. The WHERE and ORDER BY spell the expression of the index
// browser_sessions_unusable (migration 0003), so this reads one index range and stops after
// limit rows. SQLite has DELETE ... LIMIT only in builds with SQLITE_ENABLE_UPDATE_DELETE_LIMIT,
// so the LIMIT is in a subquery.
func (bss browserSessionStore) DeleteExpired(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	return bss.s.deleteBatch(ctx, "delete expired browser sessions",
		`DELETE FROM browser_sessions
		 WHERE id IN (SELECT id FROM browser_sessions
		              WHERE min(expires_at, coalesce(ended_at, expires_at)) < ?
		              ORDER BY min(expires_at, coalesce(ended_at, expires_at)), id LIMIT ?)`,
		cutoff, limit)
}

// ListActiveByUser returns the user's sessions that are neither ended nor expired at now,
// newest first; sessions created in the same millisecond are ordered by ID, descending, so
// the order is stable. The user's sessions are one range of index browser_sessions_user.
func (bss browserSessionStore) ListActiveByUser(ctx context.Context, userID string, now time.Time) ([]model.BrowserSession, error) {
	const op = "list active browser sessions"
	if !store.IsStorableKey(userID) {
		return nil, nil // no user has such an ID
	}
	rows, err := bss.s.reader.QueryContext(ctx,
		`SELECT `+browserSessionColumns+` FROM browser_sessions
		 WHERE user_id = ? AND ended_at IS NULL AND expires_at > ?
		 ORDER BY created_at DESC, id DESC`, userID, now.UnixMilli())
	if err != nil {
		return nil, mapError(op, err)
	}
	sessions, err := collectRows(rows, scanBrowserSession)
	if err != nil {
		return nil, mapError(op, err)
	}
	return sessions, nil
}

// EndAllByUser ends, at t, the user's sessions that are active at t, except exceptID ("sign
// out everywhere else"). An exceptID that no session can have excepts nothing.
func (bss browserSessionStore) EndAllByUser(ctx context.Context, userID, exceptID string, t time.Time) (int, error) {
	const op = "end browser sessions of user"
	if err := store.CheckTimeIsSet("end time", t); err != nil {
		return 0, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if !store.IsStorableKey(userID) {
		return 0, nil
	}
	n, err := execCount(ctx, bss.s.writer,
		`UPDATE browser_sessions SET ended_at = ?
		 WHERE user_id = ? AND ended_at IS NULL AND expires_at > ? AND id <> ?`,
		t.UnixMilli(), userID, t.UnixMilli(), exceptID)
	if err != nil {
		return 0, mapError(op, err)
	}
	return n, nil
}

func scanBrowserSession(row scanner) (model.BrowserSession, error) {
	var (
		bs                                    model.BrowserSession
		createdAt, authenticatedAt, expiresAt int64
		endedAt                               optionalMillis
	)
	err := row.Scan(&bs.ID, &bs.UserID, &bs.TokenHash, &createdAt, &authenticatedAt, &expiresAt,
		&endedAt, &bs.UserAgent, &bs.IP)
	if err != nil {
		return model.BrowserSession{}, err
	}
	bs.CreatedAt = fromUnixMilli(createdAt)
	bs.AuthenticatedAt = fromUnixMilli(authenticatedAt)
	bs.ExpiresAt = fromUnixMilli(expiresAt)
	bs.EndedAt = endedAt.Time()
	return bs, nil
}

// notFoundUnlessOneRow turns "the UPDATE matched no row" into store.ErrNotFound.
func notFoundUnlessOneRow(op string, res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return mapError(op, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	return nil
}

// Compile-time checks that the aggregates implement their interfaces.
var (
	_ store.UserStore           = userStore{}
	_ store.BrowserSessionStore = browserSessionStore{}
)
