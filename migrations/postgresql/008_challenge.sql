-- 008: challenge lists (揭榜挂帅) — lists, entries, applications, review
-- (reviewers, rubric, scores), publicity objections, milestones and the
-- audit trail of every state change.
CREATE TABLE challenge_lists (
    id          TEXT PRIMARY KEY,
    origin      TEXT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    period_start TEXT NOT NULL,
    period_end  TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX challenge_lists_created ON challenge_lists(created_at DESC);

CREATE TABLE challenges (
    id            TEXT PRIMARY KEY,
    origin        TEXT NOT NULL,
    list_id       TEXT NOT NULL REFERENCES challenge_lists(id),
    direction     TEXT NOT NULL CHECK (direction IN ('tech_wanted','market_wanted')),
    title         TEXT NOT NULL,
    domain        TEXT NOT NULL DEFAULT '',
    problem       TEXT NOT NULL,
    difficulties  TEXT NOT NULL DEFAULT '',
    indicators    TEXT NOT NULL DEFAULT '[]',   -- [{name, target, unit, verification}]
    deliverables  TEXT NOT NULL DEFAULT '',
    bounty_fen    BIGINT NOT NULL,
    payment_terms TEXT NOT NULL DEFAULT '',
    task_period   TEXT NOT NULL DEFAULT '',
    eligibility   TEXT NOT NULL DEFAULT '',
    ip_terms      TEXT NOT NULL,
    deadline      TEXT NOT NULL,                -- YYYY-MM-DD, applications close at its end (UTC+8)
    deadline_ms   BIGINT NOT NULL,
    contact       TEXT NOT NULL DEFAULT '',
    region        TEXT,
    issuer_id     TEXT NOT NULL REFERENCES users(id),
    org_id        TEXT REFERENCES orgs(id),
    status        TEXT NOT NULL,
    reject_reason TEXT,
    rubric        TEXT NOT NULL DEFAULT '[]',   -- [{name, weight, max}]
    publicity_until BIGINT,
    outcome_reason TEXT,
    grade         TEXT,
    agreement     TEXT,                         -- {parties, amount_fen, milestones}
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX challenges_list ON challenges(list_id, status);

CREATE TABLE challenge_applications (
    id           TEXT PRIMARY KEY,
    origin       TEXT NOT NULL,
    challenge_id TEXT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    applicant_id TEXT NOT NULL REFERENCES users(id),
    org_id       TEXT REFERENCES orgs(id),
    studio_id    TEXT REFERENCES studios(id),
    team         TEXT NOT NULL,
    approach     TEXT NOT NULL,
    indicator_plan TEXT NOT NULL DEFAULT '',
    schedule     TEXT NOT NULL DEFAULT '',
    budget_fen   BIGINT,
    status       TEXT NOT NULL,                 -- submitted, withdrawn, selected
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (challenge_id, applicant_id)
);

CREATE TABLE challenge_reviewers (
    challenge_id TEXT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id),
    recused      BIGINT NOT NULL DEFAULT 0,
    coi_note     TEXT,
    assigned_at  BIGINT NOT NULL,
    PRIMARY KEY (challenge_id, user_id)
);

CREATE TABLE challenge_scores (
    id             TEXT PRIMARY KEY,
    origin         TEXT NOT NULL,
    challenge_id   TEXT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    application_id TEXT NOT NULL REFERENCES challenge_applications(id) ON DELETE CASCADE,
    reviewer_id    TEXT NOT NULL REFERENCES users(id),
    scores         TEXT NOT NULL,               -- [number per rubric criterion]
    total          DOUBLE PRECISION NOT NULL,               -- weighted, 0..100
    comment        TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    UNIQUE (application_id, reviewer_id)
);

CREATE TABLE challenge_objections (
    id           TEXT PRIMARY KEY,
    origin       TEXT NOT NULL,
    challenge_id TEXT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id),
    body         TEXT NOT NULL,
    answer       TEXT,
    answered_by  TEXT REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    answered_at  BIGINT
);

CREATE TABLE challenge_milestones (
    id           TEXT PRIMARY KEY,
    origin       TEXT NOT NULL,
    challenge_id TEXT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    seq          BIGINT NOT NULL,
    title        TEXT NOT NULL,
    due          TEXT NOT NULL,
    criteria     TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending', -- pending, reported, accepted, returned
    report       TEXT,
    evidence     TEXT,
    return_reason TEXT,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE challenge_events (
    id           TEXT PRIMARY KEY,
    origin       TEXT NOT NULL,
    challenge_id TEXT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    actor_id     TEXT REFERENCES users(id),
    action       TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT,
    reason       TEXT,
    public       BIGINT NOT NULL DEFAULT 1,    -- 0: names confidential content (applications, scores)
    created_at   BIGINT NOT NULL
);
CREATE INDEX challenge_events_challenge ON challenge_events(challenge_id, created_at);
