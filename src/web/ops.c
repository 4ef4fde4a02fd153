/*
 * ops.c — operations endpoints: health, metrics, OpenAPI, static files,
 * and the test-only clock control.
 */
#include "search/local.h"
#include "web/app.h"
#include "http/resp_cache.h"
#include "core/clock.h"
#include "core/id.h"
#include "workorder/workorder.h"
#include "event/event.h"
#include "core/log.h"
#include "market/market.h"
#include "challenge/challenge.h"
#include "search/search.h"
#include "stats/stats.h"
#include "ops/figures.h"
#include "web/pages_center.h"
#include <string.h>
#include <strings.h>

void kj_ops_healthz(kj_req *req)
{
    if (!kj_figures_db_alive(kj_req_db(req))) {
        kj_resp_problem(req, 503, "Service Unavailable", "database not answering", NULL);
        return;
    }
    kj_resp_json(req, 200, json_pack("{s:s, s:s}", "status", "ok", "database", "ok"));
}

/* For a load balancer: whether this node should get requests. Not while
 * it drains for a stop (SIGTERM, setting drain_seconds), not when the
 * database does not answer, not when the database lacks a migration this
 * binary has (it would ask for tables or columns that are not there).
 * The node's id and whether it runs the background jobs come along, for
 * the operator (and the multi-node test). */
void kj_ops_readyz(kj_req *req)
{
    kj_app *app = kj_req_app(req);
    kj_db *db = kj_req_db(req);
    bool draining = atomic_load(&app->draining);
    bool alive = kj_figures_db_alive(db);
    bool current = alive && kj_store_schema_current(db);
    /* A node's copy of the search index (search/local.h) answers search
     * only once it has read what was written while the node was down, and
     * while it keeps up with the outbox: a node that cannot answer search
     * as the others do gets no traffic. "building": a background rebuild,
     * the old copy still answers (ready). */
    json_t *search = kj_search_local_status(app->store);
    bool search_ok = !search || json_is_true(json_object_get(search, "serving"));
    bool ready = !draining && alive && current && search_ok;
    json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:s, s:b}", "status", ready ? "ready" : "not_ready",
                          "database", alive ? "ok" : "unreachable", "schema", !alive ? "unknown" : current ? "current" : "behind",
                          "draining", draining, "node", kj_store_node_id(app->store), "leader", kj_store_leader_known(app->store));
    if (search) json_object_set(o, "search", json_object_get(search, "state"));
    json_decref(search);
    kj_resp_header(req, "Cache-Control", "no-store");
    kj_resp_json(req, ready ? 200 : 503, o);
}

static void metrics(kj_req *req);

/* The figures (user and session counts, routes, errors) help an attacker
 * more than a visitor: the public listener shows them only to the bearer
 * of metrics_token, compared in constant time; to everyone else /metrics
 * does not exist. */
void kj_ops_metrics(kj_req *req)
{
    const char *token = kj_req_app(req)->cfg.metrics_token;
    const char *auth = kj_req_header(req, "Authorization");
    const char *sent = auth && !strncasecmp(auth, "Bearer ", 7) ? auth + 7 : NULL;
    if (!*token || !kj_secret_equal(sent, token)) { kj_error(req, 404, "err.not_found"); return; }
    metrics(req);
}

void kj_ops_metrics_local(kj_req *req) { metrics(req); }

static void metrics(kj_req *req)
{
    kj_app *app = kj_req_app(req);
    kj_buf out = { 0 };
    char today[16];
    kj_format_date(kj_now_ms(), today, sizeof today);
    kj_http_metrics(app->server, &out);
    kj_db *db = kj_req_db(req);
    kj_buf_printf(&out, "# HELP kejiyun_db_errors_total Database errors seen by the storage layer.\n"
                        "# TYPE kejiyun_db_errors_total counter\nkejiyun_db_errors_total %lld\n",
                  (long long)kj_store_error_count(app->store));
    kj_buf_printf(&out, "# HELP kejiyun_sessions_active Live sessions.\n"
                        "# TYPE kejiyun_sessions_active gauge\nkejiyun_sessions_active %lld\n",
                  (long long)kj_session_count(db));
    kj_buf_printf(&out, "# HELP kejiyun_job_leader Whether this node runs the background jobs (one node of several).\n"
                        "# TYPE kejiyun_job_leader gauge\nkejiyun_job_leader %d\n", kj_store_leader_known(app->store) ? 1 : 0);
    kj_buf_printf(&out, "# TYPE kejiyun_users gauge\nkejiyun_users %lld\n",
                  (long long)kj_figures_users(db));
    int64_t hits, misses;
    kj_resp_cache_counts(app->page_cache, &hits, &misses);
    kj_buf_printf(&out, "# HELP kejiyun_page_cache_requests_total Anonymous browse requests by response-cache outcome.\n"
                        "# TYPE kejiyun_page_cache_requests_total counter\n"
                        "kejiyun_page_cache_requests_total{result=\"hit\"} %lld\n"
                        "kejiyun_page_cache_requests_total{result=\"miss\"} %lld\n", (long long)hits, (long long)misses);
    json_t *idx = kj_search_stats(db), *fast = kj_search_fast_stats(db);
    kj_buf_printf(&out, "# HELP kejiyun_search_documents Documents in the search index.\n"
                        "# TYPE kejiyun_search_documents gauge\n"
                        "kejiyun_search_documents{kind=\"listing\"} %lld\nkejiyun_search_documents{kind=\"studio\"} %lld\n"
                        "# HELP kejiyun_search_published_unindexed Published listings missing from the index (should be 0).\n"
                        "# TYPE kejiyun_search_published_unindexed gauge\nkejiyun_search_published_unindexed %lld\n"
                        "# TYPE kejiyun_matches gauge\nkejiyun_matches %lld\n"
                        "# HELP kejiyun_search_documents_in_memory Indexed documents whose filter fields searches read from memory.\n"
                        "# TYPE kejiyun_search_documents_in_memory gauge\nkejiyun_search_documents_in_memory %lld\n"
                        "# HELP kejiyun_search_bitmap_terms Frequent terms searched through bitmaps (large indexes only).\n"
                        "# TYPE kejiyun_search_bitmap_terms gauge\nkejiyun_search_bitmap_terms %lld\n"
                        "# TYPE kejiyun_search_bitmap_bytes gauge\nkejiyun_search_bitmap_bytes %lld\n",
                  (long long)json_integer_value(json_object_get(idx, "listings")),
                  (long long)json_integer_value(json_object_get(idx, "studios")),
                  (long long)kj_figures_published_unindexed(db, today),
                  (long long)json_integer_value(json_object_get(idx, "matches")),
                  (long long)json_integer_value(json_object_get(idx, "in_memory")),
                  (long long)json_integer_value(json_object_get(fast, "terms")),
                  (long long)json_integer_value(json_object_get(fast, "bytes")));
    json_decref(idx);
    json_decref(fast);
    /* A node's copy of the search index (search/local.h), on a shared database. */
    json_t *local = kj_search_local_status(app->store);
    if (local)
        kj_buf_printf(&out, "# HELP kejiyun_search_local_applied_total Search outbox entries this node's copy applied since start.\n"
                            "# TYPE kejiyun_search_local_applied_total counter\nkejiyun_search_local_applied_total %lld\n"
                            "# HELP kejiyun_search_local_own_total Search outbox entries skipped since start: written and applied by this node.\n"
                            "# TYPE kejiyun_search_local_own_total counter\nkejiyun_search_local_own_total %lld\n"
                            "# HELP kejiyun_search_local_builds_total Full builds of this node's copy since start.\n"
                            "# TYPE kejiyun_search_local_builds_total counter\nkejiyun_search_local_builds_total %lld\n"
                            "# HELP kejiyun_search_local_last_build_seconds How long the last full build took.\n"
                            "# TYPE kejiyun_search_local_last_build_seconds gauge\nkejiyun_search_local_last_build_seconds %.3f\n",
                      (long long)json_integer_value(json_object_get(local, "applied")),
                      (long long)json_integer_value(json_object_get(local, "own")),
                      (long long)json_integer_value(json_object_get(local, "builds")),
                      (double)json_integer_value(json_object_get(local, "last_build_ms")) / 1000.0);
    json_decref(local);
    kj_resp_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", out.data ? out.data : "", out.len);
    kj_buf_free(&out);
}

void kj_ops_openapi(kj_req *req)
{
    kj_app *app = kj_req_app(req);
    kj_resp_text(req, 200, "application/json; charset=utf-8", app->openapi, app->openapi_len);
}

void kj_ops_static(kj_req *req)
{
    kj_static_serve(kj_req_app(req)->statics, req, kj_req_param(req, 0));
}

void kj_ops_test_clock(kj_req *req)
{
    if (!kj_req_app(req)->cfg.test_mode) { kj_error(req, 404, "err.not_found"); return; }
    json_t *off = json_object_get(req->in, "offset_ms");
    json_t *frz = json_object_get(req->in, "freeze_ms");
    if (off) kj_clock_set_offset(json_integer_value(off));
    if (frz) kj_clock_freeze(json_integer_value(frz));
    kj_resp_json(req, 200, json_pack("{s:I}", "now_ms", (json_int_t)kj_now_ms()));
}

/* POST /__test/faults {"commits":N, "reads":N, "sql":"part"}: the next
 * request that uses the database fails that many commits / reads (see
 * kj_store_inject_faults), so that tests can check that a failure is told
 * and nothing half-written remains. */
void kj_ops_test_faults(kj_req *req)
{
    if (!kj_req_app(req)->cfg.test_mode) { kj_error(req, 404, "err.not_found"); return; }
    int commits = (int)json_integer_value(json_object_get(req->in, "commits"));
    int reads = (int)json_integer_value(json_object_get(req->in, "reads"));
    kj_store_inject_faults(kj_req_app(req)->store, commits, reads, json_string_value(json_object_get(req->in, "sql")));
    /* A slow statistics rebuild, for the test of a shutdown during one. */
    json_t *delay = json_object_get(req->in, "stats_delay_ms");
    if (delay) kj_stats_test_delay((int)json_integer_value(delay));
    /* A slow rebuild of a node's search copy, for writes during one. */
    json_t *build_delay = json_object_get(req->in, "search_build_delay_ms");
    if (build_delay) kj_search_local_test_delay((int)json_integer_value(build_delay));
    /* A slow heavy request (a password hash on a busy machine), for a stop during one. */
    json_t *heavy_delay = json_object_get(req->in, "heavy_delay_ms");
    if (heavy_delay) kj_server_test_heavy_delay((int)json_integer_value(heavy_delay));
    kj_resp_json(req, 200, json_pack("{s:i, s:i}", "commits", commits, "reads", reads));
}

void kj_ops_test_tick(kj_req *req)
{
    if (!kj_req_app(req)->cfg.test_mode) { kj_error(req, 404, "err.not_found"); return; }
    kj_review_policy policy = kj_req_review_policy(req);
    int escalated = kj_review_escalate(kj_req_db(req), &policy);
    int changed = kj_market_tick(kj_req_db(req)) + kj_challenge_tick(kj_req_db(req)) +
                  kj_workorder_tick(kj_req_db(req), kj_req_app(req)->cfg.workorder_first_response_hours * 3600 * 1000) +
                  (escalated > 0 ? escalated : 0);
    int reminded = kj_event_remind_tick(kj_req_db(req), KJ_EVENT_REMIND_EVENT_MS, KJ_EVENT_REMIND_MEETING_MS);
    if (reminded > 0) changed += reminded;
    /* The statistics' figures are pre-counted by the job (a whole rebuild:
     * ~300 statements on the demo, seconds on a busy PostgreSQL), so only a
     * tick that asks ({"stats": true}) rebuilds them, for a test that then
     * reads its records' figures; the clock tests tick many times and read
     * none. Without it, stats_facts is -1 (not rebuilt). */
    int64_t facts = -1;
    if (kj_in_bool(req, "stats"))
        facts = kj_stats_refresh(kj_req_db(req), kj_req_app(req)->cfg.workorder_first_response_hours * 3600 * 1000, NULL);
    kj_resp_json(req, 200, json_pack("{s:i, s:I}", "changed", changed, "stats_facts", (json_int_t)facts));
}
