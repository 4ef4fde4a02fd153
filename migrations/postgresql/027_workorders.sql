-- 027: 科服保姆 work orders (服务工单, issue 14 §3) and listings prepared by
-- a center's staff on behalf of an organization (代发布).

-- The kinds of help one may ask a center for. Names are i18n keys
-- (workorder.type.<code>); an instance adds a kind with a row and two
-- catalog lines, no code.
CREATE TABLE workorder_types (
    code TEXT PRIMARY KEY,
    sort BIGINT NOT NULL
);
INSERT INTO workorder_types(code, sort) VALUES
    ('find_technology', 10), ('find_market', 20), ('state_demand', 30), ('contract_ip', 40),
    ('policy', 50), ('popsci_village', 60), ('other', 90);

-- One request for help. center_id is the center answering it now (the
-- lowest covering the requester's region unless they chose another;
-- changed by transfer and escalation, audited). due_at is when the first
-- response (acceptance) at the current center is due; NULL once accepted.
CREATE TABLE workorders (
    id                TEXT PRIMARY KEY,
    requester_id      TEXT NOT NULL REFERENCES users(id),
    org_id            TEXT REFERENCES orgs(id),      -- the requester's organization when they asked
    type              TEXT NOT NULL REFERENCES workorder_types(code),
    title             TEXT NOT NULL,
    description       TEXT NOT NULL,
    region            TEXT NOT NULL REFERENCES regions(code),
    center_id         TEXT NOT NULL REFERENCES service_centers(id),
    assignee_id       TEXT REFERENCES users(id),
    state             TEXT NOT NULL CHECK (state IN ('new','accepted','in_progress','waiting','resolved','closed','reopened')),
    due_at            BIGINT,
    escalations       BIGINT NOT NULL DEFAULT 0,
    rating            BIGINT CHECK (rating BETWEEN 1 AND 5),
    rating_comment    TEXT,
    rated_at          BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX workorders_requester ON workorders(requester_id, updated_at);
CREATE INDEX workorders_center ON workorders(center_id, state, due_at);
CREATE INDEX workorders_due ON workorders(state, due_at);

-- The thread: public replies (kind 'reply', shown to the requester),
-- internal notes (kind 'note', staff only, never shown or exported to the
-- requester) and the transitions (kind 'event', public).
CREATE TABLE workorder_entries (
    id           TEXT PRIMARY KEY,
    workorder_id TEXT NOT NULL REFERENCES workorders(id),
    kind         TEXT NOT NULL CHECK (kind IN ('reply','note','event')),
    actor_id     TEXT REFERENCES users(id),          -- NULL: the system (escalation)
    action       TEXT NOT NULL DEFAULT '',
    from_state   TEXT,
    to_state     TEXT,
    body         TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '{}',
    created_at   BIGINT NOT NULL
);
CREATE INDEX workorder_entries_order ON workorder_entries(workorder_id, created_at);

-- Files of a work order (bytes and the attachments row through
-- market/attach.c, always confidential).
CREATE TABLE workorder_files (
    workorder_id  TEXT NOT NULL REFERENCES workorders(id),
    attachment_id TEXT NOT NULL REFERENCES attachments(id),
    internal      BIGINT NOT NULL DEFAULT 0,         -- attached to an internal note: staff only
    PRIMARY KEY (workorder_id, attachment_id)
);

-- 代发布: a draft listing that a center's staff member prepared from a work
-- order for an organization; its owner (a member of that organization)
-- confirms it by submitting it for review.
ALTER TABLE listings ADD COLUMN prepared_by TEXT REFERENCES users(id);
ALTER TABLE listings ADD COLUMN prepared_for_workorder TEXT REFERENCES workorders(id);
