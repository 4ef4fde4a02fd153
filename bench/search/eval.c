/*
 * eval.c — search-quality benchmark of kejiyun's Chinese-aware search
 * against plain SQLite FTS5 (unicode61, trigram) on the CSL corpus
 * (../shared/data/csl, described in ../shared/data/README.md).
 *
 * Owns: loading the corpus, building one FTS5 index per system, running
 * tasks K (keywords → paper) and P (title → paper), and printing the
 * metrics table with the PASS/FAIL targets. bench/search/run builds and
 * starts it; bench/search/README.md explains the method and the reading of
 * the data README.
 *
 * "Index that paper without X" is applied exactly, one query at a time:
 * every system has ONE index of all 1,000 papers (all fields) plus the
 * 8,000 title-only distractors; for each query, inside a transaction, the
 * queried paper's column X is blanked (FTS5 UPDATE), the query runs, and
 * the transaction is rolled back. So each query sees precisely the corpus
 * the README describes, BM25 statistics included, at the cost of one tiny
 * update instead of one index per query.
 *
 * Single-threaded by design (one connection at a time, no shared state
 * besides the analyzer, which is immutable).
 */
#include "core/buf.h"
#include "text/analyzer.h"
#include "text/csv.h"
#include "text/fts5_tokenizer.h"
#include "search/backend.h"
#include "search/search.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Not in search.h: search.c exports it for match.c and alerts.c, which declare it too. */

/* Same term cap as src/search/search.c; its BM25 field weights reach us
 * through --weights (bench/search/run reads them from search.c). */
#define MAX_QUERY_TERMS 48
#define TOP_K 100        /* results fetched per query: MRR and recall@100 */
#define NDCG_K 10

/* ---- corpus ------------------------------------------------------------ */

typedef struct {
    char *id, *title, *abstract, *keywords, *discipline; /* keywords: "a b c" */
    char **kw;                                           /* split keywords */
    int nkw;
} paper;

typedef struct {
    paper *papers;   /* rowid i+1 in every index */
    int np;
    char **titles;   /* distractors, rowid np+1+j */
    int nt;
    int *disc_size;  /* per paper: papers sharing its discipline (itself included) */
} corpus;

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    kj_buf b = { 0 };
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (kj_buf_append(&b, chunk, n)) { fclose(f); kj_buf_free(&b); return NULL; }
    fclose(f);
    if (!b.data) kj_buf_append(&b, "", 0);
    return kj_buf_steal(&b, len);
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) { fputs("out of memory\n", stderr); exit(1); }
    return d;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p) { fputs("out of memory\n", stderr); exit(1); }
    return p;
}

/* Index of column name in the header row, or -1. */
static int column(const kj_csv_row *hdr, const char *name)
{
    for (int i = 0; i < hdr->nfields; i++)
        if (!strcmp(hdr->fields[i], name)) return i;
    return -1;
}

/* Calls row_cb for every data row of a TSV file whose header has all of
 * cols[0..ncols); idx[] receives their positions. -1 with a message. */
typedef void (*row_fn)(void *ctx, const kj_csv_row *row, const int *idx);

static int read_tsv(const char *path, const char *const *cols, int ncols, row_fn cb, void *ctx)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text) { fprintf(stderr, "cannot read %s: %s\n", path, strerror(errno)); return -1; }
    kj_csv_reader r;
    kj_csv_reader_init(&r, text, len, '\t');
    kj_csv_row row;
    int idx[8], rc = kj_csv_next_row(&r, &row);
    for (int i = 0; rc == 1 && i < ncols; i++)
        if ((idx[i] = column(&row, cols[i])) < 0) {
            fprintf(stderr, "%s: header lacks column '%s'\n", path, cols[i]);
            rc = -2;
        }
    while (rc == 1 && (rc = kj_csv_next_row(&r, &row)) == 1) {
        for (int i = 0; i < ncols; i++)
            if (idx[i] >= row.nfields) {
                fprintf(stderr, "%s:%zu: only %d fields\n", path, row.line, row.nfields);
                rc = -2;
            }
        if (rc == 1) cb(ctx, &row, idx);
    }
    if (rc == -1) fprintf(stderr, "%s:%zu: %s\n", path, r.err_line, r.err_key);
    kj_csv_reader_free(&r);
    free(text);
    return rc == 0 ? 0 : -1;
}

/* Splits the '|'-separated keywords; the indexed keywords field joins them
 * with spaces, as search.c's join_keywords does for listings. */
static void split_keywords(paper *p, const char *field)
{
    p->keywords = xstrdup(field);
    p->kw = NULL;
    p->nkw = 0;
    char *copy = xstrdup(field), *save = NULL;
    for (char *k = strtok_r(copy, "|", &save); k; k = strtok_r(NULL, "|", &save)) {
        while (*k == ' ') k++;
        if (!*k) continue;
        p->kw = xrealloc(p->kw, sizeof *p->kw * (size_t)(p->nkw + 1));
        p->kw[p->nkw++] = xstrdup(k);
    }
    free(copy);
    for (char *c = p->keywords; *c; c++) if (*c == '|') *c = ' ';
}

static void add_paper(void *ctx, const kj_csv_row *row, const int *idx)
{
    corpus *c = ctx;
    c->papers = xrealloc(c->papers, sizeof *c->papers * (size_t)(c->np + 1));
    paper *p = &c->papers[c->np++];
    p->id = xstrdup(row->fields[idx[0]]);
    p->title = xstrdup(row->fields[idx[1]]);
    p->abstract = xstrdup(row->fields[idx[2]]);
    split_keywords(p, row->fields[idx[3]]);
    p->discipline = xstrdup(row->fields[idx[4]]);
}

static void add_title(void *ctx, const kj_csv_row *row, const int *idx)
{
    corpus *c = ctx;
    c->titles = xrealloc(c->titles, sizeof *c->titles * (size_t)(c->nt + 1));
    c->titles[c->nt++] = xstrdup(row->fields[idx[0]]);
}

static void count_disciplines(corpus *c)
{
    c->disc_size = calloc((size_t)c->np, sizeof *c->disc_size);
    if (!c->disc_size) { fputs("out of memory\n", stderr); exit(1); }
    for (int i = 0; i < c->np; i++)
        for (int j = 0; j < c->np; j++)
            c->disc_size[i] += !strcmp(c->papers[i].discipline, c->papers[j].discipline);
}

static int load_corpus(const char *csl_dir, corpus *c)
{
    static const char *const pcols[] = { "id", "title", "abstract", "keywords", "discipline" };
    static const char *const tcols[] = { "title" };
    char path[4096];
    memset(c, 0, sizeof *c);
    snprintf(path, sizeof path, "%s/papers.tsv", csl_dir);
    if (read_tsv(path, pcols, 5, add_paper, c)) return -1;
    snprintf(path, sizeof path, "%s/titles.tsv", csl_dir);
    if (read_tsv(path, tcols, 1, add_title, c)) return -1;
    count_disciplines(c);
    return 0;
}

/* ---- query builders ------------------------------------------------------ */

/* Per-query facts a builder reports besides the expression. */
typedef struct {
    int pieces;        /* whitespace-separated pieces (baselines) */
    int short_pieces;  /* pieces of fewer than 3 characters */
} query_info;

typedef char *(*query_fn)(const char *text, query_info *qi);

static int utf8_chars(const char *s, size_t n)
{
    int c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* Length of the whitespace at s (ASCII or U+3000 ideographic space), 0 if none. */
static size_t space_len(const char *s)
{
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v') return 1;
    return strncmp(s, "\xE3\x80\x80", 3) == 0 ? 3 : 0;
}

/* Calls fn for each whitespace-separated piece of text. */
static void each_piece(const char *text, void (*fn)(void *ctx, const char *p, size_t n), void *ctx)
{
    const char *s = text;
    while (*s) {
        size_t sp = space_len(s);
        if (sp) { s += sp; continue; }
        const char *start = s;
        while (*s && !space_len(s)) s++;
        fn(ctx, start, (size_t)(s - start));
    }
}

/* Appends p[0..n) as one FTS5 string ('"' doubled), OR-joined to what is there. */
static void or_quoted(kj_buf *b, const char *p, size_t n)
{
    if (b->len) kj_buf_puts(b, " OR ");
    kj_buf_puts(b, "\"");
    for (size_t i = 0; i < n; i++) kj_buf_append(b, p[i] == '"' ? "\"\"" : p + i, p[i] == '"' ? 2 : 1);
    kj_buf_puts(b, "\"");
}

typedef struct { kj_buf b; query_info *qi; } piece_ctx;

static void quote_piece(void *ctx, const char *p, size_t n)
{
    piece_ctx *pc = ctx;
    pc->qi->pieces++;
    pc->qi->short_pieces += utf8_chars(p, n) < 3;
    or_quoted(&pc->b, p, n);
}

/* Baseline: the text split on whitespace, each piece double-quoted ('"'
 * doubled), OR-joined — what a plain FTS5 integration would do. */
static char *whitespace_expr(const char *text, query_info *qi)
{
    piece_ctx pc = { { 0 }, qi };
    each_piece(text, quote_piece, &pc);
    return pc.b.data ? kj_buf_steal(&pc.b, NULL) : NULL;
}

static kj_analyzer *analyzer;
static kj_search_ctx *search_ctx;   /* the analyzer and rewriter, as a store's search context holds them */

/* kejiyun: exactly what the product's search does (kj_search in search.c):
 * every term required first (product_strict_expr); the runner falls back to
 * this expression, any term, only when the strict one finds nothing. Both
 * with the English forms of the query's Chinese terms (kj_search_expr_alt;
 * --alternates off: none), whose ranking ties (kj_search_tie_counts) the
 * runner passes to kj_bm25 with the expression. One query at a time. */
static const kj_rewriter *alt_rewriter;   /* NULL: no English forms */
static kj_df_fn alt_df;                   /* the runner's document counts (forms no document holds are left out) */
static void *alt_df_ctx;
static char *alt_counts;                  /* the last product expression's counts, for kj_bm25 */

static char *product_alt_expr(const char *text, bool all, int *n)
{
    json_t *ties = json_array();
    char *expr = kj_search_expr_alt(analyzer, alt_rewriter, &kj_search_fts5, text, strlen(text), MAX_QUERY_TERMS, all,
                                    alt_df, alt_df_ctx, NULL, ties, n);
    free(alt_counts);
    alt_counts = expr ? kj_search_tie_counts(ties, NULL) : NULL;
    json_decref(ties);
    return expr;
}

static char *product_expr(const char *text, query_info *qi)
{
    return product_alt_expr(text, false, NULL);
}

static char *product_strict_expr(const char *text, query_info *qi)
{
    int n = 0;
    char *expr = product_alt_expr(text, true, &n);
    if (n < 2) { free(expr); return NULL; }   /* one term: strict = relaxed */
    return expr;
}

/* ---- experimental query builders (tuning on aggregate figures only) ---- */

/* Set in main before any query; read-only afterwards. */

static int is_cjk_term(const char *t)
{
    return (unsigned char)t[0] >= 0xE3 && (unsigned char)t[0] <= 0xE9;
}

typedef struct { kj_buf *b; int ntok; } phrase_ctx;

static int phrase_token(void *ctx, int flags, const char *tok, int len, int start, int end)
{
    phrase_ctx *pc = ctx;
    if (flags & KJ_TOKEN_COLOCATED) return 0;
    kj_buf_puts(pc->b, pc->ntok++ ? " + \"" : "\"");
    for (int i = 0; i < len; i++) kj_buf_append(pc->b, tok[i] == '"' ? "\"\"" : tok + i, tok[i] == '"' ? 2 : 1);
    kj_buf_puts(pc->b, "\"");
    return 0;
}

static void add_piece_phrase(void *ctx, const char *p, size_t n)
{
    kj_buf *expr = ctx, ph = { 0 };
    phrase_ctx pc = { &ph, 0 };
    kj_analyze(analyzer, KJ_ANALYZE_QUERY, p, (int)n, phrase_token, &pc);
    if (pc.ntok >= 2) { kj_buf_puts(expr, " OR "); kj_buf_puts(expr, ph.data); }
    kj_buf_free(&ph);
}

/* Product terms, plus each whitespace piece of 2+ terms as a phrase (a
 * proximity bonus for documents that contain the user's exact wording). */
static char *phrase_expr(const char *text, query_info *qi)
{
    char *base = product_expr(text, qi);
    if (!base) return NULL;
    kj_buf b = { 0 };
    kj_buf_puts(&b, base);
    free(base);
    each_piece(text, add_piece_phrase, &b);
    return kj_buf_steal(&b, NULL);
}

/* Product terms, plus the bigrams inside CJK terms of 3+ characters (the
 * index holds every bigram, so they find other segmentations too). */
static char *bigram_expr(const char *text, query_info *qi)
{
    int n = 0;
    char **terms = kj_analyze_terms(analyzer, KJ_ANALYZE_QUERY, text, (int)strlen(text), &n);
    if (!terms) return NULL;
    kj_buf b = { 0 };
    for (int i = 0; i < n && i < MAX_QUERY_TERMS; i++) or_quoted(&b, terms[i], strlen(terms[i]));
    for (int i = 0; i < n && i < MAX_QUERY_TERMS; i++) {
        size_t len = strlen(terms[i]);
        if (!is_cjk_term(terms[i]) || len < 9 || len % 3) continue;   /* 3+ three-byte characters */
        for (size_t k = 0; k + 6 <= len; k += 3) or_quoted(&b, terms[i] + k, 6);
    }
    kj_terms_free(terms, n);
    return kj_buf_steal(&b, NULL);
}

/* Product terms without single CJK characters (lone characters friso
 * could not attach to a word: 汤, 期, 大). */
static char *no_single_expr(const char *text, query_info *qi)
{
    int n = 0;
    char **terms = kj_analyze_terms(analyzer, KJ_ANALYZE_QUERY, text, (int)strlen(text), &n);
    kj_buf b = { 0 };
    for (int i = 0; i < n && i < MAX_QUERY_TERMS; i++)
        if (!(is_cjk_term(terms[i]) && strlen(terms[i]) == 3)) or_quoted(&b, terms[i], strlen(terms[i]));
    kj_terms_free(terms, n);
    return b.data ? kj_buf_steal(&b, NULL) : product_expr(text, qi);
}

typedef struct { const char *name, *what; query_fn build, strict; } variant_def;

static const variant_def VARIANTS[] = {
    { "product",   "kj_search of src/search/search.c: all terms, else any term", product_expr, product_strict_expr },
    { "any-term",  "any term only (the product before strict-first)", product_expr, NULL },
    { "phrase",    "product + each whitespace piece of 2+ terms as a phrase", phrase_expr, product_strict_expr },
    { "bigrams",   "product + the bigrams inside CJK terms of 3+ characters", bigram_expr, product_strict_expr },
    { "no-single", "product without single-character CJK terms", no_single_expr, product_strict_expr },
};
enum { NVARIANT = sizeof VARIANTS / sizeof VARIANTS[0] };

typedef struct {
    const char *name, *tokenize;
    int is_kejiyun;   /* query built by the chosen variant, product weights */
} system_def;

static const system_def SYSTEMS[] = {
    { "kejiyun",   "kejiyun",   1 },
    { "unicode61", "unicode61", 0 },
    { "trigram",   "trigram",   0 },
};
enum { NSYS = sizeof SYSTEMS / sizeof SYSTEMS[0] };

/* ---- tasks --------------------------------------------------------------- */

/* The user's text for paper p (malloc'd), or NULL when p takes no part. */
typedef char *(*task_query_fn)(const paper *p, int nkw);

typedef struct {
    const char *code, *what;
    const char *blanked;       /* column emptied for the queried paper */
    task_query_fn query_text;
} task_def;

/* Task K: the first nkw keywords (the authors' order), space-separated,
 * for papers with at least 3 keywords. */
static char *keywords_query(const paper *p, int nkw)
{
    if (p->nkw < 3) return NULL;
    kj_buf b = { 0 };
    for (int i = 0; i < nkw && i < p->nkw; i++) {
        if (i) kj_buf_puts(&b, " ");
        kj_buf_puts(&b, p->kw[i]);
    }
    return kj_buf_steal(&b, NULL);
}

/* Task P: the title. */
static char *title_query(const paper *p, int nkw)
{
    return *p->title ? xstrdup(p->title) : NULL;
}

static const task_def TASKS[] = {
    { "K", "keywords -> paper indexed without its keywords", "keywords", keywords_query },
    { "P", "title -> paper indexed without its title",       "title",    title_query },
};
enum { NTASK = sizeof TASKS / sizeof TASKS[0] };

/* ---- measurements ---------------------------------------------------------- */

typedef struct {
    int n;                       /* queries */
    double ndcg, rr;             /* sums */
    double ndcg_exact;           /* the part of ndcg due to the paper itself */
    long top10_peer, top10_other, top10_distractor; /* top-10 slots, summed */
    int found;                   /* exact paper within TOP_K */
    int top1;                    /* exact paper ranked first */
    int top10;                   /* exact paper within the first 10 */
    int no_hits, errors, no_terms;
    int with_short, all_short;   /* queries with some / only pieces < 3 chars */
    double *lat_ms;              /* n latencies */
    long hits_sum;               /* results returned (≤ TOP_K), summed */
} task_stats;

typedef struct {
    double build_s;
    long long index_bytes, content_bytes, file_bytes;
    int have_dbstat;
    task_stats t[NTASK];
} system_stats;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double ideal_dcg(int disc_size)
{
    double d = 3.0;
    for (int r = 2; r <= NDCG_K && r - 1 < disc_size; r++) d += 1.0 / log2(r + 1.0);
    return d;
}

static int gain(const corpus *c, int q, sqlite3_int64 rowid)
{
    if (rowid == q + 1) return 3;
    if (rowid >= 1 && rowid <= c->np && !strcmp(c->papers[rowid - 1].discipline, c->papers[q].discipline)) return 1;
    return 0;
}

/* Scores one ranked list for paper q. */
static void score(task_stats *ts, const corpus *c, int q, const sqlite3_int64 *rows, int n)
{
    double dcg = 0, dcg_exact = 0;
    for (int r = 1; r <= n; r++) {
        if (r <= NDCG_K) {
            int g = gain(c, q, rows[r - 1]);
            dcg += g / log2(r + 1.0);
            if (g == 3) dcg_exact = g / log2(r + 1.0);
            ts->top10_peer += g == 1;
            ts->top10_other += g == 0 && rows[r - 1] <= c->np;
            ts->top10_distractor += rows[r - 1] > c->np;
        }
        if (rows[r - 1] == q + 1) {
            ts->rr += 1.0 / r;
            ts->found++;
            ts->top1 += r == 1;
            ts->top10 += r <= 10;
        }
    }
    ts->ndcg += dcg / ideal_dcg(c->disc_size[q]);
    ts->ndcg_exact += dcg_exact / ideal_dcg(c->disc_size[q]);
    ts->no_hits += n == 0;
    ts->hits_sum += n;
}

/* ---- SQLite ---------------------------------------------------------------- */

static int exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK) return 0;
    fprintf(stderr, "sqlite: %s\n  in: %s\n", err ? err : "?", sql);
    sqlite3_free(err);
    return -1;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite: %s\n  in: %s\n", sqlite3_errmsg(db), sql);
        return NULL;
    }
    return st;
}

static int insert_doc(sqlite3_stmt *ins, sqlite3_int64 rowid, const char *title, const char *kw, const char *summary)
{
    sqlite3_reset(ins);
    sqlite3_bind_int64(ins, 1, rowid);
    sqlite3_bind_text(ins, 2, title, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 3, kw, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 4, summary, -1, SQLITE_STATIC);
    return sqlite3_step(ins) == SQLITE_DONE ? 0 : -1;
}

/* Creates the table "docs" and loads every paper (rowid i+1, all fields,
 * abstract as summary, empty body) and every distractor (title only). */
static int build_index(sqlite3 *db, const system_def *sys, const corpus *c)
{
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE docs USING fts5(title, keywords, summary, body, tokenize='%s')",
             sys->tokenize);
    if (exec(db, sql) || exec(db, "BEGIN")) return -1;
    sqlite3_stmt *ins = prepare(db, "INSERT INTO docs(rowid, title, keywords, summary, body) VALUES (?,?,?,?,'')");
    int rc = ins ? 0 : -1;
    for (int i = 0; rc == 0 && i < c->np; i++)
        rc = insert_doc(ins, i + 1, c->papers[i].title, c->papers[i].keywords, c->papers[i].abstract);
    for (int j = 0; rc == 0 && j < c->nt; j++)
        rc = insert_doc(ins, c->np + 1 + j, c->titles[j], "", "");
    if (rc) fprintf(stderr, "insert into %s index: %s\n", sys->name, sqlite3_errmsg(db));
    sqlite3_finalize(ins);
    if (rc || exec(db, "COMMIT")) return -1;
    /* One segment, like a freshly rebuilt production index; makes sizes comparable. */
    return exec(db, "INSERT INTO docs(docs) VALUES('optimize')");
}

static long long pragma_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = prepare(db, sql);
    long long v = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

/* Sizes after VACUUM: the FTS index proper (docs_data, docs_idx,
 * docs_docsize, docs_config) and the stored copy of the text (docs_content)
 * from dbstat when this SQLite has it; the file size in any case. */
static void measure_size(sqlite3 *db, system_stats *ss)
{
    exec(db, "VACUUM");
    ss->file_bytes = pragma_int(db, "PRAGMA page_count") * pragma_int(db, "PRAGMA page_size");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'docs%' GROUP BY name",
                           -1, &st, NULL) != SQLITE_OK) return;
    ss->have_dbstat = 1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        long long bytes = sqlite3_column_int64(st, 1);
        if (!strcmp(name, "docs_content")) ss->content_bytes += bytes;
        else ss->index_bytes += bytes;
    }
    sqlite3_finalize(st);
}

/* ---- settings ---------------------------------------------------------------- */

typedef struct {
    const char *data, *text, *tmp, *out;
    int nkw;                    /* keywords per task-K query */
    const char *weights;        /* bm25() field weights of kejiyun, e.g. "10.0, 6.0, 3.0, 1.0" */
    const char *base_weights;   /* of the baselines; default: the same */
    const variant_def *variant; /* kejiyun's query builder */
    const char *only;           /* run just this system (tuning); NULL = all */
    int blank_all;              /* --blank all: blank the column of every paper, not just the queried one */
    int parity;                 /* -1 all papers; 0 / 1: only even / odd ones (tune on one half, check on the other) */
    int no_rewrite;             /* --rewrite off: kejiyun analyzes the text as typed (no filler, terms, typos) */
    int no_alternates;          /* --alternates off: no English forms of Chinese terms (kj_search_expr_alt) */
    int bm25f;                  /* --rank bm25f: kejiyun ranks by per-column-normalized BM25F (experiment) */
    double b;                   /* --b B: kejiyun's BM25 length normalization (default: the product's, kj_bm25_b) */
    const char *queries;        /* --queries FILE: "K|P<TAB>paper row<TAB>query" lines run instead (robustness sets) */
    char **given[2];            /* read from it */
} options;

/* ---- running a task ---------------------------------------------------------- */

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *blank, *search;
    query_fn build_query;
    query_fn build_strict;      /* when set: tried first, build_query only if it finds nothing */
    const corpus *c;
    int nkw, parity;
    int blank_all;   /* the column is blanked for all papers for the whole task */
    sqlite3_stmt *vocab;        /* kejiyun: documents per term, for the query rewriter's typo check */
    char **given[2];            /* --queries: per task (K, P) and paper, the query to run instead (NULL: skip the paper) */
    sqlite3_int64 ndocs;
} runner;

/* kj_df_fn over the runner's own index (what kj_search_term_docs is to
 * the product's): the fts5vocab row of the term, which sees the blanking. */
static int64_t runner_df(void *ctx, const char *term)
{
    runner *r = ctx;
    sqlite3_reset(r->vocab);
    sqlite3_bind_text(r->vocab, 1, term, -1, SQLITE_STATIC);
    int64_t n = sqlite3_step(r->vocab) == SQLITE_ROW ? sqlite3_column_int64(r->vocab, 0) : 0;
    sqlite3_reset(r->vocab);
    return n;
}

/* Blanks the task's column of paper q (undone by the caller's rollback). */
static int blank_paper(runner *r, int q)
{
    if (r->blank_all) return 0;   /* already done for every paper */
    sqlite3_reset(r->blank);
    sqlite3_bind_int64(r->blank, 1, q + 1);
    if (sqlite3_step(r->blank) == SQLITE_DONE) return 0;
    fprintf(stderr, "blanking paper %d: %s\n", q, sqlite3_errmsg(r->db));
    return -1;
}

/* The top TOP_K rows of one expression; 0 on an error (counted). */
static int fetch(runner *r, task_stats *ts, const char *expr, sqlite3_int64 *rows)
{
    int n = 0, rc;
    sqlite3_bind_text(r->search, 1, expr, -1, SQLITE_STATIC);
    if (sqlite3_bind_parameter_count(r->search) >= 2) sqlite3_bind_text(r->search, 2, alt_counts, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(r->search)) == SQLITE_ROW && n < TOP_K) rows[n++] = sqlite3_column_int64(r->search, 0);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) { ts->errors++; n = 0; }
    sqlite3_reset(r->search);
    return n;
}

/* Runs the query for paper q with its column blanked; fills rows. */
static int run_one(runner *r, task_stats *ts, int q, const char *text, sqlite3_int64 *rows)
{
    if (exec(r->db, "SAVEPOINT q")) return -1;
    if (blank_paper(r, q)) {
        exec(r->db, "ROLLBACK TO q; RELEASE q");
        return -1;
    }
    query_info qi = { 0, 0 };
    int n = 0;
    double t0 = now_s();
    /* kejiyun reads the text as kj_search does (search.h: kj_search_rewrite). */
    char *rewritten = r->vocab ? kj_search_rewrite(search_ctx, text, runner_df, r, r->ndocs, NULL) : NULL;
    if (rewritten && getenv("KJ_EVAL_TRACE") && strcmp(rewritten, text)) fprintf(stderr, "rewrite: %s -> %s\n", text, rewritten);
    if (rewritten) text = rewritten;
    free(alt_counts);
    alt_counts = NULL;
    alt_df = r->vocab ? runner_df : NULL;
    alt_df_ctx = r;
    char *expr = r->build_strict ? r->build_strict(text, &qi) : NULL;
    if (expr) n = fetch(r, ts, expr, rows);
    if (n < KJ_SEARCH_STRICT_MIN) {
        free(expr);
        expr = r->build_query(text, &qi);
        if (expr) n = fetch(r, ts, expr, rows);
    }
    ts->lat_ms[ts->n] = (now_s() - t0) * 1e3;
    free(expr);
    free(rewritten);
    ts->no_terms += !expr;
    ts->with_short += qi.short_pieces > 0;
    ts->all_short += qi.pieces > 0 && qi.short_pieces == qi.pieces;
    ts->n++;
    exec(r->db, "ROLLBACK TO q; RELEASE q");
    return n;
}

static int run_task(runner *r, const task_def *task, task_stats *ts)
{
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE docs SET %s = '' WHERE rowid = ?", task->blanked);
    r->blank = prepare(r->db, sql);
    ts->lat_ms = calloc((size_t)r->c->np, sizeof *ts->lat_ms);
    if (!r->blank || !ts->lat_ms) return -1;
    sqlite3_int64 rows[TOP_K];
    int rc = 0;
    if (r->blank_all) {
        snprintf(sql, sizeof sql, "SAVEPOINT task; UPDATE docs SET %s = '' WHERE rowid <= %d", task->blanked, r->c->np);
        rc = exec(r->db, sql);
    }
    for (int q = 0; q < r->c->np && rc == 0; q++) {
        if (r->parity >= 0 && q % 2 != r->parity) continue;
        int ti = (int)(task - TASKS);
        char *text = r->given[0] ? (r->given[ti][q] ? strdup(r->given[ti][q]) : NULL) : task->query_text(&r->c->papers[q], r->nkw);
        if (!text) continue;
        int n = run_one(r, ts, q, text, rows);
        free(text);
        if (n < 0) rc = -1;
        else score(ts, r->c, q, rows, n);
    }
    if (r->blank_all) exec(r->db, "ROLLBACK TO task; RELEASE task");
    sqlite3_finalize(r->blank);
    r->blank = NULL;
    return rc;
}

/* ---- experiment: BM25F (per-column length normalization), --rank bm25f ----
 * tf of a phrase = sum over columns of w_c * hits_c / (1 - b + b * len_c / avglen_c),
 * then k1-saturated and IDF-weighted as bm25(); what Sphinx's bm25f() ranker
 * computes. Returns bm25()'s sign (negative, better first). */
typedef struct { int np; double avg[4], *idf; } bm25f_q;

static int bm25f_count(const Fts5ExtensionApi *api, Fts5Context *fts, void *ctx)
{
    (void)api; (void)fts;
    (*(sqlite3_int64 *)ctx)++;
    return SQLITE_OK;
}

static void bm25f_free(void *p) { if (p) { free(((bm25f_q *)p)->idf); free(p); } }

static double bm25f_k1 = 1.2, bm25f_b = 0.75;

static void bm25f_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval, sqlite3_value **val)
{
    bm25f_q *q = api->xGetAuxdata(fts, 0);
    if (!q) {
        q = calloc(1, sizeof *q);
        q->np = api->xPhraseCount(fts);
        q->idf = calloc((size_t)q->np + 1, sizeof *q->idf);
        sqlite3_int64 n = 0;
        api->xRowCount(fts, &n);
        for (int c = 0; c < 4; c++) {
            sqlite3_int64 t = 0;
            api->xColumnTotalSize(fts, c, &t);
            q->avg[c] = n > 0 && t > 0 ? (double)t / (double)n : 1.0;
        }
        for (int i = 0; i < q->np; i++) {
            sqlite3_int64 hit = 0;
            api->xQueryPhrase(fts, i, &hit, bm25f_count);
            double idf = log(((double)n - (double)hit + 0.5) / ((double)hit + 0.5));
            q->idf[i] = idf <= 0 ? 1e-6 : idf;
        }
        api->xSetAuxdata(fts, q, bm25f_free);
    }
    double w[4] = { 1, 1, 1, 1 }, norm[4];
    for (int c = 0; c < 4 && c < nval; c++) w[c] = sqlite3_value_double(val[c]);
    for (int c = 0; c < 4; c++) {
        int len = 0;
        api->xColumnSize(fts, c, &len);
        norm[c] = 1 - bm25f_b + bm25f_b * (double)len / q->avg[c];
    }
    double sum = 0;
    for (int i = 0; i < q->np; i++) {
        Fts5PhraseIter it;
        int col = -1, off = -1;
        double tf = 0;
        api->xPhraseFirst(fts, i, &it, &col, &off);
        for (; col >= 0; api->xPhraseNext(fts, &it, &col, &off)) if (col < 4) tf += w[col] / norm[col];
        sum += q->idf[i] * tf * (bm25f_k1 + 1) / (tf + bm25f_k1);
    }
    sqlite3_result_double(ctx, -sum);
}

int kj_search_conn_hook(void *raw_conn, void *ctx);   /* search/fts5: the tokenizer, kj_bm25, kj_scan */

static sqlite3 *open_db(const char *path, kj_analyzer *a)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK || kj_search_conn_hook(db, a) != 0 ||
        exec(db, "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536") ||
        kj_fts5_api(db)->xCreateFunction(kj_fts5_api(db), "kj_bm25f", NULL, bm25f_fn, NULL) != SQLITE_OK) {
        fprintf(stderr, "cannot open %s: %s\n", path, db ? sqlite3_errmsg(db) : "?");
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* Builds the system's index, measures it, runs every task on it. */
static int run_system(const system_def *sys, const corpus *c, kj_analyzer *a, const options *o, system_stats *ss)
{
    char path[4096], sql[256];
    snprintf(path, sizeof path, "%s/%s.db", o->tmp, sys->name);
    unlink(path);
    sqlite3 *db = open_db(path, a);
    if (!db) return -1;
    double t0 = now_s();
    int rc = build_index(db, sys, c);
    ss->build_s = now_s() - t0;
    if (rc == 0) measure_size(db, ss);
    runner r = { db, NULL, NULL, sys->is_kejiyun ? o->variant->build : whitespace_expr,
                 sys->is_kejiyun ? o->variant->strict : NULL, c, o->nkw, o->parity, o->blank_all, NULL,
                 { o->given[0], o->given[1] }, 0 };
    /* kejiyun ranks as the product does: kj_bm25 with the product's b
     * (search.h kj_bm25_b); the baselines with FTS5's bm25(). */
    char b[48];
    snprintf(b, sizeof b, ", ?2, %.17g", o->b >= 0 ? o->b : kj_bm25_b);
    snprintf(sql, sizeof sql, "SELECT rowid FROM docs WHERE docs MATCH ?1 ORDER BY %s(docs, %s%s), rowid LIMIT %d",
             sys->is_kejiyun ? (o->bm25f ? "kj_bm25f" : "kj_bm25") : "bm25", sys->is_kejiyun ? o->weights : o->base_weights,
             sys->is_kejiyun && !o->bm25f ? b : "", TOP_K);
    r.search = rc ? NULL : prepare(db, sql);
    if (!r.search) rc = -1;
    if (rc == 0 && sys->is_kejiyun && !o->no_rewrite) {
        r.vocab = exec(db, "CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, docs, 'row')") ? NULL
                : prepare(db, "SELECT doc FROM temp.vocab WHERE term = ?");
        r.ndocs = c->np + c->nt;
        if (!r.vocab) rc = -1;
    }
    for (int t = 0; t < NTASK && rc == 0; t++) rc = run_task(&r, &TASKS[t], &ss->t[t]);
    sqlite3_finalize(r.search);
    sqlite3_finalize(r.vocab);
    sqlite3_close(db);
    unlink(path);
    return rc;
}

/* ---- report ---------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of n sorted values. */
static double percentile(const double *v, int n, double p)
{
    if (n == 0) return 0;
    int k = (int)ceil(p / 100.0 * n);
    return v[k < 1 ? 0 : k - 1];
}

static int ran(const options *o, int s) { return !o->only || !strcmp(o->only, SYSTEMS[s].name); }

static void print_task(FILE *out, const options *o, system_stats *ss, int t)
{
    int nq = 0;
    for (int s = 0; s < NSYS; s++) if (ran(o, s)) nq = ss[s].t[t].n;
    fprintf(out, "\nTask %s — %s (n = %d queries)\n", TASKS[t].code, TASKS[t].what, nq);
    fprintf(out, "%-10s %8s %7s %7s %7s %8s %8s %8s %6s\n", "system", "nDCG@10", "MRR", "R@100", "P@1",
            "p50 ms", "p99 ms", "no hits", "errors");
    for (int s = 0; s < NSYS; s++) {
        task_stats *ts = &ss[s].t[t];
        if (!ran(o, s)) continue;
        qsort(ts->lat_ms, (size_t)ts->n, sizeof *ts->lat_ms, cmp_double);
        double n = ts->n ? ts->n : 1;
        fprintf(out, "%-10s %8.4f %7.4f %7.4f %7.4f %8.3f %8.3f %8d %6d\n", SYSTEMS[s].name, ts->ndcg / n,
                ts->rr / n, ts->found / n, ts->top1 / n, percentile(ts->lat_ms, ts->n, 50),
                percentile(ts->lat_ms, ts->n, 99), ts->no_hits, ts->errors);
    }
    if (ran(o, 2))
        fprintf(out, "  trigram: %d of %d queries have a piece of < 3 characters (it cannot match trigram), "
                     "%d have only such pieces\n", ss[2].t[t].with_short, ss[2].t[t].n, ss[2].t[t].all_short);
    if (ran(o, 0) && ss[0].t[t].no_terms)
        fprintf(out, "  kejiyun: %d queries analyzed to no terms\n", ss[0].t[t].no_terms);
    fprintf(out, "  breakdown    nDCG: paper  peers | top 10 per query: peers  other papers  distractors | results\n");
    for (int s = 0; s < NSYS; s++) {
        task_stats *ts = &ss[s].t[t];
        if (!ran(o, s)) continue;
        double n = ts->n ? ts->n : 1;
        fprintf(out, "  %-10s      %6.4f %6.4f |                  %5.2f  %12.2f  %11.2f | %7.1f\n", SYSTEMS[s].name,
                ts->ndcg_exact / n, (ts->ndcg - ts->ndcg_exact) / n, ts->top10_peer / n, ts->top10_other / n,
                ts->top10_distractor / n, ts->hits_sum / n);
    }
    /* one machine-readable line per system (bench/search/run's robustness table reads them) */
    for (int s = 0; s < NSYS; s++) {
        task_stats *ts = &ss[s].t[t];
        if (!ran(o, s)) continue;
        double n = ts->n ? ts->n : 1;
        fprintf(out, "  RESULT %s %s n=%d ndcg10=%.4f mrr=%.4f r10=%.4f r100=%.4f p50=%.3f\n", SYSTEMS[s].name, TASKS[t].code,
                ts->n, ts->ndcg / n, ts->rr / n, ts->top10 / n, ts->found / n, percentile(ts->lat_ms, ts->n, 50));
    }
}

static void print_sizes(FILE *out, const options *o, const system_stats *ss)
{
    fprintf(out, "\nIndex (all 9,000 documents; sizes after 'optimize' and VACUUM)\n");
    fprintf(out, "%-10s %10s %14s %14s %14s\n", "system", "build s", "FTS index B", "content B", "file B");
    for (int s = 0; s < NSYS; s++) {
        if (!ran(o, s)) continue;
        if (ss[s].have_dbstat)
            fprintf(out, "%-10s %10.2f %14lld %14lld %14lld\n", SYSTEMS[s].name, ss[s].build_s, ss[s].index_bytes,
                    ss[s].content_bytes, ss[s].file_bytes);
        else
            fprintf(out, "%-10s %10.2f %14s %14s %14lld\n", SYSTEMS[s].name, ss[s].build_s, "n/a", "n/a",
                    ss[s].file_bytes);
    }
    fprintf(out, "  FTS index = docs_data + docs_idx + docs_docsize + docs_config (dbstat); content = docs_content,\n"
                 "  the stored copy of the text (the product keeps it; an external-content table would not)\n");
}

/* Prints the targets; returns how many failed. */
static int print_targets(FILE *out, const system_stats *ss)
{
    const task_stats *k = &ss[0].t[0], *p = &ss[0].t[1];
    double nk = k->n ? k->n : 1, np = p->n ? p->n : 1;
    double best = 0;
    const char *best_name = "-";
    for (int s = 1; s < NSYS; s++)
        if (ss[s].t[0].ndcg / nk > best) { best = ss[s].t[0].ndcg / nk; best_name = SYSTEMS[s].name; }
    double kej = k->ndcg / nk, mrr = p->rr / np;
    int fk = !(kej >= 1.15 * best), fp = !(mrr >= 0.6);
    fprintf(out, "\nTargets\n");
    fprintf(out, "  task K nDCG@10: kejiyun %.4f >= 1.15 x best baseline (%s %.4f x 1.15 = %.4f): %s  (ratio %.3f)\n",
            kej, best_name, best, 1.15 * best, fk ? "FAIL" : "PASS", best > 0 ? kej / best : 0.0);
    fprintf(out, "  task P MRR: kejiyun %.4f >= 0.6: %s\n", mrr, fp ? "FAIL" : "PASS");
    return fk + fp;
}

static void report(FILE *out, const options *o, const corpus *c, system_stats *ss, double total_s)
{
    fprintf(out, "kejiyun search benchmark — CSL: %d papers + %d title-only distractors (%s), SQLite %s\n",
            c->np, c->nt, o->data, sqlite3_libversion());
    fprintf(out, "Task K query = the paper's first %d keywords, space-separated. Gains: 3 the paper, 1 same discipline.\n",
            o->nkw);
    fprintf(out, "bm25() weights title, keywords, summary, body: kejiyun %s; baselines %s\n", o->weights,
            o->base_weights);
    if (o->blank_all)
        fprintf(out, "VARIANT READING: the blanked column is empty for ALL papers (not only the queried one)\n");
    if (o->parity >= 0) fprintf(out, "SUBSET: only papers of %s index\n", o->parity ? "odd" : "even");
    if (o->variant != &VARIANTS[0])
        fprintf(out, "EXPERIMENT: kejiyun query builder = '%s' (%s)\n", o->variant->name, o->variant->what);
    for (int t = 0; t < NTASK; t++) print_task(out, o, ss, t);
    print_sizes(out, o, ss);
    fprintf(out, "\ntotal run time %.1f s\n", total_s);
    if (!o->only) print_targets(out, ss);
}

/* ---- given queries (--queries) ------------------------------------------------ */

/* Reads "K|P<TAB>row<TAB>query" lines into o->given (one array per task,
 * indexed by paper row). 0, or -1 with a message. */
static int load_given(options *o, const corpus *c)
{
    size_t len;
    char *text = read_file(o->queries, &len);
    if (!text) { fprintf(stderr, "cannot read %s\n", o->queries); return -1; }
    for (int t = 0; t < 2; t++) o->given[t] = calloc((size_t)c->np, sizeof(char *));
    if (!o->given[0] || !o->given[1]) { free(text); return -1; }
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2) continue;
        int task = line[0] == 'K' ? 0 : line[0] == 'P' ? 1 : -1;
        long row = strtol(t1 + 1, NULL, 10);
        if (task < 0 || row < 0 || row >= c->np) continue;
        free(o->given[task][row]);
        o->given[task][row] = xstrdup(t2 + 1);
    }
    free(text);
    return 0;
}

/* ---- main ------------------------------------------------------------------ */

static void usage(void)
{
    fputs("usage: eval --data CSL_DIR --text TEXT_DIR --tmp DIR --weights 'W,W,W,W' [--out FILE]\n"
          "            [--kw 2|3] [--base-weights 'W,W,W,W'] [--variant NAME] [--only SYSTEM]\n"
          "            [--half even|odd] [--blank one|all] [--rewrite on|off] [--alternates on|off] [--queries FILE]\n"
          "  CSL_DIR   ../shared/data/csl (papers.tsv, titles.tsv)\n"
          "  TEXT_DIR  the analyzer's data (data/text)\n"
          "  --weights bm25() field weights of search.c (title, keywords, summary, body)\n"
          "  --variant kejiyun's query builder, for tuning:", stderr);
    for (int i = 0; i < NVARIANT; i++) fprintf(stderr, " %s", VARIANTS[i].name);
    fputs("\n", stderr);
}

static const variant_def *find_variant(const char *name)
{
    for (int i = 0; i < NVARIANT; i++)
        if (!strcmp(VARIANTS[i].name, name)) return &VARIANTS[i];
    return NULL;
}

static int parse_args(int argc, char **argv, options *o)
{
    *o = (options){ .nkw = 3, .variant = &VARIANTS[0], .parity = -1, .b = -1 };
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--data")) o->data = v;
        else if (!strcmp(k, "--text")) o->text = v;
        else if (!strcmp(k, "--tmp")) o->tmp = v;
        else if (!strcmp(k, "--out")) o->out = v;
        else if (!strcmp(k, "--kw")) o->nkw = atoi(v);
        else if (!strcmp(k, "--weights")) o->weights = v;
        else if (!strcmp(k, "--base-weights")) o->base_weights = *v ? v : NULL;
        else if (!strcmp(k, "--only")) o->only = *v ? v : NULL;
        else if (!strcmp(k, "--rewrite")) o->no_rewrite = !strcmp(v, "off");
        else if (!strcmp(k, "--alternates")) o->no_alternates = !strcmp(v, "off");
        else if (!strcmp(k, "--queries")) o->queries = v;
        else if (!strcmp(k, "--rank")) o->bm25f = !strcmp(v, "bm25f");
        else if (!strcmp(k, "--b")) o->b = atof(v);
        else if (!strcmp(k, "--bm25f-b")) bm25f_b = atof(v);
        else if (!strcmp(k, "--bm25f-k1")) bm25f_k1 = atof(v);
        else if (!strcmp(k, "--blank")) o->blank_all = !strcmp(v, "all") ? 1 : !strcmp(v, "one") ? 0 : -1;
        else if (!strcmp(k, "--half")) o->parity = !strcmp(v, "even") ? 0 : !strcmp(v, "odd") ? 1 : -2;
        else if (!strcmp(k, "--variant")) { if (!(o->variant = find_variant(v))) return -1; }
        else return -1;
    }
    if (!o->base_weights) o->base_weights = o->weights;
    return o->data && o->text && o->tmp && o->weights && (o->nkw == 2 || o->nkw == 3) && o->parity >= -1 && o->blank_all >= 0 &&
           argc % 2 == 1 ? 0 : -1;
}

static void free_corpus(corpus *c)
{
    for (int i = 0; i < c->np; i++) {
        paper *p = &c->papers[i];
        for (int k = 0; k < p->nkw; k++) free(p->kw[k]);
        free(p->kw);
        free(p->id); free(p->title); free(p->abstract); free(p->keywords); free(p->discipline);
    }
    for (int j = 0; j < c->nt; j++) free(c->titles[j]);
    free(c->papers);
    free(c->titles);
    free(c->disc_size);
}

int main(int argc, char **argv)
{
    options o;
    if (parse_args(argc, argv, &o)) { usage(); return 2; }
    double t0 = now_s();
    corpus c;
    if (load_corpus(o.data, &c)) return 1;
    char err[512] = "";
    if (o.queries && load_given(&o, &c)) return 1;
    analyzer = kj_analyzer_open(o.text, err, sizeof err);
    if (!analyzer) { fprintf(stderr, "analyzer: %s\n", err); return 1; }
    kj_rewriter *rewriter = kj_rewriter_open(analyzer, o.text, err, sizeof err);
    if (!rewriter) { fprintf(stderr, "rewriter: %s\n", err); return 1; }
    alt_rewriter = o.no_rewrite || o.no_alternates ? NULL : rewriter;
    search_ctx = kj_search_ctx_new(analyzer, rewriter);
    if (!search_ctx) { fprintf(stderr, "out of memory\n"); return 1; }
    system_stats ss[NSYS];
    memset(ss, 0, sizeof ss);
    int rc = 0;
    for (int s = 0; s < NSYS && rc == 0; s++) {
        if (!ran(&o, s)) continue;
        fprintf(stderr, "  %s: indexing and querying...\n", SYSTEMS[s].name);
        if ((rc = run_system(&SYSTEMS[s], &c, analyzer, &o, &ss[s]))) fprintf(stderr, "%s failed\n", SYSTEMS[s].name);
    }
    if (rc == 0) {
        double total = now_s() - t0;
        report(stdout, &o, &c, ss, total);
        FILE *out = o.out ? fopen(o.out, "w") : NULL;
        if (out) { report(out, &o, &c, ss, total); fclose(out); }
        else if (o.out) { fprintf(stderr, "cannot write %s: %s\n", o.out, strerror(errno)); rc = 1; }
    }
    for (int s = 0; s < NSYS; s++)
        for (int t = 0; t < NTASK; t++) free(ss[s].t[t].lat_ms);
    for (int t = 0; t < 2 && o.given[0]; t++) {
        for (int i = 0; i < c.np; i++) free(o.given[t][i]);
        free(o.given[t]);
    }
    free_corpus(&c);
    kj_search_ctx_free(search_ctx);
    free(alt_counts);
    kj_rewriter_close(rewriter);
    kj_analyzer_close(analyzer);
    return rc ? 1 : 0;
}
