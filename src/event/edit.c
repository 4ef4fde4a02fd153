/* edit.c — changing an event after its creation (see event.h): the
 * event's fields, deleting it (a draft goes; a published one is cancelled
 * instead), its sessions and sections. Every change runs its checks in its
 * write transaction, is audited, and — once the event is published — is
 * told to its participants in-app and by e-mail. */
#include "event/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include "account/account.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "core/tz.h"
#include "core/validate.h"
#include "ref/regions.h"

/* The event, loaded in the caller's transaction, when actor organizes it
 * and it can still change; else NULL with e. */
static json_t *editable(kj_db *db, json_t *actor, const char *id, kj_err *e)
{
    json_t *ev = kj_ev_load(db, id);
    if (!ev) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); return NULL; }
    if (!kj_event_is_organizer(actor, ev)) {
        if (ev_same(kj_jstr(ev, "state"), "draft")) kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
        else kj_ev_refuse_manage(actor, e);
        json_decref(ev);
        return NULL;
    }
    if (ev_same(kj_jstr(ev, "state"), "cancelled")) {
        kj_err_set(e, KJ_E_CONFLICT, "err.event.cancelled", NULL);
        json_decref(ev);
        return NULL;
    }
    return ev;
}

/* Participants of a published event learn it changed. */
static int tell_changed(kj_db *db, json_t *ev)
{
    if (!ev_same(kj_jstr(ev, "state"), "published")) return 0;
    char link[80];
    snprintf(link, sizeof link, "/events/%s", kj_jstr(ev, "id"));
    return kj_ev_tell_all(db, ev, "'pending','approved','checked_in'", "event_changed", "mail.event.changed", NULL, link);
}

/* Opens the write transaction and loads actor and event; 0 or -1 with e. */
static int open_tx(kj_db *db, json_t *user, const char *id, json_t **actor, json_t **ev, kj_err *e)
{
    *actor = *ev = NULL;
    if (!kj_user_id(user)) return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    *actor = kj_user_get(db, kj_user_id(user));
    if (!*actor || !(*ev = editable(db, *actor, id, e))) {
        if (!*actor) kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
        kj_db_rollback(db);
        json_decref(*actor);
        *actor = NULL;
        return -1;
    }
    return 0;
}

/* Audits, tells, commits; rolls back on any failure. 0 or -1 with e. */
static int close_tx(kj_db *db, int rc, json_t *actor, json_t *ev, const char *action, const char *target_type, const char *target_id,
                    json_t *detail, bool tell, kj_err *e)
{
    if (rc == 0 && (kj_audit_write(db, kj_user_id(actor), action, target_type, target_id, "", detail) ||
                    (tell && tell_changed(db, ev)) || kj_db_commit(db)))
        rc = kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    if (rc) kj_db_rollback(db);
    json_decref(actor);
    json_decref(ev);
    return rc;
}

static bool has(json_t *in, const char *k) { return json_object_get(in, k) != NULL; }

/* Records that field k changed (for the audit detail). */
static void changed(json_t *list, const char *k) { json_array_append_new(list, json_string(k)); }

int kj_event_update(kj_db *db, json_t *user, const char *id, json_t *in, kj_err *e)
{
    if (!json_is_object(in)) return kj_err_set(e, KJ_E_INVALID, "err.field.required", "name_zh");
    int nbad = 0;
    static const struct { const char *k; size_t min, max; } texts[] = {
        { "name_zh", 1, 120 }, { "name_en", 0, 120 }, { "summary_zh", 0, 5000 }, { "summary_en", 0, 5000 },
        { "venue", 0, 200 }, { "online_url", 0, 500 },
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        if (has(in, texts[i].k)) kj_ev_text_field(in, texts[i].k, texts[i].min, texts[i].max, e, &nbad);
    const char *url = kj_jstr(in, "online_url");
    if (url && *url && strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) kj_ev_bad(e, &nbad, "online_url", "err.event.url");
    const char *region = kj_jstr(in, "region");
    if (region && *region && !kj_regions_lookup_parent(region, &(const char *){ NULL })) kj_ev_bad(e, &nbad, "region", "err.region.unknown");
    const char *approval = kj_jstr(in, "approval");
    if (approval && *approval && strcmp(approval, "auto") && strcmp(approval, "manual")) kj_ev_bad(e, &nbad, "approval", "err.field.choice");
    const char *zone_in = kj_jstr(in, "time_zone");
    if (zone_in && *zone_in && !kj_tz_valid(zone_in)) kj_ev_bad(e, &nbad, "time_zone", "err.event.time_zone");
    json_t *questions = has(in, "questions") ? kj_ev_check_questions(json_object_get(in, "questions"), e, &nbad) : NULL;
    if (nbad) { json_decref(questions); return -1; }

    json_t *actor, *ev;
    if (open_tx(db, user, id, &actor, &ev, e)) { json_decref(questions); return -1; }
    const char *zone = zone_in && *zone_in ? zone_in : kj_jstr(ev, "time_zone");
    int64_t starts = has(in, "starts_at") ? kj_ev_local_field(in, "starts_at", zone, true, e, &nbad) : ev_int(ev, "starts_at", 0);
    int64_t ends = has(in, "ends_at") ? kj_ev_local_field(in, "ends_at", zone, true, e, &nbad) : ev_int(ev, "ends_at", 0);
    json_t *ms_old = json_object_get(ev, "meeting_start");
    int64_t mstart = has(in, "meeting_start") ? kj_ev_local_field(in, "meeting_start", zone, false, e, &nbad)
                                              : (json_is_integer(ms_old) ? json_integer_value(ms_old) : 0);
    int64_t slot_minutes = kj_ev_int_field(in, "slot_minutes", ev_int(ev, "slot_minutes", 20), 5, 120, e, &nbad);
    int64_t slots = kj_ev_int_field(in, "slots", ev_int(ev, "slots", 0), 0, 48, e, &nbad);
    int64_t ntables = kj_ev_int_field(in, "tables", ev_int(ev, "tables_n", 0), 0, 200, e, &nbad);
    int64_t capacity = kj_ev_int_field(in, "capacity", ev_int(ev, "capacity", 0), 0, 100000, e, &nbad);
    if (!nbad && ends <= starts) kj_ev_bad(e, &nbad, "ends_at", "err.event.ends_before");
    if (!nbad && (slots > 0 || ntables > 0) && !mstart) kj_ev_bad(e, &nbad, "meeting_start", "err.event.grid");
    if (!nbad && mstart && (mstart < starts || mstart + slots * slot_minutes * 60000 > ends))
        kj_ev_bad(e, &nbad, "meeting_start", "err.event.grid_outside");
    /* Sessions stay within the event. */
    if (!nbad && kj_db_int(db, 0, "SELECT count(*) FROM event_sessions WHERE event_id = ? AND (starts_at < ? OR ends_at > ?)", "sii", id,
                           starts, ends) > 0)
        kj_ev_bad(e, &nbad, "starts_at", "err.event.sessions_outside");
    int rc = nbad ? -1 : 0;
    /* Capacity: never below the registrations already taken. */
    int64_t taken = kj_db_int(db, 0, "SELECT count(*) FROM event_registrations WHERE event_id = ? "
                                     "AND state IN ('pending','approved','checked_in')", "s", id);
    if (rc == 0 && capacity > 0 && capacity < taken) rc = kj_err_set(e, KJ_E_CONFLICT, "err.event.capacity_below", "capacity");
    /* The grid: placed meetings keep their times and tables. */
    json_t *used = kj_db_row(db, "SELECT count(*) AS n, COALESCE(max(slot), -1) AS slot, COALESCE(max(table_no), -1) AS tbl "
                                 "FROM event_meetings WHERE event_id = ? AND slot IS NOT NULL", "s", id);
    if (rc == 0 && ev_int(used, "n", 0) > 0 &&
        ((json_is_integer(ms_old) && mstart != json_integer_value(ms_old)) || slot_minutes != ev_int(ev, "slot_minutes", 20) ||
         slots <= ev_int(used, "slot", -1) || ntables <= ev_int(used, "tbl", -1)))
        rc = kj_err_set(e, KJ_E_CONFLICT, "err.event.grid_in_use", "meeting_start");
    json_decref(used);
    json_t *what = json_array();
    if (rc == 0) {
        for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
            if (has(in, texts[i].k) && !ev_same(kj_jstr(in, texts[i].k), kj_jstr(ev, texts[i].k))) changed(what, texts[i].k);
        if (starts != ev_int(ev, "starts_at", 0)) changed(what, "starts_at");
        if (ends != ev_int(ev, "ends_at", 0)) changed(what, "ends_at");
        if (!ev_same(zone, kj_jstr(ev, "time_zone"))) changed(what, "time_zone");
        if (capacity != ev_int(ev, "capacity", 0)) changed(what, "capacity");
        if (approval && *approval && !ev_same(approval, kj_jstr(ev, "approval"))) changed(what, "approval");
        if (region && !ev_same(region, kj_jstr(ev, "region"))) changed(what, "region");
        if (has(in, "online") && kj_ev_truthy(json_object_get(in, "online")) != (ev_int(ev, "online", 0) != 0)) changed(what, "online");
        if (questions) changed(what, "questions");
        if (mstart != (json_is_integer(ms_old) ? json_integer_value(ms_old) : 0) || slot_minutes != ev_int(ev, "slot_minutes", 20) ||
            slots != ev_int(ev, "slots", 0) || ntables != ev_int(ev, "tables_n", 0))
            changed(what, "grid");
#define PICK(k) (has(in, k) ? kj_jstr_or_empty(in, k) : kj_jstr_or_empty(ev, k))
        json_t *ms = mstart ? json_integer(mstart) : json_null();
        bool online = has(in, "online") ? kj_ev_truthy(json_object_get(in, "online")) : ev_int(ev, "online", 0) != 0;
        if (kj_db_exec(db, "UPDATE events SET name_zh = ?, name_en = ?, summary_zh = ?, summary_en = ?, venue = ?, online = ?, "
                           "online_url = ?, region = ?, time_zone = ?, starts_at = ?, ends_at = ?, capacity = ?, approval = ?, "
                           "questions__json = COALESCE(?, questions__json), meeting_start = ?, slot_minutes = ?, slots = ?, tables_n = ?, "
                           "updated_at = ? WHERE id = ? AND state <> 'cancelled'", "sssssbsssiiisjjiiiis",
                       PICK("name_zh"), PICK("name_en"), PICK("summary_zh"), PICK("summary_en"), PICK("venue"), online, PICK("online_url"),
                       region ? region : kj_jstr_or_empty(ev, "region"), zone, starts, ends, capacity,
                       approval && *approval ? approval : kj_jstr_or_empty(ev, "approval"), questions, ms, slot_minutes, slots, ntables,
                       kj_now_ms(), id) != 1)
            rc = kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
#undef PICK
        json_decref(ms);
        /* The e-mail shows the new times and venue: tell from the row as it is now. */
        if (rc == 0) {
            json_t *now_ev = kj_ev_load(db, id);
            if (now_ev) { json_decref(ev); ev = now_ev; }
        }
    }
    json_t *detail = json_pack("{s:o}", "changed", what);
    rc = close_tx(db, rc, actor, ev, "event.update", "event", id, detail, json_array_size(what) > 0, e);
    json_decref(detail);
    json_decref(questions);
    return rc;
}

int kj_event_delete(kj_db *db, json_t *user, const char *id, const char *reason, const char **state_out, kj_err *e)
{
    json_t *actor, *ev;
    if (open_tx(db, user, id, &actor, &ev, e)) return -1;
    if (!ev_same(kj_jstr(ev, "state"), "draft")) {
        /* A published event has had participants: cancelled, not erased. */
        kj_db_rollback(db);
        json_decref(actor);
        json_decref(ev);
        if (kj_event_act(db, user, id, "cancel", reason, e)) return -1;
        if (state_out) *state_out = "cancelled";
        return 0;
    }
    static const char *const wipe[] = {
        "DELETE FROM event_scores WHERE project_id IN (SELECT id FROM event_projects WHERE event_id = ?)",
        "DELETE FROM event_reviewers WHERE event_id = ?",
        "DELETE FROM event_projects WHERE event_id = ?",
        "DELETE FROM event_outcomes WHERE meeting_id IN (SELECT id FROM event_meetings WHERE event_id = ?)",
        "DELETE FROM event_meetings WHERE event_id = ?",
        "DELETE FROM event_showcase WHERE event_id = ?",
        "DELETE FROM event_registrations WHERE event_id = ?",
        "DELETE FROM event_sessions WHERE event_id = ?",
        "DELETE FROM event_sections WHERE event_id = ?",
    };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof wipe / sizeof *wipe; i++)
        if (kj_db_exec(db, wipe[i], "s", id) < 0) rc = kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    if (rc == 0 && kj_db_exec(db, "DELETE FROM events WHERE id = ? AND state = 'draft'", "s", id) != 1)
        rc = kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    json_t *detail = json_pack("{s:s}", "name_zh", kj_jstr_or_empty(ev, "name_zh"));
    rc = close_tx(db, rc, actor, ev, "event.delete", "event", id, detail, false, e);
    json_decref(detail);
    if (rc == 0 && state_out) *state_out = "deleted";
    return rc;
}

/* ---- sessions ---- */

/* What still hangs on a session: the roadshow projects placed in it. */
static int64_t roadshow_in(kj_db *db, const char *session_id)
{
    return kj_db_int(db, 0, "SELECT count(*) FROM event_projects WHERE session_id = ? AND state = 'selected'", "s", session_id);
}

/* Meetings placed in [a, b) that no other matchmaking session of the
 * event covers once session_id changes to [na, nb) (nb = 0: deleted). */
static int64_t meetings_left_out(kj_db *db, json_t *ev, const char *session_id, int64_t a, int64_t b, int64_t na, int64_t nb)
{
    json_t *rows = kj_db_rows(db, "SELECT slot FROM event_meetings WHERE event_id = ? AND slot IS NOT NULL AND state IN ('scheduled','held')",
                              "s", kj_jstr(ev, "id"));
    json_t *others = kj_db_rows(db, "SELECT starts_at, ends_at FROM event_sessions WHERE event_id = ? AND id <> ? AND kind = 'matchmaking'",
                                "ss", kj_jstr(ev, "id"), session_id);
    int64_t n = 0;
    size_t i, j;
    json_t *r, *o;
    json_array_foreach(rows, i, r) {
        int64_t at = kj_ev_slot_start(ev, ev_int(r, "slot", 0));
        if (at < a || at >= b || (at >= na && at < nb)) continue;
        bool covered = false;
        json_array_foreach(others, j, o) covered = covered || (at >= ev_int(o, "starts_at", 0) && at < ev_int(o, "ends_at", 0));
        if (!covered) n++;
    }
    json_decref(rows);
    json_decref(others);
    return n;
}

static json_t *load_session(kj_db *db, const char *event_id, const char *session_id, kj_err *e)
{
    json_t *s = session_id && kj_id_valid(session_id)
                    ? kj_db_row(db, "SELECT id, section_id, kind, title_zh, title_en, room, speakers, description, starts_at, ends_at "
                                    "FROM event_sessions WHERE id = ? AND event_id = ?", "ss", session_id, event_id)
                    : NULL;
    if (!s) kj_err_set(e, KJ_E_NOT_FOUND, "err.event.session_unknown", NULL);
    return s;
}

int kj_event_session_update(kj_db *db, json_t *user, const char *id, const char *session_id, json_t *in, kj_err *e)
{
    if (!json_is_object(in)) return kj_err_set(e, KJ_E_INVALID, "err.field.required", "title_zh");
    int nbad = 0;
    static const struct { const char *k; size_t min, max; } texts[] = {
        { "title_zh", 1, 200 }, { "title_en", 0, 200 }, { "room", 0, 100 }, { "speakers", 0, 500 }, { "description", 0, 5000 },
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        if (has(in, texts[i].k)) kj_ev_text_field(in, texts[i].k, texts[i].min, texts[i].max, e, &nbad);
    const char *kind = kj_jstr(in, "kind");
    if (kind && *kind && !kj_in_list(kj_event_session_kinds, kind)) kj_ev_bad(e, &nbad, "kind", "err.field.choice");
    if (nbad) return -1;
    json_t *actor, *ev;
    if (open_tx(db, user, id, &actor, &ev, e)) return -1;
    int rc = 0;
    json_t *s = load_session(db, id, session_id, e);
    if (!s) rc = -1;
    const char *zone = kj_jstr(ev, "time_zone");
    int64_t a = 0, b = 0;
    const char *section = NULL;
    if (rc == 0) {
        a = has(in, "starts_at") ? kj_ev_local_field(in, "starts_at", zone, true, e, &nbad) : ev_int(s, "starts_at", 0);
        b = has(in, "ends_at") ? kj_ev_local_field(in, "ends_at", zone, true, e, &nbad) : ev_int(s, "ends_at", 0);
        if (!nbad && (b <= a || a < ev_int(ev, "starts_at", 0) || b > ev_int(ev, "ends_at", 0))) kj_ev_bad(e, &nbad, "ends_at", "err.event.session_time");
        section = has(in, "section_id") ? kj_jstr(in, "section_id") : kj_jstr(s, "section_id");
        if (section && !*section) section = NULL;
        if (!nbad && section && (!kj_id_valid(section) ||
                                 !kj_db_int(db, 0, "SELECT count(*) FROM event_sections WHERE id = ? AND event_id = ?", "ss", section, id)))
            kj_ev_bad(e, &nbad, "section_id", "err.event.section");
        if (nbad) rc = -1;
    }
    const char *new_kind = rc == 0 && kind && *kind ? kind : kj_jstr(s, "kind");
    if (rc == 0) {
        /* A roadshow line-up placed in the session keeps its slots inside it. */
        int64_t placed = roadshow_in(db, session_id);
        int64_t outside = kj_db_int(db, 0, "SELECT count(*) FROM event_projects WHERE session_id = ? AND state = 'selected' "
                                           "AND (slot_start < ? OR slot_end > ?)", "sii", session_id, a, b);
        if (placed && (outside || !ev_same(new_kind, "roadshow"))) {
            rc = kj_err_set(e, KJ_E_CONFLICT, "err.event.session_has_roadshow", "starts_at");
        }
    }
    if (rc == 0 && ev_same(kj_jstr(s, "kind"), "matchmaking")) {
        int64_t na = ev_same(new_kind, "matchmaking") ? a : 0, nb = ev_same(new_kind, "matchmaking") ? b : 0;
        int64_t left = meetings_left_out(db, ev, session_id, ev_int(s, "starts_at", 0), ev_int(s, "ends_at", 0), na, nb);
        if (left) {
            rc = kj_err_set(e, KJ_E_CONFLICT, "err.event.session_has_meetings", "starts_at");
        }
    }
    if (rc == 0) {
#define PICK(k) (has(in, k) ? kj_jstr_or_empty(in, k) : kj_jstr_or_empty(s, k))
        if (kj_db_exec(db, "UPDATE event_sessions SET section_id = ?, kind = ?, title_zh = ?, title_en = ?, room = ?, speakers = ?, "
                           "description = ?, starts_at = ?, ends_at = ? WHERE id = ? AND event_id = ?", "sssssssiiss", section, new_kind,
                       PICK("title_zh"), PICK("title_en"), PICK("room"), PICK("speakers"), PICK("description"), a, b, session_id, id) != 1)
            rc = kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
#undef PICK
    }
    json_t *detail = json_pack("{s:s, s:s}", "event_id", id, "title_zh", s ? kj_jstr_or_empty(s, "title_zh") : "");
    rc = close_tx(db, rc, actor, ev, "event.session.update", "event_session", session_id, detail, true, e);
    json_decref(detail);
    json_decref(s);
    return rc;
}

int kj_event_session_delete(kj_db *db, json_t *user, const char *id, const char *session_id, kj_err *e)
{
    json_t *actor, *ev;
    if (open_tx(db, user, id, &actor, &ev, e)) return -1;
    int rc = 0;
    json_t *s = load_session(db, id, session_id, e);
    int64_t n;
    if (!s) rc = -1;
    else if ((n = roadshow_in(db, session_id)) > 0) {
        rc = kj_err_set(e, KJ_E_CONFLICT, "err.event.session_has_roadshow", NULL);
    } else if (ev_same(kj_jstr(s, "kind"), "matchmaking") &&
               (n = meetings_left_out(db, ev, session_id, ev_int(s, "starts_at", 0), ev_int(s, "ends_at", 0), 0, 0)) > 0) {
        rc = kj_err_set(e, KJ_E_CONFLICT, "err.event.session_has_meetings", NULL);
    } else if (kj_db_exec(db, "UPDATE event_projects SET session_id = NULL WHERE session_id = ?", "s", session_id) < 0 ||
               kj_db_exec(db, "DELETE FROM event_sessions WHERE id = ? AND event_id = ?", "ss", session_id, id) != 1)
        rc = kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    json_t *detail = json_pack("{s:s, s:s}", "event_id", id, "title_zh", s ? kj_jstr_or_empty(s, "title_zh") : "");
    rc = close_tx(db, rc, actor, ev, "event.session.delete", "event_session", session_id, detail, true, e);
    json_decref(detail);
    json_decref(s);
    return rc;
}

/* ---- sections ---- */

static int section_fields(json_t *in, bool create, kj_err *e)
{
    int nbad = 0;
    if (create || has(in, "name_zh")) kj_ev_text_field(in, "name_zh", 1, 100, e, &nbad);
    if (has(in, "name_en")) kj_ev_text_field(in, "name_en", 0, 100, e, &nbad);
    return nbad ? -1 : 0;
}

int kj_event_section_add(kj_db *db, json_t *user, const char *id, json_t *in, char *id_out, kj_err *e)
{
    if (!json_is_object(in) || section_fields(in, true, e)) return json_is_object(in) ? -1 : kj_err_set(e, KJ_E_INVALID, "err.field.required", "name_zh");
    json_t *actor, *ev;
    if (open_tx(db, user, id, &actor, &ev, e)) return -1;
    int rc = 0;
    kj_id sid = kj_id_new();
    if (kj_db_int(db, 0, "SELECT count(*) FROM event_sections WHERE event_id = ?", "s", id) >= 20)
        rc = kj_err_set(e, KJ_E_CONFLICT, "err.event.sections", NULL);
    else if (kj_db_exec(db, "INSERT INTO event_sections(id, event_id, name_zh, name_en, sort) "
                            "VALUES (?,?,?,?,(SELECT COALESCE(max(sort), -1) + 1 FROM event_sections WHERE event_id = ?))", "sssss",
                        sid.s, id, kj_jstr(in, "name_zh"), kj_jstr_or_empty(in, "name_en"), id) != 1)
        rc = kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    json_t *detail = json_pack("{s:s, s:s}", "event_id", id, "name_zh", kj_jstr_or_empty(in, "name_zh"));
    rc = close_tx(db, rc, actor, ev, "event.section.add", "event_section", sid.s, detail, true, e);
    json_decref(detail);
    if (rc == 0) memcpy(id_out, sid.s, KJ_ID_LEN + 1);
    return rc;
}

int kj_event_section_update(kj_db *db, json_t *user, const char *id, const char *section_id, json_t *in, kj_err *e)
{
    if (!json_is_object(in)) return kj_err_set(e, KJ_E_INVALID, "err.field.required", "name_zh");
    if (section_fields(in, false, e)) return -1;
    json_t *actor, *ev;
    if (open_tx(db, user, id, &actor, &ev, e)) return -1;
    int rc = 0;
    json_t *s = section_id && kj_id_valid(section_id)
                    ? kj_db_row(db, "SELECT id, name_zh, name_en FROM event_sections WHERE id = ? AND event_id = ?", "ss", section_id, id)
                    : NULL;
    if (!s) rc = kj_err_set(e, KJ_E_NOT_FOUND, "err.event.section_unknown", NULL);
    else if (kj_db_exec(db, "UPDATE event_sections SET name_zh = ?, name_en = ? WHERE id = ? AND event_id = ?", "ssss",
                        has(in, "name_zh") ? kj_jstr(in, "name_zh") : kj_jstr(s, "name_zh"),
                        has(in, "name_en") ? kj_jstr_or_empty(in, "name_en") : kj_jstr_or_empty(s, "name_en"), section_id, id) != 1)
        rc = kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    json_t *detail = json_pack("{s:s, s:s}", "event_id", id, "name_zh", s ? kj_jstr_or_empty(s, "name_zh") : "");
    rc = close_tx(db, rc, actor, ev, "event.section.update", "event_section", section_id, detail, true, e);
    json_decref(detail);
    json_decref(s);
    return rc;
}

int kj_event_section_delete(kj_db *db, json_t *user, const char *id, const char *section_id, kj_err *e)
{
    json_t *actor, *ev;
    if (open_tx(db, user, id, &actor, &ev, e)) return -1;
    int rc = 0;
    json_t *s = section_id && kj_id_valid(section_id)
                    ? kj_db_row(db, "SELECT id, name_zh FROM event_sections WHERE id = ? AND event_id = ?", "ss", section_id, id)
                    : NULL;
    int64_t n = s ? kj_db_int(db, 0, "SELECT count(*) FROM event_sessions WHERE section_id = ?", "s", section_id) : 0;
    if (!s) rc = kj_err_set(e, KJ_E_NOT_FOUND, "err.event.section_unknown", NULL);
    else if (n > 0) {
        /* Its sessions go first (deleted, or moved to another section). */
        rc = kj_err_set(e, KJ_E_CONFLICT, "err.event.section_has_sessions", NULL);
    } else if (kj_db_exec(db, "DELETE FROM event_sections WHERE id = ? AND event_id = ?", "ss", section_id, id) != 1)
        rc = kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    json_t *detail = json_pack("{s:s, s:s}", "event_id", id, "name_zh", s ? kj_jstr_or_empty(s, "name_zh") : "");
    rc = close_tx(db, rc, actor, ev, "event.section.delete", "event_section", section_id, detail, true, e);
    json_decref(detail);
    json_decref(s);
    return rc;
}
