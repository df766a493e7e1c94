-- Browser sessions, kept here so that signing out ends them for every worker process.

-- The session cookie carries a random session id; only its SHA-256 is kept, so a copy of
-- the database does not give anyone a working session. A row lives from sign-in until
-- sign-out, the user's disabling, or its end (`expires_us`); whoever signs in next deletes
-- the rows that have ended. `epoch` is the user's when the session began: a session is
-- valid only while the user's epoch is still the same.
CREATE TABLE sessions (
    id_hash    TEXT    PRIMARY KEY,                         -- hex SHA-256 of the session id
    user_name  TEXT    NOT NULL REFERENCES users (name),
    epoch      INTEGER NOT NULL,
    csrf       TEXT    NOT NULL,                            -- the session's CSRF token
    created_us INTEGER NOT NULL,
    expires_us INTEGER NOT NULL
);

CREATE INDEX sessions_by_end ON sessions (expires_us);
CREATE INDEX sessions_by_user ON sessions (user_name);
