-- 003: the marketplace — studios, listings (achievements, services,
-- demands), revisions, attachments, expressions of interest, messages,
-- favourites and notifications.

CREATE TABLE studios (
    id          TEXT PRIMARY KEY,
    origin      TEXT NOT NULL,
    name        TEXT NOT NULL,
    intro       TEXT NOT NULL DEFAULT '',
    directions  TEXT NOT NULL DEFAULT '',      -- research directions (text, one per line)
    skills      TEXT NOT NULL DEFAULT '',      -- skills (text, one per line)
    affiliation TEXT NOT NULL DEFAULT '',
    region      TEXT REFERENCES regions(code),
    avatar_id   TEXT,                          -- attachments.id of the avatar image
    created_by  TEXT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE studio_members (
    studio_id  TEXT NOT NULL REFERENCES studios(id) ON DELETE CASCADE,
    email      TEXT NOT NULL,                  -- invitations are by e-mail
    user_id    TEXT REFERENCES users(id),      -- set once the invitee has an account and accepts
    role       TEXT NOT NULL CHECK (role IN ('owner','member')),
    status     TEXT NOT NULL CHECK (status IN ('invited','active')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (studio_id, email)
);
CREATE INDEX studio_members_user ON studio_members(user_id);

CREATE TABLE listings (
    id                TEXT PRIMARY KEY,
    origin            TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('achievement','service','demand')),
    subtype           TEXT NOT NULL DEFAULT '' CHECK (subtype IN ('','problem')),
    owner_id          TEXT NOT NULL REFERENCES users(id),
    studio_id         TEXT REFERENCES studios(id),
    org_id            TEXT REFERENCES orgs(id),
    status            TEXT NOT NULL CHECK (status IN ('draft','submitted','published','rejected','expired','withdrawn','closed')),
    open_for_interest BIGINT NOT NULL DEFAULT 1,
    anonymous         BIGINT NOT NULL DEFAULT 0,
    title             TEXT NOT NULL,
    summary           TEXT NOT NULL DEFAULT '',
    description       TEXT NOT NULL DEFAULT '',  -- Markdown
    domain            TEXT REFERENCES domains(code),
    domain1           TEXT,                      -- first level of domain, for filtering
    keywords          TEXT NOT NULL DEFAULT '[]',-- JSON array
    region            TEXT REFERENCES regions(code),
    region_city       TEXT,                      -- city (or the region itself) for filtering
    region_province   TEXT,
    valid_until       TEXT NOT NULL,             -- YYYY-MM-DD
    contact_name      TEXT NOT NULL DEFAULT '',
    contact_phone     TEXT NOT NULL DEFAULT '',
    contact_email     TEXT NOT NULL DEFAULT '',
    trl               BIGINT CHECK (trl BETWEEN 1 AND 9),       -- offers
    trl_min           BIGINT CHECK (trl_min BETWEEN 1 AND 9),   -- demands
    ip_type           TEXT REFERENCES ip_types(code),
    ip_numbers        TEXT NOT NULL DEFAULT '[]',-- JSON array of patent numbers
    coop_modes        TEXT NOT NULL DEFAULT '[]',-- JSON array of coop_modes codes
    price_kind        TEXT NOT NULL DEFAULT 'negotiable' CHECK (price_kind IN ('fixed','range','negotiable')),
    price_min_fen     BIGINT,                   -- price (offers) or budget (demands), in fen
    price_max_fen     BIGINT,
    delivery_mode     TEXT NOT NULL DEFAULT '',  -- services
    duration          TEXT NOT NULL DEFAULT '',  -- services: typical duration
    indicators        TEXT NOT NULL DEFAULT '[]',-- demands: JSON [{name, target, unit}]
    deadline          TEXT,                      -- demands: YYYY-MM-DD
    reject_reason     TEXT,
    extended          BIGINT NOT NULL DEFAULT 0,
    reminder_sent     BIGINT NOT NULL DEFAULT 0,
    revision          BIGINT NOT NULL DEFAULT 1,
    pending_revision  BIGINT,                   -- an edit of a published listing awaiting review
    published_at      BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX listings_browse ON listings(status, kind, published_at DESC);
CREATE INDEX listings_owner ON listings(owner_id);
CREATE INDEX listings_domain ON listings(domain1, domain);
CREATE INDEX listings_region ON listings(region_province, region_city, region);
CREATE INDEX listings_studio ON listings(studio_id);
CREATE INDEX listings_org ON listings(org_id);
CREATE INDEX listings_review ON listings(status, region);

-- One row per accepted cooperation mode, for filtering.
CREATE TABLE listing_modes (
    listing_id TEXT NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
    mode       TEXT NOT NULL REFERENCES coop_modes(code),
    PRIMARY KEY (listing_id, mode)
);
CREATE INDEX listing_modes_mode ON listing_modes(mode, listing_id);

-- Every version of a listing's content, in order. The listings row is the
-- live version; an edit of a published listing waits here as 'pending'.
CREATE TABLE listing_revisions (
    listing_id  TEXT NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
    rev         BIGINT NOT NULL,
    data        TEXT NOT NULL,                 -- JSON of the content fields
    author_id   TEXT NOT NULL REFERENCES users(id),
    state       TEXT NOT NULL CHECK (state IN ('draft','pending','approved','rejected')),
    reviewer_id TEXT REFERENCES users(id),
    reason      TEXT,
    created_at  BIGINT NOT NULL,
    reviewed_at BIGINT,
    PRIMARY KEY (listing_id, rev)
);

-- Life-cycle and review events, for the history the owner and reviewers see.
CREATE TABLE listing_events (
    id         TEXT PRIMARY KEY,
    listing_id TEXT NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
    actor_id   TEXT REFERENCES users(id),
    action     TEXT NOT NULL,
    from_status TEXT,
    to_status  TEXT,
    note       TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX listing_events_listing ON listing_events(listing_id, created_at);

CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    origin       TEXT NOT NULL,
    owner_id     TEXT NOT NULL REFERENCES users(id),
    listing_id   TEXT REFERENCES listings(id) ON DELETE CASCADE,
    studio_id    TEXT REFERENCES studios(id) ON DELETE CASCADE,
    filename     TEXT NOT NULL,                -- as uploaded (shown only to those who may see the owner)
    mime         TEXT NOT NULL,                -- detected from the content (libmagic)
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    confidential BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL
);
CREATE INDEX attachments_listing ON attachments(listing_id);

-- Expressions of interest.
CREATE TABLE eois (
    id             TEXT PRIMARY KEY,
    origin         TEXT NOT NULL,
    listing_id     TEXT NOT NULL REFERENCES listings(id),
    sender_id      TEXT NOT NULL REFERENCES users(id),
    message        TEXT NOT NULL,
    related_id     TEXT REFERENCES listings(id),  -- the sender's own related listing
    status         TEXT NOT NULL CHECK (status IN ('pending','accepted','declined','withdrawn')),
    decline_reason TEXT CHECK (decline_reason IN ('too_early','benefit_unclear','route_unclear','description_unclear','not_our_field','other')),
    decline_note   TEXT,
    created_at     BIGINT NOT NULL,
    decided_at     BIGINT
);
CREATE INDEX eois_listing ON eois(listing_id, status);
CREATE INDEX eois_sender ON eois(sender_id);

-- Conversation threads (one per accepted EOI for now; deals add more).
CREATE TABLE threads (
    id         TEXT PRIMARY KEY,
    origin     TEXT NOT NULL,
    eoi_id     TEXT UNIQUE REFERENCES eois(id),
    subject    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE thread_members (
    thread_id    TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id),
    last_read_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (thread_id, user_id)
);
CREATE INDEX thread_members_user ON thread_members(user_id);
CREATE TABLE messages (
    id         TEXT PRIMARY KEY,
    origin     TEXT NOT NULL,
    thread_id  TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    sender_id  TEXT NOT NULL REFERENCES users(id),
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_thread ON messages(thread_id, created_at);

CREATE TABLE favourites (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    listing_id TEXT NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, listing_id)
);

CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,                 -- i18n key suffix: notify.<kind>
    subject    TEXT NOT NULL DEFAULT '',      -- e.g. the listing title
    link       TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, read_at, created_at);
