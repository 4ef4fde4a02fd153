-- 018: organization membership is granted, never claimed; an operator's
-- jurisdiction is set by an administrator, apart from the home region.
--
-- users.org_id keeps meaning an *approved* membership (every domain check
-- that reads it stays right); users.org_role says what the member may do
-- inside the organization. Anyone who names an existing organization gets
-- a pending org_request that the organization's admins (or an operator of
-- its region, or an administrator) decide.
ALTER TABLE users ADD COLUMN org_role TEXT CHECK (org_role IN ('admin','member'));
-- The region an operator reviews for (a province covers its cities and
-- districts). users.region is the home region, editable by its holder and
-- never a source of authority.
ALTER TABLE users ADD COLUMN jurisdiction TEXT REFERENCES regions(code);

CREATE TABLE org_requests (
    id          TEXT PRIMARY KEY,
    origin      TEXT NOT NULL,
    org_id      TEXT NOT NULL REFERENCES orgs(id),
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status      TEXT NOT NULL CHECK (status IN ('pending','approved','refused','withdrawn')),
    note        TEXT NOT NULL DEFAULT '',
    decided_by  TEXT REFERENCES users(id),
    decided_at  BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
-- At most one pending request per user (the insert's transaction also checks).
CREATE UNIQUE INDEX org_requests_one_pending ON org_requests(user_id) WHERE status = 'pending';
CREATE INDEX org_requests_org ON org_requests(org_id, status, created_at);

-- Every change of an operator's jurisdiction: who, whom, old, new, when.
CREATE TABLE jurisdiction_log (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    actor_id   TEXT REFERENCES users(id),      -- NULL: the command line or this migration
    old_region TEXT,
    new_region TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX jurisdiction_log_time ON jurisdiction_log(created_at);

-- Existing memberships stay; each organization's earliest member becomes its admin.
UPDATE users SET org_role = 'member' WHERE org_id IS NOT NULL;
UPDATE users SET org_role = 'admin' WHERE id IN (
    SELECT (SELECT u.id FROM users u WHERE u.org_id = o.id ORDER BY u.created_at, u.id LIMIT 1) FROM orgs o);
-- Existing operators keep reviewing where they did.
UPDATE users SET jurisdiction = region WHERE role = 'operator';
