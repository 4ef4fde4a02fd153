/*
 * main.c — the kejiyun command: serve, migrate, user add, demo, routes,
 * version, help.
 *
 * Each subcommand is a row of the command table; main() loads the
 * configuration (file < environment < flags) and runs the row.
 */
#include "account/account.h"
#include "account/admin.h"
#include "account/privacy.h"
#include "core/json_util.h"
#include "core/config.h"
#include "core/heavy.h"
#include "center/center.h"
#include "review/route.h"
#include "core/id.h"
#include "core/log.h"
#include "demo/demo.h"
#include "instance/instance.h"
#include "market/market.h"
#include "media/image.h"
#include "challenge/challenge.h"
#include "market/transfer.h"
#include "web/i18n.h"
#include "core/clock.h"
#include "search/search.h"
#include "search/local.h"
#include "text/analyzer.h"
#include "search/backend.h"
#include "text/rewrite.h"
#include <pthread.h>
#include <time.h>
#include "web/app.h"
#include "routes/routes.h"
#include "workorder/workorder.h"
#include "event/event.h"
#include "stats/export.h"
#include "stats/stats.h"
#include "deal/deal.h"  /* kj_ledger_verify (deal feature) */
#include "mail/mail.h"  /* the e-mail worker (deal feature) */
#include "fed/fed.h"    /* federation: identity, peers, the sync worker */
#include "ops/backup.h" /* backup / restore */
#include "audit/audit.h"
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KEJIYUN_VERSION
#define KEJIYUN_VERSION "dev"
#endif

typedef int (*command_fn)(int argc, char **argv);

static int load_config(kj_config *cfg, int argc, char **argv)
{
    char err[512];
    if (kj_config_load(cfg, argc, argv, err, sizeof err)) {
        fprintf(stderr, "kejiyun: %s\n", err);
        return -1;
    }
    /* Process-wide limits, set before any thread starts (core/heavy.h,
     * media/image.h). */
    kj_hash_gate_set(cfg->password_hashes);
    kj_image_set_max_pixels(cfg->max_image_pixels);
    const char *cp = cfg->contract_prefix;
    if (!*cp || strspn(cp, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(cp)) {
        fprintf(stderr, "kejiyun: contract_prefix: 1-16 capital letters or digits, not \"%s\"\n", cp);
        return -1;
    }
    kj_deal_set_contract_prefix(cp);
    if (kj_clock_set_zone(cfg->time_zone, err, sizeof err)) {
        fprintf(stderr, "kejiyun: %s\n", err);
        return -1;
    }
    return 0;
}

/* The background jobs: listing expiry and reminders once a minute, the
 * queued matching of bulk-published listings as soon as there is some, and
 * a checkpoint of the database's write-ahead log each round. One
 * thread; it stops when stop_jobs is set (under jobs_lock). */
static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t jobs_wake = PTHREAD_COND_INITIALIZER;
static bool stop_jobs;
/* Set once a stop signal came (before draining): long jobs ask it between
 * and within their steps (the statistics rebuild), so that a shutdown does
 * not wait for them. Atomic: read by the jobs thread without the lock. */
static atomic_bool jobs_stopping;

static void *run_jobs(void *arg)
{
    kj_app *app = arg;
    int64_t last_tick_us = 0, last_refresh_us = 0;
    /* Reading every indexed document's attributes for searches (about
     * 2 s a million), a batch a round so that a stop request waits little. */
    int64_t warm_cursor = 0, warm_docs = 0, warm_start_us = kj_mono_us(), fast_tried_us = 0, stats_tried_us = 0;
    bool warming = true;
    pthread_mutex_lock(&jobs_lock);
    while (!stop_jobs) {
        pthread_mutex_unlock(&jobs_lock);
        kj_db *db = kj_store_acquire(app->store);
        int64_t t0 = kj_mono_us();
        /* The jobs that change shared data run on one node at a time (the
         * store's leader, store.h); each round asks, so a node takes over
         * about a second after the leader died. The rest below (this
         * node's memory, its database file) runs on every node. */
        bool leader = kj_store_leader(app->store);
        if (!leader) last_tick_us = 0;   /* a new leader ticks at once */
        /* This node's copy of the instance profile: edits another node (or
         * process) made reach it within a minute, on every node. */
        if (t0 - last_refresh_us > 60LL * 1000000 || !last_refresh_us) {
            kj_instance_refresh(db);
            last_refresh_us = t0;
        }
        if (leader && (t0 - last_tick_us > 60LL * 1000000 || !last_tick_us)) {
            kj_market_tick(db);
            kj_challenge_tick(db);
            kj_workorder_tick(db, app->cfg.workorder_first_response_hours * 3600 * 1000);
            /* Reminders before events and meetings (logged and retried
             * next round when one could not be sent). */
            kj_event_remind_tick(db, KJ_EVENT_REMIND_EVENT_MS, KJ_EVENT_REMIND_MEETING_MS);
            /* Tells submitters (and the parent center) when an item waited
             * too long for review; who sees it is computed at read time. */
            kj_review_policy policy = { .escalate_days = app->cfg.review_escalate_days, .now = kj_now_ms(), .holidays = app->holidays };
            if (kj_review_escalate(db, &policy) < 0) kj_log_error("review: an escalation could not be recorded (retried next round)");
            /* The search outbox keeps a day (search/local.h). */
            kj_search_local_prune(db);
            last_tick_us = t0;
        }
        /* The statistics' pre-counted figures (stats/stats.h); a failed
         * rebuild is tried again a minute later, not every round. */
        if (leader && !warming && kj_mono_us() - stats_tried_us > 60LL * 1000000) {
            int st = kj_stats_refresh_due(db, app->cfg.stats_refresh_minutes * 60 * 1000,
                                          app->cfg.workorder_first_response_hours * 3600 * 1000, &jobs_stopping);
            if (st != 0) stats_tried_us = st < 0 ? kj_mono_us() : 0;
            /* Last month's reports (whole instance, each center's region),
             * each written once, after a rebuild (so at most every
             * stats_refresh_minutes, never in a retry loop). */
            if (st == 1 && kj_stats_reports_due(db, app->cfg.data, kj_i18n_translate, (void *)"zh-CN", 40, &jobs_stopping) < 0)
                kj_log_error("stats: the monthly reports could not be listed (tried after the next rebuild)");
        }
        /* Small batches: a stop request waits for at most one batch, and a
         * match costs up to ≈200 ms at 1M listings (make bench). */
        int matched = leader ? kj_match_drain(db, 5) : 0;
        if (warming) {
            int64_t n = kj_search_warm(db, &warm_cursor, 50000);
            warm_docs += n > 0 ? n : 0;
            warming = n > 0;
            if (!warming)
                kj_log_info("search: attributes of %lld documents in memory after %.1f s", (long long)warm_docs,
                            (double)(kj_mono_us() - warm_start_us) / 1e6);
        }
        if (!warming && kj_search_term_stats_due(db)) {
            int64_t t_us = kj_mono_us();
            int n = kj_search_refresh_term_stats(db);
            kj_log_info("search: %d frequent terms counted in %.1f s", n, (double)(kj_mono_us() - t_us) / 1e6);
        }
        /* A failed build is tried again a minute later, not every round. */
        if (!warming && kj_mono_us() - fast_tried_us > 60LL * 1000000 && kj_search_fast_due(db)) {
            int64_t t_us = fast_tried_us = kj_mono_us();
            int n = kj_search_fast_build(db);
            if (n >= 0) fast_tried_us = 0;
            json_t *st = kj_search_fast_stats(db);
            if (n > 0)
                kj_log_info("search: bitmaps of %d frequent terms (%lld MB) built in %.1f s", n,
                            (long long)(json_integer_value(json_object_get(st, "bytes")) >> 20),
                            (double)(kj_mono_us() - t_us) / 1e6);
            json_decref(st);
        }
        /* Every second or so: the write-ahead log then rarely reaches the
         * size at which a committing request would copy it back itself
         * (at 1M listings that took up to 300 ms of one approve). */
        kj_db_checkpoint(db);
        kj_store_release(app->store, db);
        pthread_mutex_lock(&jobs_lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += matched || warming ? 0 : 1;   /* queued matching and warming go on without pause */
        if (!stop_jobs) pthread_cond_timedwait(&jobs_wake, &jobs_lock, &until);
    }
    pthread_mutex_unlock(&jobs_lock);
    return NULL;
}

/* Every connection is a descriptor: the open-file limit must hold
 * max_conns plus the database, uploads and libmicrohttpd's own (256).
 * Raises the soft limit as far as the hard one allows; lowers max_conns
 * (with a warning) when even that is too small. */
static void fit_open_files(kj_config *cfg)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    rlim_t need = (rlim_t)cfg->max_conns + 256;
    if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < need) {
        long fit = rl.rlim_cur > 512 ? (long)rl.rlim_cur - 256 : 256;
        fprintf(stderr, "kejiyun: open-file limit %llu is too small for max_conns %ld; serving at most %ld connections\n",
                (unsigned long long)rl.rlim_cur, cfg->max_conns, fit);
        cfg->max_conns = fit;
    }
}

/* Federation's key pair (DATA/federation.key) and settings, before any
 * thread that uses them starts; who this instance is comes from the
 * instance profile (instance/instance.h), read when asked. */
/* The instance's URL in the shape kj_listing_origin_source takes. */
static const char *instance_url_text(const char *lang, char *out, size_t n) { (void)lang; return kj_instance_url(out, n); }

static int fed_open(const kj_app *app, kj_db *db)
{
    kj_listing_origin_source(kj_instance_name, instance_url_text);
    kj_fed_settings fs = { (int)app->cfg.fed_sync_ms, (int)app->cfg.fed_window_s, (int)app->cfg.fed_rate_per_min,
                           (int)app->cfg.fed_page, (int)app->cfg.fed_timeout_ms };
    char err[512];
    const char *id = *kj_instance_self_id() ? kj_instance_self_id() : kj_store_instance_id(db);
    if (kj_fed_init(app->cfg.data, id, &fs, err, sizeof err)) {
        fprintf(stderr, "kejiyun: federation: %s\n", err);
        return -1;
    }
    return 0;
}

static int cmd_serve(int argc, char **argv)
{
    kj_config cfg;
    if (load_config(&cfg, argc, argv)) return 2;
    if (*cfg.metrics_token && strlen(cfg.metrics_token) < 16) {
        fprintf(stderr, "kejiyun: metrics_token must have at least 16 characters\n");
        return 2;
    }
    fit_open_files(&cfg);
    kj_log_set_quiet(!cfg.access_log);
    static kj_app app;   /* lives until exit; handlers reach it through req->app */
    char err[512];
    if (kj_app_open(&app, &cfg, kj_route_table(cfg.test_mode), err, sizeof err)) {
        fprintf(stderr, "kejiyun: %s\n", err);
        return 1;
    }
    {
        kj_db *db = kj_store_acquire(app.store);
        int rc = fed_open(&app, db);
        kj_store_release(app.store, db);
        if (rc) { kj_app_close(&app); return 1; }
    }
    /* Block the stop signals in every thread; this one waits for them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    kj_server_config sc = {
        .listen = cfg.listen, .threads = cfg.threads,
        .max_body = (size_t)cfg.max_body, .max_upload = (size_t)cfg.max_upload,
        .max_large_upload = (size_t)cfg.max_video + (size_t)cfg.max_upload,
        .max_header = (size_t)cfg.max_header, .max_fields = (size_t)cfg.max_fields,
        .max_conns = (int)cfg.max_conns, .max_conns_per_ip = (int)cfg.max_conns_per_ip,
        .header_timeout_s = (int)cfg.header_timeout_s, .body_timeout_s = (int)cfg.body_timeout_s,
        .body_min_rate = cfg.body_min_rate,
        .access_log = cfg.access_log, .trust_proxy = cfg.trust_proxy, .hsts_max_age = cfg.hsts_seconds,
        .heavy_jobs = cfg.heavy_jobs, .heavy_queue = (int)cfg.heavy_queue, .busy = kj_app_busy,
        .dispatch = kj_app_dispatch, .cleanup = kj_app_cleanup,
        .router = app.router, .app = &app,
    };
    app.server = kj_server_start(&sc, err, sizeof err);
    if (!app.server) {
        fprintf(stderr, "kejiyun: %s\n", err);
        kj_app_close(&app);
        return 1;
    }
    fprintf(stderr, "kejiyun %s serving on http://%.*s:%d (data %s, %d threads)\n", KEJIYUN_VERSION,
            (int)(strrchr(cfg.listen, ':') - cfg.listen), cfg.listen, kj_server_port(app.server), cfg.data, cfg.threads);
    if (*cfg.metrics_listen) {
        /* Its own small pool and limits: monitoring keeps answering when
         * the public listener is saturated. */
        app.ops_router = kj_router_new(kj_routes_ops_listener);
        kj_server_config oc = sc;
        oc.listen = cfg.metrics_listen;
        oc.threads = 1;
        oc.heavy_jobs = 0;      /* none of its routes is KJ_HEAVY: no pool */
        oc.max_conns = 64;
        oc.trust_proxy = false;
        oc.router = app.ops_router;
        app.ops_server = kj_server_start(&oc, err, sizeof err);
        if (!app.ops_server) {
            fprintf(stderr, "kejiyun: metrics_listen: %s\n", err);
            kj_server_stop(app.server, 0);
            kj_router_free(app.ops_router);
            kj_app_close(&app);
            return 1;
        }
        fprintf(stderr, "kejiyun: /metrics and /healthz on http://%.*s:%d\n",
                (int)(strrchr(cfg.metrics_listen, ':') - cfg.metrics_listen), cfg.metrics_listen, kj_server_port(app.ops_server));
    }
    pthread_t jobs;
    pthread_create(&jobs, NULL, run_jobs, &app);
    kj_mail_worker *mail = kj_mail_worker_start(app.store, &app.cfg);  /* deal feature: sends the e-mail queue */
    kj_fed_worker *fed = kj_fed_worker_start(app.store);  /* harvests peers' feeds, pushes the federation outbox */
    int sig = 0;
    sigwait(&stop, &sig);
    atomic_store(&jobs_stopping, true);
    /* Several nodes: /readyz answers 503 from now on, and the node keeps
     * serving for drain_seconds so that the load balancer sees it and
     * sends no new request here before the listener closes. */
    atomic_store(&app.draining, true);
    if (cfg.drain_s > 0) {
        fprintf(stderr, "kejiyun: %s received, draining for %ld s\n", sig == SIGTERM ? "SIGTERM" : "SIGINT", cfg.drain_s);
        struct timespec left = { .tv_sec = cfg.drain_s };
        while (nanosleep(&left, &left) != 0) {}
    }
    fprintf(stderr, "kejiyun: %s received, finishing requests in flight\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    kj_server_stop(app.server, 10000);
    if (app.ops_server) { kj_server_stop(app.ops_server, 1000); kj_router_free(app.ops_router); }
    pthread_mutex_lock(&jobs_lock);
    stop_jobs = true;
    pthread_cond_signal(&jobs_wake);
    pthread_mutex_unlock(&jobs_lock);
    pthread_join(jobs, NULL);
    kj_mail_worker_stop(mail);  /* deal feature */
    kj_fed_worker_stop(fed);
    kj_app_close(&app);
    fprintf(stderr, "kejiyun: stopped\n");
    return 0;
}

static int with_store(int argc, char **argv, int (*fn)(kj_app *app, kj_db *db, void *ctx), void *ctx)
{
    kj_config cfg;
    if (load_config(&cfg, argc, argv)) return 2;
    kj_app app = { 0 };
    char err[512];
    if (kj_app_open_store(&app, &cfg, err, sizeof err)) {
        fprintf(stderr, "kejiyun: %s\n", err);
        return 1;
    }
    kj_db *db = kj_store_acquire(app.store);
    int rc = fn(&app, db, ctx);
    kj_store_release(app.store, db);
    kj_store_close(app.store);   /* and its search context, which reads with the two below */
    kj_rewriter_close(app.rewriter);
    kj_analyzer_close(app.analyzer);
    kj_app_close_ref(&app);
    return rc;
}

static int do_migrate(kj_app *app, kj_db *db, void *ctx)
{
    printf("database %s%s%s is at schema version %lld\n", *app->cfg.db ? app->cfg.db : app->cfg.data,
           *app->cfg.db ? "" : "/", *app->cfg.db ? "" : "kejiyun.db",
           (long long)kj_db_int(db, 0, "SELECT max(version) FROM schema_migrations", ""));
    return 0;
}

static int cmd_migrate(int argc, char **argv) { return with_store(argc, argv, do_migrate, NULL); }

static int do_demo(kj_app *app, kj_db *db, void *ctx)
{
    int rc = kj_demo_load(db, app->cfg.root, app->cfg.data, app->cfg.demo_profile, stdout);
    /* The demo's accounts accept the documents in force (whoever loads the
     * demo speaks for them); a later version asks them again. */
    kj_instance_profile p;
    kj_instance_get(&p);
    kj_policy_versions v = { p.terms_version, p.privacy_version };
    if (rc >= 0 && kj_consent_accept_missing(db, &v) < 0) {
        fprintf(stderr, "demo: cannot record the demo accounts' consent: %s\n", kj_db_errmsg(db));
        return 1;
    }
    return rc < 0 ? 1 : 0;
}

/* demo [--if-empty]: --if-empty loads only into a database without users. */
static int cmd_demo(int argc, char **argv)
{
    int n = 0;
    bool if_empty = false;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--if-empty")) if_empty = true;
        else argv[n++] = argv[i];
    }
    (void)if_empty; /* kj_demo_load is idempotent: a loaded demo is never loaded twice */
    return with_store(n, argv, do_demo, NULL);
}

static int do_reindex(kj_app *app, kj_db *db, void *ctx)
{
    int64_t t0 = kj_mono_us();
    int n = kj_search_reindex(db);
    while (n >= 0 && kj_match_drain(db, 500) > 0) {}
    if (n < 0) { fprintf(stderr, "kejiyun: reindex failed: %s\n", kj_db_errmsg(db)); return 1; }
    json_t *st = kj_search_stats(db);
    printf("indexed %d documents, %lld matches, in %.1f s\n", n, (long long)json_integer_value(json_object_get(st, "matches")),
           (double)(kj_mono_us() - t0) / 1e6);
    json_decref(st);
    return 0;
}

static int cmd_reindex(int argc, char **argv) { return with_store(argc, argv, do_reindex, NULL); }

static int do_audit(kj_app *app, kj_db *db, void *ctx)
{
    int64_t bad_seq = 0;
    char bad_id[32] = "", why[256] = "";
    int64_t n = kj_ledger_verify(db, &bad_seq, bad_id, why, sizeof why);
    if (n >= 0) printf("deal log intact: %lld entries verified\n", (long long)n);
    else printf("deal log BROKEN at entry seq %lld (id %s): %s\n", (long long)bad_seq, *bad_id ? bad_id : "?", why);
    return n >= 0 ? 0 : 1;
}

/* audit verify [--data DIR]: checks the hash chain of the deal log and
 * names the first broken entry. Exit status 0 when intact, 1 when broken
 * (or the store cannot be opened), 2 on usage errors. */
static int cmd_audit(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "verify")) { fprintf(stderr, "usage: kejiyun audit verify [--data DIR]\n"); return 2; }
    return with_store(argc - 1, argv + 1, do_audit, NULL);
}

static int take_options(int argc, char **argv, const char *const *names, const char **vals, bool *partial);

struct user_add { const char *email, *name, *role, *password, *center; };

static int do_user_add(kj_app *app, kj_db *db, void *ctx)
{
    struct user_add *u = ctx;
    /* Made by whoever runs the command, who accepts the documents in
     * force for the account (it is asked again when they change). */
    kj_instance_profile p;
    kj_instance_get(&p);
    kj_registration r = { .email = u->email, .password = u->password, .name = u->name, .role = u->role,
                          .terms_version = p.terms_version, .privacy_version = p.privacy_version };
    char id[KJ_ID_LEN + 1];
    kj_err fail = { 0 };
    /* --center: the service center of exactly that region, checked first
     * so that a wrong region adds nobody. */
    json_t *center = u->center ? kj_center_covering(db, u->center) : NULL;
    bool center_ok = center && !strcmp(json_string_value(json_object_get(center, "region")), u->center);
    if (u->center && (!center_ok || strcmp(u->role, "operator"))) {
        fprintf(stderr, "kejiyun: cannot add user: %s\n", !center_ok ? "no service center for that region (--center)"
                                                                     : "only operators work at a center (--center)");
        json_decref(center);
        return 1;
    }
    if (kj_account_register(db, &r, true, id, &fail)) {
        fprintf(stderr, "kejiyun: cannot add user: %s (%s)\n", fail.key, fail.field);
        json_decref(center);
        return 1;
    }
    /* The jurisdiction comes from the appointment (logged and audited, actor: the command line). */
    int rc = center ? kj_center_appoint(db, NULL, json_string_value(json_object_get(center, "id")), id, "staff",
                                        "kejiyun user add --center", &fail) : 0;
    json_decref(center);
    if (rc) {
        fprintf(stderr, "kejiyun: user %s added, but not appointed to the center: %s\n", id, fail.key);
        return 1;
    }
    printf("%s\n", id);
    return 0;
}

/* user add --email E --name N --role R [--password P | env KEJIYUN_PASSWORD]
 *          [--center REGION]  (operators: staff of that region's service center, which is their jurisdiction) */
static int cmd_user_add(int argc, char **argv)
{
    struct user_add u = { NULL, NULL, "scientist", getenv("KEJIYUN_PASSWORD"), NULL };
    int n = 0;
    char **rest = argv + 1;
    for (int i = 1; i < argc; i++) {
        const char **slot = !strcmp(argv[i], "--email") ? &u.email : !strcmp(argv[i], "--name") ? &u.name :
                            !strcmp(argv[i], "--role") ? &u.role : !strcmp(argv[i], "--password") ? &u.password :
                            !strcmp(argv[i], "--center") ? &u.center : NULL;
        if (slot && i + 1 < argc) *slot = argv[++i];
        else rest[n++] = argv[i];
    }
    if (!u.email || !u.name || !u.password) {
        fprintf(stderr, "kejiyun: user add needs --email, --name and --password (or KEJIYUN_PASSWORD)\n");
        return 2;
    }
    return with_store(n, rest, do_user_add, &u);
}

/* The administration subcommands (account/admin.h), acting as "cli" in
 * the audit log. */
struct user_admin {
    const char *action;                       /* list, disable, enable, set-role, reset-password */
    const char *who, *role, *reason, *expert; /* who: e-mail address or id */
    kj_user_filter filter;
};

static int user_admin_failed(const char *what, const kj_err *fail)
{
    /* The message key names the refusal (the catalogs are not loaded here). */
    fprintf(stderr, "kejiyun: cannot %s: %s%s%s\n", what, fail->key ? fail->key : "error",
            fail->field ? " " : "", fail->field ? fail->field : "");
    return 1;
}

static int do_user_admin(kj_app *app, kj_db *db, void *ctx)
{
    struct user_admin *a = ctx;
    kj_err fail = { 0 };
    if (!strcmp(a->action, "list")) {
        int64_t total = 0;
        json_t *rows = kj_admin_users_find(db, &a->filter, &total, &fail);
        if (!rows) return fail.kind ? user_admin_failed("list users", &fail) : 1;
        size_t i;
        json_t *u;
        json_array_foreach(rows, i, u) {
            const char *status = json_integer_value(json_object_get(u, "deleted")) ? "deleted" :
                                 json_integer_value(json_object_get(u, "disabled")) ? "disabled" : "active";
            printf("%s\t%s\t%s\t%s\t%s\t%s\n", kj_jstr_or_empty(u, "id"), kj_jstr_or_empty(u, "email"),
                   kj_jstr_or_empty(u, "name"), kj_jstr_or_empty(u, "role"), status, kj_jstr_or_empty(u, "org_name"));
        }
        fprintf(stderr, "%lld users match (page %d)\n", (long long)total, a->filter.page < 1 ? 1 : a->filter.page);
        json_decref(rows);
        return 0;
    }
    char *id = kj_admin_user_lookup(db, a->who);
    if (!id) { fprintf(stderr, "kejiyun: no user %s\n", a->who); return 1; }
    int rc;
    if (!strcmp(a->action, "disable")) rc = kj_admin_set_disabled(db, NULL, id, true, a->reason, &fail);
    else if (!strcmp(a->action, "enable")) rc = kj_admin_set_disabled(db, NULL, id, false, a->reason, &fail);
    else if (!strcmp(a->action, "set-role")) {
        int expert = !a->expert ? -1 : (!strcmp(a->expert, "yes") || !strcmp(a->expert, "1") || !strcmp(a->expert, "true"));
        rc = kj_admin_set_role(db, NULL, id, a->role, expert, a->reason, &fail);
    } else rc = kj_admin_send_reset(db, NULL, id, &fail);
    free(id);
    if (rc) return user_admin_failed(a->action, &fail);
    printf("%s: done\n", a->action);
    return 0;
}

static int user_usage(void)
{
    fprintf(stderr, "usage: kejiyun user add --email E --name N --role ROLE [--password P] [--center REGION]\n"
                    "       kejiyun user list [--q TEXT] [--org TEXT] [--role ROLE] [--region CODE] [--status active|disabled|deleted] [--page N]\n"
                    "       kejiyun user disable EMAIL|ID --reason TEXT\n"
                    "       kejiyun user enable EMAIL|ID [--reason TEXT]\n"
                    "       kejiyun user set-role EMAIL|ID ROLE [--expert yes|no] [--reason TEXT]\n"
                    "       kejiyun user reset-password EMAIL|ID\n");
    return 2;
}

static int cmd_user(int argc, char **argv)
{
    if (argc < 1) return user_usage();
    if (!strcmp(argv[0], "add")) return cmd_user_add(argc, argv);
    static const char *const actions[] = { "list", "disable", "enable", "set-role", "reset-password", NULL };
    if (!kj_in_list(actions, argv[0])) return user_usage();
    struct user_admin a = { .action = argv[0] };
    int i = 1;
    bool list = !strcmp(a.action, "list");
    if (!list) {
        if (argc < 2 || argv[1][0] == '-') return user_usage();
        a.who = argv[i++];
        if (!strcmp(a.action, "set-role")) {
            if (argc < 3 || argv[2][0] == '-') return user_usage();
            a.role = argv[i++];
        }
    }
    static const char *const names[] = { "--reason", "--expert", "--q", "--org", "--role", "--region", "--status", "--page", NULL };
    const char *vals[8] = { 0 };
    int n = take_options(argc - i, argv + i, names, vals, NULL);
    a.reason = vals[0];
    a.expert = vals[1];
    a.filter = (kj_user_filter){ vals[2], vals[3], vals[4], vals[5], vals[6], vals[7] ? atoi(vals[7]) : 1, 100 };
    return with_store(n, argv + i, do_user_admin, &a);
}

/* ---- kejiyun center: the service-center network from the command line
 * (center/center.h; the audit log names the actor "cli", as the pages and
 * API name the administrator) ---- */
static const char *const center_names[] = { "--region", "--level", "--name-zh", "--name-en", "--parent", "--address", "--phone",
                                            "--hours", "--intro", "--role", "--reason", NULL };
enum { C_REGION, C_LEVEL, C_NAME_ZH, C_NAME_EN, C_PARENT, C_ADDRESS, C_PHONE, C_HOURS, C_INTRO, C_ROLE, C_REASON, C_NOPTIONS };
struct center_args {
    const char *action;                   /* list, create, appoint, remove */
    const char *center, *who;             /* center: id or the region it covers exactly; who: e-mail or id */
    const char *vals[C_NOPTIONS];         /* the options of center_names */
};

/* A center named by its id or by the region it covers exactly: its id (new string) or NULL. */
static char *center_named(kj_db *db, const char *name)
{
    if (!name) return NULL;
    json_t *c = kj_id_valid(name) ? kj_center_get(db, name) : kj_center_covering(db, name);
    char *id = NULL;
    if (c && (kj_id_valid(name) || !strcmp(kj_jstr_or_empty(c, "region"), name))) id = strdup(kj_jstr_or_empty(c, "id"));
    json_decref(c);
    return id;
}

static int do_center(kj_app *app, kj_db *db, void *ctx)
{
    (void)app;
    struct center_args *a = ctx;
    kj_err fail = { 0 };
    if (!strcmp(a->action, "list")) {
        json_t *rows = kj_center_list(db, a->vals[C_REGION], a->vals[C_LEVEL]);
        if (!rows) return 1;
        size_t i;
        json_t *c;
        json_array_foreach(rows, i, c)
            printf("%s\t%s\t%s\t%s\t%lld staff\t%s\n", kj_jstr_or_empty(c, "id"), kj_jstr_or_empty(c, "level"),
                   kj_jstr_or_empty(c, "region"), kj_jstr_or_empty(c, "name_zh"),
                   (long long)json_integer_value(json_object_get(c, "staff_count")), kj_jstr_or_empty(c, "parent_id"));
        fprintf(stderr, "%zu centers\n", json_array_size(rows));
        json_decref(rows);
        return 0;
    }
    if (!strcmp(a->action, "create")) {
        char *parent = a->vals[C_PARENT] ? center_named(db, a->vals[C_PARENT]) : NULL;
        if (a->vals[C_PARENT] && !parent) { fprintf(stderr, "kejiyun: no center %s (--parent)\n", a->vals[C_PARENT]); return 1; }
        static const struct { int opt; const char *field; } map[] = {
            { C_NAME_ZH, "name_zh" }, { C_NAME_EN, "name_en" }, { C_LEVEL, "level" }, { C_REGION, "region" },
            { C_ADDRESS, "address" }, { C_PHONE, "phone" }, { C_HOURS, "hours" }, { C_INTRO, "intro" },
        };
        json_t *c = json_object();
        for (size_t k = 0; k < sizeof map / sizeof *map; k++)
            if (a->vals[map[k].opt]) json_object_set_new(c, map[k].field, json_string(a->vals[map[k].opt]));
        if (parent) json_object_set_new(c, "parent_id", json_string(parent));
        free(parent);
        char id[KJ_ID_LEN + 1];
        int rc = kj_center_create(db, NULL, c, id, &fail);
        json_decref(c);
        if (rc) return user_admin_failed("create the center", &fail);
        printf("%s\n", id);
        return 0;
    }
    char *center = center_named(db, a->center);
    if (!center) { fprintf(stderr, "kejiyun: no center %s (an id, or the region a center covers)\n", a->center); return 1; }
    char *user = kj_center_find_user(db, a->who);
    if (!user) { fprintf(stderr, "kejiyun: no user %s\n", a->who); free(center); return 1; }
    const char *reason = a->vals[C_REASON] ? a->vals[C_REASON] : "kejiyun center";
    int rc;
    if (!strcmp(a->action, "appoint")) {
        rc = kj_center_appoint(db, NULL, center, user, a->vals[C_ROLE] ? a->vals[C_ROLE] : "staff", reason, &fail);
    } else {
        /* Only from the center named: a user working elsewhere is not touched. */
        json_t *at = kj_center_of_user(db, user);
        bool here = at && !strcmp(kj_jstr_or_empty(at, "center_id"), center);
        json_decref(at);
        if (!here) { fprintf(stderr, "kejiyun: %s does not work at that center\n", a->who); free(center); free(user); return 1; }
        rc = kj_center_remove_staff(db, NULL, user, reason, &fail);
    }
    free(center);
    free(user);
    if (rc) return user_admin_failed(a->action, &fail);
    printf("%s: done\n", a->action);
    return 0;
}

static int center_usage(void)
{
    fprintf(stderr, "usage: kejiyun center list [--region CODE] [--level province|city|county|township]\n"
                    "       kejiyun center create --name-zh N --level L --region CODE [--parent CENTER] [--name-en N]\n"
                    "                             [--address A] [--phone P] [--hours H] [--intro T]\n"
                    "       kejiyun center appoint CENTER EMAIL|ID [--role head|staff] [--reason T]\n"
                    "       kejiyun center remove CENTER EMAIL|ID [--reason T]\n"
                    "CENTER: a center's id, or the region code it covers\n");
    return 2;
}

static int cmd_center(int argc, char **argv)
{
    static const char *const actions[] = { "list", "create", "appoint", "remove", NULL };
    if (argc < 1 || !kj_in_list(actions, argv[0])) return center_usage();
    struct center_args a = { .action = argv[0] };
    int i = 1;
    if (!strcmp(a.action, "appoint") || !strcmp(a.action, "remove")) {
        if (argc < 3 || argv[1][0] == '-' || argv[2][0] == '-') return center_usage();
        a.center = argv[1];
        a.who = argv[2];
        i = 3;
    }
    int n = take_options(argc - i, argv + i, center_names, a.vals, NULL);
    if (!strcmp(a.action, "create") && (!a.vals[C_NAME_ZH] || !a.vals[C_LEVEL] || !a.vals[C_REGION])) return center_usage();
    return with_store(n, argv + i, do_center, &a);
}

/* Moves "--name VALUE" options listed in names (values into vals) and the
 * flag --partial out of argv; configuration flags stay. Returns how many
 * arguments are left. */
static int take_options(int argc, char **argv, const char *const *names, const char **vals, bool *partial)
{
    int n = 0;
    for (int i = 0; i < argc; i++) {
        int k = 0;
        while (names[k] && strcmp(names[k], argv[i])) k++;
        if (names[k] && i + 1 < argc) vals[k] = argv[++i];
        else if (partial && !strcmp(argv[i], "--partial")) *partial = true;
        else argv[n++] = argv[i];
    }
    return n;
}

struct import_args { const char *file, *owner; bool partial; };

static int do_import(kj_app *app, kj_db *db, void *ctx)
{
    struct import_args *a = ctx;
    char err[512], dir[2048];
    snprintf(dir, sizeof dir, "%s/i18n", app->cfg.root);
    if (kj_i18n_load(dir, err, sizeof err)) { fprintf(stderr, "kejiyun: %s\n", err); return 1; }
    const char *lang = getenv("LANG") && !strncmp(getenv("LANG"), "zh", 2) ? "zh-CN" : "en";
    json_t *owner = kj_transfer_importer(db, a->owner);
    FILE *f = fopen(a->file, "rb");
    kj_buf data = { 0 };
    char chunk[65536];
    size_t got;
    while (f && (got = fread(chunk, 1, sizeof chunk, f)) > 0) kj_buf_append(&data, chunk, got);
    int rc = 1;
    if (!owner) fprintf(stderr, "kejiyun: %s\n", a->owner ? "no active user with that --owner e-mail" : "no administrator to own the listings (use --owner)");
    else if (!f || ferror(f)) fprintf(stderr, "kejiyun: cannot read %s\n", a->file);
    else {
        int64_t t0 = kj_mono_us();
        kj_import_report rep;
        int r = kj_listing_import(db, owner, data.data ? data.data : "", data.len, &(kj_import_opts){ .partial = a->partial, .analyzer = app->analyzer }, &rep);
        double s = (double)(kj_mono_us() - t0) / 1e6;
        size_t i;
        json_t *e;
        json_array_foreach(rep.errors, i, e) {
            const char *code = json_string_value(json_object_get(e, "code")), *col = json_string_value(json_object_get(e, "column"));
            printf("line %lld, column %s: %s (%s)\n", (long long)json_integer_value(json_object_get(e, "line")),
                   *col ? col : "-", kj_i18n_get(lang, code), code);
        }
        printf("imported %ld of %ld rows (%ld with errors) in %.2f s, %.0f listings/s", rep.imported, rep.rows,
               rep.error_rows, s, s > 0 ? (double)rep.imported / s : 0.0);
        if (rep.merge_us || rep.index_us)
            printf(" (of which %.2f s merging the search index, %.2f s building the listings' indexes)",
                   (double)rep.merge_us / 1e6, (double)rep.index_us / 1e6);
        printf("\n");
        rc = r == 0 ? 0 : 1;
        kj_import_report_free(&rep);
    }
    if (f) fclose(f);
    kj_buf_free(&data);
    json_decref(owner);
    kj_i18n_free();
    return rc;
}

/* import FILE [--owner EMAIL] [--partial] [--data DIR]: exits 1 when any row had a problem. */
static int cmd_import(int argc, char **argv)
{
    static const char *const names[] = { "--owner", NULL };
    const char *vals[1] = { NULL };
    struct import_args a = { argc > 0 ? argv[0] : NULL, NULL, false };
    if (!a.file || a.file[0] == '-') { fprintf(stderr, "usage: kejiyun import FILE [--data DIR] [--owner EMAIL] [--partial]\n"); return 2; }
    int n = take_options(argc - 1, argv + 1, names, vals, &a.partial);
    a.owner = vals[0];
    return with_store(n, argv + 1, do_import, &a);
}

struct export_args { kj_listing_query q; kj_export_format format; const char *out; };

static int file_sink(void *ctx, const char *p, size_t n) { return fwrite(p, 1, n, ctx) == n ? 0 : -1; }

static int do_export(kj_app *app, kj_db *db, void *ctx)
{
    struct export_args *a = ctx;
    FILE *f = a->out ? fopen(a->out, "wb") : stdout;
    if (!f) { fprintf(stderr, "kejiyun: cannot write %s\n", a->out); return 1; }
    long n = kj_listing_export(db, &a->q, a->format, true, NULL, file_sink, f);
    if (a->out && fclose(f) != 0) n = -1;
    if (n < 0) { fprintf(stderr, "kejiyun: export failed\n"); return 1; }
    fprintf(stderr, "exported %ld listings\n", n);
    return 0;
}

/* export [--kind K] [--format csv|xlsx|json] [--out FILE] [--domain D] [--region R] [--data DIR] */
static int cmd_export(int argc, char **argv)
{
    static const char *const names[] = { "--kind", "--format", "--out", "--domain", "--region", NULL };
    const char *vals[5] = { NULL };
    int n = take_options(argc, argv, names, vals, NULL);
    struct export_args a = { .q = { .kind = vals[0], .domain = vals[3], .region = vals[4], .price_min_fen = -1, .price_max_fen = -1 },
                             .out = vals[2] };
    bool kind_ok = !vals[0];
    for (const char *const *k = kj_listing_kinds; *k && !kind_ok; k++) kind_ok = !strcmp(*k, vals[0]);
    if (!kind_ok || !kj_export_format_parse(vals[1] ? vals[1] : "csv", &a.format)) {
        fprintf(stderr, "usage: kejiyun export [--kind achievement|service|demand] [--format csv|xlsx|json] [--out FILE]\n");
        return 2;
    }
    return with_store(n, argv, do_export, &a);
}

struct peer_args { const char *action, *url, *key, *reason; };

static int do_peer(kj_app *app, kj_db *db, void *ctx)
{
    struct peer_args *a = ctx;
    if (fed_open(app, db)) return 1;
    const kj_fed_self *me = kj_fed_self_get();
    if (!strcmp(a->action, "key")) {
        char url[256];
        printf("instance_id\t%s\npublic_key\t%s\nurl\t%s\n", me->instance_id, me->pk_b64, kj_instance_url(url, sizeof url));
        return 0;
    }
    if (!strcmp(a->action, "list")) {
        json_t *peers = kj_fed_peers(db);
        size_t i;
        json_t *p;
        json_array_foreach(peers, i, p)
            printf("%s\t%s\t%s\t%s\t%s\n", kj_jstr_or_empty(p, "id"), kj_jstr_or_empty(p, "state"), kj_jstr_or_empty(p, "url"),
                   kj_jstr_or_empty(p, "instance_id"), kj_jstr_or_empty(p, "last_error"));
        json_decref(peers);
        return peers ? 0 : 1;
    }
    char id[KJ_ID_LEN + 1];
    kj_err fail = { 0 };
    int rc;
    if (!strcmp(a->action, "shares")) {
        /* peer shares [K1,K2|none]: what this instance offers every peer (fed/offer.c) */
        if (a->url) {
            json_t *kinds = json_array();
            char buf[256];
            snprintf(buf, sizeof buf, "%s", strcmp(a->url, "none") ? a->url : "");
            for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
                json_array_append_new(kinds, json_string(t));
            rc = kj_fed_set_offered(db, NULL, kinds, a->reason ? a->reason : "kejiyun peer shares", &fail);
            json_decref(kinds);
            if (rc) { fprintf(stderr, "kejiyun: cannot set what is shared: %s\n", fail.key ? fail.key : "error"); return 1; }
        }
        json_t *offered = kj_fed_offered(db);
        size_t i;
        json_t *k;
        json_array_foreach(offered, i, k) printf("%s%s", i ? "," : "", json_string_value(k));
        printf("%s\n", json_array_size(offered) ? "" : "none");
        json_decref(offered);
        return 0;
    }
    if (!strcmp(a->action, "kinds")) {
        /* peer kinds ID listing,studio,popsci,challenge: what is taken from it */
        json_t *kinds = json_array();
        char buf[256];
        snprintf(buf, sizeof buf, "%s", a->key);
        for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
            json_array_append_new(kinds, json_string(t));
        rc = kj_fed_peer_kinds(db, NULL, a->url, kinds, &fail);
        json_decref(kinds);
    } else
        rc = !strcmp(a->action, "add") ? kj_fed_peer_add(db, NULL, a->url, a->key, a->reason ? a->reason : "kejiyun peer add", id, &fail)
                                       : kj_fed_peer_set(db, NULL, a->url, a->action, a->reason, &fail);
    if (rc) { fprintf(stderr, "kejiyun: cannot %s the peer: %s\n", a->action, fail.key ? fail.key : "error"); return 1; }
    if (!strcmp(a->action, "add")) printf("%s\n", id);
    else printf("%s: done\n", a->action);
    return 0;
}

/* peer add URL KEY [--reason T] | peer suspend|resume ID [--reason T] | peer list | peer key */
static int cmd_peer(int argc, char **argv)
{
    static const char *const names[] = { "--reason", NULL };
    const char *vals[1] = { NULL };
    struct peer_args a = { argc > 0 ? argv[0] : "" , NULL, NULL, NULL };
    int need = !strcmp(a.action, "add") || !strcmp(a.action, "kinds") ? 2 : !strcmp(a.action, "suspend") || !strcmp(a.action, "resume") ? 1
             : !strcmp(a.action, "list") || !strcmp(a.action, "key") ? 0
             : !strcmp(a.action, "shares") ? (argc > 1 && argv[1][0] != '-' ? 1 : 0) : -1;
    if (need < 0 || argc < 1 + need || (need > 0 && argv[1][0] == '-') || (need > 1 && argv[2][0] == '-')) {
        fprintf(stderr, "usage: kejiyun peer add URL PUBLIC_KEY [--reason T] | peer suspend|resume ID [--reason T] | peer kinds ID listing,studio,popsci,challenge | peer shares [listing,studio,popsci,challenge|none] | peer list | peer key\n");
        return 2;
    }
    if (need > 0) a.url = argv[1];
    if (need > 1) a.key = argv[2];
    int n = take_options(argc - 1 - need, argv + 1 + need, names, vals, NULL);
    a.reason = vals[0];
    return with_store(n, argv + 1 + need, do_peer, &a);
}

static int cmd_routes(int argc, char **argv)
{
    static const struct { int bit; const char *name; } methods[] = {
        { KJ_GET, "GET" }, { KJ_POST, "POST" }, { KJ_PUT, "PUT" }, { KJ_PATCH, "PATCH" }, { KJ_DELETE, "DELETE" } };
    /* --json: the table with kind, access, CSRF and flags (routes.h). */
    bool as_json = false;
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) as_json = true;
        else argv[n++] = argv[i];
    }
    kj_config cfg;
    if (load_config(&cfg, n, argv)) return 2;
    if (as_json) {
        json_t *t = kj_route_table_json(cfg.test_mode);
        int rc = json_dumpf(t, stdout, JSON_INDENT(1)) == 0 && putchar('\n') != EOF ? 0 : 1;
        json_decref(t);
        return rc;
    }
    for (const kj_route *r = kj_route_table(cfg.test_mode); r->pattern; r++)
        for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
            if (r->methods & methods[i].bit) printf("%s %s\n", methods[i].name, r->pattern);
    return 0;
}

/* migrate-data --from URL --to URL: a whole instance into a new database
 * (store.h kj_store_copy). Both are migrated to the current schema first;
 * the files stay in the data directory. */
static int cmd_migrate_data(int argc, char **argv)
{
    const char *from = NULL, *to = NULL;
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--from") && i + 1 < argc) from = argv[++i];
        else if (!strcmp(argv[i], "--to") && i + 1 < argc) to = argv[++i];
        else argv[n++] = argv[i];
    }
    if (!from || !to) {
        fprintf(stderr, "usage: kejiyun migrate-data --from sqlite:PATH --to postgresql://… (or the reverse)\n");
        return 2;
    }
    kj_config cfg;
    if (load_config(&cfg, n, argv)) return 2;
    const char *lf, *lt;
    const kj_store_backend *bf = kj_store_backend_for(from, &lf), *bt = kj_store_backend_for(to, &lt);
    if (!bf || !bt) {
        fprintf(stderr, "kejiyun: %s: not a database URL (sqlite:PATH or postgresql://…)\n", bf ? to : from);
        return 2;
    }
    char err[512], dir[2048];
    /* A SQLite side declares its search index with kejiyun's tokenizer
     * (migration 006): its connections need the search backend's hook. */
    snprintf(dir, sizeof dir, "%s/data/text", cfg.root);
    kj_analyzer *an = kj_analyzer_open(dir, err, sizeof err);
    if (!an) { fprintf(stderr, "kejiyun: migrate-data: %s\n", err); return 1; }
    kj_store *src = kj_store_open(bf, lf, 1, kj_search_backend_for_store(bf->name)->conn_hook, an, err, sizeof err), *dst = NULL;
    snprintf(dir, sizeof dir, "%s/migrations/%s", cfg.root, bf->name);
    int rc = src && kj_store_migrate(src, dir, err, sizeof err) >= 0 ? 0 : -1;
    if (rc == 0) {
        dst = kj_store_open(bt, lt, 1, kj_search_backend_for_store(bt->name)->conn_hook, an, err, sizeof err);
        snprintf(dir, sizeof dir, "%s/migrations/%s", cfg.root, bt->name);
        rc = dst && kj_store_migrate(dst, dir, err, sizeof err) >= 0 ? 0 : -1;
    }
    if (rc == 0) rc = kj_store_copy(src, dst, stdout, err, sizeof err);
    if (rc) fprintf(stderr, "kejiyun: migrate-data: %s\n", err);
    else printf("done: start kejiyun with --db %s (its search index is built at the first start)\n", bt == &kj_pg_backend ? "postgresql://…" : to);
    kj_store_close(dst);
    kj_store_close(src);
    kj_analyzer_close(an);
    return rc ? 1 : 0;
}

/* ---- backup / restore (ops/backup.h) ---- */

/* The SQLite file of cfg ("" when the database is not SQLite), and
 * whether it lies in the data directory (then the archive's files leave
 * its name out: the consistent copy stands for it). */
static const char *sqlite_file(const kj_config *cfg, char *buf, size_t n)
{
    const char *loc = NULL;
    if (!*cfg->db) { snprintf(buf, n, "%s/kejiyun.db", cfg->data); return buf; }
    const kj_store_backend *be = kj_store_backend_for(cfg->db, &loc);
    snprintf(buf, n, "%s", be == &kj_sqlite_backend && loc ? loc : "");
    return buf;
}

static const char *db_name_in_data(const kj_config *cfg, char *buf, size_t n)
{
    char file[2048], a[PATH_MAX], b[PATH_MAX], dir[2048];
    sqlite_file(cfg, file, sizeof file);
    if (!*file) return NULL;
    if ((size_t)snprintf(dir, sizeof dir, "%s", file) >= sizeof dir) return NULL;
    if (!realpath(dirname(dir), a) || !realpath(cfg->data, b) || strcmp(a, b)) return NULL;
    if ((size_t)snprintf(dir, sizeof dir, "%s", file) >= sizeof dir) return NULL;
    snprintf(buf, n, "%s", basename(dir));
    return buf;
}

static int do_backup(kj_app *app, kj_db *db, void *ctx)
{
    const char *out = ctx;
    char err[1024], name[256];
    json_t *m = NULL;
    int rc = kj_backup_write(db, app->cfg.data, db_name_in_data(&app->cfg, name, sizeof name), out, KEJIYUN_VERSION, &m, err, sizeof err);
    if (rc < 0) { fprintf(stderr, "kejiyun: backup: %s\n", err); return 1; }
    struct stat st;
    json_int_t size = stat(out, &st) == 0 ? (json_int_t)st.st_size : -1;
    size_t nfiles = json_array_size(json_object_get(m, "files"));
    if (rc == 1)
        printf("The database is on PostgreSQL: back it up with pg_dump (a logical copy: pg_dump -Fc) or pgBackRest "
               "(physical, with point-in-time recovery); see docs/deploy.md. This archive holds the data directory's files.\n");
    /* A record that the instance was copied (who holds the archive holds every account's data). */
    json_t *detail = json_pack("{s:s, s:I, s:I, s:b}", "file", out, "bytes", size, "files", (json_int_t)nfiles, "database", rc == 0);
    int a = kj_db_begin(db) ? -1 : kj_audit_write(db, NULL, "instance.backup", "instance", kj_instance_self_id(), "", detail);
    if (a == 0) a = kj_db_commit(db);
    else kj_db_rollback(db);
    json_decref(detail);
    json_decref(m);
    if (a) { fprintf(stderr, "kejiyun: backup: written, but the audit record failed: %s\n", kj_db_errmsg(db)); return 1; }
    printf("backup written: %s (%lld bytes; %s%zu files)\n", out, (long long)size, rc == 0 ? "database and " : "", nfiles);
    return 0;
}

/* The "--out FILE" of backup and export-instance: takes it out of argv
 * (the rest stays for with_store, *n of them) and refuses a missing name
 * (usage, 2) or an existing file (1): neither command overwrites. */
static int take_out_file(int argc, char **argv, const char *cmd, const char *what, const char **out, int *n)
{
    *out = NULL;
    *n = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc) *out = argv[++i];
        else argv[(*n)++] = argv[i];
    }
    if (!*out || !**out) {
        fprintf(stderr, "usage: kejiyun %s --out FILE [--data DIR] [--db URL]   %s\n", cmd, what);
        return 2;
    }
    struct stat st;
    if (stat(*out, &st) == 0) { fprintf(stderr, "kejiyun: %s: %s exists: choose a new file name\n", cmd, *out); return 1; }
    return 0;
}

/* backup --out FILE [--data DIR] [--db URL] */
static int cmd_backup(int argc, char **argv)
{
    const char *out;
    int n, rc = take_out_file(argc, argv, "backup", "(a tar archive: database copy, data files, manifest)", &out, &n);
    return rc ? rc : with_store(n, argv, do_backup, (void *)out);
}

typedef struct { const char *archive; json_t *manifest; } restore_ctx;

/* After the files are in place, on either backend: the deal log's hash
 * chain is verified (kj_ledger_verify, as `kejiyun audit verify` does) and
 * the restore is recorded in the restored instance's audit log, a broken
 * chain with it. A broken chain does not undo the restore: the database is
 * in place already (SQLite: from the archive; PostgreSQL: by pg_restore,
 * which kejiyun cannot undo), the backup may be the only one there is,
 * and the changed entry is evidence to keep, not to throw away. It is
 * reported, recorded (ledger_broken in the audit row), and the command
 * exits 1, so that a script notices. */
static int do_restore_check(kj_app *app, kj_db *db, void *ctx)
{
    restore_ctx *r = ctx;
    int64_t bad_seq = 0;
    char bad_id[32] = "", why[256] = "";
    int64_t n = kj_ledger_verify(db, &bad_seq, bad_id, why, sizeof why);
    if (n < 0) printf("deal log BROKEN at entry seq %lld (id %s): %s\n", (long long)bad_seq, *bad_id ? bad_id : "?", why);
    else printf("deal log intact: %lld entries verified\n", (long long)n);
    json_t *detail = json_pack("{s:s, s:O, s:O, s:I, s:s}", "archive", r->archive, "created_at_ms",
                               json_object_get(r->manifest, "created_at_ms") ? json_object_get(r->manifest, "created_at_ms") : json_null(),
                               "from_instance", json_object_get(r->manifest, "instance_id") ? json_object_get(r->manifest, "instance_id") : json_null(),
                               "ledger_entries", (json_int_t)n, "backend", kj_db_store(db)->be->name);
    if (n < 0) json_object_set_new(detail, "ledger_broken", json_pack("{s:I, s:s, s:s}", "seq", (json_int_t)bad_seq, "id", bad_id, "why", why));
    int a = kj_db_begin(db) ? -1 : kj_audit_write(db, NULL, "instance.restore", "instance", kj_instance_self_id(), "", detail);
    if (a == 0) a = kj_db_commit(db);
    else kj_db_rollback(db);
    json_decref(detail);
    if (a) { fprintf(stderr, "kejiyun: restore: the audit record failed: %s\n", kj_db_errmsg(db)); return 1; }
    if (n < 0) {
        fprintf(stderr, "kejiyun: restore: done, but the deal log's hash chain is broken at entry seq %lld: an entry was changed, "
                "deleted or moved after it was written. The restore is recorded with the break (audit log, instance.restore); "
                "compare with an older backup before the instance serves again\n", (long long)bad_seq);
        return 1;
    }
    return 0;
}

/* The database a restore on PostgreSQL puts the files beside. */
typedef struct { const kj_store_backend *be; const char *location; int64_t version; char instance[64]; } restore_db;

/* On PostgreSQL the database comes back first, by pg_restore (from
 * pg_dump -Fc) or pgBackRest (docs/deploy.md); kejiyun restore then puts
 * the files beside it. Asked before any file moves: the database must
 * hold this backup's instance. An empty one (the pg_restore step
 * forgotten) would be migrated into a new, empty instance with the old
 * instance's files; another instance's would get files that are not its
 * own. Either is refused, and nothing changes. */
static int restore_db_check(void *ctx, json_t *manifest, char *err, size_t errlen)
{
    restore_db *r = ctx;
    if (json_is_object(json_object_get(manifest, "database"))) {
        snprintf(err, errlen, "this backup holds a SQLite database (kejiyun.db), and --db names PostgreSQL: restore it without "
                 "--db (or with --db sqlite:PATH), then move it with kejiyun migrate-data --to postgresql://…; nothing was changed");
        return -1;
    }
    char why[512];
    kj_store *s = kj_store_open(r->be, r->location, 1, NULL, NULL, why, sizeof why);
    if (!s) { snprintf(err, errlen, "cannot open the database --db names: %s; nothing was changed", why); return -1; }
    kj_db *db = kj_store_acquire(s);
    int rc = kj_store_probe(db, &r->version, r->instance, sizeof r->instance, why, sizeof why);
    kj_store_release(s, db);
    kj_store_close(s);
    const char *want = json_string_value(json_object_get(manifest, "instance_id"));
    if (rc) snprintf(err, errlen, "%s; nothing was changed", why);
    else if (r->version == 0 || !*r->instance) {
        snprintf(err, errlen, "the database --db names holds no kejiyun instance (%s): restore the database first, with "
                 "pg_restore from the pg_dump -Fc taken with this backup (or with pgBackRest), then run kejiyun restore again "
                 "(docs/deploy.md); nothing was changed", r->version == 0 ? "no kejiyun tables" : "tables, but no instance in them");
        rc = -1;
    } else if (want && *want && strcmp(want, r->instance)) {
        snprintf(err, errlen, "the database --db names holds instance %s, and this backup was taken from instance %s: "
                 "restore the pg_dump taken with this backup (pg_restore into a new database) and name that one with --db; "
                 "nothing was changed", r->instance, want);
        rc = -1;
    }
    return rc;
}

/* restore FILE [--data DIR] [--db URL] [--force] */
static int cmd_restore(int argc, char **argv)
{
    const char *archive = NULL;
    bool force = false;
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--force")) force = true;
        else if (argv[i][0] != '-' && !archive && (i == 0 || argv[i - 1][0] != '-' || !strcmp(argv[i - 1], "--force"))) archive = argv[i];
        else argv[n++] = argv[i];
    }
    if (!archive) {
        fprintf(stderr, "usage: kejiyun restore FILE [--data DIR] [--db URL] [--force]   (into an empty data directory; --force moves what is there aside)\n");
        return 2;
    }
    kj_config cfg;
    if (load_config(&cfg, n, argv)) return 2;
    char file[2048], err[1024];
    sqlite_file(&cfg, file, sizeof file);
    /* Not SQLite: the database was restored on its own (restore_db_check). */
    restore_db rdb = { 0 };
    if (!*file && !(rdb.be = kj_store_backend_for(cfg.db, &rdb.location))) {
        fprintf(stderr, "kejiyun: restore: --db %s: not a database URL (sqlite:PATH or postgresql://…)\n", cfg.db);
        return 2;
    }
    json_t *m = NULL;
    if (kj_backup_restore(archive, cfg.data, *file ? file : NULL, force, *file ? NULL : restore_db_check, &rdb, &m, err, sizeof err)) {
        fprintf(stderr, "kejiyun: restore: %s\n", err);
        return 1;
    }
    char taken[40];
    kj_format_iso((int64_t)json_integer_value(json_object_get(m, "created_at_ms")), taken, sizeof taken);
    printf("restored %zu files%s into %s from %s (taken %s by kejiyun %s)\n", json_array_size(json_object_get(m, "files")),
           *file ? " and the database" : "", cfg.data, archive, taken, json_string_value(json_object_get(m, "kejiyun")));
    if (!*file)
        printf("database: %s, instance %s at schema version %lld (restored beforehand, by pg_restore or pgBackRest)\n",
               rdb.be->name, rdb.instance, (long long)rdb.version);
    if (*file && kj_sqlite_file_check(file, err, sizeof err)) {
        fprintf(stderr, "kejiyun: restore: the restored database fails its check: %s\n", err);
        json_decref(m);
        return 1;
    }
    if (*file) printf("database integrity_check: ok\n");
    restore_ctx r = { archive, m };
    int rc = with_store(n, argv, do_restore_check, &r);
    json_decref(m);
    return rc;
}

/* ---- export-instance / import-instance (ops/backup.h) ---- */

/* Appends one audit record about the instance (actor: the command line). */
static int audit_cli(kj_db *db, const char *action, const char *target, json_t *detail)
{
    int a = kj_db_begin(db) ? -1 : kj_audit_write(db, NULL, action, "instance", target, "", detail);
    if (a == 0) a = kj_db_commit(db);
    else kj_db_rollback(db);
    if (a) fprintf(stderr, "kejiyun: the audit record failed: %s\n", kj_db_errmsg(db));
    return a ? -1 : 0;
}

typedef struct { const char *out; bool with_key; } export_ctx;

static int do_export_instance(kj_app *app, kj_db *db, void *ctx)
{
    const export_ctx *x = ctx;
    const char *out = x->out;
    char err[1024];
    json_t *m = NULL;
    if (kj_instance_export(db, app->cfg.data, out, KEJIYUN_VERSION, x->with_key, &m, err, sizeof err)) {
        fprintf(stderr, "kejiyun: export-instance: %s\n", err);
        return 1;
    }
    json_int_t rows = 0;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(m, "tables"), i, t) rows += json_integer_value(json_object_get(t, "rows"));
    size_t ntables = json_array_size(json_object_get(m, "tables")), nfiles = json_array_size(json_object_get(m, "files"));
    json_t *detail = json_pack("{s:s, s:I, s:I, s:I, s:b}", "file", out, "tables", (json_int_t)ntables, "rows", rows, "files", (json_int_t)nfiles,
                               "federation_key", x->with_key);
    int a = audit_cli(db, "instance.export", kj_instance_self_id(), detail);
    json_decref(detail);
    json_decref(m);
    if (a) return 1;
    printf("instance exported: %s (%zu tables, %lld rows, %zu files)\n", out, ntables, (long long)rows, nfiles);
    printf(x->with_key ? "federation key included: the file now holds the instance's identity; keep it as you keep the key (0600), "
                         "and stop this deployment once the new one serves\n"
                       : "federation key not included (--with-key carries it): the new deployment gets a key of its own, which peers must add\n");
    return 0;
}

/* export-instance --out FILE [--with-key] [--data DIR] [--db URL] */
static int cmd_export_instance(int argc, char **argv)
{
    export_ctx x = { NULL, false };
    int k = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--with-key")) x.with_key = true;
        else argv[k++] = argv[i];
    }
    int n, rc = take_out_file(k, argv, "export-instance", "(tables as JSON lines, files, manifest; --with-key: the federation key too)", &x.out, &n);
    return rc ? rc : with_store(n, argv, do_export_instance, &x);
}

static int do_import_instance(kj_app *app, kj_db *db, void *ctx)
{
    const char *archive = ctx;
    char err[1024];
    json_t *m = NULL;
    if (kj_instance_import(archive, app->store, app->cfg.data, app->cfg.root, kj_search_backend_for_store("sqlite")->conn_hook,
                           app->analyzer, stdout, &m, err, sizeof err)) {
        fprintf(stderr, "kejiyun: import-instance: %s\n", err);
        return 1;
    }
    const char *from = json_string_value(json_object_get(m, "instance_id"));
    json_t *detail = json_pack("{s:s, s:s, s:O}", "archive", archive, "from_instance", from ? from : "",
                               "exported_at_ms", json_object_get(m, "exported_at_ms") ? json_object_get(m, "exported_at_ms") : json_null());
    int a = audit_cli(db, "instance.import", from ? from : "", detail);
    json_decref(detail);
    int64_t bad_seq = 0;
    char bad_id[32] = "", why[256] = "";
    int64_t n = kj_ledger_verify(db, &bad_seq, bad_id, why, sizeof why);
    if (n < 0) printf("deal log BROKEN at entry seq %lld (id %s): %s\n", (long long)bad_seq, *bad_id ? bad_id : "?", why);
    else printf("deal log intact: %lld entries verified\n", (long long)n);
    printf("imported instance %s: start kejiyun on this data directory (its search index is built at the first start)\n", from ? from : "?");
    json_decref(m);
    return a || n < 0 ? 1 : 0;
}

/* import-instance FILE [--data DIR] [--db URL] */
static int cmd_import_instance(int argc, char **argv)
{
    const char *archive = NULL;
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] != '-' && !archive && (i == 0 || argv[i - 1][0] != '-')) archive = argv[i];
        else argv[n++] = argv[i];
    }
    if (!archive) {
        fprintf(stderr, "usage: kejiyun import-instance FILE [--data DIR] [--db URL]   (into a new, empty instance)\n");
        return 2;
    }
    FILE *f = fopen(archive, "rb");
    if (!f) { fprintf(stderr, "kejiyun: import-instance: %s: %s\n", archive, strerror(errno)); return 1; }
    fclose(f);
    return with_store(n, argv, do_import_instance, (void *)archive);
}

static int cmd_version(int argc, char **argv) { printf("kejiyun %s\n", KEJIYUN_VERSION); return 0; }

static int cmd_help(int argc, char **argv);

static const struct {
    const char *name;
    command_fn fn;
    const char *usage;
} commands[] = {
    { "serve", cmd_serve, "serve [--listen HOST:PORT] [--data DIR] ...   run the web server" },
    { "migrate", cmd_migrate, "migrate [--data DIR] [--db URL]               create or upgrade the database" },
    { "migrate-data", cmd_migrate_data, "migrate-data --from sqlite:PATH --to postgresql://…   copy a whole instance into a new database (row counts verified)" },
    { "user", cmd_user, "user add --email E --name N --role ROLE [--password P] [--center REGION]   add an account (any role; --center: an operator appointed to that region's service center)\n"
                        "  user list [--q T] [--org T] [--role R] [--region C] [--status S] [--page N] | disable EMAIL --reason T | enable EMAIL\n"
                        "  user set-role EMAIL ROLE [--expert yes|no] --reason T | reset-password EMAIL   administer accounts (audited as \"cli\")" },
    { "center", cmd_center, "center list [--region C] [--level L] | create --name-zh N --level L --region C [--parent CENTER] ...\n"
                            "  center appoint CENTER EMAIL [--role head|staff] [--reason T] | remove CENTER EMAIL [--reason T]   the service centers (audited as \"cli\")" },
    { "backup", cmd_backup, "backup --out FILE [--data DIR] [--db URL]     archive the instance while it serves: a consistent database copy (SQLite) and the data directory's files (docs/deploy.md)" },
    { "restore", cmd_restore, "restore FILE [--data DIR] [--db URL] [--force]   put a backup into an empty data directory (--force: move what is there aside), then check it" },
    { "export-instance", cmd_export_instance, "export-instance --out FILE [--with-key] [--data DIR] [--db URL]   carry the instance's data to a new deployment: tables as JSON lines, files, manifest; --with-key: its federation key too (docs/deploy.md)" },
    { "import-instance", cmd_import_instance, "import-instance FILE [--data DIR] [--db URL]   fill a new, empty instance (SQLite or PostgreSQL) from an export" },
    { "demo", cmd_demo, "demo [--profile sichuan|qinghai] [--data DIR]   load a province's demo data (data/demo/<profile>/; prints the demo accounts)" },
    { "reindex", cmd_reindex, "reindex [--data DIR]                          rebuild the search index and all matches" },
    { "import", cmd_import, "import FILE [--owner EMAIL] [--partial] [--data DIR]   import listings (CSV or JSON)" },
    { "export", cmd_export, "export [--kind K] [--format csv|xlsx|json] [--out FILE]   export published listings" },
    { "peer", cmd_peer, "peer add URL KEY [--reason T] | suspend|resume ID | kinds ID K1,K2 | shares [K1,K2|none] | list | key   federation: peer with another instance (both operators add each other), or print this instance's id and public key" },
    { "audit", cmd_audit, "audit verify [--data DIR]                     check the deal log's hash chain" },
    { "routes", cmd_routes, "routes [--test-mode] [--json]                 list every route (/__test/... only with --test-mode; --json: kind, access, CSRF, flags)" },
    { "version", cmd_version, "version                                       print the version" },
    { "help", cmd_help, "help                                          this text and every setting" },
};

static int cmd_help(int argc, char **argv)
{
    printf("kejiyun — technology-service marketplace\n\nUsage: kejiyun COMMAND [options]\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) printf("  kejiyun %s\n", commands[i].usage);
    printf("\nRoles for user add: scientist, org_member, resident, operator, admin.\n\n");
    kj_config_help(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (kj_random_init()) { fprintf(stderr, "kejiyun: cannot initialise libsodium\n"); return 1; }
    const char *name = argc > 1 ? argv[1] : "help";
    if (!strcmp(name, "--help") || !strcmp(name, "-h")) name = "help";
    if (!strcmp(name, "--version")) name = "version";
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(commands[i].name, name)) return commands[i].fn(argc > 2 ? argc - 2 : 0, argv + 2);
    fprintf(stderr, "kejiyun: unknown command \"%s\" (try kejiyun help)\n", name);
    return 2;
}
