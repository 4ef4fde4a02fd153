/*
 * api_stats.c — GET /api/v1/stats (every figure as JSON, docs/openapi.json
 * "Stats"), GET /api/v1/stats.xlsx and GET /api/v1/stats/public (the public
 * data page's figures). Filters and authorization as the pages
 * (web/pages_stats.h).
 */
#include "web/pages_stats.h"
#include "stats/stats.h"

void kj_api_stats(kj_req *req)
{
    kj_stats_query q;
    if (kj_stats_req_query(req, &q, false)) return;
    json_t *f = kj_stats_req_figures(req, &q);
    if (f) kj_resp_json(req, 200, f);
}

void kj_api_stats_public(kj_req *req)
{
    kj_stats_query q;
    if (kj_stats_req_query(req, &q, true)) return;
    json_t *f = kj_stats_req_figures(req, &q);
    if (f) kj_resp_json(req, 200, f);
}

void kj_api_stats_xlsx(kj_req *req) { kj_stats_send_xlsx(req, false); }
