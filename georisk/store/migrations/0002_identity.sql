-- Machine credentials, the service's own secrets, and remembered write results.

-- API tokens: only the SHA-256 of the secret is kept, so a copy of the database does not
-- give anyone a working token. A revoked token keeps its row for the audit trail.
CREATE TABLE tokens (
    id          TEXT    PRIMARY KEY,     -- public handle, shown by `tokens list`
    name        TEXT    NOT NULL,        -- who or what uses it; the actor in the journal
    agency      TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    secret_hash TEXT    NOT NULL UNIQUE, -- hex SHA-256 of the token
    created_us  INTEGER NOT NULL,
    revoked_us  INTEGER
);

-- Named secrets the service generates once and keeps (the cursor signing key).
CREATE TABLE service_secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- Results of writes sent with an Idempotency-Key, per token: a retry with the same key and
-- body gets the first answer back; the same key with another body is refused.
CREATE TABLE idempotency (
    token_id     TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       INTEGER,              -- NULL while the first request is still running
    body         BLOB,
    created_us   INTEGER NOT NULL,
    PRIMARY KEY (token_id, key)
);
