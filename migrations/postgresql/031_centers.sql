-- 031: review routing and escalation between service centers (issue 14
-- §2), and operators' jurisdiction from their center only.

-- One row per escalation step an item waiting for review has taken: the
-- item (kind: listing | challenge | popsci; item_id), which submission
-- (submitted_at: a resubmission starts a new clock), the step (level 1 =
-- the parent of the lowest covering center, 2 = its parent ...) and the
-- center it reached. Written by the escalation job when it tells the
-- submitter and the new center's staff, once per step (the primary key
-- makes a second run a no-op). Who sees the item is computed from the
-- clock, not from these rows, so queues are right between two runs.
CREATE TABLE review_escalations (
    kind         TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    level        BIGINT NOT NULL,
    center_id    TEXT REFERENCES service_centers(id),
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (kind, item_id, submitted_at, level)
);

-- Operators who were given a jurisdiction directly (before centers
-- existed) join the center of exactly that region as staff, when there is
-- one; their jurisdiction stays what it was. Others keep their
-- jurisdiction until an administrator appoints them to a center.
INSERT INTO center_staff(user_id, center_id, role, added_by, added_at)
SELECT u.id, c.id, 'staff', NULL, CAST(extract(epoch FROM now()) AS BIGINT) * 1000
FROM users u JOIN service_centers c ON c.region = u.jurisdiction
WHERE u.role = 'operator' AND u.jurisdiction IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM center_staff s WHERE s.user_id = u.id);
