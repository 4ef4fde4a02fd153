/*
 * inbox.c — expressions of interest that cross between instances (fed.h).
 *
 * Asker's side: an EOI on a remote listing is an ordinary EOI here (the
 * listing's copy is held under the peer's account); the outbox delivers
 * it to the listing's origin — the message, and the sender's name and
 * organization as the asker shows them, nothing else — until taken.
 * Origin's side: the EOI arrives in the inbox and becomes an EOI of the
 * listing's owner, sent by an account standing for the remote asker
 * (never able to sign in); the owner decides as on any EOI, and the
 * decision goes back through the outbox, with what the owner reveals on
 * acceptance (the listing's contacts, as a local acceptance shows them).
 */
#include "fed/fed.h"
#include "fed/fed_int.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "core/validate.h"
#include "market/market.h"
#include "notify/notify.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int refuse(kj_err *fail, kj_err_kind kind, const char *key) { return kj_err_set(fail, kind, key, NULL); }

json_t *kj_fed_outbox(kj_db *db, const char *peer_id, int limit)
{
    const kj_fed_self *me = kj_fed_self_get();
    json_t *out = json_array();
    if (!me) return out;
    json_t *eois = kj_db_rows(db,
        "SELECT e.id, e.listing_id, e.message, e.created_at, u.id AS sender_id, u.name AS sender_name, o.name AS org_name, "
        "p.id AS peer_id, p.url FROM eois e JOIN listings l ON l.id = e.listing_id "
        "JOIN fed_peers p ON p.instance_id = l.origin JOIN users u ON u.id = e.sender_id LEFT JOIN orgs o ON o.id = u.org_id "
        "LEFT JOIN fed_eois f ON f.eoi_id = e.id "
        "WHERE l.origin <> ? AND p.state <> 'suspended' AND e.status = 'pending' AND f.delivered_at IS NULL "
        "AND p.id = ? ORDER BY e.created_at LIMIT ?", "ssi", me->instance_id, peer_id, (int64_t)limit);
    size_t i;
    json_t *e;
    json_array_foreach(eois, i, e) {
        json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s?}, s:s}", "type", "eoi", "id", kj_jstr(e, "id"),
                                 "listing_id", kj_jstr(e, "listing_id"), "message", kj_jstr_or_empty(e, "message"),
                                 "sender", "id", kj_jstr(e, "sender_id"), "name", kj_jstr_or_empty(e, "sender_name"),
                                 "org_name", kj_jstr(e, "org_name"), "origin", me->instance_id);
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:o}", "kind", "eoi", "peer_id", kj_jstr(e, "peer_id"),
                                             "url", kj_jstr(e, "url"), "eoi_id", kj_jstr(e, "id"), "body", body));
    }
    json_decref(eois);
    json_t *decided = kj_db_rows(db,
        "SELECT e.id, e.status, e.decline_reason, e.decline_note, f.peer_id, p.url, l.contact_name, l.contact_phone, "
        "l.contact_email, ou.name AS owner_name, og.name AS org_name FROM fed_eois f JOIN eois e ON e.id = f.eoi_id "
        "JOIN fed_peers p ON p.id = f.peer_id JOIN listings l ON l.id = e.listing_id JOIN users ou ON ou.id = l.owner_id "
        "LEFT JOIN orgs og ON og.id = l.org_id "
        "WHERE f.direction = 'in' AND f.decided_sent_at IS NULL AND e.status IN ('accepted', 'declined') "
        "AND p.state <> 'suspended' AND p.id = ? ORDER BY e.decided_at LIMIT ?", "si", peer_id, (int64_t)limit);
    json_array_foreach(decided, i, e) {
        bool accepted = !strcmp(kj_jstr_or_empty(e, "status"), "accepted");
        json_t *body = json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "type", "eoi_decision", "id", kj_jstr(e, "id"),
                                 "status", kj_jstr(e, "status"), "decline_reason", kj_jstr(e, "decline_reason"),
                                 "decline_note", kj_jstr(e, "decline_note"));
        if (accepted)
            json_object_set_new(body, "reveal", json_pack("{s:s, s:s?, s:s, s:s, s:s}", "owner_name", kj_jstr_or_empty(e, "owner_name"),
                                                          "org_name", kj_jstr(e, "org_name"), "contact_name", kj_jstr_or_empty(e, "contact_name"),
                                                          "contact_phone", kj_jstr_or_empty(e, "contact_phone"),
                                                          "contact_email", kj_jstr_or_empty(e, "contact_email")));
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:o}", "kind", "eoi_decision", "peer_id", kj_jstr(e, "peer_id"),
                                             "url", kj_jstr(e, "url"), "eoi_id", kj_jstr(e, "id"), "body", body));
    }
    json_decref(decided);
    kj_fed_outbox_questions(db, peer_id, limit, out);
    return out;
}

void kj_fed_outbox_done(kj_db *db, const char *eoi_id, const char *peer_id, const char *kind, const char *error)
{
    int64_t now = kj_now_ms();
    if (!strcmp(kind, "question") || !strcmp(kind, "answer")) {
        kj_fed_outbox_question_done(db, kind, eoi_id, peer_id, error);
        return;
    }
    if (!strcmp(kind, "eoi")) {
        json_t *at = error ? json_null() : json_integer(now);
        kj_db_exec_optional(db, "federation outbox (retried while not delivered)",
                            "INSERT INTO fed_eois(eoi_id, peer_id, direction, delivered_at, attempts, last_error, created_at) "
                            "VALUES (?,?,'out',?,1,?,?) ON CONFLICT (eoi_id) DO UPDATE SET delivered_at = excluded.delivered_at, "
                            "attempts = fed_eois.attempts + 1, last_error = excluded.last_error",
                            "ssjsi", eoi_id, peer_id, at, error, now);
        json_decref(at);
    }
    else if (error)
        kj_db_exec_optional(db, "federation outbox (retried while not delivered)",
                            "UPDATE fed_eois SET attempts = attempts + 1, last_error = ? WHERE eoi_id = ?", "ss", error, eoi_id);
    else
        kj_db_exec_optional(db, "federation outbox (a decision sent twice is taken once)",
                            "UPDATE fed_eois SET decided_sent_at = ?, last_error = NULL WHERE eoi_id = ?", "is", now, eoi_id);
}

/* A text member of at most max characters (NULL when longer or not text). */
static const char *text(json_t *o, const char *k, size_t max)
{
    const char *s = kj_jstr(o, k);
    return s && kj_utf8_chars(s, strlen(s)) <= max && !strpbrk(s, "\r") ? s : NULL;
}

/* The account that stands here for a remote asker: one per (peer, remote
 * user), found again by its address; no password, disabled. */
int kj_fed_remote_sender(kj_db *db, json_t *peer, const char *remote_id, const char *name, const char *org, char *out)
{
    char email[128];
    snprintf(email, sizeof email, "r-%s-%s@federation.invalid", remote_id, kj_jstr(peer, "id"));
    for (char *p = email; *p; p++) if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    char *have = kj_db_text(db, "SELECT id FROM users WHERE email = ?", "s", email);
    char shown[256];
    snprintf(shown, sizeof shown, org && *org ? "%s（%s）" : "%s", name, org);
    int64_t now = kj_now_ms();
    int rc;
    if (have) {
        snprintf(out, KJ_ID_LEN + 1, "%s", have);
        free(have);
        rc = kj_db_exec(db, "UPDATE users SET name = ?, updated_at = ? WHERE id = ?", "sis", shown, now, out);
    } else {
        kj_id id = kj_id_new();
        snprintf(out, KJ_ID_LEN + 1, "%s", id.s);
        rc = kj_db_exec(db, "INSERT INTO users(id, origin, email, name, password_hash, role, disabled, created_at, updated_at) "
                            "VALUES (?,?,?,?,'!','org_member',1,?,?)", "ssssii", id.s, kj_jstr(peer, "instance_id"), email, shown, now, now);
    }
    return rc < 0 ? -1 : 0;
}

static int inbox_eoi(kj_db *db, json_t *peer, json_t *msg, kj_err *fail)
{
    const kj_fed_self *me = kj_fed_self_get();
    const char *id = kj_jstr(msg, "id"), *listing_id = kj_jstr(msg, "listing_id"), *message = text(msg, "message", 2000);
    json_t *sender = json_object_get(msg, "sender");
    const char *sid = kj_jstr(sender, "id"), *name = text(sender, "name", 60), *org = text(sender, "org_name", 100);
    if (!kj_id_valid(id) || !kj_id_valid(listing_id) || !message || kj_utf8_chars(message, strlen(message)) < 5 ||
        !kj_id_valid(sid) || !name || !*name || (kj_jstr(sender, "org_name") && !org))
        return refuse(fail, KJ_E_INVALID, "err.fed.bad_message");
    if (kj_db_begin(db)) return refuse(fail, KJ_E_INTERNAL, "err.internal");
    int rc = 0;
    json_t *held = kj_db_row(db, "SELECT peer_id FROM fed_eois WHERE eoi_id = ?", "s", id);
    json_t *l = kj_db_row(db, "SELECT id, origin, owner_id, title, status, open_for_interest, anonymous FROM listings WHERE id = ?",
                          "s", listing_id);
    char sender_id[KJ_ID_LEN + 1];
    if (held) {
        /* Delivered before (our answer was lost): taken once. */
        if (strcmp(kj_jstr_or_empty(held, "peer_id"), kj_jstr(peer, "id"))) rc = refuse(fail, KJ_E_CONFLICT, "err.fed.duplicate");
        kj_db_rollback(db);
    } else if (!l || strcmp(kj_jstr_or_empty(l, "origin"), me->instance_id) || strcmp(kj_jstr_or_empty(l, "status"), "published") ||
               json_integer_value(json_object_get(l, "anonymous"))) {
        kj_db_rollback(db);
        rc = refuse(fail, KJ_E_NOT_FOUND, "err.not_found");
    } else if (!json_integer_value(json_object_get(l, "open_for_interest"))) {
        kj_db_rollback(db);
        rc = refuse(fail, KJ_E_CONFLICT, "err.eoi.closed");
    } else if (kj_db_int(db, 0, "SELECT count(*) FROM eois WHERE id = ?", "s", id) > 0) {
        kj_db_rollback(db);
        rc = refuse(fail, KJ_E_CONFLICT, "err.fed.duplicate");
    } else {
        char link[64];
        snprintf(link, sizeof link, "/eois/%s", id);
        int64_t now = kj_now_ms();
        if (kj_fed_remote_sender(db, peer, sid, name, org, sender_id) ||
            kj_db_exec(db, "INSERT INTO eois(id, origin, listing_id, sender_id, message, status, created_at) VALUES (?,?,?,?,?,'pending',?)",
                       "sssssi", id, me->instance_id, listing_id, sender_id, message, now) < 0 ||
            kj_db_exec(db, "INSERT INTO fed_eois(eoi_id, peer_id, direction, created_at) VALUES (?,?,'in',?)", "ssi",
                       id, kj_jstr(peer, "id"), now) < 0 ||
            kj_notify(db, kj_jstr(l, "owner_id"), "eoi_received", kj_jstr(l, "title"), link) < 0 || kj_db_commit(db)) {
            kj_db_rollback(db);
            rc = refuse(fail, KJ_E_INTERNAL, "err.internal");
        }
    }
    json_decref(held);
    json_decref(l);
    return rc;
}

static int inbox_decision(kj_db *db, json_t *peer, json_t *msg, kj_err *fail)
{
    const char *id = kj_jstr(msg, "id"), *status = kj_jstr(msg, "status"), *reason = kj_jstr(msg, "decline_reason");
    const char *note = kj_jstr(msg, "decline_note");
    bool accepted = status && !strcmp(status, "accepted");
    if (!kj_id_valid(id) || (!accepted && (!status || strcmp(status, "declined"))) ||
        (!accepted && !kj_in_list(kj_decline_reasons, reason)) || (note && !text(msg, "decline_note", 1000)))
        return refuse(fail, KJ_E_INVALID, "err.fed.bad_message");
    json_t *reveal = NULL;
    if (accepted) {
        json_t *r = json_object_get(msg, "reveal");
        reveal = json_object();
        static const char *const keys[] = { "owner_name", "org_name", "contact_name", "contact_phone", "contact_email", NULL };
        for (const char *const *k = keys; *k; k++) {
            const char *v = text(r, *k, 100);
            if (v) json_object_set_new(reveal, *k, json_string(v));
        }
    }
    if (kj_db_begin(db)) { json_decref(reveal); return refuse(fail, KJ_E_INTERNAL, "err.internal"); }
    int rc = 0;
    /* Only the listing's origin decides on it. */
    json_t *e = kj_db_row(db, "SELECT e.status, e.sender_id, l.title, l.origin, f.peer_id FROM eois e JOIN listings l ON l.id = e.listing_id "
                              "JOIN fed_eois f ON f.eoi_id = e.id AND f.direction = 'out' WHERE e.id = ?", "s", id);
    if (!e || strcmp(kj_jstr_or_empty(e, "peer_id"), kj_jstr(peer, "id")) ||
        strcmp(kj_jstr_or_empty(e, "origin"), kj_jstr_or_empty(peer, "instance_id"))) {
        kj_db_rollback(db);
        if (e) kj_fed_event(db, kj_jstr(peer, "id"), "wrong_origin", "a decision on an EOI about another instance's listing");
        rc = refuse(fail, KJ_E_NOT_FOUND, "err.not_found");
    } else if (strcmp(kj_jstr_or_empty(e, "status"), "pending")) {
        kj_db_rollback(db);   /* decided before: taken once */
    } else {
        char link[64];
        snprintf(link, sizeof link, "/eois/%s", id);
        int64_t now = kj_now_ms();
        if (kj_db_exec(db, "UPDATE eois SET status = ?, decline_reason = ?, decline_note = ?, decided_at = ? WHERE id = ?",
                       "sssis", accepted ? "accepted" : "declined", accepted ? NULL : reason, accepted ? NULL : note, now, id) < 0 ||
            kj_db_exec(db, "UPDATE fed_eois SET reveal = ? WHERE eoi_id = ?", "js", reveal ? reveal : json_null(), id) < 0 ||
            kj_notify(db, kj_jstr(e, "sender_id"), accepted ? "eoi_accepted" : "eoi_declined", kj_jstr(e, "title"), link) < 0 ||
            kj_db_commit(db)) {
            kj_db_rollback(db);
            rc = refuse(fail, KJ_E_INTERNAL, "err.internal");
        }
    }
    json_decref(e);
    json_decref(reveal);
    return rc;
}

int kj_fed_inbox(kj_db *db, json_t *peer, json_t *msg, kj_err *fail)
{
    const char *type = kj_jstr(msg, "type");
    if (!kj_jstr(peer, "instance_id")) return refuse(fail, KJ_E_CONFLICT, "err.fed.not_ready");
    if (type && !strcmp(type, "eoi")) return inbox_eoi(db, peer, msg, fail);
    if (type && !strcmp(type, "eoi_decision")) return inbox_decision(db, peer, msg, fail);
    if (type && !strcmp(type, "question")) return kj_fed_inbox_question(db, peer, msg, fail);
    if (type && !strcmp(type, "answer")) return kj_fed_inbox_answer(db, peer, msg, fail);
    return refuse(fail, KJ_E_INVALID, "err.fed.bad_message");
}

void kj_fed_eoi_view(kj_db *db, json_t *e)
{
    const char *id = kj_jstr(e, "id");
    if (!kj_id_valid(id) || json_is_true(json_object_get(e, "is_owner"))) return;
    /* Known as remote by its listing's origin, before the outbox delivered it too. */
    json_t *r = kj_db_row(db, "SELECT f.reveal AS reveal__json, f.delivered_at, p.name_zh AS name, p.name_en, p.url "
                              "FROM eois e JOIN listings l ON l.id = e.listing_id JOIN fed_peers p ON p.instance_id = l.origin "
                              "LEFT JOIN fed_eois f ON f.eoi_id = e.id AND f.direction = 'out' WHERE e.id = ?", "s", id);
    if (!r) return;
    json_t *reveal = json_object_get(r, "reveal");
    if (json_is_object(reveal) && !strcmp(kj_jstr_or_empty(e, "status"), "accepted"))
        json_object_set_new(e, "counterpart", json_pack("{s:s, s:s?, s:s, s:s, s:s}", "name", kj_jstr_or_empty(reveal, "owner_name"),
                                                        "org_name", kj_jstr(reveal, "org_name"), "contact_name", kj_jstr_or_empty(reveal, "contact_name"),
                                                        "contact_phone", kj_jstr_or_empty(reveal, "contact_phone"),
                                                        "contact_email", kj_jstr_or_empty(reveal, "contact_email")));
    json_object_set_new(e, "remote", r);
}
