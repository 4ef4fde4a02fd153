/*
 * api_event.c — the events' JSON API: /api/v1/events (list, create), the
 * published life-cycle tables, one event and its actions and sessions,
 * registrations, participants and suggestions, the showcase, meetings and
 * their actions, the agenda (JSON and .ics), check-in, the report.
 */
#include <string.h>
#include "core/id.h"
#include "core/json_util.h"
#include "event/event.h"
#include "web/app.h"
#include "web/home_region.h"
#include "web/pages_event.h"
#include "web/pages_search.h"

void kj_api_events(kj_req *req)
{
    bool defaulted;   /* the home region, when the request names none (web/home_region.h) */
    const char *region = kj_region_filter(req, "region", &defaulted);
    if (!kj_has_errors(req) && !kj_region_filter_known(req, region)) kj_field_error(req, "region", "err.region.unknown");
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    json_t *items = kj_event_list_in(kj_req_db(req), req->user, kj_in_str(req, "when"), region, (int)kj_in_int(req, "limit", 100));
    json_t *out = json_pack("{s:o}", "items", items);
    if (defaulted) json_object_set_new(out, "region_default", json_string(region));
    kj_resp_json(req, 200, out);
}

void kj_api_event_create(kj_req *req)
{
    char id[KJ_ID_LEN + 1];
    kj_err e = { .fields = json_object() };
    int rc = kj_event_create(kj_req_db(req), req->user, req->in, id, &e);
    if (rc) { kj_answer_err(req, &e); json_decref(e.fields); return; }
    json_decref(e.fields);
    kj_err ve = { 0 };
    json_t *v = kj_event_view(kj_req_db(req), req->user, id, &ve);
    kj_resp_header(req, "Location", kj_arena_printf(req->arena, "/api/v1/events/%s", id));
    kj_resp_json(req, 201, v ? v : json_pack("{s:s}", "id", id));
}

void kj_api_event_lifecycle(kj_req *req) { kj_resp_json(req, 200, kj_event_lifecycle()); }

void kj_api_event(kj_req *req)
{
    kj_err e = { 0 };
    json_t *v = kj_event_view(kj_req_db(req), req->user, kj_req_param(req, 0), &e);
    if (!v) { kj_answer_err(req, &e); return; }
    /* The viewer's ticket code is theirs; nobody else's is in a view. */
    kj_resp_json(req, 200, v);
}

void kj_api_event_act(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_event_act(kj_req_db(req), req->user, kj_req_param(req, 0), kj_in_str(req, "action"), kj_in_str(req, "reason"), &e)) { kj_answer_err(req, &e); return; }
    kj_api_event(req);
}

void kj_api_event_sessions(kj_req *req)
{
    char id[KJ_ID_LEN + 1];
    kj_err e = { .fields = json_object() };
    int rc = kj_event_session_add(kj_req_db(req), req->user, kj_req_param(req, 0), req->in, id, &e);
    if (rc) { kj_answer_err(req, &e); json_decref(e.fields); return; }
    json_decref(e.fields);
    kj_resp_json(req, 201, json_pack("{s:s}", "id", id));
}

void kj_api_event_register(kj_req *req)
{
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    /* The participant's e-mails are written in the language of this request. */
    json_t *in = req->in ? json_deep_copy(req->in) : json_object();
    json_object_set_new(in, "lang", json_string(req->lang));
    int rc = kj_event_register(kj_req_db(req), req->user, kj_req_param(req, 0), in, id, &e);
    json_decref(in);
    if (rc) { kj_answer_err(req, &e); return; }
    json_t *r = kj_event_my_registration(kj_req_db(req), req->user, kj_req_param(req, 0));
    kj_resp_header(req, "Location", kj_arena_printf(req->arena, "/api/v1/events/%s/registrations/%s", kj_req_param(req, 0), id));
    kj_resp_json(req, 201, r ? r : json_pack("{s:s}", "id", id));
}

void kj_api_event_registrations(kj_req *req)
{
    kj_err e = { 0 };
    json_t *rows = kj_event_registrations(kj_req_db(req), req->user, kj_req_param(req, 0), &e);
    if (!rows) { kj_answer_err(req, &e); return; }
    kj_resp_json(req, 200, json_pack("{s:o}", "items", rows));
}

void kj_api_event_reg_act(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_event_reg_act(kj_req_db(req), req->user, kj_req_param(req, 1), kj_in_str(req, "action"), &e)) { kj_answer_err(req, &e); return; }
    kj_resp_json(req, 200, json_pack("{s:s, s:s}", "id", kj_req_param(req, 1), "action", kj_in_str(req, "action")));
}

void kj_api_event_participants(kj_req *req)
{
    kj_err e = { 0 };
    json_t *rows = kj_event_participants(kj_req_db(req), req->user, kj_req_param(req, 0), &e);
    if (!rows) { kj_answer_err(req, &e); return; }
    kj_resp_json(req, 200, json_pack("{s:o}", "items", rows));
}

void kj_api_event_suggestions(kj_req *req)
{
    kj_err e = { 0 };
    /* Who may not see the participants may not see suggestions either. */
    json_t *people = kj_event_participants(kj_req_db(req), req->user, kj_req_param(req, 0), &e);
    if (!people) { kj_answer_err(req, &e); return; }
    json_decref(people);
    json_t *items = kj_event_suggestions(kj_req_db(req), req->user, kj_req_param(req, 0), (int)kj_in_int(req, "limit", 10));
    size_t i;
    json_t *x;
    json_array_foreach(items, i, x) kj_match_explain(req, x);
    kj_resp_json(req, 200, json_pack("{s:o}", "items", items));
}

void kj_api_event_showcase(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_event_showcase_set(kj_req_db(req), req->user, kj_req_param(req, 0), json_object_get(req->in, "listings"), &e)) {
        kj_answer_err(req, &e);
        return;
    }
    json_t *l = json_object_get(req->in, "listings");
    kj_resp_json(req, 200, json_pack("{s:o}", "listings", l ? json_incref(l) : json_array()));
}

void kj_api_event_meetings(kj_req *req)
{
    kj_err e = { 0 };
    json_t *rows = kj_event_meetings(kj_req_db(req), req->user, kj_req_param(req, 0), kj_in_str(req, "scope"), &e);
    if (!rows) { kj_answer_err(req, &e); return; }
    kj_resp_json(req, 200, json_pack("{s:o}", "items", rows));
}

void kj_api_event_meeting_request(kj_req *req)
{
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    if (kj_event_meeting_request(kj_req_db(req), req->user, kj_req_param(req, 0), req->in, id, &e)) { kj_answer_err(req, &e); return; }
    kj_err ge = { 0 };
    json_t *m = kj_event_meeting_get(kj_req_db(req), req->user, id, &ge);
    kj_resp_header(req, "Location", kj_arena_printf(req->arena, "/api/v1/events/%s/meetings/%s", kj_req_param(req, 0), id));
    kj_resp_json(req, 201, m ? m : json_pack("{s:s}", "id", id));
}

void kj_api_event_meeting_act(kj_req *req)
{
    kj_err e = { 0 };
    char deal[KJ_ID_LEN + 1] = "";
    if (kj_event_meeting_act(kj_req_db(req), req->user, kj_req_param(req, 1), kj_in_str(req, "action"), req->in, deal, &e)) {
        kj_answer_err(req, &e);
        return;
    }
    kj_err ge = { 0 };
    json_t *m = kj_event_meeting_get(kj_req_db(req), req->user, kj_req_param(req, 1), &ge);
    if (!m) m = json_pack("{s:s}", "id", kj_req_param(req, 1));
    if (*deal) json_object_set_new(m, "deal_id", json_string(deal));
    kj_resp_json(req, 200, m);
}

void kj_api_event_agenda(kj_req *req)
{
    kj_err e = { 0 };
    json_t *a = kj_event_agenda(kj_req_db(req), req->user, kj_req_param(req, 0), &e);
    if (!a) { kj_answer_err(req, &e); return; }
    kj_resp_json(req, 200, a);
}

void kj_api_event_agenda_ics(kj_req *req) { kj_ev_send_ics(req, kj_req_param(req, 0)); }

void kj_api_event_checkin(kj_req *req)
{
    kj_err e = { 0 };
    json_t *who = NULL;
    if (kj_event_checkin(kj_req_db(req), req->user, kj_req_param(req, 0), kj_in_str(req, "code"), &who, &e)) { kj_answer_err(req, &e); return; }
    kj_resp_json(req, 200, who);
}

void kj_api_event_report(kj_req *req)
{
    if (kj_in_str(req, "format") && !strcmp(kj_in_str(req, "format"), "xlsx")) { kj_ev_send_report_xlsx(req, kj_req_param(req, 0)); return; }
    kj_err e = { 0 };
    json_t *r = kj_event_report(kj_req_db(req), req->user, kj_req_param(req, 0), &e);
    if (!r) { kj_answer_err(req, &e); return; }
    kj_resp_json(req, 200, r);
}

/* ---- projects, review, roadshow ---- */

void kj_api_event_projects(kj_req *req)
{
    kj_err e = { 0 };
    json_t *p = kj_event_projects(kj_req_db(req), req->user, kj_req_param(req, 0), &e);
    if (!p) { kj_answer_err(req, &e); return; }
    kj_resp_json(req, 200, p);
}

void kj_api_event_project_submit(kj_req *req)
{
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    if (kj_event_project_submit(kj_req_db(req), req->user, kj_req_param(req, 0), req->in, id, &e)) { kj_answer_err(req, &e); return; }
    kj_resp_json(req, 201, json_pack("{s:s, s:s}", "id", id, "state", "submitted"));
}

void kj_api_event_review_setup(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_event_review_setup(kj_req_db(req), req->user, kj_req_param(req, 0), json_object_get(req->in, "reviewers"),
                              json_object_get(req->in, "rubric"), &e)) {
        kj_answer_err(req, &e);
        return;
    }
    kj_resp_json(req, 200, json_pack("{s:O, s:O}", "reviewers", json_object_get(req->in, "reviewers"), "rubric", json_object_get(req->in, "rubric")));
}

void kj_api_event_project_score(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_event_review_score(kj_req_db(req), req->user, kj_req_param(req, 1), json_object_get(req->in, "scores"),
                              kj_in_str(req, "comment"), &e)) {
        kj_answer_err(req, &e);
        return;
    }
    kj_resp_json(req, 201, json_pack("{s:s}", "project_id", kj_req_param(req, 1)));
}

void kj_api_event_project_place(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_event_project_place(kj_req_db(req), req->user, kj_req_param(req, 1), req->in, &e)) { kj_answer_err(req, &e); return; }
    kj_api_event_projects(req);
}
