-- What sign-up, the account management pages (MSC4191) and the homeserver's device list
-- need of accounts and sessions: registration tokens (internal/model registration_token.go,
-- store.RegistrationTokenStore), the user's approval of a cross-signing reset, and each OAuth
-- session's client and last activity. Times are Unix milliseconds, UTC; NULL is "never".

-- MSC4191 org.matrix.cross_signing_reset: until when the user allows replacing their
-- cross-signing keys (UserStore.AllowCrossSigningReset); NULL: no approval.
ALTER TABLE users ADD COLUMN cross_signing_reset_allowed_until INTEGER;

-- user_agent is the client's at login, a request value like device_id (NOT NULL, may be '';
-- existing sessions get ''). last_active_at and last_active_ip are written in batches by
-- SessionStore.RecordActivity; NULL until the session is first seen.
ALTER TABLE oauth2_sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE oauth2_sessions ADD COLUMN last_active_at INTEGER;
ALTER TABLE oauth2_sessions ADD COLUMN last_active_ip TEXT;

-- Registration tokens. hash is the SHA-256 of the token, which is shown once and never
-- stored; it is UNIQUE, so looking a presented token up is one probe of its index. A use is
-- spent by a guarded update in UserStore.Register; the last CHECK makes spending a use that
-- is not left impossible even if a code path forgot the guard.
CREATE TABLE registration_tokens (
    id           TEXT    NOT NULL PRIMARY KEY,
    hash         BLOB    NOT NULL UNIQUE,
    hint         TEXT    NOT NULL,
    usage_limit  INTEGER NOT NULL CHECK (usage_limit >= 0), -- 0: unlimited
    times_used   INTEGER NOT NULL CHECK (times_used >= 0),
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER, -- NULL: never used
    expires_at   INTEGER, -- NULL: never expires
    revoked_at   INTEGER, -- NULL: not revoked
    CHECK (usage_limit = 0 OR times_used <= usage_limit)
) STRICT;
