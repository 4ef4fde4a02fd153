/*
 * fts5_rank.c — the FTS5 backend's ranking (backend.h), set up on each
 * new connection by the storage layer's hook (before migrations, since the
 * search table is declared with the tokenizer):
 *  - the analyzer as the FTS5 tokenizer 'kejiyun';
 *  - kj_bm25(), FTS5's own bm25() ranking with one difference: the number
 *    of documents holding each phrase may be passed in.
 *
 * Why kj_bm25: bm25() finds each phrase's IDF by walking the phrase's
 * whole doclist once per query. At 1M listings a common word is in 150,000
 * of them, and a search paid 6–11 ms for that before ranking a single row
 * (a match of twelve words, several times that). search.c knows those
 * counts already (kj_search_term_docs, cached) and passes them when the
 * index is large. Everything else is bm25() as FTS5 computes it: k1 1.2,
 * b 0.75, column weights as arguments, IDF log((N - n + 0.5) / (n + 0.5))
 * kept above zero, length normalised by the row's tokens over the average
 * with bm25()'s b = 0.75 unless b is given (the product gives kj_bm25_b).
 *
 *   kj_bm25(search_fts, w_title, w_keywords, w_summary, w_body [, 'n1 n2 …' [, b]])
 *
 * The counts argument, when text, lists the document counts of the query's
 * phrases in their order; a count that is missing or negative is counted
 * by FTS5 as bm25() does (NULL: all counted). The value is bm25()'s:
 * negative, better first.
 */
#include "search/fts5/fts5.h"
#include "search/search.h"
#include "text/fts5_tokenizer.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int nphrase;
    double avgdl;
    double *idf;     /* per phrase */
    double *freq;    /* per phrase, the current row's weighted hits */
} bm25_query;

static void bm25_query_free(void *p)
{
    bm25_query *q = p;
    if (!q) return;
    free(q->idf);
    free(q->freq);
    free(q);
}

static int count_rows(const Fts5ExtensionApi *api, Fts5Context *fts, void *ctx)
{
    (void)api;
    (void)fts;
    (*(sqlite3_int64 *)ctx)++;
    return SQLITE_OK;
}

/* Per query (kept as FTS5 auxiliary data): average row length and IDFs. */
static bm25_query *bm25_setup(const Fts5ExtensionApi *api, Fts5Context *fts, const char *counts, int *rc)
{
    bm25_query *q = api->xGetAuxdata(fts, 0);
    if (q) return q;
    int np = api->xPhraseCount(fts);
    q = calloc(1, sizeof *q);
    if (!q || !(q->idf = calloc((size_t)np + 1, sizeof *q->idf)) || !(q->freq = calloc((size_t)np + 1, sizeof *q->freq))) {
        bm25_query_free(q);
        *rc = SQLITE_NOMEM;
        return NULL;
    }
    q->nphrase = np;
    sqlite3_int64 nrow = 0, ntok = 0;
    *rc = api->xRowCount(fts, &nrow);
    if (*rc == SQLITE_OK) *rc = api->xColumnTotalSize(fts, -1, &ntok);
    q->avgdl = nrow > 0 ? (double)ntok / (double)nrow : 1.0;
    const char *p = counts;
    /* tie[i]: where phrase i's "~P@i+j" is in counts (NULL: not tied) */
    const char **tie = calloc((size_t)np + 1, sizeof *tie);
    if (!tie) *rc = SQLITE_NOMEM;
    for (int i = 0; *rc == SQLITE_OK && i < np; i++) {
        sqlite3_int64 hit = -1;
        while (p && *p == ' ') p++;
        if (p && *p == '~') {
            tie[i] = p;
            p = strchr(p, ' ');
            continue;
        }
        if (p) {
            char *end;
            long long v = strtoll(p, &end, 10);
            if (end == p) p = NULL;
            else { hit = v; p = end; }
        }
        if (hit < 0) {
            hit = 0;
            *rc = api->xQueryPhrase(fts, i, &hit, count_rows);
        }
        double idf = log(((double)nrow - (double)hit + 0.5) / ((double)hit + 0.5));
        q->idf[i] = idf <= 0.0 ? 1e-6 : idf;
    }
    for (int i = 0; *rc == SQLITE_OK && i < np; i++) {
        if (!tie[i]) continue;
        char *end;
        double share = (double)strtol(tie[i] + 1, &end, 10) / 1000.0, sum = 0;
        for (const char *t = *end == '@' ? end : ""; *t == '@' || *t == '+';) {
            long j = strtol(t + 1, &end, 10);
            if (end == t + 1) break;
            if (j >= 0 && j < np && !tie[j]) sum += q->idf[j];
            t = end;
        }
        q->idf[i] = share * sum > 1e-6 ? share * sum : 1e-6;
    }
    free(tie);
    if (*rc == SQLITE_OK) *rc = api->xSetAuxdata(fts, q, bm25_query_free);
    else bm25_query_free(q);
    return *rc == SQLITE_OK ? q : NULL;
}

/* The row's BM25 with column weights w[0..nw) (a column past them weighs 1).
 * ntok: the row's length in tokens when the caller knows it, else -1. */
static int bm25_row(const Fts5ExtensionApi *api, Fts5Context *fts, const double *w, int nw, const char *counts, int ntok,
                    double b, double *score)
{
    const double k1 = 1.2;
    int rc = SQLITE_OK;
    bm25_query *q = bm25_setup(api, fts, counts, &rc);
    /* Each phrase's hits, column by column (xPhraseFirst/Next read one
     * phrase's positions; xInst would first merge all phrases' in order). */
    for (int i = 0; rc == SQLITE_OK && i < q->nphrase; i++) {
        Fts5PhraseIter it;
        int col = -1, off = -1;
        q->freq[i] = 0;
        rc = api->xPhraseFirst(fts, i, &it, &col, &off);
        for (; rc == SQLITE_OK && col >= 0; api->xPhraseNext(fts, &it, &col, &off))
            q->freq[i] += col < nw ? w[col] : 1.0;
    }
    if (rc == SQLITE_OK && ntok < 0 && b != 0.0) rc = api->xColumnSize(fts, -1, &ntok);   /* b = 0: length unused */
    if (rc != SQLITE_OK) return rc;
    double sum = 0, norm = k1 * (1 - b + b * (double)ntok / q->avgdl);
    for (int i = 0; i < q->nphrase; i++) sum += q->idf[i] * (q->freq[i] * (k1 + 1.0)) / (q->freq[i] + norm);
    *score = sum;
    return SQLITE_OK;
}

static void kj_bm25(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval, sqlite3_value **val)
{
    int ncol = api->xColumnCount(fts);
    double w[16];
    int nw = nval < ncol ? nval : ncol;
    if (nw > 16) nw = 16;
    for (int i = 0; i < nw; i++) w[i] = sqlite3_value_double(val[i]);
    const char *counts = nval > ncol && sqlite3_value_type(val[ncol]) == SQLITE_TEXT ? (const char *)sqlite3_value_text(val[ncol]) : NULL;
    double b = nval > ncol + 1 ? sqlite3_value_double(val[ncol + 1]) : 0.75;
    double score = 0;
    int rc = bm25_row(api, fts, w, nw, counts, -1, b, &score);
    if (rc != SQLITE_OK) sqlite3_result_error_code(ctx, rc);
    else sqlite3_result_double(ctx, -score);
}

/* ---- kj_scan: the backend's scan (backend.h, kj_search_scan) ----
 * The scan in progress on this thread: kj_fts5_scan_run sets it around its
 * step loop, and kj_scan(search_fts) — called by that statement only —
 * reads it. A thread runs one scan at a time. */
static _Thread_local kj_search_scan *current_scan;

static void kj_scan(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval, sqlite3_value **val)
{
    (void)nval;
    (void)val;
    kj_search_scan *s = current_scan;
    if (!s) { sqlite3_result_error(ctx, "kj_scan outside kj_fts5_scan_run", -1); return; }
    int64_t rowid = api->xRowid(fts);
    int ntok = -1;
    int rank = s->visit(s, rowid, &ntok);
    if (rank > 0 && s->counted) {
        double hits[64];
        int np = api->xPhraseCount(fts), rc = SQLITE_OK;
        if (np > 64) np = 64;
        for (int i = 0; rc == SQLITE_OK && i < np; i++) {
            Fts5PhraseIter it;
            int col = -1, off = -1;
            hits[i] = 0;
            rc = api->xPhraseFirst(fts, i, &it, &col, &off);
            for (; rc == SQLITE_OK && col >= 0; api->xPhraseNext(fts, &it, &col, &off)) hits[i] += col < 4 ? s->weights[col] : 1.0;
        }
        if (rc != SQLITE_OK) { sqlite3_result_error_code(ctx, rc); return; }
        s->counted(s, rowid, hits, np);
    } else if (rank > 0) {
        double score = 0;
        int rc = bm25_row(api, fts, s->weights, 4, s->counts, ntok, kj_bm25_b, &score);
        if (rc != SQLITE_OK) { sqlite3_result_error_code(ctx, rc); return; }
        s->scored(s, rowid, score);
    }
    sqlite3_result_int(ctx, rank);
}

int64_t kj_fts5_scan_run(kj_db *db, const char *expr, bool newest_first, int64_t stop_after, kj_search_scan *s)
{
    kj_stmt *st = kj_db_prepare(db, newest_first
        ? "SELECT kj_scan(search_fts) FROM search_fts WHERE search_fts MATCH ? AND rowid > ? AND rowid <= ? ORDER BY rowid DESC"
        : "SELECT kj_scan(search_fts) FROM search_fts WHERE search_fts MATCH ? AND rowid > ? AND rowid <= ?",
        "sii", expr, s->after_docno, s->up_to_docno > 0 ? s->up_to_docno : INT64_MAX);
    if (!st) return -1;
    kj_search_scan *outer = current_scan;
    current_scan = s;
    int64_t ranked = 0;
    int rc;
    while ((rc = kj_stmt_step(db, st)) == KJ_DB_ROW)
        if (kj_stmt_int(db, st, 0, 0) > 0 && ++ranked == stop_after) break;
    current_scan = outer;
    kj_stmt_finish(db, st);
    return rc < 0 ? -1 : ranked;
}

/* FTS5's totals record (%_data row 1): SQLite varints — the number of
 * rows, then the tokens of each column. */
int kj_fts5_totals(kj_db *db, int64_t *rows, int64_t *tokens)
{
    kj_stmt *st = kj_db_prepare(db, "SELECT block FROM search_fts_data WHERE id = 1", "");
    if (!st) return -1;
    int rc = -1;
    if (kj_stmt_step(db, st) == KJ_DB_ROW) {
        size_t len = 0;
        const unsigned char *p = (const unsigned char *)kj_stmt_text(db, st, 0, &len);
        int64_t v[8] = { 0 };
        int n = p ? kj_fts5_varints(p, len, v, 8) : -1;
        if (n > 8) n = 8;
        if (n >= 2) {
            *rows = v[0];
            *tokens = 0;
            for (int c = 1; c < n; c++) *tokens += v[c];
            rc = 0;
        }
    }
    kj_stmt_finish(db, st);
    return rc;
}

int kj_search_conn_hook(void *raw_conn, void *ctx)
{
    kj_analyzer *a = ctx;
    sqlite3 *db = raw_conn;
    if (!a || kj_fts5_register(db, a) != SQLITE_OK) return -1;
    fts5_api *api = kj_fts5_api(db);
    return api && api->xCreateFunction(api, "kj_bm25", NULL, kj_bm25, NULL) == SQLITE_OK &&
           api->xCreateFunction(api, "kj_scan", NULL, kj_scan, NULL) == SQLITE_OK ? 0 : -1;
}
