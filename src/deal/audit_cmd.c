/*
 * audit_cmd.c — the command `kejiyun audit verify [--data DIR]`: checks
 * the hash chain of the deal log and names the first broken entry.
 * Exit status 0 when intact, 1 when broken, 2 on usage errors.
 * Runs single-threaded from main(), outside the server.
 */
#include "deal/deal.h"
#include "text/analyzer.h"
#include "web/app.h"
#include <stdio.h>
#include <string.h>

int kj_cmd_audit(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "verify")) { fprintf(stderr, "usage: kejiyun audit verify [--data DIR]\n"); return 2; }
    kj_config cfg;
    char err[512];
    if (kj_config_load(&cfg, argc - 1, argv + 1, err, sizeof err)) { fprintf(stderr, "kejiyun: %s\n", err); return 2; }
    kj_app app = { 0 };
    if (kj_app_open_store(&app, &cfg, err, sizeof err)) { fprintf(stderr, "kejiyun: %s\n", err); return 1; }
    kj_db *db = kj_store_acquire(app.store);
    int64_t bad_seq = 0;
    char bad_id[32] = "", why[256] = "";
    int64_t n = kj_ledger_verify(db, &bad_seq, bad_id, why, sizeof why);
    if (n >= 0) printf("deal log intact: %lld entries verified\n", (long long)n);
    else printf("deal log BROKEN at entry seq %lld (id %s): %s\n", (long long)bad_seq, *bad_id ? bad_id : "?", why);
    kj_store_release(app.store, db);
    kj_store_close(app.store);
    kj_analyzer_close(app.analyzer);
    json_decref(app.region_options);
    return n >= 0 ? 0 : 1;
}
