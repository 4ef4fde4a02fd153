/* event.c — events: the life-cycle tables, creation, event actions, views
 * and lists (see event.h). Registrations are in registration.c, meetings
 * in meeting.c, projects in project.c, the report in report.c. */
#include "event/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "account/account.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "core/lifecycle.h"
#include "core/tz.h"
#include "core/validate.h"
#include "ref/regions.h"

const char *const kj_event_states[] = { "draft", "published", "cancelled", NULL };
const char *const kj_event_reg_states[] = { "pending", "approved", "declined", "cancelled", "checked_in", NULL };
const char *const kj_event_meeting_states[] = { "requested", "accepted", "scheduled", "held", "declined", "cancelled", NULL };
const char *const kj_event_outcomes[] = { "no_interest", "follow_up", "intention", NULL };
const char *const kj_event_session_kinds[] = { "talk", "roadshow", "matchmaking", NULL };

/* ---- the life-cycle tables ---- */

enum { R_ORGANIZER = 1, R_PARTICIPANT = 2, R_REQUESTER = 4, R_INVITEE = 8, R_SYSTEM = 16 };
static const char *const role_names[] = { "organizer", "participant", "requester", "invitee", "system" };
#define NROLES (sizeof role_names / sizeof *role_names)
#define SIDES (R_REQUESTER | R_INVITEE)

static const kj_transition event_rows[] = {
    { "publish",            "draft",     "published", R_ORGANIZER, "actions", false },
    { "open_registration",  "draft",     "draft",     R_ORGANIZER, "actions", false },
    { "open_registration",  "published", "published", R_ORGANIZER, "actions", false },
    { "close_registration", "draft",     "draft",     R_ORGANIZER, "actions", false },
    { "close_registration", "published", "published", R_ORGANIZER, "actions", false },
    { "cancel",             "draft",     "cancelled", R_ORGANIZER, "actions", false },
    { "cancel",             "published", "cancelled", R_ORGANIZER, "actions", false },
};
static const kj_transition reg_rows[] = {
    { "approve",  "pending",  "approved",   R_ORGANIZER,                 "registrations/{r}/actions", false },
    { "decline",  "pending",  "declined",   R_ORGANIZER,                 "registrations/{r}/actions", false },
    { "cancel",   "pending",  "cancelled",  R_ORGANIZER | R_PARTICIPANT | R_SYSTEM, "registrations/{r}/actions", false },
    { "cancel",   "approved", "cancelled",  R_ORGANIZER | R_PARTICIPANT | R_SYSTEM, "registrations/{r}/actions", false },
    /* The system cancels every active registration, a checked-in one
     * too, when the organizers cancel the event (kj_ev_cancel_all). */
    { "cancel",   "checked_in", "cancelled", R_SYSTEM,                   "actions", false },
    { "check_in", "approved", "checked_in", R_ORGANIZER,                 "checkins", false },
};
static const kj_transition meeting_rows[] = {
    { "accept",     "requested", "accepted",  R_INVITEE,                               "meetings/{m}/actions", false },
    { "decline",    "requested", "declined",  R_INVITEE,                               "meetings/{m}/actions", false },
    { "cancel",     "requested", "cancelled", R_REQUESTER | R_ORGANIZER | R_SYSTEM,    "meetings/{m}/actions", false },
    { "cancel",     "accepted",  "cancelled", SIDES | R_ORGANIZER | R_SYSTEM,          "meetings/{m}/actions", false },
    { "cancel",     "scheduled", "cancelled", SIDES | R_ORGANIZER | R_SYSTEM,          "meetings/{m}/actions", false },
    { "schedule",   "accepted",  "scheduled", R_SYSTEM,                                "meetings/{m}/actions", false },
    { "record",     "scheduled", "held",      SIDES,                                   "meetings/{m}/actions", false },
    { "record",     "held",      "held",      SIDES,                                   "meetings/{m}/actions", false },
    { "start_deal", "held",      "held",      SIDES,                                   "meetings/{m}/actions", false },
};

static const struct {
    const char *name;
    const kj_transition *rows;
    size_t n;
    const char *const *states;
} tables[] = {
    { "events", event_rows, sizeof event_rows / sizeof *event_rows, kj_event_states },
    { "registrations", reg_rows, sizeof reg_rows / sizeof *reg_rows, kj_event_reg_states },
    { "meetings", meeting_rows, sizeof meeting_rows / sizeof *meeting_rows, kj_event_meeting_states },
};

json_t *kj_event_lifecycle(void)
{
    json_t *out = json_object();
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        json_t *states = json_array();
        for (const char *const *s = tables[i].states; *s; s++) json_array_append_new(states, json_string(*s));
        json_object_set_new(out, tables[i].name,
                            json_pack("{s:o, s:o}", "states", states, "transitions",
                                      kj_transitions_json(tables[i].rows, tables[i].n, role_names, NROLES, false)));
    }
    json_t *outcomes = json_array();
    for (const char *const *s = kj_event_outcomes; *s; s++) json_array_append_new(outcomes, json_string(*s));
    json_object_set_new(out, "outcomes", outcomes);
    return out;
}

static const kj_transition *find_row(const char *table, const char *action, const char *state)
{
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
        if (ev_same(tables[i].name, table)) return kj_transition_find(tables[i].rows, tables[i].n, action, state);
    return NULL;
}

bool kj_event_allowed(const char *table, const char *action, const char *state)
{
    return action && state && find_row(table, action, state) != NULL;
}

/* The row of table for action in state when actor_roles holds one of its
 * roles; else why not, as a kj_err: INVALID for an unknown action, FORBIDDEN
 * for a known one the roles may not take, CONFLICT for a state that does
 * not allow it. */
const kj_transition *kj_ev_transition(const char *table, const char *action, const char *state, int actor_roles,
                                      const char *state_key, kj_err *e)
{
    size_t t = 0;
    while (t < sizeof tables / sizeof *tables && !ev_same(tables[t].name, table)) t++;
    if (t == sizeof tables / sizeof *tables || !action || !kj_transition_known(tables[t].rows, tables[t].n, action)) {
        kj_err_set(e, KJ_E_INVALID, "err.event.action", "action");
        return NULL;
    }
    /* An action none of the actor's roles ever takes is refused as such,
     * whatever the state; one they take elsewhere is a state conflict. */
    bool ever = false;
    for (size_t i = 0; i < tables[t].n; i++)
        if (ev_same(tables[t].rows[i].action, action) && (tables[t].rows[i].roles & actor_roles)) ever = true;
    if (!ever) {
        kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
        return NULL;
    }
    const kj_transition *row = kj_transition_find(tables[t].rows, tables[t].n, action, state);
    if (!row) {
        kj_err_set(e, KJ_E_CONFLICT, state_key, NULL);
        return NULL;
    }
    if (!(row->roles & actor_roles)) {
        kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
        return NULL;
    }
    return row;
}

/* Role bits for the files of this folder (internal.h does not publish the
 * enum: the tables are the only place roles are named). */
int kj_ev_role(const char *name)
{
    for (size_t i = 0; i < NROLES; i++)
        if (!strcmp(role_names[i], name)) return 1 << i;
    return 0;
}

/* ---- times ---- */

int64_t kj_event_parse_local(const char *text, const char *zone)
{
    int y, mo, d, h, mi;
    char tail;
    if (!text || strlen(text) != 16 || sscanf(text, "%4d-%2d-%2dT%2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) != 5) return -1;
    if (y < 2000 || y > 2100 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || h < 0 || mi < 0) return -1;
    char date[11];
    snprintf(date, sizeof date, "%04d-%02d-%02d", y, mo, d);
    if (!kj_valid_date(date)) return -1;
    struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi };
    int64_t as_utc = (int64_t)timegm(&tm) * 1000;
    /* local = utc + offset(utc): two rounds settle it (the offset at the
     * guessed moment, then at the corrected one). */
    int64_t guess = as_utc - (int64_t)kj_tz_offset(zone, as_utc) * 1000;
    return as_utc - (int64_t)kj_tz_offset(zone, guess) * 1000;
}

int64_t kj_ev_slot_start(json_t *ev, int64_t slot)
{
    json_t *ms = json_object_get(ev, "meeting_start");
    if (!json_is_integer(ms) || slot < 0) return 0;
    return json_integer_value(ms) + slot * ev_int(ev, "slot_minutes", 20) * 60000;
}

int64_t kj_ev_slot_end(json_t *ev, int64_t slot)
{
    int64_t s = kj_ev_slot_start(ev, slot);
    return s ? s + ev_int(ev, "slot_minutes", 20) * 60000 : 0;
}

/* ---- loading and roles ---- */

json_t *kj_ev_load(kj_db *db, const char *id)
{
    if (!id || !kj_id_valid(id)) return NULL;
    return kj_db_row(db, "SELECT " EV_COLUMNS " FROM events WHERE id = ?", "s", id);
}

bool kj_event_is_organizer(json_t *user, json_t *event)
{
    return user && event && kj_authz_may_manage_event(user, kj_jstr(event, "center_id"));
}

int kj_ev_refuse_manage(json_t *actor, kj_err *e)
{
    if (kj_authz_is_operator(actor)) return kj_err_set(e, KJ_E_FORBIDDEN, "err.event.other_center", NULL);
    return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
}

json_t *kj_ev_active_reg(kj_db *db, const char *event_id, const char *user_id)
{
    if (!user_id) return NULL;
    return kj_db_row(db, "SELECT id, state, org_name, country FROM event_registrations WHERE event_id = ? AND user_id = ? "
                         "AND state IN ('approved','checked_in')", "ss", event_id, user_id);
}

/* ---- creation ---- */

static size_t chars(const char *s) { return s ? kj_utf8_chars(s, strlen(s)) : 0; }

/* Records a field error (first per field) and remembers the first for e. */
void kj_ev_bad(kj_err *e, int *nbad, const char *field, const char *key)
{
    if (!*nbad) kj_err_set(e, KJ_E_INVALID, key, field);
    if (e->fields && !json_object_get(e->fields, field)) json_object_set_new(e->fields, field, json_string(key));
    (*nbad)++;
}

void kj_ev_text_field(json_t *in, const char *name, size_t min, size_t max, kj_err *e, int *nbad)
{
    const char *v = kj_jstr(in, name);
    size_t n = chars(v);
    if (n < min) kj_ev_bad(e, nbad, name, "err.field.required");
    else if (n > max) kj_ev_bad(e, nbad, name, "err.field.too_long");
}

int64_t kj_ev_local_field(json_t *in, const char *name, const char *zone, bool required, kj_err *e, int *nbad)
{
    const char *v = kj_jstr(in, name);
    if (!v || !*v) {
        if (required) kj_ev_bad(e, nbad, name, "err.field.required");
        return 0;
    }
    int64_t ms = kj_event_parse_local(v, zone);
    if (ms < 0) kj_ev_bad(e, nbad, name, "err.event.datetime");
    return ms < 0 ? 0 : ms;
}

int64_t kj_ev_int_field(json_t *in, const char *name, int64_t dflt, int64_t min, int64_t max, kj_err *e, int *nbad)
{
    json_t *v = json_object_get(in, name);
    if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v))) return dflt;
    int64_t x;
    if (json_is_integer(v)) x = json_integer_value(v);
    else if (json_is_string(v)) {
        char *end;
        x = strtoll(json_string_value(v), &end, 10);
        if (*end) { kj_ev_bad(e, nbad, name, "err.field.int"); return dflt; }
    } else { kj_ev_bad(e, nbad, name, "err.field.int"); return dflt; }
    if (x < min || x > max) { kj_ev_bad(e, nbad, name, "err.field.range"); return dflt; }
    return x;
}

bool kj_ev_truthy(json_t *v)
{
    if (json_is_true(v)) return true;
    if (json_is_integer(v)) return json_integer_value(v) != 0;
    const char *s = json_string_value(v);
    return s && (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "on") || !strcmp(s, "yes"));
}

/* The registration questions: [{id (1–20 letters, digits, _), label_zh,
 * label_en, required}], at most 10. Normalized copy or NULL. */
json_t *kj_ev_check_questions(json_t *q, kj_err *e, int *nbad)
{
    json_t *out = json_array();
    if (!q || json_is_null(q)) return out;
    if (!json_is_array(q) || json_array_size(q) > 10) { kj_ev_bad(e, nbad, "questions", "err.event.questions"); return out; }
    size_t i;
    json_t *x;
    json_array_foreach(q, i, x) {
        const char *id = kj_jstr(x, "id"), *zh = kj_jstr(x, "label_zh"), *en = kj_jstr(x, "label_en");
        bool ok = id && *id && strlen(id) <= 20 && zh && *zh && chars(zh) <= 200 && chars(en) <= 200;
        for (const char *p = id; ok && *p; p++)
            ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
        if (!ok) { kj_ev_bad(e, nbad, "questions", "err.event.questions"); break; }
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:b}", "id", id, "label_zh", zh, "label_en", en ? en : "",
                                             "required", json_is_true(json_object_get(x, "required"))));
    }
    return out;
}

/* Checks the sections and their sessions (kinds, texts, times within the
 * event). */
static void check_sections(json_t *sections, const char *zone, int64_t starts, int64_t ends, kj_err *e, int *nbad)
{
    if (!sections || json_is_null(sections)) return;
    if (!json_is_array(sections) || json_array_size(sections) > 20) { kj_ev_bad(e, nbad, "sections", "err.event.sections"); return; }
    size_t i, j;
    json_t *s, *x;
    json_array_foreach(sections, i, s) {
        const char *zh = kj_jstr(s, "name_zh");
        if (!zh || !*zh || chars(zh) > 100 || chars(kj_jstr(s, "name_en")) > 100) { kj_ev_bad(e, nbad, "sections", "err.event.sections"); return; }
        json_t *sess = json_object_get(s, "sessions");
        if (sess && !json_is_array(sess)) { kj_ev_bad(e, nbad, "sections", "err.event.sections"); return; }
        json_array_foreach(sess, j, x) {
            const char *kind = kj_jstr(x, "kind");
            int64_t a = kj_event_parse_local(kj_jstr(x, "starts_at"), zone), b = kj_event_parse_local(kj_jstr(x, "ends_at"), zone);
            if (!kj_in_list(kj_event_session_kinds, kind ? kind : "talk") || !kj_jstr(x, "title_zh") || !*kj_jstr(x, "title_zh") ||
                chars(kj_jstr(x, "title_zh")) > 200 || chars(kj_jstr(x, "title_en")) > 200 || chars(kj_jstr(x, "room")) > 100 ||
                chars(kj_jstr(x, "speakers")) > 500 || chars(kj_jstr(x, "description")) > 5000) {
                kj_ev_bad(e, nbad, "sections", "err.event.sessions");
                return;
            }
            if (a < 0 || b < 0 || b <= a || (starts && a < starts) || (ends && b > ends)) {
                kj_ev_bad(e, nbad, "sections", "err.event.session_time");
                return;
            }
        }
    }
}

static int insert_sections(kj_db *db, const char *event_id, json_t *sections, const char *zone)
{
    size_t i, j;
    json_t *s, *x;
    json_array_foreach(sections, i, s) {
        kj_id sid = kj_id_new();
        if (kj_db_exec(db, "INSERT INTO event_sections(id, event_id, name_zh, name_en, sort) VALUES (?,?,?,?,?)", "ssssi", sid.s,
                       event_id, kj_jstr(s, "name_zh"), kj_jstr_or_empty(s, "name_en"), (int64_t)i) < 1)
            return -1;
        json_array_foreach(json_object_get(s, "sessions"), j, x) {
            kj_id xid = kj_id_new();
            const char *kind = kj_jstr(x, "kind");
            if (kj_db_exec(db, "INSERT INTO event_sessions(id, event_id, section_id, kind, title_zh, title_en, room, speakers, "
                               "description, starts_at, ends_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", "sssssssssii",
                           xid.s, event_id, sid.s, kind ? kind : "talk", kj_jstr(x, "title_zh"), kj_jstr_or_empty(x, "title_en"),
                           kj_jstr_or_empty(x, "room"), kj_jstr_or_empty(x, "speakers"), kj_jstr_or_empty(x, "description"),
                           kj_event_parse_local(kj_jstr(x, "starts_at"), zone), kj_event_parse_local(kj_jstr(x, "ends_at"), zone)) < 1)
                return -1;
        }
    }
    return 0;
}

int kj_event_create(kj_db *db, json_t *user, json_t *in, char *id_out, kj_err *e)
{
    const char *uid = kj_user_id(user), *center_id = kj_jstr(in, "center_id");
    if (!uid) return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    /* The organizer center: given, or the actor's own. */
    if (!center_id || !*center_id) center_id = kj_jstr(user, "center_id");
    int nbad = 0;
    if (!center_id || !kj_id_valid(center_id)) kj_ev_bad(e, &nbad, "center_id", "err.field.required");
    kj_ev_text_field(in, "name_zh", 1, 120, e, &nbad);
    kj_ev_text_field(in, "name_en", 0, 120, e, &nbad);
    kj_ev_text_field(in, "summary_zh", 0, 5000, e, &nbad);
    kj_ev_text_field(in, "summary_en", 0, 5000, e, &nbad);
    kj_ev_text_field(in, "venue", 0, 200, e, &nbad);
    kj_ev_text_field(in, "online_url", 0, 500, e, &nbad);
    const char *url = kj_jstr(in, "online_url");
    if (url && *url && strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) kj_ev_bad(e, &nbad, "online_url", "err.event.url");
    const char *zone = kj_jstr(in, "time_zone");
    if (!zone || !*zone) zone = "Asia/Shanghai";
    if (!kj_tz_valid(zone)) kj_ev_bad(e, &nbad, "time_zone", "err.event.time_zone");
    const char *region = kj_jstr(in, "region");
    if (region && *region && !kj_regions_lookup_parent(region, &(const char *){ NULL })) kj_ev_bad(e, &nbad, "region", "err.region.unknown");
    int64_t starts = kj_ev_local_field(in, "starts_at", zone, true, e, &nbad), ends = kj_ev_local_field(in, "ends_at", zone, true, e, &nbad);
    if (starts && ends && ends <= starts) kj_ev_bad(e, &nbad, "ends_at", "err.event.ends_before");
    int64_t capacity = kj_ev_int_field(in, "capacity", 0, 0, 100000, e, &nbad);
    const char *approval = kj_jstr(in, "approval");
    if (!approval || !*approval) approval = "auto";
    if (strcmp(approval, "auto") && strcmp(approval, "manual")) kj_ev_bad(e, &nbad, "approval", "err.field.choice");
    json_t *questions = kj_ev_check_questions(json_object_get(in, "questions"), e, &nbad);
    int64_t mstart = kj_ev_local_field(in, "meeting_start", zone, false, e, &nbad);
    int64_t slot_minutes = kj_ev_int_field(in, "slot_minutes", 20, 5, 120, e, &nbad);
    int64_t slots = kj_ev_int_field(in, "slots", 0, 0, 48, e, &nbad), ntables = kj_ev_int_field(in, "tables", 0, 0, 200, e, &nbad);
    if ((slots > 0 || ntables > 0) && !mstart) kj_ev_bad(e, &nbad, "meeting_start", "err.event.grid");
    if (mstart && starts && ends && (mstart < starts || mstart + slots * slot_minutes * 60000 > ends))
        kj_ev_bad(e, &nbad, "meeting_start", "err.event.grid_outside");
    json_t *sections = json_object_get(in, "sections");
    check_sections(sections, zone, starts, ends, e, &nbad);
    if (nbad) { json_decref(questions); return -1; }

    if (kj_db_begin(db)) { json_decref(questions); return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); }
    int rc = -1;
    json_t *actor = kj_user_get(db, uid);
    if (!kj_db_int(db, 0, "SELECT count(*) FROM service_centers WHERE id = ?", "s", center_id))
        kj_err_set(e, KJ_E_INVALID, "err.event.center", "center_id");
    else if (!actor || !kj_authz_may_manage_event(actor, center_id))
        kj_ev_refuse_manage(actor, e);
    else {
        kj_id id = kj_id_new();
        int64_t now = kj_now_ms();
        json_t *ms = mstart ? json_integer(mstart) : json_null();
        int w = kj_db_exec(db, "INSERT INTO events(id, center_id, name_zh, name_en, summary_zh, summary_en, venue, online, online_url, "
                           "region, time_zone, starts_at, ends_at, state, reg_open, capacity, approval, questions__json, "
                           "meeting_start, slot_minutes, slots, tables_n, created_by, created_at, updated_at) "
                           "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,'draft',0,?,?,?,?,?,?,?,?,?,?)",
                       "sssssssbsssiiisjjiiisii", id.s, center_id, kj_jstr(in, "name_zh"), kj_jstr_or_empty(in, "name_en"),
                       kj_jstr_or_empty(in, "summary_zh"), kj_jstr_or_empty(in, "summary_en"), kj_jstr_or_empty(in, "venue"),
                       kj_ev_truthy(json_object_get(in, "online")), url ? url : "", region ? region : "", zone, starts, ends, capacity,
                       approval, questions, ms, slot_minutes, slots, ntables, uid, now, now);
        json_decref(ms);
        if (w == 1 && insert_sections(db, id.s, sections, zone) == 0) {
            if (kj_db_commit(db) == 0) {
                memcpy(id_out, id.s, KJ_ID_LEN + 1);
                rc = 0;
            } else kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        } else kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    }
    if (rc) kj_db_rollback(db);
    json_decref(actor);
    json_decref(questions);
    return rc;
}

/* ---- event actions ---- */

int kj_event_act(kj_db *db, json_t *user, const char *id, const char *action, const char *reason, kj_err *e)
{
    if (!kj_user_id(user)) return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    if (reason && chars(reason) > 500) return kj_err_set(e, KJ_E_INVALID, "err.field.too_long", "reason");
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    int rc = -1;
    json_t *ev = kj_ev_load(db, id), *actor = kj_user_get(db, kj_user_id(user));
    const kj_transition *row = NULL;
    if (!ev) kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    else if (!kj_event_is_organizer(actor, ev)) {
        if (ev_same(kj_jstr(ev, "state"), "draft")) kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
        else kj_ev_refuse_manage(actor, e);
    } else if ((row = kj_ev_transition("events", action, kj_jstr(ev, "state"), R_ORGANIZER, "err.event.state", e))) {
        bool cancel = ev_same(action, "cancel");
        int reg = ev_same(action, "open_registration") ? 1 : ev_same(action, "close_registration") ? 0 : (int)ev_int(ev, "reg_open", 0);
        if (cancel) reg = 0;
        json_t *detail = json_pack("{s:s, s:s}", "from", row->from, "to", row->to);
        char audit_action[64];
        snprintf(audit_action, sizeof audit_action, "event.%s", action);
        if (cancel && ev_int(ev, "ends_at", 0) < kj_now_ms())
            kj_err_set(e, KJ_E_CONFLICT, "err.event.over", NULL);
        else if (kj_db_exec(db, "UPDATE events SET state = ?, reg_open = ?, cancel_reason = CASE WHEN ? = 1 THEN ? ELSE cancel_reason END, "
                                "updated_at = ? WHERE id = ? AND state = ?", "sibsiss", row->to, (int64_t)reg, cancel,
                            reason ? reason : "", kj_now_ms(), id, row->from) == 1 &&
                 (!cancel || kj_ev_cancel_all(db, ev, reason) == 0) &&
                 kj_audit_write(db, kj_user_id(actor), audit_action, "event", id, reason ? reason : "", detail) == 0 &&
                 kj_db_commit(db) == 0)
            rc = 0;
        else kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        json_decref(detail);
    }
    if (rc) kj_db_rollback(db);
    json_decref(ev);
    json_decref(actor);
    return rc;
}

/* "'a','b'": the states table's system may cancel from. */
static void system_cancel_from(const char *table, char *out, size_t n)
{
    size_t k = 0;
    out[0] = 0;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
        if (!ev_same(tables[t].name, table)) continue;
        for (size_t i = 0; i < tables[t].n; i++)
            if (ev_same(tables[t].rows[i].action, "cancel") && (tables[t].rows[i].roles & R_SYSTEM) && k + 20 < n)
                k += (size_t)snprintf(out + k, n - k, "%s'%s'", k ? "," : "", tables[t].rows[i].from);
    }
}

int kj_ev_cancel_all(kj_db *db, json_t *ev, const char *reason)
{
    const char *id = kj_jstr(ev, "id");
    char link[80];
    snprintf(link, sizeof link, "/events/%s", id);
    int64_t now = kj_now_ms();
    /* The states the system cancels from, as the tables say (state
     * literals of the tables above, quoted into the statements). */
    char regs[160], meets[160], sql[320];
    system_cancel_from("registrations", regs, sizeof regs);
    system_cancel_from("meetings", meets, sizeof meets);
    /* Told first (while their registrations are still active, which is
     * how they are found), then cancelled. */
    if (kj_ev_tell_all(db, ev, regs, "event_cancelled", reason && *reason ? "mail.event.cancel_reason" : NULL, reason, link)) return -1;
    snprintf(sql, sizeof sql, "UPDATE event_meetings SET state = 'cancelled', slot = NULL, table_no = NULL, updated_at = ? "
                              "WHERE event_id = ? AND state IN (%s)", meets);
    if (kj_db_exec(db, sql, "is", now, id) < 0) return -1;
    snprintf(sql, sizeof sql, "UPDATE event_registrations SET state = 'cancelled', updated_at = ? WHERE event_id = ? AND state IN (%s)", regs);
    if (kj_db_exec(db, sql, "is", now, id) < 0) return -1;
    return 0;
}

/* ---- views ---- */

static json_t *actions_of(const kj_transition *rows, size_t n, const char *state, int roles)
{
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        if (!ev_same(rows[i].from, state) || !(rows[i].roles & roles)) continue;
        bool dup = false;
        size_t k;
        json_t *x;
        json_array_foreach(out, k, x) dup = dup || ev_same(json_string_value(x), rows[i].action);
        if (!dup) json_array_append_new(out, json_string(rows[i].action));
    }
    return out;
}

json_t *kj_ev_actions(const char *table, const char *state, int roles)
{
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
        if (ev_same(tables[i].name, table)) return actions_of(tables[i].rows, tables[i].n, state, roles);
    return json_array();
}

json_t *kj_event_view(kj_db *db, json_t *viewer, const char *id, kj_err *e)
{
    json_t *ev = kj_ev_load(db, id);
    if (!ev) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); return NULL; }
    bool org = kj_event_is_organizer(viewer, ev);
    if (ev_same(kj_jstr(ev, "state"), "draft") && !org) {
        json_decref(ev);
        kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
        return NULL;
    }
    json_t *sections = kj_db_rows(db, "SELECT id, name_zh, name_en FROM event_sections WHERE event_id = ? ORDER BY sort, id", "s", id);
    json_t *sessions = kj_db_rows(db, "SELECT id, section_id, kind, title_zh, title_en, room, speakers, description, starts_at, ends_at "
                                      "FROM event_sessions WHERE event_id = ? ORDER BY starts_at, id", "s", id);
    size_t i, j;
    json_t *s, *x;
    json_array_foreach(sections, i, s) json_object_set_new(s, "sessions", json_array());
    json_t *loose = json_array();
    json_array_foreach(sessions, j, x) {
        json_t *into = loose;
        json_array_foreach(sections, i, s) if (ev_same(kj_jstr(s, "id"), kj_jstr(x, "section_id"))) into = json_object_get(s, "sessions");
        json_array_append(into, x);
    }
    json_object_set_new(ev, "sections", sections ? sections : json_array());
    json_object_set_new(ev, "sessions", loose);
    json_object_set_new(ev, "all_sessions", sessions ? sessions : json_array());
    json_t *slots = json_array();
    for (int64_t k = 0; k < ev_int(ev, "slots", 0) && json_is_integer(json_object_get(ev, "meeting_start")); k++)
        json_array_append_new(slots, json_pack("{s:I, s:I, s:I}", "slot", (json_int_t)k, "starts_at", (json_int_t)kj_ev_slot_start(ev, k),
                                               "ends_at", (json_int_t)kj_ev_slot_end(ev, k)));
    json_object_set_new(ev, "grid", slots);
    json_t *counts = kj_db_row(db, "SELECT "
        "(SELECT count(*) FROM event_registrations WHERE event_id = ? AND state IN ('pending','approved','checked_in')) AS registered, "
        "(SELECT count(*) FROM event_registrations WHERE event_id = ? AND state = 'checked_in') AS checked_in, "
        "(SELECT count(*) FROM event_meetings WHERE event_id = ? AND state IN ('scheduled','held')) AS meetings, "
        "(SELECT count(*) FROM event_projects WHERE event_id = ? AND state = 'selected') AS roadshow", "ssss", id, id, id, id);
    json_object_set_new(ev, "counts", counts ? counts : json_object());
    json_object_set_new(ev, "is_organizer", json_boolean(org));
    json_object_set_new(ev, "ended", json_boolean(ev_int(ev, "ends_at", 0) < kj_now_ms()));
    int64_t cap = ev_int(ev, "capacity", 0);
    json_object_set_new(ev, "full", json_boolean(cap > 0 && ev_int(counts, "registered", 0) >= cap));
    if (viewer) {
        json_t *mine = kj_event_my_registration(db, viewer, id);
        if (mine) json_object_set_new(ev, "my_registration", mine);
    }
    json_object_set_new(ev, "actions", org ? kj_ev_actions("events", kj_jstr(ev, "state"), R_ORGANIZER) : json_array());
    /* Results both sides agreed to publish: deals started at the event. */
    json_t *results = kj_db_rows(db,
        "SELECT m.id, d.title, d.state AS deal_state, ru.name AS requester_name, iu.name AS invitee_name "
        "FROM event_meetings m JOIN deals d ON d.id = m.deal_id "
        "JOIN users ru ON ru.id = m.requester_id JOIN users iu ON iu.id = m.invitee_id "
        "JOIN event_registrations a ON a.event_id = m.event_id AND a.user_id = m.requester_id AND a.publish_results = 1 "
        "JOIN event_registrations b ON b.event_id = m.event_id AND b.user_id = m.invitee_id AND b.publish_results = 1 "
        "WHERE m.event_id = ? ORDER BY m.id", "s", id);
    json_object_set_new(ev, "results", results ? results : json_array());
    return ev;
}

json_t *kj_event_list(kj_db *db, json_t *viewer, const char *when, int limit) { return kj_event_list_in(db, viewer, when, NULL, limit); }

json_t *kj_event_list_in(kj_db *db, json_t *viewer, const char *when, const char *region, int limit)
{
    int64_t now = kj_now_ms();
    const char *center = kj_authz_is_admin(viewer) ? "*" : kj_jstr(viewer, "center_id");
    bool past = ev_same(when, "past"), upcoming = ev_same(when, "upcoming");
    json_t *params = json_pack("[s, s]", center ? center : "", center ? center : "");
    bool narrow = region && *region;
    if (narrow) json_array_append_new(params, json_string(region));
    char sql[1536];
    snprintf(sql, sizeof sql,
             "SELECT e.id, e.center_id, e.name_zh, e.name_en, e.summary_zh, e.summary_en, e.venue, e.online, e.region, "
             "e.starts_at, e.ends_at, e.time_zone, e.state, e.reg_open, e.capacity, "
             "(SELECT count(*) FROM event_registrations r WHERE r.event_id = e.id AND r.state IN ('pending','approved','checked_in')) AS registered "
             "FROM events e WHERE (e.state = 'published' OR (e.state = 'draft' AND (? = '*' OR e.center_id = ?))) %s %s "
             "ORDER BY e.starts_at %s LIMIT ?",
             narrow ? "AND (e.region IN " KJ_REGION_SUBTREE_SQL " OR (e.online = 1 AND e.region = ''))" : "",
             past ? "AND e.ends_at < ?" : upcoming ? "AND e.ends_at >= ?" : "", past ? "DESC" : "ASC");
    if (past || upcoming) json_array_append_new(params, json_integer(now));
    json_array_append_new(params, json_integer(limit > 0 ? limit : 100));
    json_t *rows = kj_db_rows_j(db, sql, params);
    json_decref(params);
    return rows ? rows : json_array();
}

int kj_event_session_add(kj_db *db, json_t *user, const char *id, json_t *in, char *id_out, kj_err *e)
{
    if (!kj_user_id(user)) return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    int nbad = 0;
    const char *kind = kj_jstr(in, "kind"), *section = kj_jstr(in, "section_id");
    if (!kind || !*kind) kind = "talk";
    if (!kj_in_list(kj_event_session_kinds, kind)) kj_ev_bad(e, &nbad, "kind", "err.field.choice");
    kj_ev_text_field(in, "title_zh", 1, 200, e, &nbad);
    kj_ev_text_field(in, "title_en", 0, 200, e, &nbad);
    kj_ev_text_field(in, "room", 0, 100, e, &nbad);
    kj_ev_text_field(in, "speakers", 0, 500, e, &nbad);
    kj_ev_text_field(in, "description", 0, 5000, e, &nbad);
    if (section && !*section) section = NULL;
    if (nbad) return -1;
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    int rc = -1;
    json_t *ev = kj_ev_load(db, id), *actor = kj_user_get(db, kj_user_id(user));
    if (!ev || (ev_same(kj_jstr(ev, "state"), "draft") && !kj_event_is_organizer(actor, ev)))
        kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    else if (!kj_event_is_organizer(actor, ev)) kj_ev_refuse_manage(actor, e);
    else if (ev_same(kj_jstr(ev, "state"), "cancelled")) kj_err_set(e, KJ_E_CONFLICT, "err.event.state", NULL);
    else {
        const char *zone = kj_jstr(ev, "time_zone");
        int64_t a = kj_ev_local_field(in, "starts_at", zone, true, e, &nbad), b = kj_ev_local_field(in, "ends_at", zone, true, e, &nbad);
        if (!nbad && (b <= a || a < ev_int(ev, "starts_at", 0) || b > ev_int(ev, "ends_at", 0))) kj_ev_bad(e, &nbad, "ends_at", "err.event.session_time");
        if (!nbad && section && (!kj_id_valid(section) ||
                                 !kj_db_int(db, 0, "SELECT count(*) FROM event_sections WHERE id = ? AND event_id = ?", "ss", section, id)))
            kj_ev_bad(e, &nbad, "section_id", "err.event.section");
        kj_id sid = kj_id_new();
        if (!nbad) {
            json_t *detail = json_pack("{s:s, s:s}", "event_id", id, "title_zh", kj_jstr_or_empty(in, "title_zh"));
            int w = kj_db_exec(db, "INSERT INTO event_sessions(id, event_id, section_id, kind, title_zh, title_en, room, speakers, description, "
                                   "starts_at, ends_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", "sssssssssii", sid.s, id, section, kind,
                               kj_jstr(in, "title_zh"), kj_jstr_or_empty(in, "title_en"), kj_jstr_or_empty(in, "room"),
                               kj_jstr_or_empty(in, "speakers"), kj_jstr_or_empty(in, "description"), a, b);
            char link[80];
            snprintf(link, sizeof link, "/events/%s", id);
            /* Audited; the participants of a published event learn of it. */
            bool ok = w == 1 && kj_audit_write(db, kj_user_id(actor), "event.session.add", "event_session", sid.s, "", detail) == 0 &&
                      (!ev_same(kj_jstr(ev, "state"), "published") ||
                       kj_ev_tell_all(db, ev, "'pending','approved','checked_in'", "event_changed", "mail.event.changed", NULL, link) == 0);
            json_decref(detail);
            if (ok && kj_db_commit(db) == 0) {
                memcpy(id_out, sid.s, KJ_ID_LEN + 1);
                rc = 0;
            } else kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        }
    }
    if (rc) kj_db_rollback(db);
    json_decref(ev);
    json_decref(actor);
    return rc;
}
