/*
 * api_popsci.c — the JSON API of popular science: /api/v1/popsci
 * (content, review, corrections, reading events, profile, notices,
 * statistics, experts, teams), /api/v1/feed and /api/v1/questions.
 *
 * Errors are RFC 9457 problem details: 422 with per-field "errors",
 * 401/403 for access, 404, 409 for wrong states.
 */
#include "web/pages_fed.h"
#include "fed/fed.h"
#include "web/app.h"
#include "web/home_region.h"
#include "core/json_util.h"
#include "api/api.h"
#include "web/pages_center.h"
#include "core/clock.h"
#include "core/id.h"
#include "popsci/popsci.h"
#include "web/pages_popsci.h"
#include <stdlib.h>
#include <string.h>

/* A domain refusal as problem+json. */
static void refuse(kj_req *req, int status, json_t *errors)
{
    const char *key = kj_popsci_take_errors(req, errors);
    if (status == 422) kj_api_invalid(req);
    else kj_error(req, status, key);
}

static void created(kj_req *req, const char *prefix, const char *id, json_t *body)
{
    kj_resp_header(req, "Location", kj_arena_printf(req->arena, "%s%s", prefix, id));
    kj_resp_json(req, 201, body);
}

/* ---- content ---- */

void kj_api_popsci_list(kj_req *req)
{
    kj_db *db = kj_popsci_db(req);
    bool defaulted;   /* the home region, when the request names none (web/home_region.h) */
    const char *topic = kj_in_str(req, "topic"), *region = kj_region_filter(req, "region", &defaulted);
    if (topic && !kj_popsci_topic_known(db, topic)) kj_field_error(req, "topic", "popsci.err.topic_unknown");
    if (region && !kj_popsci_region_known(db, region)) kj_field_error(req, "region", "popsci.err.region_unknown");
    const char *origin = kj_fed_origin_param(req);   /* local|remote|<instance id> */
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    int page = (int)kj_in_int(req, "page", 1), per = (int)kj_in_int(req, "per_page", 20);
    /* Peers' items are not of this instance's home region: its default does not narrow them. */
    if (defaulted && origin && strcmp(origin, "local")) { region = NULL; defaulted = false; }
    json_t *items = kj_popsci_list_from(db, topic, region, origin, per, (page - 1) * per);
    kj_fed_label_all(req, items);   /* one query for all their origins */
    json_t *out = json_pack("{s:o, s:i, s:i}", "items", items, "page", page, "per_page", per);
    if (defaulted) json_object_set_new(out, "region_default", json_string(region));
    kj_resp_json(req, 200, out);
}

void kj_api_popsci_create(kj_req *req)
{
    json_t *errors = json_object();
    char id[KJ_ID_LEN + 1];
    kj_err pe = { .fields = errors };
    int st = kj_popsci_create(kj_popsci_db(req), req->user, req->in, id, &pe) ? kj_err_status(&pe) : 0;
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    created(req, "/api/v1/popsci/", id, kj_popsci_view(kj_req_db(req), id, req->user));
}

void kj_api_popsci_get(kj_req *req)
{
    json_t *c = kj_popsci_view(kj_popsci_db(req), kj_req_param(req, 0), req->user);
    if (!c) { kj_error(req, 404, "err.not_found"); return; }
    kj_fed_label(req, c);
    kj_resp_json(req, 200, c);
}

void kj_api_popsci_edit(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *errors = json_object();
    bool pending = false;
    kj_err pe = { .fields = errors };
    int st = kj_popsci_edit(kj_popsci_db(req), req->user, id, req->in, &pending, &pe) ? kj_err_status(&pe) : 0;
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    json_t *c = kj_popsci_view(kj_req_db(req), id, req->user);
    json_object_set_new(c, "edit_pending", json_boolean(pending));
    kj_resp_json(req, 200, c);
}

void kj_api_popsci_review(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *errors = json_object();
    kj_err pe = { .fields = errors };
    int st = kj_popsci_review(kj_popsci_db(req), req->user, id, kj_in_str(req, "action"), kj_in_str(req, "reason"), &pe) ? kj_err_status(&pe) : 0;
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    kj_resp_json(req, 200, kj_popsci_view(kj_req_db(req), id, req->user));
}

void kj_api_popsci_correct(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *errors = json_object();
    kj_err pe = { .fields = errors };
    int st = kj_popsci_correct(kj_popsci_db(req), req->user, id, kj_in_str(req, "note"), &pe) ? kj_err_status(&pe) : 0;
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    kj_resp_json(req, 201, kj_popsci_view(kj_req_db(req), id, req->user));
}

void kj_api_popsci_event(kj_req *req)
{
    json_t *errors = json_object();
    kj_err pe = { .fields = errors };
    int st = kj_popsci_event(kj_popsci_db(req), req->user, kj_req_param(req, 0), kj_in_str(req, "kind"), &pe) ? kj_err_status(&pe) : 0;
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    kj_resp_json(req, 200, json_pack("{s:b}", "ok", 1));
}

void kj_api_popsci_queue(kj_req *req)
{
    kj_review_policy policy = kj_req_review_policy(req);
    kj_resp_json(req, 200, json_pack("{s:o}", "items", kj_review_popsci_queue(kj_popsci_db(req), req->user, &policy)));
}

void kj_api_popsci_topics(kj_req *req)
{
    kj_resp_json(req, 200, json_pack("{s:o}", "items", kj_popsci_topics(kj_popsci_db(req))));
}

/* ---- profile ---- */

void kj_api_popsci_profile(kj_req *req)
{
    kj_resp_json(req, 200, kj_popsci_profile(kj_popsci_db(req), kj_user_id(req->user)));
}

void kj_api_popsci_profile_put(kj_req *req)
{
    json_t *errors = json_object();
    kj_err pe = { .fields = errors };
    int st = kj_popsci_profile_set(kj_popsci_db(req), kj_user_id(req->user), req->in, &pe) ? kj_err_status(&pe) : 0;
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    kj_resp_json(req, 200, kj_popsci_profile(kj_req_db(req), kj_user_id(req->user)));
}

void kj_api_popsci_profile_delete(kj_req *req)
{
    if (kj_popsci_profile_delete(kj_popsci_db(req), kj_user_id(req->user))) { kj_error(req, 500, "err.internal"); return; }
    req->status = 204;
    req->content_type = NULL;
}

/* ---- notices, statistics ---- */

void kj_api_popsci_notice(kj_req *req)
{
    json_t *errors = json_object();
    char id[KJ_ID_LEN + 1];
    kj_err pe = { .fields = errors };
    int st = kj_popsci_notice(kj_popsci_db(req), req->user, req->in, id, &pe) ? kj_err_status(&pe) : 0;
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    created(req, "/api/v1/popsci/", id, kj_popsci_view(kj_req_db(req), id, req->user));
}

void kj_api_popsci_stats(kj_req *req)
{
    kj_resp_json(req, 200, kj_popsci_stats(kj_popsci_db(req)));
}

/* ---- experts and teams ---- */

void kj_api_popsci_experts(kj_req *req)
{
    kj_resp_json(req, 200, json_pack("{s:o, s:b}", "items", kj_popsci_expert_get(kj_popsci_db(req), kj_user_id(req->user)),
                                     "public", kj_popsci_expert_is_public(kj_popsci_db(req), kj_user_id(req->user))));
}

void kj_api_popsci_experts_put(kj_req *req)
{
    json_t *errors = json_object();
    kj_err pe = { .fields = errors };
    int st = kj_popsci_expert_set(kj_popsci_db(req), kj_user_id(req->user), json_object_get(req->in, "topics"),
                                  json_object_get(req->in, "regions"), &pe) ? kj_err_status(&pe) : 0;
    json_t *pub = json_object_get(req->in, "public");
    kj_err de = { 0 };
    if (!st && json_is_boolean(pub) &&
        kj_popsci_expert_set_public(kj_popsci_db(req), kj_user_id(req->user), json_is_true(pub), &de)) {
        json_object_set_new(errors, de.field ? de.field : "form", json_string(de.key));
        st = kj_err_status(&de);
    }
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    kj_api_popsci_experts(req);
}

void kj_api_popsci_teams(kj_req *req)
{
    kj_resp_json(req, 200, json_pack("{s:o}", "items", kj_popsci_teams(kj_popsci_db(req))));
}

void kj_api_popsci_team_create(kj_req *req)
{
    json_t *errors = json_object();
    char id[KJ_ID_LEN + 1];
    kj_err pe = { .fields = errors };
    int st = kj_popsci_team_create(kj_popsci_db(req), req->user, req->in, id, &pe) ? kj_err_status(&pe) : 0;
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    created(req, "/api/v1/popsci/teams/", id, kj_popsci_team(kj_req_db(req), id));
}

void kj_api_popsci_team(kj_req *req)
{
    json_t *t = kj_popsci_team(kj_popsci_db(req), kj_req_param(req, 0));
    if (!t) { kj_error(req, 404, "err.not_found"); return; }
    kj_resp_json(req, 200, t);
}

void kj_api_popsci_team_add(kj_req *req)
{
    json_t *errors = json_object();
    kj_err pe = { .fields = errors };
    int st = kj_popsci_team_add(kj_popsci_db(req), req->user, kj_req_param(req, 0), kj_in_str(req, "email"), &pe) ? kj_err_status(&pe) : 0;
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    kj_api_popsci_team(req);
}

/* ---- feed ---- */

void kj_api_feed(kj_req *req)
{
    int limit = (int)kj_in_int(req, "limit", 20);
    json_t *items = kj_popsci_feed(kj_popsci_db(req), req->user, req->lang, kj_now_ms(), limit);
    kj_popsci_reason_texts(req, items);
    kj_resp_json(req, 200, json_pack("{s:o}", "items", items));
}

/* ---- questions ---- */

void kj_api_questions(kj_req *req)
{
    kj_db *db = kj_popsci_db(req);
    const char *topic = kj_in_str(req, "topic");
    if (topic && !kj_popsci_topic_known(db, topic)) { kj_field_error(req, "topic", "popsci.err.topic_unknown"); kj_api_invalid(req); return; }
    kj_resp_json(req, 200, json_pack("{s:o}", "items", kj_popsci_questions(db, topic, (int)kj_in_int(req, "limit", 50))));
}

void kj_api_question_create(kj_req *req)
{
    json_t *errors = json_object();
    char id[KJ_ID_LEN + 1];
    kj_err pe = { .fields = errors };
    int st = kj_popsci_ask(kj_popsci_db(req), req->user, req->in, id, &pe) ? kj_err_status(&pe) : 0;
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    created(req, "/api/v1/questions/", id, kj_popsci_question(kj_req_db(req), id, req->user));
}

void kj_api_question(kj_req *req)
{
    json_t *q = kj_popsci_question(kj_popsci_db(req), kj_req_param(req, 0), req->user);
    if (!q) { kj_error(req, 404, "err.not_found"); return; }
    kj_fed_question_view(kj_req_db(req), q);
    kj_resp_json(req, 200, q);
}

void kj_api_question_answer(kj_req *req)
{
    json_t *errors = json_object();
    char id[KJ_ID_LEN + 1];
    const char *qid = kj_req_param(req, 0);
    kj_err pe = { .fields = errors };
    int st = kj_popsci_answer(kj_popsci_db(req), req->user, qid, kj_in_str(req, "body"), id, &pe) ? kj_err_status(&pe) : 0;
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    json_t *q = kj_popsci_question(kj_req_db(req), qid, req->user);
    json_object_set_new(q, "answer_id", json_string(id));
    created(req, "/api/v1/questions/", qid, q);
}

void kj_api_question_publish(kj_req *req)
{
    json_t *errors = json_object();
    char id[KJ_ID_LEN + 1];
    kj_err pe = { .fields = errors };
    int st = kj_popsci_question_publish(kj_popsci_db(req), req->user, kj_req_param(req, 0), id, &pe) ? kj_err_status(&pe) : 0;
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    created(req, "/api/v1/popsci/", id, kj_popsci_view(kj_req_db(req), id, req->user));
}

void kj_api_answer_accept(kj_req *req)
{
    kj_db *db = kj_popsci_db(req);
    const char *aid = kj_req_param(req, 0);
    json_t *errors = json_object();
    kj_err pe = { .fields = errors };
    int st = kj_popsci_accept(db, req->user, aid, &pe) ? kj_err_status(&pe) : 0;
    if (st) { refuse(req, st, errors); return; }
    json_decref(errors);
    char *qid = kj_popsci_answer_question(db, aid);
    json_t *q = kj_popsci_question(db, qid, req->user);
    free(qid);
    kj_resp_json(req, 200, q ? q : json_object());
}

void kj_api_expert_directory(kj_req *req)
{
    kj_resp_json(req, 200, json_pack("{s:o}", "items", kj_expert_directory_req(req, false)));
}
