-- 001: instance metadata, regions, organizations, users, sessions.
-- Every record that may travel between instances has a ULID id and the
-- id of the instance it was created on (origin).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE regions (
    code    TEXT PRIMARY KEY,           -- GB/T 2260 six-digit code
    parent  TEXT,
    level   TEXT NOT NULL CHECK (level IN ('province','city','district')),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);
CREATE INDEX regions_parent ON regions(parent);

CREATE TABLE orgs (
    id          TEXT PRIMARY KEY,
    origin      TEXT NOT NULL,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('enterprise','university','institute','other')),
    region      TEXT REFERENCES regions(code),
    credit_code TEXT NOT NULL UNIQUE,
    intro       TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    origin        TEXT NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('scientist','org_member','operator','admin')),
    org_id        TEXT REFERENCES orgs(id),
    region        TEXT REFERENCES regions(code),
    phone         TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL DEFAULT '',
    bio           TEXT NOT NULL DEFAULT '',
    is_expert     INTEGER NOT NULL DEFAULT 0,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX users_org ON users(org_id);

-- Server-side sessions; the cookie holds a random token, the table only
-- its hash, so a leaked database does not leak live sessions.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('web','api')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ip         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);

-- Failed logins, for rate limiting per account and per client address.
CREATE TABLE login_failures (
    id      INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    ip      TEXT NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX login_failures_account ON login_failures(account, at);
CREATE INDEX login_failures_ip ON login_failures(ip, at);
