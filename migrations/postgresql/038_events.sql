-- 038: events (科创会, 技术对接会, roadshows, issue 19): events with
-- sections and sessions, registrations with tickets and check-in, the
-- participants' showcased listings, one-to-one meetings placed on the
-- event's meeting grid, meeting outcomes, and projects collected for a
-- roadshow with their expert review. Times are BIGINT milliseconds
-- (core/clock.h), computed in C; JSON columns end in __json.

-- An event, organized by a service center. time_zone is an IANA name (the
-- times people read on its pages and in its agenda). The meeting grid is
-- tables_n tables × slots slots of slot_minutes from meeting_start.
CREATE TABLE events (
    id              TEXT PRIMARY KEY,
    center_id       TEXT NOT NULL REFERENCES service_centers(id),
    name_zh         TEXT NOT NULL,
    name_en         TEXT NOT NULL DEFAULT '',
    summary_zh      TEXT NOT NULL DEFAULT '',
    summary_en      TEXT NOT NULL DEFAULT '',
    venue           TEXT NOT NULL DEFAULT '',
    online          BIGINT NOT NULL DEFAULT 0,
    online_url      TEXT NOT NULL DEFAULT '',
    region          TEXT NOT NULL DEFAULT '',
    time_zone       TEXT NOT NULL,
    starts_at       BIGINT NOT NULL,
    ends_at         BIGINT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('draft','published','cancelled')),
    reg_open        BIGINT NOT NULL DEFAULT 0,
    capacity        BIGINT NOT NULL DEFAULT 0,
    approval        TEXT NOT NULL DEFAULT 'auto' CHECK (approval IN ('auto','manual')),
    questions__json TEXT NOT NULL DEFAULT '[]',
    meeting_start   BIGINT,
    slot_minutes    BIGINT NOT NULL DEFAULT 20,
    slots           BIGINT NOT NULL DEFAULT 0,
    tables_n        BIGINT NOT NULL DEFAULT 0,
    rubric__json    TEXT NOT NULL DEFAULT '[]',
    created_by      TEXT NOT NULL REFERENCES users(id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX events_when ON events(state, starts_at);
CREATE INDEX events_center ON events(center_id, starts_at);

-- 板块 (sections) and their sessions (talks, roadshows, matchmaking).
CREATE TABLE event_sections (
    id       TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events(id),
    name_zh  TEXT NOT NULL,
    name_en  TEXT NOT NULL DEFAULT '',
    sort     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX event_sections_event ON event_sections(event_id, sort);

CREATE TABLE event_sessions (
    id          TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL REFERENCES events(id),
    section_id  TEXT REFERENCES event_sections(id),
    kind        TEXT NOT NULL CHECK (kind IN ('talk','roadshow','matchmaking')),
    title_zh    TEXT NOT NULL,
    title_en    TEXT NOT NULL DEFAULT '',
    room        TEXT NOT NULL DEFAULT '',
    speakers    TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    starts_at   BIGINT NOT NULL,
    ends_at     BIGINT NOT NULL
);
CREATE INDEX event_sessions_event ON event_sessions(event_id, starts_at);

-- One registration per person and event. ticket_code is the secret on the
-- QR ticket (set when the registration is approved). country: ISO 3166-1
-- alpha-2. publish_results: the participant agrees to show their signed
-- cooperation on the public page.
CREATE TABLE event_registrations (
    id              TEXT PRIMARY KEY,
    event_id        TEXT NOT NULL REFERENCES events(id),
    user_id         TEXT NOT NULL REFERENCES users(id),
    state           TEXT NOT NULL CHECK (state IN ('pending','approved','declined','cancelled','checked_in')),
    org_name        TEXT NOT NULL DEFAULT '',
    country         TEXT NOT NULL,
    answers__json   TEXT NOT NULL DEFAULT '{}',
    sections__json  TEXT NOT NULL DEFAULT '[]',
    ticket_code     TEXT UNIQUE,
    checked_in_at   BIGINT,
    checked_in_by   TEXT REFERENCES users(id),
    publish_results BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (event_id, user_id)
);
CREATE INDEX event_registrations_user ON event_registrations(user_id);

-- The listings (offers and demands) a participant shows at an event.
CREATE TABLE event_showcase (
    event_id   TEXT NOT NULL REFERENCES events(id),
    user_id    TEXT NOT NULL REFERENCES users(id),
    listing_id TEXT NOT NULL REFERENCES listings(id),
    PRIMARY KEY (event_id, user_id, listing_id)
);

-- One-to-one meetings. slot/table_no: the place on the grid once
-- scheduled (NULL before); one meeting per table and slot.
CREATE TABLE event_meetings (
    id             TEXT PRIMARY KEY,
    event_id       TEXT NOT NULL REFERENCES events(id),
    requester_id   TEXT NOT NULL REFERENCES users(id),
    invitee_id     TEXT NOT NULL REFERENCES users(id),
    listing_id     TEXT REFERENCES listings(id),
    message        TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL CHECK (state IN ('requested','accepted','scheduled','held','declined','cancelled')),
    preferred_slot BIGINT,
    slot           BIGINT,
    table_no       BIGINT,
    deal_id        TEXT REFERENCES deals(id),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (event_id, slot, table_no)
);
CREATE INDEX event_meetings_event ON event_meetings(event_id, state);
CREATE INDEX event_meetings_requester ON event_meetings(requester_id);
CREATE INDEX event_meetings_invitee ON event_meetings(invitee_id);

-- What each side of a held meeting says came of it.
CREATE TABLE event_outcomes (
    meeting_id TEXT NOT NULL REFERENCES event_meetings(id),
    user_id    TEXT NOT NULL REFERENCES users(id),
    outcome    TEXT NOT NULL CHECK (outcome IN ('no_interest','follow_up','intention')),
    note       TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);

-- Projects collected for a roadshow: an achievement or demand already
-- listed, a 揭榜 entry, or a new one (source_kind 'new'), reviewed by
-- experts with the event's rubric, then placed in a session (position,
-- slot_start..slot_end).
CREATE TABLE event_projects (
    id           TEXT PRIMARY KEY,
    event_id     TEXT NOT NULL REFERENCES events(id),
    source_kind  TEXT NOT NULL CHECK (source_kind IN ('listing','challenge','new')),
    source_id    TEXT,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    domain       TEXT NOT NULL DEFAULT '',
    submitter_id TEXT NOT NULL REFERENCES users(id),
    org_id       TEXT,
    studio_id    TEXT,
    state        TEXT NOT NULL CHECK (state IN ('submitted','selected','rejected')),
    session_id   TEXT REFERENCES event_sessions(id),
    position     BIGINT,
    slot_start   BIGINT,
    slot_end     BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX event_projects_event ON event_projects(event_id, state);

CREATE TABLE event_reviewers (
    event_id TEXT NOT NULL REFERENCES events(id),
    user_id  TEXT NOT NULL REFERENCES users(id),
    recused  BIGINT NOT NULL DEFAULT 0,
    note     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, user_id)
);

CREATE TABLE event_scores (
    project_id   TEXT NOT NULL REFERENCES event_projects(id),
    reviewer_id  TEXT NOT NULL REFERENCES users(id),
    scores__json TEXT NOT NULL,
    total        DOUBLE PRECISION NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (project_id, reviewer_id)
);
