/*
 * test_search_walk.c — the search's walk over matches with the documents'
 * attributes in memory (search/doc_attrs.h) against the SQL scan it
 * replaces: on a scratch database of imported listings, every query and
 * filter below must give the same total, facets and ranked hits both ways.
 * Also the pieces: code tables, and filters on values no document holds.
 */
#include "t.h"
#include "scratch.h"
#include "core/config.h"
#include "core/id.h"
#include "market/transfer.h"
#include "search/doc_attrs.h"
#include "search/search.h"
#include "text/analyzer.h"
#include "web/app.h"
#include <stdlib.h>
#include <unistd.h>

/* 120 listings whose fields vary independently of one another. */
static char *walk_csv(int count)
{
    static const char *const kinds[] = { "achievement", "service" };
    static const char *const domains[] = { "D0101", "D0401", "D1003", "D0602", "D0402" };
    static const char *const regions[] = { "510107", "510104", "511102", "630100", "510000" };
    static const char *const modes[] = { "transfer", "joint_dev", "transfer|equity", "general_license|joint_dev" };
    static const char *const words[] = { "储能电池", "热管理", "无人机", "水稻", "传感器", "回收" };
    kj_buf b = { 0 };
    kj_buf_puts(&b, "kind,title,summary,domain,region,trl,coop_modes,price_kind,price_min,price_max,anonymous,delivery_mode\r\n");
    static int made;   /* numbers go on across calls: titles stay distinct */
    for (int i = made; i < made + count; i++) {
        const char *w1 = words[i % 6], *w2 = words[(i / 6) % 6], *w3 = words[(i * 7) % 6];
        kj_buf_printf(&b, "%s,%s与%s技术第%d号,面向%s的方案%s,%s,%s,%d,%s,%s,%s,%s,%d,%s\r\n",
                      kinds[i % 2], w1, w2, i, w3, i % 3 ? "" : w1, domains[(i / 2) % 5], regions[(i / 3) % 5],
                      1 + i % 9, modes[(i / 5) % 4], i % 4 ? "range" : "negotiable",
                      i % 4 ? (i % 8 ? "10" : "60") : "", i % 4 ? (i % 8 ? "50" : "200") : "", i % 5 == 0, i % 2 ? "remote" : "");
    }
    made += count;
    return kj_buf_steal(&b, NULL);
}

/* The search's answer without what differs by design: nothing. Floats are
 * compared as printed, so the two must rank and score alike. */
static char *answer(kj_db *db, const kj_search_query *q, bool memory)
{
    kj_search_set_memory(db, memory);
    kj_err err = { 0 };
    json_t *res = kj_search(db, q, &err);
    kj_search_set_memory(db, true);
    if (!res) return strdup(err.key ? err.key : "?");
    char *text = json_dumps(res, JSON_SORT_KEYS | JSON_REAL_PRECISION(12));
    json_decref(res);
    return text;
}

static int compare_all(kj_db *db, int *compared, int *nonempty);

TEST(search_walk_equals_sql_scan)
{
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "walk") == 0 && kj_scratch_importer(&s) == 0);
    char *csv = walk_csv(120);
    kj_import_report rep;
    kj_import_opts opts = { .partial = false, .analyzer = s.app.analyzer };   /* with the analysis ahead, as the server imports */
    int rc = kj_listing_import(s.db, s.admin, csv, strlen(csv), &opts, &rep);
    free(csv);
    if (rep.error_rows) {
        char *e = json_dumps(json_array_get(rep.errors, 0), 0);
        fprintf(stderr, "  import: %s\n", e);
        free(e);
    }
    REQUIRE(rc == 0 && rep.imported == 120);
    kj_import_report_free(&rep);

    int compared = 0, nonempty = 0;
    CHECK_INT(compare_all(s.db, &compared, &nonempty), 0);
    CHECK_INT(compared, 320);
    CHECK(nonempty > 100);   /* the comparisons are not all of empty answers */
    json_t *st0 = kj_search_stats(s.db);
    CHECK(json_integer_value(json_object_get(st0, "in_memory")) >= 120);
    json_decref(st0);

    /* With the frequent terms' bitmaps (fast_terms.h): a small index counts
     * as large here, and a term in 5 documents gets a bitmap. */
    kj_search_set_scale(s.db, 1, 5);
    int built = kj_search_fast_build(s.db);
    CHECK(built >= 10);
    compared = nonempty = 0;
    CHECK_INT(compare_all(s.db, &compared, &nonempty), 0);
    CHECK_INT(compared, 320);
    CHECK(nonempty > 100);
    /* An any-word query goes through the bitmaps too (it walked every match
     * of each word through FTS5: 60–140 ms at 1M listings), also when a
     * word is too rare for a bitmap of its own (第7号: a bitmap for the one
     * search), and answers as the SQL scan does. */
    static const char *const relaxed[] = { "热管理 第7号", "储能电池 第7号 第8号", "无人机 水稻 回收 热管理 储能电池" };
    for (size_t r = 0; r < sizeof relaxed / sizeof *relaxed; r++)
        for (int studios = 0; studios < 2; studios++) {
            kj_search_query q = { .q = relaxed[r], .filters = { .price_min_fen = -1, .price_max_fen = -1 }, .include_studios = studios,
                                  .page = 1, .per_page = 50 };
            char *sql = answer(s.db, &q, false), *mem = answer(s.db, &q, true);
            const kj_search_timing *t = kj_search_last_timing();
            CHECK(t->relaxed_us >= 0);          /* the strict query had too few matches */
            CHECK(t->relaxed_fast);             /* and the any-word walk used the bitmaps */
            CHECK(t->relaxed_total > 10);
            CHECK(t->relaxed_split);            /* and the bitmaps decided the filter (studios checked one by one) */
            CHECK_STR(mem, sql);
            free(sql);
            free(mem);
        }
    /* Filters the bitmaps alone decide (kind, first-level domain, province,
     * least TRL: no document's attributes read), and one they do not (a
     * city): the same answers as the SQL scan, above; here, which walk ran. */
    struct { kj_listing_query f; bool split; } split_cases[] = {
        { { .kind = "service", .price_min_fen = -1, .price_max_fen = -1 }, true },
        { { .domain = "D04", .region = "510000", .trl_min = 3, .price_min_fen = -1, .price_max_fen = -1 }, true },
        { { .region = "510100", .price_min_fen = -1, .price_max_fen = -1 }, false },
        { { .trl_min = 4, .trl_max = 7, .price_min_fen = -1, .price_max_fen = -1 }, false },
    };
    for (size_t k = 0; k < sizeof split_cases / sizeof *split_cases; k++) {
        kj_search_query q = { .q = "储能电池", .filters = split_cases[k].f, .page = 1, .per_page = 50 };
        char *mem = answer(s.db, &q, true);
        const kj_search_timing *t = kj_search_last_timing();
        CHECK(t->strict_fast);
        CHECK_INT(t->strict_split, split_cases[k].split);
        CHECK(t->strict_total > 0);
        free(mem);
    }
    /* Documents leave (the removal log) and come (after the bitmaps' last
     * rowid): the bitmaps and FTS5 together still answer as the SQL scan. */
    json_t *gone = kj_db_rows(s.db, "SELECT id FROM listings ORDER BY id LIMIT 7", "");
    REQUIRE(json_array_size(gone) == 7);
    size_t i;
    json_t *g;
    json_array_foreach(gone, i, g) {
        REQUIRE(kj_db_begin(s.db) == 0);
        CHECK(kj_db_exec(s.db, "UPDATE listings SET status = 'withdrawn' WHERE id = ?", "s", json_string_value(json_object_get(g, "id"))) == 1);
        CHECK(kj_search_sync_listing(s.db, json_string_value(json_object_get(g, "id")), false) == 0);
        CHECK(kj_db_commit(s.db) == 0);
    }
    json_decref(gone);
    char *more = walk_csv(30);
    rc = kj_listing_import(s.db, s.admin, more, strlen(more), &opts, &rep);
    free(more);
    CHECK(rc == 0 && rep.imported == 30);
    kj_import_report_free(&rep);
    compared = nonempty = 0;
    CHECK_INT(compare_all(s.db, &compared, &nonempty), 0);
    CHECK_INT(compared, 320);
    CHECK(nonempty > 100);
    json_t *st = kj_search_fast_stats(s.db);
    CHECK(json_integer_value(json_object_get(st, "terms")) == built);
    json_decref(st);
    kj_search_set_scale(s.db, 0, 0);
    CHECK_INT(kj_search_fast_build(s.db), 0);   /* small again: the bitmaps go */
    kj_scratch_close(&s);
}

/* Every query below, with every filter, with and without studios, twice
 * (the first meets documents not read yet; the second finds them in
 * memory): the walk in memory and the SQL scan answer byte for byte alike. */
static int compare_all(kj_db *db, int *compared, int *nonempty)
{
    int differ = 0;
    static const char *const texts[] = { "储能电池", "无人机 水稻", "传感器 回收 方案", "热管理 第7号", "没有的词" };
    kj_listing_query filters[] = {
        { .price_min_fen = -1, .price_max_fen = -1 },
        { .domain = "D04", .price_min_fen = -1, .price_max_fen = -1 },
        { .domain = "D0401", .price_min_fen = -1, .price_max_fen = -1 },
        { .domain = "D99", .price_min_fen = -1, .price_max_fen = -1 },
        { .region = "510000", .price_min_fen = -1, .price_max_fen = -1 },
        { .region = "510100", .price_min_fen = -1, .price_max_fen = -1 },
        { .region = "511102", .price_min_fen = -1, .price_max_fen = -1 },
        { .kind = "service", .price_min_fen = -1, .price_max_fen = -1 },
        { .kind = "studio", .price_min_fen = -1, .price_max_fen = -1 },
        { .trl_min = 4, .trl_max = 7, .price_min_fen = -1, .price_max_fen = -1 },
        { .mode = "joint_dev", .price_min_fen = -1, .price_max_fen = -1 },
        { .mode = "no_such_mode", .price_min_fen = -1, .price_max_fen = -1 },
        { .price_min_fen = 5500000, .price_max_fen = -1 },
        { .price_min_fen = -1, .price_max_fen = 1000000 },
        { .within_days = 3, .kind = "achievement", .price_min_fen = -1, .price_max_fen = -1 },
        { .domain = "D10", .region = "630100", .trl_min = 2, .mode = "transfer", .price_min_fen = -1, .price_max_fen = -1 },
    };
    for (int pass = 0; pass < 2; pass++)
        for (size_t t = 0; t < sizeof texts / sizeof *texts; t++)
            for (size_t f = 0; f < sizeof filters / sizeof *filters; f++)
                for (int studios = 0; studios < 2; studios++) {
                    kj_search_query q = { .q = texts[t], .filters = filters[f], .include_studios = studios, .page = 1, .per_page = 50 };
                    char *sql = answer(db, &q, false), *mem = answer(db, &q, true);
                    if (strcmp(sql, mem)) {
                        fprintf(stderr, "  text %zu filter %zu studios %d:\n  sql %s\n  mem %s\n", t, f, studios, sql, mem);
                        differ++;
                    }
                    if (!strstr(sql, "\"total\": 0")) (*nonempty)++;
                    (*compared)++;
                    free(sql);
                    free(mem);
                }
    return differ;
}

TEST(doc_codes_are_stable_and_bounded)
{
    kj_doc_cache *dc = kj_doc_cache_new();
    REQUIRE(dc != NULL);
    int a = kj_doc_code(dc, KJ_CODES_DOMAIN1, "Z98", 3, true);
    CHECK(a > 0);
    CHECK_INT(kj_doc_code(dc, KJ_CODES_DOMAIN1, "Z98xyz", 3, false), a);   /* len bytes only */
    CHECK_STR(kj_doc_code_name(dc, KJ_CODES_DOMAIN1, a), "Z98");
    CHECK_INT(kj_doc_code(dc, KJ_CODES_DOMAIN1, "Z97", 3, false), 0);       /* lookups never add */
    CHECK_INT(kj_doc_code(dc, KJ_CODES_DOMAIN1, "", 0, true), 0);
    CHECK_STR(kj_doc_code_name(dc, KJ_CODES_DOMAIN1, 0), "");
    /* The mode table is bounded by a 64-bit mask: the 65th new code is refused. */
    int last = 0;
    for (int i = 0; i < 70 && last >= 0; i++) {
        char code[16];
        snprintf(code, sizeof code, "mode%d", i);
        last = kj_doc_code(dc, KJ_CODES_MODE, code, strlen(code), true);
    }
    CHECK_INT(last, -1);
    kj_doc_cache_free(dc);
}

TEST(doc_attrs_from_row_reads_the_index_sizes)
{
    kj_doc_cache *dc = kj_doc_cache_new();
    REQUIRE(dc != NULL);
    /* FTS5 keeps a row's tokens per column as SQLite varints: 3, 300 (0x82 0x2c), 0, 10. */
    static const unsigned char sizes[] = { 0x03, 0x82, 0x2c, 0x00, 0x0a };
    kj_doc_row r = { .doc_kind = "listing", .kind = "achievement", .status = "published", .valid_until = "2030-01-31",
                     .trl = 7, .sizes = sizes, .sizes_len = sizeof sizes };
    kj_doc_attrs a;
    CHECK(kj_doc_attrs_from_row(dc, &r, &a));
    CHECK_INT(a.tokens, 313);
    CHECK_INT(a.hot.tokens, 313);
    CHECK_INT(a.valid_until, 20300131);
    CHECK_INT(a.trl, 7);
    CHECK(a.published && !a.studio);
    static const unsigned char cut[] = { 0x03, 0x82 };   /* a varint cut short */
    r.sizes = cut;
    r.sizes_len = sizeof cut;
    CHECK(kj_doc_attrs_from_row(dc, &r, &a));
    CHECK_INT(a.tokens, -1);
    kj_doc_cache_free(dc);
}
