/*
 * api_market.c — the marketplace's JSON API (/api/v1/listings, eois,
 * threads, favourites, notifications, review queue, reference lists).
 * Lists are paginated: {items, total, page, per_page}.
 */
#include "fed/fed.h"
#include "core/id.h"
#include "api/api.h"
#include "web/pages_center.h"
#include "core/json_util.h"
#include "market/attach.h"
#include "web/app.h"
#include "web/market_view.h"
#include "web/pages_market.h"
#include "search/search.h"
#include "market/lookup.h"
#include "ref/refdata.h"
#include "notify/notify.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void problem(kj_req *req, int status, const char *key)
{
    kj_resp_problem(req, status, kj_tr(req, status == 404 ? "err.http.404" : status == 403 ? "err.http.403" :
                                             status == 409 ? "err.http.409" : status == 422 ? "err.http.422" : "err.http.500"),
                    kj_tr(req, key), NULL);
}

/* Domain errors (field → key) as a 422 problem with per-field messages;
 * 400 when the listing's lang is not a language this instance offers (a
 * tag the client cannot fix by rewording, issue 17 §1). */
static void invalid(kj_req *req, json_t *errors)
{
    json_decref(req->errors);
    req->errors = json_incref(errors);
    kj_api_invalid_status(req, json_object_get(errors, "lang") ? 400 : 422);
}

static json_t *api_listing(json_t *l)
{
    kj_listing_api_prices(l);
    json_object_set_new(l, "anonymous", json_boolean(json_integer_value(json_object_get(l, "anonymous"))));
    if (json_object_get(l, "open_for_interest"))
        json_object_set_new(l, "open_for_interest", json_boolean(json_integer_value(json_object_get(l, "open_for_interest"))));
    json_object_del(l, "domain_zh");
    json_object_del(l, "domain_en");
    json_object_del(l, "region_zh");
    json_object_del(l, "region_en");
    return l;
}

void kj_api_listings(kj_req *req)
{
    kj_listing_query q;
    kj_listing_query_from(req, &q, NULL);
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    int64_t total = 0;
    json_t *items = kj_listing_browse(kj_req_db(req), &q, &total);
    kj_listing_translations_attach(kj_req_db(req), items, NULL);
    size_t i;
    json_t *l;
    json_array_foreach(items, i, l) api_listing(l);
    json_t *out = json_pack("{s:o, s:I, s:i, s:i}", "items", items, "total", (json_int_t)total, "page", q.page, "per_page", q.per_page);
    /* The home region applied as the default (issue 17 §1): said, so a client knows region=all shows everything. */
    if (q.region_defaulted) json_object_set_new(out, "region_default", json_string(q.region));
    kj_resp_json(req, 200, out);
}

static void respond_listing(kj_req *req, const char *id, int status_code)
{
    json_t *l = kj_listing_view(kj_req_db(req), id, req->user);
    if (!l) { problem(req, 404, "err.not_found"); return; }
    kj_resp_json(req, status_code, api_listing(l));
}

void kj_api_listing_create(kj_req *req)
{
    json_t *errors = json_object();
    char id[KJ_ID_LEN + 1];
    if (kj_listing_create(kj_req_db(req), req->user, kj_in_str(req, "kind"), req->in, kj_in_bool(req, "submit"), id, errors)) {
        invalid(req, errors);
        json_decref(errors);
        return;
    }
    json_decref(errors);
    kj_resp_header(req, "Location", kj_arena_printf(req->arena, "/api/v1/listings/%s", id));
    respond_listing(req, id, 201);
}

void kj_api_lifecycle(kj_req *req) { kj_resp_json(req, 200, json_pack("{s:o}", "transitions", kj_listing_transitions())); }

void kj_api_listing(kj_req *req) { respond_listing(req, kj_req_param(req, 0), 200); }

void kj_api_listing_patch(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *view = kj_listing_view(kj_req_db(req), id, req->user);
    if (!view) { problem(req, 404, "err.not_found"); return; }
    bool owner = json_is_true(json_object_get(view, "is_owner"));
    json_decref(view);
    if (!owner) { problem(req, 403, "err.auth.forbidden"); return; }
    /* PATCH: fields not sent keep their current values. */
    json_t *current = kj_listing_get(kj_req_db(req), id);
    /* A pending edit of a published listing is what a partial PATCH continues from. */
    kj_listing_merge_pending(kj_req_db(req), current);
    kj_listing_api_prices(current);
    json_t *merged = json_object();
    static const char *const fields[] = { "title", "summary", "description", "domain", "keywords", "region", "valid_until",
        "contact_name", "contact_phone", "contact_email", "anonymous", "studio_id", "subtype", "trl", "trl_min", "ip_type",
        "ip_numbers", "coop_modes", "price_kind", "price_min", "price_max", "delivery_mode", "duration", "indicators", "deadline",
        "translations", "lang" };
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        json_t *v = json_object_get(req->in, fields[i]);
        if (!v && json_object_get(req->form, fields[i])) v = json_null();   /* sent empty: cleared */
        if (!v) v = json_object_get(current, fields[i]);
        if (v) json_object_set(merged, fields[i], v);
    }
    json_object_set_new(merged, "anonymous", json_boolean(json_is_true(json_object_get(merged, "anonymous")) ||
                                                          json_integer_value(json_object_get(merged, "anonymous"))));
    json_decref(current);
    json_t *errors = json_object();
    int rc = kj_listing_update(kj_req_db(req), req->user, id, merged, kj_in_bool(req, "submit"), errors);
    json_decref(merged);
    if (rc) {
        const char *form = kj_jstr(errors, "form");
        if (form && !strcmp(form, "err.listing.not_editable")) problem(req, 409, form);
        else invalid(req, errors);
        json_decref(errors);
        return;
    }
    json_decref(errors);
    respond_listing(req, id, 200);
}

void kj_api_listing_act(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    kj_err fail = { 0 };
    kj_match_timer_reset();
    if (kj_listing_act(kj_req_db(req), req->user, id, kj_in_str(req, "action"), kj_in_str(req, "reason"), &fail)) {
        problem(req, kj_err_status(&fail), fail.key);
        return;
    }
    /* An approve computes the listing's matches inline: say how long that took. */
    int64_t match_us = kj_match_timer();
    if (match_us >= 0) {
        char timing[64];
        snprintf(timing, sizeof timing, "match;dur=%.2f", (double)match_us / 1000.0);
        kj_resp_header(req, "Server-Timing", timing);
    }
    respond_listing(req, id, 200);
}

void kj_api_listing_history(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *l = kj_listing_view(kj_req_db(req), id, req->user);
    if (!l) { problem(req, 404, "err.not_found"); return; }
    bool ok = json_is_true(json_object_get(l, "is_owner")) || json_is_true(json_object_get(l, "can_review"));
    json_decref(l);
    if (!ok) { problem(req, 403, "err.auth.forbidden"); return; }
    kj_resp_json(req, 200, kj_listing_history(kj_req_db(req), id));
}

void kj_api_listing_interest(kj_req *req)
{
    char eoi[KJ_ID_LEN + 1];
    kj_err fail = { 0 };
    if (kj_eoi_send(kj_req_db(req), req->user, kj_req_param(req, 0), kj_in_str(req, "message"),
                    kj_in_str(req, "related_id"), eoi, &fail)) {
        problem(req, kj_err_status(&fail), fail.key);
        return;
    }
    kj_resp_json(req, 201, kj_eoi_get(kj_req_db(req), req->user, eoi));
}

void kj_api_my_listings(kj_req *req)
{
    json_t *items = kj_listing_mine(kj_req_db(req), req->user);
    size_t i;
    json_t *l;
    json_array_foreach(items, i, l) api_listing(l);
    kj_resp_json(req, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

void kj_api_review_queue(kj_req *req)
{
    kj_review_policy policy = kj_req_review_policy(req);
    json_t *q = kj_review_listing_queue(kj_req_db(req), req->user, &policy);
    json_object_set_new(q, "challenges", kj_review_challenge_queue(kj_req_db(req), req->user, &policy));
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(q, "items"), i, l) api_listing(l);
    kj_resp_json(req, 200, q);
}

void kj_api_eois(kj_req *req) { kj_resp_json(req, 200, kj_eoi_lists(kj_req_db(req), req->user)); }

void kj_api_eoi(kj_req *req)
{
    json_t *e = kj_eoi_get(kj_req_db(req), req->user, kj_req_param(req, 0));
    if (!e) { problem(req, 404, "err.not_found"); return; }
    kj_fed_eoi_view(kj_req_db(req), e);   /* an EOI about a remote listing: where it went, what came back */
    kj_resp_json(req, 200, e);
}

void kj_api_eoi_decide(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    kj_err fail = { 0 };
    bool accept = !strcmp(kj_in_str(req, "decision"), "accept");
    if (kj_eoi_decide(kj_req_db(req), req->user, id, accept, kj_in_str(req, "reason"), kj_in_str(req, "note"), &fail)) {
        problem(req, kj_err_status(&fail), fail.key);
        return;
    }
    kj_resp_json(req, 200, kj_eoi_get(kj_req_db(req), req->user, id));
}

void kj_api_threads(kj_req *req)
{
    json_t *items = kj_thread_list(kj_req_db(req), req->user);
    kj_resp_json(req, 200, json_pack("{s:o}", "items", items));
}

void kj_api_thread(kj_req *req)
{
    json_t *t = kj_thread_page(kj_req_db(req), req->user, kj_req_param(req, 0), kj_in_str(req, "before"),
                               (int)kj_in_int(req, "limit", KJ_THREAD_PAGE));
    if (!t) { problem(req, 404, "err.not_found"); return; }
    kj_resp_json(req, 200, t);
}

void kj_api_thread_post(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    kj_err fail = { 0 };
    char mid[KJ_ID_LEN + 1];
    if (kj_thread_post(kj_req_db(req), req->user, id, kj_in_str(req, "body"), mid, &fail)) {
        problem(req, kj_err_status(&fail), fail.key);
        return;
    }
    /* The new message only: re-sending the thread on every post made a
     * long conversation cost its whole size per message. */
    json_t *m = kj_thread_message(kj_req_db(req), req->user, mid);
    if (!m) { problem(req, 500, "err.internal"); return; }
    kj_resp_header(req, "Location", kj_arena_printf(req->arena, "/api/v1/threads/%s", id));
    kj_resp_json(req, 201, m);
}

void kj_api_favourites(kj_req *req)
{
    json_t *items = kj_favourite_list(kj_req_db(req), req->user);
    size_t i;
    json_t *l;
    json_array_foreach(items, i, l) api_listing(l);
    kj_resp_json(req, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

void kj_api_favourite_set(kj_req *req)
{
    bool on = !json_object_get(req->in, "on") || kj_in_bool(req, "on");
    if (kj_favourite_set(kj_req_db(req), req->user, kj_in_str(req, "listing_id"), on)) { problem(req, 404, "err.not_found"); return; }
    kj_api_favourites(req);
}

void kj_api_notifications(kj_req *req)
{
    json_t *items = kj_notifications(kj_req_db(req), req->user, 100);
    kj_resp_json(req, 200, json_pack("{s:o, s:I}", "items", items, "unread", (json_int_t)kj_unread_notifications(kj_req_db(req), req->user)));
}

void kj_api_reference(kj_req *req)
{
    kj_resp_json(req, 200, kj_refdata_tables(kj_req_db(req)));
}

void kj_api_listing_upload(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *l = kj_listing_view(kj_req_db(req), id, req->user);
    if (!l) { kj_error(req, 404, "err.not_found"); return; }
    bool owner = json_is_true(json_object_get(l, "is_owner"));
    json_decref(l);
    if (!owner) { kj_error(req, 403, "err.auth.forbidden"); return; }
    kj_err err = { 0 };
    char first[KJ_ID_LEN + 1] = "";
    if (kj_listing_store_uploads(req, id, kj_in_bool(req, "confidential"), &err, first) < 0) {
        kj_error(req, kj_err_status(&err), err.key);   /* the reason as the answer's detail */
        return;
    }
    json_t *a = kj_attach_get(kj_req_db(req), first);
    json_object_del(a, "sha256");
    kj_resp_json(req, 201, a);
}
