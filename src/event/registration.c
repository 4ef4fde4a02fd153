/* registration.c — registrations, tickets and check-in, showcased
 * listings, the participants' directory and suggestions of whom to meet
 * (see event.h). */
#include "event/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include "account/account.h"
#include "authz/authz.h"
#include "core/clock.h"
#include "core/country.h"
#include "core/id.h"
#include "core/json_util.h"
#include "core/validate.h"
#include "search/search.h"

static size_t chars(const char *s) { return s ? kj_utf8_chars(s, strlen(s)) : 0; }

/* A ticket code: 10 characters of an alphabet without look-alikes (no
 * 0/O, 1/I/L), 50 random bits: typed by staff when a camera fails. */
static void ticket_code(char out[11])
{
    static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";   /* 31 */
    unsigned char r[10];
    kj_random_bytes(r, sizeof r);
    for (int i = 0; i < 10; i++) out[i] = alphabet[r[i] % 31];
    out[10] = 0;
}

/* Normalizes a typed code: upper case, spaces and dashes dropped. */
static void normalize_code(const char *in, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = in ? in : ""; *p && k + 1 < n; p++) {
        if (*p == ' ' || *p == '-') continue;
        out[k++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : *p;
    }
    out[k] = 0;
}

/* Checks the answers against the event's questions; returns the answers
 * to keep (strings, ≤ 1000 characters each) or NULL with e. */
static json_t *check_answers(json_t *ev, json_t *answers, kj_err *e)
{
    json_t *out = json_object();
    size_t i;
    json_t *q;
    json_array_foreach(json_object_get(ev, "questions"), i, q) {
        const char *qid = kj_jstr(q, "id");
        const char *a = kj_jstr(answers, qid);
        if (chars(a) > 1000) { json_decref(out); kj_err_set(e, KJ_E_INVALID, "err.field.too_long", "answers"); return NULL; }
        if (json_is_true(json_object_get(q, "required")) && (!a || !*a)) {
            json_decref(out);
            kj_err_set(e, KJ_E_INVALID, "err.event.answer_required", "answers");
            e->arg = qid;
            return NULL;
        }
        if (a && *a) json_object_set_new(out, qid, json_string(a));
    }
    return out;
}

/* The chosen sections must be the event's. */
static json_t *check_sections(kj_db *db, const char *event_id, json_t *sections, kj_err *e)
{
    json_t *out = json_array();
    if (!sections || json_is_null(sections)) return out;
    if (!json_is_array(sections) || json_array_size(sections) > 20) goto refuse;
    size_t i;
    json_t *s;
    json_array_foreach(sections, i, s) {
        const char *sid = json_string_value(s);
        if (!sid || !*sid) continue;
        if (!kj_id_valid(sid) || !kj_db_int(db, 0, "SELECT count(*) FROM event_sections WHERE id = ? AND event_id = ?", "ss", sid, event_id))
            goto refuse;
        json_array_append_new(out, json_string(sid));
    }
    return out;
refuse:
    json_decref(out);
    kj_err_set(e, KJ_E_INVALID, "err.event.section", "sections");
    return NULL;
}

int kj_event_register(kj_db *db, json_t *user, const char *event_id, json_t *in, char *id_out, kj_err *e)
{
    const char *uid = kj_user_id(user), *country = kj_jstr(in, "country"), *org_name = kj_jstr(in, "org_name");
    if (!uid) return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    if (!country || !kj_country_valid(country)) return kj_err_set(e, KJ_E_INVALID, "err.event.country", "country");
    if (chars(org_name) > 100) return kj_err_set(e, KJ_E_INVALID, "err.field.too_long", "org_name");
    /* The language tag the handler took from the request (a loaded
     * catalog's tag: letters and '-', short). */
    const char *lang = kj_jstr(in, "lang");
    bool lang_ok = lang && *lang && strlen(lang) <= 16;
    for (const char *p = lang; lang_ok && *p; p++) lang_ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-';
    if (!lang_ok) lang = "zh-CN";
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    int rc = -1;
    json_t *ev = kj_ev_load(db, event_id), *answers = NULL, *sections = NULL, *prev = NULL;
    if (!ev || ev_same(kj_jstr(ev, "state"), "draft")) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); goto out; }
    if (!ev_same(kj_jstr(ev, "state"), "published") || !ev_int(ev, "reg_open", 0) || ev_int(ev, "ends_at", 0) < kj_now_ms()) {
        kj_err_set(e, KJ_E_CONFLICT, "err.event.reg_closed", NULL);
        goto out;
    }
    prev = kj_db_row(db, "SELECT id, state FROM event_registrations WHERE event_id = ? AND user_id = ?", "ss", event_id, uid);
    if (prev && !ev_same(kj_jstr(prev, "state"), "cancelled")) { kj_err_set(e, KJ_E_CONFLICT, "err.event.registered", NULL); goto out; }
    int64_t cap = ev_int(ev, "capacity", 0);
    if (cap > 0 && kj_db_int(db, 0, "SELECT count(*) FROM event_registrations WHERE event_id = ? AND state IN ('pending','approved','checked_in')",
                             "s", event_id) >= cap) {
        kj_err_set(e, KJ_E_CONFLICT, "err.event.full", NULL);
        goto out;
    }
    if (!(answers = check_answers(ev, json_object_get(in, "answers"), e))) goto out;
    if (!(sections = check_sections(db, event_id, json_object_get(in, "sections"), e))) goto out;
    bool automatic = ev_same(kj_jstr(ev, "approval"), "auto");
    char code[11];
    ticket_code(code);
    int64_t now = kj_now_ms();
    const char *org = org_name && *org_name ? org_name : kj_jstr_or_empty(user, "org_name");
    kj_id id = kj_id_new();
    const char *rid = prev ? kj_jstr(prev, "id") : id.s;
    int w = prev ? kj_db_exec(db, "UPDATE event_registrations SET state = ?, org_name = ?, country = ?, answers__json = ?, "
                                  "sections__json = ?, ticket_code = ?, checked_in_at = NULL, checked_in_by = NULL, lang = ?, updated_at = ? "
                                  "WHERE id = ? AND state = 'cancelled'", "sssjjssis",
                              automatic ? "approved" : "pending", org, country, answers, sections, automatic ? code : NULL, lang, now, rid)
                 : kj_db_exec(db, "INSERT INTO event_registrations(id, event_id, user_id, state, org_name, country, answers__json, "
                                  "sections__json, ticket_code, lang, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                              "ssssssjjssii", id.s, event_id, uid, automatic ? "approved" : "pending", org, country, answers,
                              sections, automatic ? code : NULL, lang, now, now);
    if (w != 1) {
        /* Two registrations at once: the unique pair refuses the second. */
        kj_err_set(e, w == KJ_DB_CONSTRAINT ? KJ_E_CONFLICT : KJ_E_INTERNAL, w == KJ_DB_CONSTRAINT ? "err.event.registered" : "err.internal", NULL);
        goto out;
    }
    char link[80];
    snprintf(link, sizeof link, "/events/%s", event_id);
    if (kj_ev_tell(db, ev, uid, automatic ? "event_registered" : "event_reg_pending", NULL, automatic ? "mail.event.ticket" : NULL, NULL,
                   NULL, link) ||
        kj_db_commit(db)) {
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    memcpy(id_out, rid, KJ_ID_LEN + 1);
    rc = 0;
out:
    if (rc) kj_db_rollback(db);
    json_decref(ev);
    json_decref(answers);
    json_decref(sections);
    json_decref(prev);
    return rc;
}

int kj_event_reg_act(kj_db *db, json_t *user, const char *reg_id, const char *action, kj_err *e)
{
    if (!kj_user_id(user)) return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    if (!reg_id || !kj_id_valid(reg_id)) return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    int rc = -1;
    json_t *reg = kj_db_row(db, "SELECT id, event_id, user_id, state FROM event_registrations WHERE id = ?", "s", reg_id);
    json_t *ev = reg ? kj_ev_load(db, kj_jstr(reg, "event_id")) : NULL, *actor = kj_user_get(db, kj_user_id(user));
    int roles = 0;
    if (kj_event_is_organizer(actor, ev)) roles |= kj_ev_role("organizer");
    if (reg && ev_same(kj_jstr(reg, "user_id"), kj_user_id(actor))) roles |= kj_ev_role("participant");
    const kj_transition *row = NULL;
    if (!reg || !ev) kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    else if (!roles) {
        if (kj_authz_is_operator(actor)) kj_err_set(e, KJ_E_FORBIDDEN, "err.event.other_center", NULL);
        else kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    } else if ((row = kj_ev_transition("registrations", action, kj_jstr(reg, "state"), roles, "err.event.reg_state", e))) {
        if (ev_same(action, "check_in")) { kj_err_set(e, KJ_E_BAD_REQUEST, "err.event.use_checkins", "action"); goto out; }
        char code[11];
        ticket_code(code);
        bool approve = ev_same(action, "approve");
        if (kj_db_exec(db, "UPDATE event_registrations SET state = ?, ticket_code = CASE WHEN ? = 1 THEN ? ELSE ticket_code END, "
                           "updated_at = ? WHERE id = ? AND state = ?", "sbsiss", row->to, approve, code, kj_now_ms(), reg_id,
                       row->from) != 1) {
            kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
            goto out;
        }
        if (ev_same(action, "cancel") && kj_ev_cancel_meetings_of(db, ev, kj_jstr(reg, "user_id"))) {
            kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
            goto out;
        }
        char link[80];
        snprintf(link, sizeof link, "/events/%s", kj_jstr(ev, "id"));
        if (!ev_same(kj_jstr(reg, "user_id"), kj_user_id(actor)) &&
            kj_ev_tell(db, ev, kj_jstr(reg, "user_id"), approve ? "event_reg_approved" : ev_same(action, "decline") ? "event_reg_declined"
                                                                                                                   : "event_reg_cancelled",
                       NULL, approve ? "mail.event.ticket" : NULL, NULL, NULL, link)) {
            kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
            goto out;
        }
        if (kj_db_commit(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
        rc = 0;
    }
out:
    if (rc) kj_db_rollback(db);
    json_decref(reg);
    json_decref(ev);
    json_decref(actor);
    return rc;
}

/* The event when user organizes it; else NULL with e (NOT_FOUND for a
 * draft or no event, FORBIDDEN otherwise). */
static json_t *organized(kj_db *db, json_t *user, const char *event_id, kj_err *e)
{
    json_t *ev = kj_ev_load(db, event_id);
    if (!ev) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); return NULL; }
    if (kj_event_is_organizer(user, ev)) return ev;
    if (ev_same(kj_jstr(ev, "state"), "draft")) kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    else kj_ev_refuse_manage(user, e);
    json_decref(ev);
    return NULL;
}

json_t *kj_event_registrations(kj_db *db, json_t *user, const char *event_id, kj_err *e)
{
    json_t *ev = organized(db, user, event_id, e);
    if (!ev) return NULL;
    json_decref(ev);
    json_t *rows = kj_db_rows(db, "SELECT r.id, r.user_id, u.name, u.email, r.org_name, r.country, r.state, r.checked_in_at, "
                                  "r.created_at, r.answers__json, r.sections__json FROM event_registrations r "
                                  "JOIN users u ON u.id = r.user_id WHERE r.event_id = ? ORDER BY r.created_at, r.id", "s", event_id);
    return rows ? rows : json_array();
}

json_t *kj_event_my_registration(kj_db *db, json_t *user, const char *event_id)
{
    if (!kj_user_id(user) || !event_id) return NULL;
    json_t *r = kj_db_row(db, "SELECT id, state, org_name, country, ticket_code, checked_in_at, publish_results, created_at, "
                              "answers__json, sections__json FROM event_registrations WHERE event_id = ? AND user_id = ?",
                          "ss", event_id, kj_user_id(user));
    if (r) {
        json_object_set_new(r, "actions", kj_ev_actions("registrations", kj_jstr(r, "state"), kj_ev_role("participant")));
        json_t *show = kj_db_rows(db, "SELECT listing_id FROM event_showcase WHERE event_id = ? AND user_id = ?", "ss", event_id,
                                  kj_user_id(user));
        json_t *ids = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(show, i, x) json_array_append(ids, json_object_get(x, "listing_id"));
        json_decref(show);
        json_object_set_new(r, "showcase", ids);
    }
    return r;
}

int kj_event_checkin(kj_db *db, json_t *user, const char *event_id, const char *code, json_t **who, kj_err *e)
{
    char norm[32];
    normalize_code(code, norm, sizeof norm);
    if (!*norm) return kj_err_set(e, KJ_E_INVALID, "err.field.required", "code");
    if (!kj_user_id(user)) return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    int rc = -1;
    json_t *actor = kj_user_get(db, kj_user_id(user)), *ev = organized(db, actor, event_id, e), *reg = NULL;
    if (!ev) goto out;
    reg = kj_db_row(db, "SELECT r.id, r.event_id, r.user_id, r.state, r.org_name, r.country, u.name FROM event_registrations r "
                        "JOIN users u ON u.id = r.user_id WHERE r.ticket_code = ?", "s", norm);
    if (!reg) { kj_err_set(e, KJ_E_NOT_FOUND, "err.event.ticket_unknown", "code"); goto out; }
    if (!ev_same(kj_jstr(reg, "event_id"), event_id)) { kj_err_set(e, KJ_E_CONFLICT, "err.event.ticket_other_event", "code"); goto out; }
    if (ev_same(kj_jstr(reg, "state"), "checked_in")) { kj_err_set(e, KJ_E_CONFLICT, "err.event.checked_in_twice", "code"); goto out; }
    if (!kj_ev_transition("registrations", "check_in", kj_jstr(reg, "state"), kj_ev_role("organizer"), "err.event.ticket_not_valid", e))
        goto out;
    int64_t now = kj_now_ms();
    if (kj_db_exec(db, "UPDATE event_registrations SET state = 'checked_in', checked_in_at = ?, checked_in_by = ?, updated_at = ? "
                       "WHERE id = ? AND state = 'approved'", "isis", now, kj_user_id(actor), now, kj_jstr(reg, "id")) != 1 ||
        kj_db_commit(db)) {
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    json_object_set_new(reg, "state", json_string("checked_in"));
    json_object_set_new(reg, "checked_in_at", json_integer(now));
    if (who) *who = json_incref(reg);
    rc = 0;
out:
    if (rc) kj_db_rollback(db);
    json_decref(actor);
    json_decref(ev);
    json_decref(reg);
    return rc;
}

int kj_event_showcase_set(kj_db *db, json_t *user, const char *event_id, json_t *listing_ids, kj_err *e)
{
    const char *uid = kj_user_id(user);
    if (!uid) return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    if (listing_ids && !json_is_array(listing_ids)) return kj_err_set(e, KJ_E_INVALID, "err.event.showcase", "listings");
    if (json_array_size(listing_ids) > 10) return kj_err_set(e, KJ_E_INVALID, "err.event.showcase_many", "listings");
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    int rc = -1;
    json_t *reg = kj_db_row(db, "SELECT id FROM event_registrations WHERE event_id = ? AND user_id = ? "
                                "AND state IN ('pending','approved','checked_in')", "ss", event_id, uid);
    if (!reg) { kj_err_set(e, KJ_E_FORBIDDEN, "err.event.not_registered", NULL); goto out; }
    if (kj_db_exec(db, "DELETE FROM event_showcase WHERE event_id = ? AND user_id = ?", "ss", event_id, uid) < 0) {
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    size_t i;
    json_t *x;
    json_array_foreach(listing_ids, i, x) {
        const char *lid = json_string_value(x);
        if (!lid || !kj_id_valid(lid) ||
            !kj_db_int(db, 0, "SELECT count(*) FROM listings WHERE id = ? AND owner_id = ? AND status = 'published'", "ss", lid, uid)) {
            kj_err_set(e, KJ_E_INVALID, "err.event.showcase", "listings");
            goto out;
        }
        if (kj_db_exec(db, "INSERT INTO event_showcase(event_id, user_id, listing_id) VALUES (?,?,?) "
                           "ON CONFLICT (event_id, user_id, listing_id) DO NOTHING", "sss", event_id, uid, lid) < 0) {
            kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
            goto out;
        }
    }
    if (kj_db_commit(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    rc = 0;
out:
    if (rc) kj_db_rollback(db);
    json_decref(reg);
    return rc;
}

/* May user look at the participants of ev? Organizers, and registered
 * participants (approved or checked in). */
static bool sees_participants(kj_db *db, json_t *user, json_t *ev)
{
    if (kj_event_is_organizer(user, ev)) return true;
    json_t *r = kj_ev_active_reg(db, kj_jstr(ev, "id"), kj_user_id(user));
    json_decref(r);
    return r != NULL;
}

json_t *kj_event_participants(kj_db *db, json_t *user, const char *event_id, kj_err *e)
{
    json_t *ev = kj_ev_load(db, event_id);
    if (!ev || (ev_same(kj_jstr(ev, "state"), "draft") && !kj_event_is_organizer(user, ev))) {
        json_decref(ev);
        kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
        return NULL;
    }
    if (!sees_participants(db, user, ev)) {
        json_decref(ev);
        kj_err_set(e, KJ_E_FORBIDDEN, "err.event.not_registered", NULL);
        return NULL;
    }
    json_decref(ev);
    json_t *people = kj_db_rows(db, "SELECT r.user_id, u.name, r.org_name, r.country FROM event_registrations r "
                                    "JOIN users u ON u.id = r.user_id WHERE r.event_id = ? AND r.state IN ('approved','checked_in') "
                                    "AND r.user_id <> ? ORDER BY u.name, r.user_id", "ss", event_id, kj_user_id(user) ? kj_user_id(user) : "");
    json_t *shown = kj_db_rows(db, "SELECT s.user_id, l.id, l.title, l.kind, l.domain FROM event_showcase s "
                                   "JOIN listings l ON l.id = s.listing_id WHERE s.event_id = ? AND l.status = 'published' "
                                   "ORDER BY l.title", "s", event_id);
    size_t i, j;
    json_t *p, *l;
    json_array_foreach(people, i, p) {
        json_t *mine = json_array();
        json_array_foreach(shown, j, l) if (ev_same(kj_jstr(l, "user_id"), kj_jstr(p, "user_id")))
            json_array_append_new(mine, json_pack("{s:O, s:O, s:O, s:O}", "id", json_object_get(l, "id"), "title",
                                                  json_object_get(l, "title"), "kind", json_object_get(l, "kind"), "domain",
                                                  json_object_get(l, "domain")));
        json_object_set_new(p, "listings", mine);
    }
    json_decref(shown);
    return people ? people : json_array();
}

/* user's listings for matching at the event: those shown there, else all
 * their published ones. */
static json_t *my_listings(kj_db *db, const char *event_id, const char *uid)
{
    json_t *rows = kj_db_rows(db, "SELECT l.id, l.title FROM event_showcase s JOIN listings l ON l.id = s.listing_id "
                                  "WHERE s.event_id = ? AND s.user_id = ? AND l.status = 'published'", "ss", event_id, uid);
    if (rows && json_array_size(rows)) return rows;
    json_decref(rows);
    rows = kj_db_rows(db, "SELECT id, title FROM listings WHERE owner_id = ? AND status = 'published' ORDER BY id DESC LIMIT 20", "s", uid);
    return rows ? rows : json_array();
}

json_t *kj_event_suggestions(kj_db *db, json_t *user, const char *event_id, int limit)
{
    json_t *out = json_array();
    const char *uid = kj_user_id(user);
    json_t *reg = kj_ev_active_reg(db, event_id, uid);
    if (!reg) return out;
    json_decref(reg);
    /* Every other participant's published listing, to recognise matches. */
    json_t *theirs = kj_db_rows(db, "SELECT l.id, l.title, l.kind, l.owner_id, u.name, r.org_name, r.country FROM listings l "
                                    "JOIN event_registrations r ON r.user_id = l.owner_id AND r.event_id = ? "
                                    "AND r.state IN ('approved','checked_in') JOIN users u ON u.id = l.owner_id "
                                    "WHERE l.status = 'published' AND l.owner_id <> ?", "ss", event_id, uid);
    json_t *mine = my_listings(db, event_id, uid);
    size_t i, j, k;
    json_t *m, *x, *t;
    json_array_foreach(mine, i, m) {
        json_t *matches = kj_match_list(db, kj_jstr(m, "id"), 50);
        json_array_foreach(matches, j, x) {
            json_array_foreach(theirs, k, t) {
                if (!ev_same(kj_jstr(t, "id"), kj_jstr(x, "id"))) continue;
                json_array_append_new(out, json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}",
                    "user_id", json_object_get(t, "owner_id"), "name", json_object_get(t, "name"), "org_name",
                    json_object_get(t, "org_name"), "country", json_object_get(t, "country"), "listing_id", json_object_get(t, "id"),
                    "listing_title", json_object_get(t, "title"), "kind", json_object_get(t, "kind"), "my_listing_id",
                    json_object_get(m, "id"), "my_listing_title", json_object_get(m, "title"), "score", json_object_get(x, "score"),
                    "reasons", json_object_get(x, "reasons") ? json_object_get(x, "reasons") : json_null()));
            }
        }
        json_decref(matches);
    }
    json_decref(mine);
    json_decref(theirs);
    /* Best first; one line per person (their best match), since the
     * question is whom to meet. */
    size_t n = json_array_size(out);
    for (i = 1; i < n; i++)
        for (j = i; j > 0; j--) {
            double a = json_number_value(json_object_get(json_array_get(out, j - 1), "score"));
            double b = json_number_value(json_object_get(json_array_get(out, j), "score"));
            if (a >= b) break;
            json_t *tmp = json_incref(json_array_get(out, j));
            json_array_set(out, j, json_array_get(out, j - 1));
            json_array_set_new(out, j - 1, tmp);
        }
    json_t *best = json_array();
    json_array_foreach(out, i, x) {
        bool seen = false;
        json_array_foreach(best, j, t) seen = seen || ev_same(kj_jstr(t, "user_id"), kj_jstr(x, "user_id"));
        if (!seen && (limit <= 0 || (int)json_array_size(best) < limit)) json_array_append(best, x);
    }
    json_decref(out);
    return best;
}

int kj_event_publish_results(kj_db *db, json_t *user, const char *event_id, bool publish, kj_err *e)
{
    const char *uid = kj_user_id(user);
    if (!uid) return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    int n = kj_db_exec(db, "UPDATE event_registrations SET publish_results = ?, updated_at = ? WHERE event_id = ? AND user_id = ?",
                       "biss", publish, kj_now_ms(), event_id, uid);
    if (n < 0) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    if (n == 0) return kj_err_set(e, KJ_E_FORBIDDEN, "err.event.not_registered", NULL);
    return 0;
}
