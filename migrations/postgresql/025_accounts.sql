-- 025: account administration, residents (城乡群众) and personal
-- information (issue 14, items 5-7).
-- PostgreSQL changes the role CHECK in place and adds the column (SQLite
-- rebuilds the users table for that).
ALTER TABLE users DROP CONSTRAINT users_role_check;
-- resident: a light account for the public (城乡群众): reads 科普, asks
-- experts, follows volunteer teams; publishes nothing (src/authz).
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('scientist','org_member','operator','admin','resident'));
-- When the account was deleted by its holder (PIPL): the row stays as
-- "已注销用户" so that what must be kept (signed contracts, the deal
-- log) still names a party; everything personal is gone.
ALTER TABLE users ADD COLUMN deleted_at BIGINT;
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
    accepted_at BIGINT NOT NULL,
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
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, team_id)
);
CREATE INDEX popsci_team_follows_team ON popsci_team_follows(team_id);
