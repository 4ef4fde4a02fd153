-- 002: code lists shipped as data/*.tsv (loaded at every start).
CREATE TABLE domains (
    code    TEXT PRIMARY KEY,      -- D01 (first level), D0101 (second level)
    parent  TEXT,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);
CREATE TABLE coop_modes (
    code    TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);
CREATE TABLE ip_types (
    code    TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);
CREATE TABLE trl_levels (
    level   TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    desc_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    desc_en TEXT NOT NULL
);
