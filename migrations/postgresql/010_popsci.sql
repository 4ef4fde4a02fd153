-- 010: popular science (科普): content and its review, corrections, images,
-- needs profiles and reading events, expert registrations, questions and
-- answers, volunteer teams. The topic taxonomy is loaded from
-- data/popsci_topics.tsv into popsci_topics on first use.

CREATE TABLE popsci_topics (
    code    TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    months  TEXT NOT NULL DEFAULT ''        -- in-season months, ",3,4,5," ('' = all year)
);

CREATE TABLE popsci_content (
    id            TEXT PRIMARY KEY,
    origin        TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('article','video','course','notice')),
    title         TEXT NOT NULL,
    summary       TEXT NOT NULL DEFAULT '',
    body          TEXT NOT NULL DEFAULT '',           -- Markdown
    topic         TEXT NOT NULL,
    audience      TEXT NOT NULL DEFAULT 'everyone'
                  CHECK (audience IN ('rural','urban','youth','elderly','everyone')),
    regions       TEXT NOT NULL DEFAULT '',           -- " 511100 510100 " ('' = everywhere)
    lang          TEXT NOT NULL DEFAULT 'zh-CN',
    source        TEXT NOT NULL DEFAULT '',
    video_url     TEXT NOT NULL DEFAULT '',
    poster_id     TEXT,
    transcript    TEXT NOT NULL DEFAULT '',
    items         TEXT NOT NULL DEFAULT '',           -- course: content ids, space-separated, in order
    author_id     TEXT NOT NULL REFERENCES users(id),
    status        TEXT NOT NULL CHECK (status IN ('submitted','published','rejected')),
    reject_reason TEXT NOT NULL DEFAULT '',
    reviewer_id   TEXT REFERENCES users(id),
    urgent_until  BIGINT NOT NULL DEFAULT 0,         -- notices: top of feeds until then
    question_id   TEXT,                               -- made from a Q&A
    created_at    BIGINT NOT NULL,
    published_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX popsci_content_pub ON popsci_content(status, published_at);
CREATE INDEX popsci_content_topic ON popsci_content(topic, status, published_at);
CREATE INDEX popsci_content_urgent ON popsci_content(urgent_until);
CREATE INDEX popsci_content_author ON popsci_content(author_id);

CREATE TABLE popsci_corrections (
    id         TEXT PRIMARY KEY,
    origin     TEXT NOT NULL,
    content_id TEXT NOT NULL REFERENCES popsci_content(id) ON DELETE CASCADE,
    author_id  TEXT NOT NULL REFERENCES users(id),
    note       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX popsci_corrections_content ON popsci_corrections(content_id);

-- Images (attachments rows) of content and questions: what /popsci/images/{id} may serve.
CREATE TABLE popsci_images (
    attach_id   TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES users(id),
    content_id  TEXT,
    question_id TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX popsci_images_content ON popsci_images(content_id);
CREATE INDEX popsci_images_question ON popsci_images(question_id);

-- The needs profile (科普需求画像): the user's own, deletable.
CREATE TABLE popsci_profiles (
    user_id    TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    topics     TEXT NOT NULL DEFAULT '',             -- " code code "
    region     TEXT REFERENCES regions(code),
    crops      TEXT NOT NULL DEFAULT '',             -- free words: 水稻 生猪 ...
    audience   TEXT NOT NULL DEFAULT 'everyone',
    updated_at BIGINT NOT NULL
);

-- Reading history; one row per (user, content, kind).
CREATE TABLE popsci_events (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    content_id TEXT NOT NULL REFERENCES popsci_content(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('open','finish','like','useful')),
    topic      TEXT NOT NULL,
    region     TEXT NOT NULL DEFAULT '',             -- the reader's region then
    at         BIGINT NOT NULL,
    PRIMARY KEY (user_id, content_id, kind)
);
CREATE INDEX popsci_events_content ON popsci_events(content_id);
CREATE INDEX popsci_events_stats ON popsci_events(topic, region);

-- Volunteers and experts: who answers which topic where.
CREATE TABLE popsci_experts (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    topic      TEXT NOT NULL,
    region     TEXT NOT NULL REFERENCES regions(code),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, topic, region)
);
CREATE INDEX popsci_experts_topic ON popsci_experts(topic);

CREATE TABLE popsci_questions (
    id                 TEXT PRIMARY KEY,
    origin             TEXT NOT NULL,
    author_id          TEXT NOT NULL REFERENCES users(id),
    title              TEXT NOT NULL,
    body               TEXT NOT NULL,
    topic              TEXT NOT NULL,
    region             TEXT NOT NULL REFERENCES regions(code),
    status             TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','answered')),
    accepted_answer_id TEXT,
    content_id         TEXT,
    created_at         BIGINT NOT NULL
);
CREATE INDEX popsci_questions_created ON popsci_questions(created_at);

CREATE TABLE popsci_answers (
    id          TEXT PRIMARY KEY,
    origin      TEXT NOT NULL,
    question_id TEXT NOT NULL REFERENCES popsci_questions(id) ON DELETE CASCADE,
    author_id   TEXT NOT NULL REFERENCES users(id),
    body        TEXT NOT NULL,
    accepted    BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);
CREATE INDEX popsci_answers_question ON popsci_answers(question_id);

-- Expert volunteer teams (农技服务队).
CREATE TABLE popsci_teams (
    id         TEXT PRIMARY KEY,
    origin     TEXT NOT NULL,
    name       TEXT NOT NULL,
    intro      TEXT NOT NULL DEFAULT '',
    regions    TEXT NOT NULL DEFAULT '',             -- service areas " code code "
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE TABLE popsci_team_members (
    team_id  TEXT NOT NULL REFERENCES popsci_teams(id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX popsci_team_members_user ON popsci_team_members(user_id);
