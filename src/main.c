/*
 * main.c — the kejiyun command: serve, migrate, user add, demo, routes,
 * version, help.
 *
 * Each subcommand is a row of the command table; main() loads the
 * configuration (file < environment < flags) and runs the row.
 */
#include "account/account.h"
#include "core/config.h"
#include "core/id.h"
#include "core/log.h"
#include "demo/demo.h"
#include "web/app.h"
#include <signal.h>
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
    return 0;
}

static int cmd_serve(int argc, char **argv)
{
    kj_config cfg;
    if (load_config(&cfg, argc, argv)) return 2;
    kj_log_set_quiet(!cfg.access_log);
    static kj_app app;   /* lives until exit; handlers reach it through req->app */
    char err[512];
    if (kj_app_open(&app, &cfg, err, sizeof err)) {
        fprintf(stderr, "kejiyun: %s\n", err);
        return 1;
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
        .max_header = (size_t)cfg.max_header, .max_fields = (size_t)cfg.max_fields,
        .access_log = cfg.access_log, .trust_proxy = cfg.trust_proxy,
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
    int sig = 0;
    sigwait(&stop, &sig);
    fprintf(stderr, "kejiyun: %s received, finishing requests in flight\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    kj_server_stop(app.server, 10000);
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
    kj_store_close(app.store);
    json_decref(app.region_options);
    return rc;
}

static int do_migrate(kj_app *app, kj_db *db, void *ctx)
{
    printf("database %s/kejiyun.db is at schema version %lld\n", app->cfg.data,
           (long long)kj_db_int(db, 0, "SELECT max(version) FROM schema_migrations", ""));
    return 0;
}

static int cmd_migrate(int argc, char **argv) { return with_store(argc, argv, do_migrate, NULL); }

static int do_demo(kj_app *app, kj_db *db, void *ctx)
{
    int rc = kj_demo_load(db, stdout);
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

struct user_add { const char *email, *name, *role, *password; };

static int do_user_add(kj_app *app, kj_db *db, void *ctx)
{
    struct user_add *u = ctx;
    kj_registration r = { .email = u->email, .password = u->password, .name = u->name, .role = u->role };
    char id[KJ_ID_LEN + 1];
    kj_fail fail = { 0 };
    if (kj_account_register(db, &r, true, id, &fail)) {
        fprintf(stderr, "kejiyun: cannot add user: %s (%s)\n", fail.key, fail.field);
        return 1;
    }
    printf("%s\n", id);
    return 0;
}

/* user add --email E --name N --role R [--password P | env KEJIYUN_PASSWORD] */
static int cmd_user(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "add")) { fprintf(stderr, "usage: kejiyun user add --email E --name N --role ROLE [--password P]\n"); return 2; }
    struct user_add u = { NULL, NULL, "scientist", getenv("KEJIYUN_PASSWORD") };
    int n = 0;
    char **rest = argv + 1;
    for (int i = 1; i < argc; i++) {
        const char **slot = !strcmp(argv[i], "--email") ? &u.email : !strcmp(argv[i], "--name") ? &u.name :
                            !strcmp(argv[i], "--role") ? &u.role : !strcmp(argv[i], "--password") ? &u.password : NULL;
        if (slot && i + 1 < argc) *slot = argv[++i];
        else rest[n++] = argv[i];
    }
    if (!u.email || !u.name || !u.password) {
        fprintf(stderr, "kejiyun: user add needs --email, --name and --password (or KEJIYUN_PASSWORD)\n");
        return 2;
    }
    return with_store(n, rest, do_user_add, &u);
}

static int cmd_routes(int argc, char **argv)
{
    static const struct { int bit; const char *name; } methods[] = {
        { KJ_GET, "GET" }, { KJ_POST, "POST" }, { KJ_PUT, "PUT" }, { KJ_PATCH, "PATCH" }, { KJ_DELETE, "DELETE" } };
    for (const kj_route *r = kj_route_table(); r->pattern; r++)
        for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
            if (r->methods & methods[i].bit) printf("%s %s\n", methods[i].name, r->pattern);
    return 0;
}

static int cmd_version(int argc, char **argv) { printf("kejiyun %s\n", KEJIYUN_VERSION); return 0; }

static int cmd_help(int argc, char **argv);

static const struct {
    const char *name;
    command_fn fn;
    const char *usage;
} commands[] = {
    { "serve", cmd_serve, "serve [--listen HOST:PORT] [--data DIR] ...   run the web server" },
    { "migrate", cmd_migrate, "migrate [--data DIR]                          create or upgrade the database" },
    { "user", cmd_user, "user add --email E --name N --role ROLE [--password P]   add an account (any role)" },
    { "demo", cmd_demo, "demo [--data DIR]                             load demo data (prints the demo accounts)" },
    { "routes", cmd_routes, "routes                                        list every route" },
    { "version", cmd_version, "version                                       print the version" },
    { "help", cmd_help, "help                                          this text and every setting" },
};

static int cmd_help(int argc, char **argv)
{
    printf("kejiyun — technology-service marketplace\n\nUsage: kejiyun COMMAND [options]\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) printf("  kejiyun %s\n", commands[i].usage);
    printf("\nRoles for user add: scientist, org_member, operator, admin.\n\n");
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
