/*
 * test_search_seam.c — issue 13: the search seam (search/backend.h) and the
 * browse filters described once (market/filters.h).
 *  - A store on SQLite gets the FTS5 backend, whose query syntax quotes
 *    every term (nothing a user types is FTS5 syntax) and whose index,
 *    scan and term statistics agree with one another on a scratch store.
 *  - Every filter of the table adds its own SQL with its own parameter, a
 *    request's or a saved search's values land in the query's member, and
 *    the route fields carry the table's bounds.
 */
#include "t.h"
#include "scratch.h"
#include "market/filters.h"
#include "search/backend.h"
#include "search/search.h"
#include "web/filter_fields.h"
#include <stdlib.h>

TEST(fts5_backend_quotes_terms_and_builds_typing_expressions)
{
    kj_buf e = { 0 };
    kj_search_fts5.add_term(&e, "a\"b", true);
    kj_search_fts5.add_term(&e, "NEAR(x", true);
    kj_search_fts5.add_term(&e, "y*", false);
    CHECK_STR(e.data, "\"a\"\"b\" AND \"NEAR(x\" OR \"y*\"");
    kj_buf_free(&e);
    char *terms[] = { "青", "稞" };
    char *t = kj_search_fts5.typing(terms, 2, true);
    CHECK_STR(t, "{title keywords} : (\"青\" AND \"稞\"*)");
    free(t);
    t = kj_search_fts5.typing(terms, 1, false);
    CHECK_STR(t, "{title keywords} : (\"青\")");
    free(t);
    CHECK(kj_search_fts5.typing(terms, 0, true) == NULL);
}

typedef struct { kj_search_scan scan; int64_t seen[8]; int n; } collect;

static int collect_visit(kj_search_scan *s, int64_t docno, int *ntok)
{
    (void)ntok;
    collect *c = (collect *)s;
    if (c->n < 8) c->seen[c->n++] = docno;
    return 1;
}

static void collect_scored(kj_search_scan *s, int64_t docno, double score) { (void)s; (void)docno; (void)score; }

TEST(fts5_backend_indexes_scans_and_counts)
{
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "seam") == 0);
    const kj_search_backend *sb = kj_search_backend_of(s.db);
    CHECK(sb == &kj_search_fts5);
    REQUIRE(kj_db_begin(s.db) == 0);
    kj_search_doc a = { "01AAAAAAAAAAAAAAAAAAAAAAAA", "studio", "储能电池热管理", "电池", "方案", "正文" };
    kj_search_doc b = { "01BBBBBBBBBBBBBBBBBBBBBBBB", "studio", "无人机巡检", "巡检", "", NULL };
    CHECK_INT(sb->add(s.db, &a), 0);
    CHECK_INT(sb->add(s.db, &b), 0);
    REQUIRE(kj_db_commit(s.db) == 0);
    int64_t na = sb->doc_number(s.db, a.doc_id), nb = sb->doc_number(s.db, b.doc_id);
    CHECK(na > 0 && nb > na);
    json_t *d = sb->doc_of(s.db, nb);
    CHECK_STR(json_string_value(json_object_get(d, "doc_id")), b.doc_id);
    json_decref(d);
    CHECK_INT(sb->max_docno(s.db), nb);
    int64_t rows = 0, tokens = 0;
    CHECK_INT(sb->totals(s.db, &rows, &tokens), 0);
    CHECK_INT(rows, 2);
    char *expr = kj_search_expr_in(kj_search_analyzer(s.db), sb, "电池", 6, 8, true, NULL, NULL);
    REQUIRE(expr != NULL);
    collect c = { .scan = { collect_visit, collect_scored, { 15, 12, 10, 1 }, NULL } };
    CHECK_INT(sb->scan(s.db, expr, false, 0, &c.scan), 1);
    CHECK_INT(c.n, 1);
    CHECK_INT(c.seen[0], na);
    CHECK(sb->term_docs(s.db, "电池") >= 1);
    free(expr);
    /* Removed: gone from the index, logged for the bitmaps, its number never reused. */
    int64_t seq = sb->removed_seq(s.db);
    REQUIRE(kj_db_begin(s.db) == 0);
    CHECK_INT(sb->remove(s.db, a.doc_id), 0);
    CHECK_INT(sb->remove(s.db, a.doc_id), 0);   /* not indexed: nothing to do */
    CHECK_INT(sb->add(s.db, &a), 0);
    REQUIRE(kj_db_commit(s.db) == 0);
    CHECK_INT(sb->removed_seq(s.db), seq + 1);
    CHECK(sb->doc_number(s.db, a.doc_id) > nb);
    CHECK(sb->doc_of(s.db, na) == NULL);
    kj_scratch_close(&s);
}

TEST(each_browse_filter_adds_its_own_sql)
{
    CHECK_INT(KJ_NLISTING_FILTERS, 9);
    for (int i = 0; i < KJ_NLISTING_FILTERS; i++) {
        const kj_listing_filter *f = &kj_listing_filters[i];
        kj_listing_query q;
        memset(&q, 0, sizeof q);
        q.price_min_fen = q.price_max_fen = -1;
        kj_buf sql = { 0 };
        json_t *params = json_array();
        f->sql(&q, &sql, params);
        CHECK_INT(json_array_size(params), 0);   /* unset: nothing */
        CHECK(!f->active(&q));
        f->set(&q, "D0101", 5);
        CHECK(f->active(&q));
        f->sql(&q, &sql, params);
        CHECK_INT(json_array_size(params), 1);
        CHECK(sql.data && !strncmp(sql.data, " AND ", 5));
        /* and no other filter of the table sees it */
        for (int j = 0; j < KJ_NLISTING_FILTERS; j++) {
            if (j == i) continue;
            size_t before = json_array_size(params);
            kj_listing_filters[j].sql(&q, &sql, params);
            CHECK_INT(json_array_size(params), before);
        }
        kj_buf_free(&sql);
        json_decref(params);
    }
}

TEST(browse_filter_route_fields_follow_the_table)
{
    static const kj_field fields[] = { KJ_FILTER_FIELDS KJ_FIELDS_END };
    int n = 0;
    for (const kj_field *f = fields; f->name; f++, n++) {
        const kj_listing_filter *t = &kj_listing_filters[n];
        CHECK_STR(f->name, t->name);
        CHECK_INT(f->min, t->min);
        CHECK_INT(f->max, t->max);
        CHECK_INT(f->type, t->value == KJ_FILTER_INT ? KJ_F_INT : KJ_F_TEXT);
    }
    CHECK_INT(n, KJ_NLISTING_FILTERS);
}

TEST(saved_search_filters_read_back_through_the_table)
{
    json_t *in = json_pack("{s:s, s:s, s:i, s:i, s:s, s:s, s:s, s:i}", "domain", "D01", "region", "510000", "trl_min", 3,
                           "trl_max", 7, "mode", "transfer", "price_min", "10", "price_max", "x", "within", 30);
    kj_listing_query q;
    memset(&q, 0, sizeof q);
    q.price_min_fen = q.price_max_fen = -1;
    kj_listing_filters_from_json(&q, in);
    CHECK_STR(q.domain, "D01");
    CHECK_STR(q.region, "510000");
    CHECK_INT(q.trl_min, 3);
    CHECK_INT(q.trl_max, 7);
    CHECK_STR(q.mode, "transfer");
    CHECK_INT(q.price_min_fen, 10 * 10000 * 100);
    CHECK_INT(q.price_max_fen, -1);   /* not a sum of 万元: ignored */
    CHECK_INT(q.within_days, 0);      /* a saved search keeps no recency */
    json_decref(in);
}

TEST(doc_attrs_take_a_length_from_a_backend_without_fts5_records)
{
    kj_doc_cache *dc = kj_doc_cache_new();
    REQUIRE(dc != NULL);
    kj_doc_row r = { .doc_kind = "listing", .kind = "achievement", .status = "published", .valid_until = "2030-01-31",
                     .tokens = 42 };
    kj_doc_attrs a;
    CHECK(kj_doc_attrs_from_row(dc, &r, &a));
    CHECK_INT(a.tokens, 42);
    CHECK_INT(a.hot.tokens, 42);
    r.tokens = 0;   /* unknown: the ranking reads it from the index */
    CHECK(kj_doc_attrs_from_row(dc, &r, &a));
    CHECK_INT(a.tokens, -1);
    kj_doc_cache_free(dc);
}
