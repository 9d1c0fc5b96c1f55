-- Local accounts (internal/model.User, store.UserStore) and their sign-ins to mxauth's own
-- web pages (internal/model.BrowserSession, store.BrowserSessionStore).
--
-- A NULL time means "never" (not locked, not deactivated, not ended); password_hash is NULL
-- for a user without a password. Usernames are compared exactly (BINARY): callers store them
-- lower-case.
CREATE TABLE users (
    id             TEXT    NOT NULL PRIMARY KEY,
    username       TEXT    NOT NULL UNIQUE,
    display_name   TEXT    NOT NULL,
    password_hash  TEXT,             -- NULL: no password
    admin          INTEGER NOT NULL CHECK (admin IN (0, 1)),
    locked_at      INTEGER,          -- Unix milliseconds, UTC; NULL: not locked
    deactivated_at INTEGER,          -- Unix milliseconds, UTC; NULL: active
    created_at     INTEGER NOT NULL  -- Unix milliseconds, UTC
) STRICT;

-- token_hash is the SHA-256 of the cookie value; the value itself is never stored.
CREATE TABLE browser_sessions (
    id               TEXT    NOT NULL PRIMARY KEY,
    user_id          TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash       BLOB    NOT NULL UNIQUE,
    created_at       INTEGER NOT NULL, -- Unix milliseconds, UTC, like every time below
    authenticated_at INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    ended_at         INTEGER,          -- NULL until logout
    user_agent       TEXT    NOT NULL,
    ip               TEXT    NOT NULL
) STRICT;

-- The foreign key's lookups (deleting a user cascades here) and a user's sessions.
CREATE INDEX browser_sessions_user ON browser_sessions (user_id);

-- BrowserSessionStore.DeleteExpired: the expression is when the session stopped being
-- usable (the earlier of expiry and logout; SQLite's multi-argument min() is NULL if any
-- argument is), so "expired or ended before cutoff" is one range of this index, read in
-- the order the cleanup deletes. The query must spell the expression exactly like this for
-- SQLite to use the index.
CREATE INDEX browser_sessions_unusable ON browser_sessions
    (min(expires_at, coalesce(ended_at, expires_at)), id);
