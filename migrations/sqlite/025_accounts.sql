-- 025: account administration, residents (城乡群众) and personal
-- information (issue 14, items 5-7).
-- migrate: foreign_keys off
--
-- The line above asks the migration runner (src/store/store.c) to run this
-- file with foreign-key enforcement off and to check every foreign key
-- before it commits: SQLite changes a CHECK constraint only by rebuilding
-- the table, and dropping the old users table with enforcement on would
-- cascade (sessions, org requests, needs profiles ... ON DELETE CASCADE).
-- This is SQLite's documented twelve-step rebuild: new table, copy, drop,
-- rename, then every index (users_org is the only one; no trigger or view
-- names users). The foreign keys of other tables name "users" and point at
-- the rebuilt table again once it has that name.

CREATE TABLE users_new (
    id                TEXT PRIMARY KEY,
    origin            TEXT NOT NULL,
    email             TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    password_hash     TEXT NOT NULL,
    -- resident: a light account for the public (城乡群众): reads 科普, asks
    -- experts, follows volunteer teams; publishes nothing (src/authz).
    role              TEXT NOT NULL CHECK (role IN ('scientist','org_member','operator','admin','resident')),
    org_id            TEXT REFERENCES orgs(id),
    region            TEXT REFERENCES regions(code),
    phone             TEXT NOT NULL DEFAULT '',
    title             TEXT NOT NULL DEFAULT '',
    bio               TEXT NOT NULL DEFAULT '',
    is_expert         INTEGER NOT NULL DEFAULT 0,
    disabled          INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    org_role          TEXT CHECK (org_role IN ('admin','member')),
    jurisdiction      TEXT REFERENCES regions(code),
    email_verified_at INTEGER,
    -- When the account was deleted by its holder (PIPL): the row stays as
    -- "已注销用户" so that what must be kept (signed contracts, the deal
    -- log) still names a party; everything personal is gone.
    deleted_at        INTEGER
);
INSERT INTO users_new(id, origin, email, name, password_hash, role, org_id, region, phone, title, bio, is_expert,
                      disabled, created_at, updated_at, org_role, jurisdiction, email_verified_at)
SELECT id, origin, email, name, password_hash, role, org_id, region, phone, title, bio, is_expert,
       disabled, created_at, updated_at, org_role, jurisdiction, email_verified_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_org ON users(org_id);
-- Administration searches by role and region.
CREATE INDEX users_role ON users(role, id);
CREATE INDEX users_region ON users(region);

-- Consent to the instance's 用户协议 (terms) and 隐私政策 (privacy), per
-- version (the versions are settings: terms_version, privacy_version). A
-- user whose latest consent is older than the published version is asked
-- again at the next sign-in. Kept after deletion as proof of what was
-- agreed (no personal data besides the anonymised account's id).
CREATE TABLE consents (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    document    TEXT NOT NULL CHECK (document IN ('terms','privacy')),
    version     TEXT NOT NULL,
    accepted_at INTEGER NOT NULL,
    UNIQUE (user_id, document, version)
);
-- An account with no row for the published version (made before this
-- migration included) is asked at its next sign-in.
CREATE INDEX consents_user ON consents(user_id, accepted_at);

-- Following a 科技志愿服务队 (volunteer team): residents and everyone else
-- keep up with the teams serving their area (issue 14 item 6). The
-- follower's own, removed with the account.
CREATE TABLE popsci_team_follows (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    team_id    TEXT NOT NULL REFERENCES popsci_teams(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, team_id)
);
CREATE INDEX popsci_team_follows_team ON popsci_team_follows(team_id);
