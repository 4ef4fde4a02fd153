/*
 * api_studio.c — the JSON API of studios (/api/v1/studios...).
 *
 * Errors are RFC 9457 problem details: 422 with per-field "errors" for
 * invalid input, 401/403 for access, 404, 409 for repeated invitations.
 * directions and skills are accepted as JSON arrays of strings or as one
 * string with an item per line, and always returned as arrays.
 */
#include "web/app.h"
#include "web/home_region.h"
#include "api/api.h"
#include "core/id.h"
#include "market/studio.h"
#include "web/pages_deal.h"
#include "web/pages_studio.h"
#include "web/pages_fed.h"
#include <string.h>

/* A domain refusal as problem+json. */
static void refuse(kj_req *req, int status, json_t *errors)
{
    const char *key = kj_studio_take_errors(req, errors);
    json_decref(errors);
    if (status == 422) kj_api_invalid(req);
    else kj_error(req, status, key);
}

static void send_studio(kj_req *req, int status, const char *id)
{
    json_t *s = kj_studio_view(req, id);
    if (!s) { kj_error(req, 404, "err.not_found"); return; }
    json_object_set_new(s, "rating", kj_ratings_summary(req, "studio", id));
    kj_resp_json(req, status, s);
}

/* A PATCH field: the validated value; "" when the client sent an empty
 * value (validation leaves empties out of req->in, but here they mean
 * "clear"); NULL when it was not sent. */
static const char *patch_str(kj_req *req, const char *name)
{
    const char *v = kj_in_str(req, name);
    if (v) return v;
    return req->json_body && json_object_get(req->json_body, name) ? "" : NULL;
}

static json_t *patch_list(kj_req *req, json_t *keep, const char *name)
{
    json_t *v = json_object_get(req->in, name);
    if (v) return v;
    if (!req->json_body || !json_object_get(req->json_body, name)) return NULL;
    json_object_set_new(keep, name, json_string(""));
    return json_object_get(keep, name);
}

void kj_api_studios(kj_req *req)
{
    int page = (int)kj_in_int(req, "page", 1), per_page = (int)kj_in_int(req, "per_page", 20);
    int64_t total = 0;
    bool defaulted;   /* the home region, when the request names none (web/home_region.h) */
    const char *region = kj_region_filter(req, "region", &defaulted);
    const char *origin = kj_fed_origin_param(req);   /* federation: local|remote|<instance id> */
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    /* Peers' studios are not of this instance's home region: its default does not narrow them. */
    if (defaulted && origin && strcmp(origin, "local")) { region = NULL; defaulted = false; }
    json_t *items = kj_studio_list(kj_req_db(req), region, origin, page, per_page, &total);
    if (!items) { kj_error(req, 500, "err.internal"); return; }
    kj_fed_label_all(req, items);   /* origin: {instance_id, name, url, local}; one query for all */
    json_t *out = json_pack("{s:o, s:I, s:i, s:i}", "items", items, "total", (json_int_t)total, "page", page, "per_page", per_page);
    if (defaulted) json_object_set_new(out, "region_default", json_string(region));
    kj_resp_json(req, 200, out);
}

void kj_api_studio_create(kj_req *req)
{
    kj_studio_input in = {
        .name = kj_in_str(req, "name"), .intro = kj_in_str(req, "intro"),
        .affiliation = kj_in_str(req, "affiliation"), .region = kj_in_str(req, "region"),
        .directions = json_object_get(req->in, "directions"), .skills = json_object_get(req->in, "skills"),
    };
    char id[KJ_ID_LEN + 1];
    json_t *errors = json_object();
    kj_err se = { .fields = errors };
    int st = kj_studio_create(kj_req_db(req), req->user, &in, id, &se) ? kj_err_status(&se) : 0;
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    kj_resp_header(req, "Location", kj_arena_printf(req->arena, "/api/v1/studios/%s", id));
    send_studio(req, 201, id);
}

void kj_api_studio(kj_req *req) { send_studio(req, 200, kj_req_param(req, 0)); }

void kj_api_studio_patch(kj_req *req)
{
    json_t *keep = json_object();
    kj_studio_input in = {
        .name = patch_str(req, "name"), .intro = patch_str(req, "intro"),
        .affiliation = patch_str(req, "affiliation"), .region = patch_str(req, "region"),
        .directions = patch_list(req, keep, "directions"), .skills = patch_list(req, keep, "skills"),
    };
    const char *id = kj_req_param(req, 0);
    json_t *errors = json_object();
    kj_err se = { .fields = errors };
    int st = kj_studio_update(kj_req_db(req), req->user, id, &in, &se) ? kj_err_status(&se) : 0;
    json_decref(keep);
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    send_studio(req, 200, id);
}

void kj_api_studio_invite(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *errors = json_object();
    kj_err se = { .fields = errors };
    int st = kj_studio_invite(kj_req_db(req), req->user, id, kj_in_str(req, "email"), &se) ? kj_err_status(&se) : 0;
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    kj_resp_json(req, 201, json_pack("{s:s, s:s, s:s, s:s}", "studio_id", id, "email", kj_in_str(req, "email"),
                                     "role", "member", "status", "invited"));
}

void kj_api_studio_join(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *errors = json_object();
    kj_err se = { .fields = errors };
    int st = kj_studio_join(kj_req_db(req), req->user, id, &se) ? kj_err_status(&se) : 0;
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    send_studio(req, 200, id);
}
