/*
 * routes.h — the route tables: every page and API endpoint with its
 * method, handler, access rule, flags and declared inputs (kj_field).
 *
 * This folder sits above both web/ (pages, the request pipeline) and api/
 * (JSON handlers): a table names handlers of both, and neither knows the
 * tables. main.c hands kj_route_table() to kj_app_open, so the pipeline
 * never includes this header (tests/layers/check_folders.py keeps the
 * folder graph free of cycles).
 */
#ifndef KJ_ROUTES_H
#define KJ_ROUTES_H
#include "http/http.h"
#include <jansson.h>
#include <stdbool.h>

/** All routes: the feature tables joined (routes.c), and with test_mode
 *  (--test-mode) also kj_routes_test (/__test/...), which exist in no
 *  other table. Ends with a zeroed entry. A feature adds its table
 *  (kj_routes_<feature>) to route_tables in routes.c. */
const kj_route *kj_route_table(bool test_mode);
extern const kj_route kj_routes_test[];
/** The table as data for tools and tests (`kejiyun routes --json`): one
 *  object per route and method, in matching order (the router takes the
 *  first match): method, pattern, kind ("api" with KJ_API, else "page"),
 *  access (the roles the table admits: "public", "signed-in", or a list of
 *  "scientist", "org", "operator", "admin", "resident"), csrf (an unsafe
 *  method the pipeline checks the token for: every one without
 *  KJ_NO_CSRF), flags (names of the other kj_route_flag bits) and name.
 *  The roles a route admits are the table's first gate only: domains ask
 *  authz/authz.h for the object (the authorization matrix test covers
 *  both). Caller frees. */
json_t *kj_route_table_json(bool test_mode);
extern const kj_route kj_routes_core[];
extern const kj_route kj_routes_account[];
/** The routes of the separate operations listener (metrics_listen): only
 *  /metrics (no token) and /healthz. Not part of kj_route_table(). */
extern const kj_route kj_routes_ops_listener[];
extern const kj_route kj_routes_market[];
extern const kj_route kj_routes_transfer[];
extern const kj_route kj_routes_search[];
extern const kj_route kj_routes_studio[];
extern const kj_route kj_routes_popsci[];
extern const kj_route kj_routes_challenge[];
extern const kj_route kj_routes_deal[];
extern const kj_route kj_routes_org[];
extern const kj_route kj_routes_orgverify[];
extern const kj_route kj_routes_center[];
extern const kj_route kj_routes_workorder[];
extern const kj_route kj_routes_event[];
extern const kj_route kj_routes_admin[];
extern const kj_route kj_routes_people[];
extern const kj_route kj_routes_stats[];
extern const kj_route kj_routes_fed[];
extern const kj_route kj_routes_instance[];
#endif
