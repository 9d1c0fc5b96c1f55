-- The authorization code flow and the OAuth 2.0 sessions it starts (internal/model grant.go
-- and session.go; store.GrantStore, store.SessionStore).
--
-- Columns that a later transition sets (Fulfil, StartFromGrant) are NULL until then; the
-- request's own values are NOT NULL and may be ''. Tokens are stored as their SHA-256 hash
-- only. IDs use the "C" collation, so that ORDER BY id breaks ties in byte order, as in
-- SQLite.

-- Authorization grants (RFC 6749 §4.1). A client's grants go with it, so that the cleanup
-- of unused dynamic clients is not blocked by the grants of abandoned logins. Exchanged
-- grants outlive their expiry (GrantStore.DeleteExpired) so that a replayed code is still
-- recognised; browser_session_id and session_id are therefore plain references that may
-- outlive what they name. An exchanged grant goes when its session is deleted
-- (SessionStore.DeleteExpired deletes both), so session_id never blocks that deletion.
CREATE TABLE oauth2_authorization_grants (
    id                    TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    client_id             TEXT COLLATE "C" NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    redirect_uri          TEXT        NOT NULL,
    response_mode         TEXT        NOT NULL,
    scope                 TEXT        NOT NULL,
    device_id             TEXT        NOT NULL,
    state                 TEXT        NOT NULL,
    nonce                 TEXT        NOT NULL,
    code_challenge        TEXT        NOT NULL,
    code_challenge_method TEXT        NOT NULL,
    prompt                TEXT        NOT NULL,
    login_hint            TEXT        NOT NULL,
    status                TEXT        NOT NULL
        CHECK (status IN ('pending', 'fulfilled', 'exchanged', 'denied')),
    code_hash             BYTEA       UNIQUE, -- SHA-256 of the code; NULL until fulfilled
    user_id               TEXT        REFERENCES users (id),
    browser_session_id    TEXT,
    auth_time             TIMESTAMPTZ,
    session_id            TEXT,               -- the session the code was exchanged for
    created_at            TIMESTAMPTZ NOT NULL,
    fulfilled_at          TIMESTAMPTZ,
    exchanged_at          TIMESTAMPTZ,
    expires_at            TIMESTAMPTZ NOT NULL,
    -- A code exists only for a consenting user; an exchanged code names its session.
    CHECK (status IN ('pending', 'denied')
           OR (code_hash IS NOT NULL AND user_id IS NOT NULL AND fulfilled_at IS NOT NULL)),
    CHECK (status <> 'exchanged' OR (session_id IS NOT NULL AND exchanged_at IS NOT NULL))
);

-- GrantStore.DeleteExpired.
CREATE INDEX oauth2_authorization_grants_expires ON oauth2_authorization_grants (expires_at);
-- Deleting a client looks up its grants (the cascade) and sessions (the foreign key check):
-- without these indexes every deleted client would scan both tables.
CREATE INDEX oauth2_authorization_grants_client ON oauth2_authorization_grants (client_id);

-- OAuth 2.0 sessions: one login of one client by one user, which is one Matrix device.
CREATE TABLE oauth2_sessions (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    user_id    TEXT        NOT NULL REFERENCES users (id),
    client_id  TEXT COLLATE "C" NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE, -- a static client removed from the config takes its sessions
    device_id  TEXT        NOT NULL,
    scope      TEXT        NOT NULL,
    grant_id   TEXT,        -- NULL unless started by an authorization grant
    created_at TIMESTAMPTZ NOT NULL,
    ended_at   TIMESTAMPTZ  -- NULL while active
);

-- A Matrix device has at most one active session: a new login that reuses a device ID ends
-- the older one (SessionStore.StartFromGrant), and this index makes a second active session
-- for one device impossible even if a code path forgot that rule. It also serves
-- ListActiveByUser.
CREATE UNIQUE INDEX oauth2_sessions_active_device ON oauth2_sessions (user_id, device_id)
    WHERE ended_at IS NULL;

CREATE INDEX oauth2_sessions_client ON oauth2_sessions (client_id);
-- SessionStore.DeleteExpired: sessions that ended before the cutoff.
CREATE INDEX oauth2_sessions_ended ON oauth2_sessions (ended_at) WHERE ended_at IS NOT NULL;

-- Access tokens (RFC 6749 §1.4). hash is UNIQUE, so the introspection lookup is one probe of
-- its index.
CREATE TABLE oauth2_access_tokens (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    session_id TEXT COLLATE "C" NOT NULL REFERENCES oauth2_sessions (id) ON DELETE CASCADE,
    hash       BYTEA       NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ, -- NULL unless revoked
    -- NULL until first presented (SessionStore.MarkAccessTokensUsed, first use wins). Refresh
    -- reads it to tell a retry after a lost response from a replay. It is in no index, so
    -- recording a use is a HOT update.
    first_used_at TIMESTAMPTZ
);

CREATE INDEX oauth2_access_tokens_session ON oauth2_access_tokens (session_id);
-- SessionStore.DeleteExpired: a token is dead from the earlier of its expiry and its
-- revocation (LEAST ignores NULL). The query repeats this expression exactly.
CREATE INDEX oauth2_access_tokens_dead ON oauth2_access_tokens (LEAST(expires_at, revoked_at));

-- Refresh tokens (RFC 6749 §1.5). access_token_id and next_id are plain references: the
-- rotation rules (SessionStore.Refresh, DeleteExpired) decide how long each row lives; a
-- spent token is kept until its successor is spent too, so that presenting it again can be
-- told apart as a retry or a replay.
CREATE TABLE oauth2_refresh_tokens (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    session_id      TEXT COLLATE "C" NOT NULL REFERENCES oauth2_sessions (id) ON DELETE CASCADE,
    hash            BYTEA       NOT NULL UNIQUE,
    access_token_id TEXT,        -- NULL if issued without an access token
    created_at      TIMESTAMPTZ NOT NULL,
    consumed_at     TIMESTAMPTZ, -- NULL until exchanged for a successor
    next_id         TEXT,        -- the successor; NULL until consumed
    revoked_at      TIMESTAMPTZ  -- NULL unless revoked
);

CREATE INDEX oauth2_refresh_tokens_session ON oauth2_refresh_tokens (session_id);
-- SessionStore.DeleteExpired: revoked tokens, and spent tokens whose successor was spent.
CREATE INDEX oauth2_refresh_tokens_revoked ON oauth2_refresh_tokens (revoked_at)
    WHERE revoked_at IS NOT NULL;
CREATE INDEX oauth2_refresh_tokens_consumed ON oauth2_refresh_tokens (consumed_at)
    WHERE consumed_at IS NOT NULL;
