/*
 * fts5_local.c — the search backend of a shared database (PostgreSQL):
 * the FTS5 backend (fts5_backend.c) run on the node's local copy of the
 * index (search/local.h), with the rows a search shows read from the
 * database by id. See backend.h for each function's contract.
 *
 * Every question about the index (documents, terms, scans, snippets,
 * statistics, the removal log) is kj_search_fts5's own function on the
 * copy's connection paired with the caller's (kj_search_local_db). The
 * FTS5 backend's statements that join the index with listings, studios,
 * domains, regions or organizations are split in two here: the document
 * numbers and ids from the copy, then the rows from the database in one
 * statement per page ("WHERE id IN (…)", padded to a power of two so that
 * a connection's statement cache keeps a few texts), merged in C into
 * exactly the rows the FTS5 backend returns.
 *
 * Writes (add, remove, clear) go to the copy inside a local transaction
 * paired with the caller's (local.h); the database gets its search outbox
 * entry from search.c, in its own transaction.
 */
#include "search/fts5/fts5.h"
#include "search/local.h"
#include "search/scan.h"
#include "search/search.h"
#include "core/json_util.h"
#include "core/origin.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define F kj_search_fts5

/* The copy's connection for db; every call checks it after use. */
#define LOCAL(db) kj_search_local_db(db)
#define CHECK(db, l) kj_search_local_check(db, l)

/* ---- the index ---- */

static int local_add(kj_db *db, const kj_search_doc *d)
{
    kj_db *l = LOCAL(db);
    int rc = kj_search_local_write(db, l) ? F.add(l, d) : 0;
    CHECK(db, l);
    return kj_db_failed(db) ? -1 : rc;
}

static int local_remove(kj_db *db, const char *doc_id)
{
    kj_db *l = LOCAL(db);
    int rc = kj_search_local_write(db, l) ? F.remove(l, doc_id) : 0;
    CHECK(db, l);
    return kj_db_failed(db) ? -1 : rc;
}

static int local_clear(kj_db *db)
{
    kj_db *l = LOCAL(db);
    int rc = kj_search_local_write(db, l) ? F.clear(l) : 0;
    CHECK(db, l);
    return kj_db_failed(db) ? -1 : rc;
}

static int local_optimize(kj_db *db)
{
    kj_db *l = LOCAL(db);
    int rc = F.optimize(l);
    CHECK(db, l);
    return rc;
}

/* One index question on the copy, its failure told to db. */
#define ON_COPY(type, call) \
    do { kj_db *l = LOCAL(db); type r_ = call; CHECK(db, l); return r_; } while (0)

static int64_t local_doc_number(kj_db *db, const char *doc_id) { ON_COPY(int64_t, F.doc_number(l, doc_id)); }
static json_t *local_doc_of(kj_db *db, int64_t docno) { ON_COPY(json_t *, F.doc_of(l, docno)); }
static json_t *local_terms_get(kj_db *db, const char *doc_id) { ON_COPY(json_t *, F.terms_get(l, doc_id)); }
static void local_terms_put(kj_db *db, const char *doc_id, json_t *terms)
{
    kj_db *l = LOCAL(db);
    F.terms_put(l, doc_id, terms);   /* a cache: failure only logged */
}
static json_t *local_stats(kj_db *db) { ON_COPY(json_t *, F.stats(l)); }
static int64_t local_scan(kj_db *db, const char *expr, bool newest_first, int64_t stop_after, kj_search_scan *s)
{
    ON_COPY(int64_t, F.scan(l, expr, newest_first, stop_after, s));
}
static json_t *local_snippets(kj_db *db, const char *expr, const int64_t *docnos, int n) { ON_COPY(json_t *, F.snippets(l, expr, docnos, n)); }
static int64_t local_term_docs(kj_db *db, const char *term) { ON_COPY(int64_t, F.term_docs(l, term)); }
static json_t *local_frequent_terms(kj_db *db, int64_t min_docs) { ON_COPY(json_t *, F.frequent_terms(l, min_docs)); }
static int64_t local_max_docno(kj_db *db) { ON_COPY(int64_t, F.max_docno(l)); }
static int local_totals(kj_db *db, int64_t *rows, int64_t *tokens) { ON_COPY(int, F.totals(l, rows, tokens)); }
static int64_t local_removed_seq(kj_db *db) { ON_COPY(int64_t, F.removed_seq(l)); }
static int local_removed_since(kj_db *db, int64_t seq, void (*fn)(void *ctx, int64_t seq, int64_t docno), void *ctx)
{
    ON_COPY(int, F.removed_since(l, seq, fn, ctx));
}
static void local_removed_prune(kj_db *db, int64_t seq)
{
    kj_db *l = LOCAL(db);
    F.removed_prune(l, seq);
}

/* ---- rows by id from the database ---- */

/* Appends "(?, ?, …)" for the ids (strings) to sql and the ids to params,
 * padded with NULLs to a power of two (a NULL matches no id). */
static void in_list(kj_buf *sql, json_t *params, json_t *ids, size_t from, size_t n)
{
    size_t padded = 1;
    while (padded < n) padded *= 2;
    kj_buf_puts(sql, "(");
    for (size_t i = 0; i < padded; i++) {
        kj_buf_puts(sql, i ? ", ?" : "?");
        json_array_append(params, i < n ? json_array_get(ids, from + i) : json_null());
    }
    kj_buf_puts(sql, ")");
}

/* Rows of select (which ends where "IN (…)" goes, and whose first column
 * is the id, named kj_id) for the ids, keyed by id; where is appended
 * after the list (with its params). In chunks of 500. NULL on error. */
static json_t *rows_by_id(kj_db *db, const char *select, json_t *ids, const char *where_sql, json_t *where_params)
{
    json_t *out = json_object();
    for (size_t from = 0; from < json_array_size(ids); from += 500) {
        size_t n = json_array_size(ids) - from < 500 ? json_array_size(ids) - from : 500;
        kj_buf sql = { 0 };
        json_t *params = json_array();
        kj_buf_puts(&sql, select);
        in_list(&sql, params, ids, from, n);
        if (where_sql) kj_buf_puts(&sql, where_sql);
        if (where_params) json_array_extend(params, where_params);
        json_t *rows = kj_db_rows_j(db, sql.data, params);
        kj_buf_free(&sql);
        json_decref(params);
        if (!rows) { json_decref(out); return NULL; }
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r) {
            const char *id = kj_jstr(r, "kj_id");
            if (id) json_object_set(out, id, r);
        }
        json_decref(rows);
    }
    return out;
}

/* ---- documents ---- */

static int64_t local_unindexed(kj_db *db, const char *today)
{
    /* The copy holds only live listings: those the database has live and
     * the copy has not, counted as a difference (the /metrics gauge). */
    int64_t live = kj_db_int(db, 0, "SELECT count(*) FROM listings WHERE status = 'published' AND valid_until >= ?", "s", today);
    kj_db *l = LOCAL(db);
    int64_t have = kj_db_int(l, 0, "SELECT count(*) FROM search_docs WHERE doc_kind = 'listing'", "");
    CHECK(db, l);
    return live > have ? live - have : 0;
}

typedef struct { int64_t docno; char *doc_kind, *doc_id; unsigned char *sz; size_t szlen; } local_doc;

static const char *jtext(json_t *r, const char *k)
{
    json_t *v = json_object_get(r, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int64_t local_attrs(kj_db *db, int64_t after, int64_t only, int64_t limit,
                           bool (*fn)(void *ctx, int64_t docno, const kj_doc_row *r), void *ctx)
{
    kj_db *l = LOCAL(db);
    kj_stmt *st = only > 0
        ? kj_db_prepare(l, "SELECT d.rowid, d.doc_kind, d.doc_id, z.sz FROM search_docs d LEFT JOIN search_fts_docsize z ON z.id = d.rowid "
                           "WHERE d.rowid = ?", "i", only)
        : kj_db_prepare(l, "SELECT d.rowid, d.doc_kind, d.doc_id, z.sz FROM search_docs d LEFT JOIN search_fts_docsize z ON z.id = d.rowid "
                           "WHERE d.rowid > ? ORDER BY d.rowid LIMIT ?", "ii", after, limit);
    if (!st) { CHECK(db, l); return -1; }
    local_doc *docs = NULL;
    size_t n = 0, cap = 0;
    json_t *ids = json_array();
    int rc;
    while ((rc = kj_stmt_step(l, st)) == KJ_DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            local_doc *p = realloc(docs, cap * sizeof *p);
            if (!p) { rc = -1; break; }
            docs = p;
        }
        size_t len;
        const char *kind = kj_stmt_text(l, st, 1, &len);
        local_doc *d = &docs[n++];
        d->docno = kj_stmt_int(l, st, 0, 0);
        d->doc_kind = kind ? strndup(kind, len) : NULL;
        const char *id = kj_stmt_text(l, st, 2, &len);
        d->doc_id = id ? strndup(id, len) : NULL;
        const char *sz = kj_stmt_text(l, st, 3, &len);
        d->sz = sz ? malloc(len ? len : 1) : NULL;
        if (d->sz) memcpy(d->sz, sz, len);
        d->szlen = sz ? len : 0;
        if (d->doc_id && d->doc_kind && !strcmp(d->doc_kind, "listing")) json_array_append_new(ids, json_string(d->doc_id));
    }
    kj_stmt_finish(l, st);
    CHECK(db, l);
    json_t *rows = rc < 0 ? NULL
        : rows_by_id(db, "SELECT l.id AS kj_id, l.kind, l.domain1, l.domain, l.region_province, l.region_city, l.region, "
                         "coalesce(l.trl, l.trl_min) AS trl, (SELECT group_concat(m.mode, ',') FROM listing_modes m WHERE m.listing_id = l.id) AS modes, "
                         "l.price_min_fen, l.price_max_fen, l.published_at, l.valid_until, l.status FROM listings l WHERE l.id IN ",
                     ids, NULL, NULL);
    json_decref(ids);
    int64_t count = rows ? 0 : -1;
    for (size_t i = 0; rows && i < n; i++) {
        json_t *r = docs[i].doc_id ? json_object_get(rows, docs[i].doc_id) : NULL;
        if (docs[i].doc_kind && strcmp(docs[i].doc_kind, "listing")) r = NULL;
        json_t *pmin = json_object_get(r, "price_min_fen"), *pmax = json_object_get(r, "price_max_fen"),
               *pub = json_object_get(r, "published_at");
        kj_doc_row row = {
            .doc_kind = docs[i].doc_kind, .kind = jtext(r, "kind"), .domain1 = jtext(r, "domain1"), .domain = jtext(r, "domain"),
            .province = jtext(r, "region_province"), .city = jtext(r, "region_city"), .region = jtext(r, "region"),
            .trl = json_integer_value(json_object_get(r, "trl")), .modes_csv = jtext(r, "modes"),
            .has_price_min = json_is_integer(pmin), .price_min = json_integer_value(pmin),
            .has_price_max = json_is_integer(pmax), .price_max = json_integer_value(pmax),
            .has_published_at = json_is_integer(pub), .published_at = json_integer_value(pub),
            .valid_until = jtext(r, "valid_until"), .status = jtext(r, "status"),
            .sizes = docs[i].sz, .sizes_len = docs[i].szlen,
        };
        count++;
        if (!fn(ctx, docs[i].docno, &row)) { count = 0; break; }
    }
    for (size_t i = 0; i < n; i++) { free(docs[i].doc_kind); free(docs[i].doc_id); free(docs[i].sz); }
    free(docs);
    json_decref(rows);
    return count;
}

/* ---- queries ---- */

/* The names of the columns of a SELECT list as rows carry them (after
 * "AS", else after the last '.', without a "__json" suffix). */
static json_t *column_names(const char *list)
{
    json_t *out = json_array();
    int depth = 0;
    const char *start = list;
    for (const char *p = list;; p++) {
        if (*p == '(') depth++;
        else if (*p == ')') depth--;
        else if ((*p == ',' && depth == 0) || !*p) {
            char item[512];
            size_t len = (size_t)(p - start) < sizeof item - 1 ? (size_t)(p - start) : sizeof item - 1;
            memcpy(item, start, len);
            item[len] = 0;
            char *name = NULL;
            for (char *as = strstr(item, " AS "); as; as = strstr(as + 1, " AS ")) name = as + 4;
            if (!name) { name = strrchr(item, '.'); name = name ? name + 1 : item; }
            while (*name == ' ') name++;
            size_t nl = strlen(name);
            while (nl && name[nl - 1] == ' ') name[--nl] = 0;
            if (nl > 6 && !strcmp(name + nl - 6, "__json")) name[nl - 6] = 0;
            json_array_append_new(out, json_string(name));
            if (!*p) break;
            start = p + 1;
        }
    }
    return out;
}

static json_t *listing_names, *studio_names;   /* written once (names_once), then read-only */
static pthread_once_t names_once = PTHREAD_ONCE_INIT;
static void make_names(void)
{
    listing_names = column_names(KJ_SEARCH_HIT_LISTING_COLUMNS);
    studio_names = column_names(KJ_SEARCH_HIT_STUDIO_COLUMNS);
}

static void copy_columns(json_t *to, json_t *from, json_t *names)
{
    size_t i;
    json_t *k;
    json_array_foreach(names, i, k) {
        json_t *v = json_object_get(from, json_string_value(k));
        json_object_set(to, json_string_value(k), v ? v : json_null());
    }
}

static json_t *local_hits(kj_db *db, const int64_t *docnos, int n)
{
    pthread_once(&names_once, make_names);
    kj_db *l = LOCAL(db);
    char *list = kj_fts5_docno_list(docnos, n);
    json_t *rows = kj_db_rows(l, "SELECT d.doc_id AS id, d.doc_kind, f.title AS f0, f.keywords AS f1, f.summary AS f2, f.body AS f3, "
                                 "d.rowid AS docno FROM search_docs d CROSS JOIN search_fts f ON f.rowid = d.rowid "
                                 "WHERE d.rowid IN (SELECT value FROM json_each(?))", "s", list);
    free(list);
    CHECK(db, l);
    if (!rows) return NULL;
    json_t *lids = json_array(), *sids = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
        json_array_append(strcmp(kj_jstr(r, "doc_kind"), "studio") ? lids : sids, json_object_get(r, "id"));
    json_t *ls = rows_by_id(db, "SELECT l.id AS kj_id, " KJ_SEARCH_HIT_LISTING_COLUMNS " FROM listings l "
                                "LEFT JOIN domains dm ON dm.code = l.domain LEFT JOIN regions rg ON rg.code = l.region "
                                "LEFT JOIN orgs og ON og.id = l.org_id WHERE l.id IN ", lids, NULL, NULL);
    json_t *ss = ls ? rows_by_id(db, "SELECT s.id AS kj_id, " KJ_SEARCH_HIT_STUDIO_COLUMNS " FROM studios s WHERE s.id IN ", sids, NULL, NULL) : NULL;
    json_decref(lids);
    json_decref(sids);
    json_t *out = NULL;
    if (ls && ss) {
        out = json_array();
        for (int k = 0; k < n; k++) json_array_append_new(out, json_null());
        json_array_foreach(rows, i, r) {
            int64_t docno = json_integer_value(json_object_get(r, "docno"));
            int k = 0;
            while (k < n && docnos[k] != docno) k++;
            if (k == n) continue;
            bool studio = !strcmp(kj_jstr(r, "doc_kind"), "studio");
            const char *id = kj_jstr(r, "id");
            /* The FTS5 backend's row, column by column, in its order. */
            json_t *h = json_object();
            for (const char *const *c = (const char *const[]){ "id", "doc_kind", "f0", "f1", "f2", "f3", NULL }; *c; c++)
                json_object_set(h, *c, json_object_get(r, *c));
            copy_columns(h, studio ? NULL : json_object_get(ls, id), listing_names);
            copy_columns(h, studio ? json_object_get(ss, id) : NULL, studio_names);
            json_array_set_new(out, (size_t)k, h);
        }
    }
    json_decref(rows);
    json_decref(ls);
    json_decref(ss);
    return out;
}

static json_t *local_suggest(kj_db *db, const char *expr, int limit)
{
    kj_db *l = LOCAL(db);
    json_t *docs = kj_db_rows(l, "SELECT d.doc_id AS id FROM search_fts CROSS JOIN search_docs d ON d.rowid = search_fts.rowid "
                                 "WHERE search_fts MATCH ? AND d.doc_kind = 'listing' ORDER BY search_fts.rowid DESC LIMIT ?",
                              "si", expr, (int64_t)limit);
    CHECK(db, l);
    if (!docs) return NULL;
    json_t *ids = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(docs, i, r) json_array_append(ids, json_object_get(r, "id"));
    json_t *rows = rows_by_id(db, "SELECT l.id AS kj_id, l.id, l.kind, l.title, l.keywords AS kw__json FROM listings l WHERE l.id IN ",
                              ids, " AND l.status = 'published'", NULL);
    json_t *out = rows ? json_array() : NULL;
    json_array_foreach(ids, i, r) {
        json_t *row = rows ? json_object_get(rows, json_string_value(r)) : NULL;
        if (!row) continue;
        json_object_del(row, "kj_id");
        json_array_append(out, row);
    }
    json_decref(rows);
    json_decref(ids);
    json_decref(docs);
    return out;
}

static bool local_doc_matches(kj_db *db, const char *expr, const char *doc_id, const kj_listing_query *f)
{
    kj_db *l = LOCAL(db);
    bool hit = kj_db_int(l, 0, "SELECT count(*) FROM search_fts JOIN search_docs d ON d.rowid = search_fts.rowid "
                               "WHERE search_fts MATCH ? AND d.doc_id = ?", "ss", expr, doc_id) > 0;
    CHECK(db, l);
    if (!hit) return false;
    kj_buf sql = { 0 };
    json_t *params = json_array();
    kj_buf_puts(&sql, "SELECT count(*) FROM listings l WHERE l.id = ?");
    json_array_append_new(params, json_string(doc_id));
    kj_listing_filter_sql(f, &sql, params);
    hit = kj_db_int_j(db, 0, sql.data, params) > 0;
    kj_buf_free(&sql);
    json_decref(params);
    return hit;
}

/* The SQL reference walk (backend.h: scan_filtered; only tests that turn
 * the in-memory walk off use it): every match of expr from the copy, then
 * the browse filters on the database. */
typedef struct { kj_search_scan scan; int64_t *docno; double *score; size_t n, cap; bool oom; } collect_scan;

static int collect_visit(kj_search_scan *s, int64_t docno, int *ntok) { (void)s; (void)docno; (void)ntok; return 1; }
static void collect_scored(kj_search_scan *s, int64_t docno, double score)
{
    collect_scan *c = (collect_scan *)s;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        int64_t *d = realloc(c->docno, cap * sizeof *d);
        if (d) c->docno = d;
        double *sc = d ? realloc(c->score, cap * sizeof *sc) : NULL;
        if (sc) c->score = sc;
        if (!d || !sc) { c->oom = true; return; }
        c->cap = cap;
    }
    c->docno[c->n] = docno;
    c->score[c->n++] = score;
}

static int64_t local_scan_filtered(kj_db *db, const char *expr, const kj_listing_query *f, bool studios, const char *counts,
                                   void (*fn)(void *ctx, const kj_search_facet_row *facets, int64_t docno, double score), void *ctx)
{
    collect_scan c = { .scan = { .visit = collect_visit, .scored = collect_scored, .counts = counts } };
    memcpy(c.scan.weights, kj_bm25_column_weights, sizeof c.scan.weights);
    int64_t total = -1;
    json_t *docs = NULL, *ids = json_array(), *rows = NULL, *where = json_array(), *sids = json_array(), *srows = NULL,
           *swhere = json_array();
    kj_buf wsql = { 0 }, ssql = { 0 };
    if (local_scan(db, expr, false, 0, &c.scan) < 0 || c.oom) goto out;
    char *list = kj_fts5_docno_list(c.docno, (int)c.n);
    kj_db *l = LOCAL(db);
    docs = kj_db_rows(l, "SELECT rowid AS docno, doc_id, doc_kind FROM search_docs WHERE rowid IN (SELECT value FROM json_each(?))", "s", list);
    free(list);
    CHECK(db, l);
    if (!docs) goto out;
    size_t i;
    json_t *r;
    json_array_foreach(docs, i, r) json_array_append(strcmp(kj_jstr(r, "doc_kind"), "listing") ? sids : ids, json_object_get(r, "doc_id"));
    if (studios && f->origin) {
        /* The studios of the origin asked for (core/origin.h). */
        kj_origin_filter_sql(&ssql, swhere, "s.origin", f->origin);
        srows = rows_by_id(db, "SELECT s.id AS kj_id FROM studios s WHERE s.id IN ", sids, ssql.data ? ssql.data : "", swhere);
        if (!srows) goto out;
    }
    kj_listing_filter_sql(f, &wsql, where);
    rows = rows_by_id(db, "SELECT l.id AS kj_id, l.kind, l.domain1, l.region_province, coalesce(l.trl, l.trl_min) AS trl FROM listings l WHERE l.id IN ",
                      ids, wsql.data ? wsql.data : "", where);
    if (!rows) goto out;
    total = 0;
    for (size_t k = 0; k < c.n; k++) {
        json_t *d = NULL;
        json_array_foreach(docs, i, r) if (json_integer_value(json_object_get(r, "docno")) == c.docno[k]) { d = r; break; }
        if (!d) continue;
        bool studio = !strcmp(kj_jstr(d, "doc_kind"), "studio");
        json_t *row = studio ? NULL : json_object_get(rows, kj_jstr(d, "doc_id"));
        if (studio ? !studios || (srows && !json_object_get(srows, kj_jstr(d, "doc_id"))) : !row) continue;
        char trl[24] = "";
        json_t *t = json_object_get(row, "trl");
        if (json_is_integer(t)) snprintf(trl, sizeof trl, "%lld", (long long)json_integer_value(t));
        kj_search_facet_row fr = { .value = { studio ? "studio" : jtext(row, "kind"), jtext(row, "domain1"), jtext(row, "region_province"),
                                              *trl ? trl : NULL } };
        for (int x = 0; x < 4; x++) fr.len[x] = fr.value[x] ? strlen(fr.value[x]) : 0;
        total++;
        fn(ctx, &fr, c.docno[k], c.score[k]);
    }
out:
    free(c.docno);
    free(c.score);
    json_decref(docs);
    json_decref(ids);
    json_decref(rows);
    json_decref(where);
    json_decref(sids);
    json_decref(srows);
    json_decref(swhere);
    kj_buf_free(&wsql);
    kj_buf_free(&ssql);
    return total;
}

const kj_search_backend kj_search_local = {
    .name = "fts5-local",
    .store = "postgresql",
    .conn_hook = NULL,
    .add = local_add, .remove = local_remove, .clear = local_clear, .optimize = local_optimize,
    .doc_number = local_doc_number, .doc_of = local_doc_of,
    .terms_get = local_terms_get, .terms_put = local_terms_put,
    .unindexed = local_unindexed, .stats = local_stats, .attrs = local_attrs,
    .add_term = kj_fts5_add_term, .add_group = kj_fts5_add_group, .typing = kj_fts5_typing,   /* the copy speaks FTS5's syntax */
    .scan = local_scan, .scan_filtered = local_scan_filtered,
    .hits = local_hits, .snippets = local_snippets, .suggest = local_suggest, .doc_matches = local_doc_matches,
    .term_docs = local_term_docs, .frequent_terms = local_frequent_terms,
    .max_docno = local_max_docno, .totals = local_totals,
    .removed_seq = local_removed_seq, .removed_since = local_removed_since, .removed_prune = local_removed_prune,
};
