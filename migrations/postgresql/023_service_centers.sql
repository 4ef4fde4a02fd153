-- 023: the service-center network (issue 14 §2) and the administrative
-- audit log every module writes to (issue 14 §4, §5).

-- A service center (天府科技云服务中心 of a province, city, county, or a
-- township station) covers the subtree of its region. One center per
-- region, so "the lowest center covering a region" is a single answer.
CREATE TABLE service_centers (
    id         TEXT PRIMARY KEY,
    name_zh    TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    level      TEXT NOT NULL CHECK (level IN ('province','city','county','township')),
    region     TEXT NOT NULL REFERENCES regions(code),
    parent_id  TEXT REFERENCES service_centers(id),
    address    TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    hours      TEXT NOT NULL DEFAULT '',
    intro      TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX service_centers_region ON service_centers(region);
CREATE INDEX service_centers_parent ON service_centers(parent_id);

-- Staff (科服保姆) of a center; a user works at one center at most. The
-- head appoints and removes staff; administrators appoint heads.
CREATE TABLE center_staff (
    user_id    TEXT PRIMARY KEY REFERENCES users(id),
    center_id  TEXT NOT NULL REFERENCES service_centers(id),
    role       TEXT NOT NULL CHECK (role IN ('head','staff')),
    added_by   TEXT,
    added_at   BIGINT NOT NULL
);
CREATE INDEX center_staff_center ON center_staff(center_id, role);

-- Administrative actions: who (actor_id; NULL = the command line), when,
-- what (action, target), why (reason), and the details as JSON. Append
-- only: the triggers refuse every change and every deletion, so the log
-- cannot be edited through the application or a stray statement.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    actor_id    TEXT,
    actor_name  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL
);
CREATE INDEX audit_log_time ON audit_log(created_at);
CREATE INDEX audit_log_target ON audit_log(target_type, target_id, created_at);
CREATE INDEX audit_log_actor ON audit_log(actor_id, created_at);
-- PostgreSQL: kj_append_only() is 009's.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION kj_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION kj_append_only();
