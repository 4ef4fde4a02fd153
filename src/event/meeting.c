/* meeting.c — one-to-one meetings: requests, the life-cycle actions,
 * placing accepted meetings on the grid (event/scheduler.h), outcomes, a
 * deal from a shared intention, lists and the personal agenda (see
 * event.h). */
#include "event/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include "account/account.h"
#include "authz/authz.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "core/validate.h"
#include "deal/deal.h"
#include "event/scheduler.h"
#include "notify/notify.h"

static size_t chars(const char *s) { return s ? kj_utf8_chars(s, strlen(s)) : 0; }

#define M_COLUMNS                                                                                                   \
    "m.id, m.event_id, m.state, m.requester_id, ru.name AS requester_name, m.invitee_id, iu.name AS invitee_name, " \
    "m.listing_id, l.title AS listing_title, l.owner_id AS listing_owner, l.domain AS listing_domain, m.message, "  \
    "m.preferred_slot, m.slot, m.table_no, m.deal_id, m.created_at, m.updated_at"
#define M_FROM                                                                                                  \
    " FROM event_meetings m JOIN users ru ON ru.id = m.requester_id JOIN users iu ON iu.id = m.invitee_id "  \
    "LEFT JOIN listings l ON l.id = m.listing_id "

/* ---- scheduling ---- */

/* Index of id in ids (appending it when new). */
static int index_of(json_t *ids, const char *id)
{
    size_t i;
    json_t *x;
    json_array_foreach(ids, i, x) if (ev_same(json_string_value(x), id)) return (int)i;
    json_array_append_new(ids, json_string(id));
    return (int)json_array_size(ids) - 1;
}

int kj_ev_reschedule(kj_db *db, json_t *ev)
{
    int nslots = (int)ev_int(ev, "slots", 0), ntables = (int)ev_int(ev, "tables_n", 0);
    if (nslots <= 0 || ntables <= 0) return 0;
    /* Placed meetings first (they keep their places), then the waiting
     * ones in the order they were asked for (ids grow with time). */
    json_t *rows = kj_db_rows(db, "SELECT id, requester_id, invitee_id, preferred_slot, slot, table_no FROM event_meetings "
                                  "WHERE event_id = ? AND (state = 'accepted' OR (state IN ('scheduled','held') AND slot IS NOT NULL)) "
                                  "ORDER BY id", "s", kj_jstr(ev, "id"));
    if (!rows) return -1;
    size_t n = json_array_size(rows), i;
    if (!n) { json_decref(rows); return 0; }
    kj_sched_meeting *m = calloc(n, sizeof *m);
    json_t *people = json_array();
    if (!m) { json_decref(rows); json_decref(people); return -1; }
    json_t *r;
    json_array_foreach(rows, i, r) {
        m[i].a = index_of(people, kj_jstr(r, "requester_id"));
        m[i].b = index_of(people, kj_jstr(r, "invitee_id"));
        m[i].preferred = (int)ev_int(r, "preferred_slot", -1);
        m[i].slot = (int)ev_int(r, "slot", -1);
        m[i].table = (int)ev_int(r, "table_no", -1);
    }
    int rc = kj_sched_place(m, n, (int)json_array_size(people), nslots, ntables) < 0 ? -1 : 0;
    json_array_foreach(rows, i, r) {
        if (rc || m[i].slot < 0 || json_is_integer(json_object_get(r, "slot"))) continue;   /* unplaced, or placed before */
        if (kj_db_exec(db, "UPDATE event_meetings SET state = 'scheduled', slot = ?, table_no = ?, updated_at = ? "
                           "WHERE id = ? AND state = 'accepted'", "iiis", (int64_t)m[i].slot, (int64_t)m[i].table,
                       kj_now_ms(), kj_jstr(r, "id")) != 1)
            rc = -1;
        /* Both sides learn their meeting has a time and a table (the
         * accepting side may be the actor; a waiting meeting placed after a
         * cancellation has no actor at all): in-app and by e-mail. */
        char link[80], from[32], to[32], table[16];
        snprintf(link, sizeof link, "/events/%s/agenda", kj_jstr_or_empty(ev, "id"));
        kj_ev_local_text(ev, kj_ev_slot_start(ev, m[i].slot), from, sizeof from);
        kj_ev_local_text(ev, kj_ev_slot_end(ev, m[i].slot), to, sizeof to);
        snprintf(from + strlen(from), sizeof from - strlen(from), "–%s", to + 11);
        snprintf(table, sizeof table, "%d", m[i].table + 1);
        if (!rc && (kj_ev_tell(db, ev, kj_jstr(r, "requester_id"), "event_meeting_scheduled", NULL, "mail.event.slot", from, table, link) ||
                    kj_ev_tell(db, ev, kj_jstr(r, "invitee_id"), "event_meeting_scheduled", NULL, "mail.event.slot", from, table, link)))
            rc = -1;
    }
    free(m);
    json_decref(rows);
    json_decref(people);
    return rc;
}

int kj_ev_cancel_meetings_of(kj_db *db, json_t *ev, const char *user_id)
{
    if (kj_db_exec(db, "UPDATE event_meetings SET state = 'cancelled', slot = NULL, table_no = NULL, updated_at = ? "
                       "WHERE event_id = ? AND (requester_id = ? OR invitee_id = ?) AND state IN ('requested','accepted','scheduled')",
                   "isss", kj_now_ms(), kj_jstr(ev, "id"), user_id, user_id) < 0)
        return -1;
    return kj_ev_reschedule(db, ev);
}

/* ---- requests ---- */

static int64_t opt_int(json_t *in, const char *k, bool *present, bool *ok)
{
    json_t *v = json_object_get(in, k);
    *present = false, *ok = true;
    if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v))) return 0;
    *present = true;
    if (json_is_integer(v)) return json_integer_value(v);
    if (json_is_string(v)) {
        char *end;
        long long x = strtoll(json_string_value(v), &end, 10);
        if (!*end) return x;
    }
    *ok = false;
    return 0;
}

/* Whether uid meets someone in slot at the event (placed meetings). */
static bool busy_in(kj_db *db, const char *event_id, const char *uid, int64_t slot)
{
    return kj_db_int(db, 0, "SELECT count(*) FROM event_meetings WHERE event_id = ? AND slot = ? AND state IN ('scheduled','held') "
                            "AND (requester_id = ? OR invitee_id = ?)", "siss", event_id, slot, uid, uid) > 0;
}

int kj_event_meeting_request(kj_db *db, json_t *user, const char *event_id, json_t *in, char *id_out, kj_err *e)
{
    const char *uid = kj_user_id(user), *invitee = kj_jstr(in, "invitee_id"), *listing = kj_jstr(in, "listing_id");
    const char *message = kj_jstr(in, "message");
    if (!uid) return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    if (!invitee || !*invitee) return kj_err_set(e, KJ_E_INVALID, "err.field.required", "invitee_id");
    if (ev_same(invitee, uid)) return kj_err_set(e, KJ_E_INVALID, "err.event.meeting_self", "invitee_id");
    if (chars(message) > 500) return kj_err_set(e, KJ_E_INVALID, "err.field.too_long", "message");
    bool has_slot, slot_ok;
    int64_t slot = opt_int(in, "slot", &has_slot, &slot_ok);
    if (!slot_ok) return kj_err_set(e, KJ_E_INVALID, "err.event.slot_range", "slot");
    if (listing && !*listing) listing = NULL;
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    int rc = -1;
    json_t *ev = kj_ev_load(db, event_id), *mine = NULL, *theirs = NULL;
    if (!ev || ev_same(kj_jstr(ev, "state"), "draft")) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); goto out; }
    if (!ev_same(kj_jstr(ev, "state"), "published") || ev_int(ev, "ends_at", 0) < kj_now_ms()) {
        kj_err_set(e, KJ_E_CONFLICT, "err.event.over", NULL);
        goto out;
    }
    if (ev_int(ev, "slots", 0) <= 0 || ev_int(ev, "tables_n", 0) <= 0) { kj_err_set(e, KJ_E_CONFLICT, "err.event.no_grid", NULL); goto out; }
    if (!(mine = kj_ev_active_reg(db, event_id, uid))) { kj_err_set(e, KJ_E_FORBIDDEN, "err.event.not_registered", NULL); goto out; }
    if (!kj_id_valid(invitee) || !(theirs = kj_ev_active_reg(db, event_id, invitee))) {
        kj_err_set(e, KJ_E_INVALID, "err.event.meeting_outside", "invitee_id");
        goto out;
    }
    if (listing && (!kj_id_valid(listing) ||
                    !kj_db_int(db, 0, "SELECT count(*) FROM listings WHERE id = ? AND status = 'published' AND owner_id IN (?, ?)", "sss",
                               listing, uid, invitee))) {
        kj_err_set(e, KJ_E_INVALID, "err.event.meeting_listing", "listing_id");
        goto out;
    }
    if (has_slot && (slot < 0 || slot >= ev_int(ev, "slots", 0))) { kj_err_set(e, KJ_E_INVALID, "err.event.slot_range", "slot"); goto out; }
    if (kj_db_int(db, 0, "SELECT count(*) FROM event_meetings WHERE event_id = ? AND state IN ('requested','accepted','scheduled') "
                         "AND ((requester_id = ? AND invitee_id = ?) OR (requester_id = ? AND invitee_id = ?))", "sssss",
                  event_id, uid, invitee, invitee, uid)) {
        kj_err_set(e, KJ_E_CONFLICT, "err.event.meeting_exists", NULL);
        goto out;
    }
    if (has_slot && (busy_in(db, event_id, uid, slot) || busy_in(db, event_id, invitee, slot))) {
        kj_err_set(e, KJ_E_CONFLICT, "err.event.slot_taken", "slot");
        goto out;
    }
    kj_id id = kj_id_new();
    int64_t now = kj_now_ms();
    char link[80];
    snprintf(link, sizeof link, "/events/%s/meetings", event_id);
    json_t *pref = has_slot ? json_integer(slot) : json_null();
    int w = kj_db_exec(db, "INSERT INTO event_meetings(id, event_id, requester_id, invitee_id, listing_id, message, state, preferred_slot, "
                           "created_at, updated_at) VALUES (?,?,?,?,?,?,'requested',?,?,?)", "ssssssjii", id.s, event_id, uid, invitee,
                       listing, message ? message : "", pref, now, now);
    json_decref(pref);
    if (w != 1 ||
        kj_ev_tell(db, ev, invitee, "event_meeting_requested", kj_jstr(user, "name"), message && *message ? "mail.event.message" : NULL,
                   message, NULL, link) ||
        kj_db_commit(db)) {
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    memcpy(id_out, id.s, KJ_ID_LEN + 1);
    rc = 0;
out:
    if (rc) kj_db_rollback(db);
    json_decref(ev);
    json_decref(mine);
    json_decref(theirs);
    return rc;
}

/* ---- actions ---- */

static int roles_on(json_t *actor, json_t *m, json_t *ev)
{
    int r = 0;
    if (ev_same(kj_user_id(actor), kj_jstr(m, "requester_id"))) r |= kj_ev_role("requester");
    if (ev_same(kj_user_id(actor), kj_jstr(m, "invitee_id"))) r |= kj_ev_role("invitee");
    if (kj_event_is_organizer(actor, ev)) r |= kj_ev_role("organizer");
    return r;
}

static int record(kj_db *db, json_t *actor, json_t *m, const char *to, json_t *in, kj_err *e)
{
    const char *outcome = kj_jstr(in, "outcome"), *note = kj_jstr(in, "note");
    if (!outcome || !kj_in_list(kj_event_outcomes, outcome)) return kj_err_set(e, KJ_E_INVALID, "err.event.outcome", "outcome");
    if (chars(note) > 2000) return kj_err_set(e, KJ_E_INVALID, "err.field.too_long", "note");
    /* Only a side who was there: their ticket was checked in. */
    if (!kj_db_int(db, 0, "SELECT count(*) FROM event_registrations WHERE event_id = ? AND user_id = ? AND state = 'checked_in'", "ss",
                   kj_jstr(m, "event_id"), kj_user_id(actor)))
        return kj_err_set(e, KJ_E_CONFLICT, "err.event.outcome_not_attended", NULL);
    int64_t now = kj_now_ms();
    if (kj_db_exec(db, "INSERT INTO event_outcomes(meeting_id, user_id, outcome, note, created_at) VALUES (?,?,?,?,?) "
                       "ON CONFLICT (meeting_id, user_id) DO UPDATE SET outcome = excluded.outcome, note = excluded.note, "
                       "created_at = excluded.created_at", "ssssi", kj_jstr(m, "id"), kj_user_id(actor), outcome, note ? note : "", now) != 1 ||
        kj_db_exec(db, "UPDATE event_meetings SET state = ?, updated_at = ? WHERE id = ?", "sis", to, now, kj_jstr(m, "id")) != 1)
        return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    return 0;
}

/* A deal from a meeting both sides left with an intention to cooperate,
 * about the meeting's listing: its offerer provides (for a demand, the
 * other side does), the deal's source is the meeting (one deal per
 * meeting, deals_event), and the deal, its conversation, its first log
 * entry (the hash chain, deal/ledger.c) and the meeting's deal id are
 * written in the caller's transaction: all of it commits, or none. */
static int start_deal(kj_db *db, json_t *m, char *deal_out, kj_err *e)
{
    if (kj_jstr(m, "deal_id")) return kj_err_set(e, KJ_E_CONFLICT, "err.event.deal_exists", NULL);
    if (!kj_jstr(m, "listing_id")) return kj_err_set(e, KJ_E_CONFLICT, "err.event.deal_no_listing", NULL);
    if (kj_db_int(db, 0, "SELECT count(*) FROM event_outcomes WHERE meeting_id = ? AND outcome = 'intention'", "s", kj_jstr(m, "id")) < 2)
        return kj_err_set(e, KJ_E_CONFLICT, "err.event.deal_needs_intentions", NULL);
    json_t *l = kj_db_row(db, "SELECT kind, owner_id, title, domain, region FROM listings WHERE id = ?", "s", kj_jstr(m, "listing_id"));
    if (!l) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    const char *owner_id = kj_jstr(l, "owner_id");
    const char *other_id = ev_same(owner_id, kj_jstr(m, "requester_id")) ? kj_jstr(m, "invitee_id") : kj_jstr(m, "requester_id");
    bool demand = ev_same(kj_jstr(l, "kind"), "demand");
    char deal[KJ_ID_LEN + 1];
    int rc = kj_deal_create_from(db, "event", kj_jstr(m, "id"), kj_jstr(m, "listing_id"), demand ? other_id : owner_id,
                                 demand ? owner_id : other_id, kj_jstr(l, "title"), kj_jstr(l, "domain"), kj_jstr(l, "region"), NULL,
                                 NULL, deal, e);
    if (rc == 0) {
        int n = kj_db_exec(db, "UPDATE event_meetings SET deal_id = ?, updated_at = ? WHERE id = ? AND deal_id IS NULL", "sis", deal,
                           kj_now_ms(), kj_jstr(m, "id"));
        if (n != 1) rc = kj_err_set(e, n == 0 ? KJ_E_CONFLICT : KJ_E_INTERNAL, n == 0 ? "err.event.deal_exists" : "err.internal", NULL);
    }
    if (rc == 0 && deal_out) memcpy(deal_out, deal, KJ_ID_LEN + 1);
    json_decref(l);
    return rc;
}

int kj_event_meeting_act(kj_db *db, json_t *user, const char *meeting_id, const char *action, json_t *in, char *deal_out, kj_err *e)
{
    if (!kj_user_id(user)) return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    if (!meeting_id || !kj_id_valid(meeting_id)) return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    int rc = -1;
    json_t *m = kj_db_row(db, "SELECT " M_COLUMNS M_FROM "WHERE m.id = ?", "s", meeting_id);
    json_t *ev = m ? kj_ev_load(db, kj_jstr(m, "event_id")) : NULL, *actor = kj_user_get(db, kj_user_id(user));
    int roles = m && ev ? roles_on(actor, m, ev) : 0;
    const kj_transition *row = NULL;
    if (!m || !ev) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); goto out; }
    if (!roles) {
        if (kj_authz_is_operator(actor)) kj_err_set(e, KJ_E_FORBIDDEN, "err.event.other_center", NULL);
        else if (ev_same(action, "record")) kj_err_set(e, KJ_E_FORBIDDEN, "err.event.not_party", NULL);
        else kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
        goto out;
    }
    if (ev_same(action, "record") && !(roles & (kj_ev_role("requester") | kj_ev_role("invitee")))) {
        kj_err_set(e, KJ_E_FORBIDDEN, "err.event.not_party", NULL);
        goto out;
    }
    if (ev_same(action, "schedule")) { kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL); goto out; }
    if (!(row = kj_ev_transition("meetings", action, kj_jstr(m, "state"), roles, "err.event.meeting_state", e))) {
        if (e->kind == KJ_E_CONFLICT && ev_same(action, "record")) e->key = "err.event.outcome_not_attended";
        goto out;
    }
    int64_t now = kj_now_ms();
    char link[80];
    snprintf(link, sizeof link, "/events/%s/meetings", kj_jstr(ev, "id"));
    const char *other = ev_same(kj_user_id(actor), kj_jstr(m, "requester_id")) ? kj_jstr(m, "invitee_id") : kj_jstr(m, "requester_id");
    if (ev_same(action, "start_deal")) {
        if (start_deal(db, m, deal_out, e)) goto out;
    } else if (ev_same(action, "record")) {
        if (record(db, actor, m, row->to, in, e)) goto out;
    } else {
        bool cancel = ev_same(action, "cancel");
        if (kj_db_exec(db, cancel ? "UPDATE event_meetings SET state = ?, slot = NULL, table_no = NULL, updated_at = ? WHERE id = ? AND state = ?"
                                  : "UPDATE event_meetings SET state = ?, updated_at = ? WHERE id = ? AND state = ?",
                       "siss", row->to, now, meeting_id, row->from) != 1) {
            kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
            goto out;
        }
        /* Accepting places it if it can; cancelling frees a slot that a
         * waiting meeting may take. */
        if ((ev_same(action, "accept") || cancel) && kj_ev_reschedule(db, ev)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
        char kind[64];
        snprintf(kind, sizeof kind, "event_meeting_%s", action);
        if (kj_ev_tell(db, ev, other, kind, kj_jstr(actor, "name"), NULL, NULL, NULL, link)) {
            kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
            goto out;
        }
    }
    if (kj_db_commit(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    rc = 0;
out:
    if (rc) kj_db_rollback(db);
    json_decref(m);
    json_decref(ev);
    json_decref(actor);
    return rc;
}

/* ---- lists ---- */

static void decorate(kj_db *db, json_t *ev, json_t *m, const char *viewer_id, int roles)
{
    json_t *slot = json_object_get(m, "slot");
    if (json_is_integer(slot)) {
        json_object_set_new(m, "starts_at", json_integer(kj_ev_slot_start(ev, json_integer_value(slot))));
        json_object_set_new(m, "ends_at", json_integer(kj_ev_slot_end(ev, json_integer_value(slot))));
        json_object_set_new(m, "table", json_integer(ev_int(m, "table_no", 0) + 1));
    }
    json_t *outs = kj_db_rows(db, "SELECT user_id, outcome, note FROM event_outcomes WHERE meeting_id = ?", "s", kj_jstr(m, "id"));
    size_t i;
    json_t *o;
    json_array_foreach(outs, i, o) {
        bool mine = ev_same(kj_jstr(o, "user_id"), viewer_id);
        json_object_set(m, mine ? "my_outcome" : "other_outcome", json_object_get(o, "outcome"));
        if (mine) json_object_set(m, "my_note", json_object_get(o, "note"));
    }
    json_decref(outs);
    bool requester = ev_same(viewer_id, kj_jstr(m, "requester_id"));
    int r = roles;
    if (requester) r |= kj_ev_role("requester");
    else if (ev_same(viewer_id, kj_jstr(m, "invitee_id"))) r |= kj_ev_role("invitee");
    json_object_set_new(m, "actions", kj_ev_actions("meetings", kj_jstr(m, "state"), r));
    json_object_set_new(m, "is_requester", json_boolean(requester));
    const char *other = requester ? "invitee" : "requester";
    char k1[32], k2[32];
    snprintf(k1, sizeof k1, "%s_id", other), snprintf(k2, sizeof k2, "%s_name", other);
    json_object_set(m, "other_id", json_object_get(m, k1));
    json_object_set(m, "other_name", json_object_get(m, k2));
}

json_t *kj_event_meetings(kj_db *db, json_t *user, const char *event_id, const char *scope, kj_err *e)
{
    json_t *ev = kj_ev_load(db, event_id);
    if (!ev || (ev_same(kj_jstr(ev, "state"), "draft") && !kj_event_is_organizer(user, ev))) {
        json_decref(ev);
        kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
        return NULL;
    }
    bool org = kj_event_is_organizer(user, ev);
    bool all = ev_same(scope, "all");
    if (all && !org) {
        kj_ev_refuse_manage(user, e);
        json_decref(ev);
        return NULL;
    }
    const char *uid = kj_user_id(user) ? kj_user_id(user) : "";
    json_t *rows = all ? kj_db_rows(db, "SELECT " M_COLUMNS M_FROM "WHERE m.event_id = ? ORDER BY m.slot, m.table_no, m.id", "s", event_id)
                       : kj_db_rows(db, "SELECT " M_COLUMNS M_FROM "WHERE m.event_id = ? AND (m.requester_id = ? OR m.invitee_id = ?) "
                                        "ORDER BY m.slot, m.id", "sss", event_id, uid, uid);
    size_t i;
    json_t *m;
    json_array_foreach(rows, i, m) decorate(db, ev, m, uid, org ? kj_ev_role("organizer") : 0);
    json_decref(ev);
    return rows ? rows : json_array();
}

json_t *kj_event_meeting_get(kj_db *db, json_t *user, const char *meeting_id, kj_err *e)
{
    json_t *m = meeting_id && kj_id_valid(meeting_id) ? kj_db_row(db, "SELECT " M_COLUMNS M_FROM "WHERE m.id = ?", "s", meeting_id) : NULL;
    json_t *ev = m ? kj_ev_load(db, kj_jstr(m, "event_id")) : NULL;
    int roles = m && ev ? roles_on(user, m, ev) : 0;
    if (!roles) {
        json_decref(m);
        json_decref(ev);
        kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
        return NULL;
    }
    decorate(db, ev, m, kj_user_id(user), roles & kj_ev_role("organizer"));
    json_decref(ev);
    return m;
}

json_t *kj_event_agenda(kj_db *db, json_t *user, const char *event_id, kj_err *e)
{
    json_t *ev = kj_ev_load(db, event_id);
    if (!ev || ev_same(kj_jstr(ev, "state"), "draft")) {
        json_decref(ev);
        kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
        return NULL;
    }
    json_t *reg = kj_db_row(db, "SELECT id, state, org_name, country, ticket_code FROM event_registrations WHERE event_id = ? "
                                "AND user_id = ? AND state IN ('approved','checked_in')", "ss", event_id, kj_user_id(user) ? kj_user_id(user) : "");
    if (!reg) {
        json_decref(ev);
        kj_err_set(e, KJ_E_FORBIDDEN, "err.event.not_registered", NULL);
        return NULL;
    }
    json_t *all = kj_event_meetings(db, user, event_id, NULL, e);
    json_t *placed = json_array(), *waiting = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(all, i, m) {
        const char *st = kj_jstr(m, "state");
        if (json_is_integer(json_object_get(m, "slot")) && (ev_same(st, "scheduled") || ev_same(st, "held"))) {
            json_t *o = kj_db_row(db, "SELECT org_name FROM event_registrations WHERE event_id = ? AND user_id = ?", "ss", event_id,
                                  kj_jstr(m, "other_id"));
            json_object_set(m, "other_org", json_object_get(o, "org_name"));
            json_decref(o);
            json_array_append(placed, m);
        } else if (ev_same(st, "accepted") || ev_same(st, "requested"))
            json_array_append(waiting, m);
    }
    json_decref(all);
    json_t *sessions = kj_db_rows(db, "SELECT id, kind, title_zh, title_en, room, speakers, starts_at, ends_at FROM event_sessions "
                                      "WHERE event_id = ? ORDER BY starts_at, id", "s", event_id);
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "event", ev, "registration", reg, "sessions", sessions ? sessions : json_array(),
                     "meetings", placed, "waiting", waiting);
}
