/*
 * api_search.c — the search, suggestion, matches and alerts API
 * (/api/v1/search, /suggest, /listings/{id}/matches, /subscriptions).
 * Requests are read as the pages read them (web/pages_search.h).
 */
#include "web/pages_fed.h"
#include "api/api.h"
#include "core/id.h"
#include "core/json_util.h"
#include "popsci/popsci.h"
#include "search/search.h"
#include "web/app.h"
#include "web/market_view.h"
#include "web/pages_search.h"
#include <stdlib.h>
#include <string.h>

void kj_api_search(kj_req *req)
{
    kj_search_query q;
    kj_search_query_from(req, &q);
    kj_err err = { 0 };
    json_t *d = kj_search(kj_req_db(req), &q, &err);
    if (!d) { kj_answer_err(req, &err); return; }
    /* Where the search's time went (bench/scale lists the slowest queries by it). */
    char timing[256];
    kj_search_timing_header(timing, sizeof timing);
    kj_resp_header(req, "Server-Timing", timing);
    size_t i;
    json_t *h;
    /* Each listing's translations ({tag: {title, summary}}, issue 17 §1); studios have none. */
    json_t *listings = json_array();
    json_array_foreach(json_object_get(d, "items"), i, h)
        if (strcmp(kj_jstr_or_empty(h, "doc_kind"), "studio")) json_array_append(listings, h);
    kj_listing_translations_attach(kj_req_db(req), listings, NULL);
    json_decref(listings);
    json_array_foreach(json_object_get(d, "items"), i, h) {
        kj_search_hit_plain(h);
        kj_listing_api_prices(h);
        json_object_set_new(h, "anonymous", json_boolean(json_integer_value(json_object_get(h, "anonymous"))));
    }
    json_object_set_new(d, "page", json_integer(q.page > 0 ? q.page : 1));
    json_object_set_new(d, "per_page", json_integer(q.per_page > 0 ? q.per_page : 20));
    if (q.q && *q.q && q.page <= 1) {
        json_t *ps = kj_popsci_search(kj_req_db(req), kj_req_app(req)->analyzer, q.q, 5);
        kj_fed_label_filter(req, json_object_get(ps, "items"), q.filters.origin);
        json_object_set_new(d, "popsci", ps);
    }
    kj_resp_json(req, 200, d);
}

void kj_api_suggest(kj_req *req)
{
    kj_resp_json(req, 200, json_pack("{s:o}", "items", kj_search_suggest(kj_req_db(req), kj_in_str(req, "q"), 8)));
}

void kj_api_matches(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    int status = 0;
    json_t *l = kj_match_listing_visible(req, id, &status);
    if (!l) { kj_error(req, 404, "err.not_found"); return; }
    json_decref(l);
    json_t *items = kj_match_list(kj_req_db(req), id, (int)kj_in_int(req, "limit", 20));
    size_t i;
    json_t *m;
    json_array_foreach(items, i, m) kj_match_explain(req, m);
    kj_resp_json(req, 200, json_pack("{s:o}", "items", items));
}

void kj_api_match_not_relevant(kj_req *req)
{
    if (kj_match_feedback_req(req) == 0) req->status = 204;
}

void kj_api_subscribe(kj_req *req)
{
    char id[KJ_ID_LEN + 1];
    kj_err err = { 0 };
    if (kj_subscribe_req(req, id, &err)) { kj_answer_err(req, &err); return; }
    kj_resp_json(req, 201, json_pack("{s:s}", "id", id));
}

void kj_api_subscriptions(kj_req *req)
{
    kj_resp_json(req, 200, json_pack("{s:o}", "items", kj_subscriptions(kj_req_db(req), req->user)));
}

void kj_api_unsubscribe(kj_req *req)
{
    if (!kj_id_valid(kj_req_param(req, 0)) || kj_unsubscribe(kj_req_db(req), req->user, kj_req_param(req, 0))) {
        kj_error(req, 404, "err.not_found");
        return;
    }
    req->status = 204;
}
