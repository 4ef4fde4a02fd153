/*
 * search.c — site search over 科普 content and questions (issue 15 item 7:
 * a search for 水稻 finds the rice articles and the rice questions).
 *
 * The 科普 corpus is small next to the market (hundreds to a few thousand
 * items), so it has no index of its own: the query's words (the
 * analyzer's QUERY terms, at most MAX_TERMS) select candidates with LIKE
 * on title, summary and body, and a score ranks them here: a word in the
 * title counts 3, in the summary 2, in the body 1; a candidate must hold
 * at least half of the words. Measured on the demo (≈40 items): one search
 * reads < 1 ms. A deployment with tens of thousands of articles would move
 * this behind the search backend (search/backend.h) like listings.
 */
#include "popsci/popsci.h"
#include <stdlib.h>
#include <string.h>
#include "core/json_util.h"
#include "text/analyzer.h"

#define MAX_TERMS 6
#define MAX_CANDIDATES 200

typedef struct {
    json_t *row;
    int matched, score;
    int64_t when;
} hit;

/* "%term%" with LIKE's wildcards escaped (ESCAPE '\'). */
static char *like_pattern(const char *t)
{
    size_t n = strlen(t);
    char *p = malloc(2 * n + 3), *o = p;
    if (!p) return NULL;
    *o++ = '%';
    for (; *t; t++) {
        if (*t == '%' || *t == '_' || *t == '\\') *o++ = '\\';
        *o++ = *t;
    }
    *o++ = '%';
    *o = 0;
    return p;
}

static bool has(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

static int cmp_hit(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    if (x->matched != y->matched) return y->matched - x->matched;
    if (x->score != y->score) return y->score - x->score;
    return (y->when > x->when) - (y->when < x->when);
}

/* "(col LIKE ?1 OR col LIKE ?2 ...)" over cols for n terms, lower() on both
 * sides (LIKE ignores ASCII case in SQLite only). */
static void any_term(kj_buf *sql, const char *const *cols, int n)
{
    kj_buf_puts(sql, "(");
    for (int i = 0; i < n; i++)
        for (int c = 0; cols[c]; c++)
            kj_buf_printf(sql, "%slower(%s) LIKE lower(?%d) ESCAPE '\\'", i || c ? " OR " : "", cols[c], i + 1);
    kj_buf_puts(sql, ")");
}

/* Candidates of both tables in one statement (the search page's statement
 * budget: tests/http/test_server_timing.py), scored into hits. */
static void collect(kj_db *db, char **terms, int n, hit *hits, size_t *nhits)
{
    static const char *const content_cols[] = { "title", "summary", "body", NULL };
    static const char *const question_cols[] = { "title", "body", NULL };
    json_t *params = json_array();
    for (int i = 0; i < n; i++) {
        char *pat = like_pattern(terms[i]);
        json_array_append_new(params, json_string(pat ? pat : ""));
        free(pat);
    }
    kj_buf sql = { 0 };
    kj_buf_puts(&sql, "SELECT 'popsci' AS kind, id, title, summary, body, topic, kind AS content_kind, '' AS status, "
                      "published_at AS at, origin FROM popsci_content WHERE status = 'published' AND ");
    any_term(&sql, content_cols, n);
    kj_buf_puts(&sql, " UNION ALL SELECT 'question', id, title, '', body, topic, '', status, created_at, origin "
                      "FROM popsci_questions WHERE ");
    any_term(&sql, question_cols, n);
    kj_buf_printf(&sql, " LIMIT %d", 2 * MAX_CANDIDATES);
    json_t *rows = kj_db_rows_j(db, sql.data, params);
    kj_buf_free(&sql);
    json_decref(params);
    size_t i;
    json_t *r;
    int need = n / 2 + n % 2;
    json_array_foreach(rows, i, r) {
        int matched = 0, score = 0;
        for (int t = 0; t < n; t++) {
            int sc = has(kj_jstr(r, "title"), terms[t]) ? 3 : has(kj_jstr(r, "summary"), terms[t]) ? 2
                   : has(kj_jstr(r, "body"), terms[t]) ? 1 : 0;
            if (sc) { matched++; score += sc; }
        }
        if (matched < need || *nhits >= 2 * MAX_CANDIDATES) continue;
        const char *kind = kj_jstr_or_empty(r, "kind");
        json_t *o = json_pack("{s:s, s:O, s:O, s:O, s:O}", "kind", kind, "id", json_object_get(r, "id"), "title",
                              json_object_get(r, "title"), "summary", json_object_get(r, "summary"), "topic",
                              json_object_get(r, "topic"));
        json_object_set(o, "origin", json_object_get(r, "origin"));   /* federation: a peer's content is labelled */
        if (!strcmp(kind, "popsci")) json_object_set(o, "content_kind", json_object_get(r, "content_kind"));
        else json_object_set(o, "status", json_object_get(r, "status"));
        hits[(*nhits)++] = (hit){ o, matched, score, json_integer_value(json_object_get(r, "at")) };
    }
    json_decref(rows);
}

json_t *kj_popsci_search(kj_db *db, kj_analyzer *a, const char *q, int limit)
{
    json_t *out = json_pack("{s:[], s:i}", "items", "total", 0);
    if (!q || !*q || !a) return out;
    int n = 0;
    char **terms = kj_analyze_terms(a, KJ_ANALYZE_QUERY, q, -1, &n);
    if (!terms) return out;
    int used = n < MAX_TERMS ? n : MAX_TERMS;
    hit *hits = calloc(4 * MAX_CANDIDATES, sizeof *hits);
    size_t nhits = 0;
    if (hits) {
        collect(db, terms, used, hits, &nhits);
        qsort(hits, nhits, sizeof *hits, cmp_hit);
        json_t *items = json_object_get(out, "items");
        for (size_t i = 0; i < nhits; i++) {
            if ((int)i < limit) json_array_append(items, hits[i].row);
            json_decref(hits[i].row);
        }
        json_object_set_new(out, "total", json_integer((json_int_t)nhits));
    }
    free(hits);
    kj_terms_free(terms, n);
    return out;
}
