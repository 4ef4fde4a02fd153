/*
 * test_rank.c — unit tests of kj_bm25() (src/search/search_sqlite.c): the
 * same scores as FTS5's bm25() for the same weights, whether it counts each
 * phrase's documents itself or is given the counts; and given counts are
 * really what it uses.
 */
#include "t.h"
#include "text/analyzer.h"
#include "text/fts5_tokenizer.h"
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

int kj_search_conn_hook(void *raw_conn, void *ctx);

static const char *const texts[][2] = {
    { "输电线路无人机巡检", "无人机 巡检 输电线路 绝缘子 缺陷识别" },
    { "茶园无人机运输", "山区 茶园 无人机 运输 鲜叶" },
    { "锂电池回收", "动力 锂电池 回收 梯次利用" },
    { "无人机电池", "长航时 无人机 电池 方案 巡检" },
    { "绝缘子检测", "绝缘子 缺陷 检测 图像 识别" },
};

static kj_analyzer *ranking_analyzer;

static kj_analyzer *rank_analyzer(void)
{
    char err[256];
    if (!ranking_analyzer) ranking_analyzer = kj_analyzer_open("data/text", err, sizeof err);
    return ranking_analyzer;
}

__attribute__((destructor)) static void close_rank_analyzer(void) { kj_analyzer_close(ranking_analyzer); }

static sqlite3 *rank_db(void)
{
    sqlite3 *db = NULL;
    if (!rank_analyzer() || sqlite3_open(":memory:", &db) != SQLITE_OK) return NULL;
    if (kj_search_conn_hook(db, rank_analyzer()) != 0 ||
        sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='kejiyun')", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO t(title, body) VALUES (?1, ?2)", -1, &st, NULL);
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        sqlite3_bind_text(st, 1, texts[i][0], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, texts[i][1], -1, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return db;
}

/* Scores of every match of q by rowid, as rank_sql computes them: n rows at most. */
static int scores(sqlite3 *db, const char *rank_sql, const char *q, const char *counts, double *out, int n)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM t WHERE t MATCH ?1 ORDER BY rowid", rank_sql);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
    if (counts) sqlite3_bind_text(st, 2, counts, -1, SQLITE_STATIC);
    int k = 0;
    while (sqlite3_step(st) == SQLITE_ROW && k < n) out[k++] = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return k;
}

/* Documents of t holding term (as bm25() counts them). */
static int docs_with(sqlite3 *db, const char *term)
{
    double s[16];
    char q[64];
    snprintf(q, sizeof q, "\"%s\"", term);
    return scores(db, "rowid", q, NULL, s, 16);
}

TEST(kj_bm25_equals_fts5_bm25_counted_or_given)
{
    sqlite3 *db = rank_db();
    REQUIRE(db);
    const char *q = "\"无人机\" OR \"巡检\" OR \"绝缘子\"";
    double want[8], counted[8], given[8], wrong[8];
    int n = scores(db, "bm25(t, 10.0, 1.0)", q, NULL, want, 8);
    REQUIRE(n >= 4);
    CHECK_INT(scores(db, "kj_bm25(t, 10.0, 1.0)", q, NULL, counted, 8), n);
    char counts[64];
    snprintf(counts, sizeof counts, "%d %d %d", docs_with(db, "无人机"), docs_with(db, "巡检"), docs_with(db, "绝缘子"));
    CHECK_INT(scores(db, "kj_bm25(t, 10.0, 1.0, ?2)", q, counts, given, 8), n);
    CHECK_INT(scores(db, "kj_bm25(t, 10.0, 1.0, ?2)", q, "1 1 1", wrong, 8), n);
    bool differs = false;
    for (int i = 0; i < n; i++) {
        CHECK(want[i] < 0);
        CHECK(fabs(counted[i] - want[i]) < 1e-9);
        CHECK(fabs(given[i] - want[i]) < 1e-9);
        if (fabs(wrong[i] - want[i]) > 1e-6) differs = true;
    }
    CHECK(differs);   /* the counts given are the ones used */
    /* A short or unreadable list: the rest is counted, as bm25() does. */
    CHECK_INT(scores(db, "kj_bm25(t, 10.0, 1.0, ?2)", q, "x", given, 8), n);
    for (int i = 0; i < n; i++) CHECK(fabs(given[i] - want[i]) < 1e-9);
    sqlite3_close(db);
}
