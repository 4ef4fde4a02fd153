-- 019: e-mail ownership, visible sessions, and login throttling that a
-- stranger cannot turn against an account's owner (issue 12, items 3, 6).

-- When the address was proven (a link from a message sent to it was
-- followed); NULL = not yet. Accounts that exist now, like those made by
-- the command line or the demo loader, count as verified.
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
UPDATE users SET email_verified_at = created_at;

-- Verification links: only the token's hash is kept; a token serves
-- once (used_at) and for a limited time (expires_at). email is the address
-- the link was sent to, so a link cannot verify an address it never reached.
CREATE TABLE email_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX email_tokens_user ON email_tokens(user_id, created_at);

-- Sessions get a public id (listing and ending them must not expose the
-- token's hash), the client's User-Agent and when they were last used
-- (updated at most once a minute).
ALTER TABLE sessions ADD COLUMN id TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT;
-- Existing sessions: a random id of ULID shape (26 Crockford characters,
-- first one '0'; hex digits are Crockford digits).
UPDATE sessions SET id = '0' || upper(substr(md5(random()::text || token_hash), 1, 25)), last_seen_at = created_at;
CREATE UNIQUE INDEX sessions_id ON sessions(id);

-- Failed-login counters (src/account/throttle.c): one row per (account,
-- address) pair, per address (account '') and per account (ip ''). A
-- counter forgets after a window without failures.
CREATE TABLE login_throttle (
    kind     TEXT NOT NULL CHECK (kind IN ('pair','ip','account')),
    account  TEXT NOT NULL,
    ip       TEXT NOT NULL,
    failures BIGINT NOT NULL,
    last_at  BIGINT NOT NULL,
    PRIMARY KEY (kind, account, ip)
);
CREATE INDEX login_throttle_age ON login_throttle(last_at);
DROP TABLE login_failures;
