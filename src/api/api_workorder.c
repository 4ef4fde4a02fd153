/*
 * api_workorder.c — the work orders' JSON API: /api/v1/work-orders (create;
 * the requester's own or the staff member's queue), one order, its actions
 * and attachments, and the published life-cycle table.
 */
#include "core/id.h"
#include "web/app.h"
#include "web/pages_workorder.h"
#include "workorder/workorder.h"

void kj_api_workorder_create(kj_req *req)
{
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    if (kj_workorder_create(kj_req_db(req), req->user, req->in, kj_workorder_window_ms(req), id, &e)) {
        kj_workorder_fail(req, &e);
        return;
    }
    json_t *v = kj_workorder_view(kj_req_db(req), req->user, id, &e);
    kj_resp_header(req, "Location", kj_arena_printf(req->arena, "/api/v1/work-orders/%s", id));
    kj_resp_json(req, 201, v ? v : json_pack("{s:s}", "id", id));
}

void kj_api_workorders(kj_req *req)
{
    json_t *items = kj_workorder_list(kj_req_db(req), req->user, kj_in_str(req, "scope"), kj_in_str(req, "state"),
                                      kj_in_str(req, "type"));
    kj_resp_json(req, 200, json_pack("{s:o}", "items", items));
}

void kj_api_workorder_lifecycle(kj_req *req)
{
    json_t *states = json_array();
    for (const char *const *s = kj_workorder_states; *s; s++) json_array_append_new(states, json_string(*s));
    kj_resp_json(req, 200, json_pack("{s:o, s:o, s:o}", "states", states, "transitions", kj_workorder_transitions(), "types",
                                     kj_workorder_types(kj_req_db(req))));
}

void kj_api_workorder(kj_req *req)
{
    kj_err e = { 0 };
    json_t *v = kj_workorder_view(kj_req_db(req), req->user, kj_req_param(req, 0), &e);
    if (!v) { kj_workorder_fail(req, &e); return; }
    kj_resp_json(req, 200, v);
}

void kj_api_workorder_act(kj_req *req)
{
    kj_err e = { .fields = json_object() };
    int rc = kj_workorder_act(kj_req_db(req), req->user, kj_req_param(req, 0), kj_in_str(req, "action"), req->in,
                              kj_workorder_window_ms(req), &e);
    if (rc && json_object_size(e.fields)) {
        const char *k;
        json_t *v;
        json_object_foreach(e.fields, k, v) kj_field_error(req, kj_arena_printf(req->arena, "listing.%s", k), json_string_value(v));
        json_decref(e.fields);
        kj_api_invalid(req);
        return;
    }
    json_decref(e.fields);
    if (rc) { kj_workorder_fail(req, &e); return; }
    /* A transfer or escalation may take the order out of the actor's reach:
     * they are told where it went, not shown its thread. */
    kj_err ve = { 0 };
    json_t *v = kj_workorder_view(kj_req_db(req), req->user, kj_req_param(req, 0), &ve);
    if (!v) v = kj_workorder_summary(kj_req_db(req), kj_req_param(req, 0));
    if (!v) { kj_workorder_fail(req, &ve); return; }
    kj_resp_json(req, 200, v);
}

void kj_api_workorder_attach(kj_req *req)
{
    kj_err e = { 0 };
    char first[KJ_ID_LEN + 1];
    if (kj_workorder_attach_uploads(req, kj_req_param(req, 0), kj_in_bool(req, "internal"), first, &e)) {
        kj_workorder_fail(req, &e);
        return;
    }
    kj_resp_header(req, "Location", kj_arena_printf(req->arena, "/work-orders/%s/files/%s", kj_req_param(req, 0), first));
    kj_resp_json(req, 201, json_pack("{s:s}", "id", first));
}
