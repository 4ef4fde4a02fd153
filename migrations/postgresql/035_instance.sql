-- 035: the instance profile (issue 17 §1). An instance is configured, not
-- forked: the settings file gives each field's default, an administrator's
-- edits are rows here and win over the file (instance/instance.h).
-- key: a field of kj_instance_fields, or name.<tag> / short_name.<tag>.
CREATE TABLE instance_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT
);
-- The 用户协议 / 隐私政策 texts an administrator published, one row per
-- document, version and language; the version in force is the setting
-- terms_version / privacy_version (a row of instance_settings when set
-- here). Rows are never edited: they prove what users agreed to.
CREATE TABLE instance_policies (
    id TEXT PRIMARY KEY,
    document TEXT NOT NULL CHECK (document IN ('terms', 'privacy')),
    version TEXT NOT NULL,
    lang TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    UNIQUE (document, version, lang)
);
-- A listing's title and summary in other languages than the one it was
-- written in (shown in the reader's language when present; indexed for
-- search with the original).
CREATE TABLE listing_translations (
    listing_id TEXT NOT NULL REFERENCES listings(id),
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (listing_id, lang)
);
