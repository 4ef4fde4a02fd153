/*
 * app.c — application start-up and the request pipeline (see app.h).
 */
#include "web/app.h"
#include "web/nav.h"
#include "authz/authz.h"
#include "account/privacy.h"
#include "account/security.h"
#include "core/json_util.h"
#include "http/resp_cache.h"
#include "core/clock.h"
#include "core/heavy.h"
#include "core/ratelimit.h"
#include "core/workdays.h"
#include "core/id.h"
#include "core/log.h"
#include "web/i18n.h"
#include "ref/refdata.h"
#include "ref/refcache.h"
#include "ref/regions.h"
#include "web/region_picker.h"
#include "authz/authz.h"
#include "market/market.h"
#include "search/search.h"
#include "search/local.h"
#include "search/backend.h"
#include "challenge/challenge.h"
#include "event/event.h"
#include "mail/mail.h"
#include "popsci/popsci.h"
#include "instance/instance.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define COOKIE_SESSION "kj_session"
#define COOKIE_CSRF "kj_csrf"
#define PAGE_CACHE_SLOTS 512   /* distinct browse pages kept (direct-mapped) */
#define COOKIE_LANG "kj_lang"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) { free(p); p = NULL; }
    if (p) { p[n] = 0; *len = (size_t)n; }
    fclose(f);
    return p;
}

/* The instance's offered languages and its default (the language listings
 * are written in), for the market (kj_listing_language_source). */
static void listing_languages(char *offered, size_t on, char *original, size_t gn)
{
    kj_instance_profile p;
    kj_instance_get(&p);
    if (*p.languages) snprintf(offered, on, "%s", p.languages);
    if (*p.default_lang) snprintf(original, gn, "%s", p.default_lang);
}

int kj_app_open_store(kj_app *app, const kj_config *cfg, char *err, size_t errlen)
{
    app->cfg = *cfg;
    if (mkdir(cfg->data, 0750) != 0) {
        struct stat st;
        if (stat(cfg->data, &st) != 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "cannot create data directory %s", cfg->data);
            return -1;
        }
    }
    char path[2048], dir[2048];
    snprintf(dir, sizeof dir, "%s/data/text", cfg->root);
    app->analyzer = kj_analyzer_open(dir, err, errlen);
    if (!app->analyzer) return -1;
    /* Queries are read as people type them (filler, English terms, typos). */
    app->rewriter = kj_rewriter_open(app->analyzer, dir, err, errlen);
    if (!app->rewriter) return -1;
    /* and the instance's own bilingual terms, DATA/terms-en-zh.tsv */
    if (kj_rewriter_add_terms(app->rewriter, cfg->data, err, errlen)) return -1;
    /* The search index follows the market's listing changes (market.h). */
    if (kj_search_listen()) { snprintf(err, errlen, "cannot register the search index's listener"); return -1; }
    /* The database (--db): sqlite:PATH, postgresql://…; by default the
     * data directory's kejiyun.db. */
    if (*cfg->db) snprintf(path, sizeof path, "%s", cfg->db);
    else snprintf(path, sizeof path, "sqlite:%s/kejiyun.db", cfg->data);
    const char *location = NULL;
    const kj_store_backend *be = kj_store_backend_for(path, &location);
    if (!be) {
        snprintf(err, errlen, "--db %s: not a database URL (sqlite:PATH or postgresql://…)", path);
        return -1;
    }
    /* One connection per HTTP thread and per heavy worker (both run
     * handlers), one for the metrics listener's thread when it has one,
     * and two for the background jobs. */
    int conns = cfg->threads + cfg->heavy_jobs + 2 + (*cfg->metrics_listen ? 1 : 0);
    app->store = kj_store_open(be, location, conns, kj_search_backend_for_store(be->name)->conn_hook,
                               app->analyzer, err, errlen);
    if (!app->store) return -1;
    /* The store's search state (search/context.h): its caches, the
     * analyzer and rewriter it reads text with; freed with the store. */
    kj_search_ctx *sc = kj_search_ctx_new(app->analyzer, app->rewriter);
    if (!sc || kj_search_attach(app->store, sc)) {
        kj_search_ctx_free(sc);
        snprintf(err, errlen, "cannot set up the search context");
        return -1;
    }
    /* Each backend has its own migrations, one file per step with the
     * same number and name (tests check both schemas stay equivalent). */
    snprintf(dir, sizeof dir, "%s/migrations/%s", cfg->root, be->name);
    if (kj_store_migrate(app->store, dir, err, errlen) < 0) return -1;
    /* Nodes of a shared database keep their own copies of the index
     * (search/local.h), fed by the search outbox, which this turns on; one
     * SQLite node searches its database. Each of the store's connections
     * pairs with one of the copy's. */
    if (strcmp(be->name, "sqlite")) {
        char sdir[2048], mig[2048];
        if (*cfg->search_dir) snprintf(sdir, sizeof sdir, "%s", cfg->search_dir);
        else snprintf(sdir, sizeof sdir, "%s/search", cfg->data);
        snprintf(mig, sizeof mig, "%s/migrations/sqlite", cfg->root);
        if (kj_search_local_open(app->store, sdir, mig, conns + 2, err, errlen)) return -1;
    }
    kj_db *db = kj_store_acquire(app->store);
    snprintf(app->instance_id, sizeof app->instance_id, "%s", kj_instance_id(db));
    int rc = kj_refdata_seed(db, cfg->root, cfg->data, err, errlen);
    /* After the seed, so the snapshot holds what it wrote (refcache.h).
     * Commands too: domain code places regions in the tree (a listing's
     * province and city, who covers what) whoever calls it — the search
     * index's rebuild below included. Single thread still (kj_app is built
     * before any server or worker thread): the tree is published for
     * domain code and authz. */
    if (rc == 0) {
        app->ref = kj_refcache_load(db, err, errlen);
        if (!app->ref) rc = -1;
        else {
            kj_regions_install(kj_refcache_regions(app->ref));
            kj_authz_set_region_lookup(kj_regions_lookup_parent);
        }
    }
    /* The instance's identity and profile (instance/instance.h): published
     * before any thread reads it. */
    if (rc == 0 && kj_instance_load(db, cfg)) {
        snprintf(err, errlen, "cannot read the instance profile (the store's error is in the log)");
        rc = -1;
    }
    /* Which languages a listing's translations may be in follows the profile. */
    if (rc == 0) kj_listing_language_source(listing_languages);
    /* Listings written before migration 051 named no language: they were
     * in the instance's default one. */
    if (rc == 0) {
        char dflt[32];
        if (kj_listing_lang_stamp(db, kj_listing_original_lang(dflt, sizeof dflt)) < 0) {
            snprintf(err, errlen, "cannot record the language of older listings (the store's error is in the log)");
            rc = -1;
        }
    }
    /* The working-day calendar: the setting's file (under ROOT when
     * relative), then the instance's DATA/holidays.tsv over it. */
    if (rc == 0) {
        char shipped[2048], own[2048];
        const char *h = cfg->holidays;
        if (*h && *h != '/') snprintf(shipped, sizeof shipped, "%s/%s", cfg->root, h);
        else snprintf(shipped, sizeof shipped, "%s", h);
        snprintf(own, sizeof own, "%s/holidays.tsv", cfg->data);
        const char *paths[] = { shipped, own };
        app->holidays = kj_workcal_load(paths, 2, err, errlen);
        if (!app->holidays) rc = -1;
    }
    int reindexed = -1;
    if (rc == 0 && kj_search_ensure_format(db, &reindexed)) {
        snprintf(err, errlen, "cannot rebuild the search index in its new format (the store's error is in the log)");
        rc = -1;
    } else if (reindexed >= 0) {
        /* A node's local copy (search/local.h) is also built when new or behind. */
        fprintf(stderr, kj_search_local_on(db) ? "kejiyun: this node's copy of the search index was built (it was new, behind, or in an older format: %d documents)\n"
                                               : "kejiyun: the search index was rebuilt in its new format (%d documents)\n", reindexed);
    }
    kj_store_release(app->store, db);
    return rc;
}

/* The e-mail of events raised by features older than the mail queue. Set
 * here, by the thread that builds the app before any server or worker
 * thread starts: the hooks are function pointers written only then and
 * read without a lock afterwards (their headers' contract). */
static void install_mail_hooks(void)
{
    kj_alert_hook = kj_mail_alert;
    kj_popsci_notice_hook = kj_mail_notice;
    kj_challenge_mail_hook = kj_mail_challenge;
    kj_event_text_hook = kj_i18n_get;
}

/* The languages the profile offers are installed, exactly by tag (a typo
 * in the settings file stops the start with its name, rather than a menu
 * that silently lacks it). */
static int check_languages(char *err, size_t errlen)
{
    kj_instance_profile p;
    kj_instance_get(&p);
    char list[sizeof p.languages + 1];
    snprintf(list, sizeof list, "%s", p.languages);
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        const char *got = kj_i18n_supported(t);
        if (!got || strcmp(got, t)) {
            snprintf(err, errlen, "languages: %s has no catalog (i18n/%s.meta, or DATA/i18n/%s.meta)", t, t, t);
            return -1;
        }
    }
    if (!kj_i18n_offered(p.default_lang, p.languages) || strcmp(kj_i18n_offered(p.default_lang, p.languages), p.default_lang)) {
        snprintf(err, errlen, "default_language: %s is not among the languages offered (%s)", p.default_lang, p.languages);
        return -1;
    }
    return 0;
}

int kj_app_open(kj_app *app, const kj_config *cfg, const kj_route *routes, char *err, size_t errlen)
{
    if (kj_app_open_store(app, cfg, err, errlen)) return -1;
    install_mail_hooks();
    char dir[2048];
    /* The install's languages, then the instance's own (DATA/i18n). */
    char extra[2048];
    snprintf(dir, sizeof dir, "%s/i18n", cfg->root);
    snprintf(extra, sizeof extra, "%s/i18n", cfg->data);
    if (kj_i18n_load_dirs(dir, extra, err, errlen)) return -1;
    if (check_languages(err, errlen)) return -1;
    /* The install's templates, each overridable by DATA/templates/NAME.html. */
    snprintf(dir, sizeof dir, "%s/templates", cfg->root);
    snprintf(extra, sizeof extra, "%s/templates", cfg->data);
    app->tmpl = kj_tmpl_load_dirs(dir, extra, err, errlen);
    if (!app->tmpl) return -1;
    snprintf(dir, sizeof dir, "%s/static", cfg->root);
    app->statics = kj_static_load(dir, err, errlen);
    if (!app->statics) return -1;
    snprintf(dir, sizeof dir, "%s/docs/openapi.json", cfg->root);
    app->openapi = read_file(dir, &app->openapi_len);
    if (!app->openapi) { snprintf(err, errlen, "cannot read %s", dir); return -1; }
    app->router = kj_router_new(routes);   /* the caller's tables (routes/routes.h) */
    app->page_cache = kj_resp_cache_new(PAGE_CACHE_SLOTS, cfg->page_cache_ms);
    app->rated = kj_ratelimit_new(16384);
    if (!app->rated) { snprintf(err, errlen, "out of memory"); return -1; }
    /* Browse counts follow the response cache's rules (browse_memo.c). */
    kj_listing_count_memo_ttl(cfg->page_cache_ms);
    /* A node's copy of the search index follows the database (search/local.h). */
    if (kj_search_local_start(app->store)) { snprintf(err, errlen, "cannot start the search index's tailer"); return -1; }
    return 0;
}

void kj_app_close_ref(kj_app *app)
{
    kj_authz_set_region_lookup(NULL);
    kj_regions_install(NULL);
    kj_refcache_free(app->ref);
    app->ref = NULL;
    kj_workcal_free(app->holidays);
    app->holidays = NULL;
}

void kj_app_close(kj_app *app)
{
    kj_resp_cache_free(app->page_cache);
    kj_ratelimit_free(app->rated);
    kj_router_free(app->router);
    kj_static_free(app->statics);
    kj_tmpl_free(app->tmpl);
    if (app->store) kj_search_local_stop(app->store);
    kj_store_close(app->store);   /* and its search context, before the analyzer it reads with */
    kj_rewriter_close(app->rewriter);
    kj_analyzer_close(app->analyzer);
    kj_app_close_ref(app);
    free(app->openapi);
    kj_i18n_free();
    memset(app, 0, sizeof *app);
}

/* ---- helpers for handlers ---- */

kj_app *kj_req_app(kj_req *req) { return req->app; }

kj_db *kj_req_db(kj_req *req)
{
    if (!req->db) {
        req->db = kj_store_acquire(kj_req_app(req)->store);
        if (kj_req_app(req)->cfg.test_mode) kj_db_take_faults(req->db);   /* /__test/faults */
    }
    return req->db;
}

const char *kj_tr(kj_req *req, const char *key) { return kj_i18n_get(req->lang, key); }

const char *kj_trf(kj_req *req, const char *key, const char *arg)
{
    const char *msg = kj_tr(req, key);
    const char *at = strstr(msg, "{0}");
    if (!at) return msg;
    return kj_arena_printf(req->arena, "%.*s%s%s", (int)(at - msg), msg, arg, at + 3);
}

int kj_req_role(kj_req *req)
{
    static const struct { const char *role; int bit; } bits[] = {
        { "scientist", KJ_R_SCIENTIST }, { "org_member", KJ_R_ORG },
        { "operator", KJ_R_OPERATOR }, { "admin", KJ_R_ADMIN }, { "resident", KJ_R_RESIDENT },
    };
    const char *role = req->user ? json_string_value(json_object_get(req->user, "role")) : NULL;
    for (size_t i = 0; role && i < sizeof bits / sizeof *bits; i++)
        if (!strcmp(bits[i].role, role)) return bits[i].bit;
    return 0;
}

bool kj_wants_json(kj_req *req)
{
    if (req->route && (req->route->flags & KJ_API)) return true;
    if (!strncmp(req->path, "/api/", 5)) return true;
    const char *accept = kj_req_header(req, "Accept");
    return accept && strstr(accept, "application/json") && !strstr(accept, "text/html");
}

static json_t *translated_errors(kj_req *req)
{
    json_t *out = json_object();
    const char *field;
    json_t *key;
    json_object_foreach(req->errors, field, key)
        json_object_set_new(out, field, json_string(kj_tr(req, json_string_value(key))));
    return out;
}

void kj_render(kj_req *req, int status, const char *tmpl, json_t *data)
{
    kj_app *app = kj_req_app(req);
    if (!data) data = json_object();
    json_object_set_new(data, "lang", json_string(req->lang));
    json_object_set_new(data, "is_en", json_boolean(!strcmp(req->lang, "en")));
    json_object_set_new(data, "csrf", json_string(req->csrf ? req->csrf : ""));
    json_object_set_new(data, "path", json_string(req->path));
    kj_nav_context(req, data);
    if (req->user) {
        json_object_set(data, "me", req->user);
        /* For a page's scripts: API writes echo it as X-CSRF-Token. Signed-in
         * pages only, which are never shared through the page cache. */
        if (req->csrf) json_object_set_new(data, "csrf_meta", json_string(req->csrf));
        int role = kj_req_role(req);
        json_object_set_new(data, "is_admin", json_boolean(role == KJ_R_ADMIN));
        json_object_set_new(data, "is_staff", json_boolean(role & KJ_STAFF));
    }
    if (!json_object_get(data, "form") && req->form) json_object_set(data, "form", req->form);
    if (!json_object_get(data, "errors") && kj_has_errors(req)) json_object_set_new(data, "errors", translated_errors(req));
    if (kj_has_errors(req)) json_object_set_new(data, "has_errors", json_true());
    /* A region picker's "next" step (region_picker.h) is no error: the
     * form comes back with one more select, as a plain 200. */
    const char *field;
    json_t *key;
    bool step = false;
    json_object_foreach(req->errors, field, key)
        if (!strcmp(json_string_value(key) ? json_string_value(key) : "", KJ_REGION_PICKER_STEP)) {
            step = true;
            json_object_del(json_object_get(data, "errors"), field);
        }
    if (step) {
        if (!json_object_size(json_object_get(data, "errors"))) json_object_del(data, "has_errors");
        if (status == 422) status = 200;
    }
    kj_buf_reset(&req->body);
    if (kj_tmpl_render(app->tmpl, tmpl, data, kj_i18n_translate, (void *)req->lang, kj_buf_sink, &req->body) != 0) {
        kj_log_error("render %s failed", tmpl);
        json_decref(data);
        kj_resp_text(req, 500, "text/plain; charset=utf-8", "internal error\n", 15);
        return;
    }
    json_decref(data);
    req->status = status;
    req->content_type = "text/html; charset=utf-8";
    kj_resp_header(req, "Cache-Control", "no-store");
}

static const char *status_title_key(int status)
{
    static const struct { int status; const char *key; } titles[] = {
        { 400, "err.http.400" }, { 401, "err.http.401" }, { 403, "err.http.403" }, { 404, "err.http.404" },
        { 405, "err.http.405" }, { 409, "err.http.409" }, { 413, "err.http.413" }, { 414, "err.http.414" }, { 415, "err.http.415" },
        { 422, "err.http.422" }, { 429, "err.http.429" }, { 431, "err.http.431" }, { 500, "err.http.500" },
        { 503, "err.http.503" },
    };
    for (size_t i = 0; i < sizeof titles / sizeof *titles; i++) if (titles[i].status == status) return titles[i].key;
    return "err.http.500";
}

void kj_error(kj_req *req, int status, const char *msg_key)
{
    const char *title = kj_tr(req, status_title_key(status));
    const char *detail = msg_key ? kj_tr(req, msg_key) : NULL;
    if (kj_wants_json(req)) {
        kj_resp_problem(req, status, title, detail, NULL);
        return;
    }
    json_t *d = json_pack("{s:s, s:i}", "title", title, "status", status);
    if (detail) json_object_set_new(d, "detail", json_string(detail));
    if (status >= 500 && req->id) json_object_set_new(d, "request_id", json_string(req->id));
    kj_render(req, status, "error", d);
}

void kj_api_invalid(kj_req *req) { kj_api_invalid_status(req, 422); }

void kj_api_invalid_status(kj_req *req, int status)
{
    json_t *list = json_array();
    const char *field;
    json_t *key;
    json_object_foreach(req->errors, field, key)
        json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "field", field,
                                              "code", json_string_value(key),
                                              "message", kj_tr(req, json_string_value(key))));
    kj_resp_problem(req, status, kj_tr(req, status == 400 ? "err.http.400" : "err.http.422"), kj_tr(req, "err.form.check"), list);
}

/* Domain modules say what kind of refusal it is (core/err.h); how HTTP
 * shows it is decided here and nowhere else. */
int kj_err_status(const kj_err *e)
{
    static const int status[] = {
        [KJ_E_NONE] = 500,        [KJ_E_INVALID] = 422,  [KJ_E_BAD_REQUEST] = 400, [KJ_E_FORBIDDEN] = 403,
        [KJ_E_NOT_FOUND] = 404,   [KJ_E_CONFLICT] = 409, [KJ_E_GONE] = 410,        [KJ_E_TOO_LARGE] = 413,
        [KJ_E_LIMITED] = 429,     [KJ_E_INTERNAL] = 500,
    };
    return e && (unsigned)e->kind < sizeof status / sizeof *status ? status[e->kind] : 500;
}

void kj_answer_err(kj_req *req, const kj_err *e)
{
    int status = kj_err_status(e);
    const char *key = e->key ? e->key : "err.internal";
    if (!kj_wants_json(req)) { kj_error(req, status, key); return; }
    if (status == 422) {
        /* A form checked whole (err.h, fields): every refused input, not the first only. */
        if (e->fields && json_object_size(e->fields)) {
            const char *k;
            json_t *v;
            json_object_foreach(e->fields, k, v) kj_field_error(req, kj_arena_strdup(req->arena, k), json_string_value(v));
        } else {
            kj_field_error(req, e->field ? e->field : "form", key);
        }
        kj_api_invalid(req);
        return;
    }
    json_t *errors = json_pack("[{s:s, s:s, s:s}]", "field", e->field ? e->field : "", "code", key, "message", kj_tr(req, key));
    kj_resp_problem(req, status, kj_tr(req, status_title_key(status)), kj_tr(req, key), errors);
}

void kj_req_fail(kj_req *req, const kj_err *f)
{
    kj_field_error(req, f->field ? f->field : "form", f->key ? f->key : "err.internal");
}

/* A new CSRF token for the rest of the browser's visit: one known before
 * the login (planted, or read on a shared computer) is worth nothing after. */
void kj_csrf_rotate(kj_req *req)
{
    char tok[64];
    kj_random_token(tok, sizeof tok, 24);
    req->csrf = kj_arena_strdup(req->arena, tok);
    kj_resp_cookie(req, COOKIE_CSRF, tok, -1, true);
}

int kj_login_session(kj_req *req, const char *user_id, const char *kind, char *token_out)
{
    kj_session_renewal r = kj_req_session_renewal(req, kind, token_out);
    if (kj_session_create(kj_req_db(req), user_id, kind, r.ttl_s, r.ip, r.user_agent, token_out)) return -1;
    kj_session_cookie(req, token_out);
    return 0;
}

kj_session_renewal kj_req_session_renewal(kj_req *req, const char *kind, char *token_out)
{
    kj_session_renewal r = { kind, kj_req_app(req)->cfg.session_days * 86400, req->client_ip, kj_req_header(req, "User-Agent"),
                             token_out };
    return r;
}

void kj_session_cookie(kj_req *req, const char *token)
{
    kj_resp_cookie(req, COOKIE_SESSION, token, kj_req_app(req)->cfg.session_days * 86400, true);
    req->session_token = kj_arena_strdup(req->arena, token);
    kj_csrf_rotate(req);
}

bool kj_address_limited(kj_req *req, const char *kind)
{
    const kj_config *c = &kj_req_app(req)->cfg;
    long max = !strcmp(kind, "register") ? c->register_max_ip : c->reset_max_ip, retry = 0;
    int rc = kj_address_limit_take(kj_req_db(req), kind, req->client_ip, max, 3600, &retry);
    if (rc == 0) return false;
    if (rc < 0) { kj_error(req, 500, "err.internal"); return true; }
    kj_error(req, 429, !strcmp(kind, "register") ? "err.limit.register" : "err.limit.forgot");
    kj_resp_header(req, "Retry-After", kj_arena_printf(req->arena, "%ld", retry));
    return true;
}

kj_login_limits kj_req_login_limits(kj_req *req)
{
    const kj_config *c = &kj_req_app(req)->cfg;
    kj_login_limits l = { c->login_max_account, c->login_max_ip, c->login_max_account_total, c->login_window_s, c->login_delay_s };
    return l;
}

/* ---- pipeline ---- */

/* A KJ_RATED request over its client address's budget: 429 with
 * Retry-After. A burst of a quarter minute's worth (at least 10) is
 * allowed: a person paging through results is never held up. */
static bool rated_out(kj_req *req)
{
    kj_app *app = kj_req_app(req);
    long per_minute = app->cfg.search_max_ip, retry = 0;
    if (kj_ratelimit_take(app->rated, req->client_ip, per_minute, per_minute / 4 > 10 ? per_minute / 4 : 10, kj_now_ms(), &retry))
        return false;
    kj_error(req, 429, "err.limit.search");
    kj_resp_header(req, "Retry-After", kj_arena_printf(req->arena, "%ld", retry));
    return true;
}

/* The cookie's language when the instance offers it, else the browser's
 * best offered one, else the instance's default (instance.h). */
static void pick_language(kj_req *req)
{
    kj_instance_profile p;
    kj_instance_get(&p);
    req->lang = kj_i18n_pick(kj_req_cookie(req, COOKIE_LANG), kj_req_header(req, "Accept-Language"), p.languages,
                             p.default_lang);
}

static void load_session(kj_req *req)
{
    const char *token = NULL;
    const char *auth = kj_req_header(req, "Authorization");
    if (auth && !strncasecmp(auth, "Bearer ", 7)) token = auth + 7;
    else token = kj_req_cookie(req, COOKIE_SESSION);
    if (!token || !*token) return;
    kj_instance_profile p;   /* the versions in force: an administrator's publication, else the settings' */
    kj_instance_get(&p);
    kj_policy_versions v = { p.terms_version, p.privacy_version };
    req->user = kj_session_user(kj_req_db(req), token, &v);
    if (req->user) req->session_token = kj_arena_strdup(req->arena, token);
}

static bool is_unsafe(kj_req *req) { return req->method & (KJ_POST | KJ_PUT | KJ_PATCH | KJ_DELETE); }

/* Double submit: the kj_csrf cookie (HttpOnly, SameSite=Lax) must come
 * back in the request itself, which another site cannot read. Forms carry
 * it as _csrf. API writes authenticated by the session cookie carry it in
 * the X-CSRF-Token header (a page's script reads it from the csrf-token
 * meta tag): a JSON-only rule is not enough, since some browsers and
 * plugins have let cross-site requests set a JSON Content-Type. Bearer
 * calls carry no ambient credential and need no token; an API write with
 * no session cookie at all acts for nobody (the route's access decides).
 * Compared in constant time. */
static bool csrf_ok(kj_req *req, json_t *raw)
{
    if (!is_unsafe(req) || (req->route->flags & KJ_NO_CSRF)) return true;
    const char *cookie = kj_req_cookie(req, COOKIE_CSRF);
    if (!cookie || !*cookie) cookie = NULL;
    if (req->route->flags & KJ_API) {
        const char *auth = kj_req_header(req, "Authorization");
        if (auth && !strncasecmp(auth, "Bearer ", 7)) return true;
        if (!kj_req_cookie(req, COOKIE_SESSION)) return !strcmp(req->body_kind, "json") || !strcmp(req->body_kind, "");
        return cookie && kj_secret_equal(kj_req_header(req, "X-CSRF-Token"), cookie);
    }
    json_t *sent = json_object_get(raw, "_csrf");
    return json_is_string(sent) && cookie && kj_secret_equal(json_string_value(sent), cookie);
}

static void ensure_csrf_cookie(kj_req *req)
{
    const char *c = kj_req_cookie(req, COOKIE_CSRF);
    if (c && strlen(c) >= 20 && strlen(c) < 100) { req->csrf = c; return; }
    char tok[64];
    kj_random_token(tok, sizeof tok, 24);
    req->csrf = kj_arena_strdup(req->arena, tok);
    kj_resp_cookie(req, COOKIE_CSRF, tok, -1, true);
}

/* A GET's (or HEAD's) inputs are its query-string arguments; a
 * state-changing request's are its body's fields only. A query argument
 * never reaches a write: a link (which anyone can plant) must not be able
 * to supply or override what a form or API call submits. */
static json_t *raw_inputs(kj_req *req)
{
    json_t *raw = json_object();
    if (!is_unsafe(req)) kj_http_each_query(req, raw);
    if (req->json_body) json_object_update(raw, req->json_body);
    return raw;
}

static bool body_kind_allowed(kj_req *req)
{
    if (!is_unsafe(req)) return true;
    const char *k = req->body_kind;
    if (!*k) return true;                      /* no body */
    if (req->route->flags & KJ_API) return !strcmp(k, "json") || ((req->route->flags & KJ_UPLOAD) && !strcmp(k, "multipart"));
    return !strcmp(k, "form") || !strcmp(k, "multipart");
}

/* The response-cache key of a request that may use the cache, or NULL:
 * a GET (or HEAD) of a KJ_CACHE route by an anonymous visitor. The page
 * depends on the route, the language, the inputs (sorted, so that the
 * order of query arguments does not matter) and the visitor's chosen region
 * (the home page's service centers); nothing else of the request reaches a
 * KJ_CACHE handler. */
static char *page_cache_key(kj_req *req, json_t *raw)
{
    if (!kj_req_app(req)->page_cache || !(req->route->flags & KJ_CACHE) || !(req->method & KJ_GET) || req->user) return NULL;
    char *inputs = json_dumps(raw, JSON_SORT_KEYS | JSON_COMPACT);
    kj_buf key = { 0 };
    /* The visitor's chosen region (pages_home.c) shapes the home page. */
    const char *region = kj_req_cookie(req, KJ_REGION_COOKIE);
    kj_buf_printf(&key, "%d\n%s\n%s\n%s\n%s", req->route_index, req->lang ? req->lang : "", req->path, inputs ? inputs : "",
                  region ? region : "");
    free(inputs);
    return kj_buf_steal(&key, NULL);
}

/* The answer to a signed-in request before the user accepted the
 * documents in force: pages go to the consent page (and come back),
 * the API says what to do. */
static void consent_required(kj_req *req)
{
    if (kj_wants_json(req)) {
        json_t *p = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "type", "https://kejiyun.cn/problems/consent-required",
                              "title", kj_tr(req, "err.http.403"), "status", 403, "detail", kj_tr(req, "err.consent.new_version"),
                              "code", "consent_required", "consent_url", "/api/v1/me/consent");
        kj_resp_json(req, 403, p);
        req->content_type = "application/problem+json; charset=utf-8";
        return;
    }
    kj_buf to = { 0 };
    kj_buf_puts(&to, "/account/consent?next=");
    kj_url_encode(&to, (req->method & KJ_GET) ? req->path : "/dashboard");
    kj_resp_redirect(req, to.data);
    kj_buf_free(&to);
}

static void dispatch(kj_req *req)
{
    /* Behind a TLS terminator that does not send X-Forwarded-Proto. */
    if (kj_req_app(req)->cfg.secure_cookies) req->tls = true;
    pick_language(req);
    if (req->parse_error == 431) { kj_error(req, 431, "err.headers.too_large"); return; }
    if (req->bad_target) { kj_error(req, 400, "err.url.nul"); return; }
    if (req->target_error == 414) { kj_error(req, 414, "err.query.too_many"); return; }   /* its query was never parsed */
    if (!req->method) { kj_error(req, 405, NULL); return; }
    if (!req->route) {
        int allowed = 0;
        const char *params[8];
        int m = kj_router_match(kj_req_app(req)->router, req->method, req->path, req->arena, params, &allowed);
        if (m == -2) {
            kj_error(req, 405, NULL);
            kj_buf allow = { 0 };
            static const struct { int bit; const char *name; } names[] = {
                { KJ_GET, "GET, HEAD" }, { KJ_POST, "POST" }, { KJ_PUT, "PUT" }, { KJ_PATCH, "PATCH" }, { KJ_DELETE, "DELETE" } };
            for (size_t i = 0; i < sizeof names / sizeof *names; i++)
                if (allowed & names[i].bit) { if (allow.len) kj_buf_puts(&allow, ", "); kj_buf_puts(&allow, names[i].name); }
            kj_resp_header(req, "Allow", allow.data ? allow.data : "");
            kj_buf_free(&allow);
        } else {
            kj_error(req, 404, "err.not_found");
        }
        return;
    }
    if (req->parse_error) {
        kj_error(req, req->parse_error, req->parse_error == 413 ? "err.body.too_large" : "err.body.malformed");
        return;
    }
    if (req->route->handler == kj_ops_static) { req->route->handler(req); return; }
    if ((req->route->flags & KJ_RATED) && rated_out(req)) return;
    if (!body_kind_allowed(req)) { kj_error(req, 415, "err.body.content_type"); return; }
    /* Pages always; API calls when they come with a session cookie, so that
     * a cookie client has the token its writes must echo. */
    if (!(req->route->flags & KJ_API) || kj_req_cookie(req, COOKIE_SESSION)) ensure_csrf_cookie(req);
    load_session(req);

    int need = req->route->access;
    if (need && !req->user) {
        if (kj_wants_json(req)) { kj_error(req, 401, "err.auth.required"); return; }
        kj_buf to = { 0 };
        kj_buf_puts(&to, "/login?next=");
        kj_url_encode(&to, req->path);
        kj_resp_redirect(req, to.data);
        kj_buf_free(&to);
        return;
    }
    if (need == KJ_PUBLISHER) {
        if (!kj_authz_may_publish(req->user)) { kj_error(req, 403, kj_authz_publish_refusal(req->user)); return; }
    } else if (need && !(need & kj_req_role(req))) {
        kj_error(req, 403, "err.auth.forbidden");
        return;
    }

    /* A new 用户协议 / 隐私政策: the user accepts it before going on. */
    if (req->user && !(req->route->flags & KJ_CONSENT_FREE)) {
        kj_instance_profile p;
        kj_instance_get(&p);
        kj_policy_versions v = { p.terms_version, p.privacy_version };
        if (kj_consent_needed_for(req->user, &v)) {
            consent_required(req);
            return;
        }
    }

    json_t *raw = raw_inputs(req);
    if (!csrf_ok(req, raw)) {
        json_decref(raw);
        kj_error(req, 403, (req->route->flags & KJ_API) ? "err.csrf.api" : "err.csrf");
        return;
    }
    kj_region_picker_inputs(req, raw);   /* NAME__k selects → NAME (region_picker.h) */
    int nerr = kj_validate_inputs(req, raw);
    char *cache_key = nerr ? NULL : page_cache_key(req, raw);
    json_decref(raw);
    if (nerr && (req->route->flags & KJ_API)) { kj_api_invalid(req); return; }
    if (!cache_key) { req->route->handler(req); return; }
    /* The generation is read before the handler reads any data: a write in
     * between leaves the entry made here stale at once, never wrongly fresh. */
    kj_app *app = kj_req_app(req);
    uint64_t generation = kj_store_generation(app->store);
    int64_t now = kj_now_ms();
    const char *cc = kj_req_header(req, "Cache-Control");
    bool revalidate = cc && strstr(cc, "no-cache");   /* the visitor asks for a fresh page */
    if (revalidate || !kj_resp_cache_get(app->page_cache, cache_key, generation, now, kj_req_accepts_gzip(req), req)) {
        const struct kj_header *before = req->headers;
        req->route->handler(req);
        /* A page made while a read failed may lack what it shows: never kept. */
        if (!req->db || !kj_db_failed(req->db)) kj_resp_cache_put(app->page_cache, cache_key, generation, now, req, before);
    }
    free(cache_key);
}

/* Fail closed: when a statement of this request failed (see store.h), its
 * answer may show "nothing" where there was something, or a success where
 * a write was lost. Unless the handler answered a server error itself, the
 * answer is replaced by a 500 that names the request id; the log line of
 * the failure carries the same id. Headers the handler set (cookies, a
 * redirect) go with the answer they belonged to. */
static void fail_closed(kj_req *req)
{
    if (!req->db || !kj_db_failed(req->db) || req->status >= 500) return;
    kj_log_error("%s %s: a storage operation failed; answering 500 instead of %d", req->method_name, req->path, req->status);
    req->headers = NULL;
    req->file_path = NULL;
    req->body_gzipped = false;
    kj_error(req, 500, "err.storage");
}

/* Server-Timing: db;desc="N statements";dur=MS on every answer: how many
 * statements this request ran on its connection and how long the database
 * took for them (store.h, kj_db_statements). A page that starts issuing a
 * query per listing shows it in the browser's network panel and in the
 * tests that pin the count (test_server_timing.py). An entry the handler
 * set (the approve's "match") is kept, in one header: the two are joined
 * by a comma, as the header's syntax allows. */
static void server_timing(kj_req *req)
{
    int64_t n, us;
    kj_db_statements(req->db, &n, &us);
    char db[96];
    snprintf(db, sizeof db, "db;desc=\"%lld statements\";dur=%.2f", (long long)n, (double)us / 1000.0);
    for (struct kj_header *h = req->headers; h; h = h->next)
        if (!strcasecmp(h->name, "Server-Timing")) {
            h->value = kj_arena_printf(req->arena, "%s, %s", h->value, db);
            return;
        }
    kj_resp_header(req, "Server-Timing", db);
}

void kj_app_dispatch(kj_req *req)
{
    dispatch(req);
    fail_closed(req);
    server_timing(req);
    /* The answer is made: give the connection back now, not when the last
     * byte has reached a slow reader (kj_app_cleanup), so that one HTTP
     * thread serving many slow clients never holds many connections and
     * blocks in the pool on connections only its own event loop frees. */
    kj_app_cleanup(req);
}

void kj_app_busy(kj_req *req)
{
    if (kj_req_app(req)->cfg.secure_cookies) req->tls = true;
    pick_language(req);
    kj_error(req, 503, "err.busy");
    char s[16];
    snprintf(s, sizeof s, "%d", KJ_HEAVY_RETRY_AFTER_S);
    kj_resp_header(req, "Retry-After", kj_arena_strdup(req->arena, s));
    server_timing(req);
}

void kj_app_cleanup(kj_req *req)
{
    if (req->db) {
        kj_store_release(kj_req_app(req)->store, req->db);
        req->db = NULL;
    }
}
