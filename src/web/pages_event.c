/*
 * pages_event.c — the event pages: the list of upcoming and past events
 * (and its Atom feed), the organizers' form, one event (sections,
 * sessions, registration, the organizer's buttons, the roadshow line-up
 * and published results), the registration form, and the organizers'
 * list of registrations. Times are the event's zone's (kj_ev_when), with
 * the visitor's own added beside them by static/js/event-time.js.
 */
#include "web/pages_event.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/clock.h"
#include "core/country.h"
#include "core/id.h"
#include "core/json_util.h"
#include "core/tz.h"
#include "event/event.h"
#include "web/app.h"
#include "web/home_region.h"
#include "web/region_picker.h"

static bool is_en(kj_req *req) { return req->lang && !strcmp(req->lang, "en"); }

/* An event's moments are in its own zone (web/when.c formats every moment). */
const char *kj_ev_when(kj_req *req, int64_t ms, const char *zone) { return kj_when_text_in(req, ms, zone); }

void kj_ev_set_when(kj_req *req, json_t *o, const char *key, const char *out, const char *zone)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) return;
    int64_t ms = json_integer_value(v);
    json_object_set_new(o, out, json_string(kj_ev_when(req, ms, zone)));
    char iso[32], k[64];
    kj_format_iso(ms, iso, sizeof iso);
    snprintf(k, sizeof k, "%s_iso", out);
    json_object_set_new(o, k, json_string(iso));
    snprintf(k, sizeof k, "%s_clock", out);
    json_object_set_new(o, k, json_string(kj_clock_text_in(req, ms, zone)));
}

/* o[out] = the request language's one of o[zh] / o[en] (zh when en is empty). */
static void pick(kj_req *req, json_t *o, const char *zh, const char *en, const char *out)
{
    const char *e = kj_jstr(o, en);
    json_object_set_new(o, out, json_string(is_en(req) && e && *e ? e : kj_jstr_or_empty(o, zh)));
}

static void label(kj_req *req, json_t *o, const char *field, const char *prefix, const char *code)
{
    char key[96];
    snprintf(key, sizeof key, "%s.%s", prefix, code ? code : "");
    json_object_set_new(o, field, json_string(kj_tr(req, key)));
}

static void decorate_session(kj_req *req, json_t *s, const char *zone)
{
    pick(req, s, "title_zh", "title_en", "title");
    label(req, s, "kind_label", "event.session.kind", kj_jstr(s, "kind"));
    kj_ev_set_when(req, s, "starts_at", "starts_text", zone);
    kj_ev_set_when(req, s, "ends_at", "ends_text", zone);
}

void kj_ev_decorate(kj_req *req, json_t *ev)
{
    const char *zone = kj_jstr(ev, "time_zone");
    pick(req, ev, "name_zh", "name_en", "name");
    pick(req, ev, "summary_zh", "summary_en", "summary");
    kj_ev_set_when(req, ev, "starts_at", "starts_text", zone);
    kj_ev_set_when(req, ev, "ends_at", "ends_text", zone);
    label(req, ev, "state_label", "event.state", kj_jstr(ev, "state"));
    int off = kj_tz_offset(zone, json_integer_value(json_object_get(ev, "starts_at")));
    json_object_set_new(ev, "zone_label", json_string(kj_arena_printf(req->arena, "%s (UTC%c%02d:%02d)", zone ? zone : "",
                                                                       off < 0 ? '-' : '+', abs(off) / 3600, abs(off) % 3600 / 60)));
    json_object_set_new(ev, "zone_offset_min", json_integer(off / 60));
    json_object_set_new(ev, "is_past", json_boolean(json_integer_value(json_object_get(ev, "ends_at")) < kj_now_ms()));
    size_t i, j;
    json_t *s, *x;
    json_array_foreach(json_object_get(ev, "sections"), i, s) {
        pick(req, s, "name_zh", "name_en", "name");
        json_array_foreach(json_object_get(s, "sessions"), j, x) decorate_session(req, x, zone);
    }
    json_array_foreach(json_object_get(ev, "sessions"), j, x) decorate_session(req, x, zone);
    json_array_foreach(json_object_get(ev, "grid"), j, x) {
        kj_ev_set_when(req, x, "starts_at", "starts_text", zone);
        kj_ev_set_when(req, x, "ends_at", "ends_text", zone);
        json_object_set_new(x, "number", json_integer(json_integer_value(json_object_get(x, "slot")) + 1));
    }
    json_t *reg = json_object_get(ev, "my_registration");
    if (reg) {
        label(req, reg, "state_label", "event.reg.state", kj_jstr(reg, "state"));
        const char *st = kj_jstr(reg, "state");
        json_object_set_new(reg, "active", json_boolean(st && (!strcmp(st, "approved") || !strcmp(st, "checked_in"))));
        json_object_set_new(reg, "can_cancel", json_boolean(st && (!strcmp(st, "approved") || !strcmp(st, "pending"))));
    }
    /* As the domain decides it (kj_event_register): published, open, not over. */
    json_object_set_new(ev, "reg_is_open", json_boolean(json_integer_value(json_object_get(ev, "reg_open")) &&
                                                         kj_jstr(ev, "state") && !strcmp(kj_jstr(ev, "state"), "published") &&
                                                         json_integer_value(json_object_get(ev, "ends_at")) >= kj_now_ms()));
    json_t *acts = json_array();
    json_array_foreach(json_object_get(ev, "actions"), i, x) {
        json_t *b = json_pack("{s:s}", "action", json_string_value(x));
        label(req, b, "label", "event.action", json_string_value(x));
        json_array_append_new(acts, b);
    }
    json_object_set_new(ev, "action_buttons", acts);
}

/* ---- the list and the feed ---- */

void kj_page_events(kj_req *req)
{
    bool defaulted;   /* the home region, when the request names none (web/home_region.h) */
    const char *region = kj_region_filter(req, "region", &defaulted);
    if (!kj_has_errors(req) && !kj_region_filter_known(req, region)) kj_field_error(req, "region", "err.region.unknown");
    int status = kj_has_errors(req) ? 422 : 200;
    json_t *up = status == 200 ? kj_event_list_in(kj_req_db(req), req->user, "upcoming", region, 50) : json_array();
    json_t *past = status == 200 ? kj_event_list_in(kj_req_db(req), req->user, "past", region, 20) : json_array();
    size_t i;
    json_t *e;
    json_array_foreach(up, i, e) kj_ev_decorate(req, e);
    json_array_foreach(past, i, e) kj_ev_decorate(req, e);
    json_t *d = json_pack("{s:o, s:o, s:s, s:b}", "upcoming", up, "past", past, "page_title", kj_tr(req, "event.list.title"),
                          "may_create", kj_jstr(req->user, "center_id") != NULL || (kj_req_role(req) & KJ_R_ADMIN));
    json_object_set_new(d, "region_picker", kj_region_filter_picker(req, "region", status == 200 ? region : NULL, "field.region"));
    if (defaulted) kj_region_default_note(req, d, "/events", "region");
    kj_render(req, status, "event_list", d);
}

void kj_page_events_atom(kj_req *req)
{
    kj_buf out = { 0 };
    if (kj_event_atom(kj_req_db(req), kj_req_app(req)->cfg.public_url, &out)) {
        kj_buf_free(&out);
        kj_error(req, 500, "err.internal");
        return;
    }
    kj_resp_text(req, 200, "application/atom+xml; charset=utf-8", out.data, out.len);
    kj_resp_header(req, "Cache-Control", "public, max-age=300");
    kj_buf_free(&out);
}

/* ---- the organizers' form ---- */

/* Zones offered on the form (any IANA name is accepted by the API). */
static const char *const zones[] = { "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Tokyo", "Asia/Singapore", "Asia/Kolkata", "Asia/Dubai",
                                     "Europe/Moscow", "Europe/Berlin", "Europe/London", "Africa/Nairobi", "America/New_York",
                                     "America/Sao_Paulo", "UTC", NULL };

static json_t *zone_options(const char *selected)
{
    json_t *out = json_array();
    if (!selected || !*selected) selected = "Asia/Shanghai";
    for (const char *const *z = zones; *z; z++)
        json_array_append_new(out, json_pack("{s:s, s:b}", "code", *z, "selected", !strcmp(*z, selected)));
    return out;
}

static void render_form(kj_req *req, int status)
{
    const char *region = kj_in_str(req, "region");
    json_t *d = json_pack("{s:o, s:o, s:s}", "zones", zone_options(kj_in_str(req, "time_zone")), "region_picker",
                          kj_region_picker(req, "region", region, "event.field.region"), "page_title", kj_tr(req, "event.new.title"));
    kj_render(req, status, "event_form", d);
}

void kj_page_event_new(kj_req *req) { render_form(req, 200); }

/* "中文 | English" lines to [{name_zh, name_en}] (sections), or questions:
 * "* 中文 | English" (a leading * marks a required one). */
static json_t *lines_to(const char *text, bool questions)
{
    json_t *out = json_array();
    const char *p = text ? text : "";
    int n = 0;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char *line = strndup(p, len);
        p += len + (end ? 1 : 0);
        if (!line) continue;
        char *s = line;
        while (*s == ' ' || *s == '\t' || *s == '\r') s++;
        for (char *t = s + strlen(s); t > s && (t[-1] == ' ' || t[-1] == '\r' || t[-1] == '\t'); t--) t[-1] = 0;
        bool required = false;
        if (questions && *s == '*') { required = true; s++; while (*s == ' ') s++; }
        if (*s) {
            char *bar = strchr(s, '|');
            const char *en = "";
            if (bar) {
                *bar = 0;
                en = bar + 1;
                while (*en == ' ') en++;
                for (char *t = bar; t > s && t[-1] == ' '; t--) t[-1] = 0;
            }
            if (questions)
                json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:b}", "id", "", "label_zh", s, "label_en", en, "required", required));
            else json_array_append_new(out, json_pack("{s:s, s:s}", "name_zh", s, "name_en", en));
            if (questions) {
                char id[16];
                snprintf(id, sizeof id, "q%d", ++n);
                json_object_set_new(json_array_get(out, json_array_size(out) - 1), "id", json_string(id));
            }
        }
        free(line);
    }
    return out;
}

void kj_page_event_create(kj_req *req)
{
    if (kj_has_errors(req)) { render_form(req, 422); return; }
    json_t *in = json_deep_copy(req->in);
    json_object_set_new(in, "sections", lines_to(kj_in_str(req, "sections_text"), false));
    json_object_set_new(in, "questions", lines_to(kj_in_str(req, "questions_text"), true));
    char id[KJ_ID_LEN + 1];
    kj_err e = { .fields = json_object() };
    int rc = kj_event_create(kj_req_db(req), req->user, in, id, &e);
    json_decref(in);
    if (rc) {
        if (e.kind != KJ_E_INVALID) { json_decref(e.fields); kj_answer_err(req, &e); return; }
        const char *k;
        json_t *v;
        json_object_foreach(e.fields, k, v) kj_field_error(req, kj_arena_strdup(req->arena, k), json_string_value(v));
        json_decref(e.fields);
        render_form(req, 422);
        return;
    }
    json_decref(e.fields);
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/events/%s", id));
}

/* ---- one event ---- */

static json_t *view_or_fail(kj_req *req)
{
    kj_err e = { 0 };
    json_t *ev = kj_event_view(kj_req_db(req), req->user, kj_req_param(req, 0), &e);
    if (!ev) kj_answer_err(req, &e);
    return ev;
}

void kj_page_event(kj_req *req)
{
    json_t *ev = view_or_fail(req);
    if (!ev) return;
    kj_ev_decorate(req, ev);
    json_object_set(ev, "ev_id", json_object_get(ev, "id"));
    json_t *projects = NULL;
    kj_err pe = { 0 };
    projects = kj_event_projects(kj_req_db(req), req->user, kj_req_param(req, 0), &pe);
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(projects, "lineup"), i, p) {
        kj_ev_set_when(req, p, "slot_start", "starts_text", kj_jstr(ev, "time_zone"));
        kj_ev_set_when(req, p, "slot_end", "ends_text", kj_jstr(ev, "time_zone"));
    }
    json_t *kinds = json_array();
    for (const char *const *k = kj_event_session_kinds; *k; k++) {
        json_t *o = json_pack("{s:s}", "code", *k);
        label(req, o, "label", "event.session.kind", *k);
        json_array_append_new(kinds, o);
    }
    const char *done = kj_req_query(req, "done");
    json_t *d = json_pack("{s:o, s:s, s:o, s:o}", "event", ev, "page_title", kj_jstr_or_empty(ev, "name"), "session_kinds", kinds,
                          "lineup", projects ? json_incref(json_object_get(projects, "lineup")) : json_array());
    json_decref(projects);
    if (done && *done) {
        char key[64];
        snprintf(key, sizeof key, "event.done.%.40s", done);
        json_object_set_new(d, "done_text", json_string(kj_tr(req, key)));
    }
    kj_render(req, 200, "event_detail", d);
}

void kj_page_event_act(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_event_act(kj_req_db(req), req->user, kj_req_param(req, 0), kj_in_str(req, "action"), kj_in_str(req, "reason"), &e)) { kj_answer_err(req, &e); return; }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/events/%s?done=%s", kj_req_param(req, 0), kj_in_str(req, "action")));
}

void kj_page_event_session_add(kj_req *req)
{
    if (kj_has_errors(req)) { kj_error(req, 422, "err.event.sessions"); return; }
    char sid[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    if (kj_event_session_add(kj_req_db(req), req->user, kj_req_param(req, 0), req->in, sid, &e)) { kj_answer_err(req, &e); return; }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/events/%s?done=session", kj_req_param(req, 0)));
}

/* ---- registration ---- */

static json_t *country_options(kj_req *req, const char *selected)
{
    json_t *out = json_array();
    for (size_t i = 0; i < kj_country_count(); i++) {
        const char *name, *code = kj_country_at(i, &name);
        json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "code", code, "name", name, "selected", selected && !strcmp(selected, code)));
    }
    return out;
}

json_t *kj_ev_register_input(kj_req *req, json_t *ev)
{
    json_t *in = json_pack("{s:s, s:s}", "org_name", kj_in_str(req, "org_name") ? kj_in_str(req, "org_name") : "", "country",
                           kj_in_str(req, "country") ? kj_in_str(req, "country") : "");
    json_t *answers = json_object();
    size_t i;
    json_t *q;
    json_array_foreach(json_object_get(ev, "questions"), i, q) {
        char name[40];
        snprintf(name, sizeof name, "answer_%zu", i + 1);
        const char *a = kj_in_str(req, name);
        if (a) json_object_set_new(answers, kj_jstr(q, "id"), json_string(a));
    }
    json_object_set_new(in, "answers", answers);
    json_t *secs = json_object_get(req->in, "sections");
    json_object_set_new(in, "sections", secs ? json_incref(secs) : json_array());
    return in;
}

static void render_register(kj_req *req, json_t *ev, int status)
{
    kj_ev_decorate(req, ev);
    size_t i;
    json_t *q, *s;
    json_array_foreach(json_object_get(ev, "questions"), i, q) {
        pick(req, q, "label_zh", "label_en", "label");
        json_object_set_new(q, "field", json_string(kj_arena_printf(req->arena, "answer_%zu", i + 1)));
        json_object_set_new(q, "value", json_string(kj_jstr_or_empty(req->form, kj_jstr(q, "field"))));
    }
    json_t *chosen = json_object_get(req->form, "sections");
    json_array_foreach(json_object_get(ev, "sections"), i, s) {
        bool on = false;
        size_t k;
        json_t *c;
        json_array_foreach(chosen, k, c) on = on || (json_string_value(c) && !strcmp(json_string_value(c), kj_jstr_or_empty(s, "id")));
        if (json_is_string(chosen)) on = !strcmp(json_string_value(chosen), kj_jstr_or_empty(s, "id"));
        json_object_set_new(s, "checked", json_boolean(on));
    }
    const char *country = kj_in_str(req, "country");
    if (!country) country = !strcmp(req->lang, "en") ? NULL : "CN";
    const char *org = kj_in_str(req, "org_name");
    if (!org) org = kj_jstr(req->user, "org_name");
    json_t *d = json_pack("{s:o, s:o, s:s, s:s}", "event", ev, "countries", country_options(req, country), "page_title",
                          kj_tr(req, "event.register.title"), "org_value", org ? org : "");
    kj_render(req, status, "event_register", d);
}

void kj_page_event_register_form(kj_req *req)
{
    json_t *ev = view_or_fail(req);
    if (!ev) return;
    render_register(req, ev, 200);
}

void kj_page_event_register(kj_req *req)
{
    json_t *ev = view_or_fail(req);
    if (!ev) return;
    if (kj_has_errors(req)) { render_register(req, ev, 422); return; }
    json_t *in = kj_ev_register_input(req, ev);
    json_object_set_new(in, "lang", json_string(req->lang));   /* the participant's e-mails are written in it */
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    int rc = kj_event_register(kj_req_db(req), req->user, kj_req_param(req, 0), in, id, &e);
    json_decref(in);
    if (rc) {
        if (e.kind == KJ_E_INVALID) {
            const char *field = e.field;
            /* answers: the field of the question that lacks its answer */
            if (field && !strcmp(field, "answers") && e.arg) {
                size_t i;
                json_t *q;
                json_array_foreach(json_object_get(ev, "questions"), i, q)
                    if (!strcmp(kj_jstr_or_empty(q, "id"), e.arg)) field = kj_arena_printf(req->arena, "answer_%zu", i + 1);
            }
            kj_field_error(req, field ? field : "form", e.key);
            render_register(req, ev, 422);
            return;
        }
        if (e.kind == KJ_E_CONFLICT) {
            kj_field_error(req, "form", e.key);
            render_register(req, ev, 409);
            return;
        }
        json_decref(ev);
        kj_answer_err(req, &e);
        return;
    }
    json_decref(ev);
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/events/%s?done=registered", kj_req_param(req, 0)));
}

void kj_page_event_registrations(kj_req *req)
{
    kj_err e = { 0 };
    json_t *ev = view_or_fail(req);
    if (!ev) return;
    json_t *rows = kj_event_registrations(kj_req_db(req), req->user, kj_req_param(req, 0), &e);
    if (!rows) { json_decref(ev); kj_answer_err(req, &e); return; }
    kj_ev_decorate(req, ev);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        label(req, r, "state_label", "event.reg.state", kj_jstr(r, "state"));
        kj_ev_set_when(req, r, "checked_in_at", "checked_in_text", kj_jstr(ev, "time_zone"));
        json_object_set_new(r, "pending", json_boolean(!strcmp(kj_jstr_or_empty(r, "state"), "pending")));
        const char *cn = kj_country_name(kj_jstr(r, "country"));
        json_object_set_new(r, "country_name", json_string(cn ? cn : ""));
        json_object_set(r, "ev_id", json_object_get(ev, "id"));
    }
    json_t *d = json_pack("{s:o, s:o, s:s}", "event", ev, "items", rows, "page_title", kj_tr(req, "event.registrations.title"));
    kj_render(req, 200, "event_registrations", d);
}

void kj_page_event_reg_act(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_event_reg_act(kj_req_db(req), req->user, kj_req_param(req, 1), kj_in_str(req, "action"), &e)) { kj_answer_err(req, &e); return; }
    const char *back = kj_in_str(req, "back");
    if (back && !strcmp(back, "list"))
        kj_resp_redirect(req, kj_arena_printf(req->arena, "/events/%s/registrations", kj_req_param(req, 0)));
    else kj_resp_redirect(req, kj_arena_printf(req->arena, "/events/%s?done=reg_%s", kj_req_param(req, 0), kj_in_str(req, "action")));
}

void kj_page_event_publish_results(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_event_publish_results(kj_req_db(req), req->user, kj_req_param(req, 0), kj_in_bool(req, "publish"), &e)) {
        kj_answer_err(req, &e);
        return;
    }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/events/%s/meetings", kj_req_param(req, 0)));
}

