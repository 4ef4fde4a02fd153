/*
 * api_challenge.c — the challenge lists' JSON API: /api/v1/challenge-lists
 * and /api/v1/challenges/{id} with applications, reviewers, reviews,
 * objections and milestones as sub-resources. Handlers translate between
 * declared inputs and the challenge domain; refusals come back as
 * problem+json carrying the domain's message key as "code".
 */
#include "core/id.h"
#include "api/api.h"
#include "web/app.h"
#include "web/pages_challenge.h"
#include <string.h>

static const char *param(kj_req *req, int i) { return kj_req_param(req, i); }

static void created(kj_req *req, const char *location, const char *id)
{
    kj_resp_header(req, "Location", location);
    kj_resp_json(req, 201, json_pack("{s:s}", "id", id));
}

/* True when part sub_id belongs to challenge {id}. */
static bool belongs(kj_req *req, kj_ch_part part, const char *sub_id)
{
    return kj_challenge_part_of(kj_req_db(req), part, sub_id, param(req, 0));
}

static bool app_belongs(kj_req *req)
{
    if (belongs(req, KJ_CH_APPLICATION, param(req, 1))) return true;
    kj_err e = { .kind = KJ_E_NOT_FOUND, .key = "err.not_found" };
    kj_challenge_fail(req, &e);
    return false;
}

/* ---- lists ---- */

void kj_api_challenge_lists(kj_req *req)
{
    /* With peers' open 揭榜 by list (origin, url, challenges[].apply_url), pages_challenge.h. */
    json_t *items = kj_challenge_lists_with_remote(req);
    if (!items) { kj_api_invalid(req); return; }
    kj_resp_json(req, 200, json_pack("{s:o}", "items", items));
}

void kj_api_challenge_list_create(kj_req *req)
{
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    if (kj_challenge_list_create(kj_req_db(req), req->user, req->in, id, &e)) { kj_challenge_fail(req, &e); return; }
    created(req, kj_arena_printf(req->arena, "/api/v1/challenge-lists/%s", id), id);
}

void kj_api_challenge_list(kj_req *req)
{
    json_t *l = kj_challenge_list_view(kj_req_db(req), param(req, 0), req->user);
    kj_err e = { .kind = KJ_E_NOT_FOUND, .key = "err.not_found" };
    if (!l) { kj_challenge_fail(req, &e); return; }
    kj_resp_json(req, 200, l);
}

/* ---- entries ---- */

void kj_api_challenge_create(kj_req *req)
{
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    if (kj_challenge_create(kj_req_db(req), req->user, param(req, 0), req->in, id, &e)) { kj_challenge_fail(req, &e); return; }
    created(req, kj_arena_printf(req->arena, "/api/v1/challenges/%s", id), id);
}

void kj_api_challenge_lifecycle(kj_req *req)
{
    kj_resp_json(req, 200, json_pack("{s:o}", "transitions", kj_challenge_transitions()));
}

void kj_api_challenge(kj_req *req)
{
    kj_err e = { 0 };
    json_t *c = kj_challenge_view(kj_req_db(req), param(req, 0), req->user, &e);
    if (!c) { kj_challenge_fail(req, &e); return; }
    kj_resp_json(req, 200, c);
}

void kj_api_challenge_patch(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_challenge_update(kj_req_db(req), req->user, param(req, 0), req->in, &e)) { kj_challenge_fail(req, &e); return; }
    kj_api_challenge(req);
}

void kj_api_challenge_act(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_challenge_act(kj_req_db(req), req->user, param(req, 0), kj_in_str(req, "action"), req->in, &e)) {
        kj_challenge_fail(req, &e);
        return;
    }
    kj_api_challenge(req);
}

/* ---- applications ---- */

void kj_api_challenge_applications(kj_req *req)
{
    kj_err e = { 0 };
    json_t *items = kj_applications(kj_req_db(req), req->user, param(req, 0), &e);
    if (!items) { kj_challenge_fail(req, &e); return; }
    kj_resp_json(req, 200, json_pack("{s:o}", "items", items));
}

void kj_api_challenge_apply(kj_req *req)
{
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    if (kj_application_submit(kj_req_db(req), req->user, param(req, 0), req->in, id, &e)) { kj_challenge_fail(req, &e); return; }
    created(req, kj_arena_printf(req->arena, "/api/v1/challenges/%s/applications/%s", param(req, 0), id), id);
}

void kj_api_challenge_application(kj_req *req)
{
    kj_err e = { 0 };
    if (!app_belongs(req)) return;
    json_t *a = kj_application_get(kj_req_db(req), req->user, param(req, 1), &e);
    if (!a) { kj_challenge_fail(req, &e); return; }
    kj_resp_json(req, 200, a);
}

void kj_api_challenge_application_patch(kj_req *req)
{
    kj_err e = { 0 };
    if (!app_belongs(req)) return;
    if (kj_application_update(kj_req_db(req), req->user, param(req, 1), req->in, &e)) { kj_challenge_fail(req, &e); return; }
    kj_api_challenge_application(req);
}

void kj_api_challenge_application_withdraw(kj_req *req)
{
    kj_err e = { 0 };
    if (!app_belongs(req)) return;
    if (kj_application_withdraw(kj_req_db(req), req->user, param(req, 1), &e)) { kj_challenge_fail(req, &e); return; }
    kj_api_challenge_application(req);
}

/* ---- review ---- */

void kj_api_challenge_reviewers(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_review_setup(kj_req_db(req), req->user, param(req, 0), json_object_get(req->in, "reviewers"),
                        json_object_get(req->in, "rubric"), &e)) { kj_challenge_fail(req, &e); return; }
    kj_api_challenge_reviews(req);
}

void kj_api_challenge_declare(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_review_declare(kj_req_db(req), req->user, param(req, 0), kj_in_bool(req, "conflict"), kj_in_str(req, "note"), &e)) {
        kj_challenge_fail(req, &e);
        return;
    }
    kj_resp_json(req, 200, json_pack("{s:b}", "recused", kj_in_bool(req, "conflict")));
}

void kj_api_challenge_reviews(kj_req *req)
{
    kj_err e = { 0 };
    json_t *s = kj_review_state(kj_req_db(req), req->user, param(req, 0), &e);
    if (!s) { kj_challenge_fail(req, &e); return; }
    kj_resp_json(req, 200, s);
}

void kj_api_challenge_score(kj_req *req)
{
    kj_err e = { 0 };
    if (!app_belongs(req)) return;
    if (kj_review_score(kj_req_db(req), req->user, param(req, 1), json_object_get(req->in, "scores"),
                        kj_in_str(req, "comment"), &e)) { kj_challenge_fail(req, &e); return; }
    kj_api_challenge_reviews(req);
}

/* ---- objections ---- */

/* Public parts of an entry exist only for those who may see the entry. */
static bool entry_visible(kj_req *req, json_t **view)
{
    kj_err e = { 0 };
    *view = kj_challenge_view(kj_req_db(req), param(req, 0), req->user, &e);
    if (!*view) kj_challenge_fail(req, &e);
    return *view != NULL;
}

void kj_api_challenge_objections(kj_req *req)
{
    json_t *v;
    if (!entry_visible(req, &v)) return;
    json_decref(v);
    kj_resp_json(req, 200, json_pack("{s:o}", "items", kj_objections(kj_req_db(req), param(req, 0))));
}

void kj_api_challenge_object(kj_req *req)
{
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    if (kj_objection_file(kj_req_db(req), req->user, param(req, 0), kj_in_str(req, "body"), id, &e)) {
        kj_challenge_fail(req, &e);
        return;
    }
    created(req, kj_arena_printf(req->arena, "/api/v1/challenges/%s/objections", param(req, 0)), id);
}

void kj_api_challenge_answer(kj_req *req)
{
    kj_err e = { .kind = KJ_E_NOT_FOUND, .key = "err.not_found" };
    if (!belongs(req, KJ_CH_OBJECTION, param(req, 1)) ||
        kj_objection_answer(kj_req_db(req), req->user, param(req, 1), kj_in_str(req, "answer"), &e)) {
        kj_challenge_fail(req, &e);
        return;
    }
    kj_api_challenge_objections(req);
}

/* ---- milestones ---- */

void kj_api_challenge_milestones(kj_req *req)
{
    json_t *v;
    if (!entry_visible(req, &v)) return;
    bool insider = json_is_true(json_object_get(v, "is_issuer")) || json_is_true(json_object_get(v, "is_staff")) ||
                   json_is_true(json_object_get(v, "is_winner"));
    json_decref(v);
    json_t *items = kj_milestones(kj_req_db(req), param(req, 0));
    size_t i;
    json_t *m;
    if (!insider) json_array_foreach(items, i, m) { json_object_del(m, "report"); json_object_del(m, "evidence"); }
    kj_resp_json(req, 200, json_pack("{s:o}", "items", items));
}

static bool milestone_belongs(kj_req *req)
{
    if (belongs(req, KJ_CH_MILESTONE, param(req, 1))) return true;
    kj_err e = { .kind = KJ_E_NOT_FOUND, .key = "err.not_found" };
    kj_challenge_fail(req, &e);
    return false;
}

void kj_api_challenge_milestone_report(kj_req *req)
{
    kj_err e = { 0 };
    if (!milestone_belongs(req)) return;
    if (kj_milestone_report(kj_req_db(req), req->user, param(req, 1), kj_in_str(req, "report"), kj_in_str(req, "evidence"), &e)) {
        kj_challenge_fail(req, &e);
        return;
    }
    kj_api_challenge_milestones(req);
}

void kj_api_challenge_milestone_decide(kj_req *req)
{
    kj_err e = { 0 };
    if (!milestone_belongs(req)) return;
    const char *d = kj_in_str(req, "decision");
    if (kj_milestone_decide(kj_req_db(req), req->user, param(req, 1), d && !strcmp(d, "accept"), kj_in_str(req, "reason"), &e)) {
        kj_challenge_fail(req, &e);
        return;
    }
    kj_api_challenge_milestones(req);
}

void kj_api_challenge_app_attach(kj_req *req)
{
    if (!kj_challenge_app_in_path(req)) return;
    kj_err e = { 0 };
    char first[KJ_ID_LEN + 1];
    if (kj_challenge_attach_uploads(req, kj_req_param(req, 1), first, &e)) { kj_challenge_fail(req, &e); return; }
    json_t *a = kj_application_get(kj_req_db(req), req->user, kj_req_param(req, 1), &e);
    kj_resp_header(req, "Location", kj_arena_printf(req->arena, "/challenges/%s/files/%s", kj_req_param(req, 0), first));
    kj_resp_json(req, 201, json_pack("{s:s, s:o}", "id", first, "application", a ? a : json_object()));
}
