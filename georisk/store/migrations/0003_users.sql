-- People who sign in from a browser, and the counters that slow down password guessing.

-- A user belongs to one agency and has one role. `epoch` is copied into every session
-- cookie; disabling the user (or signing out everywhere) bumps it, so every cookie
-- issued before stops working on the next request although it is still validly signed.
CREATE TABLE users (
    name          TEXT    PRIMARY KEY,
    agency        TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,      -- werkzeug generate_password_hash (scrypt)
    disabled      INTEGER NOT NULL DEFAULT 0,
    epoch         INTEGER NOT NULL DEFAULT 0,
    created_us    INTEGER NOT NULL
);

-- Tokens created for a user stop working with the user (NULL: a machine's own token).
ALTER TABLE tokens ADD COLUMN user_name TEXT REFERENCES users (name);

-- Failed sign-ins per key ('account:<name>' or 'address:<ip>'): in the database so the
-- limits hold across worker processes and restarts.
CREATE TABLE signin_failures (
    key             TEXT    PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_us         INTEGER NOT NULL,
    locked_until_us INTEGER NOT NULL
);
