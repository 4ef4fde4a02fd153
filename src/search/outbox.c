/*
 * outbox.c — the search outbox (see outbox.h).
 */
#include "search/outbox.h"
#include "search/context_impl.h"
#include "search/local.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include <string.h>

bool kj_search_outbox_on(kj_db *db)
{
    kj_search_ctx *c = kj_search_ctx_of(db);
    return c && c->outbox;
}

void kj_search_set_outbox(kj_db *db, bool on)
{
    kj_search_ctx *c = kj_search_ctx_of(db);
    if (c) c->outbox = on;
}

int kj_search_outbox_put(kj_db *db, const char *doc_id, const char *doc_kind)
{
    if (!kj_search_outbox_on(db)) return 0;
    kj_id token = kj_id_new();
    if (kj_db_exec(db, "INSERT INTO search_outbox(doc_id, doc_kind, at, token) VALUES (?, ?, ?, ?)", "ssis", doc_id, doc_kind,
                   kj_now_ms(), token.s) < 0)
        return -1;
    /* This node's copy takes the change in the paired transaction: its
     * tailer need not apply the entry again. ('all' keeps its own rule:
     * kj_search_local_mark_rebuilt.) */
    if (strcmp(doc_kind, "all") && kj_search_local_own(db, token.s)) return -1;
    /* The payload says nothing: a tailer reads the outbox. Beyond the
     * store's few signals per transaction the call refuses, and one queued
     * signal is all the nodes need. */
    (void)kj_db_publish(db, KJ_SEARCH_CHANNEL, "");
    return 0;
}

int64_t kj_search_outbox_read(kj_db *db, int64_t after, int64_t since_ms, int limit,
                              int (*fn)(void *ctx, int64_t seq, const char *doc_id, const char *doc_kind, const char *token),
                              void *ctx)
{
    json_t *rows = kj_db_rows(db, "SELECT seq, doc_id, doc_kind, token FROM search_outbox WHERE seq > ? OR (? > 0 AND at >= ?) "
                                  "ORDER BY seq LIMIT ?", "iiii", after, since_ms, since_ms, (int64_t)(limit > 0 ? limit : 1000));
    if (!rows) return -1;
    int64_t last = after;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        int64_t seq = json_integer_value(json_object_get(r, "seq"));
        if (fn(ctx, seq, kj_jstr(r, "doc_id"), kj_jstr(r, "doc_kind"), kj_jstr(r, "token"))) break;
        if (seq > last) last = seq;
    }
    json_decref(rows);
    return last;
}

int kj_search_outbox_prune(kj_db *db, int64_t before_ms)
{
    return kj_db_exec_optional(db, "search outbox pruning (done again next round)", "DELETE FROM search_outbox WHERE at < ?", "i",
                               before_ms);
}
