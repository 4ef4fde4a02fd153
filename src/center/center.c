/* center.c — service centers and their staff (see center.h). */
#include "center/center.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "account/membership.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"

const char *const kj_center_levels[] = { "province", "city", "county", "township", NULL };
const char *const kj_center_roles[] = { "head", "staff", NULL };

#define CENTER_COLUMNS                                                                                          \
    "c.id, c.name_zh, c.name_en, c.level, c.region, r.name_zh AS region_name_zh, r.name_en AS region_name_en, " \
    "c.parent_id, p.name_zh AS parent_name_zh, p.name_en AS parent_name_en, c.address, c.phone, c.hours, "     \
    "c.intro, c.created_at, c.updated_at, "                                                                     \
    "(SELECT count(*) FROM center_staff s WHERE s.center_id = c.id) AS staff_count"
#define CENTER_FROM                                                                                             \
    " FROM service_centers c LEFT JOIN regions r ON r.code = c.region "                                        \
    "LEFT JOIN service_centers p ON p.id = c.parent_id "

/* The region and its ancestors, nearest first (depth 0 = itself): the one
 * definition of "covers" this module uses. Regions are few levels deep. */
#define REGION_CHAIN(param)                                                                                     \
    "WITH RECURSIVE chain(code, depth) AS (SELECT " param ", 0 UNION ALL "                                     \
    "SELECT r.parent, chain.depth + 1 FROM regions r JOIN chain ON r.code = chain.code "                       \
    "WHERE r.parent IS NOT NULL AND r.parent <> '' AND chain.depth < 16) "

json_t *kj_center_get(kj_db *db, const char *id)
{
    if (!id || !kj_id_valid(id)) return NULL;
    return kj_db_row(db, "SELECT " CENTER_COLUMNS CENTER_FROM "WHERE c.id = ?", "s", id);
}

json_t *kj_center_covering(kj_db *db, const char *region)
{
    if (!region || !*region) return NULL;
    return kj_db_row(db, REGION_CHAIN("?") "SELECT " CENTER_COLUMNS CENTER_FROM
                     "JOIN chain ON chain.code = c.region ORDER BY chain.depth LIMIT 1", "s", region);
}

json_t *kj_center_chain(kj_db *db, const char *id)
{
    if (!id || !kj_id_valid(id)) return json_array();
    json_t *rows = kj_db_rows(db,
                              "WITH RECURSIVE up(id, depth) AS (SELECT ?, 0 UNION ALL "
                              "SELECT c.parent_id, up.depth + 1 FROM service_centers c JOIN up ON c.id = up.id "
                              "WHERE c.parent_id IS NOT NULL AND up.depth < 16) "
                              "SELECT c.id, c.name_zh, c.name_en, c.level, c.region FROM up "
                              "JOIN service_centers c ON c.id = up.id ORDER BY up.depth", "s", id);
    return rows ? rows : json_array();
}

json_t *kj_center_list(kj_db *db, const char *region, const char *level)
{
    /* "In region's subtree": region lies on the center's own chain of
     * ancestors. Walking up from the (few) centers is cheaper than walking
     * down a province's tens of thousands of townships. */
    json_t *rows = kj_db_rows(db,
                              "WITH RECURSIVE up(cid, code, depth) AS (SELECT id, region, 0 FROM service_centers "
                              "UNION ALL SELECT up.cid, r.parent, up.depth + 1 FROM up JOIN regions r ON r.code = up.code "
                              "WHERE r.parent IS NOT NULL AND r.parent <> '' AND up.depth < 16) "
                              "SELECT " CENTER_COLUMNS CENTER_FROM
                              "WHERE (?1 = '' OR c.id IN (SELECT cid FROM up WHERE code = ?1)) "
                              "AND (?2 = '' OR c.level = ?2) "
                              "ORDER BY CASE c.level WHEN 'province' THEN 0 WHEN 'city' THEN 1 WHEN 'county' THEN 2 "
                              "ELSE 3 END, c.region",
                              "ss", region ? region : "", level ? level : "");
    return rows ? rows : json_array();
}

json_t *kj_center_staff(kj_db *db, const char *center_id)
{
    json_t *rows = kj_db_rows(db,
                              "SELECT s.user_id, u.name, u.email, u.phone, s.role, s.added_at FROM center_staff s "
                              "JOIN users u ON u.id = s.user_id WHERE s.center_id = ? "
                              "ORDER BY s.role = 'head' DESC, s.added_at, s.user_id", "s", center_id ? center_id : "");
    return rows ? rows : json_array();
}

json_t *kj_center_children(kj_db *db, const char *id)
{
    json_t *rows = kj_db_rows(db, "SELECT " CENTER_COLUMNS CENTER_FROM "WHERE c.parent_id = ? ORDER BY c.region",
                              "s", id ? id : "");
    return rows ? rows : json_array();
}

json_t *kj_center_orgs(kj_db *db, const char *region, int limit)
{
    json_t *rows = kj_db_rows(db,
                              "WITH RECURSIVE up(oid, code, depth) AS (SELECT id, region, 0 FROM orgs WHERE region IS NOT NULL "
                              "UNION ALL SELECT up.oid, r.parent, up.depth + 1 FROM up JOIN regions r ON r.code = up.code "
                              "WHERE r.parent IS NOT NULL AND r.parent <> '' AND up.depth < 16) "
                              "SELECT o.id, o.name, o.type, o.region, o.verified_at, "
                              "(SELECT count(*) FROM listings l WHERE l.org_id = o.id AND l.status = 'published') AS listings, "
                              "coalesce((SELECT max(l.updated_at) FROM listings l WHERE l.org_id = o.id), 0) AS last_activity "
                              "FROM orgs o WHERE o.id IN (SELECT oid FROM up WHERE code = ?) "
                              "ORDER BY last_activity DESC, o.name LIMIT ?", "si", region ? region : "", (int64_t)limit);
    return rows ? rows : json_array();
}

char *kj_center_find_user(kj_db *db, const char *email_or_id)
{
    if (!email_or_id || !*email_or_id) return NULL;
    return kj_db_text(db, "SELECT id FROM users WHERE (id = ?1 OR lower(email) = lower(?1)) AND disabled = 0 LIMIT 1",
                      "s", email_or_id);
}

json_t *kj_center_of_user(kj_db *db, const char *user_id)
{
    if (!user_id) return NULL;
    return kj_db_row(db, "SELECT s.center_id, s.role, c.name_zh, c.name_en, c.level, c.region FROM center_staff s "
                         "JOIN service_centers c ON c.id = s.center_id WHERE s.user_id = ?", "s", user_id);
}

/* The acting user as the store knows it inside the write transaction. */
static json_t *actor_row(kj_db *db, const char *actor_id)
{
    return kj_db_row(db, "SELECT u.id, u.role, u.org_id, u.org_role, u.jurisdiction, s.center_id, "
                         "s.role AS center_role FROM users u LEFT JOIN center_staff s ON s.user_id = u.id "
                         "WHERE u.id = ? AND u.disabled = 0", "s", actor_id);
}

static int rollback_err(kj_db *db, kj_err *e, kj_err_kind kind, const char *key, const char *field)
{
    kj_db_rollback(db);
    return kj_err_set(e, kind, key, field);
}

static int commit_or_err(kj_db *db, kj_err *e)
{
    if (kj_db_commit(db)) return rollback_err(db, e, KJ_E_INTERNAL, "err.internal", "form");
    return 0;
}

/* True when ancestor is a strict ancestor of region (by the parent chain). */
static bool strictly_covers(kj_db *db, const char *ancestor, const char *region)
{
    return kj_db_int(db, 0, REGION_CHAIN("?1") "SELECT count(*) FROM chain WHERE code = ?2 AND depth > 0", "ss",
                     region, ancestor) > 0;
}

static const char *str_or(json_t *c, const char *k, const char *dflt)
{
    const char *v = kj_jstr(c, k);
    return v ? v : dflt;
}

int kj_center_create(kj_db *db, const char *actor_id, json_t *c, char *id_out, kj_err *e)
{
    const char *name = kj_jstr(c, "name_zh"), *level = kj_jstr(c, "level"), *region = kj_jstr(c, "region");
    const char *parent = kj_jstr(c, "parent_id");
    if (parent && !*parent) parent = NULL;
    if (!name || !*name || strlen(name) > 200) return kj_err_set(e, KJ_E_INVALID, "err.field.required", "name_zh");
    if (!kj_in_list(kj_center_levels, level)) return kj_err_set(e, KJ_E_INVALID, "err.center.level", "level");
    if (!region || !*region) return kj_err_set(e, KJ_E_INVALID, "err.field.required", "region");
    if (strcmp(level, "province") && !parent) return kj_err_set(e, KJ_E_INVALID, "err.center.parent", "parent_id");
    if (parent && !kj_id_valid(parent)) return kj_err_set(e, KJ_E_INVALID, "err.center.parent", "parent_id");
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", "form");
    if (actor_id) {
        json_t *actor = actor_row(db, actor_id);
        bool ok = kj_authz_may_manage_centers(actor);
        json_decref(actor);
        if (!ok) return rollback_err(db, e, KJ_E_FORBIDDEN, "err.forbidden", "form");
    }
    if (!kj_db_int(db, 0, "SELECT count(*) FROM regions WHERE code = ?", "s", region))
        return rollback_err(db, e, KJ_E_INVALID, "err.region.unknown", "region");
    if (parent) {
        char *pregion = kj_db_text(db, "SELECT region FROM service_centers WHERE id = ?", "s", parent);
        bool ok = pregion && strictly_covers(db, pregion, region);
        free(pregion);
        if (!ok) return rollback_err(db, e, KJ_E_INVALID, "err.center.parent", "parent_id");
    }
    if (kj_db_int(db, 0, "SELECT count(*) FROM service_centers WHERE region = ?", "s", region))
        return rollback_err(db, e, KJ_E_CONFLICT, "err.center.region_taken", "region");
    kj_id id = kj_id_new();
    int64_t now = kj_now_ms();
    if (kj_db_exec(db, "INSERT INTO service_centers(id, name_zh, name_en, level, region, parent_id, address, phone, "
                       "hours, intro, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                   "ssssssssssii", id.s, name, str_or(c, "name_en", ""), level, region, parent,
                   str_or(c, "address", ""), str_or(c, "phone", ""), str_or(c, "hours", ""),
                   str_or(c, "intro", ""), now, now) != 1 ||
        kj_audit_write(db, actor_id, "center.create", "center", id.s, "", c))
        return rollback_err(db, e, KJ_E_INTERNAL, "err.internal", "form");
    if (commit_or_err(db, e)) return -1;
    if (id_out) memcpy(id_out, id.s, sizeof id.s);
    return 0;
}

int kj_center_update(kj_db *db, const char *actor_id, const char *center_id, json_t *c, kj_err *e)
{
    static const char *const fields[] = { "name_zh", "name_en", "address", "phone", "hours", "intro", NULL };
    if (!center_id || !kj_id_valid(center_id)) return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", "id");
    const char *name = kj_jstr(c, "name_zh");
    if (name && (!*name || strlen(name) > 200)) return kj_err_set(e, KJ_E_INVALID, "err.field.required", "name_zh");
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", "form");
    if (!kj_db_int(db, 0, "SELECT count(*) FROM service_centers WHERE id = ?", "s", center_id))
        return rollback_err(db, e, KJ_E_NOT_FOUND, "err.not_found", "id");
    json_t *actor = actor_id ? actor_row(db, actor_id) : NULL;
    bool ok = !actor_id || kj_authz_may_edit_center(actor, center_id);
    json_decref(actor);
    if (!ok) return rollback_err(db, e, KJ_E_FORBIDDEN, "err.forbidden", "form");
    for (int i = 0; fields[i]; i++) {
        const char *v = kj_jstr(c, fields[i]);
        if (!v) continue;
        char sql[128];
        snprintf(sql, sizeof sql, "UPDATE service_centers SET %s = ?, updated_at = ? WHERE id = ?", fields[i]);
        if (kj_db_exec(db, sql, "sis", v, kj_now_ms(), center_id) != 1)
            return rollback_err(db, e, KJ_E_INTERNAL, "err.internal", "form");
    }
    if (kj_audit_write(db, actor_id, "center.update", "center", center_id, "", c))
        return rollback_err(db, e, KJ_E_INTERNAL, "err.internal", "form");
    return commit_or_err(db, e);
}

int kj_center_appoint(kj_db *db, const char *actor_id, const char *center_id, const char *user_id,
                      const char *role, const char *reason, kj_err *e)
{
    if (!center_id || !kj_id_valid(center_id)) return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", "center_id");
    if (!user_id || !kj_id_valid(user_id)) return kj_err_set(e, KJ_E_INVALID, "err.center.no_user", "user_id");
    if (!kj_in_list(kj_center_roles, role)) return kj_err_set(e, KJ_E_INVALID, "err.center.role", "role");
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", "form");
    char *region = kj_db_text(db, "SELECT region FROM service_centers WHERE id = ?", "s", center_id);
    if (!region) return rollback_err(db, e, KJ_E_NOT_FOUND, "err.not_found", "center_id");
    int st = 0;
    if (actor_id) {
        json_t *actor = actor_row(db, actor_id);
        if (!kj_authz_may_appoint_staff(actor, center_id, role)) st = kj_err_set(e, KJ_E_FORBIDDEN, "err.forbidden", "form");
        json_decref(actor);
    }
    json_t *target = st ? NULL : kj_db_row(db, "SELECT u.role, u.jurisdiction, s.center_id FROM users u "
                                               "LEFT JOIN center_staff s ON s.user_id = u.id "
                                               "WHERE u.id = ? AND u.disabled = 0", "s", user_id);
    if (!st && !target) st = kj_err_set(e, KJ_E_INVALID, "err.center.no_user", "user_id");
    else if (!st && strcmp(kj_jstr_or_empty(target, "role"), "operator"))
        st = kj_err_set(e, KJ_E_INVALID, "err.center.not_operator", "user_id");
    else if (!st && kj_jstr(target, "center_id") && strcmp(kj_jstr(target, "center_id"), center_id))
        st = kj_err_set(e, KJ_E_CONFLICT, "err.center.elsewhere", "user_id");
    int64_t now = kj_now_ms();
    /* One head: a new head's predecessor stays on as staff. */
    if (!st && !strcmp(role, "head") &&
        kj_db_exec(db, "UPDATE center_staff SET role = 'staff' WHERE center_id = ? AND role = 'head' AND user_id <> ?",
                   "ss", center_id, user_id) < 0)
        st = kj_err_set(e, KJ_E_INTERNAL, "err.internal", "form");
    if (!st && kj_db_exec(db, "INSERT INTO center_staff(user_id, center_id, role, added_by, added_at) VALUES (?,?,?,?,?) "
                              "ON CONFLICT(user_id) DO UPDATE SET role = excluded.role",
                          "ssssi", user_id, center_id, role, actor_id, now) != 1)
        st = kj_err_set(e, KJ_E_INTERNAL, "err.internal", "form");
    const char *old = target ? kj_jstr(target, "jurisdiction") : NULL;
    if (!st && !(old && !strcmp(old, region)) && kj_jurisdiction_write(db, actor_id, user_id, old, region))
        st = kj_err_set(e, KJ_E_INTERNAL, "err.internal", "form");
    json_t *detail = json_pack("{s:s, s:s}", "center_id", center_id, "role", role);
    if (!st && kj_audit_write(db, actor_id, "center.staff.appoint", "user", user_id, reason, detail))
        st = kj_err_set(e, KJ_E_INTERNAL, "err.internal", "form");
    json_decref(detail);
    json_decref(target);
    free(region);
    if (st) { kj_db_rollback(db); return -1; }
    return commit_or_err(db, e);
}

int kj_center_remove_staff(kj_db *db, const char *actor_id, const char *user_id, const char *reason, kj_err *e)
{
    if (!user_id || !kj_id_valid(user_id)) return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", "user_id");
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", "form");
    json_t *row = kj_db_row(db, "SELECT s.center_id, s.role, u.jurisdiction FROM center_staff s "
                                "JOIN users u ON u.id = s.user_id WHERE s.user_id = ?", "s", user_id);
    if (!row) return rollback_err(db, e, KJ_E_NOT_FOUND, "err.not_found", "user_id");
    int st = 0;
    if (actor_id) {
        json_t *actor = actor_row(db, actor_id);
        if (!kj_authz_may_appoint_staff(actor, kj_jstr(row, "center_id"), kj_jstr(row, "role")))
            st = kj_err_set(e, KJ_E_FORBIDDEN, "err.forbidden", "form");
        json_decref(actor);
    }
    if (!st && kj_db_exec(db, "DELETE FROM center_staff WHERE user_id = ?", "s", user_id) != 1)
        st = kj_err_set(e, KJ_E_INTERNAL, "err.internal", "form");
    const char *old = kj_jstr(row, "jurisdiction");
    if (!st && old && kj_jurisdiction_write(db, actor_id, user_id, old, NULL))
        st = kj_err_set(e, KJ_E_INTERNAL, "err.internal", "form");
    json_t *detail = json_pack("{s:s, s:s}", "center_id", kj_jstr_or_empty(row, "center_id"), "role",
                               kj_jstr_or_empty(row, "role"));
    if (!st && kj_audit_write(db, actor_id, "center.staff.remove", "user", user_id, reason, detail))
        st = kj_err_set(e, KJ_E_INTERNAL, "err.internal", "form");
    json_decref(detail);
    json_decref(row);
    if (st) { kj_db_rollback(db); return -1; }
    return commit_or_err(db, e);
}
