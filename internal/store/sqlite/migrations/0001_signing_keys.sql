-- JWS signing keys (internal/model.SigningKey). The private key is stored sealed with the
-- server's encryption secret. slot is UNIQUE so that replicas generating a key at the same
-- time agree on one (store.KeyStore.CreateIfAbsent).
CREATE TABLE signing_keys (
    kid        TEXT    NOT NULL PRIMARY KEY,
    alg        TEXT    NOT NULL,
    slot       TEXT    NOT NULL UNIQUE,
    sealed     BLOB    NOT NULL,
    created_at INTEGER NOT NULL -- Unix milliseconds, UTC
) STRICT;
