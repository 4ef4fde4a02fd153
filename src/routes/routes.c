/*
 * routes.c — every URL kejiyun answers, as data.
 *
 * Each route names its methods, pattern, handler, who may use it, flags
 * and the inputs it accepts. The pipeline (app.c) enforces access, CSRF
 * and input validation from this table before a handler runs; only the
 * inputs declared here reach a handler. `kejiyun routes` prints the table
 * and a test checks it against docs/openapi.json.
 */
#include "web/app.h"
#include "routes/routes.h"
#include "api/api.h"
#include <pthread.h>
#include <stdlib.h>

static const char *const self_roles[] = { "scientist", "org_member", "resident", NULL };
static const char *const org_types[] = { "enterprise", "university", "institute", "other", NULL };

#define NEXT_FIELD { "next", KJ_F_TEXT, 0, 0, 500, NULL }

static const kj_field register_fields[] = {
    { "email", KJ_F_EMAIL, KJ_REQUIRED, 0, 254, NULL },
    { "password", KJ_F_PASSWORD, KJ_REQUIRED, 0, 1024, NULL },
    { "name", KJ_F_TEXT, KJ_REQUIRED, 1, 60, NULL },
    { "role", KJ_F_ENUM, KJ_REQUIRED, 0, 0, self_roles },
    { "region", KJ_F_TEXT, 0, 0, 32, NULL },
    { "org_name", KJ_F_TEXT, 0, 0, 100, NULL },
    { "org_type", KJ_F_ENUM, 0, 0, 0, org_types },
    { "org_region", KJ_F_TEXT, 0, 0, 32, NULL },
    { "org_credit_code", KJ_F_TEXT, 0, 0, 40, NULL },
    { "accept_terms", KJ_F_BOOL, 0, 0, 0, NULL },
    KJ_FIELDS_END
};

/* A region code (refdata.h: kj_region_code_ok, checked by the handler). */
static const kj_field region_query_fields[] = { { "parent", KJ_F_TEXT, 0, 0, 32, NULL }, KJ_FIELDS_END };
static const kj_field login_fields[] = {
    { "email", KJ_F_TEXT, KJ_REQUIRED, 0, 254, NULL },
    { "password", KJ_F_PASSWORD, KJ_REQUIRED, 0, 1024, NULL },
    NEXT_FIELD,
    KJ_FIELDS_END
};

static const kj_field next_fields[] = { NEXT_FIELD, KJ_FIELDS_END };
/* The visitor's region for the home page's service-center contacts. */
static const kj_field region_choice_fields[] = { { "code", KJ_F_TEXT, 0, 0, 12, NULL }, NEXT_FIELD, KJ_FIELDS_END };

static const kj_field profile_fields[] = {
    { "name", KJ_F_TEXT, KJ_REQUIRED, 1, 60, NULL },
    { "phone", KJ_F_TEXT, 0, 0, 30, NULL },
    { "title", KJ_F_TEXT, 0, 0, 60, NULL },
    { "bio", KJ_F_MULTILINE, 0, 0, 2000, NULL },
    { "region", KJ_F_TEXT, 0, 0, 32, NULL },
    KJ_FIELDS_END
};

static const kj_field profile_patch_fields[] = {
    { "name", KJ_F_TEXT, 0, 1, 60, NULL },
    { "phone", KJ_F_TEXT, 0, 0, 30, NULL },
    { "title", KJ_F_TEXT, 0, 0, 60, NULL },
    { "bio", KJ_F_MULTILINE, 0, 0, 2000, NULL },
    { "region", KJ_F_TEXT, 0, 0, 32, NULL },
    KJ_FIELDS_END
};

static const kj_field password_fields[] = {
    { "old_password", KJ_F_PASSWORD, KJ_REQUIRED, 0, 1024, NULL },
    { "new_password", KJ_F_PASSWORD, KJ_REQUIRED, 0, 1024, NULL },
    KJ_FIELDS_END
};

static const kj_field clock_fields[] = {
    { "offset_ms", KJ_F_INT, 0, -(1LL << 50), 1LL << 50, NULL },
    { "freeze_ms", KJ_F_INT, 0, 0, 1LL << 50, NULL },
    KJ_FIELDS_END
};

/* A tick rebuilds the statistics only when asked (src/web/ops.c). */
static const kj_field tick_fields[] = {
    { "stats", KJ_F_BOOL, 0, 0, 0, NULL },
    KJ_FIELDS_END
};

static const kj_field fault_fields[] = {
    { "commits", KJ_F_INT, 0, 0, 1000, NULL },
    { "reads", KJ_F_INT, 0, 0, 1000, NULL },
    { "sql", KJ_F_TEXT, 0, 0, 120, NULL },
    { "stats_delay_ms", KJ_F_INT, 0, 0, 600000, NULL },   /* each statistics rebuild waits this long per metric */
    { "search_build_delay_ms", KJ_F_INT, 0, 0, 600000, NULL },   /* each build of a node's search copy waits this long */
    { "heavy_delay_ms", KJ_F_INT, 0, 0, 600000, NULL },   /* each heavy request (a login's hash) waits this long */
    KJ_FIELDS_END
};

const kj_route kj_routes_core[] = {
    /* Pages */
    { KJ_GET,  "/",                        kj_page_home,           KJ_PUBLIC,    KJ_CACHE, NULL, "home" },
    { KJ_GET,  "/register",                kj_page_register,       KJ_PUBLIC,    0, NULL, "register" },
    { KJ_POST, "/register",                kj_page_register_post,  KJ_PUBLIC,    KJ_HEAVY, register_fields, "register" },
    { KJ_GET,  "/login",                   kj_page_login,          KJ_PUBLIC,    0, next_fields, "login" },
    { KJ_POST, "/login",                   kj_page_login_post,     KJ_PUBLIC,    KJ_HEAVY, login_fields, "login" },
    { KJ_POST, "/logout",                  kj_page_logout,         KJ_PUBLIC,    KJ_CONSENT_FREE, NULL, "logout" },
    { KJ_GET,  "/dashboard",               kj_page_dashboard,      KJ_SIGNED_IN, 0, NULL, "dashboard" },
    { KJ_GET,  "/account/profile",         kj_page_profile,        KJ_SIGNED_IN, 0, NULL, "profile" },
    { KJ_POST, "/account/profile",         kj_page_profile_post,   KJ_SIGNED_IN, 0, profile_fields, "profile" },
    { KJ_GET,  "/account/password",        kj_page_password,       KJ_SIGNED_IN, 0, NULL, "password" },
    { KJ_POST, "/account/password",        kj_page_password_post,  KJ_SIGNED_IN, KJ_HEAVY, password_fields, "password" },
    { KJ_GET,  "/lang/{code}",             kj_page_lang,           KJ_PUBLIC,    KJ_CONSENT_FREE, next_fields, "lang" },
    { KJ_GET,  "/region",                  kj_page_region_choose,  KJ_PUBLIC,    0, region_choice_fields, "region_choose" },
    { KJ_GET,  "/orgs/{id}",               kj_page_org,            KJ_PUBLIC,    0, NULL, "org" },
    { KJ_GET,  "/help/roles",              kj_page_about_roles,    KJ_PUBLIC,    0, NULL, "help_roles" },

    /* API */
    { KJ_POST, "/api/v1/register",         kj_api_register,        KJ_PUBLIC,    KJ_API | KJ_HEAVY, register_fields, "api_register" },
    { KJ_POST, "/api/v1/login",            kj_api_login,           KJ_PUBLIC,    KJ_API | KJ_HEAVY, login_fields, "api_login" },
    { KJ_POST, "/api/v1/logout",           kj_api_logout,          KJ_PUBLIC,    KJ_API | KJ_CONSENT_FREE, NULL, "api_logout" },
    { KJ_GET,  "/api/v1/me",               kj_api_me,              KJ_SIGNED_IN, KJ_API | KJ_CONSENT_FREE, NULL, "api_me" },
    { KJ_PATCH, "/api/v1/me",              kj_api_me_patch,        KJ_SIGNED_IN, KJ_API, profile_patch_fields, "api_me" },
    { KJ_POST, "/api/v1/me/password",      kj_api_password,        KJ_SIGNED_IN, KJ_API | KJ_HEAVY, password_fields, "api_password" },
    { KJ_GET,  "/api/v1/orgs/{id}",        kj_api_org,             KJ_PUBLIC,    KJ_API, NULL, "api_org" },
    { KJ_GET,  "/api/v1/regions",          kj_api_regions,         KJ_PUBLIC,    KJ_API, region_query_fields, "api_regions" },
    { KJ_GET,  "/api/v1/openapi.json",     kj_ops_openapi,         KJ_PUBLIC,    KJ_API | KJ_CONSENT_FREE, NULL, "openapi" },

    /* Operations */
    { KJ_GET,  "/healthz",                 kj_ops_healthz,         KJ_PUBLIC,    KJ_API | KJ_CONSENT_FREE, NULL, "healthz" },
    { KJ_GET,  "/readyz",                  kj_ops_readyz,          KJ_PUBLIC,    KJ_API | KJ_CONSENT_FREE, NULL, "readyz" },
    { KJ_GET,  "/metrics",                 kj_ops_metrics,         KJ_PUBLIC,    KJ_CONSENT_FREE, NULL, "metrics" },
    { KJ_GET,  "/static/*",                kj_ops_static,          KJ_PUBLIC,    0, NULL, "static" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};

/* Test mode only (--test-mode): joined into the table only then, so that a
 * production server has no such route at all (404 as for any unknown path)
 * and `kejiyun routes` does not list them. */
const kj_route kj_routes_test[] = {
    { KJ_POST, "/__test/clock",            kj_ops_test_clock,      KJ_PUBLIC,    KJ_API | KJ_CONSENT_FREE, clock_fields, "test_clock" },
    { KJ_POST, "/__test/tick",             kj_ops_test_tick,       KJ_PUBLIC,    KJ_API | KJ_CONSENT_FREE, tick_fields, "test_tick" },
    { KJ_POST, "/__test/faults",           kj_ops_test_faults,     KJ_PUBLIC,    KJ_API | KJ_CONSENT_FREE, fault_fields, "test_faults" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};

/* The operations listener (metrics_listen) answers only these: an address
 * reachable by the monitoring system alone, so no token. */
const kj_route kj_routes_ops_listener[] = {
    { KJ_GET,  "/healthz",                 kj_ops_healthz,         KJ_PUBLIC,    KJ_API | KJ_CONSENT_FREE, NULL, "healthz" },
    { KJ_GET,  "/readyz",                  kj_ops_readyz,          KJ_PUBLIC,    KJ_API | KJ_CONSENT_FREE, NULL, "readyz" },
    { KJ_GET,  "/metrics",                 kj_ops_metrics_local,   KJ_PUBLIC,    KJ_CONSENT_FREE, NULL, "metrics" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};

/* Every feature contributes a table; they are joined once into one. */
static const kj_route *const route_tables[] = {
    kj_routes_core,
    kj_routes_account,
    kj_routes_market,
    kj_routes_transfer,
    kj_routes_search,
    kj_routes_studio,
    kj_routes_popsci,
    kj_routes_challenge,
    kj_routes_deal,
    kj_routes_org,
    kj_routes_orgverify,
    kj_routes_center,
    kj_routes_workorder,
    kj_routes_event,
    kj_routes_admin,
    kj_routes_people,
    kj_routes_stats,
    kj_routes_fed,
    kj_routes_instance,
    NULL,
};

/* The joined tables, without and with kj_routes_test: built once each
 * (pthread_once), read-only afterwards. */
static kj_route *all_routes[2];
static pthread_once_t all_routes_once = PTHREAD_ONCE_INIT;

static kj_route *join(const kj_route *extra)
{
    size_t n = 0;
    for (const kj_route *const *t = route_tables; *t; t++)
        for (const kj_route *r = *t; r->pattern; r++) n++;
    for (const kj_route *r = extra; r && r->pattern; r++) n++;
    kj_route *all = calloc(n + 1, sizeof *all);
    if (!all) abort();   /* start-up, a few kilobytes */
    n = 0;
    for (const kj_route *const *t = route_tables; *t; t++)
        for (const kj_route *r = *t; r->pattern; r++) all[n++] = *r;
    for (const kj_route *r = extra; r && r->pattern; r++) all[n++] = *r;
    return all;
}

static void join_tables(void)
{
    all_routes[0] = join(NULL);
    all_routes[1] = join(kj_routes_test);
}

const kj_route *kj_route_table(bool test_mode)
{
    pthread_once(&all_routes_once, join_tables);
    return all_routes[test_mode ? 1 : 0];
}

json_t *kj_route_table_json(bool test_mode)
{
    static const struct { int bit; const char *name; } methods[] = {
        { KJ_GET, "GET" }, { KJ_POST, "POST" }, { KJ_PUT, "PUT" }, { KJ_PATCH, "PATCH" }, { KJ_DELETE, "DELETE" } };
    static const struct { int bit; const char *name; } roles[] = {
        { KJ_R_SCIENTIST, "scientist" }, { KJ_R_ORG, "org" }, { KJ_R_OPERATOR, "operator" }, { KJ_R_ADMIN, "admin" },
        { KJ_R_RESIDENT, "resident" } };
    static const struct { int bit; const char *name; } flags[] = {
        { KJ_NO_CSRF, "no_csrf" }, { KJ_UPLOAD, "upload" }, { KJ_UPLOAD_LARGE, "upload_large" }, { KJ_CACHE, "cache" },
        { KJ_HEAVY, "heavy" }, { KJ_CONSENT_FREE, "consent_free" }, { KJ_STRICT, "strict" }, { KJ_RATED, "rated" } };
    json_t *out = json_array();
    for (const kj_route *r = kj_route_table(test_mode); r->pattern; r++)
        for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
            if (!(r->methods & methods[i].bit)) continue;
            json_t *access;
            if (r->access == KJ_PUBLIC) access = json_string("public");
            else if (r->access == KJ_SIGNED_IN) access = json_string("signed-in");
            else {
                access = json_array();
                for (size_t k = 0; k < sizeof roles / sizeof *roles; k++)
                    if (r->access & roles[k].bit) json_array_append_new(access, json_string(roles[k].name));
            }
            json_t *fl = json_array();
            for (size_t k = 0; k < sizeof flags / sizeof *flags; k++)
                if (r->flags & flags[k].bit) json_array_append_new(fl, json_string(flags[k].name));
            bool unsafe = methods[i].bit != KJ_GET;
            json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:o, s:b, s:o, s:s}", "method", methods[i].name,
                                                 "pattern", r->pattern, "kind", (r->flags & KJ_API) ? "api" : "page",
                                                 "access", access, "csrf", unsafe && !(r->flags & KJ_NO_CSRF), "flags", fl,
                                                 "name", r->name ? r->name : r->pattern));
        }
    return out;
}
