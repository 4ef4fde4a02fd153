/*
 * ledger.c — the deal log: append-only, each entry chained to the one
 * before by SHA-256 (libsodium), so that a modified, deleted or reordered
 * entry is detected by kj_ledger_verify (kejiyun audit verify).
 *
 * The hashed text of an entry is, newline-separated: prev_hash, seq, id,
 * deal_id, actor_id, kind, data (compact JSON, sorted keys — stored as
 * written), created_at. The table has no UPDATE/DELETE (triggers refuse).
 */
#include "deal/deal.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "account/account.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char ZERO_HASH[] = "0000000000000000000000000000000000000000000000000000000000000000";

void kj_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

static void entry_hash(const char *prev, long long seq, const char *id, const char *deal_id, const char *actor,
                       const char *kind, const char *data, long long created_at, char hex[65])
{
    kj_buf b = { 0 };
    kj_buf_printf(&b, "%s\n%lld\n%s\n%s\n%s\n%s\n%s\n%lld", prev, seq, id, deal_id, actor, kind, data, created_at);
    kj_sha256_hex(b.data, b.len, hex);
    kj_buf_free(&b);
}

int kj_ledger_append(kj_db *db, const char *deal_id, const char *actor_id, const char *kind, json_t *data)
{
    json_t *last = kj_db_row(db, "SELECT seq, hash FROM deal_events ORDER BY seq DESC LIMIT 1", "");
    long long seq = last ? (long long)json_integer_value(json_object_get(last, "seq")) + 1 : 1;
    char prev[65];
    snprintf(prev, sizeof prev, "%s", last ? json_string_value(json_object_get(last, "hash")) : ZERO_HASH);
    json_decref(last);
    char *text = data ? json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    kj_id id = kj_id_new();
    int64_t now = kj_now_ms();
    char hash[65];
    entry_hash(prev, seq, id.s, deal_id, actor_id ? actor_id : "", kind, text ? text : "{}", (long long)now, hash);
    int rc = kj_db_exec(db, "INSERT INTO deal_events(seq, id, origin, deal_id, actor_id, kind, data__json, created_at, prev_hash, hash) "
                            "VALUES (?,?,?,?,?,?,?,?,?,?)", "issssssiss",
                        (int64_t)seq, id.s, kj_instance_id(db), deal_id, actor_id ? actor_id : "", kind,
                        text ? text : "{}", now, prev, hash);
    free(text);
    return rc < 1 ? -1 : 0;
}

int64_t kj_ledger_verify(kj_db *db, int64_t *bad_seq, char *bad_id, char *why, size_t whylen)
{
    /* data__json is read under another name so that it stays the stored text. */
    kj_stmt *st = kj_db_prepare(db, "SELECT seq, id, deal_id, actor_id, kind, data__json AS data_text, created_at, "
                                    "prev_hash, hash FROM deal_events ORDER BY seq", "");
    if (!st) { snprintf(why, whylen, "cannot read deal_events: %s", kj_db_errmsg(db)); *bad_seq = 0; return -1; }
    char prev[65];
    snprintf(prev, sizeof prev, "%s", ZERO_HASH);
    int64_t n = 0, expect_seq = 1;
    int64_t result = 0;
    *bad_seq = 0;
    if (bad_id) bad_id[0] = 0;
    int step;
    while ((step = kj_stmt_step(db, st)) == KJ_DB_ROW) {
        json_t *r = kj_stmt_row_json(db, st);
        long long seq = (long long)json_integer_value(json_object_get(r, "seq"));
        const char *id = json_string_value(json_object_get(r, "id"));
        const char *stored_prev = json_string_value(json_object_get(r, "prev_hash"));
        const char *stored = json_string_value(json_object_get(r, "hash"));
        char h[65];
        entry_hash(stored_prev ? stored_prev : "", seq, id ? id : "", json_string_value(json_object_get(r, "deal_id")),
                   json_string_value(json_object_get(r, "actor_id")), json_string_value(json_object_get(r, "kind")),
                   json_string_value(json_object_get(r, "data_text")),
                   (long long)json_integer_value(json_object_get(r, "created_at")), h);
        const char *problem = seq != expect_seq ? "sequence gap or reordering (an entry is missing or moved)"
                            : strcmp(stored_prev ? stored_prev : "", prev) ? "does not link to the previous entry's hash"
                            : strcmp(stored ? stored : "", h) ? "content does not match its hash (modified)" : NULL;
        if (problem) {
            *bad_seq = seq;
            if (bad_id) snprintf(bad_id, KJ_ID_LEN + 1, "%s", id ? id : "");
            snprintf(why, whylen, "%s", problem);
            result = -1;
            json_decref(r);
            break;
        }
        snprintf(prev, sizeof prev, "%s", stored);
        expect_seq = seq + 1;
        n++;
        json_decref(r);
    }
    kj_stmt_finish(db, st);
    /* A read that failed half-way verified only part of the log: never "intact". */
    if (result == 0 && step < 0) {
        *bad_seq = expect_seq;
        snprintf(why, whylen, "cannot read deal_events past entry seq %lld: %s", (long long)(expect_seq - 1), kj_db_errmsg(db));
        return -1;
    }
    return result < 0 ? -1 : n;
}

json_t *kj_ledger_events(kj_db *db, const char *deal_id)
{
    json_t *rows = kj_db_rows(db, "SELECT e.seq, e.id, e.kind, e.actor_id, u.name AS actor_name, e.data__json, e.created_at, e.hash "
                                  "FROM deal_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.deal_id = ? ORDER BY e.seq",
                              "s", deal_id);
    return rows ? rows : json_array();
}
