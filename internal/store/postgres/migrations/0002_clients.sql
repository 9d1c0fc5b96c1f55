-- OAuth clients (internal/model.Client, store.ClientStore): dynamically registered ones
-- (RFC 7591) and the operator's static ones, synced from the config file.
--
-- metadata is the JSON document of model.ClientMetadata (store.ClientRecord). A confidential
-- client never has a digest (identical registrations must not share a secret), and only
-- dynamic clients have one; the CHECKs repeat those rules of the Go code.
--
-- id uses the "C" collation so that ORDER BY id (ClientStore.List) is byte order, as in
-- SQLite, whatever the database's default collation is.
CREATE TABLE oauth_clients (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    origin          TEXT        NOT NULL CHECK (origin IN ('dynamic', 'static')),
    metadata        JSONB       NOT NULL,
    secret_hash     BYTEA,        -- NULL for a public client
    metadata_digest TEXT,         -- NULL unless deduplicated
    created_at      TIMESTAMPTZ NOT NULL,
    registered_at   TIMESTAMPTZ NOT NULL, -- the last identical registration
    first_used_at   TIMESTAMPTZ,  -- NULL until the first session
    CHECK (secret_hash IS NULL OR metadata_digest IS NULL),
    CHECK (origin = 'dynamic' OR metadata_digest IS NULL)
);

-- Identical public dynamic registrations share one client (ClientStore.CreateDynamic).
CREATE UNIQUE INDEX oauth_clients_dynamic_digest ON oauth_clients (metadata_digest)
    WHERE origin = 'dynamic' AND metadata_digest IS NOT NULL;

-- ClientStore.DeleteUnusedDynamic: origin = 'dynamic' AND first_used_at IS NULL AND
-- registered_at < cutoff is one range of this index.
CREATE INDEX oauth_clients_unused ON oauth_clients (origin, first_used_at, registered_at);
