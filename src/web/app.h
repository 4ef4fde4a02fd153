/*
 * app.h — the kejiyun application: what every handler can reach.
 *
 * Owns the process-wide context (configuration, store, templates, router,
 * server) and the request pipeline that runs before a handler:
 *   route matched → body taken → language → session → access check →
 *   CSRF check → declared inputs validated → handler.
 * Handlers stay thin: validate (declared), call the domain, then render a
 * template (kj_render) or JSON (kj_resp_json / kj_api_*).
 *
 * The kj_app is built once at start-up (single thread) and read-only
 * while serving, except through the locks of the objects it holds.
 */
#ifndef KJ_APP_H
#define KJ_APP_H
#include "account/account.h"
#include "core/config.h"
#include "core/err.h"
#include "http/http.h"
#include "store/store.h"
#include "web/tmpl.h"
#include <stdatomic.h>

/* Who may use a route (kj_route.access). 0 = anyone, signed in or not. */
enum kj_access {
    KJ_PUBLIC = 0,
    KJ_R_SCIENTIST = 1,
    KJ_R_ORG = 2,
    KJ_R_OPERATOR = 4,
    KJ_R_ADMIN = 8,
    KJ_R_RESIDENT = 16,     /* 城乡群众: reads and asks; publishes nothing (authz/authz.h) */
    KJ_SIGNED_IN = 31,
    KJ_STAFF = KJ_R_OPERATOR | KJ_R_ADMIN,
    /* Routes that publish on the marketplace (listings, interest, studios,
     * 揭榜 entries and applications, deals): decided by
     * kj_authz_may_publish, not by these bits; a resident is told why. */
    KJ_PUBLISHER = KJ_R_SCIENTIST | KJ_R_ORG | KJ_R_OPERATOR | KJ_R_ADMIN,
};

typedef struct kj_static kj_static;

typedef struct kj_app {
    kj_config cfg;
    kj_store *store;
    kj_tmpl_set *tmpl;
    kj_router *router;
    kj_server *server;
    kj_router *ops_router;    /* the metrics listener's routes, when metrics_listen is set */
    kj_server *ops_server;    /* the metrics listener, or NULL */
    kj_static *statics;
    char *openapi;            /* the OpenAPI document, served as is */
    size_t openapi_len;
    struct kj_refcache *ref;  /* reference tables in memory (ref/refcache.h); immutable once open */
    struct kj_workcal *holidays;  /* the working-day calendar (core/workdays.h); immutable once open */
    struct kj_analyzer *analyzer; /* text analysis for search (shared, immutable) */
    struct kj_rewriter *rewriter; /* query rewriting for search (shared, immutable) */
    char instance_id[32];
    struct kj_resp_cache *page_cache; /* KJ_CACHE routes for anonymous visitors; NULL: off */
    struct kj_ratelimit *rated;   /* KJ_RATED routes' buckets per client address (core/ratelimit.h) */
    /* Set once by the serving thread when a stop begins (and never
     * cleared); read by /readyz from any thread. */
    atomic_bool draining;
} kj_app;


/** Builds the app: store (migrated, reference data loaded), templates,
 *  catalogs, static files, router. 0, or -1 with a one-line reason. */
int  kj_app_open(kj_app *app, const kj_config *cfg, const kj_route *routes, char *err, size_t errlen);
void kj_app_close(kj_app *app);
/** Opens only the store (migrated, reference data loaded, the region tree
 *  installed: ref/regions.h): for commands. */
int  kj_app_open_store(kj_app *app, const kj_config *cfg, char *err, size_t errlen);
/** Uninstalls the region tree and frees the reference cache (kj_app_close
 *  does it; commands that used kj_app_open_store call it). */
void kj_app_close_ref(kj_app *app);
/** The server's dispatch and cleanup callbacks. */
void kj_app_dispatch(kj_req *req);
void kj_app_cleanup(kj_req *req);
/** The refusal of a KJ_HEAVY request when the heavy pool is full: 503
 *  (page or problem+json, in the visitor's language) with Retry-After. */
void kj_app_busy(kj_req *req);

/** The app a request belongs to. */
kj_app *kj_req_app(kj_req *req);
/** The request's store connection (borrowed on first use, returned at the end). */
kj_db *kj_req_db(kj_req *req);
/** A message in the request's language. */
const char *kj_tr(kj_req *req, const char *key);
/** A message with "{0}" replaced by arg (arena string). */
const char *kj_trf(kj_req *req, const char *key, const char *arg);
/** A moment as people read it: the instance's time zone (core/clock.h),
 *  in the request's language: "2026年12月5日 16:40" / "5 Dec 2026, 16:40".
 *  Arena string; "" for ms <= 0. Pages never show UTC or ISO text. */
const char *kj_when_text(kj_req *req, int64_t ms);
/** kj_when_text in a named zone (an IANA name, core/tz.h) instead of the
 *  instance's: an event's times are read in the event's own zone. */
const char *kj_when_text_in(kj_req *req, int64_t ms, const char *zone);
/** "HH:MM" in a named zone (the end of a span on the same day). */
const char *kj_clock_text_in(kj_req *req, int64_t ms, const char *zone);
/** The day only: "2026年12月5日" / "5 Dec 2026". */
const char *kj_day_text(kj_req *req, int64_t ms);
/** Time left until ms, in words: "还剩 3 天" / "3 days left", hours under
 *  a day, "已截止" / "closed" after it. */
const char *kj_left_text(kj_req *req, int64_t ms);
/** o[out_key] = kj_when_text(o[key]) when o[key] is an integer (ms), and
 *  o[out_key + "_iso"] its ISO 8601 UTC form for <time datetime>. */
void kj_set_when(kj_req *req, json_t *o, const char *key, const char *out_key);
/** o[out_key] = kj_day_text(o[key]) when o[key] is an integer (ms). */
void kj_set_day(kj_req *req, json_t *o, const char *key, const char *out_key);
/** The user's role bit (0 when signed out). */
int kj_req_role(kj_req *req);
/** True when the client wants JSON (API route or Accept: application/json). */
bool kj_wants_json(kj_req *req);

/** Renders template tmpl with data (stolen) plus the common page context
 *  (user, lang, csrf, nav, form, errors) as an HTML response. */
void kj_render(kj_req *req, int status, const char *tmpl, json_t *data);
/** An error as an HTML page or problem+json, message from the catalog. */
void kj_error(kj_req *req, int status, const char *msg_key);
/** 422 problem+json listing req->errors (translated). */
void kj_api_invalid(kj_req *req);
/** The same with another status: 400 where a request names something the
 *  server does not offer at all (a listing's lang). */
void kj_api_invalid_status(kj_req *req, int status);
/** The HTTP status that answers a domain error of e's kind (the one
 *  kind → status table; KJ_E_NONE answers 500: an error without a kind is
 *  a bug, not a success). */
int kj_err_status(const kj_err *e);
/** Answers a domain failure as a whole response: an error page, or
 *  problem+json naming the field and the message (422 with the field list
 *  of kj_api_invalid). */
void kj_answer_err(kj_req *req, const kj_err *e);
/** Records a domain failure as a field error. */
void kj_req_fail(kj_req *req, const kj_err *f);
/** Starts a web session for user_id and sets the cookie; writes the token. */
int kj_login_session(kj_req *req, const char *user_id, const char *kind, char *token_out);
/** What a new session for this request's client is made of (kind "web" or
 *  "api", the configured lifetime, address, browser), token_out ≥ 64 bytes. */
kj_session_renewal kj_req_session_renewal(kj_req *req, const char *kind, char *token_out);
/** Sets the session cookie to token (a session made elsewhere, e.g. by
 *  kj_account_change_password) and a new CSRF cookie. */
void kj_session_cookie(kj_req *req, const char *token);
/** Sets a new CSRF cookie (and req->csrf): at login (kj_login_session
 *  does it) and logout. */
void kj_csrf_rotate(kj_req *req);
/** Counts this request against its client address's hourly limit of kind
 *  ("register": register_max_ip, "forgot": reset_max_ip). True when it
 *  answered instead of the handler: 429 with Retry-After (page or
 *  problem+json), or 500 on a storage error. */
bool kj_address_limited(kj_req *req, const char *kind);
/** The failed-login throttle's settings (core/config.h). */
kj_login_limits kj_req_login_limits(kj_req *req);

/* Handlers, by page family. */
void kj_page_home(kj_req *req);
/** GET /region?code=&next=: remembers the visitor's region (cookie
 *  kj_region; empty code forgets it) for the home page's service-center
 *  contacts, then back to next. */
void kj_page_region_choose(kj_req *req);
/** The cookie kj_page_region_choose sets; part of the response-cache key
 *  of anonymous pages (app.c), as the home page depends on it. */
#define KJ_REGION_COOKIE "kj_region"
void kj_page_register(kj_req *req);
void kj_page_register_post(kj_req *req);
void kj_page_login(kj_req *req);
void kj_page_login_post(kj_req *req);
void kj_page_logout(kj_req *req);
void kj_page_dashboard(kj_req *req);
void kj_page_profile(kj_req *req);
void kj_page_profile_post(kj_req *req);
void kj_page_password(kj_req *req);
void kj_page_password_post(kj_req *req);
void kj_page_lang(kj_req *req);
void kj_page_org(kj_req *req);
void kj_page_about_roles(kj_req *req);

void kj_ops_healthz(kj_req *req);
/** /readyz: 200 when this node should get traffic (database answers, its
 *  migrations applied, not draining for a stop), else 503; JSON either way. */
void kj_ops_readyz(kj_req *req);
/** /metrics on the public listener: only with the configured token, else 404. */
void kj_ops_metrics(kj_req *req);
/** /metrics on the operations listener (metrics_listen): no token. */
void kj_ops_metrics_local(kj_req *req);
void kj_ops_openapi(kj_req *req);
void kj_ops_static(kj_req *req);
void kj_ops_test_clock(kj_req *req);
void kj_ops_test_tick(kj_req *req);
void kj_ops_test_faults(kj_req *req);

/* Static files (static.c). */
kj_static *kj_static_load(const char *dir, char *err, size_t errlen);
void kj_static_free(kj_static *s);
/** Serves path (relative to the static dir) with caching headers. */
void kj_static_serve(kj_static *s, kj_req *req, const char *path);
#endif
