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

const userColumns = `id, username, display_name, password_hash, admin, locked_at, deactivated_at, created_at,
	cross_signing_reset_allowed_until`

// Create inserts u. A taken ID (primary key) or username (UNIQUE) is store.ErrConflict.
func (us userStore) Create(ctx context.Context, u model.User) error {
	const op = "create user"
	if err := store.CheckUser(u); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if err := insertUser(ctx, us.s.pool, u); err != nil {
		return mapError(op, err)
	}
	return nil
}

// execer is a *pgxpool.Pool or a pgx.Tx.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func insertUser(ctx context.Context, db execer, u model.User) error {
	_, err := db.Exec(ctx,
		`INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		u.ID, u.Username, u.DisplayName, nullString(u.PasswordHash), u.Admin,
		nullTime(u.LockedAt), nullTime(u.DeactivatedAt), toDB(u.CreatedAt),
		nullTime(u.CrossSigningResetAllowedUntil))
	return err
}

// Register spends a use of the registration token, if one is named, and inserts u, in one
// transaction. The guarded update locks the token's row, so concurrent registrations with
// one token queue there, and each re-checks the guard on the row as the previous one left it
// (READ COMMITTED); a taken username or ID then rolls the use back.
func (us userStore) Register(ctx context.Context, u model.User, registrationTokenID string, now time.Time) error {
	const op = "register user"
	if err := store.CheckUser(u); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if registrationTokenID != "" {
		if err := store.CheckTimeIsSet("registration time", now); err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
		if !store.IsStorableKey(registrationTokenID) {
			return fmt.Errorf("postgres: %s: registration token: %w", op, store.ErrNotFound)
		}
	}
	err := pgx.BeginFunc(ctx, us.s.pool, func(tx pgx.Tx) error {
		if registrationTokenID != "" {
			if err := spendRegistrationToken(ctx, tx, registrationTokenID, now); err != nil {
				return err
			}
		}
		return insertUser(ctx, tx, u)
	})
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

// SetDisplayName replaces the display name; the empty name is stored as such.
func (us userStore) SetDisplayName(ctx context.Context, id, name string) error {
	const op = "set display name"
	if err := store.CheckDisplayName(name); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	return us.update(ctx, op, id, `UPDATE users SET display_name = $2 WHERE id = $1`, name)
}

// AllowCrossSigningReset stores until; a zero until withdraws the approval (NULL).
func (us userStore) AllowCrossSigningReset(ctx context.Context, id string, until time.Time) error {
	return us.update(ctx, "allow cross-signing reset", id,
		`UPDATE users SET cross_signing_reset_allowed_until = $2 WHERE id = $1`, nullTime(until))
}

// Deactivate marks the user deactivated (coalesce keeps an earlier time) and ends their
// active OAuth sessions, revoking the sessions' tokens, and their browser sessions, in one
// transaction of four statements sent in one round trip.
//
// The first statement locks the user's row, which is the lock StartFromGrant takes before it
// starts a session: no login of the user can add a session that the second statement would
// miss. The second locks the active sessions in ID order (the order RecordActivity locks
// them in) and ends them; the revocation is a statement of its own (see revokeTokensOf),
// which finds the sessions just ended by their user and end time.
func (us userStore) Deactivate(ctx context.Context, id string, t time.Time) ([]model.Session, error) {
	const op = "deactivate user"
	if err := store.CheckTimeIsSet("deactivation time", t); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if !store.IsStorableKey(id) {
		return nil, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	var ended []model.Session
	err := retryAborted(func() error {
		return pgx.BeginFunc(ctx, us.s.pool, func(tx pgx.Tx) error {
			var err error
			ended, err = deactivateInTx(ctx, tx, id, toDB(t))
			return err
		})
	})
	if err != nil {
		return nil, mapError(op, err)
	}
	return ended, nil
}

func deactivateInTx(ctx context.Context, tx pgx.Tx, id string, t time.Time) ([]model.Session, error) {
	batch := &pgx.Batch{}
	batch.Queue(`UPDATE users SET deactivated_at = coalesce(deactivated_at, $2) WHERE id = $1`, id, t)
	batch.Queue(`WITH ended AS (
	     UPDATE oauth2_sessions SET ended_at = $2
	     WHERE id IN (SELECT id FROM oauth2_sessions WHERE user_id = $1 AND ended_at IS NULL
	                  ORDER BY id FOR NO KEY UPDATE)
	       AND ended_at IS NULL
	     RETURNING `+sessionColumns+`)
	 SELECT `+sessionColumns+` FROM ended ORDER BY created_at, id`, id, t)
	batch.Queue(revokeTokensOf(`SELECT id FROM oauth2_sessions WHERE user_id = $1 AND ended_at = $2`, "$2"), id, t)
	batch.Queue(`UPDATE browser_sessions SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL`, id, t)

	results := tx.SendBatch(ctx, batch)
	var ended []model.Session
	tag, err := results.Exec()
	if err == nil && tag.RowsAffected() == 0 {
		err = store.ErrNotFound
	}
	if err == nil {
		ended, err = collectSessions(results.Query())
	}
	for range 2 {
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
		u                                          model.User
		passwordHash                               *string
		lockedAt, deactivatedAt, resetAllowedUntil *time.Time
	)
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &passwordHash, &u.Admin,
		&lockedAt, &deactivatedAt, &u.CreatedAt, &resetAllowedUntil)
	if err != nil {
		return model.User{}, err
	}
	u.PasswordHash = stringOrEmpty(passwordHash)
	u.LockedAt, u.DeactivatedAt = optionalTime(lockedAt), optionalTime(deactivatedAt)
	u.CrossSigningResetAllowedUntil = optionalTime(resetAllowedUntil)
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

// ListActiveByUser returns the user's sessions that are neither ended nor expired at now,
// newest first; sessions created in the same millisecond are ordered by ID (byte order),
// descending, so the order is stable. The user's sessions are one range of index
// browser_sessions_user.
func (bss browserSessionStore) ListActiveByUser(ctx context.Context, userID string, now time.Time) ([]model.BrowserSession, error) {
	const op = "list active browser sessions"
	if !store.IsStorableKey(userID) {
		return nil, nil // no user has such an ID
	}
	rows, err := bss.s.pool.Query(ctx,
		`SELECT `+browserSessionColumns+` FROM browser_sessions
		 WHERE user_id = $1 AND ended_at IS NULL AND expires_at > $2
		 ORDER BY created_at DESC, id DESC`, userID, toDB(now))
	if err != nil {
		return nil, mapError(op, err)
	}
	sessions, err := pgx.AppendRows([]model.BrowserSession(nil), rows,
		func(row pgx.CollectableRow) (model.BrowserSession, error) { return scanBrowserSession(row) })
	if err != nil {
		return nil, mapError(op, err)
	}
	return sessions, nil
}

// EndAllByUser ends, at t, the user's sessions that are active at t, except exceptID ("sign
// out everywhere else"). An exceptID that no session can have excepts nothing; it is not
// sent, as PostgreSQL would refuse it as text.
func (bss browserSessionStore) EndAllByUser(ctx context.Context, userID, exceptID string, t time.Time) (int, error) {
	const op = "end browser sessions of user"
	if err := store.CheckTimeIsSet("end time", t); err != nil {
		return 0, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if !store.IsStorableKey(userID) {
		return 0, nil
	}
	if !store.IsStorableKey(exceptID) {
		exceptID = ""
	}
	tag, err := bss.s.pool.Exec(ctx,
		`UPDATE browser_sessions SET ended_at = $3
		 WHERE user_id = $1 AND ended_at IS NULL AND expires_at > $3 AND id <> $2`,
		userID, exceptID, toDB(t))
	if err != nil {
		return 0, mapError(op, err)
	}
	return int(tag.RowsAffected()), nil
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
