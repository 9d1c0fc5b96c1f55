-- OAuth clients (internal/model.Client, store.ClientStore): dynamically registered ones
-- (RFC 7591) and the operator's static ones, synced from the config file.
--
-- metadata is the JSON document of model.ClientMetadata (store.ClientRecord). A confidential
-- client never has a digest (identical registrations must not share a secret), and only
-- dynamic clients have one; the CHECKs repeat those rules of the Go code.
CREATE TABLE oauth_clients (
    id              TEXT    NOT NULL PRIMARY KEY,
    origin          TEXT    NOT NULL CHECK (origin IN ('dynamic', 'static')),
    metadata        TEXT    NOT NULL CHECK (json_valid(metadata)),
    secret_hash     BLOB,             -- NULL for a public client
    metadata_digest TEXT,             -- NULL unless deduplicated
    created_at      INTEGER NOT NULL, -- Unix milliseconds, UTC
    registered_at   INTEGER NOT NULL, -- the last identical registration; Unix milliseconds, UTC
    first_used_at   INTEGER,          -- Unix milliseconds, UTC; NULL until the first session
    CHECK (secret_hash IS NULL OR metadata_digest IS NULL),
    CHECK (origin = 'dynamic' OR metadata_digest IS NULL)
) STRICT;

-- Identical public dynamic registrations share one client (ClientStore.CreateDynamic).
CREATE UNIQUE INDEX oauth_clients_dynamic_digest ON oauth_clients (metadata_digest)
    WHERE origin = 'dynamic' AND metadata_digest IS NOT NULL;

-- ClientStore.DeleteUnusedDynamic: origin = 'dynamic' AND first_used_at IS NULL AND
-- registered_at < cutoff is one range of this index.
CREATE INDEX oauth_clients_unused ON oauth_clients (origin, first_used_at, registered_at);
