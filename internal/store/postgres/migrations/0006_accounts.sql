-- What sign-up, the account management pages (MSC4191) and the homeserver's device list
-- need of accounts and sessions: registration tokens (internal/model registration_token.go,
-- store.RegistrationTokenStore), the user's approval of a cross-signing reset, and each OAuth
-- session's client and last activity. NULL times are "never".

-- MSC4191 org.matrix.cross_signing_reset: until when the user allows replacing their
-- cross-signing keys (UserStore.AllowCrossSigningReset); NULL: no approval.
ALTER TABLE users ADD COLUMN cross_signing_reset_allowed_until TIMESTAMPTZ;

-- user_agent is the client's at login, a request value like device_id (NOT NULL, may be '';
-- existing sessions get '', which since PostgreSQL 11 costs no table rewrite). last_active_at
-- and last_active_ip are written in batches by SessionStore.RecordActivity; NULL until the
-- session is first seen.
ALTER TABLE oauth2_sessions
    ADD COLUMN user_agent     TEXT NOT NULL DEFAULT '',
    ADD COLUMN last_active_at TIMESTAMPTZ,
    ADD COLUMN last_active_ip TEXT;

-- Registration tokens. hash is the SHA-256 of the token, which is shown once and never
-- stored; it is UNIQUE, so looking a presented token up is one probe of its index. A use is
-- spent by a guarded update in UserStore.Register; the last CHECK makes spending a use that
-- is not left impossible even if a code path forgot the guard. The counts are BIGINT so that
-- any Go int the SQLite backend stores fits here too. The ID uses the "C" collation, so that
-- ORDER BY id breaks ties in byte order, as in SQLite.
CREATE TABLE registration_tokens (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    hash         BYTEA       NOT NULL UNIQUE,
    hint         TEXT        NOT NULL,
    usage_limit  BIGINT      NOT NULL CHECK (usage_limit >= 0), -- 0: unlimited
    times_used   BIGINT      NOT NULL CHECK (times_used >= 0),
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ, -- NULL: never used
    expires_at   TIMESTAMPTZ, -- NULL: never expires
    revoked_at   TIMESTAMPTZ, -- NULL: not revoked
    CHECK (usage_limit = 0 OR times_used <= usage_limit)
);
