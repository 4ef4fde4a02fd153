/*
 * test_bilingual.c — a Chinese query term's English forms (issue 15, "and
 * back"): the expression kj_search_expr_alt builds (the Chinese words, OR
 * any English form; synonyms and forms no document holds left out), the
 * ties kj_search_tie_counts writes, and kj_bm25 ranking a form below the
 * Chinese words it stands for.
 */
#include "t.h"
#include "search/backend.h"
#include "search/search.h"
#include "text/fts5_tokenizer.h"
#include "text/rewrite.h"
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

int kj_search_conn_hook(void *raw_conn, void *ctx);

static kj_analyzer *bi_an;
static kj_rewriter *bi_rw;

static bool bilingual(void)
{
    if (bi_rw) return true;
    char err[256], dir[4096];
    const char *root = getenv("KEJIYUN_ROOT");
    snprintf(dir, sizeof dir, "%s/data/text", root && *root ? root : ".");
#ifdef KEJIYUN_ROOT
    if (access(dir, R_OK) != 0) snprintf(dir, sizeof dir, "%s/data/text", KEJIYUN_ROOT);
#endif
    bi_an = kj_analyzer_open(dir, err, sizeof err);
    bi_rw = bi_an ? kj_rewriter_open(bi_an, dir, err, sizeof err) : NULL;
    if (!bi_rw) fprintf(stderr, "  %s\n", err);
    return bi_rw != NULL;
}

__attribute__((destructor)) static void close_bilingual(void)
{
    kj_rewriter_close(bi_rw);
    kj_analyzer_close(bi_an);
}

/* A fake index: "inspect" is in no document. */
static int64_t no_inspect(void *ctx, const char *term)
{
    (void)ctx;
    return strcmp(term, "inspect") ? 5 : 0;
}

TEST(expr_alt_adds_english_forms_as_alternatives)
{
    REQUIRE(bilingual());
    json_t *terms = json_array(), *ties = json_array();
    int n = 0;
    const char *text = "线阵相机 缺陷检测";
    char *e = kj_search_expr_alt(bi_an, bi_rw, &kj_search_fts5, text, strlen(text), 48, true, NULL, NULL, terms, ties, &n);
    CHECK_STR(e, "\"线阵\" AND \"相机\" AND ((\"缺陷\" AND \"检测\") OR \"defect detection\" OR \"defect inspection\")");
    CHECK_INT(n, 4);   /* the text's own terms */
    CHECK_INT(json_array_size(terms), 6);
    CHECK_STR(json_string_value(json_array_get(terms, 5)), "defect inspection");
    /* each form tied to the terms it stands for */
    char *counts = kj_search_tie_counts(ties, NULL);
    CHECK_STR(counts, "-1 -1 -1 -1 ~700@2+3 ~700@2+3");
    free(counts);
    counts = kj_search_tie_counts(ties, "7 8 9 10 0 0");
    CHECK_STR(counts, "7 8 9 10 ~700@2+3 ~700@2+3");
    free(counts);
    free(e);
    /* any word: every term and form OR'd, in the same order */
    e = kj_search_expr_alt(bi_an, bi_rw, &kj_search_fts5, text, strlen(text), 48, false, NULL, NULL, NULL, NULL, NULL);
    CHECK_STR(e, "\"线阵\" OR \"相机\" OR \"缺陷\" OR \"检测\" OR \"defect detection\" OR \"defect inspection\"");
    free(e);
    /* a form holding a word no document has is left out */
    json_array_clear(terms);
    e = kj_search_expr_alt(bi_an, bi_rw, &kj_search_fts5, "缺陷检测", strlen("缺陷检测"), 48, true, no_inspect, NULL, terms, NULL, &n);
    CHECK_STR(e, "((\"缺陷\" AND \"检测\") OR \"defect detection\")");
    free(e);
    /* a synonym (machine vision: the index holds 机器视觉 for it) adds nothing */
    e = kj_search_expr_alt(bi_an, bi_rw, &kj_search_fts5, "机器视觉", strlen("机器视觉"), 48, true, NULL, NULL, NULL, NULL, NULL);
    CHECK_STR(e, "\"机器视觉\"");
    free(e);
    /* no rewriter, or nothing of the list: the plain expression */
    e = kj_search_expr_alt(bi_an, NULL, &kj_search_fts5, "缺陷检测", strlen("缺陷检测"), 48, true, NULL, NULL, NULL, NULL, NULL);
    CHECK_STR(e, "\"缺陷\" AND \"检测\"");
    free(e);
    json_t *none = json_array();
    json_array_append_new(none, json_null());
    CHECK(kj_search_tie_counts(none, NULL) == NULL);
    json_decref(none);
    json_decref(terms);
    json_decref(ties);
}

/* kj_bm25 of each row of t matching q, by rowid (0 when it does not match). */
static void rank_rows(sqlite3 *db, const char *q, const char *counts, double *out, int n)
{
    sqlite3_stmt *st;
    for (int i = 0; i < n; i++) out[i] = 0;
    if (sqlite3_prepare_v2(db, "SELECT rowid, -kj_bm25(t, 4.0, 1.0, ?2, 0.0) FROM t WHERE t MATCH ?1", -1, &st, NULL) != SQLITE_OK) return;
    sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, counts, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int r = sqlite3_column_int(st, 0);
        if (r >= 1 && r <= n) out[r - 1] = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
}

TEST(kj_bm25_ranks_an_english_form_below_its_chinese_words)
{
    REQUIRE(bilingual());
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
    REQUIRE(kj_search_conn_hook(db, bi_an) == 0);
    REQUIRE(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='kejiyun');"
                             "INSERT INTO t(title, body) VALUES ('注塑件缺陷检测', '外观');"
                             "INSERT INTO t(title, body) VALUES ('Defect detection of moulded parts', 'surface');"
                             "INSERT INTO t(title, body) VALUES ('焊缝检测', '超声');"
                             "INSERT INTO t(title, body) VALUES ('Weld seams', 'ultrasonic');",
                         NULL, NULL, NULL) == SQLITE_OK);
    json_t *ties = json_array();
    char *q = kj_search_expr_alt(bi_an, bi_rw, &kj_search_fts5, "缺陷检测", strlen("缺陷检测"), 48, true, NULL, NULL, NULL, ties, NULL);
    char *counts = kj_search_tie_counts(ties, NULL);
    double s[4];
    rank_rows(db, q, counts, s, 4);
    /* both found; the English row counts for 70 % of the Chinese one, the
     * same hits in the same column (b = 0: lengths do not matter) */
    CHECK(s[0] > 0 && s[1] > 0 && s[2] == 0 && s[3] == 0);
    CHECK(fabs(s[1] - 0.7 * s[0]) < 1e-9);
    /* an unreadable tie ranks the form with almost nothing, never fails */
    rank_rows(db, q, "-1 -1 ~x ~700@9", s, 4);
    CHECK(s[0] > 0 && s[1] >= 0 && s[1] < 1e-3);
    free(counts);
    free(q);
    json_decref(ties);
    sqlite3_close(db);
}
