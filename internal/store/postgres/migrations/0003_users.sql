-- Local accounts (internal/model.User, store.UserStore) and their sign-ins to mxauth's own
-- web pages (internal/model.BrowserSession, store.BrowserSessionStore).
--
-- A NULL time means "never" (not locked, not deactivated, not ended); password_hash is NULL
-- for a user without a password.
--
-- The text keys use the "C" collation, as oauth_clients.id does: ORDER BY username
-- (UserStore.List) is then byte order, as in SQLite, whatever the database's default
-- collation is, and equality stays exact.
CREATE TABLE users (
    id             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    username       TEXT COLLATE "C" NOT NULL UNIQUE,
    display_name   TEXT        NOT NULL,
    password_hash  TEXT,          -- NULL: no password
    admin          BOOLEAN     NOT NULL,
    locked_at      TIMESTAMPTZ,   -- NULL: not locked
    deactivated_at TIMESTAMPTZ,   -- NULL: active
    created_at     TIMESTAMPTZ NOT NULL
);

-- token_hash is the SHA-256 of the cookie value; the value itself is never stored.
CREATE TABLE browser_sessions (
    id               TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    user_id          TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash       BYTEA       NOT NULL UNIQUE,
    created_at       TIMESTAMPTZ NOT NULL,
    authenticated_at TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    ended_at         TIMESTAMPTZ, -- NULL until logout
    user_agent       TEXT        NOT NULL,
    ip               TEXT        NOT NULL
);

-- The foreign key's lookups (PostgreSQL does not index referencing columns itself, and
-- deleting a user cascades here) and a user's sessions.
CREATE INDEX browser_sessions_user ON browser_sessions (user_id);

-- BrowserSessionStore.DeleteExpired: the expression is when the session stopped being
-- usable (LEAST ignores NULLs: the expiry when the session never ended), so "expired or
-- ended before cutoff" is one range of this index, read in the order the cleanup deletes.
CREATE INDEX browser_sessions_unusable ON browser_sessions ((LEAST(expires_at, ended_at)), id);
