/*
 * pages_event_meet.c — the matchmaking pages of an event: participants
 * with suggestions of whom to meet (and why), the listings one shows, the
 * meeting requests and their actions, outcomes and the deal they can
 * start, the personal agenda and its iCalendar download, the ticket with
 * its QR code, the staff's check-in page (camera or typed code), and the
 * organizer's report with its XLSX export.
 */
#include "web/pages_event.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/clock.h"
#include "core/country.h"
#include "core/id.h"
#include "core/json_util.h"
#include "event/event.h"
#include "event/ics.h"
#include "event/ticket.h"
#include "event/xlsx.h"
#include "market/market.h"
#include "popsci/popsci.h"
#include "web/app.h"
#include "web/pages_search.h"

static void label(kj_req *req, json_t *o, const char *field, const char *prefix, const char *code)
{
    char key[96];
    snprintf(key, sizeof key, "%s.%s", prefix, code ? code : "");
    json_object_set_new(o, field, json_string(kj_tr(req, key)));
}

static void country_label(json_t *o)
{
    const char *n = kj_country_name(kj_jstr(o, "country"));
    json_object_set_new(o, "country_name", json_string(n ? n : ""));
}

/* The event's view for a sub-page, decorated; NULL when refused (answered). */
static json_t *event_or_fail(kj_req *req)
{
    kj_err e = { 0 };
    json_t *ev = kj_event_view(kj_req_db(req), req->user, kj_req_param(req, 0), &e);
    if (!ev) { kj_answer_err(req, &e); return NULL; }
    kj_ev_decorate(req, ev);
    return ev;
}

/* ---- participants, suggestions, showcase ---- */

static json_t *slot_options(json_t *ev)
{
    json_t *out = json_array();
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(ev, "grid"), i, g)
        json_array_append_new(out, json_pack("{s:O, s:O, s:O}", "slot", json_object_get(g, "slot"), "number", json_object_get(g, "number"),
                                             "starts_text", json_object_get(g, "starts_text")));
    return out;
}

void kj_page_event_participants(kj_req *req)
{
    json_t *ev = event_or_fail(req);
    if (!ev) return;
    kj_db *db = kj_req_db(req);
    kj_err e = { 0 };
    json_t *people = kj_event_participants(db, req->user, kj_req_param(req, 0), &e);
    if (!people) { json_decref(ev); kj_answer_err(req, &e); return; }
    json_t *sugg = kj_event_suggestions(db, req->user, kj_req_param(req, 0), 10);
    size_t i, j;
    json_t *x, *l;
    json_array_foreach(sugg, i, x) {
        kj_match_explain(req, x);
        country_label(x);
        json_object_set_new(x, "n", json_integer((json_int_t)i + 1));
    }
    json_array_foreach(people, i, x) {
        country_label(x);
        json_array_foreach(json_object_get(x, "listings"), j, l) label(req, l, "kind_label", "kind", kj_jstr(l, "kind"));
    }
    /* My published listings, to choose which to show here. */
    json_t *mine = kj_user_id(req->user) ? kj_listing_mine(db, req->user) : json_array();
    json_t *reg = json_object_get(ev, "my_registration");
    json_t *shown = json_object_get(reg, "showcase");
    json_t *opts = json_array();
    json_array_foreach(mine, i, l) {
        if (strcmp(kj_jstr_or_empty(l, "status"), "published")) continue;
        bool on = false;
        json_array_foreach(shown, j, x) on = on || !strcmp(json_string_value(x) ? json_string_value(x) : "", kj_jstr_or_empty(l, "id"));
        json_t *o = json_pack("{s:O, s:O, s:b}", "id", json_object_get(l, "id"), "title", json_object_get(l, "title"), "checked", on);
        label(req, o, "kind_label", "kind", kj_jstr(l, "kind"));
        json_array_append_new(opts, o);
    }
    json_decref(mine);
    json_t *d = json_pack("{s:o, s:o, s:o, s:o, s:o, s:s}", "event", ev, "people", people, "suggestions", sugg, "my_listings", opts,
                          "slots", slot_options(ev), "page_title", kj_tr(req, "event.participants.title"));
    json_object_set(d, "ev_id", json_object_get(ev, "id"));
    const char *done = kj_req_query(req, "done");
    if (done && !strcmp(done, "requested")) json_object_set_new(d, "done_text", json_string(kj_tr(req, "event.done.requested")));
    if (done && !strcmp(done, "showcase")) json_object_set_new(d, "done_text", json_string(kj_tr(req, "event.done.showcase")));
    kj_render(req, 200, "event_participants", d);
}

void kj_page_event_showcase(kj_req *req)
{
    kj_err e = { 0 };
    json_t *ids = json_object_get(req->in, "listings");
    json_t *list = json_is_array(ids) ? json_incref(ids) : json_is_string(ids) ? json_pack("[O]", ids) : json_array();
    int rc = kj_event_showcase_set(kj_req_db(req), req->user, kj_req_param(req, 0), list, &e);
    json_decref(list);
    if (rc) { kj_answer_err(req, &e); return; }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/events/%s/participants?done=showcase", kj_req_param(req, 0)));
}

/* ---- meetings ---- */

static void decorate_meeting(kj_req *req, json_t *m, const char *zone, const char *ev_id)
{
    label(req, m, "state_label", "event.meeting.state", kj_jstr(m, "state"));
    kj_ev_set_when(req, m, "starts_at", "starts_text", zone);
    kj_ev_set_when(req, m, "ends_at", "ends_text", zone);
    if (kj_jstr(m, "my_outcome")) label(req, m, "my_outcome_label", "event.outcome", kj_jstr(m, "my_outcome"));
    if (kj_jstr(m, "other_outcome")) label(req, m, "other_outcome_label", "event.outcome", kj_jstr(m, "other_outcome"));
    json_t *can = json_object();
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(m, "actions"), i, a) json_object_set_new(can, json_string_value(a), json_true());
    /* start_deal only when it can work: both intend, a listing, no deal yet. */
    bool both = kj_jstr(m, "my_outcome") && !strcmp(kj_jstr(m, "my_outcome"), "intention") && kj_jstr(m, "other_outcome") &&
                !strcmp(kj_jstr(m, "other_outcome"), "intention");
    if (!both || !kj_jstr(m, "listing_id") || kj_jstr(m, "deal_id")) json_object_del(can, "start_deal");
    json_object_set_new(m, "can", can);
    json_object_set_new(m, "ev_id", json_string(ev_id));
    json_t *outs = json_array();
    for (const char *const *o = kj_event_outcomes; *o; o++) {
        json_t *x = json_pack("{s:s, s:b}", "code", *o, "selected", kj_jstr(m, "my_outcome") && !strcmp(kj_jstr(m, "my_outcome"), *o));
        label(req, x, "label", "event.outcome", *o);
        json_array_append_new(outs, x);
    }
    json_object_set_new(m, "outcome_options", outs);
}

void kj_page_event_meetings(kj_req *req)
{
    json_t *ev = event_or_fail(req);
    if (!ev) return;
    kj_err e = { 0 };
    const char *scope = kj_in_str(req, "scope");
    json_t *items = kj_event_meetings(kj_req_db(req), req->user, kj_req_param(req, 0), scope, &e);
    if (!items) { json_decref(ev); kj_answer_err(req, &e); return; }
    size_t i;
    json_t *m;
    json_array_foreach(items, i, m) decorate_meeting(req, m, kj_jstr(ev, "time_zone"), kj_jstr(ev, "id"));
    json_t *d = json_pack("{s:o, s:o, s:s, s:b}", "event", ev, "items", items, "page_title", kj_tr(req, "event.meetings.title"), "all",
                          scope && !strcmp(scope, "all"));
    json_object_set(d, "ev_id", json_object_get(ev, "id"));
    const char *done = kj_req_query(req, "done");
    if (done && *done) {
        char key[64];
        snprintf(key, sizeof key, "event.done.%.40s", done);
        json_object_set_new(d, "done_text", json_string(kj_tr(req, key)));
    }
    kj_render(req, 200, "event_meetings", d);
}

void kj_page_event_meeting_request(kj_req *req)
{
    kj_err e = { 0 };
    char id[KJ_ID_LEN + 1];
    if (kj_has_errors(req)) { kj_error(req, 422, "err.form.check"); return; }
    if (kj_event_meeting_request(kj_req_db(req), req->user, kj_req_param(req, 0), req->in, id, &e)) { kj_answer_err(req, &e); return; }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/events/%s/meetings?done=requested", kj_req_param(req, 0)));
}

void kj_page_event_meeting_act(kj_req *req)
{
    kj_err e = { 0 };
    char deal[KJ_ID_LEN + 1] = "";
    const char *action = kj_in_str(req, "action");
    if (kj_event_meeting_act(kj_req_db(req), req->user, kj_req_param(req, 1), action, req->in, deal, &e)) { kj_answer_err(req, &e); return; }
    if (action && !strcmp(action, "start_deal") && *deal) { kj_resp_redirect(req, kj_arena_printf(req->arena, "/deals/%s", deal)); return; }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/events/%s/meetings?done=%s", kj_req_param(req, 0), action ? action : ""));
}

/* ---- agenda and iCalendar ---- */

static json_t *agenda_or_fail(kj_req *req, const char *id)
{
    kj_err e = { 0 };
    json_t *a = kj_event_agenda(kj_req_db(req), req->user, id, &e);
    if (!a) kj_answer_err(req, &e);
    return a;
}

void kj_page_event_agenda(kj_req *req)
{
    json_t *a = agenda_or_fail(req, kj_req_param(req, 0));
    if (!a) return;
    json_t *ev = json_object_get(a, "event");
    kj_ev_decorate(req, ev);
    const char *zone = kj_jstr(ev, "time_zone");
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(a, "meetings"), i, x) decorate_meeting(req, x, zone, kj_jstr(ev, "id"));
    json_array_foreach(json_object_get(a, "waiting"), i, x) decorate_meeting(req, x, zone, kj_jstr(ev, "id"));
    json_array_foreach(json_object_get(a, "sessions"), i, x) {
        kj_ev_set_when(req, x, "starts_at", "starts_text", zone);
        kj_ev_set_when(req, x, "ends_at", "ends_text", zone);
        const char *en = kj_jstr(x, "title_en");
        json_object_set_new(x, "title", json_string(!strcmp(req->lang, "en") && en && *en ? en : kj_jstr_or_empty(x, "title_zh")));
    }
    json_object_set_new(a, "page_title", json_string(kj_tr(req, "event.agenda.title")));
    json_object_set(a, "ev_id", json_object_get(ev, "id"));
    kj_render(req, 200, "event_agenda", a);
}

void kj_ev_send_ics(kj_req *req, const char *id)
{
    json_t *a = agenda_or_fail(req, id);
    if (!a) return;
    json_t *ev = json_object_get(a, "event");
    bool en = !strcmp(req->lang, "en");
    const char *name = en && *kj_jstr_or_empty(ev, "name_en") ? kj_jstr(ev, "name_en") : kj_jstr_or_empty(ev, "name_zh");
    const char *host = *kj_req_app(req)->cfg.public_url ? kj_req_app(req)->cfg.public_url : "kejiyun";
    const char *h = strstr(host, "://");
    h = h ? h + 3 : host;
    kj_buf b = { 0 };
    int64_t now = kj_now_ms();
    int rc = kj_ics_begin(&b, name);
    /* The event itself, then its sessions, then the participant's meetings. */
    const char *venue = json_is_true(json_object_get(ev, "online")) ? kj_jstr_or_empty(ev, "online_url") : kj_jstr_or_empty(ev, "venue");
    if (!rc) rc = kj_ics_event(&b, kj_arena_printf(req->arena, "event-%s@%s", kj_jstr_or_empty(ev, "id"), h), now,
                               json_integer_value(json_object_get(ev, "starts_at")), json_integer_value(json_object_get(ev, "ends_at")),
                               name, venue, en && *kj_jstr_or_empty(ev, "summary_en") ? kj_jstr(ev, "summary_en") : kj_jstr(ev, "summary_zh"));
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(a, "sessions"), i, x) {
        const char *t = en && *kj_jstr_or_empty(x, "title_en") ? kj_jstr(x, "title_en") : kj_jstr_or_empty(x, "title_zh");
        const char *where = *kj_jstr_or_empty(x, "room") ? kj_arena_printf(req->arena, "%s, %s", kj_jstr(x, "room"), kj_jstr_or_empty(ev, "venue"))
                                                        : kj_jstr_or_empty(ev, "venue");
        if (!rc) rc = kj_ics_event(&b, kj_arena_printf(req->arena, "session-%s@%s", kj_jstr_or_empty(x, "id"), h), now,
                                   json_integer_value(json_object_get(x, "starts_at")), json_integer_value(json_object_get(x, "ends_at")),
                                   kj_arena_printf(req->arena, "%s · %s", name, t), where, kj_jstr(x, "speakers"));
    }
    json_array_foreach(json_object_get(a, "meetings"), i, x) {
        const char *summary = kj_trf(req, "event.ics.meeting", kj_jstr_or_empty(x, "other_name"));
        const char *where = kj_arena_printf(req->arena, "%s %lld, %s", kj_tr(req, "event.field.table"),
                                            (long long)json_integer_value(json_object_get(x, "table")), kj_jstr_or_empty(ev, "venue"));
        const char *desc = kj_jstr(x, "listing_title") ? kj_arena_printf(req->arena, "%s: %s", kj_tr(req, "event.field.topic"), kj_jstr(x, "listing_title"))
                                                       : kj_jstr(x, "message");
        if (!rc) rc = kj_ics_event(&b, kj_arena_printf(req->arena, "meeting-%s@%s", kj_jstr_or_empty(x, "id"), h), now,
                                   json_integer_value(json_object_get(x, "starts_at")), json_integer_value(json_object_get(x, "ends_at")),
                                   summary, where, desc);
    }
    if (!rc) rc = kj_ics_end(&b);
    json_decref(a);
    if (rc) { kj_buf_free(&b); kj_error(req, 500, "err.internal"); return; }
    kj_resp_text(req, 200, "text/calendar; charset=utf-8", b.data, b.len);
    kj_resp_header(req, "Content-Disposition", "attachment; filename=\"agenda.ics\"");
    kj_resp_header(req, "Cache-Control", "private, no-store");
    kj_buf_free(&b);
}

void kj_page_event_agenda_ics(kj_req *req) { kj_ev_send_ics(req, kj_req_param(req, 0)); }

/* ---- tickets ---- */

static json_t *my_ticket(kj_req *req, json_t **ev_out)
{
    json_t *ev = event_or_fail(req);
    if (!ev) return NULL;
    json_t *reg = json_object_get(ev, "my_registration");
    const char *st = kj_jstr(reg, "state");
    if (!reg || !kj_jstr(reg, "ticket_code") || !st || (strcmp(st, "approved") && strcmp(st, "checked_in"))) {
        json_decref(ev);
        kj_error(req, 404, "err.event.no_ticket");
        return NULL;
    }
    *ev_out = ev;
    return reg;
}

void kj_page_event_ticket(kj_req *req)
{
    json_t *ev = NULL, *reg = my_ticket(req, &ev);
    if (!reg) return;
    const char *code = kj_jstr(reg, "ticket_code");
    /* Shown in groups of five, as people read it out. */
    json_object_set_new(reg, "code_text", json_string(kj_arena_printf(req->arena, "%.5s-%s", code, strlen(code) > 5 ? code + 5 : "")));
    country_label(reg);
    json_t *d = json_pack("{s:o, s:s}", "event", ev, "page_title", kj_tr(req, "event.ticket.title"));
    json_object_set(d, "ticket", reg);
    json_object_set(d, "ev_id", json_object_get(ev, "id"));
    kj_render(req, 200, "event_ticket", d);
}

void kj_page_event_ticket_svg(kj_req *req)
{
    json_t *ev = NULL, *reg = my_ticket(req, &ev);
    if (!reg) return;
    kj_buf b = { 0 };
    int rc = kj_ticket_qr_svg(&b, kj_jstr(reg, "ticket_code"));
    json_decref(ev);
    if (rc) { kj_buf_free(&b); kj_error(req, 500, "err.internal"); return; }
    kj_resp_text(req, 200, "image/svg+xml", b.data, b.len);
    kj_resp_header(req, "Content-Security-Policy", "default-src 'none'");
    kj_resp_header(req, "Cache-Control", "private, no-store");
    kj_buf_free(&b);
}

/* ---- check-in ---- */

static void render_checkin(kj_req *req, json_t *ev, int status, json_t *who, const char *err_key)
{
    json_t *d = json_pack("{s:o, s:s}", "event", ev, "page_title", kj_tr(req, "event.checkin.title"));
    json_object_set(d, "ev_id", json_object_get(ev, "id"));
    if (who) {
        country_label(who);
        json_object_set_new(d, "who", who);
    }
    if (err_key) json_object_set_new(d, "error_text", json_string(kj_tr(req, err_key)));
    kj_render(req, status, "event_checkin", d);
}

static json_t *organizer_event(kj_req *req)
{
    json_t *ev = event_or_fail(req);
    if (!ev) return NULL;
    if (!json_is_true(json_object_get(ev, "is_organizer"))) {
        json_decref(ev);
        kj_err e = { 0 };
        kj_err_set(&e, KJ_E_FORBIDDEN, kj_jstr(req->user, "center_id") ? "err.event.other_center" : "err.auth.forbidden", NULL);
        kj_answer_err(req, &e);
        return NULL;
    }
    return ev;
}

void kj_page_event_checkin_form(kj_req *req)
{
    json_t *ev = organizer_event(req);
    if (ev) render_checkin(req, ev, 200, NULL, NULL);
}

void kj_page_event_checkin(kj_req *req)
{
    json_t *ev = organizer_event(req);
    if (!ev) return;
    kj_err e = { 0 };
    json_t *who = NULL;
    if (kj_event_checkin(kj_req_db(req), req->user, kj_req_param(req, 0), kj_in_str(req, "code"), &who, &e)) {
        render_checkin(req, ev, kj_err_status(&e), NULL, e.key);
        return;
    }
    render_checkin(req, ev, 200, who, NULL);
}

/* ---- the report ---- */

static json_t *report_or_fail(kj_req *req, const char *id)
{
    kj_err e = { 0 };
    json_t *r = kj_event_report(kj_req_db(req), req->user, id, &e);
    if (!r) kj_answer_err(req, &e);
    return r;
}

static void decorate_report(kj_req *req, json_t *r)
{
    size_t i;
    json_t *x;
    bool en = !strcmp(req->lang, "en");
    json_array_foreach(json_object_get(r, "by_section"), i, x) {
        const char *n = kj_jstr(x, "name_en");
        json_object_set_new(x, "name", json_string(en && n && *n ? n : kj_jstr_or_empty(x, "name_zh")));
    }
    json_array_foreach(json_object_get(r, "by_domain"), i, x) {
        char key[64];
        snprintf(key, sizeof key, "domain.%s", kj_jstr_or_empty(x, "domain"));
        json_object_set_new(x, "domain_label", json_string(*kj_jstr_or_empty(x, "domain") ? kj_tr(req, key) : kj_tr(req, "event.report.no_domain")));
    }
    json_array_foreach(json_object_get(r, "by_country"), i, x) country_label(x);
    json_t *states = json_array();
    for (const char *const *s = kj_event_reg_states; *s; s++) {
        json_t *o = json_pack("{s:s, s:O}", "code", *s, "n", json_object_get(json_object_get(r, "registrations"), *s));
        label(req, o, "label", "event.reg.state", *s);
        json_array_append_new(states, o);
    }
    json_object_set_new(r, "reg_states", states);
}

void kj_page_event_report(kj_req *req)
{
    json_t *r = report_or_fail(req, kj_req_param(req, 0));
    if (!r) return;
    kj_ev_decorate(req, json_object_get(r, "event"));
    decorate_report(req, r);
    json_object_set_new(r, "page_title", json_string(kj_tr(req, "event.report.title")));
    json_object_set(r, "ev_id", json_object_get(json_object_get(r, "event"), "id"));
    kj_render(req, 200, "event_report", r);
}

static json_t *row2(const char *a, json_t *b) { return json_pack("[s, O]", a, b ? b : json_integer(0)); }

void kj_ev_send_report_xlsx(kj_req *req, const char *id)
{
    json_t *r = report_or_fail(req, id);
    if (!r) return;
    decorate_report(req, r);
    json_t *summary = json_array();
    json_array_append_new(summary, json_pack("[s, s]", kj_tr(req, "event.report.figure"), kj_tr(req, "event.report.count")));
    static const char *const figures[] = { "registered", "attended", "meetings_requested", "meetings_accepted", "meetings_held",
                                           "intentions", "deals_started", "deals_signed", NULL };
    for (const char *const *f = figures; *f; f++) {
        char key[64];
        snprintf(key, sizeof key, "event.report.%s", *f);
        json_array_append_new(summary, row2(kj_tr(req, key), json_object_get(r, *f)));
    }
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(r, "reg_states"), i, x) json_array_append_new(summary, row2(kj_jstr(x, "label"), json_object_get(x, "n")));
    json_t *sections = json_array();
    json_array_append_new(sections, json_pack("[s, s, s, s]", kj_tr(req, "event.report.section"), kj_tr(req, "event.report.section_chose"),
                                              kj_tr(req, "event.report.section_attended"), kj_tr(req, "event.report.meetings_held")));
    json_array_foreach(json_object_get(r, "by_section"), i, x)
        json_array_append_new(sections, json_pack("[s, O, O, O]", kj_jstr_or_empty(x, "name"), json_object_get(x, "registrations"),
                                                  json_object_get(x, "attended"), json_object_get(x, "meetings_held")));
    json_t *domains = json_array();
    json_array_append_new(domains, json_pack("[s, s, s, s, s]", kj_tr(req, "event.report.domain"), kj_tr(req, "event.report.meetings_requested"),
                                             kj_tr(req, "event.report.meetings_held"), kj_tr(req, "event.report.intentions"),
                                             kj_tr(req, "event.report.deals_started")));
    json_array_foreach(json_object_get(r, "by_domain"), i, x)
        json_array_append_new(domains, json_pack("[s, O, O, O, O]", kj_jstr_or_empty(x, "domain_label"), json_object_get(x, "meetings"),
                                                 json_object_get(x, "held"), json_object_get(x, "intentions"), json_object_get(x, "deals")));
    json_t *countries = json_array();
    json_array_append_new(countries, json_pack("[s, s, s]", kj_tr(req, "event.field.country"), "ISO 3166", kj_tr(req, "event.report.registered")));
    json_array_foreach(json_object_get(r, "by_country"), i, x)
        json_array_append_new(countries, json_pack("[s, s, O]", kj_jstr_or_empty(x, "country_name"), kj_jstr_or_empty(x, "country"),
                                                   json_object_get(x, "registrations")));
    json_t *sheets = json_pack("[{s:s, s:o}, {s:s, s:o}, {s:s, s:o}, {s:s, s:o}]", "name", kj_tr(req, "event.report.sheet_summary"), "rows",
                               summary, "name", kj_tr(req, "event.report.sheet_sections"), "rows", sections, "name",
                               kj_tr(req, "event.report.sheet_domains"), "rows", domains, "name", kj_tr(req, "event.report.sheet_countries"),
                               "rows", countries);
    kj_buf b = { 0 };
    int rc = kj_xlsx_tables(sheets, &b);
    json_decref(sheets);
    json_decref(r);
    if (rc) { kj_buf_free(&b); kj_error(req, 500, "err.internal"); return; }
    kj_resp_text(req, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b.data, b.len);
    kj_resp_header(req, "Content-Disposition", "attachment; filename=\"event-report.xlsx\"");
    kj_resp_header(req, "Cache-Control", "private, no-store");
    kj_buf_free(&b);
}

void kj_page_event_report_xlsx(kj_req *req) { kj_ev_send_report_xlsx(req, kj_req_param(req, 0)); }

/* ---- projects and the roadshow ---- */

/* "name | weight | max" lines to a rubric (the domain checks it). */
static json_t *rubric_lines(const char *text)
{
    json_t *out = json_array();
    const char *p = text ? text : "";
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char line[256], name[256];
        snprintf(line, sizeof line, "%.*s", (int)(len < 255 ? len : 255), p);
        p += len + (end ? 1 : 0);
        int weight = 0, max = 0;
        char *bar = strchr(line, '|');
        if (!bar) { if (strspn(line, " \t\r") < strlen(line)) json_array_append_new(out, json_pack("{s:s, s:i, s:i}", "name", "", "weight", 0, "max", 0)); continue; }
        *bar = 0;
        snprintf(name, sizeof name, "%s", line);
        for (char *t = name + strlen(name); t > name && (t[-1] == ' ' || t[-1] == '\t'); t--) t[-1] = 0;
        char *n = name;
        while (*n == ' ') n++;
        if (sscanf(bar + 1, "%d | %d", &weight, &max) < 1) weight = 0;
        json_array_append_new(out, json_pack("{s:s, s:i, s:i}", "name", n, "weight", weight, "max", max));
    }
    return out;
}

void kj_page_event_projects(kj_req *req)
{
    json_t *ev = event_or_fail(req);
    if (!ev) return;
    kj_db *db = kj_req_db(req);
    kj_err e = { 0 };
    json_t *p = kj_event_projects(db, req->user, kj_req_param(req, 0), &e);
    if (!p) { json_decref(ev); kj_answer_err(req, &e); return; }
    const char *zone = kj_jstr(ev, "time_zone");
    size_t i, j;
    json_t *x, *c;
    json_array_foreach(json_object_get(p, "lineup"), i, x) {
        kj_ev_set_when(req, x, "slot_start", "starts_text", zone);
        kj_ev_set_when(req, x, "slot_end", "ends_text", zone);
    }
    json_t *rubric = json_object_get(p, "rubric");
    json_array_foreach(json_object_get(p, "projects"), i, x) {
        label(req, x, "state_label", "event.project.state", kj_jstr(x, "state"));
        json_t *avg = json_object_get(x, "average");
        if (json_is_number(avg)) json_object_set_new(x, "average_text", json_string(kj_arena_printf(req->arena, "%.1f", json_number_value(avg))));
        json_object_set(x, "ev_id", json_object_get(ev, "id"));
        json_t *crit = json_array();
        json_array_foreach(rubric, j, c)
            json_array_append_new(crit, json_pack("{s:O, s:O, s:i}", "name", json_object_get(c, "name"), "max", json_object_get(c, "max"), "n", (int)j));
        json_object_set_new(x, "criteria", crit);
    }
    /* The participant's own listings to submit from. */
    json_t *mine = kj_user_id(req->user) ? kj_listing_mine(db, req->user) : json_array(), *opts = json_array();
    json_array_foreach(mine, i, x)
        if (!strcmp(kj_jstr_or_empty(x, "status"), "published"))
            json_array_append_new(opts, json_pack("{s:O, s:O}", "id", json_object_get(x, "id"), "title", json_object_get(x, "title")));
    json_decref(mine);
    json_t *sessions = json_array();
    json_array_foreach(json_object_get(ev, "all_sessions"), i, x) {
        const char *en = kj_jstr(x, "title_en");
        json_array_append_new(sessions, json_pack("{s:O, s:s}", "id", json_object_get(x, "id"), "title",
                                                  !strcmp(req->lang, "en") && en && *en ? en : kj_jstr_or_empty(x, "title_zh")));
    }
    bool org = json_is_true(json_object_get(ev, "is_organizer"));
    json_t *d = json_pack("{s:o, s:o, s:o, s:o, s:s, s:b}", "event", ev, "projects", p, "my_listings", opts, "sessions", sessions,
                          "page_title", kj_tr(req, "event.roadshow.title"), "has_projects", json_object_get(p, "projects") != NULL);
    if (org) json_object_set_new(d, "experts", kj_popsci_expert_directory(db, NULL, 100, 0));
    json_object_set(d, "ev_id", json_object_get(ev, "id"));
    const char *done = kj_req_query(req, "done");
    if (done && *done) {
        char key[64];
        snprintf(key, sizeof key, "event.done.%.40s", done);
        json_object_set_new(d, "done_text", json_string(kj_tr(req, key)));
    }
    kj_render(req, 200, "event_projects", d);
}

static void back_to_projects(kj_req *req, const char *done)
{
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/events/%s/projects?done=%s", kj_req_param(req, 0), done));
}

void kj_page_event_project_submit(kj_req *req)
{
    if (kj_has_errors(req)) { kj_error(req, 422, "err.form.check"); return; }
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    if (kj_event_project_submit(kj_req_db(req), req->user, kj_req_param(req, 0), req->in, id, &e)) { kj_answer_err(req, &e); return; }
    back_to_projects(req, "project");
}

void kj_page_event_review_setup(kj_req *req)
{
    json_t *rubric = rubric_lines(kj_in_str(req, "rubric_text"));
    json_t *ids = json_object_get(req->in, "reviewers");
    ids = ids ? json_incref(ids) : json_array();
    kj_err e = { 0 };
    int rc = kj_event_review_setup(kj_req_db(req), req->user, kj_req_param(req, 0), ids, rubric, &e);
    json_decref(rubric);
    json_decref(ids);
    if (rc) { kj_answer_err(req, &e); return; }
    back_to_projects(req, "review");
}

void kj_page_event_project_score(kj_req *req)
{
    /* The form sends one field per criterion, score_0 .. score_9. */
    json_t *scores = json_array();
    for (int i = 0; i < 10; i++) {
        char name[32];
        snprintf(name, sizeof name, "score_%d", i);
        json_t *v = json_object_get(req->in, name);
        if (!v) break;
        json_array_append(scores, v);
    }
    kj_err e = { 0 };
    int rc = kj_event_review_score(kj_req_db(req), req->user, kj_req_param(req, 1), scores, kj_in_str(req, "comment"), &e);
    json_decref(scores);
    if (rc) { kj_answer_err(req, &e); return; }
    back_to_projects(req, "score");
}

void kj_page_event_project_place(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_event_project_place(kj_req_db(req), req->user, kj_req_param(req, 1), req->in, &e)) { kj_answer_err(req, &e); return; }
    back_to_projects(req, "place");
}
