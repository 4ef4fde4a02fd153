-- 014: responsive image variants (any domain's images), pending edits of
-- published popular-science content (reviewed before they replace it).

-- Scaled copies of an image attachment; bytes in <data>/files/<attach_id>.w<width>.
CREATE TABLE media_variants (
    attach_id TEXT NOT NULL REFERENCES attachments(id) ON DELETE CASCADE,
    width     BIGINT NOT NULL,
    height    BIGINT NOT NULL,
    mime      TEXT NOT NULL,
    size      BIGINT NOT NULL,
    PRIMARY KEY (attach_id, width)
);

-- An author's edit of published content, waiting for review (科学性审核):
-- at most one per content; approval copies fields into popsci_content and
-- adds the note as a visible correction.
CREATE TABLE popsci_revisions (
    content_id    TEXT PRIMARY KEY REFERENCES popsci_content(id) ON DELETE CASCADE,
    author_id     TEXT NOT NULL REFERENCES users(id),
    fields        TEXT NOT NULL,                     -- JSON object of the edited fields
    note          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('submitted','rejected')),
    reject_reason TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);

ALTER TABLE popsci_content ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;

-- Uploaded short videos (MP4/WebM by content); bytes in <data>/files/<id>.
CREATE TABLE media_videos (
    id         TEXT PRIMARY KEY,
    origin     TEXT NOT NULL,
    owner_id   TEXT NOT NULL REFERENCES users(id),
    mime       TEXT NOT NULL CHECK (mime IN ('video/mp4','video/webm')),
    size       BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
ALTER TABLE popsci_content ADD COLUMN video_id TEXT REFERENCES media_videos(id);
