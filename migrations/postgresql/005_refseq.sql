-- 005: display order for code lists (the order of their data files).
ALTER TABLE coop_modes ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ip_types ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
