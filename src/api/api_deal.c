/*
 * api_deal.c — /api/v1/deals and its sub-resources (messages, offers,
 * contract and signatures, milestones, reviews, the event log), the
 * state table, operators' statistics and public ratings.
 *
 * Every change goes through kj_deal_act (one action of the state table);
 * the handlers only map a resource to its action. A POST that creates a
 * record answers 201 {id, deal}; other actions answer 200 with the deal.
 */
#include "deal/deal.h"
#include "api/api.h"
#include "market/market.h"
#include "mail/mail.h"
#include "core/json_util.h"
#include "web/app.h"
#include "web/pages_deal.h"
#include <string.h>

static void problem(kj_req *req, int status, const char *key)
{
    kj_resp_problem(req, status, kj_tr(req, status == 404 ? "err.http.404" : status == 403 ? "err.http.403" :
                                             status == 409 ? "err.http.409" : status == 422 ? "err.http.422" : "err.http.500"),
                    kj_tr(req, key), NULL);
}

static json_t *deal_or_problem(kj_req *req)
{
    json_t *d = kj_deal_get(kj_req_db(req), req->user, kj_req_param(req, 0));
    if (!d) problem(req, 404, "err.deal.not_found");
    return d;
}

/* Runs action with the validated inputs plus extra (borrowed) as arguments. */
static void act(kj_req *req, const char *action, json_t *extra, int created_status)
{
    json_t *args = json_deep_copy(req->in);
    if (extra) json_object_update(args, extra);
    json_t *errors = json_object();
    char rid[32] = "";
    kj_err fail = { 0 };
    const char *id = kj_req_param(req, 0);
    int rc = kj_deal_act(kj_req_db(req), req->user, id, action, args, req->client_ip, errors, rid, &fail);
    json_decref(args);
    if (rc && fail.kind == KJ_E_INVALID && json_object_size(errors)) {
        json_decref(req->errors);
        req->errors = errors;
        kj_api_invalid(req);
        return;
    }
    json_decref(errors);
    if (rc) { problem(req, kj_err_status(&fail), fail.key); return; }
    json_t *d = kj_deal_get(kj_req_db(req), req->user, id);
    if (*rid) kj_resp_json(req, created_status, json_pack("{s:s, s:o}", "id", rid, "deal", d ? d : json_null()));
    else kj_resp_json(req, 200, d ? d : json_null());
}

void kj_api_deals(kj_req *req)
{
    json_t *items = kj_deal_list(kj_req_db(req), req->user);
    kj_resp_json(req, 200, json_pack("{s:o, s:o}", "items", items, "startable", kj_deal_startable(kj_req_db(req), req->user)));
}

void kj_api_deal_create(kj_req *req)
{
    const char *eoi = kj_in_str(req, "eoi_id"), *listing = kj_in_str(req, "listing_id");
    if (!eoi == !listing) { kj_field_error(req, "eoi_id", "err.deal.source"); kj_api_invalid(req); return; }
    char id[32];
    kj_err fail = { 0 };
    int rc = eoi ? kj_deal_start_from_eoi(kj_req_db(req), req->user, eoi, id, &fail)
                 : kj_deal_order(kj_req_db(req), req->user, listing, id, &fail);
    if (rc) { problem(req, kj_err_status(&fail), fail.key); return; }
    kj_resp_header(req, "Location", kj_arena_printf(req->arena, "/api/v1/deals/%s", id));
    kj_resp_json(req, 201, kj_deal_get(kj_req_db(req), req->user, id));
}

void kj_api_deal_states(kj_req *req)
{
    json_t *states = json_array();
    for (const char *const *s = kj_deal_states; *s; s++) json_array_append_new(states, json_string(*s));
    kj_resp_json(req, 200, json_pack("{s:o, s:o}", "states", states, "transitions", kj_deal_state_table()));
}

void kj_api_deal_stats(kj_req *req) { kj_resp_json(req, 200, kj_deal_stats(kj_req_db(req), req->user)); }

void kj_api_deal(kj_req *req)
{
    json_t *d = deal_or_problem(req);
    if (d) kj_resp_json(req, 200, d);
}

void kj_api_deal_act(kj_req *req) { act(req, kj_in_str(req, "action"), NULL, 201); }

static void sub_list(kj_req *req, const char *key, const char *missing_key, int missing_status)
{
    json_t *d = deal_or_problem(req);
    if (!d) return;
    json_t *items = json_object_get(d, key);
    if (!items) problem(req, missing_status, missing_key);
    else kj_resp_json(req, 200, json_pack("{s:O}", "items", items));
    json_decref(d);
}

/* One page of the deal's conversation, like /api/v1/threads/{id}: the newest
 * by default, ?before=<older cursor> for the page before; ?limit= 1..200. */
void kj_api_deal_messages(kj_req *req)
{
    json_t *d = kj_deal_get_page(kj_req_db(req), req->user, kj_req_param(req, 0), kj_in_str(req, "before"),
                                 (int)kj_in_int(req, "limit", KJ_THREAD_PAGE));
    if (!d) { problem(req, 404, "err.deal.not_found"); return; }
    json_t *items = json_object_get(d, "messages");
    if (!items) problem(req, 403, "err.deal.not_in_thread");
    else kj_resp_json(req, 200, json_pack("{s:O, s:O}", "items", items, "older", json_object_get(d, "messages_older")));
    json_decref(d);
}
void kj_api_deal_message(kj_req *req) { act(req, "message", NULL, 201); }
void kj_api_deal_offers(kj_req *req) { sub_list(req, "offers", "err.deal.not_found", 404); }
void kj_api_deal_offer(kj_req *req) { act(req, "offer", NULL, 201); }

void kj_api_deal_offer_accept(kj_req *req)
{
    json_t *extra = json_pack("{s:s}", "offer_id", kj_req_param(req, 1));
    act(req, "accept_offer", extra, 200);
    json_decref(extra);
}

void kj_api_deal_contract(kj_req *req)
{
    json_t *d = deal_or_problem(req);
    if (!d) return;
    json_t *c = json_object_get(d, "contract");
    if (!json_is_object(c)) problem(req, 409, "err.deal.no_contract");
    else kj_resp_json(req, 200, json_pack("{s:O, s:O, s:O, s:O}", "contract", c, "contract_hash", json_object_get(d, "contract_hash"),
                                          "signatures", json_object_get(d, "signatures"), "state", json_object_get(d, "state")));
    json_decref(d);
}

void kj_api_deal_sign(kj_req *req) { act(req, "sign", NULL, 200); }
void kj_api_deal_milestones(kj_req *req) { sub_list(req, "milestones", "err.deal.not_found", 404); }
void kj_api_deal_milestone_add(kj_req *req) { act(req, "add_milestone", NULL, 201); }

void kj_api_deal_milestone_act(kj_req *req)
{
    json_t *extra = json_pack("{s:s}", "milestone_id", kj_req_param(req, 1));
    act(req, !strcmp(kj_in_str(req, "action"), "deliver") ? "deliver_milestone" : "accept_milestone", extra, 200);
    json_decref(extra);
}

void kj_api_deal_reviews(kj_req *req) { sub_list(req, "reviews", "err.deal.not_found", 404); }
void kj_api_deal_review(kj_req *req) { act(req, "review", NULL, 201); }

void kj_api_deal_review_reply(kj_req *req)
{
    json_t *extra = json_pack("{s:s}", "review_id", kj_req_param(req, 1));
    act(req, "reply_review", extra, 200);
    json_decref(extra);
}

void kj_api_deal_review_hide(kj_req *req)
{
    json_t *extra = json_pack("{s:s}", "review_id", kj_req_param(req, 1));
    act(req, "hide_review", extra, 200);
    json_decref(extra);
}

void kj_api_deal_events(kj_req *req)
{
    json_t *d = deal_or_problem(req);
    if (!d) return;
    json_decref(d);
    kj_resp_json(req, 200, json_pack("{s:o}", "items", kj_ledger_events(kj_req_db(req), kj_req_param(req, 0))));
}

void kj_api_ratings(kj_req *req)
{
    json_t *r = kj_deal_ratings(kj_req_db(req), kj_req_param(req, 0), kj_req_param(req, 1),
                               (int)kj_in_int(req, "limit", 20));
    if (!r) { problem(req, 404, "err.not_found"); return; }
    kj_resp_json(req, 200, r);
}

void kj_api_mail_prefs(kj_req *req) { kj_resp_json(req, 200, kj_mail_prefs(kj_req_db(req), kj_jstr(req->user, "id"))); }

void kj_api_mail_prefs_put(kj_req *req)
{
    if (kj_mail_prefs_save_req(req)) { kj_error(req, 500, "err.internal"); return; }
    kj_api_mail_prefs(req);
}

void kj_api_deal_attach(kj_req *req)
{
    char att[32];
    if (kj_deal_attach_req(req, att)) return;
    kj_resp_json(req, 201, json_pack("{s:s, s:o}", "id", att, "deal", kj_deal_get(kj_req_db(req), req->user, kj_req_param(req, 0))));
}
