-- 012: files attached to challenge applications (揭榜 attachments). The
-- bytes and the attachments row are market/attach.c's; this table says
-- which application a file belongs to. Application files are always
-- confidential: only the applicant, the issuer, staff and the assigned
-- reviewers may download them (/challenges/{id}/files/{att}).
CREATE TABLE challenge_attachments (
    attachment_id  TEXT PRIMARY KEY REFERENCES attachments(id) ON DELETE CASCADE,
    application_id TEXT NOT NULL REFERENCES challenge_applications(id) ON DELETE CASCADE,
    created_at     BIGINT NOT NULL
);
CREATE INDEX challenge_attachments_application ON challenge_attachments(application_id, created_at);
