/*
 * fts5_backend.c — the search backend on SQLite FTS5 (backend.h): every
 * statement that names search_fts, search_docs, search_vocab or
 * search_removed, and FTS5's query syntax. The ranking functions it calls
 * (kj_bm25, kj_scan) are in fts5_rank.c.
 *
 * Query syntax: each analysed term becomes a double-quoted FTS5 string with
 * any '"' doubled, so nothing a user types is FTS5 syntax; terms are joined
 * with AND or OR.
 */
#include "search/fts5/fts5.h"
#include "core/clock.h"
#include "core/origin.h"
#include "search/search.h"
#include <stdlib.h>
#include <string.h>

/* ---- the index ---- */

static int fts5_remove(kj_db *db, const char *doc_id)
{
    int64_t rowid = kj_db_int(db, 0, "SELECT rowid FROM search_docs WHERE doc_id = ?", "s", doc_id);
    if (!rowid) return 0;
    if (kj_db_exec(db, "INSERT INTO search_removed(doc_rowid) VALUES (?)", "i", rowid) < 0) return -1;
    if (kj_db_exec(db, "DELETE FROM search_fts WHERE rowid = ?", "i", rowid) < 0) return -1;
    return kj_db_exec(db, "DELETE FROM search_docs WHERE rowid = ?", "i", rowid) < 0 ? -1 : 0;
}

static int fts5_add(kj_db *db, const kj_search_doc *d)
{
    /* Key terms are computed when a match first needs them (kj_search_doc_terms),
     * which keeps bulk indexing to one analysis of the text.
     * No RETURNING (nor upsert) here: such a statement opens a statement
     * savepoint, and FTS5 flushes its pending terms to a new segment at
     * every savepoint — once per document in a bulk import, which then
     * spends a sixth of its time writing and merging tiny segments. */
    if (kj_db_exec(db, "INSERT INTO search_docs(doc_id, doc_kind, terms, indexed_at) VALUES (?,?,'null',?)",
                   "ssi", d->doc_id, d->doc_kind, kj_now_ms()) != 1) return -1;
    int64_t rowid = kj_db_int(db, 0, "SELECT last_insert_rowid()", "");
    if (!rowid) return -1;
    return kj_db_exec(db, "INSERT INTO search_fts(rowid, title, keywords, summary, body) VALUES (?,?,?,?,?)",
                      "issss", rowid, d->title ? d->title : "", d->keywords ? d->keywords : "",
                      d->summary ? d->summary : "", d->body ? d->body : "") < 0 ? -1 : 0;
}

static int fts5_clear(kj_db *db)
{
    return kj_db_exec(db, "INSERT INTO search_removed(doc_rowid) SELECT rowid FROM search_docs", "") < 0 ||
           kj_db_exec(db, "DELETE FROM search_fts", "") < 0 || kj_db_exec(db, "DELETE FROM search_docs", "") < 0 ? -1 : 0;
}

static int fts5_optimize(kj_db *db)
{
    return kj_db_exec(db, "INSERT INTO search_fts(search_fts) VALUES ('optimize')", "") < 0 ? -1 : 0;
}

/* ---- documents ---- */

static int64_t fts5_doc_number(kj_db *db, const char *doc_id)
{
    return kj_db_int(db, 0, "SELECT rowid FROM search_docs WHERE doc_id = ?", "s", doc_id);
}

static json_t *fts5_doc_of(kj_db *db, int64_t docno)
{
    return kj_db_row(db, "SELECT doc_id, doc_kind FROM search_docs WHERE rowid = ?", "i", docno);
}

static json_t *fts5_terms_get(kj_db *db, const char *doc_id)
{
    return kj_db_row(db, "SELECT doc_kind, terms AS t__json FROM search_docs WHERE doc_id = ?", "s", doc_id);
}

static void fts5_terms_put(kj_db *db, const char *doc_id, json_t *terms)
{
    /* Best effort: the terms are a cache, computed again when missing. */
    kj_db_exec_optional(db, "key-term cache", "UPDATE search_docs SET terms = ? WHERE doc_id = ?", "js", terms, doc_id);
}

static int64_t fts5_unindexed(kj_db *db, const char *today)
{
    return kj_db_int(db, 0, "SELECT count(*) FROM listings l WHERE l.status = 'published' AND l.valid_until >= ? "
                            "AND NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.doc_id = l.id)", "s", today);
}

static json_t *fts5_stats(kj_db *db)
{
    return json_pack("{s:I, s:I, s:I}",
        "documents", (json_int_t)kj_db_int(db, 0, "SELECT count(*) FROM search_docs", ""),
        "listings", (json_int_t)kj_db_int(db, 0, "SELECT count(*) FROM search_docs WHERE doc_kind = 'listing'", ""),
        "studios", (json_int_t)kj_db_int(db, 0, "SELECT count(*) FROM search_docs WHERE doc_kind = 'studio'", ""));
}

#define SQL_ATTRS \
    "SELECT d.rowid, d.doc_kind, l.kind, l.domain1, l.domain, l.region_province, l.region_city, l.region, " \
    "coalesce(l.trl, l.trl_min), (SELECT group_concat(m.mode) FROM listing_modes m WHERE m.listing_id = l.id), " \
    "l.price_min_fen, l.price_max_fen, l.published_at, l.valid_until, l.status, z.sz " \
    "FROM search_docs d LEFT JOIN listings l INDEXED BY listings_search ON l.id = d.doc_id AND d.doc_kind = 'listing' " \
    "LEFT JOIN search_fts_docsize z ON z.id = d.rowid "

/* The row's token counts per column come as FTS5 keeps them (the
 * %_docsize record of varints), which kj_doc_attrs_from_row reads. */
static int64_t fts5_attrs(kj_db *db, int64_t after, int64_t only, int64_t limit,
                          bool (*fn)(void *ctx, int64_t docno, const kj_doc_row *r), void *ctx)
{
    kj_stmt *st = only > 0 ? kj_db_prepare(db, SQL_ATTRS "WHERE d.rowid = ?", "i", only)
                           : kj_db_prepare(db, SQL_ATTRS "WHERE d.rowid > ? ORDER BY d.rowid LIMIT ?", "ii", after, limit);
    if (!st) return -1;
    int64_t n = 0;
    int rc;
    while ((rc = kj_stmt_step(db, st)) == KJ_DB_ROW) {
        char *text[14] = { 0 };
        for (int c = 1; c <= 14; c++) {
            if (c == 8 || c == 10 || c == 11 || c == 12) continue;
            size_t len;
            const char *v = kj_stmt_text(db, st, c, &len);
            if (v) text[c - 1] = strndup(v, len);
        }
        kj_doc_row r = {
            .doc_kind = text[0], .kind = text[1], .domain1 = text[2], .domain = text[3], .province = text[4],
            .city = text[5], .region = text[6], .trl = kj_stmt_int(db, st, 8, 0), .modes_csv = text[8],
            .has_price_min = kj_stmt_int(db, st, 10, INT64_MIN) != INT64_MIN, .price_min = kj_stmt_int(db, st, 10, 0),
            .has_price_max = kj_stmt_int(db, st, 11, INT64_MIN) != INT64_MIN, .price_max = kj_stmt_int(db, st, 11, 0),
            .has_published_at = kj_stmt_int(db, st, 12, INT64_MIN) != INT64_MIN, .published_at = kj_stmt_int(db, st, 12, 0),
            .valid_until = text[12], .status = text[13],
        };
        size_t sizes_len = 0;
        r.sizes = (const unsigned char *)kj_stmt_text(db, st, 15, &sizes_len);
        r.sizes_len = sizes_len;
        bool go_on = fn(ctx, kj_stmt_int(db, st, 0, 0), &r);
        for (int c = 0; c < 14; c++) free(text[c]);
        n++;
        if (!go_on) { n = 0; break; }
    }
    kj_stmt_finish(db, st);
    return rc < 0 ? -1 : n;
}

/* ---- query expressions ---- */

static void quote_term(kj_buf *expr, const char *term, const char *op)
{
    if (expr->len) kj_buf_puts(expr, op);
    kj_buf_puts(expr, "\"");
    for (const char *p = term; *p; p++) {
        if (*p == '"') kj_buf_puts(expr, "\"\"");
        else kj_buf_append(expr, p, 1);
    }
    kj_buf_puts(expr, "\"");
}

void kj_fts5_add_term(kj_buf *expr, const char *term, bool all)
{
    quote_term(expr, term, all ? " AND " : " OR ");
}

/* all: (("t1" AND "t2") OR "form one" OR "form two"); any: the same terms
 * and forms OR'd into the rest. A quoted form of several words is a
 * phrase (the tokenizer splits it). */
void kj_fts5_add_group(kj_buf *expr, char *const *terms, int n, const char *const *forms, int nforms, bool all)
{
    if (!all) {
        for (int i = 0; i < n; i++) quote_term(expr, terms[i], " OR ");
        for (int i = 0; i < nforms; i++) quote_term(expr, forms[i], " OR ");
        return;
    }
    kj_buf inner = { 0 };
    for (int i = 0; i < n; i++) quote_term(&inner, terms[i], " AND ");
    if (expr->len) kj_buf_puts(expr, " AND ");
    kj_buf_puts(expr, "((");
    if (inner.len) kj_buf_append(expr, inner.data, inner.len);
    kj_buf_puts(expr, ")");
    kj_buf_free(&inner);
    for (int i = 0; i < nforms; i++) {
        kj_buf_puts(expr, " OR ");
        kj_buf form = { 0 };
        quote_term(&form, forms[i], "");
        kj_buf_append(expr, form.data, form.len);
        kj_buf_free(&form);
    }
    kj_buf_puts(expr, ")");
}

char *kj_fts5_typing(char *const *terms, int n, bool last_prefix)
{
    kj_buf expr = { 0 };
    kj_buf_puts(&expr, "{title keywords} : (");
    size_t empty = expr.len;
    for (int i = 0; i < n; i++) {
        kj_buf inner = { 0 };
        quote_term(&inner, terms[i], "");
        if (expr.len > empty) kj_buf_puts(&expr, " AND ");
        kj_buf_append(&expr, inner.data, inner.len);
        if (i == n - 1 && last_prefix) kj_buf_puts(&expr, "*");
        kj_buf_free(&inner);
    }
    if (expr.len == empty) { kj_buf_free(&expr); return NULL; }
    kj_buf_puts(&expr, ")");
    return kj_buf_steal(&expr, NULL);
}

/* ---- queries ---- */

/* FROM + WHERE of the filtered scan: the full-text match under the
 * browse filters (kj_listing_filter_sql). */
static void search_where(const kj_listing_query *f, const char *expr, kj_buf *sql, json_t *params, bool studios)
{
    /* CROSS JOIN keeps the full-text match as the driving loop: otherwise the
     * planner may walk every published listing of a filter and test MATCH row
     * by row. Without studios the listing filter turns a LEFT JOIN into an
     * inner join that the planner may reorder, so it is a CROSS JOIN too.
     * listings_search (migration 015) holds every column read here; without
     * ANALYZE statistics the planner would take the primary key and read
     * each listing's row, long description and all. */
    kj_buf_puts(sql, " FROM search_fts CROSS JOIN search_docs d ON d.rowid = search_fts.rowid ");
    kj_buf_puts(sql, studios ? "LEFT JOIN listings l INDEXED BY listings_search ON l.id = d.doc_id AND d.doc_kind = 'listing' "
                             : "CROSS JOIN listings l INDEXED BY listings_search ON l.id = d.doc_id AND d.doc_kind = 'listing' ");
    kj_buf_puts(sql, "WHERE search_fts MATCH ? AND (");
    json_array_append_new(params, json_string(expr));
    if (studios && f->origin) {
        /* A studio of the origin asked for (core/origin.h). */
        kj_buf_puts(sql, "(d.doc_kind = 'studio' AND EXISTS (SELECT 1 FROM studios s WHERE s.id = d.doc_id");
        kj_origin_filter_sql(sql, params, "s.origin", f->origin);
        kj_buf_puts(sql, ")) OR ");
    } else if (studios) kj_buf_puts(sql, "d.doc_kind = 'studio' OR ");
    kj_buf_puts(sql, "(d.doc_kind = 'listing'");
    kj_listing_filter_sql(f, sql, params);
    kj_buf_puts(sql, "))");
}

static int64_t fts5_scan_filtered(kj_db *db, const char *expr, const kj_listing_query *f, bool studios, const char *counts,
                                  void (*fn)(void *ctx, const kj_search_facet_row *facets, int64_t docno, double score), void *ctx)
{
    /* The column weights are the search module's ranking policy (kj_bm25_weights). */
    kj_buf sql = { 0 };
    json_t *params = json_array();
    kj_buf_printf(&sql, "SELECT coalesce(l.kind, d.doc_kind), l.domain1, l.region_province, coalesce(l.trl, l.trl_min), "
                        "d.rowid, -kj_bm25(search_fts, %s, ?, %.17g)", kj_bm25_weights, kj_bm25_b);
    json_array_append_new(params, counts ? json_string(counts) : json_null());
    search_where(f, expr, &sql, params, studios);
    kj_stmt *st = kj_db_prepare_j(db, sql.data, params);
    kj_buf_free(&sql);
    json_decref(params);
    if (!st) return -1;
    int64_t total = 0;
    int rc;
    while ((rc = kj_stmt_step(db, st)) == KJ_DB_ROW) {
        total++;
        kj_search_facet_row row;
        for (int c = 0; c < 4; c++) row.value[c] = kj_stmt_text(db, st, c, &row.len[c]);
        fn(ctx, &row, kj_stmt_int(db, st, 4, 0), kj_stmt_double(db, st, 5, 0));
    }
    kj_stmt_finish(db, st);
    return rc < 0 ? -1 : total;
}

/* The documents of a page as one JSON array text, "[n1,n2,…]": a single
 * statement text whatever their number (json_each), which the connection's
 * statement cache keeps. */
char *kj_fts5_docno_list(const int64_t *docnos, int n)
{
    kj_buf b = { 0 };
    kj_buf_puts(&b, "[");
    for (int i = 0; i < n; i++) kj_buf_printf(&b, "%s%lld", i ? "," : "", (long long)docnos[i]);
    kj_buf_puts(&b, "]");
    return kj_buf_steal(&b, NULL);
}

/* Steps st, whose last column is the document number (named docno), and
 * puts each row (without that column) at its document's place in a new
 * array of n (JSON null where no row came). NULL on error. */
static json_t *rows_by_docno(kj_db *db, kj_stmt *st, const int64_t *docnos, int n)
{
    json_t *out = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(out, json_null());
    int rc;
    while ((rc = kj_stmt_step(db, st)) == KJ_DB_ROW) {
        json_t *row = kj_stmt_row_json(db, st);
        int64_t docno = json_integer_value(json_object_get(row, "docno"));
        json_object_del(row, "docno");
        int i = 0;
        while (i < n && docnos[i] != docno) i++;
        if (i < n) json_array_set(out, (size_t)i, row);
        json_decref(row);
    }
    kj_stmt_finish(db, st);
    if (rc < 0) { json_decref(out); return NULL; }
    return out;
}

static json_t *fts5_hits(kj_db *db, const int64_t *docnos, int n)
{
    char *list = kj_fts5_docno_list(docnos, n);
    kj_stmt *st = kj_db_prepare(db, "SELECT d.doc_id AS id, d.doc_kind, "
                                    "f.title AS f0, f.keywords AS f1, f.summary AS f2, f.body AS f3, "
                                    KJ_SEARCH_HIT_LISTING_COLUMNS ", " KJ_SEARCH_HIT_STUDIO_COLUMNS ", d.rowid AS docno"
                                    " FROM search_docs d CROSS JOIN search_fts f ON f.rowid = d.rowid "
                                    "LEFT JOIN listings l ON l.id = d.doc_id AND d.doc_kind = 'listing' "
                                    "LEFT JOIN domains dm ON dm.code = l.domain LEFT JOIN regions rg ON rg.code = l.region "
                                    "LEFT JOIN orgs og ON og.id = l.org_id "
                                    "LEFT JOIN studios s ON s.id = d.doc_id AND d.doc_kind = 'studio' "
                                    "WHERE d.rowid IN (SELECT value FROM json_each(?))", "s", list);
    free(list);
    return st ? rows_by_docno(db, st, docnos, n) : NULL;
}

static json_t *fts5_snippets(kj_db *db, const char *expr, const int64_t *docnos, int n)
{
    char *list = kj_fts5_docno_list(docnos, n);
    kj_stmt *st = kj_db_prepare(db, "SELECT snippet(search_fts, -1, char(2), char(3), '…', 24) AS snippet, rowid AS docno "
                                    "FROM search_fts WHERE search_fts MATCH ? AND rowid IN (SELECT value FROM json_each(?))",
                                "ss", expr, list);
    free(list);
    json_t *rows = st ? rows_by_docno(db, st, docnos, n) : NULL;
    /* Each row's snippet, not the row. */
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
        if (json_is_object(r)) json_array_set(rows, i, json_object_get(r, "snippet"));
    return rows;
}

static json_t *fts5_suggest(kj_db *db, const char *expr, int limit)
{
    /* Newest first: FTS5 walks its doclists from the highest rowid and stops
     * at the limit, so a common prefix costs no more than a rare one. */
    return kj_db_rows(db, "SELECT l.id, l.kind, l.title, l.keywords AS kw__json FROM search_fts "
                          "CROSS JOIN search_docs d ON d.rowid = search_fts.rowid "
                          "CROSS JOIN listings l ON l.id = d.doc_id AND d.doc_kind = 'listing' "
                          "WHERE search_fts MATCH ? AND l.status = 'published' "
                          "ORDER BY search_fts.rowid DESC LIMIT ?", "si", expr, (int64_t)limit);
}

static bool fts5_doc_matches(kj_db *db, const char *expr, const char *doc_id, const kj_listing_query *f)
{
    kj_buf sql = { 0 };
    json_t *params = json_array();
    kj_buf_puts(&sql, "SELECT count(*) FROM search_fts JOIN search_docs d ON d.rowid = search_fts.rowid "
                      "JOIN listings l ON l.id = d.doc_id WHERE search_fts MATCH ? AND d.doc_id = ?");
    json_array_append_new(params, json_string(expr));
    json_array_append_new(params, json_string(doc_id));
    kj_listing_filter_sql(f, &sql, params);
    bool hit = kj_db_int_j(db, 0, sql.data, params) > 0;
    kj_buf_free(&sql);
    json_decref(params);
    return hit;
}

/* ---- term statistics ---- */

static int64_t fts5_term_docs(kj_db *db, const char *term)
{
    /* A term in no document has no vocabulary row: 0. */
    return kj_db_int(db, 0, "SELECT doc FROM search_vocab WHERE term = ?", "s", term);
}

static json_t *fts5_frequent_terms(kj_db *db, int64_t min_docs)
{
    return kj_db_rows(db, "SELECT term, doc FROM search_vocab WHERE doc >= ?", "i", min_docs);
}

static int64_t fts5_max_docno(kj_db *db)
{
    /* max(rowid) is one B-tree descent; count(*) would walk the table.
     * Deleted documents leave gaps, so this errs high. */
    kj_stmt *st = kj_db_prepare(db, "SELECT coalesce(max(rowid), 0) FROM search_docs", "");
    if (!st) return -1;
    int64_t n = kj_stmt_step(db, st) == KJ_DB_ROW ? kj_stmt_int(db, st, 0, 0) : -1;
    kj_stmt_finish(db, st);
    return n;
}

/* ---- the removal log ---- */

static int64_t fts5_removed_seq(kj_db *db)
{
    return kj_db_int(db, -1, "SELECT coalesce(max(seq), 0) FROM search_removed", "");
}

static int fts5_removed_since(kj_db *db, int64_t seq, void (*fn)(void *ctx, int64_t seq, int64_t docno), void *ctx)
{
    kj_stmt *st = kj_db_prepare(db, "SELECT seq, doc_rowid FROM search_removed WHERE seq > ? ORDER BY seq", "i", seq);
    if (!st) return -1;
    int rc;
    while ((rc = kj_stmt_step(db, st)) == KJ_DB_ROW) fn(ctx, kj_stmt_int(db, st, 0, seq), kj_stmt_int(db, st, 1, 0));
    kj_stmt_finish(db, st);
    return rc < 0 ? -1 : 0;
}

static void fts5_removed_prune(kj_db *db, int64_t seq)
{
    /* Best effort: entries left behind are read by no one and go with the next build. */
    kj_db_exec_optional(db, "old removals", "DELETE FROM search_removed WHERE seq <= ?", "i", seq);
}

const kj_search_backend kj_search_fts5 = {
    .name = "fts5",
    .store = "sqlite",
    .conn_hook = kj_search_conn_hook,
    .add = fts5_add,
    .remove = fts5_remove,
    .clear = fts5_clear,
    .optimize = fts5_optimize,
    .doc_number = fts5_doc_number,
    .doc_of = fts5_doc_of,
    .terms_get = fts5_terms_get,
    .terms_put = fts5_terms_put,
    .unindexed = fts5_unindexed,
    .stats = fts5_stats,
    .attrs = fts5_attrs,
    .add_term = kj_fts5_add_term,
    .add_group = kj_fts5_add_group,
    .typing = kj_fts5_typing,
    .scan = kj_fts5_scan_run,
    .scan_filtered = fts5_scan_filtered,
    .hits = fts5_hits,
    .snippets = fts5_snippets,
    .suggest = fts5_suggest,
    .doc_matches = fts5_doc_matches,
    .term_docs = fts5_term_docs,
    .frequent_terms = fts5_frequent_terms,
    .max_docno = fts5_max_docno,
    .totals = kj_fts5_totals,
    .removed_seq = fts5_removed_seq,
    .removed_since = fts5_removed_since,
    .removed_prune = fts5_removed_prune,
};
