/*
 * scratch.c — see scratch.h.
 */
#include "scratch.h"
#include "account/account.h"
#include "core/config.h"
#include "core/id.h"
#include "market/transfer.h"
#include "search/search.h"
#include "text/analyzer.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kj_scratch_open(kj_scratch *s, const char *name)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/kj-%.20s-XXXXXX", name);
    if (!mkdtemp(s->dir)) return -1;
    char *argv[] = { "--data", s->dir };
    kj_config cfg;
    char err[512];
    kj_random_init();
    if (kj_config_load(&cfg, 2, argv, err, sizeof err) || kj_app_open_store(&s->app, &cfg, err, sizeof err)) {
        fprintf(stderr, "  scratch store: %s\n", err);
        return -1;
    }
    s->db = kj_store_acquire(s->app.store);
    return 0;
}

int kj_scratch_importer(kj_scratch *s)
{
    kj_registration r = { .email = "importer@example.cn", .password = "Import-2026!", .name = "Importer", .role = "admin" };
    char id[KJ_ID_LEN + 1];
    kj_err fail;
    if (kj_account_register(s->db, &r, true, id, &fail)) return -1;
    s->admin = kj_transfer_importer(s->db, NULL);
    return s->admin ? 0 : -1;
}

void kj_scratch_close(kj_scratch *s)
{
    json_decref(s->admin);
    if (s->db) kj_store_release(s->app.store, s->db);
    kj_store_close(s->app.store);   /* its search context with it */
    kj_rewriter_close(s->app.rewriter);
    kj_analyzer_close(s->app.analyzer);
    kj_app_close_ref(&s->app);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    if (system(cmd)) {}
}
