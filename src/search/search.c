/*
 * search.c — the search index, queries, facets, snippets, suggestions
 * (see search.h): the backend-independent side of the search seam
 * (backend.h). What to index and when, query planning (strict, then
 * relaxed), the ranking policy, filters and facets over the documents'
 * attributes in memory, and result shaping are here; the full-text engine
 * (FTS5: search/fts5/) is reached through kj_search_backend_of(db) only.
 * Matching lives in match.c, alerts in alerts.c.
 *
 * Query safety: the user's text never reaches the engine's syntax. It is
 * analyzed into terms (the same analyzer as the index), and the backend
 * quotes each term (add_term); BM25 then ranks documents that share more
 * (and rarer) terms first.
 */
#include "search/search.h"
#include "search/context_impl.h"
#include "core/json_util.h"
#include "search/backend.h"
#include "market/filters.h"
#include "search/doc_attrs.h"
#include "search/scan.h"
#include "search/fast_terms.h"
#include "search/outbox.h"
#include "search/local.h"
#include <math.h>
#include "core/clock.h"
#include "core/id.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The analyzer and rewriter are the store's search context's (context.h). */
kj_analyzer *kj_search_analyzer(kj_db *db) { return kj_search_ctx_analyzer(kj_search_ctx_of(db)); }

char *kj_search_rewrite(const kj_search_ctx *sc, const char *text, kj_df_fn df, void *ctx, int64_t docs, char **corrected)
{
    if (corrected) *corrected = NULL;
    if (!text) text = "";
    kj_rewriter *rw = kj_search_ctx_rewriter(sc);
    if (!rw) return strdup(text);
    kj_rewritten w;
    if (kj_rewrite_query(rw, text, strlen(text), df, ctx, docs, &w)) return NULL;
    char *out = w.text;
    if (corrected) *corrected = w.corrected;
    else free(w.corrected);
    return out;
}

/* kj_df_fn over the index (the cached counts). */
static int64_t index_df(void *ctx, const char *term) { return kj_search_term_docs(ctx, term); }

#define MAX_QUERY_BYTES 2000
#define MAX_QUERY_TERMS 48

/* Field weights for bm25(): title, keywords, summary, body. A column's term
 * count is multiplied by its weight before BM25 saturation. With FTS5's
 * length normalization they had to be high (15, 12, 10) for a summary hit
 * in a long document to count at all; without it (kj_bm25_b = 0) lower
 * weights saturate less, so a description naming a query word twice counts
 * more than once, and the title needs no extra weight: it is short, so a
 * word there is seldom repeated, and a hit anywhere in the listing's own
 * words counts alike (make bench-search, CSL dev, b = 0, K / P nDCG@10:
 * 15, 12, 10: 0.5219 / 0.5297; 5, 4, 3: 0.5244 / 0.5324; 5, 4, 4: 0.5266 /
 * 0.5351; 5, 5, 5: 0.5310 / 0.5381; 4, 4, 4: 0.5322 / 0.5395, both halves).
 * The description (body) stays below: long, and often boilerplate. Whole
 * numbers: the frequent terms' bitmaps keep weighted hits as integers. */
#define BM25_WEIGHT_LIST 4.0, 4.0, 4.0, 1.0
#define STR2(...) #__VA_ARGS__
#define STR(...) STR2(__VA_ARGS__)
#define BM25_WEIGHTS STR(BM25_WEIGHT_LIST)   /* "4.0, 4.0, 4.0, 1.0" */

/* Valid UTF-8 prefix of s of at most max bytes. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max) return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    return n;
}

const char *const kj_bm25_weights = BM25_WEIGHTS;
/* BM25's length normalization b: none. FTS5's bm25() normalizes by the
 * length of the whole row, so a short document (a title alone) whose one
 * word is a query word beat every long description holding it too; with
 * per-column normalization (BM25F, what Sphinx ranks with) that shrinks,
 * and with none it is gone (make bench-search, CSL dev, kejiyun nDCG@10:
 * b 0.75 → 0.4 → 0.2 → 0: task K 0.503 → 0.509 → 0.513 → 0.522, task P
 * 0.506 → 0.515 → 0.521 → 0.530 under BM25F; see bench/search/README.md).
 * Saturation (k1) still keeps a long text's repetitions from counting
 * without end. */
const double kj_bm25_b = 0.0;
const double kj_bm25_column_weights[4] = { BM25_WEIGHT_LIST };

/* The backends compiled in, by the store backend they run on. */
static const kj_search_backend *const backends[] = { &kj_search_fts5, &kj_search_local };

const kj_search_backend *kj_search_backend_for_store(const char *store)
{
    for (size_t i = 0; i < sizeof backends / sizeof *backends; i++)
        if (!strcmp(backends[i]->store, store)) return backends[i];
    return backends[0];
}

const kj_search_backend *kj_search_backend_of(kj_db *db)
{
    return kj_search_backend_for_store(kj_db_store(db)->be->name);
}

/* From this many documents on, rankings pass kj_bm25() the document count
 * of each term from the cache (kj_search_term_docs) instead of letting it
 * walk each term's doclist; below, the walk is cheap and exact (the cache
 * may be minutes old), so small indexes rank exactly as FTS5's bm25(). */
#define BM25_COUNTS_MIN_DOCS 50000
/* A term is given a bitmap (fast_terms.h) when at least this share of the
 * documents hold it, and never under FAST_TERM_MIN_DOCS: below, FTS5 steps
 * through its doclist quickly enough. */
#define FAST_TERM_SHARE 0.01
#define FAST_TERM_MIN_DOCS 1000

const int64_t kj_search_default_large_index = BM25_COUNTS_MIN_DOCS, kj_search_default_fast_term_docs = FAST_TERM_MIN_DOCS;

void kj_search_set_scale(kj_db *db, int64_t large_index, int64_t fast_term_docs)
{
    kj_search_ctx *c = kj_search_ctx_of(db);
    if (!c) return;
    c->large_index_docs = large_index > 0 ? large_index : BM25_COUNTS_MIN_DOCS;
    c->fast_term_min_docs = fast_term_docs > 0 ? fast_term_docs : FAST_TERM_MIN_DOCS;
}

/* The context's large-index threshold (the default without a context). */
static int64_t large_index(kj_search_ctx *c) { return c ? c->large_index_docs : BM25_COUNTS_MIN_DOCS; }

char *kj_search_bm25_counts(kj_db *db, json_t *terms)
{
    if (kj_search_doc_estimate(db) < large_index(kj_search_ctx_of(db))) return NULL;
    kj_buf out = { 0 };
    size_t i;
    json_t *t;
    json_array_foreach(terms, i, t) {
        int64_t n = json_is_string(t) ? kj_search_term_docs(db, json_string_value(t)) : 0;
        kj_buf_printf(&out, "%s%lld", i ? " " : "", (long long)(n > 0 ? n : -1));
    }
    return out.len ? kj_buf_steal(&out, NULL) : (kj_buf_free(&out), NULL);
}

char *kj_search_expr(kj_analyzer *a, const char *text, size_t len, int max_terms, bool all, json_t *terms_out, int *nterms)
{
    return kj_search_expr_in(a, &kj_search_fts5, text, len, max_terms, all, terms_out, nterms);
}

char *kj_search_expr_in(kj_analyzer *a, const kj_search_backend *sb, const char *text, size_t len, int max_terms, bool all,
                        json_t *terms_out, int *nterms)
{
    return kj_search_expr_alt(a, NULL, sb, text, len, max_terms, all, NULL, NULL, terms_out, NULL, nterms);
}

/* ---- Chinese terms and their English forms (rewrite.h: "and back") ----
 * A Chinese term of the bilingual list in the query (缺陷检测) is searched
 * as it is, OR as any of its English forms ("defect detection"), so that a
 * listing written in English is found by the Chinese query. The English
 * forms rank below the Chinese term: each counts for ALT_IDF_PERMILLE ‰ of the
 * IDF of the Chinese words it stands for (kj_search_tie_counts), so a
 * listing that holds the query's own words comes first, and a query fully
 * matched in Chinese is not pushed down by English hits. */
#define ALT_IDF_PERMILLE 700
#define MAX_ALTERNATES 16        /* Chinese terms per query */
#define MAX_FORMS 4              /* English forms per Chinese term */
#define MAX_PHRASES 64           /* everything a scan ranks (kj_search_scan: 64 phrases) */

typedef struct { char *term; int start, end; } query_token;
typedef struct { query_token v[MAX_PHRASES]; int n, max; } query_tokens;

/* The query's terms (QUERY mode: position tokens only), each once, the
 * first max of them, with their byte ranges. */
static int collect_query_token(void *ctx, int flags, const char *tok, int len, int start, int end)
{
    query_tokens *q = ctx;
    if ((flags & KJ_TOKEN_COLOCATED) || len <= 0 || q->n >= q->max) return 0;
    for (int i = 0; i < q->n; i++)
        if ((int)strlen(q->v[i].term) == len && !memcmp(q->v[i].term, tok, (size_t)len)) return 0;
    char *t = strndup(tok, (size_t)len);
    if (!t) return 1;
    q->v[q->n++] = (query_token){ t, start, end };
    return 0;
}

/* Whether English form en is worth searching beside the Chinese terms
 * group[0..n): it analyzes into other terms (a synonym analyzes into the
 * Chinese term itself, which the index holds for it already), and, when
 * df is given, each of its words is in some document. */
static bool form_useful(kj_analyzer *a, const char *en, char *const *group, int n, kj_df_fn df, void *dfctx)
{
    int m = 0;
    char **t = kj_analyze_terms(a, KJ_ANALYZE_QUERY, en, -1, &m);
    if (!t) return false;
    bool same = m == n;
    for (int i = 0; same && i < m; i++) same = !strcmp(t[i], group[i]);
    bool useful = !same;
    for (int i = 0; useful && df && i < m; i++) useful = df(dfctx, t[i]) != 0;
    kj_terms_free(t, m);
    return useful;
}

char *kj_search_expr_alt(kj_analyzer *a, const kj_rewriter *rw, const kj_search_backend *sb, const char *text, size_t len,
                         int max_terms, bool all, kj_df_fn df, void *dfctx, json_t *terms_out, json_t *ties_out, int *nterms)
{
    if (nterms) *nterms = 0;
    if (!a || !text) return NULL;
    len = utf8_cut(text, len, MAX_QUERY_BYTES * 4);
    query_tokens q = { .max = max_terms < MAX_PHRASES ? max_terms : MAX_PHRASES };
    if (kj_analyze(a, KJ_ANALYZE_QUERY, text, (int)len, collect_query_token, &q)) {
        for (int i = 0; i < q.n; i++) free(q.v[i].term);
        return NULL;
    }
    /* Which terms each Chinese term of the list covers: exactly the terms
     * from its first byte to its last (a term cut by a word edge is none).
     * Terms of the list may overlap (表面缺陷 and 缺陷检测 in 表面缺陷检测)
     * or nest: overlapping ones make one group, the union of their terms,
     * searched as those terms OR any form of any of them, each form tied to
     * the terms of its own Chinese term (kj_search_tie_counts). */
    int group_of[MAX_PHRASES], lo[MAX_ALTERNATES], hi[MAX_ALTERNATES];
    kj_alternate alt[MAX_ALTERNATES];
    for (int i = 0; i < q.n; i++) group_of[i] = -1;
    char *copy = rw && sb->add_group && q.n ? strndup(text, len) : NULL;
    int nalt = copy ? kj_rewrite_alternates(rw, copy, alt, MAX_ALTERNATES) : 0;
    free(copy);
    for (int g = 0; g < nalt; g++) {
        int first = -1, last = -1;
        bool clean = true;
        for (int i = 0; i < q.n; i++) {
            bool inside = q.v[i].start >= alt[g].start && q.v[i].end <= alt[g].end;
            bool overlaps = q.v[i].start < alt[g].end && q.v[i].end > alt[g].start;
            if (overlaps && !inside) clean = false;
            if (!inside) continue;
            if (first < 0) first = i;
            else if (i != last + 1) clean = false;
            last = i;
        }
        lo[g] = hi[g] = -1;
        if (!clean || first < 0 || q.v[first].start != alt[g].start || q.v[last].end != alt[g].end) continue;
        lo[g] = first;
        hi[g] = last;
        /* Joins the groups it overlaps (they become g's), then takes its terms. */
        for (int i = first; i <= last; i++) {
            int old = group_of[i];
            if (old < 0 || old == g) continue;
            for (int k = 0; k < q.n; k++) if (group_of[k] == old) group_of[k] = g;
        }
        for (int i = first; i <= last; i++) group_of[i] = g;
    }
    kj_buf expr = { 0 };
    int used = 0, phrases = q.n, at = 0;   /* terms of the text; phrases in all; phrases so far */
    for (int i = 0; i < q.n; i++) {
        int g = group_of[i];
        if (g < 0) {
            sb->add_term(&expr, q.v[i].term, all);
            if (terms_out) json_array_append_new(terms_out, json_string(q.v[i].term));
            if (ties_out) json_array_append_new(ties_out, json_null());
            used++;
            at++;
            continue;
        }
        int n = 0;
        char *group[MAX_PHRASES];
        while (i + n < q.n && group_of[i + n] == g) { group[n] = q.v[i + n].term; n++; }
        /* The forms of every Chinese term inside the group, in the order
         * found (the longer first where two start together), at most
         * MAX_FORMS each, each once. */
        const char *forms[MAX_PHRASES];
        int form_lo[MAX_PHRASES], form_hi[MAX_PHRASES];
        int nforms = 0;
        for (int h = 0; h < nalt; h++) {
            if (lo[h] < i || hi[h] < 0 || hi[h] >= i + n) continue;
            int mine = 0;
            for (int f = 0; f < alt[h].nen && mine < MAX_FORMS && phrases < MAX_PHRASES; f++) {
                bool dup = false;
                for (int k = 0; k < nforms && !dup; k++) dup = !strcmp(forms[k], alt[h].en[f]);
                if (dup || !form_useful(a, alt[h].en[f], group + (lo[h] - i), hi[h] - lo[h] + 1, df, dfctx)) continue;
                forms[nforms] = alt[h].en[f];
                form_lo[nforms] = lo[h] - i;
                form_hi[nforms] = hi[h] - i;
                nforms++;
                mine++;
                phrases++;
            }
        }
        if (nforms) sb->add_group(&expr, group, n, forms, nforms, all);
        else
            for (int k = 0; k < n; k++) sb->add_term(&expr, group[k], all);
        for (int k = 0; k < n; k++) {
            if (terms_out) json_array_append_new(terms_out, json_string(group[k]));
            if (ties_out) json_array_append_new(ties_out, json_null());
        }
        for (int f = 0; f < nforms; f++) {
            if (terms_out) json_array_append_new(terms_out, json_string(forms[f]));
            if (ties_out) {
                json_t *of = json_array();
                for (int k = form_lo[f]; k <= form_hi[f]; k++) json_array_append_new(of, json_integer(at + k));
                json_array_append_new(ties_out, of);
            }
        }
        used += n;
        at += n + nforms;
        i += n - 1;
    }
    for (int i = 0; i < q.n; i++) free(q.v[i].term);
    if (nterms) *nterms = used;
    if (!used) { kj_buf_free(&expr); return NULL; }
    return kj_buf_steal(&expr, NULL);
}

char *kj_search_tie_counts(json_t *ties, const char *counts)
{
    bool any = false;
    size_t i;
    json_t *t;
    json_array_foreach(ties, i, t) any = any || json_is_array(t);
    if (!any) return counts ? strdup(counts) : NULL;
    kj_buf out = { 0 };
    const char *p = counts;
    json_array_foreach(ties, i, t) {
        long long n = -1;
        if (p) {
            char *end;
            n = strtoll(p, &end, 10);
            if (end == p) { p = NULL; n = -1; }
            else p = end;
        }
        if (i) kj_buf_puts(&out, " ");
        if (!json_is_array(t)) { kj_buf_printf(&out, "%lld", n); continue; }
        kj_buf_printf(&out, "~%d@", ALT_IDF_PERMILLE);
        size_t k;
        json_t *of;
        json_array_foreach(t, k, of) kj_buf_printf(&out, "%s%lld", k ? "+" : "", (long long)json_integer_value(of));
    }
    return kj_buf_steal(&out, NULL);
}

/* ---- term statistics ----
 * How many documents hold a term: counting walks the term's whole doclist
 * (a term in 300,000 of 1M documents: 10–60 ms), and the answer moves
 * slowly. Two tables in the store's search context (context.h), both
 * shared by all request threads and only touched under its df_lock:
 *  - frequent: every term held by at least FREQUENT_MIN documents, from one
 *    walk of the whole index (kj_search_refresh_term_stats, by the jobs
 *    thread: 2.5 s at 1M listings, every FREQUENT_TTL_MS). A term not in it
 *    held fewer documents then, so counting it is cheap.
 *  - df_cache: the terms counted one by one, kept for DF_TTL_MS, emptied
 *    when it grows past DF_MAX_TERMS. A count of 0 is kept only while the
 *    store's generation is the one it was read at: it is cheap to redo, and
 *    a stale 0 would hide a word that a new listing brought (an English
 *    form is searched only when each of its words is in some document:
 *    form_useful) for the whole DF_TTL_MS. Other counts keep their TTL:
 *    renewing every small count at each write changed matching in a small
 *    index (test_search_understanding's recall test lost its rank). */
#define DF_TTL_MS (10 * 60 * 1000)
#define DF_MAX_TERMS 50000
#define FREQUENT_MIN 500
#define FREQUENT_TTL_MS (15 * 60 * 1000)

int kj_search_refresh_term_stats(kj_db *db)
{
    kj_search_ctx *c = kj_search_ctx_of(db);
    if (!c) return -1;
    int64_t now = kj_now_ms();
    json_t *rows = kj_search_backend_of(db)->frequent_terms(db, FREQUENT_MIN);
    if (!rows) return -1;
    json_t *terms = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
        json_object_set(terms, json_string_value(json_object_get(r, "term")), json_object_get(r, "doc"));
    json_decref(rows);
    int n = (int)json_object_size(terms);
    pthread_mutex_lock(&c->df_lock);
    json_decref(c->frequent);
    c->frequent = terms;
    c->frequent_at = now;
    pthread_mutex_unlock(&c->df_lock);
    return n;
}

bool kj_search_term_stats_due(kj_db *db)
{
    kj_search_ctx *c = kj_search_ctx_of(db);
    if (!c) return false;
    pthread_mutex_lock(&c->df_lock);
    bool due = !c->frequent || kj_now_ms() - c->frequent_at >= FREQUENT_TTL_MS;
    pthread_mutex_unlock(&c->df_lock);
    return due;
}

int64_t kj_search_term_docs(kj_db *db, const char *term)
{
    kj_search_ctx *c = kj_search_ctx_of(db);
    if (!c) return kj_search_backend_of(db)->term_docs(db, term);
    int64_t now = kj_now_ms(), docs = -1;
    /* Read before the count: a write meanwhile leaves the entry stale at once. */
    json_int_t generation = (json_int_t)kj_store_generation(kj_db_store(db));
    pthread_mutex_lock(&c->df_lock);
    if (c->frequent && now - c->frequent_at < FREQUENT_TTL_MS) {
        json_t *n = json_object_get(c->frequent, term);
        if (n) docs = json_integer_value(n);
    }
    json_t *hit = docs < 0 && c->df_cache ? json_object_get(c->df_cache, term) : NULL;
    if (hit && now - json_integer_value(json_array_get(hit, 1)) < DF_TTL_MS) {
        json_int_t n = json_integer_value(json_array_get(hit, 0));
        if (n > 0 || json_integer_value(json_array_get(hit, 2)) == generation) docs = n;
    }
    pthread_mutex_unlock(&c->df_lock);
    if (docs >= 0) return docs;
    docs = kj_search_backend_of(db)->term_docs(db, term);
    if (docs < 0) return docs;
    pthread_mutex_lock(&c->df_lock);
    if (!c->df_cache || json_object_size(c->df_cache) >= DF_MAX_TERMS) {
        json_decref(c->df_cache);
        c->df_cache = json_object();
    }
    json_object_set_new(c->df_cache, term, json_pack("[I, I, I]", (json_int_t)docs, (json_int_t)now, generation));
    pthread_mutex_unlock(&c->df_lock);
    return docs;
}

/* The estimate as last read, for the store (serial) and generation it was
 * read at: every search asks for it (whether the index is large enough for
 * the cached term counts), and it cost a results page one of its five
 * statements. Any write through the store ends it, as the response cache's
 * pages; writes by other processes (an import command) within
 * ESTIMATE_TTL_US. It only chooses between ways of counting (thresholds of
 * thousands of documents): a second's lag changes nothing a user sees.
 * Kept in the store's search context, under its estimate_lock. */
#define ESTIMATE_TTL_US 1000000

int64_t kj_search_doc_estimate(kj_db *db)
{
    kj_store *s = kj_db_store(db);
    kj_search_ctx *c = kj_search_ctx_of(db);
    /* Inside a transaction the estimate may count its own uncommitted documents. */
    bool memo = c && !kj_db_in_transaction(db);
    uint64_t generation = kj_store_generation(s);
    int64_t now = kj_mono_us(), docs = -1;
    if (memo) {
        pthread_mutex_lock(&c->estimate_lock);
        if (c->estimate.set && c->estimate.generation == generation && now - c->estimate.at_us < ESTIMATE_TTL_US)
            docs = c->estimate.docs;
        pthread_mutex_unlock(&c->estimate_lock);
        if (docs >= 0) return docs;
    }
    int64_t n = kj_search_backend_of(db)->max_docno(db);
    docs = n > 0 ? n : 0;
    if (memo && n >= 0) {
        pthread_mutex_lock(&c->estimate_lock);
        c->estimate.set = true;
        c->estimate.generation = generation;   /* read before: a write meanwhile leaves it stale at once */
        c->estimate.at_us = now;
        c->estimate.docs = docs;
        pthread_mutex_unlock(&c->estimate_lock);
    }
    return docs;
}

char *kj_search_match_expr(kj_analyzer *a, const char *text, size_t len, int max_terms, json_t *terms_out)
{
    return kj_search_expr(a, text, len, max_terms, false, terms_out, NULL);
}

/* Key terms of a document (title, keywords, summary): what a match
 * explanation can show as shared. */
static json_t *key_terms(kj_analyzer *analyzer, const char *title, const char *keywords_text, const char *summary)
{
    json_t *out = json_array();
    if (!analyzer) return out;
    kj_buf b = { 0 };
    kj_buf_printf(&b, "%s\n%s\n%s", title ? title : "", keywords_text ? keywords_text : "", summary ? summary : "");
    int n = 0;
    char **terms = kj_analyze_terms(analyzer, KJ_ANALYZE_QUERY, b.data, (int)b.len, &n);
    /* A single CJK character or Latin letter explains nothing: keep words. */
    for (int i = 0; i < n && i < 64; i++) {
        size_t len = strlen(terms[i]);
        bool cjk = (unsigned char)terms[i][0] >= 0x80;
        if ((cjk && len >= 6) || (!cjk && len >= 2)) json_array_append_new(out, json_string(terms[i]));
    }
    kj_terms_free(terms, n);
    kj_buf_free(&b);
    return out;
}

json_t *kj_search_doc_terms(kj_db *db, const char *doc_id)
{
    const kj_search_backend *sb = kj_search_backend_of(db);
    json_t *row = sb->terms_get(db, doc_id);
    if (!row) return json_array();
    json_t *t = json_object_get(row, "t");
    if (json_is_array(t)) { json_incref(t); json_decref(row); return t; }
    json_t *src = !strcmp(kj_jstr(row, "doc_kind"), "studio")
        ? kj_db_row(db, "SELECT name AS title, directions || ' ' || skills AS kw, affiliation AS summary FROM studios WHERE id = ?", "s", doc_id)
        : kj_db_row(db, "SELECT title, keywords AS kw, summary FROM listings WHERE id = ?", "s", doc_id);
    json_decref(row);
    json_t *terms = key_terms(kj_search_analyzer(db), kj_jstr(src, "title"), kj_jstr(src, "kw"), kj_jstr(src, "summary"));
    json_decref(src);
    sb->terms_put(db, doc_id, terms);
    return terms;
}

static int remove_doc(kj_db *db, const char *doc_id)
{
    return kj_search_backend_of(db)->remove(db, doc_id);
}

static int add_doc(kj_db *db, const char *doc_id, const char *kind, const char *title, const char *keywords,
                   const char *summary, const char *body)
{
    kj_search_doc d = { doc_id, kind, title, keywords, summary, body };
    return kj_search_backend_of(db)->add(db, &d);
}

int kj_alerts_for_new_listing(kj_db *db, const char *listing_id);
int kj_match_drain(kj_db *db, int max);

static int sync_listing(kj_db *db, const char *listing_id, bool notify, bool defer);

int kj_search_sync_listing(kj_db *db, const char *listing_id, bool notify)
{
    return sync_listing(db, listing_id, notify, false);
}

int kj_search_sync_listing_deferred(kj_db *db, const char *listing_id, bool notify)
{
    return sync_listing(db, listing_id, notify, true);
}

int kj_match_drain(kj_db *db, int max)
{
    json_t *due = kj_db_rows(db, "SELECT listing_id, notify FROM match_queue ORDER BY queued_at, listing_id LIMIT ?", "i", (int64_t)max);
    int done = 0;
    /* On a node's local copy (local.h), listings queued by another node
     * (an import there) must be in the copy before they are matched. */
    if (json_array_size(due) && kj_search_local_on(db) && kj_search_local_catch_up(db) < 0) { json_decref(due); return 0; }
    size_t i;
    json_t *r;
    json_array_foreach(due, i, r) {
        const char *id = kj_jstr(r, "listing_id");
        if (kj_db_begin(db)) break;
        /* The claim, first in the transaction: a node that drains at the
         * same time (a job leader change) finds the row gone and skips it,
         * so alerts go out once. */
        int rc = kj_db_exec(db, "DELETE FROM match_queue WHERE listing_id = ?", "s", id);
        if (rc == 0) { kj_db_rollback(db); continue; }
        rc = rc < 0 ? -1 : 0;
        if (rc == 0 && kj_search_backend_of(db)->doc_number(db, id)) {
            rc = kj_match_compute(db, id) < 0 ? -1 : 0;
            if (rc == 0 && json_integer_value(json_object_get(r, "notify"))) kj_alerts_for_new_listing(db, id);
        }
        if (rc || kj_db_commit(db)) { kj_db_rollback(db); break; }
        done++;
    }
    json_decref(due);
    return done;
}

/* Whether listing l (status, valid_until) belongs in the index today. */
static bool is_live(json_t *l)
{
    char today[16];
    kj_format_date(kj_now_ms(), today, sizeof today);
    const char *status = kj_jstr(l, "status"), *vu = kj_jstr(l, "valid_until");
    return status && vu && !strcmp(status, "published") && strcmp(vu, today) >= 0;
}

/* Indexes listing listing_id: l's title, keywords, summary and
 * description, with its translations' titles beside the title and their
 * summaries beside the summary (issue 17 §1: a reader searching in the
 * translation's language finds it; a listing without translations is
 * indexed exactly as before). translations: l's own "translations" when it
 * has them (a content object), else read here. */
static int add_listing_doc(kj_db *db, const char *listing_id, json_t *l)
{
    json_t *tr = json_incref(json_object_get(l, "translations"));
    if (!json_is_object(tr)) { json_decref(tr); tr = kj_listing_translations(db, listing_id); }
    if (!tr) return -1;
    kj_buf title = { 0 }, summary = { 0 };
    kj_buf_puts(&title, kj_jstr_or_empty(l, "title"));
    kj_buf_puts(&summary, kj_jstr_or_empty(l, "summary"));
    const char *tag;
    json_t *e;
    json_object_foreach(tr, tag, e) {
        kj_buf_printf(&title, "\n%s", kj_jstr_or_empty(e, "title"));
        if (*kj_jstr_or_empty(e, "summary")) kj_buf_printf(&summary, "\n%s", kj_jstr_or_empty(e, "summary"));
    }
    json_decref(tr);
    char *kw = kj_listing_keywords_text(json_object_get(l, "keywords"));
    int rc = add_doc(db, listing_id, "listing", title.data ? title.data : "", kw, summary.data ? summary.data : "",
                     kj_jstr(l, "description"));
    free(kw);
    kj_buf_free(&title);
    kj_buf_free(&summary);
    return rc;
}

/* Indexes live listing l (add_listing_doc), then matches it now or
 * queues the matching. */
static int index_live(kj_db *db, const char *listing_id, json_t *l, bool notify, bool defer)
{
    /* A node's copy being rebuilt by another thread does not take this
     * document now (local.h), and matching reads the listing's own terms
     * from the index: the job leader matches it once its copy has it. */
    if (!defer && kj_search_local_rebuilding(db)) defer = true;
    int rc = add_listing_doc(db, listing_id, l);
    if (defer) {
        if (rc == 0) rc = kj_db_exec(db, "INSERT INTO match_queue(listing_id, notify, queued_at) VALUES (?,?,?) "
                                         "ON CONFLICT(listing_id) DO UPDATE SET notify = excluded.notify",
                                     "sbi", listing_id, (int)notify, kj_now_ms()) < 0 ? -1 : 0;
    } else {
        if (rc == 0 && kj_match_compute(db, listing_id) < 0) rc = -1;
        if (rc == 0 && notify) kj_alerts_for_new_listing(db, listing_id);
    }
    return rc;
}

static int sync_listing(kj_db *db, const char *listing_id, bool notify, bool defer)
{
    if (kj_search_outbox_put(db, listing_id, "listing")) return -1;
    json_t *l = kj_db_row(db, "SELECT id, kind, status, valid_until, title, keywords AS keywords__json, summary, description "
                              "FROM listings WHERE id = ?", "s", listing_id);
    if (remove_doc(db, listing_id)) { json_decref(l); return -1; }
    int rc = 0;
    if (l && is_live(l)) {
        rc = index_live(db, listing_id, l, notify, defer);
    } else {
        rc = kj_db_exec(db, "DELETE FROM matches WHERE demand_id = ? OR offer_id = ?", "ss", listing_id, listing_id) < 0 ? -1 : 0;
    }
    json_decref(l);
    return rc;
}

int kj_search_add_listing_deferred(kj_db *db, const char *listing_id, json_t *listing, bool notify, bool queue_match)
{
    if (!is_live(listing)) return 0;
    if (kj_search_outbox_put(db, listing_id, "listing")) return -1;
    if (!queue_match) {
        char *kw = kj_listing_keywords_text(json_object_get(listing, "keywords"));
        int rc = add_doc(db, listing_id, "listing", kj_jstr(listing, "title"), kw, kj_jstr(listing, "summary"),
                         kj_jstr(listing, "description"));
        free(kw);
        return rc;
    }
    return index_live(db, listing_id, listing, notify, true);
}

int kj_match_queue_origin(kj_db *db, const char *origin, int64_t since_ms)
{
    return kj_db_exec(db, "INSERT INTO match_queue(listing_id, notify, queued_at) SELECT id, 0, ? FROM listings "
                          "WHERE origin = ? AND status = 'published' AND updated_at >= ? ON CONFLICT(listing_id) DO NOTHING",
                      "isi", kj_now_ms(), origin, since_ms);
}

/* The one way a studio's text becomes an index document, as
 * add_listing_doc is a listing's (sync, rebuild, and a node's local copy:
 * local.h), so that every path indexes the same words in the same columns. */
static int add_studio_doc(kj_db *db, const char *studio_id, json_t *s)
{
    kj_buf kw = { 0 };
    kj_buf_printf(&kw, "%s\n%s", kj_jstr(s, "directions") ? kj_jstr(s, "directions") : "", kj_jstr(s, "skills") ? kj_jstr(s, "skills") : "");
    int rc = add_doc(db, studio_id, "studio", kj_jstr(s, "name"), kw.data ? kw.data : "", kj_jstr(s, "affiliation"), kj_jstr(s, "intro"));
    kj_buf_free(&kw);
    return rc;
}

#define STUDIO_DOC_SQL "SELECT id, name, directions, skills, intro, affiliation FROM studios"
#define LISTING_DOC_SQL "SELECT id, kind, status, valid_until, title, keywords AS keywords__json, summary, description FROM listings"

int kj_search_sync_studio(kj_db *db, const char *studio_id)
{
    if (kj_search_outbox_put(db, studio_id, "studio")) return -1;
    json_t *s = kj_db_row(db, STUDIO_DOC_SQL " WHERE id = ?", "s", studio_id);
    if (remove_doc(db, studio_id)) { json_decref(s); return -1; }
    int rc = 0;
    if (s) {
        rc = add_studio_doc(db, studio_id, s);
        if (rc == 0 && kj_match_compute(db, studio_id) < 0) rc = -1;
    }
    json_decref(s);
    return rc;
}

int kj_search_refresh_doc(kj_db *db, const char *doc_id, const char *doc_kind)
{
    bool studio = !strcmp(doc_kind, "studio");
    json_t *row = kj_db_row(db, studio ? STUDIO_DOC_SQL " WHERE id = ?" : LISTING_DOC_SQL " WHERE id = ?", "s", doc_id);
    if (kj_db_failed(db)) { json_decref(row); return -1; }
    int rc = remove_doc(db, doc_id);
    if (rc == 0 && row && (studio || is_live(row))) rc = studio ? add_studio_doc(db, doc_id, row) : add_listing_doc(db, doc_id, row);
    json_decref(row);
    return rc;
}

int kj_search_index_all(kj_db *db, json_t *demands)
{
    /* Read in pages of 1,000 in id order (one statement per page, not per
     * document: on PostgreSQL each statement is a round trip). */
    char today[16];
    kj_format_date(kj_now_ms(), today, sizeof today);
    int n = 0;
    for (int pass = 0; pass < 2; pass++) {
        char after[64] = "";
        for (;;) {
            json_t *rows = pass == 0
                ? kj_db_rows(db, LISTING_DOC_SQL " WHERE status = 'published' AND valid_until >= ? AND id > ? ORDER BY id LIMIT 1000",
                             "ss", today, after)
                : kj_db_rows(db, STUDIO_DOC_SQL " WHERE id > ? ORDER BY id LIMIT 1000", "s", after);
            if (!rows) return -1;
            /* The page's translations in one read (add_listing_doc would
             * read them per listing: 100k round trips on PostgreSQL). */
            if (pass == 0 && kj_listing_translations_attach(db, rows, NULL)) { json_decref(rows); return -1; }
            size_t i;
            json_t *r;
            json_array_foreach(rows, i, r) {
                const char *id = kj_jstr(r, "id");
                if ((pass == 0 ? add_listing_doc(db, id, r) : add_studio_doc(db, id, r)) < 0) { json_decref(rows); return -1; }
                if (pass == 0 && demands && kj_jstr(r, "kind") && !strcmp(kj_jstr(r, "kind"), "demand"))
                    json_array_append(demands, json_object_get(r, "id"));
                snprintf(after, sizeof after, "%s", id);
                n++;
            }
            size_t got = json_array_size(rows);
            json_decref(rows);
            if (got < 1000) break;
        }
    }
    return n;
}

int kj_search_reindex(kj_db *db)
{
    if (kj_db_begin(db)) return -1;
    int rc = kj_search_outbox_put(db, "*", "all") || kj_search_backend_of(db)->clear(db) < 0 || kj_db_exec(db, "DELETE FROM matches", "") < 0 || kj_db_exec(db, "DELETE FROM match_queue", "") < 0 ? -1 : 0;
    json_t *demands = json_array();   /* the demands indexed: matched below */
    size_t i;
    json_t *r;
    /* Index everything first, then match, so that early documents see late ones. */
    int n = rc ? -1 : kj_search_index_all(db, demands);
    if (n < 0 || kj_search_local_mark_rebuilt(db)) rc = -1;
    if (rc == 0) rc = kj_search_optimize(db);
    if (rc || kj_db_commit(db)) { kj_db_rollback(db); json_decref(demands); return -1; }
    /* Then the matches, in a second transaction: the index is committed, so
     * the documents' attributes can be read into memory first (doc_attrs.h
     * keeps nothing read inside a transaction) — else every candidate of
     * every demand would be read from its table. */
    int64_t cursor = 0;
    while ((rc = (int)kj_search_warm(db, &cursor, 50000)) > 0) {}
    if (rc < 0 || kj_db_begin(db)) { json_decref(demands); return -1; }
    json_array_foreach(demands, i, r) if (rc == 0 && kj_match_compute(db, json_string_value(r)) < 0) rc = -1;
    json_decref(demands);
    if (rc || kj_db_commit(db)) { kj_db_rollback(db); return -1; }
    return n;
}

int kj_search_optimize(kj_db *db)
{
    return kj_search_backend_of(db)->optimize(db);
}

json_t *kj_search_stats(kj_db *db)
{
    kj_search_ctx *sc = kj_search_ctx_of(db);
    json_t *index = kj_search_backend_of(db)->stats(db);
    json_t *out = json_pack("{s:I, s:O, s:O, s:O, s:I}", "in_memory", (json_int_t)(sc ? kj_doc_attrs_count(sc->docs) : 0),
        "documents", json_object_get(index, "documents"), "listings", json_object_get(index, "listings"),
        "studios", json_object_get(index, "studios"),
        "matches", (json_int_t)kj_db_int(db, 0, "SELECT count(*) FROM matches", ""));
    json_decref(index);
    return out;
}

/* ---- queries ---- */

static bool has_listing_filters(const kj_listing_query *f)
{
    if (f->kind && strcmp(f->kind, "studio")) return true;
    /* The origin filters studios too (each backend's scan_filtered). */
    for (const kj_listing_filter *k = kj_listing_filters; k->name; k++)
        if (k->active(f) && strcmp(k->name, "origin")) return true;
    return false;
}

/* ---- facets: counted in one pass over all matches ---- */

#define FACET_MAX_VALUES 50

typedef struct { char code[24]; int64_t n; } facet_count;
typedef struct { facet_count v[FACET_MAX_VALUES * 4]; int len; } facet_counts;

/* Adds one to value code (NULL: not counted). The number of distinct codes
 * is bounded by the reference data (kinds, domains, provinces, TRL 1–9);
 * values past the array's room are dropped rather than grown. */
static void facet_add_n(facet_counts *f, const char *code, size_t len, int64_t n)
{
    if (!code || !len || len >= sizeof f->v[0].code) return;
    for (int i = 0; i < f->len; i++)
        if (!strncmp(f->v[i].code, code, len) && !f->v[i].code[len]) { f->v[i].n += n; return; }
    if (f->len == (int)(sizeof f->v / sizeof *f->v)) return;
    memcpy(f->v[f->len].code, code, len);
    f->v[f->len].code[len] = 0;
    f->v[f->len++].n = n;
}

static void facet_add(facet_counts *f, const char *code, size_t len) { facet_add_n(f, code, len, 1); }

static int by_count_then_code(const void *a, const void *b)
{
    const facet_count *x = a, *y = b;
    if (x->n != y->n) return x->n < y->n ? 1 : -1;
    return strcmp(x->code, y->code);
}

/* [{code, n}] by count, then code; numeric codes (TRL) as integers. */
static json_t *facet_json(facet_counts *f, bool numeric)
{
    qsort(f->v, (size_t)f->len, sizeof *f->v, by_count_then_code);
    json_t *out = json_array();
    for (int i = 0; i < f->len && i < FACET_MAX_VALUES; i++)
        json_array_append_new(out, json_pack("{s:o, s:I}", "code",
            numeric ? json_integer(atoll(f->v[i].code)) : json_string(f->v[i].code), "n", (json_int_t)f->v[i].n));
    return out;
}

enum { FACET_KIND, FACET_DOMAIN, FACET_REGION, FACET_TRL, NFACETS };

/* ---- ranking: the best k matches, kept in a bounded heap ---- */

typedef struct { double score; int64_t rowid; } ranked;
typedef struct { ranked *v; int len, cap; } top_k;

/* a ranks below b: lower score, or the same score and a later rowid. */
static bool ranks_below(const ranked *a, const ranked *b)
{
    return a->score < b->score || (a->score == b->score && a->rowid > b->rowid);
}

static void swap_ranked(ranked *a, ranked *b) { ranked t = *a; *a = *b; *b = t; }

/* Min-heap on rank: v[0] is the worst of the best cap seen so far. */
static void top_k_offer(top_k *t, double score, int64_t rowid)
{
    ranked r = { score, rowid };
    if (t->len < t->cap) {
        int i = t->len++;
        t->v[i] = r;
        while (i > 0 && ranks_below(&t->v[i], &t->v[(i - 1) / 2])) {
            swap_ranked(&t->v[i], &t->v[(i - 1) / 2]);
            i = (i - 1) / 2;
        }
        return;
    }
    if (t->cap == 0 || !ranks_below(&t->v[0], &r)) return;
    t->v[0] = r;
    for (int i = 0;;) {
        int l = 2 * i + 1, rt = l + 1, m = i;
        if (l < t->len && ranks_below(&t->v[l], &t->v[m])) m = l;
        if (rt < t->len && ranks_below(&t->v[rt], &t->v[m])) m = rt;
        if (m == i) break;
        swap_ranked(&t->v[i], &t->v[m]);
        i = m;
    }
}

static int best_first(const void *a, const void *b)
{
    return ranks_below(b, a) ? -1 : ranks_below(a, b) ? 1 : 0;
}

/* Walks every match of expr under the query's filters once, with the
 * backend's own filtering (scan_filtered): counts it, adds it to the
 * facets and offers it to the top k by BM25. Only document numbers and
 * scores are kept; snippets and listing columns are read for the page's
 * hits alone (page_of_hits). Returns the total, or -1 when the query fails. */
typedef struct { facet_counts *facets; top_k *best; } scan_sink;

static void scan_row(void *ctx, const kj_search_facet_row *row, int64_t docno, double score)
{
    scan_sink *k = ctx;
    for (int c = 0; c < NFACETS; c++) facet_add(&k->facets[c], row->value[c], row->len[c]);
    top_k_offer(k->best, score, docno);
}

static int64_t scan_matches(kj_db *db, const kj_search_query *q, const char *expr, const char *counts, bool studios,
                            facet_counts *facets, top_k *best)
{
    scan_sink k = { facets, best };
    return kj_search_backend_of(db)->scan_filtered(db, expr, &q->filters, studios, counts, scan_row, &k);
}

/* ---- the same walk with the documents' attributes in memory ----
 * What scan_matches computes, without a table row read per match: the
 * filters and facets read doc_attrs (filled from the database the first
 * time a document is met, or by kj_search_warm), and only rows the filter
 * keeps are ranked. */

/* Reads the attributes of the documents after number `after` (at most
 * limit, in order), or of the one document `only` when it is > 0, and
 * keeps them when it may (doc_attrs.h: outside a transaction). With out
 * set, the attributes of `only` are copied there. *last (optional)
 * receives the last number read. Returns the documents read (0: `only` is
 * gone or cannot be kept), -1 on error. */
typedef struct { kj_doc_cache *docs; bool keep; int64_t only; kj_doc_attrs *out; int64_t *last; } attrs_sink;

static bool attrs_row(void *ctx, int64_t docno, const kj_doc_row *r)
{
    attrs_sink *k = ctx;
    kj_doc_attrs a;
    bool ok = kj_doc_attrs_from_row(k->docs, r, &a);
    if (ok && k->keep) kj_doc_attrs_put(k->docs, docno, &a);
    if (k->out && ok && docno == k->only) *k->out = a;
    if (k->last) *k->last = docno;
    return !(k->out && !ok);
}

static int64_t load_attrs(kj_db *db, int64_t after, int64_t only, int64_t limit, kj_doc_attrs *out, int64_t *last)
{
    kj_search_ctx *c = kj_search_ctx_of(db);
    if (!c) return -1;
    attrs_sink k = { c->docs, !kj_db_in_transaction(db), only, out, last };
    return kj_search_backend_of(db)->attrs(db, after, only, limit, attrs_row, &k);
}

/* How many documents a search that meets one it has not met yet reads
 * together, from that one on (kj_search_doc_hot). */
#define ATTRS_CATCH_UP 128

const kj_doc_hot *kj_search_doc_hot(kj_db *db, int64_t rowid, kj_doc_attrs *read)
{
    kj_search_ctx *c = kj_search_ctx_of(db);
    if (!c) return NULL;
    const kj_doc_hot *h = kj_doc_hot_find(c->docs, rowid);
    if (h) return h;
    /* Not met yet. The scan's statement is still stepping: SQLite runs
     * this one beside it. Inside a transaction nothing read is kept: this
     * document alone. Else it is mostly one indexed since the last search,
     * and numbers grow with indexing: the documents after it are new too
     * and the walk (in increasing order) meets them next, so they are read
     * in the same statement (one statement per new document made the
     * first search after ten listings were published 13 statements). */
    if (!kj_db_in_transaction(db)) {
        if (load_attrs(db, rowid - 1, 0, ATTRS_CATCH_UP, NULL, NULL) < 0) return NULL;
        if ((h = kj_doc_hot_find(c->docs, rowid))) return h;
        /* Not kept (doc_attrs.h: beyond its pages, or out of memory): read for this walk alone. */
    }
    return load_attrs(db, 0, rowid, 1, read, NULL) > 0 ? &read->hot : NULL;
}

/* Facet counts by code number while walking; turned into facet_counts
 * (by text) at the end. */
typedef struct {
    int64_t kind[65], domain1[4097], province[4097], trl[256];
} code_counts;

typedef struct {
    kj_search_scan scan;            /* first: the scan's callbacks get this walk */
    kj_db *db;
    kj_doc_cache *docs;             /* the store's (context.h) */
    kj_doc_filter filter;
    code_counts *counts;
    top_k *best;
    int64_t total;
} search_walk;

static void walk_count(search_walk *w, const kj_doc_hot *a)
{
    w->total++;
    code_counts *c = w->counts;
    if (a->kind < 65) c->kind[a->kind]++;
    if (a->domain1 < 4097) c->domain1[a->domain1]++;
    if (a->province < 4097) c->province[a->province]++;
    c->trl[a->trl]++;
}

static int walk_visit(kj_search_scan *s, int64_t rowid, int *ntok)
{
    search_walk *w = (search_walk *)s;
    kj_doc_attrs read;
    const kj_doc_hot *a = kj_search_doc_hot(w->db, rowid, &read);
    if (!a || !(a == &read.hot ? kj_doc_filter_pass(&w->filter, &read) : kj_doc_filter_pass_hot(w->docs, &w->filter, rowid, a)))
        return 0;
    *ntok = a->tokens;
    walk_count(w, a);
    return 1;
}

static void walk_scored(kj_search_scan *s, int64_t rowid, double score)
{
    top_k_offer(((search_walk *)s)->best, score, rowid);
}

static void facets_from_codes(kj_doc_cache *docs, const code_counts *c, facet_counts *facets)
{
    struct { const int64_t *n; int len; kj_code_table table; int facet; } map[] = {
        { c->kind, 65, KJ_CODES_KIND, FACET_KIND }, { c->domain1, 4097, KJ_CODES_DOMAIN1, FACET_DOMAIN },
        { c->province, 4097, KJ_CODES_PROVINCE, FACET_REGION },
    };
    for (size_t m = 0; m < sizeof map / sizeof *map; m++)
        for (int i = 1; i < map[m].len; i++)
            if (map[m].n[i]) {
                const char *code = kj_doc_code_name(docs, map[m].table, i);
                facet_add_n(&facets[map[m].facet], code, strlen(code), map[m].n[i]);
            }
    for (int t = 1; t < 256; t++)
        if (c->trl[t]) {
            char code[8];
            int len = snprintf(code, sizeof code, "%d", t);
            facet_add_n(&facets[FACET_TRL], code, (size_t)len, c->trl[t]);
        }
}

/* scan_matches over doc_attrs. Returns the total, -1 when the query fails,
 * -2 when the query's filters need SQL (kj_doc_filter_compile). */
/* ---- the walk through the frequent terms' bitmaps ----
 * When every word of an all-words query has a bitmap (fast_terms.h), the
 * documents up to the bitmaps' last rowid come from their intersection,
 * ranked here exactly as kj_bm25 ranks them (the same IDFs from the same
 * counts, the same sum in the same order); the documents added since come
 * from FTS5 as usual. */

/* A term's matches with their weighted hits, in rowid order (collect_counted):
 * what a bitmap is built from (kj_search_fast_build), and an any-word
 * query's rare word (fast_matches). */
typedef struct {
    kj_search_scan scan;
    int64_t *rowids;
    uint16_t *hits;
    size_t n, cap;
    bool failed;
} term_collect;

static int collect_visit(kj_search_scan *s, int64_t rowid, int *ntok) { (void)s; (void)rowid; (void)ntok; return 1; }

static void collect_counted(kj_search_scan *s, int64_t rowid, const double *hits, int nphrase)
{
    term_collect *c = (term_collect *)s;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4096;
        int64_t *r = realloc(c->rowids, cap * sizeof *r);
        if (r) c->rowids = r;
        uint16_t *h = r ? realloc(c->hits, cap * sizeof *h) : NULL;
        if (h) c->hits = h;
        if (!r || !h) { c->failed = true; return; }
        c->cap = cap;
    }
    /* The weights are whole numbers, so the sum is exact; past 65,535 hits
     * (never seen) the count saturates. */
    double f = nphrase > 0 ? hits[0] : 0;
    c->rowids[c->n] = rowid;
    c->hits[c->n++] = f >= 65535 ? 65535 : (uint16_t)f;
}

typedef struct {
    search_walk *w;
    int n;
    double idf[64], avgdl;
    const uint64_t *codes;     /* the bitmaps' packed facet codes (pack_codes), when the walk is split */
} fast_walk;

/* A document's facet codes in one word, as the bitmaps keep them for the
 * documents a split walk never reads (fast_split). */
static uint64_t pack_codes(const kj_doc_hot *h)
{
    return (uint64_t)h->kind | (uint64_t)h->trl << 8 | (uint64_t)h->domain1 << 16 | (uint64_t)h->province << 32;
}

static void fast_prefetch(void *ctx, int64_t rowid, bool checked)
{
    fast_walk *f = ctx;
    if (checked) kj_doc_hot_prefetch(f->w->docs, rowid);
    else if (f->codes) __builtin_prefetch(&f->codes[rowid]);
}

static int fast_row(void *ctx, int64_t rowid, const uint16_t *hits, bool checked)
{
    fast_walk *f = ctx;
    int ntok = -1;
    if (checked) {
        if (!walk_visit(&f->w->scan, rowid, &ntok)) return 0;
    } else {   /* it passes (fast_split): counted from its codes, as walk_count counts */
        uint64_t p = f->codes[rowid];
        kj_doc_hot h = { .kind = (uint8_t)p, .trl = (uint8_t)(p >> 8), .domain1 = (uint16_t)(p >> 16), .province = (uint16_t)(p >> 32) };
        walk_count(f->w, &h);
    }
    const double k1 = 1.2, b = kj_bm25_b;
    double sum = 0, norm = k1 * (1 - b + b * (double)(ntok >= 0 ? ntok : 0) / f->avgdl);
    for (int i = 0; i < f->n; i++) sum += f->idf[i] * ((double)hits[i] * (k1 + 1.0)) / ((double)hits[i] + norm);
    top_k_offer(f->w->best, sum, rowid);
    return 0;
}

/* Marks the documents removed from the index since ix last looked. */
typedef struct { kj_fast_index *ix; int64_t seq; } removals;

static void removed_one(void *ctx, int64_t seq, int64_t docno)
{
    removals *r = ctx;
    kj_fast_mark_dead(r->ix, docno);
    r->seq = seq;
}

static int read_removals(kj_db *db, kj_fast_index *ix)
{
    removals r = { ix, kj_fast_removed_seq(ix) };
    if (kj_search_backend_of(db)->removed_since(db, r.seq, removed_one, &r)) return -1;
    if (r.seq > kj_fast_removed_seq(ix)) kj_fast_set_removed_seq(ix, r.seq);
    return 0;
}

/* An any-word query's word without a bitmap is read from the engine into a
 * bitmap of its own for the one search (kj_fast_term_new) when it is held
 * by at most this many documents, as a word without a bitmap mostly is
 * (FAST_TERM_SHARE); a commoner one (frequent since the bitmaps were built)
 * leaves the query to the engine's own walk. */
#define RARE_TERM_MAX_DOCS 20000

/* The matches of term up to the bitmaps' last rowid, as a term of ix's
 * shape (NULL: out of memory or the query failed; *failed says which). */
static kj_fast_term *rare_term(kj_db *db, const kj_fast_index *ix, const char *term, bool *failed)
{
    const kj_search_backend *sb = kj_search_backend_of(db);
    term_collect c = { .scan = { collect_visit, NULL, { BM25_WEIGHT_LIST }, NULL, collect_counted, 0, kj_fast_built_max(ix) } };
    kj_buf expr = { 0 };
    sb->add_term(&expr, term, true);   /* the phrase a bitmap of the word would hold */
    kj_fast_term *t = NULL;
    if (sb->scan(db, expr.data, false, 0, &c.scan) < 0) *failed = true;
    else if (!c.failed) t = kj_fast_term_new(ix, c.rowids, c.hits, c.n);
    kj_buf_free(&expr);
    free(c.rowids);
    free(c.hits);
    return t;
}

/* Whether the bitmaps alone decide filter f for the documents whose
 * attributes were in memory when they were built (then *split names them):
 * f filters on kind, first-level domain, province and a least TRL only,
 * each value a bitmap narrows the walk to (all_narrowed), on the day the
 * bitmaps were built (expiry), and the ranking needs no document length.
 * Studios and documents not in memory then are still checked one by one. */
static bool fast_split(const kj_fast_index *ix, const kj_doc_filter *f, bool all_narrowed, kj_fast_split *split)
{
    if (!all_narrowed || f->beyond_hot || f->unknown || f->trl_max > 0 || f->kind < 0 || f->domain1 < 0 || f->province < 0 ||
        f->trl_min > 9 || kj_bm25_b != 0.0 || kj_fast_day(ix) != f->today || !kj_fast_codes(ix))
        return false;
    split->pass = kj_fast_term_find(ix, "\x01" "live");
    split->check = kj_fast_term_find(ix, "\x01" "check");
    return split->pass && split->check;
}

/* The calling thread's last search (search.h: kj_search_last_timing), and
 * whether its last walk went through the bitmaps (and the filter was theirs alone). Per thread: no lock. */
static _Thread_local kj_search_timing last_timing;
static _Thread_local bool last_walk_fast, last_walk_split;

/* fast_matches' walk, once every word has a bitmap in t. */
static int fast_walk_terms(kj_db *db, kj_fast_index *ix, search_walk *w, const char *expr, bool every, const kj_fast_term **t,
                           fast_walk *f)
{
    if (read_removals(db, ix)) return -1;
    /* The filter's own bitmaps, where there are: only the documents it may
     * keep are visited (walk_visit still checks each). */
    int nall = f->n;
    const struct { char field; int code; } narrow[] = {
        { 'k', w->filter.kind }, { 'd', w->filter.domain1 }, { 'p', w->filter.province },
        { 't', w->filter.trl_min > 0 && w->filter.trl_min <= 9 ? w->filter.trl_min : 0 },
    };
    int narrowed = 0;   /* the filter values that should have a bitmap */
    for (size_t i = 0; i < sizeof narrow / sizeof *narrow && nall < 64; i++) {
        char key[24];
        snprintf(key, sizeof key, "\x01%c%d", narrow[i].field, narrow[i].code);
        narrowed += narrow[i].code > 0;
        const kj_fast_term *ft = narrow[i].code > 0 ? kj_fast_term_find(ix, key) : NULL;
        if (ft) t[nall++] = ft;
    }
    /* The documents the bitmaps alone decide (fast_split): counted from
     * their packed codes, their attributes never read. */
    kj_fast_split split = { 0 };
    bool exact = fast_split(ix, &w->filter, nall - f->n == narrowed, &split);
    f->codes = exact ? kj_fast_codes(ix) : NULL;
    last_walk_split = exact;
    kj_fast_walk(ix, t, nall, f->n, !every, exact ? &split : NULL, fast_prefetch, fast_row, f);
    w->scan.after_docno = kj_fast_built_max(ix);
    /* The rest: the documents added since the bitmaps were built. */
    return kj_search_backend_of(db)->scan(db, expr, false, 0, &w->scan) < 0 ? -1 : 1;
}

/* The walk of w through ix's bitmaps for the query of terms — all of them
 * (every) or any: 1 when done, 0 when it does not apply (an all-words
 * query's word without a bitmap, a commoner one of an any-word query,
 * counts missing), -1 on error. An any-word query's rare words get a
 * bitmap for this search (rare_term): reading a few thousand documents of
 * the engine's is cheap, walking the union of the common words' 200,000
 * matches through it was not (60–140 ms at 1M listings). */
static int fast_matches(kj_db *db, kj_fast_index *ix, search_walk *w, const char *expr, json_t *terms, bool every, const char *counts)
{
    fast_walk f = { .w = w, .n = (int)json_array_size(terms) };
    const kj_fast_term *t[64];
    kj_fast_term *own[64];
    int nown = 0;
    if (f.n < 1 || f.n > 64 || !counts) return 0;
    int64_t rows = 0, tokens = 0;
    if (kj_search_backend_of(db)->totals(db, &rows, &tokens) || rows <= 0) return 0;
    const char *p = counts;
    for (int i = 0; i < f.n; i++) {
        char *end;
        long long hit = strtoll(p, &end, 10);
        if (end == p || hit < 0) return 0;
        p = end;
        double idf = log(((double)rows - (double)hit + 0.5) / ((double)hit + 0.5));
        f.idf[i] = idf <= 0.0 ? 1e-6 : idf;
        t[i] = kj_fast_term_find(ix, json_string_value(json_array_get(terms, i)));
        if (!t[i] && (every || hit > RARE_TERM_MAX_DOCS)) return 0;
    }
    f.avgdl = (double)tokens / (double)rows;
    int rc = 1;
    for (int i = 0; i < f.n && rc == 1; i++) {
        if (t[i]) continue;
        bool failed = false;
        own[nown] = rare_term(db, ix, json_string_value(json_array_get(terms, i)), &failed);
        if (!own[nown]) rc = failed ? -1 : 0;
        else t[i] = own[nown++];
    }
    if (rc == 1) rc = fast_walk_terms(db, ix, w, expr, every, t, &f);
    for (int i = 0; i < nown; i++) kj_fast_term_free(own[i]);
    return rc;
}


const kj_search_timing *kj_search_last_timing(void) { return &last_timing; }

void kj_search_timing_header(char *out, size_t n)
{
    const kj_search_timing *t = &last_timing;
    int64_t all = t->rewrite_us + t->strict_us + (t->relaxed_us > 0 ? t->relaxed_us : 0) + t->page_us;
    int k = snprintf(out, n, "search;dur=%.2f, rewrite;dur=%.2f, strict;dur=%.2f;desc=\"%lld matches%s\"",
                     (double)all / 1000.0, (double)t->rewrite_us / 1000.0, (double)t->strict_us / 1000.0,
                     (long long)t->strict_total, t->strict_split ? " (bitmaps, filter)" : t->strict_fast ? " (bitmaps)" : "");
    if (k > 0 && (size_t)k < n && t->relaxed_us >= 0)
        k += snprintf(out + k, n - (size_t)k, ", relaxed;dur=%.2f;desc=\"%lld matches%s\"", (double)t->relaxed_us / 1000.0,
                      (long long)t->relaxed_total, t->relaxed_split ? " (bitmaps, filter)" : t->relaxed_fast ? " (bitmaps)" : "");
    if (k > 0 && (size_t)k < n) snprintf(out + k, n - (size_t)k, ", hits;dur=%.2f", (double)t->page_us / 1000.0);
}

static int64_t walk_matches(kj_db *db, const kj_search_query *q, const char *expr, json_t *terms, bool every,
                            const char *counts, bool studios, facet_counts *facets, top_k *best)
{
    kj_search_ctx *c = kj_search_ctx_of(db);
    if (!c) return -1;
    search_walk w = { .scan = { .visit = walk_visit, .scored = walk_scored, .weights = { BM25_WEIGHT_LIST }, .counts = counts },
                      .db = db, .docs = c->docs, .best = best };
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!kj_doc_filter_compile(c->docs, &q->filters, studios, kj_now_ms(), &w.filter)) return -2;
        if (attempt == 1 && w.filter.unknown) break;   /* still unknown: the first scan's answer stands */
        free(w.counts);
        w.counts = calloc(1, sizeof *w.counts);
        w.total = 0;
        best->len = 0;
        if (!w.counts) { w.total = -1; break; }
        kj_fast_index *ix = !kj_db_in_transaction(db) ? kj_fast_acquire(&c->fast) : NULL;
        int fast = ix ? fast_matches(db, ix, &w, expr, terms, every, counts) : 0;
        kj_fast_release(&c->fast, ix);
        last_walk_fast = fast > 0;
        w.scan.after_docno = 0;
        if (fast < 0 || (fast == 0 && kj_search_backend_of(db)->scan(db, expr, false, 0, &w.scan) < 0)) { w.total = -1; break; }
        if (!w.filter.unknown) break;
        /* A filter value no document held when compiled: once more if one
         * does now (a document first met by this very scan, or meanwhile). */
    }
    if (w.total >= 0) facets_from_codes(c->docs, w.counts, facets);
    free(w.counts);
    return w.total;
}

/* ---- building the bitmaps ---- */

typedef struct { int64_t *v; size_t n, cap; } rowid_list;

static bool rowid_push(rowid_list *l, int64_t r)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        int64_t *v = realloc(l->v, cap * sizeof *v);
        if (!v) return false;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = r;
    return true;
}

/* The bitmaps of the filter values (fast_terms.h), named "\x01" + field +
 * code, which no analyzed term can be: per kind ('k'), first-level domain
 * ('d') and province ('p') code, and per TRL level t ('t': a TRL of at
 * least t), the documents up to built_max holding it — and every rowid
 * whose fields were not in memory then, so that each is a superset of what
 * the filter keeps. Then "\x01live": the listings in memory that are
 * published and current on the build's day (today, YYYYMMDD), and
 * "\x01check": the studios and the documents not in memory — with these,
 * a filter on the values above is decided by the bitmaps alone for every
 * document but those of check (fast_split), that day; and each document's
 * facet codes packed in a word (pack_codes), for counting those. 0 or -1. */
static int add_filter_bitmaps(kj_doc_cache *docs, kj_fast_index *ix, int64_t built_max, uint32_t today)
{
    enum { KINDS = 65, DOMAINS = 4097, PROVINCES = 4097, LEVELS = 10, SETS = KINDS + DOMAINS + PROVINCES + LEVELS };
    rowid_list *sets = calloc(SETS, sizeof *sets), unknown = { 0 }, merged = { 0 }, live = { 0 }, check = { 0 };
    uint64_t *codes = calloc((size_t)built_max + 1, sizeof *codes);
    bool ok = sets && codes;
    for (int64_t r = 1; ok && r <= built_max; r++) {
        const kj_doc_hot *h = kj_doc_hot_find(docs, r);
        if (!h) { ok = rowid_push(&unknown, r) && rowid_push(&check, r); continue; }
        codes[r] = pack_codes(h);
        if (h->studio) ok = rowid_push(&check, r);
        else if (h->published && h->valid_until >= today) ok = rowid_push(&live, r);
        if (h->kind > 0 && h->kind < KINDS) ok = rowid_push(&sets[h->kind], r);
        if (ok && h->domain1 > 0 && h->domain1 < DOMAINS) ok = rowid_push(&sets[KINDS + h->domain1], r);
        if (ok && h->province > 0 && h->province < PROVINCES) ok = rowid_push(&sets[KINDS + DOMAINS + h->province], r);
        for (int t = 1; ok && t <= h->trl && t < LEVELS; t++) ok = rowid_push(&sets[KINDS + DOMAINS + PROVINCES + t], r);
    }
    for (int i = 0; ok && i < SETS; i++) {
        if (!sets[i].n) continue;
        /* this set and the unknown rowids, in order */
        merged.n = 0;
        size_t a = 0, b = 0;
        while (ok && (a < sets[i].n || b < unknown.n))
            ok = rowid_push(&merged, b >= unknown.n || (a < sets[i].n && sets[i].v[a] < unknown.v[b]) ? sets[i].v[a++] : unknown.v[b++]);
        char name[24];
        char field = i < KINDS ? 'k' : i < KINDS + DOMAINS ? 'd' : i < KINDS + DOMAINS + PROVINCES ? 'p' : 't';
        int code = i < KINDS ? i : i < KINDS + DOMAINS ? i - KINDS : i < KINDS + DOMAINS + PROVINCES ? i - KINDS - DOMAINS
                 : i - KINDS - DOMAINS - PROVINCES;
        snprintf(name, sizeof name, "\x01%c%d", field, code);
        if (ok) ok = kj_fast_add_term(ix, name, merged.v, NULL, merged.n) == 0;
    }
    if (ok) ok = kj_fast_add_term(ix, "\x01" "live", live.v, NULL, live.n) == 0 && kj_fast_add_term(ix, "\x01" "check", check.v, NULL, check.n) == 0;
    if (ok) {
        kj_fast_set_day(ix, today);
        kj_fast_set_codes(ix, codes);
        codes = NULL;
    }
    free(codes);
    for (int i = 0; sets && i < SETS; i++) free(sets[i].v);
    free(sets);
    free(unknown.v);
    free(merged.v);
    free(live.v);
    free(check.v);
    return ok ? 0 : -1;
}

int kj_search_fast_build(kj_db *db)
{
    for (int i = 0; i < 4; i++)
        if (kj_bm25_column_weights[i] != (double)(int)kj_bm25_column_weights[i]) return 0;   /* hits must be whole */
    kj_search_ctx *sc = kj_search_ctx_of(db);
    if (!sc) return -1;
    int64_t docs = kj_search_doc_estimate(db);
    if (docs < sc->large_index_docs) { kj_fast_install(&sc->fast, NULL); return 0; }
    /* The log position first: a removal after it is read by searches. */
    const kj_search_backend *sb = kj_search_backend_of(db);
    int64_t seq = sb->removed_seq(db);
    int64_t built_max = seq < 0 ? -1 : sb->max_docno(db);
    int64_t min_docs = (int64_t)(FAST_TERM_SHARE * (double)docs);
    if (min_docs < sc->fast_term_min_docs) min_docs = sc->fast_term_min_docs;
    json_t *terms = seq < 0 || built_max < 0 ? NULL : sb->frequent_terms(db, min_docs);
    kj_fast_index *ix = terms ? kj_fast_new(built_max) : NULL;
    if (!ix) { json_decref(terms); return -1; }
    kj_fast_set_removed_seq(ix, seq);
    term_collect c = { .scan = { collect_visit, NULL, { BM25_WEIGHT_LIST }, NULL, collect_counted, 0, built_max } };
    size_t i;
    json_t *r;
    int rc = 0;
    json_array_foreach(terms, i, r) {
        const char *term = json_string_value(json_object_get(r, "term"));
        kj_buf expr = { 0 };
        sb->add_term(&expr, term, true);
        c.n = 0;
        /* The same phrase a search's word becomes: what it matches, the bitmap holds. */
        if (sb->scan(db, expr.data, false, 0, &c.scan) < 0 || c.failed ||
            kj_fast_add_term(ix, term, c.rowids, c.hits, c.n) < 0) rc = -1;
        kj_buf_free(&expr);
        if (rc) break;
    }
    json_decref(terms);
    free(c.rowids);
    free(c.hits);
    int n = (int)kj_fast_term_count(ix);
    /* The day, as a search's filter counts it (expiry). */
    kj_listing_query none = { .price_min_fen = -1, .price_max_fen = -1 };
    kj_doc_filter day;
    if (rc == 0 && !kj_doc_filter_compile(sc->docs, &none, true, kj_now_ms(), &day)) rc = -1;
    if (rc == 0) rc = add_filter_bitmaps(sc->docs, ix, built_max, day.today);
    if (rc) { kj_fast_free(ix); return -1; }
    read_removals(db, ix);
    kj_fast_install(&sc->fast, ix);
    /* Entries older than the bitmaps now in use are read by no one. */
    sb->removed_prune(db, seq);
    return n;
}

bool kj_search_fast_due(kj_db *db)
{
    kj_search_ctx *sc = kj_search_ctx_of(db);
    if (!sc) return false;
    kj_fast_index *ix = kj_fast_acquire(&sc->fast);
    if (!ix) return kj_search_doc_estimate(db) >= sc->large_index_docs;
    /* Rebuilt when a twentieth of the documents came after the build, or
     * left, or on a new day (the bitmap of current listings is the build
     * day's: until the rebuild, searches check each document's expiry). */
    int64_t built = kj_fast_built_max(ix), newest = kj_search_backend_of(db)->max_docno(db);
    kj_listing_query none = { .price_min_fen = -1, .price_max_fen = -1 };
    kj_doc_filter day;
    bool due = newest - built > built / 20 + 100 || kj_fast_dead_count(ix) > built / 20 + 100 ||
               (kj_doc_filter_compile(sc->docs, &none, true, kj_now_ms(), &day) && day.today != kj_fast_day(ix));
    kj_fast_release(&sc->fast, ix);
    return due;
}

json_t *kj_search_fast_stats(kj_db *db)
{
    kj_search_ctx *sc = kj_search_ctx_of(db);
    kj_fast_index *ix = sc ? kj_fast_acquire(&sc->fast) : NULL;
    json_t *out = json_pack("{s:I, s:I, s:I}", "terms", (json_int_t)(ix ? kj_fast_term_count(ix) : 0),
                            "bytes", (json_int_t)(ix ? kj_fast_bytes(ix) : 0), "built_max", (json_int_t)(ix ? kj_fast_built_max(ix) : 0));
    if (sc) kj_fast_release(&sc->fast, ix);
    return out;
}

int64_t kj_search_warm(kj_db *db, int64_t *cursor, int64_t limit)
{
    int64_t last = *cursor;
    int64_t n = load_attrs(db, *cursor, 0, limit, NULL, &last);
    if (n > 0) *cursor = last;
    return n;
}

/* ---- snippets ----
 * A hit's snippet is cut from its own text where the query's terms occur
 * as they are written: that needs neither a full-text seek nor a second
 * tokenization of the hit's columns, which FTS5's snippet() costs (130 µs a
 * hit at 1M listings, a third of a search). A text that holds no term as
 * written (traditional characters, full-width letters, an inflected English
 * word) gets the backend's snippet (FTS5's snippet()) as before. */

#define SNIPPET_CHARS 40     /* about FTS5's 24 tokens of Chinese text */
#define SNIPPET_BEFORE 8     /* characters shown before the first hit */

static size_t utf8_next(const char *s, size_t i, size_t len)
{
    i++;
    while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
    return i;
}

/* The longest term written at lower[i] (the text with ASCII lower-cased):
 * its length, or 0. */
static size_t term_at(const char *lower, size_t i, size_t len, json_t *terms)
{
    size_t best = 0, k;
    json_t *t;
    json_array_foreach(terms, k, t) {
        size_t n = json_string_length(t);
        if (n > best && n <= len - i && !memcmp(lower + i, json_string_value(t), n)) best = n;
    }
    return best;
}

static char *ascii_lower(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    if (!out) return NULL;
    for (size_t i = 0; i < len; i++) out[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
    out[len] = 0;
    return out;
}

/* The snippet (\x02…\x03 around hits, '…' where text is left out) from the
 * column holding the most distinct terms as written, in the order summary,
 * body, title, keywords; NULL when none holds any. */
static char *literal_snippet(json_t *hit, json_t *terms)
{
    static const char *const cols[] = { "f2", "f3", "f0", "f1" };
    const char *text = NULL;
    char *lower = NULL;
    size_t len = 0, first = 0;
    int most = 0;
    for (int c = 0; c < 4; c++) {
        const char *t = kj_jstr(hit, cols[c]);
        size_t n = t ? strlen(t) : 0;
        char *low = n ? ascii_lower(t, n) : NULL;
        int found = 0;
        size_t at = n, k;
        json_t *term;
        json_array_foreach(terms, k, term) {
            const char *p = low && json_string_length(term) ? strstr(low, json_string_value(term)) : NULL;
            if (p) { found++; if ((size_t)(p - low) < at) at = (size_t)(p - low); }
        }
        if (found > most) { free(lower); lower = low; text = t; len = n; first = at; most = found; }
        else free(low);
    }
    if (!most) return NULL;
    size_t start = first;
    for (int back = 0; back < SNIPPET_BEFORE && start > 0; back++) {
        start--;
        while (start > 0 && ((unsigned char)text[start] & 0xC0) == 0x80) start--;
    }
    kj_buf out = { 0 };
    if (start > 0) kj_buf_puts(&out, "…");
    size_t i = start;
    for (int chars = 0; i < len && chars < SNIPPET_CHARS; chars++) {
        size_t n = term_at(lower, i, len, terms);
        if (n) {
            kj_buf_puts(&out, "\x02");
            kj_buf_append(&out, text + i, n);
            kj_buf_puts(&out, "\x03");
            i += n;
        } else {
            size_t next = utf8_next(text, i, len);
            kj_buf_append(&out, text + i, next - i);
            i = next;
        }
    }
    if (i < len) kj_buf_puts(&out, "…");
    free(lower);
    return kj_buf_steal(&out, NULL);
}

/* The hits ranked from..to (0-based, to exclusive) of the sorted best, read
 * together (backend.h: hits; one statement per hit made a results page 23),
 * in rank order; the engine's snippets, for the hits whose text holds no
 * term as written, in one more statement. NULL when the store failed. */
static json_t *page_of_hits(kj_db *db, const char *expr, json_t *terms, const ranked *best, int from, int to)
{
    const kj_search_backend *sb = kj_search_backend_of(db);
    int n = to - from;
    if (n <= 0) return json_array();
    int64_t *docnos = malloc((size_t)n * sizeof *docnos), *unsnipped = malloc((size_t)n * sizeof *unsnipped);
    if (!docnos || !unsnipped) { free(docnos); free(unsnipped); return NULL; }
    for (int i = 0; i < n; i++) docnos[i] = best[from + i].rowid;
    json_t *read = sb->hits(db, docnos, n);
    if (!read) { free(docnos); free(unsnipped); return NULL; }
    /* The literal snippets first: the engine's only where none was found. */
    json_t *literal = json_array(), *snippets = NULL;
    int nun = 0;
    for (int i = 0; i < n; i++) {
        json_t *h = json_array_get(read, (size_t)i);
        char *snippet = json_is_object(h) ? literal_snippet(h, terms) : NULL;
        json_array_append_new(literal, snippet ? json_string(snippet) : json_null());
        if (json_is_object(h) && !snippet) unsnipped[nun++] = docnos[i];
        free(snippet);
    }
    if (nun) snippets = sb->snippets(db, expr, unsnipped, nun);
    json_t *hits = json_array();
    for (int i = 0, u = 0; i < n; i++) {
        json_t *h = json_array_get(read, (size_t)i);
        if (!json_is_object(h)) continue;   /* withdrawn since the scan */
        json_t *snippet = json_array_get(literal, (size_t)i);
        if (json_is_null(snippet)) snippet = json_array_get(snippets, (size_t)u++);
        json_object_set_new(h, "snippet", json_string(json_is_string(snippet) ? json_string_value(snippet) : ""));
        for (const char *const *c = (const char *const[]){ "f0", "f1", "f2", "f3", NULL }; *c; c++) json_object_del(h, *c);
        /* The scan's score: bm25() here would recount every term's documents
         * for its IDF, once per hit. */
        json_object_set_new(h, "score", json_real(best[from + i].score));
        if (!strcmp(kj_jstr(h, "doc_kind"), "studio")) {
            /* A studio shows its name, introduction and region (null when
             * the studio is gone: the listing columns are null then). */
            json_object_set(h, "title", json_object_get(h, "studio_name"));
            json_object_set(h, "summary", json_object_get(h, "studio_intro"));
            json_object_set(h, "region", json_object_get(h, "studio_region"));
            json_object_set_new(h, "kind", json_string("studio"));
            /* Its origin, made an object by kj_listing_redact as a listing's is. */
            json_object_set(h, "origin", json_object_get(h, "studio_origin"));
            json_t *remote = json_object_get(h, "studio_origin_remote");
            if (json_is_object(remote)) json_object_set(h, "origin_remote", remote);
            else json_object_del(h, "origin_remote");
        }
        for (const char *const *c = (const char *const[]){ "studio_name", "studio_intro", "studio_region", "studio_origin",
                                                           "studio_origin_remote", NULL }; *c; c++)
            json_object_del(h, *c);
        kj_listing_redact(h, false);
        json_array_append(hits, h);
    }
    json_decref(snippets);
    json_decref(literal);
    json_decref(read);
    free(docnos);
    free(unsnipped);
    return hits;
}

static json_t *search_text(kj_db *db, const kj_search_query *q, const char *text, kj_err *e);

void kj_search_set_memory(kj_db *db, bool on)
{
    kj_search_ctx *c = kj_search_ctx_of(db);
    if (c) c->memory_walk = on;
}

/* The walk in memory when the filters allow, else the SQL scan. */
static int64_t find_matches(kj_db *db, const kj_search_query *q, const char *expr, json_t *terms, bool every,
                            const char *counts, bool studios, facet_counts *facets, top_k *best)
{
    kj_search_ctx *c = kj_search_ctx_of(db);
    last_walk_fast = last_walk_split = false;
    int64_t total = c && c->memory_walk ? walk_matches(db, q, expr, terms, every, counts, studios, facets, best) : -2;
    if (total != -2) return total;
    best->len = 0;
    return scan_matches(db, q, expr, counts, studios, facets, best);
}

json_t *kj_search(kj_db *db, const kj_search_query *q, kj_err *e)
{
    /* What the user meant (text/rewrite.h): filler cut, English terms in
     * Chinese, a typo corrected — said in the answer, with what was typed. */
    char *corrected = NULL;
    last_timing = (kj_search_timing){ .relaxed_us = -1 };
    int64_t t0 = kj_mono_us();
    char *rewritten = kj_search_rewrite(kj_search_ctx_of(db), q->q ? q->q : "", q->exact ? NULL : index_df, db,
                                        q->exact ? 0 : kj_search_doc_estimate(db), &corrected);
    if (!rewritten) { kj_err_set(e, KJ_E_INTERNAL, "err.search.failed", NULL); return NULL; }
    last_timing.rewrite_us = kj_mono_us() - t0;
    json_t *out = search_text(db, q, rewritten, e);
    if (out && corrected) {
        json_object_set_new(out, "corrected_query", json_string(corrected));
        json_object_set_new(out, "original_query", json_string(q->q ? q->q : ""));
    }
    free(corrected);
    free(rewritten);
    return out;
}

/* The English forms searched beside the query's Chinese terms, said on
 * the search page and in the API: [{"for": the Chinese term (its terms
 * joined), "forms": [...]}], one entry per Chinese term, in query order. */
static json_t *english_forms(json_t *terms, json_t *ties)
{
    json_t *out = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(ties, i, t) {
        if (!json_is_array(t)) continue;
        kj_buf zh = { 0 };
        size_t k;
        json_t *of;
        json_array_foreach(t, k, of) {
            const char *term = json_string_value(json_array_get(terms, (size_t)json_integer_value(of)));
            kj_buf_puts(&zh, term ? term : "");
        }
        const char *form = json_string_value(json_array_get(terms, i));
        json_t *last = json_array_get(out, json_array_size(out) ? json_array_size(out) - 1 : 0);
        if (last && !strcmp(kj_jstr_or_empty(last, "for"), zh.data ? zh.data : ""))
            json_array_append_new(json_object_get(last, "forms"), json_string(form ? form : ""));
        else
            json_array_append_new(out, json_pack("{s:s, s:[s]}", "for", zh.data ? zh.data : "", "forms", form ? form : ""));
        kj_buf_free(&zh);
    }
    return out;
}

static json_t *search_text(kj_db *db, const kj_search_query *q, const char *text, kj_err *e)
{
    json_t *terms = json_array();
    int nterms = 0;
    /* Strict first: documents holding every word of the query. When fewer
     * than KJ_SEARCH_STRICT_MIN do, the query is relaxed to any word (BM25
     * still puts the documents holding more of them first), which is what
     * keeps recall on specific queries (make bench-search: the same nDCG as
     * any-word alone). Strict keeps the result sets of common words, and so
     * the cost of counting and faceting them, proportionate. */
    const kj_search_backend *sb = kj_search_backend_of(db);
    /* A Chinese term of the bilingual list also searches its English forms
     * (kj_search_expr_alt), those that some document holds. */
    const kj_rewriter *rw = kj_search_ctx_rewriter(kj_search_ctx_of(db));
    json_t *ties = json_array();
    char *expr = kj_search_expr_alt(kj_search_analyzer(db), rw, sb, text, strlen(text), MAX_QUERY_TERMS, true, index_df, db,
                                    terms, ties, &nterms);
    json_t *out = json_object();
    json_object_set_new(out, "terms", terms);
    json_object_set_new(out, "english", english_forms(terms, ties));
    if (!expr) {
        json_decref(ties);
        json_object_set_new(out, "items", json_array());
        json_object_set_new(out, "total", json_integer(0));
        json_object_set_new(out, "relaxed", json_false());
        json_object_set_new(out, "facets", json_pack("{s:[], s:[], s:[], s:[]}", "kind", "domain", "region", "trl"));
        return out;
    }
    bool studios = q->include_studios && !has_listing_filters(&q->filters);
    int per_page = q->per_page > 0 ? q->per_page : 20, page = q->page > 0 ? q->page : 1;
    int from = (page - 1) * per_page, to = from + per_page;
    if (to > KJ_SEARCH_MAX_RANKED) to = KJ_SEARCH_MAX_RANKED;
    if (from > to) from = to;
    facet_counts *facets = calloc(NFACETS, sizeof *facets);
    top_k best = { calloc((size_t)to + 1, sizeof(ranked)), 0, to };
    char *cached = kj_search_bm25_counts(db, terms);   /* strict and relaxed: the same terms in the same order */
    char *counts = kj_search_tie_counts(ties, cached);
    free(cached);
    json_decref(ties);
    int64_t t0 = kj_mono_us();
    int64_t total = facets && best.v ? find_matches(db, q, expr, terms, true, counts, studios, facets, &best) : -1;
    last_timing.strict_us = kj_mono_us() - t0;
    last_timing.strict_total = total;
    last_timing.strict_fast = last_walk_fast;
    last_timing.strict_split = last_walk_split;
    bool relaxed = false;
    if (total >= 0 && total < KJ_SEARCH_STRICT_MIN && nterms > 1) {
        memset(facets, 0, NFACETS * sizeof *facets);
        best.len = 0;
        free(expr);
        expr = kj_search_expr_alt(kj_search_analyzer(db), rw, sb, text, strlen(text), MAX_QUERY_TERMS, false, index_df, db,
                                  NULL, NULL, NULL);
        relaxed = true;
        t0 = kj_mono_us();
        total = expr ? find_matches(db, q, expr, terms, false, counts, studios, facets, &best) : -1;
        last_timing.relaxed_us = kj_mono_us() - t0;
        last_timing.relaxed_total = total;
        last_timing.relaxed_fast = last_walk_fast;
        last_timing.relaxed_split = last_walk_split;
    }
    json_t *hits = NULL;
    t0 = kj_mono_us();
    if (total >= 0) {
        qsort(best.v, (size_t)best.len, sizeof *best.v, best_first);
        hits = page_of_hits(db, expr, terms, best.v, from < best.len ? from : best.len, to < best.len ? to : best.len);
    }
    last_timing.page_us = kj_mono_us() - t0;
    free(best.v);
    free(expr);
    free(counts);
    if (!hits) {
        free(facets);
        json_decref(out);
        kj_err_set(e, KJ_E_INTERNAL, "err.search.failed", NULL);
        return NULL;
    }
    json_object_set_new(out, "items", hits);
    json_object_set_new(out, "total", json_integer(total));
    json_object_set_new(out, "relaxed", json_boolean(relaxed));
    json_object_set_new(out, "facets", json_pack("{s:o, s:o, s:o, s:o}",
        "kind", facet_json(&facets[FACET_KIND], false), "domain", facet_json(&facets[FACET_DOMAIN], false),
        "region", facet_json(&facets[FACET_REGION], false), "trl", facet_json(&facets[FACET_TRL], true)));
    free(facets);
    return out;
}

/* The backend's expression for text being typed: every term (the first 8)
 * required, the last one as a prefix ("青" finds 青稞) unless the text ends
 * in a space (only when it is within the first 8), all within the title
 * and keywords. NULL when there are no terms. */
static char *typing_expr(kj_analyzer *analyzer, const kj_search_backend *sb, const char *text)
{
    size_t len = strlen(text);
    int n = 0;
    char **terms = kj_analyze_terms(analyzer, KJ_ANALYZE_QUERY, text, (int)utf8_cut(text, len, 300), &n);
    if (!terms) return NULL;
    char *expr = n ? sb->typing(terms, n < 8 ? n : 8, n <= 8 && len && text[len - 1] != ' ') : NULL;
    kj_terms_free(terms, n);
    return expr;
}

/* Newest first, at most this many: a common prefix costs no more than a
 * rare one. */
#define SUGGEST_SCAN 200

json_t *kj_search_suggest(kj_db *db, const char *prefix, int limit)
{
    json_t *out = json_array();
    const kj_search_backend *sb = kj_search_backend_of(db);
    kj_analyzer *analyzer = kj_search_analyzer(db);
    char *expr = prefix && *prefix && analyzer ? typing_expr(analyzer, sb, prefix) : NULL;
    if (!expr) return out;
    json_t *rows = sb->suggest(db, expr, SUGGEST_SCAN);
    free(expr);
    /* Titles holding the typed text as it is first, then the others. */
    size_t i;
    json_t *r;
    for (int pass = 0; pass < 2; pass++)
        json_array_foreach(rows, i, r) {
            if ((int)json_array_size(out) >= limit) break;
            bool literal = strstr(kj_jstr(r, "title"), prefix) != NULL;
            if (literal == (pass == 0))
                json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "text", kj_jstr(r, "title"), "id", kj_jstr(r, "id"),
                                                     "kind", kj_jstr(r, "kind")));
        }
    /* Keywords of those listings that hold the typed text, each once. */
    json_t *seen = json_object();
    json_array_foreach(rows, i, r) {
        size_t j;
        json_t *k;
        json_array_foreach(json_object_get(r, "kw"), j, k) {
            const char *w = json_string_value(k);
            if (!w || !strstr(w, prefix) || json_object_get(seen, w) || (int)json_array_size(out) >= limit * 2) continue;
            json_object_set_new(seen, w, json_true());
            json_array_append_new(out, json_pack("{s:s, s:s}", "text", w, "kind", "keyword"));
        }
    }
    json_decref(seen);
    json_decref(rows);
    return out;
}

/* The index's format: what the analyzer and the indexer write for a
 * document. Raise it whenever a change makes an old index match
 * differently (2: issue 15, bigrams across a word seam are marked), so
 * that an upgraded instance rebuilds its index once at start instead of
 * matching by the old rules until someone runs `kejiyun reindex`. */
#define KJ_SEARCH_FORMAT "2"

int kj_search_ensure_format(kj_db *db, int *reindexed)
{
    if (reindexed) *reindexed = -1;
    /* A node's local copy (local.h) has its format in its own file. */
    if (kj_search_local_on(db)) return kj_search_local_ensure(db, KJ_SEARCH_FORMAT, reindexed);
    char *v = kj_db_text(db, "SELECT value FROM meta WHERE key = 'search_format'", "");
    bool same = v && !strcmp(v, KJ_SEARCH_FORMAT);
    free(v);
    if (same) return 0;
    if (kj_db_int(db, 0, "SELECT count(*) FROM listings", "") > 0) {
        int n = kj_search_reindex(db);
        if (n < 0) return -1;
        if (reindexed) *reindexed = n;
    }
    return kj_db_exec(db, "INSERT INTO meta(key, value) VALUES ('search_format', ?) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value", "s", KJ_SEARCH_FORMAT) < 0 ? -1 : 0;
}
