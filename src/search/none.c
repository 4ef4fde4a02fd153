/*
 * none.c — the search backend of a store that has no full-text engine of
 * its own yet (PostgreSQL, until its search lands: issue 16): it indexes
 * nothing and finds nothing, and says so in its statistics, so that every
 * other feature (publishing, deals, accounts) runs on such a store while
 * search answers empty lists instead of failing each write that would
 * touch the index. See backend.h for each function's contract.
 */
#include "search/backend.h"
#include <stdlib.h>

static int none_ok(kj_db *db, ...) { (void)db; return 0; }
static int none_add(kj_db *db, const kj_search_doc *d) { (void)d; return none_ok(db); }
static int none_remove(kj_db *db, const char *doc_id) { (void)doc_id; return none_ok(db); }
static int none_clear(kj_db *db) { return none_ok(db); }
static int64_t none_doc_number(kj_db *db, const char *doc_id) { (void)db; (void)doc_id; return 0; }
static json_t *none_doc_of(kj_db *db, int64_t docno) { (void)db; (void)docno; return NULL; }
static json_t *none_terms_get(kj_db *db, const char *doc_id) { (void)db; (void)doc_id; return NULL; }
static void none_terms_put(kj_db *db, const char *doc_id, json_t *terms) { (void)db; (void)doc_id; (void)terms; }
static int64_t none_unindexed(kj_db *db, const char *today) { (void)db; (void)today; return 0; }
static json_t *none_stats(kj_db *db)
{
    (void)db;
    return json_pack("{s:i, s:i, s:i, s:s}", "documents", 0, "listings", 0, "studios", 0, "engine", "none");
}
static int64_t none_attrs(kj_db *db, int64_t after, int64_t only, int64_t limit,
                          bool (*fn)(void *ctx, int64_t docno, const kj_doc_row *r), void *ctx)
{
    (void)db; (void)after; (void)only; (void)limit; (void)fn; (void)ctx;
    return 0;
}
/* Expressions stay well-formed text (callers test them for emptiness). */
static void none_add_term(kj_buf *expr, const char *term, bool all)
{
    if (expr->len) kj_buf_puts(expr, all ? " AND " : " OR ");
    kj_buf_puts(expr, term);
}
static char *none_typing(char *const *terms, int n, bool last_prefix)
{
    (void)last_prefix;
    kj_buf expr = { 0 };
    for (int i = 0; i < n; i++) none_add_term(&expr, terms[i], true);
    return expr.len ? kj_buf_steal(&expr, NULL) : (kj_buf_free(&expr), NULL);
}
static int64_t none_scan(kj_db *db, const char *expr, bool newest_first, int64_t stop_after, kj_search_scan *s)
{
    (void)db; (void)expr; (void)newest_first; (void)stop_after; (void)s;
    return 0;
}
static int64_t none_scan_filtered(kj_db *db, const char *expr, const kj_listing_query *f, bool studios, const char *counts,
                                  void (*fn)(void *ctx, const kj_search_facet_row *facets, int64_t docno, double score), void *ctx)
{
    (void)db; (void)expr; (void)f; (void)studios; (void)counts; (void)fn; (void)ctx;
    return 0;
}
static json_t *nulls(int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_null());
    return a;
}
static json_t *none_hits(kj_db *db, const int64_t *docnos, int n) { (void)db; (void)docnos; return nulls(n); }
static json_t *none_snippets(kj_db *db, const char *expr, const int64_t *docnos, int n)
{
    (void)db; (void)expr; (void)docnos;
    return nulls(n);
}
static json_t *none_suggest(kj_db *db, const char *expr, int limit) { (void)db; (void)expr; (void)limit; return json_array(); }
static bool none_doc_matches(kj_db *db, const char *expr, const char *doc_id, const kj_listing_query *f)
{
    (void)db; (void)expr; (void)doc_id; (void)f;
    return false;
}
static int64_t none_term_docs(kj_db *db, const char *term) { (void)db; (void)term; return 0; }
static json_t *none_frequent_terms(kj_db *db, int64_t min_docs) { (void)db; (void)min_docs; return json_array(); }
static int64_t none_max_docno(kj_db *db) { (void)db; return 0; }
static int none_totals(kj_db *db, int64_t *rows, int64_t *tokens) { (void)db; *rows = *tokens = 0; return 0; }
static int64_t none_removed_seq(kj_db *db) { (void)db; return 0; }
static int none_removed_since(kj_db *db, int64_t seq, void (*fn)(void *ctx, int64_t seq, int64_t docno), void *ctx)
{
    (void)db; (void)seq; (void)fn; (void)ctx;
    return 0;
}
static void none_removed_prune(kj_db *db, int64_t seq) { (void)db; (void)seq; }

const kj_search_backend kj_search_none = {
    .name = "none",
    .store = "postgresql",
    .conn_hook = NULL,
    .add = none_add, .remove = none_remove, .clear = none_clear, .optimize = none_clear,
    .doc_number = none_doc_number, .doc_of = none_doc_of,
    .terms_get = none_terms_get, .terms_put = none_terms_put,
    .unindexed = none_unindexed, .stats = none_stats, .attrs = none_attrs,
    .add_term = none_add_term, .typing = none_typing,
    .scan = none_scan, .scan_filtered = none_scan_filtered,
    .hits = none_hits, .snippets = none_snippets, .suggest = none_suggest, .doc_matches = none_doc_matches,
    .term_docs = none_term_docs, .frequent_terms = none_frequent_terms,
    .max_docno = none_max_docno, .totals = none_totals,
    .removed_seq = none_removed_seq, .removed_since = none_removed_since, .removed_prune = none_removed_prune,
};
