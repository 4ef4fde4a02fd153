/*
 * test_search_ctx.c — the search module's state belongs to a store
 * (search/context.h): two stores in one process search independently, and
 * closing one leaves the other's analyzer, caches and settings alone.
 * Before the context, the analyzer, the rewriter, the attribute cache and
 * the test switches were process globals: closing the second store unset
 * the analyzer for both (the first then found nothing), and the first's
 * documents in memory were dropped whenever the second was searched.
 */
#include "t.h"
#include "scratch.h"
#include "market/transfer.h"
#include "search/context.h"
#include "search/search.h"
#include <string.h>

static int import(kj_scratch *s, const char *word, int count)
{
    kj_buf b = { 0 };
    kj_buf_puts(&b, "kind,title,summary,domain,region,trl,coop_modes,price_kind,price_min,price_max,anonymous,delivery_mode\r\n");
    for (int i = 0; i < count; i++)
        kj_buf_printf(&b, "achievement,%s技术第%d号,面向%s的方案,D0101,510107,5,transfer,negotiable,,,0,remote\r\n", word, i, word);
    kj_import_report rep;
    kj_import_opts opts = { .partial = false, .analyzer = s->app.analyzer };
    int rc = kj_listing_import(s->db, s->admin, b.data, b.len, &opts, &rep);
    int n = rep.imported;
    kj_import_report_free(&rep);
    kj_buf_free(&b);
    return rc == 0 ? n : -1;
}

static int64_t found(kj_db *db, const char *q)
{
    kj_search_query sq = { .q = q, .include_studios = true };
    sq.filters.price_min_fen = sq.filters.price_max_fen = -1;
    kj_err e = { 0 };
    json_t *r = kj_search(db, &sq, &e);
    int64_t n = r ? json_integer_value(json_object_get(r, "total")) : -1;
    json_decref(r);
    return n;
}

static int64_t in_memory(kj_db *db)
{
    json_t *st = kj_search_stats(db);
    int64_t n = json_integer_value(json_object_get(st, "in_memory"));
    json_decref(st);
    return n;
}

TEST(search_state_is_per_store)
{
    kj_scratch a, b;
    REQUIRE(kj_scratch_open(&a, "ctxa") == 0 && kj_scratch_importer(&a) == 0);
    REQUIRE(kj_scratch_open(&b, "ctxb") == 0 && kj_scratch_importer(&b) == 0);
    REQUIRE(import(&a, "储能电池", 30) == 30);
    REQUIRE(import(&b, "无人机", 5) == 5);
    CHECK(kj_search_ctx_of(a.db) != kj_search_ctx_of(b.db));
    CHECK(kj_search_analyzer(a.db) == a.app.analyzer);
    CHECK_INT(found(a.db, "储能电池"), 30);
    CHECK_INT(found(b.db, "储能电池"), 0);
    CHECK_INT(found(b.db, "无人机"), 5);
    /* Each store's documents in memory are its own, and stay when the
     * other is searched. */
    CHECK(in_memory(a.db) >= 30);
    CHECK(in_memory(b.db) >= 5 && in_memory(b.db) < 30);
    CHECK(in_memory(a.db) >= 30);
    /* A test switch set on one store is that store's. */
    kj_search_set_memory(b.db, false);
    CHECK_INT(found(b.db, "无人机"), 5);   /* the SQL scan */
    kj_search_set_memory(b.db, true);
    /* Closing b leaves a's analyzer and rewriter in place. */
    kj_scratch_close(&b);
    CHECK_INT(found(a.db, "储能电池"), 30);
    CHECK(kj_search_analyzer(a.db) == a.app.analyzer);
    kj_scratch_close(&a);
}
