/*
 * studio.c — studios, their members and invitations (see studio.h).
 */
#include "market/studio.h"
#include "core/json_util.h"
#include "account/account.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/origin.h"
#include "core/buf.h"
#include "core/validate.h"
#include "market/attach.h"
#include "market/market.h"
#include "ref/regions.h"
#include "notify/notify.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Records the first problem of a field and returns status. */
/* Records a refusal: field -> key into e->fields (when the caller keeps
 * them), and the first refusal's kind and key in e. Returns -1. */
static int refuse(kj_err *e, kj_err_kind kind, const char *field, const char *key)
{
    if (e->fields && !json_object_get(e->fields, field)) json_object_set_new(e->fields, field, json_string(key));
    if (e->kind == KJ_E_NONE) kj_err_set(e, kind, key, field);
    return -1;
}

bool kj_studio_user_may_join(json_t *user)
{
    const char *role = user ? kj_jstr(user, "role") : NULL;
    return role && !strcmp(role, "scientist");
}

/* ---- checking what users type ---- */

static size_t chars(const char *s, size_t n) { return kj_utf8_chars(s, n); }

/* Control characters other than the line breaks and tabs of multi-line text. */
static bool has_control(const char *s, size_t n, bool multiline)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x7F || (c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t')))) return true;
    }
    return false;
}

/* NULL when s (if given) is valid text of min..max characters, else a key. */
static const char *text_problem(const char *s, bool multiline, size_t min, size_t max, const char *length_key)
{
    if (!s) return NULL;
    size_t n = strlen(s);
    if (!kj_valid_utf8(s, n) || has_control(s, n, multiline)) return "err.field.invalid";
    size_t c = chars(s, n);
    return c < min || c > max ? length_key : NULL;
}

/* Trims ASCII white space and ideographic spaces (U+3000) at both ends. */
static void trim(const char **s, size_t *n)
{
    for (;;) {
        if (*n && isspace((unsigned char)**s)) { (*s)++; (*n)--; }
        else if (*n >= 3 && !memcmp(*s, "\xe3\x80\x80", 3)) { *s += 3; *n -= 3; }
        else break;
    }
    for (;;) {
        if (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
        else if (*n >= 3 && !memcmp(*s + *n - 3, "\xe3\x80\x80", 3)) *n -= 3;
        else break;
    }
}

static const char *add_item(json_t *out, const char *s, size_t n)
{
    trim(&s, &n);
    if (!n) return NULL;
    if (!kj_valid_utf8(s, n) || has_control(s, n, false)) return "err.field.invalid";
    if (chars(s, n) > KJ_STUDIO_ITEM_MAX) return "err.studio.item_too_long";
    size_t i;
    json_t *v;
    json_array_foreach(out, i, v)
        if (json_string_length(v) == n && !memcmp(json_string_value(v), s, n)) return NULL;  /* a repeat */
    if (json_array_size(out) >= KJ_STUDIO_LIST_MAX) return "err.studio.list_too_long";
    json_array_append_new(out, json_stringn(s, n));
    return NULL;
}

json_t *kj_studio_parse_list(json_t *v, kj_err *e)
{
    json_t *out = json_array();
    const char *bad = NULL;
    if (json_is_string(v)) {
        const char *s = json_string_value(v), *end = s + json_string_length(v);
        while (!bad && s < end) {
            const char *nl = memchr(s, '\n', (size_t)(end - s));
            size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
            bad = add_item(out, s, n);
            s += n + 1;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) {
            if (!json_is_string(item)) { bad = "err.field.invalid"; break; }
            if ((bad = add_item(out, json_string_value(item), json_string_length(item)))) break;
        }
    } else if (v && !json_is_null(v)) {
        bad = "err.field.invalid";
    }
    if (bad) {
        json_decref(out);
        if (e) kj_err_set(e, KJ_E_INVALID, bad, NULL);
        return NULL;
    }
    return out;
}

/* Items one per line, as stored. New string (caller frees). */
static char *join_lines(json_t *list)
{
    kj_buf b = { 0 };
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        if (i) kj_buf_puts(&b, "\n");
        kj_buf_puts(&b, json_string_value(v));
    }
    size_t len;
    char *s = kj_buf_steal(&b, &len);
    return s ? s : strdup("");
}

/* The stored text as an array. New ref. */
static json_t *split_lines(const char *s)
{
    json_t *v = json_string(s ? s : "");
    json_t *out = kj_studio_parse_list(v, NULL);
    json_decref(v);
    return out ? out : json_array();
}

/* Checked values ready for the row; lists as stored text (owned). */
typedef struct {
    const char *name, *intro, *affiliation, *region;
    char *directions, *skills;
} checked;

static void checked_free(checked *c) { free(c->directions); free(c->skills); }

static void check_list(json_t *v, const char *field, char **out, kj_err *e)
{
    if (!v) return;
    kj_err why = { 0 };
    json_t *list = kj_studio_parse_list(v, &why);
    if (!list) { refuse(e, why.kind, field, why.key); return; }
    *out = join_lines(list);
    json_decref(list);
}

/* Fills c from in (NULL stays NULL: unchanged). Returns 0, or -1 with
 * every refused input (kind INVALID). */
static int check_input(kj_db *db, const kj_studio_input *in, bool creating, checked *c, kj_err *e)
{
    const char *bad;
    c->name = in->name;
    if (creating && !in->name) refuse(e, KJ_E_INVALID, "name", "err.field.required");
    if ((bad = text_problem(in->name, false, KJ_STUDIO_NAME_MIN, KJ_STUDIO_NAME_MAX, "err.studio.name_length")))
        refuse(e, KJ_E_INVALID, "name", bad);
    if ((bad = text_problem(in->intro, true, 0, KJ_STUDIO_INTRO_MAX, "err.studio.intro_too_long")))
        refuse(e, KJ_E_INVALID, "intro", bad);
    if ((bad = text_problem(in->affiliation, false, 0, KJ_STUDIO_AFFILIATION_MAX, "err.field.too_long")))
        refuse(e, KJ_E_INVALID, "affiliation", bad);
    if (in->region && *in->region && !kj_region_exists(db, in->region))
        refuse(e, KJ_E_INVALID, "region", "err.region.unknown");
    c->intro = in->intro;
    c->affiliation = in->affiliation;
    c->region = in->region;
    check_list(in->directions, "directions", &c->directions, e);
    check_list(in->skills, "skills", &c->skills, e);
    return e->kind != KJ_E_NONE ? -1 : 0;
}

static const char *or_empty(const char *s) { return s ? s : ""; }
static const char *region_or_null(const char *s) { return s && *s ? s : NULL; }

/* ---- studios ---- */

int kj_studio_create(kj_db *db, json_t *user, const kj_studio_input *in, char *id_out, kj_err *e)
{
    if (!kj_studio_user_may_join(user)) return refuse(e, KJ_E_FORBIDDEN, "form", "err.studio.scientists_only");
    checked c = { 0 };
    if (check_input(db, in, true, &c, e)) { checked_free(&c); return -1; }
    kj_id id = kj_id_new();
    int64_t now = kj_now_ms();
    int rc = kj_db_begin(db);
    if (rc == 0)
        rc = kj_db_exec(db, "INSERT INTO studios(id, origin, name, intro, directions, skills, affiliation, region, "
                            "created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", "sssssssssii",
                        id.s, kj_instance_id(db), c.name, or_empty(c.intro), or_empty(c.directions), or_empty(c.skills),
                        or_empty(c.affiliation), region_or_null(c.region), kj_user_id(user), now, now);
    if (rc >= 0)
        rc = kj_db_exec(db, "INSERT INTO studio_members(studio_id, email, user_id, role, status, created_at) "
                            "VALUES (?,?,?,'owner','active',?)", "sssi", id.s, kj_jstr(user, "email"), kj_user_id(user), now);
    if (rc >= 0) rc = kj_listing_publish(db, &(kj_listing_event){ .what = KJ_STUDIO_CHANGED, .id = id.s });   /* searchable and matched at once */
    checked_free(&c);
    if (rc < 0 || kj_db_commit(db)) { kj_db_rollback(db); return refuse(e, KJ_E_INTERNAL, "form", "err.internal"); }
    snprintf(id_out, KJ_ID_LEN + 1, "%s", id.s);
    return 0;
}

/* 0 when user owns the studio, else -1: NOT_FOUND (no studio) or FORBIDDEN. */
static int owner_check(kj_db *db, json_t *user, const char *studio_id, kj_err *e)
{
    if (!kj_id_valid(studio_id) || !kj_db_int(db, 0, "SELECT count(*) FROM studios WHERE id = ?", "s", studio_id))
        return refuse(e, KJ_E_NOT_FOUND, "form", "err.not_found");
    const char *rel = kj_studio_relation(db, studio_id, user);
    return rel && !strcmp(rel, "owner") ? 0 : refuse(e, KJ_E_FORBIDDEN, "form", "err.studio.owner_only");
}

int kj_studio_update(kj_db *db, json_t *user, const char *id, const kj_studio_input *in, kj_err *e)
{
    int st = owner_check(db, user, id, e);
    if (st) return st;
    checked c = { 0 };
    if (check_input(db, in, false, &c, e)) { checked_free(&c); return -1; }
    json_t *row = kj_db_row(db, "SELECT name, intro, directions, skills, affiliation, region FROM studios WHERE id = ?", "s", id);
    if (!row) { checked_free(&c); return refuse(e, KJ_E_INTERNAL, "form", "err.internal"); }
    const char *region = c.region ? region_or_null(c.region) : kj_jstr(row, "region");
    int rc = kj_db_exec(db, "UPDATE studios SET name = ?, intro = ?, directions = ?, skills = ?, affiliation = ?, "
                            "region = ?, updated_at = ? WHERE id = ?", "ssssssis",
                        c.name ? c.name : kj_jstr(row, "name"), c.intro ? c.intro : kj_jstr(row, "intro"),
                        c.directions ? c.directions : kj_jstr(row, "directions"), c.skills ? c.skills : kj_jstr(row, "skills"),
                        c.affiliation ? c.affiliation : kj_jstr(row, "affiliation"), region, kj_now_ms(), id);
    if (rc >= 0) rc = kj_listing_publish(db, &(kj_listing_event){ .what = KJ_STUDIO_CHANGED, .id = id });
    json_decref(row);
    checked_free(&c);
    return rc < 0 ? refuse(e, KJ_E_INTERNAL, "form", "err.internal") : 0;
}

static void add_avatar_url(json_t *o)
{
    const char *avatar = kj_jstr(o, "avatar_id");
    if (avatar) json_object_set_new(o, "avatar_url", json_sprintf("/files/%s", avatar));
}

json_t *kj_studio_get(kj_db *db, const char *id)
{
    if (!kj_id_valid(id)) return NULL;
    json_t *s = kj_db_row(db, "SELECT id, origin, name, intro, directions, skills, affiliation, region, avatar_id, created_by, "
                              "created_at, updated_at FROM studios WHERE id = ?", "s", id);
    if (!s) return NULL;
    json_object_set_new(s, "directions", split_lines(kj_jstr(s, "directions")));
    json_object_set_new(s, "skills", split_lines(kj_jstr(s, "skills")));
    add_avatar_url(s);
    /* A member's organization only when they chose to be shown as its
     * member (users.org_public), with the verified-organization badge. */
    json_t *members = kj_db_rows(db, "SELECT m.user_id, u.name, u.title, m.role, o.id AS org_id, o.name AS org_name, "
                                     "o.verified_at IS NOT NULL AS org_verified FROM studio_members m "
                                     "JOIN users u ON u.id = m.user_id LEFT JOIN orgs o ON o.id = u.org_id AND u.org_public = 1 "
                                     "WHERE m.studio_id = ? AND m.status = 'active' "
                                     "ORDER BY CASE m.role WHEN 'owner' THEN 0 ELSE 1 END, m.created_at", "s", id);
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m) {
        bool verified = json_integer_value(json_object_get(m, "org_verified")) != 0;
        if (kj_jstr(m, "org_id"))
            json_object_set_new(m, "org", json_pack("{s:s, s:s?, s:b}", "id", kj_jstr(m, "org_id"), "name", kj_jstr(m, "org_name"),
                                                    "verified", verified));
        json_object_set_new(m, "org_verified", json_boolean(verified));
    }
    json_object_set_new(s, "members", members ? members : json_array());
    return s;
}

const char *kj_studio_relation(kj_db *db, const char *studio_id, json_t *user)
{
    const char *uid = kj_user_id(user), *email = user ? kj_jstr(user, "email") : NULL;
    if (!uid || !email) return NULL;
    json_t *row = kj_db_row(db, "SELECT role, status FROM studio_members WHERE studio_id = ? AND "
                                "(user_id = ? OR (email = ? AND user_id IS NULL)) "
                                "ORDER BY CASE status WHEN 'active' THEN 0 ELSE 1 END", "sss", studio_id, uid, email);
    const char *rel = NULL;
    /* An invitation is for whoever owns the address: it waits until the
     * account has proven that it does. */
    if (row && !strcmp(or_empty(kj_jstr(row, "status")), "invited")) rel = kj_account_email_verified(db, uid) ? "invited" : NULL;
    else if (row) rel = !strcmp(or_empty(kj_jstr(row, "role")), "owner") ? "owner" : "member";
    json_decref(row);
    return rel;
}

json_t *kj_studio_roster(kj_db *db, const char *studio_id)
{
    json_t *rows = kj_db_rows(db, "SELECT m.email, m.user_id, u.name, m.role, m.status, m.created_at FROM studio_members m "
                                  "LEFT JOIN users u ON u.id = m.user_id WHERE m.studio_id = ? "
                                  "ORDER BY CASE m.role WHEN 'owner' THEN 0 ELSE 1 END, m.created_at, m.email", "s", studio_id);
    return rows ? rows : json_array();
}

json_t *kj_studio_list(kj_db *db, const char *region, const char *origin, int page, int per_page, int64_t *total)
{
    json_t *params = json_array();
    kj_buf where = { 0 };
    kj_buf_puts(&where, " WHERE 1 = 1");
    if (region && *region) {
        /* The region and everything under it, by the tree (ref/regions.h). */
        kj_buf_puts(&where, " AND s.region IN " KJ_REGION_SUBTREE_SQL);
        json_array_append_new(params, json_string(region));
    }
    kj_origin_filter_sql(&where, params, "s.origin", origin);   /* federation: local|remote|<instance id> */
    char sql[2048];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM studios s%s", where.data);
    *total = kj_db_int_j(db, 0, sql, params);
    snprintf(sql, sizeof sql,
             "SELECT s.id, s.origin, s.name, substr(s.intro, 1, 120) AS intro_excerpt, s.affiliation, s.region, s.avatar_id, "
             "s.created_at, (SELECT count(*) FROM studio_members m WHERE m.studio_id = s.id AND m.status = 'active') "
             "AS members FROM studios s%s ORDER BY s.created_at DESC, s.id DESC LIMIT ? OFFSET ?", where.data);
    kj_buf_free(&where);
    json_array_append_new(params, json_integer(per_page));
    json_array_append_new(params, json_integer((json_int_t)(page - 1) * per_page));
    json_t *rows = kj_db_rows_j(db, sql, params);
    json_decref(params);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) add_avatar_url(r);
    return rows;
}

json_t *kj_studio_mine(kj_db *db, json_t *user)
{
    json_t *studios = kj_db_rows(db, "SELECT s.id, s.name, m.role FROM studio_members m JOIN studios s ON s.id = m.studio_id "
                                     "WHERE m.user_id = ? AND m.status = 'active' ORDER BY s.name, s.id", "s", kj_user_id(user));
    json_t *invites = !kj_account_email_verified(db, kj_user_id(user)) ? json_array() :
                      kj_db_rows(db, "SELECT s.id, s.name, m.created_at AS invited_at FROM studio_members m "
                                     "JOIN studios s ON s.id = m.studio_id WHERE m.email = ? AND m.status = 'invited' "
                                     "ORDER BY m.created_at DESC", "s", kj_jstr(user, "email"));
    return json_pack("{s:o, s:o}", "studios", studios ? studios : json_array(),
                     "invitations", invites ? invites : json_array());
}

/* ---- membership ---- */

/* Trimmed, lower-cased address into out, or NULL when it is not one. */
static const char *normal_email(const char *in, char *out, size_t n)
{
    const char *s = or_empty(in);
    size_t len = strlen(s);
    trim(&s, &len);
    if (len >= n) return NULL;
    for (size_t i = 0; i < len; i++) out[i] = (char)tolower((unsigned char)s[i]);
    out[len] = 0;
    return kj_valid_email(out) ? out : NULL;
}

int kj_studio_invite(kj_db *db, json_t *user, const char *studio_id, const char *email, kj_err *e)
{
    int st = owner_check(db, user, studio_id, e);
    if (st) return st;
    char addr[256];
    if (!normal_email(email, addr, sizeof addr)) return refuse(e, KJ_E_INVALID, "email", "err.field.email");
    int rc = kj_db_exec(db, "INSERT INTO studio_members(studio_id, email, user_id, role, status, created_at) "
                            "VALUES (?,?,NULL,'member','invited',?) ON CONFLICT (studio_id, email) DO NOTHING",
                        "ssi", studio_id, addr, kj_now_ms());
    if (rc < 0) return refuse(e, KJ_E_INTERNAL, "form", "err.internal");
    if (rc == 0) return refuse(e, KJ_E_CONFLICT, "email", "err.studio.already_invited");
    /* Tell the invitee in the app if they already have an account; the
     * inviter learns nothing either way. */
    char *invitee = kj_db_text(db, "SELECT id FROM users WHERE email = ? AND email_verified_at IS NOT NULL", "s", addr);
    if (invitee) {
        char *name = kj_db_text(db, "SELECT name FROM studios WHERE id = ?", "s", studio_id);
        kj_notify(db, invitee, "studio_invite", name ? name : "", "/studios/mine");
        free(name);
        free(invitee);
    }
    return 0;
}

int kj_studio_remove(kj_db *db, json_t *user, const char *studio_id, const char *email, kj_err *e)
{
    int st = owner_check(db, user, studio_id, e);
    if (st) return st;
    char addr[256];
    if (!normal_email(email, addr, sizeof addr)) return refuse(e, KJ_E_NOT_FOUND, "email", "err.studio.not_member");
    char *role = kj_db_text(db, "SELECT role FROM studio_members WHERE studio_id = ? AND email = ?", "ss", studio_id, addr);
    if (!role) return refuse(e, KJ_E_NOT_FOUND, "email", "err.studio.not_member");
    bool owner = !strcmp(role, "owner");
    free(role);
    if (owner) return refuse(e, KJ_E_CONFLICT, "email", "err.studio.cannot_remove_owner");
    if (kj_db_exec(db, "DELETE FROM studio_members WHERE studio_id = ? AND email = ? AND role = 'member'",
                   "ss", studio_id, addr) < 0)
        return refuse(e, KJ_E_INTERNAL, "form", "err.internal");
    return 0;
}

int kj_studio_join(kj_db *db, json_t *user, const char *studio_id, kj_err *e)
{
    if (!kj_id_valid(studio_id) || !kj_db_int(db, 0, "SELECT count(*) FROM studios WHERE id = ?", "s", studio_id))
        return refuse(e, KJ_E_NOT_FOUND, "form", "err.not_found");
    if (!kj_studio_user_may_join(user)) return refuse(e, KJ_E_FORBIDDEN, "form", "err.studio.scientists_only");
    const char *rel = kj_studio_relation(db, studio_id, user);
    if (!rel && !kj_account_email_verified(db, kj_user_id(user)) &&
        kj_db_int(db, 0, "SELECT count(*) FROM studio_members WHERE studio_id = ? AND email = ? AND status = 'invited'",
                  "ss", studio_id, kj_jstr(user, "email")) > 0)
        return refuse(e, KJ_E_FORBIDDEN, "form", "err.email.unverified");
    if (rel && strcmp(rel, "invited")) return 0;        /* already in */
    if (!rel) return refuse(e, KJ_E_NOT_FOUND, "form", "err.studio.no_invitation");
    /* The address's ownership is part of the claim's own statement, so a
     * change between the check above and here cannot slip through. */
    int rc = kj_db_exec(db, "UPDATE studio_members SET user_id = ?, status = 'active' WHERE studio_id = ? AND email = ? "
                            "AND status = 'invited' AND EXISTS (SELECT 1 FROM users WHERE id = ? AND email = ? "
                            "AND email_verified_at IS NOT NULL)", "sssss", kj_user_id(user), studio_id, kj_jstr(user, "email"),
                        kj_user_id(user), kj_jstr(user, "email"));
    if (rc == 0) return refuse(e, KJ_E_FORBIDDEN, "form", "err.email.unverified");
    return rc < 0 ? refuse(e, KJ_E_INTERNAL, "form", "err.internal") : 0;
}

/* ---- avatar ---- */

int kj_studio_set_avatar(kj_db *db, json_t *user, const char *studio_id, const char *data_dir, size_t max_size,
                         const char *filename, const void *data, size_t size, kj_err *e)
{
    int st = owner_check(db, user, studio_id, e);
    if (st) return st;
    if (!data || !size) return refuse(e, KJ_E_INVALID, "avatar", "err.attach.empty");
    if (size > max_size) return refuse(e, KJ_E_TOO_LARGE, "avatar", "err.attach.too_large");
    kj_err why = { 0 };
    const char *mime = kj_attach_sniff(data, size, &why);
    if (!mime) return refuse(e, why.kind, "avatar", why.key);
    if (strncmp(mime, "image/", 6)) return refuse(e, KJ_E_INVALID, "avatar", "err.attach.not_image");
    char id[KJ_ID_LEN + 1];
    if (kj_attach_store(db, data_dir, max_size, kj_user_id(user), NULL, studio_id, filename, data, size, false, id, &why))
        return refuse(e, why.kind, "avatar", why.key);
    char *old = kj_db_text(db, "SELECT avatar_id FROM studios WHERE id = ?", "s", studio_id);
    if (kj_db_exec(db, "UPDATE studios SET avatar_id = ?, updated_at = ? WHERE id = ?", "sis", id, kj_now_ms(), studio_id) < 0) {
        kj_attach_delete(db, data_dir, id);
        free(old);
        return refuse(e, KJ_E_INTERNAL, "form", "err.internal");
    }
    if (old) kj_attach_delete(db, data_dir, old);
    free(old);
    return 0;
}

/* ---- public showcase ---- */

json_t *kj_studio_listings(kj_db *db, const char *studio_id)
{
    json_t *rows = kj_db_rows(db, "SELECT id, kind, title, summary, domain, region, published_at FROM listings "
                                  "WHERE studio_id = ? AND status = 'published' AND anonymous = 0 "
                                  "ORDER BY published_at DESC LIMIT 100", "s", studio_id);
    return rows ? rows : json_array();
}

json_t *kj_org_studios(kj_db *db, const char *org_id)
{
    json_t *rows = kj_db_rows(db, "SELECT s.id, s.name, s.region FROM studios s WHERE EXISTS (SELECT 1 FROM studio_members m "
                                  "JOIN users u ON u.id = m.user_id WHERE m.studio_id = s.id AND m.status = 'active' "
                                  "AND u.org_id = ? AND u.disabled = 0) ORDER BY s.name, s.id LIMIT 100", "s", org_id);
    return rows ? rows : json_array();
}

json_t *kj_org_listings(kj_db *db, const char *org_id)
{
    json_t *rows = kj_db_rows(db, "SELECT id, kind, title, summary, domain, region, published_at FROM listings "
                                  "WHERE org_id = ? AND status = 'published' AND anonymous = 0 "
                                  "ORDER BY published_at DESC LIMIT 100", "s", org_id);
    return rows ? rows : json_array();
}
