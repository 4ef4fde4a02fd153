/*
 * api_event_edit.c — changing an event after its creation over the API:
 * PATCH/DELETE /api/v1/events/{id}, PATCH/DELETE its sessions, and its
 * sections (POST, PATCH, DELETE). The event domain decides (organizers,
 * states, what hangs on a session or section) and audits.
 */
#include <string.h>
#include "core/id.h"
#include "core/json_util.h"
#include "event/event.h"
#include "web/app.h"
#include "web/pages_event.h"

/* The event as the actor sees it now (200). */
static void answer_event(kj_req *req)
{
    kj_err e = { 0 };
    json_t *v = kj_event_view(kj_req_db(req), req->user, kj_req_param(req, 0), &e);
    if (!v) { kj_answer_err(req, &e); return; }
    kj_resp_json(req, 200, v);
}

void kj_api_event_patch(kj_req *req)
{
    kj_err e = { .fields = json_object() };
    json_t *in = kj_ev_edit_input(req);   /* emptied fields too */
    int rc = kj_event_update(kj_req_db(req), req->user, kj_req_param(req, 0), in, &e);
    json_decref(in);
    if (rc) kj_answer_err(req, &e);
    json_decref(e.fields);
    if (!rc) answer_event(req);
}

void kj_api_event_delete(kj_req *req)
{
    kj_err e = { 0 };
    const char *state = NULL;
    if (kj_event_delete(kj_req_db(req), req->user, kj_req_param(req, 0), kj_in_str(req, "reason"), &state, &e)) { kj_answer_err(req, &e); return; }
    kj_resp_json(req, 200, json_pack("{s:s, s:s}", "id", kj_req_param(req, 0), "state", state ? state : "deleted"));
}

void kj_api_event_session_patch(kj_req *req)
{
    kj_err e = { .fields = json_object() };
    json_t *in = kj_ev_edit_input(req);   /* emptied fields too */
    int rc = kj_event_session_update(kj_req_db(req), req->user, kj_req_param(req, 0), kj_req_param(req, 1), in, &e);
    json_decref(in);
    if (rc) kj_answer_err(req, &e);
    json_decref(e.fields);
    if (!rc) answer_event(req);
}

void kj_api_event_session_delete(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_event_session_delete(kj_req_db(req), req->user, kj_req_param(req, 0), kj_req_param(req, 1), &e)) { kj_answer_err(req, &e); return; }
    kj_resp_json(req, 200, json_pack("{s:s, s:b}", "id", kj_req_param(req, 1), "deleted", 1));
}

void kj_api_event_section_add(kj_req *req)
{
    char id[KJ_ID_LEN + 1];
    kj_err e = { .fields = json_object() };
    int rc = kj_event_section_add(kj_req_db(req), req->user, kj_req_param(req, 0), req->in, id, &e);
    if (rc) kj_answer_err(req, &e);
    json_decref(e.fields);
    if (!rc) kj_resp_json(req, 201, json_pack("{s:s}", "id", id));
}

void kj_api_event_section_patch(kj_req *req)
{
    kj_err e = { .fields = json_object() };
    json_t *in = kj_ev_edit_input(req);   /* emptied fields too */
    int rc = kj_event_section_update(kj_req_db(req), req->user, kj_req_param(req, 0), kj_req_param(req, 1), in, &e);
    json_decref(in);
    if (rc) kj_answer_err(req, &e);
    json_decref(e.fields);
    if (!rc) answer_event(req);
}

void kj_api_event_section_delete(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_event_section_delete(kj_req_db(req), req->user, kj_req_param(req, 0), kj_req_param(req, 1), &e)) { kj_answer_err(req, &e); return; }
    kj_resp_json(req, 200, json_pack("{s:s, s:b}", "id", kj_req_param(req, 1), "deleted", 1));
}
