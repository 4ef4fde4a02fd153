/*
 * pages_event_edit.c — the organizers' pages for changing an event after
 * its creation: the edit page (the event's fields, its sections, its
 * sessions, deleting or cancelling it), a session's edit form, and the
 * posts behind them. The event domain decides and audits (event/edit.c);
 * a refusal is shown on the page that asked, field by field where it
 * names a field.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "core/id.h"
#include "core/json_util.h"
#include "core/tz.h"
#include "authz/authz.h"
#include "event/event.h"
#include "web/app.h"
#include "web/pages_event.h"
#include "web/region_picker.h"

/* ms as the "YYYY-MM-DDTHH:MM" a datetime-local field shows, in zone. */
static const char *local_value(kj_req *req, json_t *o, const char *k, const char *zone)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v)) return "";
    int64_t ms = json_integer_value(v);
    time_t t = (time_t)((ms + (int64_t)kj_tz_offset(zone, ms) * 1000) / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    return kj_arena_printf(req->arena, "%04d-%02d-%02dT%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

/* Field values: the submitted ones when re-showing a refused form, else
 * the stored ones. */
static json_t *values(kj_req *req, json_t *row, const char *const *texts, const char *const *times, const char *zone)
{
    json_t *v = json_object();
    for (const char *const *k = texts; *k; k++) {
        json_t *x = json_object_get(row, *k);
        if (json_is_integer(x)) json_object_set_new(v, *k, json_string(kj_arena_printf(req->arena, "%lld", (long long)json_integer_value(x))));
        else json_object_set_new(v, *k, json_string(kj_jstr_or_empty(row, *k)));
    }
    for (const char *const *k = times; *k; k++) json_object_set_new(v, *k, json_string(local_value(req, row, *k, zone)));
    const char *k;
    json_t *x;
    if (req->method == KJ_POST && json_is_object(req->form))
        json_object_foreach(req->form, k, x) if (json_is_string(x) && json_object_get(v, k)) json_object_set(v, k, x);
    return v;
}

json_t *kj_ev_edit_input(kj_req *req)
{
    json_t *in = json_deep_copy(req->in ? req->in : json_object());
    if (!in) in = json_object();
    /* The validator leaves an emptied field out of req->in; an edit means
     * it: a text cleared, a required one refused by the domain. */
    const char *k;
    json_t *x;
    if (json_is_object(req->form))
        json_object_foreach(req->form, k, x) if (json_is_string(x) && !json_object_get(in, k) && !json_object_get(req->errors, k))
            json_object_set_new(in, k, json_string(""));
    return in;
}

static const char *const event_texts[] = { "name_zh", "name_en", "summary_zh", "summary_en", "venue", "online_url", "capacity",
                                           "slot_minutes", "slots", "tables_n", NULL };
static const char *const event_times[] = { "starts_at", "ends_at", "meeting_start", NULL };

static void render_edit(kj_req *req, int status, const char *message_key)
{
    kj_err e = { 0 };
    json_t *ev = kj_event_view(kj_req_db(req), req->user, kj_req_param(req, 0), &e);
    if (!ev) { kj_answer_err(req, &e); return; }
    if (!json_is_true(json_object_get(ev, "is_organizer"))) {
        json_decref(ev);
        kj_err f = { 0 };
        kj_err_set(&f, KJ_E_FORBIDDEN, kj_authz_is_operator(req->user) ? "err.event.other_center" : "err.auth.forbidden", NULL);
        kj_answer_err(req, &f);
        return;
    }
    kj_ev_decorate(req, ev);
    const char *zone = kj_jstr(ev, "time_zone");
    json_t *v = values(req, ev, event_texts, event_times, zone);
    json_object_set_new(v, "tables", json_string(kj_jstr_or_empty(v, "tables_n")));
    if (req->method == KJ_POST && kj_in_str(req, "tables")) json_object_set_new(v, "tables", json_string(kj_in_str(req, "tables")));
    json_t *zones = json_array();
    static const char *const zone_list[] = { "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Tokyo", "Asia/Singapore", "Asia/Kolkata", "Asia/Dubai",
                                             "Europe/Moscow", "Europe/Berlin", "Europe/London", "Africa/Nairobi", "America/New_York",
                                             "America/Sao_Paulo", "UTC", NULL };
    bool listed = false;
    for (const char *const *z = zone_list; *z; z++) {
        listed = listed || !strcmp(*z, zone ? zone : "");
        json_array_append_new(zones, json_pack("{s:s, s:b}", "code", *z, "selected", zone && !strcmp(*z, zone)));
    }
    if (!listed && zone) json_array_append_new(zones, json_pack("{s:s, s:b}", "code", zone, "selected", 1));
    size_t i, j;
    json_t *s, *x;
    json_t *all = json_array();   /* every session, for its edit and delete buttons */
    json_array_foreach(json_object_get(ev, "sections"), i, s) json_array_foreach(json_object_get(s, "sessions"), j, x) {
        json_object_set(x, "section_name", json_object_get(s, "name"));
        json_array_append(all, x);
    }
    json_array_foreach(json_object_get(ev, "sessions"), j, x) json_array_append(all, x);
    json_t *d = json_pack("{s:o, s:o, s:o, s:o, s:s, s:b, s:b}", "event", ev, "v", v, "zones", zones, "all_sessions", all, "page_title",
                          kj_tr(req, "event.edit.title"), "is_draft", !strcmp(kj_jstr_or_empty(ev, "state"), "draft"), "online_on",
                          json_integer_value(json_object_get(ev, "online")) != 0);
    json_object_set_new(d, "region_picker", kj_region_picker(req, "region", req->method == KJ_POST && kj_in_str(req, "region")
                                                                                ? kj_in_str(req, "region") : kj_jstr(ev, "region"),
                                                             "event.field.region"));
    json_object_set_new(d, "approval_auto", json_boolean(!strcmp(kj_jstr_or_empty(ev, "approval"), "auto")));
    json_object_set(ev, "ev_id", json_object_get(ev, "id"));
    const char *done = kj_req_query(req, "done");
    if (done && *done && req->method == KJ_GET) {
        char key[64];
        snprintf(key, sizeof key, "event.done.%.40s", done);
        json_object_set_new(d, "done_text", json_string(kj_tr(req, key)));
    }
    if (message_key) json_object_set_new(d, "refusal", json_string(kj_tr(req, message_key)));
    kj_render(req, status, "event_edit", d);
}

void kj_page_event_edit_form(kj_req *req) { render_edit(req, 200, NULL); }

/* A refusal: field errors re-show the form (422), a conflict shows its
 * message on it (409); others as usual (404, 403, 500). */
static void refused(kj_req *req, kj_err *e, void (*again)(kj_req *, int, const char *))
{
    if (e->kind == KJ_E_INVALID && e->fields && json_object_size(e->fields)) {
        const char *k;
        json_t *v;
        json_object_foreach(e->fields, k, v) kj_field_error(req, kj_arena_strdup(req->arena, k), json_string_value(v));
        again(req, 422, NULL);
    } else if (e->kind == KJ_E_INVALID) {
        kj_field_error(req, e->field ? e->field : "form", e->key);
        again(req, 422, NULL);
    } else if (e->kind == KJ_E_CONFLICT) {
        if (e->field) kj_field_error(req, e->field, e->key);
        again(req, 409, e->key);
    } else kj_answer_err(req, e);
}

void kj_page_event_edit(kj_req *req)
{
    if (kj_has_errors(req)) { render_edit(req, 422, NULL); return; }
    json_t *in = kj_ev_edit_input(req);
    /* A checkbox sends nothing when off: the form always says. */
    json_object_set_new(in, "online", json_boolean(json_is_true(json_object_get(req->in, "online"))));
    kj_err e = { .fields = json_object() };
    int rc = kj_event_update(kj_req_db(req), req->user, kj_req_param(req, 0), in, &e);
    json_decref(in);
    if (rc) refused(req, &e, render_edit);
    json_decref(e.fields);
    if (!rc) kj_resp_redirect(req, kj_arena_printf(req->arena, "/events/%s?done=updated", kj_req_param(req, 0)));
}

void kj_page_event_delete(kj_req *req)
{
    if (kj_has_errors(req)) { render_edit(req, 422, NULL); return; }
    kj_err e = { 0 };
    const char *state = NULL;
    if (kj_event_delete(kj_req_db(req), req->user, kj_req_param(req, 0), kj_in_str(req, "reason"), &state, &e)) {
        refused(req, &e, render_edit);
        return;
    }
    if (state && !strcmp(state, "deleted")) kj_resp_redirect(req, "/events?done=deleted");
    else kj_resp_redirect(req, kj_arena_printf(req->arena, "/events/%s?done=cancel", kj_req_param(req, 0)));
}

/* ---- sections ---- */

static void back_to_edit(kj_req *req, const char *done)
{
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/events/%s/edit?done=%s", kj_req_param(req, 0), done));
}

void kj_page_event_section_add(kj_req *req)
{
    if (kj_has_errors(req)) { render_edit(req, 422, NULL); return; }
    char id[KJ_ID_LEN + 1];
    kj_err e = { .fields = json_object() };
    int rc = kj_event_section_add(kj_req_db(req), req->user, kj_req_param(req, 0), req->in, id, &e);
    if (rc) refused(req, &e, render_edit);
    json_decref(e.fields);
    if (!rc) back_to_edit(req, "section_saved");
}

void kj_page_event_section_edit(kj_req *req)
{
    if (kj_has_errors(req)) { render_edit(req, 422, NULL); return; }
    kj_err e = { .fields = json_object() };
    json_t *in = kj_ev_edit_input(req);
    int rc = kj_event_section_update(kj_req_db(req), req->user, kj_req_param(req, 0), kj_req_param(req, 1), in, &e);
    json_decref(in);
    if (rc) refused(req, &e, render_edit);
    json_decref(e.fields);
    if (!rc) back_to_edit(req, "section_saved");
}

void kj_page_event_section_delete(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_event_section_delete(kj_req_db(req), req->user, kj_req_param(req, 0), kj_req_param(req, 1), &e)) {
        refused(req, &e, render_edit);
        return;
    }
    back_to_edit(req, "section_deleted");
}

/* ---- sessions ---- */

static const char *const session_texts[] = { "title_zh", "title_en", "room", "speakers", "description", "kind", "section_id", NULL };
static const char *const session_times[] = { "starts_at", "ends_at", NULL };

static void render_session(kj_req *req, int status, const char *message_key)
{
    kj_err e = { 0 };
    json_t *ev = kj_event_view(kj_req_db(req), req->user, kj_req_param(req, 0), &e);
    if (!ev) { kj_answer_err(req, &e); return; }
    json_t *session = NULL;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(ev, "all_sessions"), i, x)
        if (!strcmp(kj_jstr_or_empty(x, "id"), kj_req_param(req, 1))) session = x;
    if (!json_is_true(json_object_get(ev, "is_organizer")) || !session) {
        kj_err f = { 0 };
        if (!session) kj_err_set(&f, KJ_E_NOT_FOUND, "err.event.session_unknown", NULL);
        else kj_err_set(&f, KJ_E_FORBIDDEN, kj_authz_is_operator(req->user) ? "err.event.other_center" : "err.auth.forbidden", NULL);
        json_decref(ev);
        kj_answer_err(req, &f);
        return;
    }
    kj_ev_decorate(req, ev);
    json_t *v = values(req, session, session_texts, session_times, kj_jstr(ev, "time_zone"));
    json_t *kinds = json_array();
    for (const char *const *k = kj_event_session_kinds; *k; k++) {
        char key[64];
        snprintf(key, sizeof key, "event.session.kind.%s", *k);
        json_array_append_new(kinds, json_pack("{s:s, s:s, s:b}", "code", *k, "label", kj_tr(req, key), "selected",
                                               !strcmp(*k, kj_jstr_or_empty(v, "kind"))));
    }
    json_t *sections = json_array();
    json_array_foreach(json_object_get(ev, "sections"), i, x)
        json_array_append_new(sections, json_pack("{s:O, s:O, s:b}", "id", json_object_get(x, "id"), "name", json_object_get(x, "name"),
                                                  "selected", !strcmp(kj_jstr_or_empty(x, "id"), kj_jstr_or_empty(v, "section_id"))));
    json_t *d = json_pack("{s:o, s:o, s:o, s:o, s:s, s:s}", "event", ev, "v", v, "kinds", kinds, "section_options", sections, "page_title",
                          kj_tr(req, "event.session.edit"), "session_id", kj_req_param(req, 1));
    if (message_key) json_object_set_new(d, "refusal", json_string(kj_tr(req, message_key)));
    kj_render(req, status, "event_session_edit", d);
}

void kj_page_event_session_edit_form(kj_req *req) { render_session(req, 200, NULL); }

void kj_page_event_session_edit(kj_req *req)
{
    if (kj_has_errors(req)) { render_session(req, 422, NULL); return; }
    kj_err e = { .fields = json_object() };
    json_t *in = kj_ev_edit_input(req);
    int rc = kj_event_session_update(kj_req_db(req), req->user, kj_req_param(req, 0), kj_req_param(req, 1), in, &e);
    json_decref(in);
    if (rc) refused(req, &e, render_session);
    json_decref(e.fields);
    if (!rc) back_to_edit(req, "session_saved");
}

void kj_page_event_session_delete(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_event_session_delete(kj_req_db(req), req->user, kj_req_param(req, 0), kj_req_param(req, 1), &e)) {
        refused(req, &e, render_edit);
        return;
    }
    back_to_edit(req, "session_deleted");
}
