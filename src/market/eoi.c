/*
 * eoi.c — expressions of interest and the conversation threads they open.
 *
 * Rules: any signed-in user except the owner may express interest in a
 * published, current listing that is open for interest — once while an
 * earlier one is pending. The owner accepts (a thread opens and both see
 * each other's identity and contacts) or declines with a structured reason
 * the sender sees. Nobody else sees an EOI.
 */
#include "market/market.h"
#include "authz/authz.h"
#include "core/json_util.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/validate.h"
#include "notify/notify.h"
#include <stdio.h>
#include <string.h>

/* Every refusal: -1 with its kind and message in *fail. */
static int refuse(kj_err *fail, const char *key, kj_err_kind kind)
{
    return kj_err_set(fail, kind, key, NULL);
}

int kj_eoi_send(kj_db *db, json_t *user, const char *listing_id, const char *message, const char *related_id,
                char *id_out, kj_err *fail)
{
    /* Interest leads to a deal: residents express none (authz/authz.h). */
    if (!kj_authz_may_publish(user)) return refuse(fail, kj_authz_publish_refusal(user), KJ_E_FORBIDDEN);
    json_t *l = kj_listing_get(db, listing_id);
    if (!l) return refuse(fail, "err.not_found", KJ_E_NOT_FOUND);
    int rc = 0;
    char today[16];
    kj_format_date(kj_now_ms(), today, sizeof today);
    const char *uid = kj_jstr(user, "id");
    if (strcmp(kj_jstr(l, "status"), "published") || strcmp(kj_jstr(l, "valid_until"), today) < 0)
        rc = refuse(fail, strcmp(kj_jstr(l, "status"), "published") && strcmp(kj_jstr(l, "status"), "closed") &&
                    strcmp(kj_jstr(l, "status"), "expired") ? "err.not_found" : "err.eoi.not_live",
                    strcmp(kj_jstr(l, "status"), "published") && strcmp(kj_jstr(l, "status"), "closed") &&
                    strcmp(kj_jstr(l, "status"), "expired") ? KJ_E_NOT_FOUND : KJ_E_CONFLICT);
    else if (!json_integer_value(json_object_get(l, "open_for_interest")))
        rc = refuse(fail, "err.eoi.closed", KJ_E_CONFLICT);
    else if (kj_listing_is_owner(db, l, user))
        rc = refuse(fail, "err.eoi.own", KJ_E_CONFLICT);
    else if (!message || kj_utf8_chars(message, strlen(message)) < 5)
        rc = refuse(fail, "err.eoi.message", KJ_E_INVALID);
    else if (kj_utf8_chars(message, strlen(message)) > 2000)
        rc = refuse(fail, "err.field.too_long", KJ_E_INVALID);
    else if (kj_db_int(db, 0, "SELECT count(*) FROM eois WHERE listing_id = ? AND sender_id = ? AND status = 'pending'",
                       "ss", listing_id, uid) > 0)
        rc = refuse(fail, "err.eoi.duplicate", KJ_E_CONFLICT);
    else if (related_id && *related_id &&
             kj_db_int(db, 0, "SELECT count(*) FROM listings WHERE id = ? AND owner_id = ?", "ss", related_id, uid) == 0)
        rc = refuse(fail, "err.eoi.related", KJ_E_INVALID);
    if (rc == 0) {
        kj_id id = kj_id_new();
        char link[64];
        snprintf(link, sizeof link, "/eois/%s", id.s);
        if (kj_db_begin(db) ||
            kj_db_exec(db, "INSERT INTO eois(id, origin, listing_id, sender_id, message, related_id, status, created_at) "
                           "VALUES (?,?,?,?,?,?,'pending',?)", "ssssssi", id.s, kj_jstr(l, "origin"), listing_id, uid, message,
                       related_id && *related_id ? related_id : NULL, kj_now_ms()) < 0) {
            kj_db_rollback(db);
            rc = refuse(fail, "err.internal", KJ_E_INTERNAL);
        } else {
            kj_notify(db, kj_jstr(l, "owner_id"), "eoi_received", kj_jstr(l, "title"), link);
            if (kj_db_commit(db)) rc = refuse(fail, "err.internal", KJ_E_INTERNAL);
            else snprintf(id_out, KJ_ID_LEN + 1, "%s", id.s);
        }
    }
    json_decref(l);
    return rc;
}

#define EOI_COLUMNS \
    "e.id, e.listing_id, e.sender_id, e.message, e.related_id, e.status, e.decline_reason, e.decline_note, " \
    "e.created_at, e.decided_at, l.title AS listing_title, l.kind AS listing_kind, l.owner_id, l.anonymous, " \
    "t.id AS thread_id"

#define EOI_FROM " FROM eois e JOIN listings l ON l.id = e.listing_id LEFT JOIN threads t ON t.eoi_id = e.id"

/* Adds the counterpart's identity and contacts when the EOI is accepted;
 * before that the sender sees the listing as the public does, and the
 * owner sees the sender's name only. */
static void add_parties(kj_db *db, json_t *e, bool viewer_is_owner)
{
    bool accepted = !strcmp(kj_jstr(e, "status"), "accepted");
    json_t *sender = kj_db_row(db, "SELECT u.name, u.email, u.phone, o.name AS org_name, (CASE WHEN o.verified_at IS NULL THEN 'false' ELSE 'true' END) AS org_verified__json FROM users u "
                                   "LEFT JOIN orgs o ON o.id = u.org_id WHERE u.id = ?", "s", kj_jstr(e, "sender_id"));
    json_t *owner = kj_db_row(db, "SELECT u.name, u.email, u.phone, o.name AS org_name, (CASE WHEN o.verified_at IS NULL THEN 'false' ELSE 'true' END) AS org_verified__json, l.contact_name, l.contact_phone, "
                                  "l.contact_email FROM listings l JOIN users u ON u.id = l.owner_id "
                                  "LEFT JOIN orgs o ON o.id = l.org_id WHERE l.id = ?", "s", kj_jstr(e, "listing_id"));
    if (viewer_is_owner) {
        if (!accepted && sender) { json_object_del(sender, "email"); json_object_del(sender, "phone"); }
        json_object_set_new(e, "counterpart", sender ? sender : json_null());
        json_decref(owner);
    } else {
        if (!accepted || !owner) { json_decref(owner); owner = NULL; }
        json_object_set_new(e, "counterpart", owner ? owner : json_null());
        json_decref(sender);
    }
    json_object_del(e, viewer_is_owner ? "owner_id" : "sender_id");
    if (!viewer_is_owner) json_object_del(e, "owner_id");
}

json_t *kj_eoi_get(kj_db *db, json_t *user, const char *eoi_id)
{
    if (!kj_id_valid(eoi_id)) return NULL;
    json_t *e = kj_db_row(db, "SELECT " EOI_COLUMNS EOI_FROM " WHERE e.id = ?", "s", eoi_id);
    if (!e) return NULL;
    json_t *l = kj_listing_get(db, kj_jstr(e, "listing_id"));
    bool owner = kj_listing_is_owner(db, l, user);
    bool sender = !strcmp(kj_jstr(e, "sender_id"), kj_jstr(user, "id"));
    json_decref(l);
    if (!owner && !sender) { json_decref(e); return NULL; }
    json_object_set_new(e, "is_owner", json_boolean(owner));
    add_parties(db, e, owner);
    return e;
}

int kj_eoi_decide(kj_db *db, json_t *user, const char *eoi_id, bool accept, const char *reason,
                  const char *note, kj_err *fail)
{
    json_t *e = kj_id_valid(eoi_id) ? kj_db_row(db, "SELECT " EOI_COLUMNS EOI_FROM " WHERE e.id = ?", "s", eoi_id) : NULL;
    if (!e) return refuse(fail, "err.not_found", KJ_E_NOT_FOUND);
    json_t *l = kj_listing_get(db, kj_jstr(e, "listing_id"));
    int rc = 0;
    if (!kj_listing_is_owner(db, l, user)) {
        bool sender = !strcmp(kj_jstr(e, "sender_id"), kj_jstr(user, "id"));
        rc = refuse(fail, sender ? "err.auth.forbidden" : "err.not_found", sender ? KJ_E_FORBIDDEN : KJ_E_NOT_FOUND);
    } else if (strcmp(kj_jstr(e, "status"), "pending")) {
        rc = refuse(fail, "err.eoi.decided", KJ_E_CONFLICT);
    } else if (!accept) {
        bool known = false;
        for (const char *const *r = kj_decline_reasons; reason && *r; r++) if (!strcmp(*r, reason)) known = true;
        if (!known) rc = refuse(fail, "err.eoi.reason", KJ_E_INVALID);
        else if (note && kj_utf8_chars(note, strlen(note)) > 1000) rc = refuse(fail, "err.field.too_long", KJ_E_INVALID);
    }
    if (rc == 0) {
        int64_t now = kj_now_ms();
        char link[64];
        snprintf(link, sizeof link, "/eois/%s", eoi_id);
        int ok = kj_db_begin(db) == 0;
        if (ok && accept) {
            kj_id tid = kj_id_new();
            ok = kj_db_exec(db, "UPDATE eois SET status = 'accepted', decided_at = ? WHERE id = ?", "is", now, eoi_id) >= 0 &&
                 kj_db_exec(db, "INSERT INTO threads(id, origin, eoi_id, subject, created_at) VALUES (?,?,?,?,?)",
                            "ssssi", tid.s, kj_jstr(l, "origin"), eoi_id, kj_jstr(l, "title"), now) >= 0 &&
                 kj_db_exec(db, "INSERT INTO thread_members(thread_id, user_id) VALUES (?,?)", "ss", tid.s, kj_jstr(user, "id")) >= 0 &&
                 kj_db_exec(db, "INSERT INTO thread_members(thread_id, user_id) VALUES (?,?) ON CONFLICT DO NOTHING",
                            "ss", tid.s, kj_jstr(e, "sender_id")) >= 0;
            if (ok && strcmp(kj_jstr(user, "id"), kj_jstr(l, "owner_id")))
                ok = kj_db_exec(db, "INSERT INTO thread_members(thread_id, user_id) VALUES (?,?) ON CONFLICT DO NOTHING",
                                "ss", tid.s, kj_jstr(l, "owner_id")) >= 0;
            if (ok) kj_notify(db, kj_jstr(e, "sender_id"), "eoi_accepted", kj_jstr(l, "title"), link);
        } else if (ok) {
            ok = kj_db_exec(db, "UPDATE eois SET status = 'declined', decline_reason = ?, decline_note = ?, decided_at = ? "
                                "WHERE id = ?", "ssis", reason, note && *note ? note : NULL, now, eoi_id) >= 0;
            if (ok) kj_notify(db, kj_jstr(e, "sender_id"), "eoi_declined", kj_jstr(l, "title"), link);
        }
        if (!ok || kj_db_commit(db)) {
            kj_db_rollback(db);
            rc = refuse(fail, "err.internal", KJ_E_INTERNAL);
        }
    }
    json_decref(l);
    json_decref(e);
    return rc;
}

json_t *kj_eoi_lists(kj_db *db, json_t *user)
{
    const char *uid = kj_jstr(user, "id");
    json_t *received = kj_db_rows(db, "SELECT " EOI_COLUMNS ", u.name AS sender_name" EOI_FROM " JOIN users u ON u.id = e.sender_id "
                                      "WHERE l.owner_id = ? OR l.studio_id IN (SELECT studio_id FROM studio_members "
                                      "WHERE user_id = ? AND status = 'active') ORDER BY e.created_at DESC", "ss", uid, uid);
    json_t *sent = kj_db_rows(db, "SELECT " EOI_COLUMNS EOI_FROM " WHERE e.sender_id = ? ORDER BY e.created_at DESC", "s", uid);
    size_t i;
    json_t *r;
    json_array_foreach(sent, i, r) json_object_del(r, "owner_id");
    return json_pack("{s:o, s:o}", "received", received ? received : json_array(), "sent", sent ? sent : json_array());
}

/* ---- threads ---- */

static bool thread_member(kj_db *db, const char *thread_id, const char *user_id)
{
    return kj_id_valid(thread_id) &&
           kj_db_int(db, 0, "SELECT count(*) FROM thread_members WHERE thread_id = ? AND user_id = ?", "ss", thread_id, user_id) > 0;
}

bool kj_thread_is_member(kj_db *db, const char *thread_id, const char *user_id)
{
    return thread_id && user_id && thread_member(db, thread_id, user_id);
}

#define MSG_COLS "m.id, m.body, m.created_at, m.sender_id, u.name AS sender_name, (m.sender_id = ?) AS mine " \
                 "FROM messages m JOIN users u ON u.id = m.sender_id "

/* A page reads limit + 1 rows, newest first, to know whether an older page
 * exists; a long thread is then never read (nor sent) whole — there is
 * deliberately no "every message" reader. */
static json_t *thread_read(kj_db *db, json_t *user, const char *thread_id, const char *before, int limit)
{
    const char *uid = kj_jstr(user, "id");
    if (!thread_member(db, thread_id, uid)) return NULL;
    json_t *t = kj_db_row(db, "SELECT t.id, t.subject, t.eoi_id, t.created_at, e.listing_id FROM threads t "
                              "LEFT JOIN eois e ON e.id = t.eoi_id WHERE t.id = ?", "s", thread_id);
    if (!t) return NULL;
    json_t *msgs;
    if (!before)
        msgs = kj_db_rows(db, "SELECT " MSG_COLS "WHERE m.thread_id = ? ORDER BY m.created_at DESC, m.id DESC LIMIT ?",
                          "ssi", uid, thread_id, (int64_t)limit + 1);
    else
        msgs = kj_db_rows(db, "SELECT " MSG_COLS "WHERE m.thread_id = ? AND (m.created_at, m.id) < "
                              "(SELECT c.created_at, c.id FROM messages c WHERE c.id = ? AND c.thread_id = ?) "
                              "ORDER BY m.created_at DESC, m.id DESC LIMIT ?",
                          "ssssi", uid, thread_id, before, thread_id, (int64_t)limit + 1);
    if (!msgs) msgs = json_array();
    bool more = json_array_size(msgs) > (size_t)limit;
    if (more) json_array_remove(msgs, (size_t)limit);
    /* Newest first from the query; the page reads oldest first. */
    json_t *asc = json_array();
    for (size_t k = json_array_size(msgs); k-- > 0;) json_array_append(asc, json_array_get(msgs, k));
    json_decref(msgs);
    msgs = asc;
    json_object_set_new(t, "older", more ? json_string(kj_jstr(json_array_get(msgs, 0), "id")) : json_null());
    json_t *members = kj_db_rows(db, "SELECT u.id, u.name, tm.last_read_at FROM thread_members tm JOIN users u ON u.id = tm.user_id "
                                     "WHERE tm.thread_id = ?", "s", thread_id);
    /* Read marks: a message is read by the others once their last_read_at passes it. */
    size_t i, j;
    json_t *m, *mem;
    json_array_foreach(msgs, i, m) {
        json_object_set_new(m, "mine", json_boolean(json_integer_value(json_object_get(m, "mine"))));
        bool read = false;
        json_array_foreach(members, j, mem)
            if (strcmp(kj_jstr(mem, "id"), kj_jstr(m, "sender_id")) &&
                json_integer_value(json_object_get(mem, "last_read_at")) >= json_integer_value(json_object_get(m, "created_at")))
                read = true;
        json_object_set_new(m, "read_by_other", json_boolean(read));
    }
    /* Best effort: a lost read mark only shows the messages as unread once more. */
    kj_db_exec_optional(db, "read mark", "UPDATE thread_members SET last_read_at = ? WHERE thread_id = ? AND user_id = ?", "iss",
                        kj_now_ms(), thread_id, uid);
    json_object_set_new(t, "messages", msgs);
    json_object_set_new(t, "members", members ? members : json_array());
    return t;
}

json_t *kj_thread_page(kj_db *db, json_t *user, const char *thread_id, const char *before, int limit)
{
    if (limit < 1) limit = 1;
    if (limit > 200) limit = 200;
    return thread_read(db, user, thread_id, before, limit);
}

json_t *kj_thread_message(kj_db *db, json_t *user, const char *message_id)
{
    const char *uid = kj_jstr(user, "id");
    if (!kj_id_valid(message_id)) return NULL;
    json_t *m = kj_db_row(db, "SELECT " MSG_COLS "JOIN thread_members tm ON tm.thread_id = m.thread_id AND tm.user_id = ? "
                              "WHERE m.id = ?", "sss", uid, uid, message_id);
    if (m) json_object_set_new(m, "mine", json_boolean(json_integer_value(json_object_get(m, "mine"))));
    return m;
}

int kj_thread_post(kj_db *db, json_t *user, const char *thread_id, const char *body, char *id_out,
                   kj_err *fail)
{
    const char *uid = kj_jstr(user, "id");
    if (!thread_member(db, thread_id, uid)) return refuse(fail, "err.not_found", KJ_E_NOT_FOUND);
    if (!body || !*body) return refuse(fail, "err.field.required", KJ_E_INVALID);
    if (kj_utf8_chars(body, strlen(body)) > 5000) return refuse(fail, "err.field.too_long", KJ_E_INVALID);
    kj_id id = kj_id_new();
    int64_t now = kj_now_ms();
    if (kj_db_exec(db, "INSERT INTO messages(id, origin, thread_id, sender_id, body, created_at) "
                       "SELECT ?, origin, ?, ?, ?, ? FROM threads WHERE id = ?", "ssssis", id.s, thread_id, uid, body, now, thread_id) < 1)
        return refuse(fail, "err.internal", KJ_E_INTERNAL);
    /* Best effort: the message is saved; a lost read mark only shows the thread as unread. */
    kj_db_exec_optional(db, "read mark", "UPDATE thread_members SET last_read_at = ? WHERE thread_id = ? AND user_id = ?", "iss",
                        now, thread_id, uid);
    if (id_out) memcpy(id_out, id.s, KJ_ID_LEN + 1);
    return 0;
}

json_t *kj_thread_list(kj_db *db, json_t *user)
{
    const char *uid = kj_jstr(user, "id");
    json_t *rows = kj_db_rows(db, "SELECT t.id, t.subject, t.created_at, "
                                  "(SELECT count(*) FROM messages m WHERE m.thread_id = t.id AND m.sender_id <> ? "
                                  " AND m.created_at > tm.last_read_at) AS unread, "
                                  "(SELECT max(created_at) FROM messages m WHERE m.thread_id = t.id) AS last_message_at "
                                  "FROM threads t JOIN thread_members tm ON tm.thread_id = t.id AND tm.user_id = ? "
                                  /* The expression again: PostgreSQL orders by an output
                                   * column's name only alone, not inside an expression. */
                                  "ORDER BY coalesce((SELECT max(created_at) FROM messages m WHERE m.thread_id = t.id), "
                                  "t.created_at) DESC", "ss", uid, uid);
    return rows ? rows : json_array();
}
