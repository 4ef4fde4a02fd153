/*
 * test_search_outbox.c — the search outbox (search/outbox.h) on SQLite, as
 * a test of the path a PostgreSQL node's local index is fed by: an entry
 * per index change, written in the change's transaction (none after a
 * rollback), read in order by a tailer (again within the look-back
 * window), a change signal at commit, nothing at all when the outbox is
 * off, pruning by age.
 */
#include "t.h"
#include "scratch.h"
#include "core/clock.h"
#include "core/id.h"
#include "market/transfer.h"
#include "search/outbox.h"
#include "search/search.h"
#include <string.h>

static int64_t entries(kj_db *db) { return kj_db_int(db, -1, "SELECT count(*) FROM search_outbox", ""); }

typedef struct { int n; int64_t seqs[64]; char kinds[64][16]; char tokens[64][32]; } seen_t;

static int seen(void *ctx, int64_t seq, const char *doc_id, const char *doc_kind, const char *token)
{
    seen_t *s = ctx;
    if (s->n < 64) {
        s->seqs[s->n] = seq;
        snprintf(s->kinds[s->n], sizeof s->kinds[s->n], "%s", doc_kind);
        snprintf(s->tokens[s->n], sizeof s->tokens[s->n], "%s", token ? token : "");
    }
    s->n++;
    return 0;
}

static int signals;
static void heard(void *ctx, kj_store *s, const char *channel, const char *payload, bool remote)
{
    (void)ctx; (void)s; (void)payload;
    if (!strcmp(channel, KJ_SEARCH_CHANNEL) && !remote) signals++;
}

static int import(kj_scratch *s, int count)
{
    kj_buf b = { 0 };
    kj_buf_puts(&b, "kind,title,summary,domain,region,trl,coop_modes,price_kind,price_min,price_max,anonymous,delivery_mode\r\n");
    for (int i = 0; i < count; i++)
        kj_buf_printf(&b, "achievement,储能电池第%d号,面向储能的方案,D0101,510107,5,transfer,negotiable,,,0,remote\r\n", i);
    kj_import_report rep;
    kj_import_opts opts = { .partial = false, .analyzer = s->app.analyzer };
    int rc = kj_listing_import(s->db, s->admin, b.data, b.len, &opts, &rep);
    int n = rep.imported;
    kj_import_report_free(&rep);
    kj_buf_free(&b);
    return rc == 0 ? n : -1;
}

TEST(search_outbox_follows_the_index_changes)
{
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "outbox") == 0 && kj_scratch_importer(&s) == 0);
    /* Off (a single SQLite node): nothing written. */
    CHECK(!kj_search_outbox_on(s.db));
    REQUIRE(import(&s, 2) == 2);
    CHECK_INT(entries(s.db), 0);

    kj_search_set_outbox(s.db, true);
    REQUIRE(kj_store_subscribe(s.app.store, KJ_SEARCH_CHANNEL, heard, NULL) == 0);
    signals = 0;
    REQUIRE(import(&s, 3) == 3);
    CHECK_INT(entries(s.db), 3);
    CHECK(signals >= 1);

    /* Inside the change's transaction: a rollback leaves no entry. */
    char *id = kj_db_text(s.db, "SELECT id FROM listings ORDER BY id LIMIT 1", "");
    REQUIRE(id != NULL);
    REQUIRE(kj_db_begin(s.db) == 0);
    CHECK(kj_db_exec(s.db, "UPDATE listings SET status = 'withdrawn' WHERE id = ?", "s", id) == 1);
    CHECK_INT(kj_search_sync_listing(s.db, id, false), 0);
    kj_db_rollback(s.db);
    CHECK_INT(entries(s.db), 3);
    signals = 0;
    REQUIRE(kj_db_begin(s.db) == 0);
    CHECK(kj_db_exec(s.db, "UPDATE listings SET status = 'withdrawn' WHERE id = ?", "s", id) == 1);
    CHECK_INT(kj_search_sync_listing(s.db, id, false), 0);
    CHECK_INT(signals, 0);                       /* not before the commit */
    CHECK_INT(kj_db_commit(s.db), 0);
    CHECK_INT(entries(s.db), 4);
    CHECK_INT(signals, 1);

    /* A tailer reads them in order, then nothing new, then the recent ones again. */
    seen_t a = { 0 };
    int64_t last = kj_search_outbox_read(s.db, 0, 0, 100, seen, &a);
    CHECK_INT(a.n, 4);
    CHECK(a.seqs[0] < a.seqs[1] && a.seqs[1] < a.seqs[2] && a.seqs[2] < a.seqs[3]);
    CHECK_INT(last, a.seqs[3]);
    CHECK_STR(a.kinds[0], "listing");
    /* Each entry has a token of its own (migration 052: a writing node's
     * tailer skips the entries it applied itself). */
    for (int i = 0; i < 4; i++) {
        CHECK_INT(strlen(a.tokens[i]), KJ_ID_LEN);
        for (int j = 0; j < i; j++) CHECK(strcmp(a.tokens[i], a.tokens[j]) != 0);
    }
    seen_t b = { 0 };
    CHECK_INT(kj_search_outbox_read(s.db, last, 0, 100, seen, &b), last);
    CHECK_INT(b.n, 0);
    seen_t c = { 0 };
    kj_search_outbox_read(s.db, last, kj_now_ms() - KJ_SEARCH_OUTBOX_LOOKBACK_MS, 100, seen, &c);
    CHECK_INT(c.n, 4);

    /* A rebuild is one entry for the whole index. */
    CHECK(kj_search_reindex(s.db) >= 0);
    seen_t d = { 0 };
    kj_search_outbox_read(s.db, last, 0, 100, seen, &d);
    CHECK(d.n >= 1);
    CHECK_STR(d.kinds[0], "all");

    CHECK(kj_search_outbox_prune(s.db, kj_now_ms() + 1) >= 5);
    CHECK_INT(entries(s.db), 0);
    free(id);
    kj_scratch_close(&s);
}
