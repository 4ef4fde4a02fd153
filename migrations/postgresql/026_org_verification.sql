-- 026: verified organizations (实名认证, issue 14 §4) and members who show
-- themselves on their organization's public page.
--
-- An organization's admin applies with its business licence and the legal
-- representative's name; an operator whose jurisdiction covers the
-- organization's region (or an administrator) verifies or refuses with a
-- reason; an administrator may revoke a verification with a reason. The
-- life cycle of an organization's verification (org/verify.h):
--   none → pending → verified | refused;  refused | revoked → pending;
--   verified → revoked
-- Each application is one row; the organization's state is its latest
-- row's status (none without any).
CREATE TABLE org_verifications (
    id             TEXT PRIMARY KEY,
    origin         TEXT NOT NULL,
    org_id         TEXT NOT NULL REFERENCES orgs(id),
    applicant_id   TEXT NOT NULL REFERENCES users(id),
    status         TEXT NOT NULL CHECK (status IN ('pending','verified','refused','revoked')),
    legal_rep      TEXT NOT NULL,
    credit_code    TEXT NOT NULL,          -- the organization's code when it applied
    -- The licence: a file under <data>/files named by licence_file. Never an
    -- attachments row, so /files/{id} can never serve it; only
    -- /org-verifications/{id}/licence does, to the org's admins and the
    -- reviewing staff.
    licence_file   TEXT NOT NULL,
    licence_name   TEXT NOT NULL,
    licence_mime   TEXT NOT NULL,
    licence_size   BIGINT NOT NULL,
    licence_sha256 TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '', -- why refused or revoked (shown to the applicant)
    decided_by     TEXT REFERENCES users(id),
    decided_at     BIGINT,
    revoked_by     TEXT REFERENCES users(id),
    revoked_at     BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
-- At most one open application (pending or verified) per organization; the
-- applying transaction also checks.
CREATE UNIQUE INDEX org_verifications_one_open ON org_verifications(org_id) WHERE status IN ('pending','verified');
CREATE INDEX org_verifications_org ON org_verifications(org_id, created_at);
CREATE INDEX org_verifications_status ON org_verifications(status, created_at);

-- When the organization was verified; NULL: not verified. Written only by
-- org/verify.c, in the transaction that verifies or revokes, so that every
-- query that shows an organization can show the badge with a join.
ALTER TABLE orgs ADD COLUMN verified_at BIGINT;

-- "Show me on my organization's page": the member's own choice, off until
-- they turn it on.
ALTER TABLE users ADD COLUMN org_public BIGINT NOT NULL DEFAULT 0;
