/*
 * test_analyzer.c — the search analyzer (src/text/analyzer.h) and its FTS5
 * tokenizer (src/text/fts5_tokenizer.h). The analyzer needs data/text: from
 * $KEJIYUN_ROOT when set, else relative to the repo root (tests run there).
 * One analyzer is opened lazily and shared by every test here.
 */
#include "t.h"
#include "text/analyzer.h"
#include "text/fts5_tokenizer.h"
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

static kj_analyzer *shared_analyzer;

/* data/text under $KEJIYUN_ROOT, else the working directory, else the
 * root the build was made in. */
static const char *data_dir(void)
{
    static char dir[4096];
    const char *root = getenv("KEJIYUN_ROOT");
    snprintf(dir, sizeof dir, "%s/data/text", root && *root ? root : ".");
#ifdef KEJIYUN_ROOT
    if (access(dir, R_OK) != 0) snprintf(dir, sizeof dir, "%s/data/text", KEJIYUN_ROOT);
#endif
    return dir;
}

static kj_analyzer *analyzer(void)
{
    if (shared_analyzer) return shared_analyzer;
    char err[256];
    const char *dir = data_dir();
    shared_analyzer = kj_analyzer_open(dir, err, sizeof err);
    if (!shared_analyzer) fprintf(stderr, "  kj_analyzer_open(%s): %s\n", dir, err);
    return shared_analyzer;
}

__attribute__((destructor)) static void close_analyzer(void)
{
    kj_analyzer_close(shared_analyzer);
}

/* ---- helpers: terms as one space-joined string, token records ----------- */

static char *joined(int mode, const char *text)
{
    static char buf[4][2048];   /* a few results may be compared at once */
    static int next;
    char *out = buf[next++ & 3];
    out[0] = '\0';
    int n = 0;
    char **t = kj_analyze_terms(analyzer(), mode, text, -1, &n);
    size_t used = 0;
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, sizeof buf[0] - used, "%s%s", i ? " " : "", t[i]);
    kj_terms_free(t, n);
    return out;
}

static char *qterms(const char *text) { return joined(KJ_ANALYZE_QUERY, text); }
static char *iterms(const char *text) { return joined(KJ_ANALYZE_INDEX, text); }

/* Whether space-joined list has the whole term. */
static int has_term(const char *list, const char *term)
{
    size_t n = strlen(term);
    for (const char *p = list; (p = strstr(p, term)) != NULL; p++)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
    return 0;
}

typedef struct { char tok[64]; int flags, start, end; } rec;
typedef struct { rec r[256]; int n, len, bad_range; } recs;

static int record(void *ctx, int flags, const char *tok, int len, int start, int end)
{
    recs *rs = ctx;
    if (start < 0 || end <= start || end > rs->len) rs->bad_range = 1;
    if (rs->n < 256 && len < 64) {
        rec *r = &rs->r[rs->n++];
        memcpy(r->tok, tok, (size_t)len);
        r->tok[len] = '\0';
        r->flags = flags; r->start = start; r->end = end;
    }
    return 0;
}

/* The first token tok; with pos_only, the first holding its own position. */
static const rec *find_tok(const recs *rs, const char *tok, int pos_only)
{
    for (int i = 0; i < rs->n; i++)
        if (strcmp(rs->r[i].tok, tok) == 0 && !(pos_only && rs->r[i].flags)) return &rs->r[i];
    return NULL;
}

static const rec *find_rec(const recs *rs, const char *tok) { return find_tok(rs, tok, 0); }

/* ---- analyzer ------------------------------------------------------------ */

TEST(analyzer_opens_and_rejects_missing_data)
{
    REQUIRE(analyzer() != NULL);
    char err[256] = "";
    CHECK(kj_analyzer_open("/nonexistent-dir", err, sizeof err) == NULL);
    CHECK(strstr(err, "stopwords") != NULL);
}

TEST(analyzer_traditional_equals_simplified)
{
    REQUIRE(analyzer());
    CHECK_STR(iterms("無人機"), iterms("无人机"));
    CHECK_STR(qterms("無人機"), qterms("无人机"));
    CHECK_STR(qterms("無人機"), "无人机");
    CHECK_STR(qterms("鋰電池技術"), qterms("锂电池技术"));
}

TEST(analyzer_fullwidth_and_case)
{
    REQUIRE(analyzer());
    CHECK_STR(qterms("ＵＡＶ５Ｇ"), "uav5g");
    CHECK_STR(qterms("UAV5G"), "uav5g");
    CHECK(has_term(iterms("ＵＡＶ５Ｇ"), "uav"));   /* letter/digit parts, index only */
    CHECK(has_term(iterms("ＵＡＶ５Ｇ"), "5"));
}

TEST(analyzer_mixed_chinese_english)
{
    REQUIRE(analyzer());
    CHECK_STR(qterms("基于YOLOv5的无人机目标检测"), "基于 yolov5 无人机 目标 检测");
    const char *idx = iterms("基于YOLOv5的无人机目标检测");
    CHECK(has_term(idx, "yolov5"));
    CHECK(has_term(idx, "yolov"));
    CHECK(has_term(idx, "无人机"));
    CHECK(has_term(idx, "人机"));   /* bigram inside a word */
    /* bigram across words: marked, so that a query's word never matches a seam */
    CHECK(has_term(idx, "机目" KJ_CROSSING_MARK));
    CHECK(!has_term(idx, "机目"));
    CHECK(!has_term(idx, "的"));    /* stop word */
    CHECK(has_term(idx, "的无" KJ_CROSSING_MARK));   /* ...but its bigrams stay */
}

TEST(analyzer_crossing_bigram_is_not_the_word)
{
    REQUIRE(analyzer());
    /* 品质|检测: 质检 straddles the seam; 质检员 holds the word's bigram */
    const char *idx = iterms("人工智能品质检测");
    CHECK(has_term(idx, "品质"));
    CHECK(has_term(idx, "检测"));
    CHECK(!has_term(idx, "质检"));
    CHECK(has_term(idx, "质检" KJ_CROSSING_MARK));
    CHECK_STR(qterms("人工智能 质检"), "人工智能 质检");
}

TEST(analyzer_bigram_fallback_out_of_dictionary)
{
    REQUIRE(analyzer());
    /* friso knows no word 氪氖氙: it falls back to overlapping bigrams. */
    CHECK_STR(qterms("氪氖氙"), "氪氖 氖氙");
    const char *idx = iterms("一种氪氖氙混合气体");
    CHECK(has_term(idx, "氪氖"));
    CHECK(has_term(idx, "氖氙"));
    CHECK(has_term(idx, "氙"));     /* single characters of the run, colocated */
    CHECK_STR(qterms("氙"), "氙");   /* a lone character is its own term */
}

TEST(analyzer_synonyms_share_a_token)
{
    REQUIRE(analyzer());
    CHECK_STR(qterms("UAV"), "无人机");
    CHECK_STR(qterms("drones"), "无人机");
    CHECK_STR(qterms("无人驾驶航空器"), "无人机");
    CHECK(has_term(iterms("一种UAV巡检系统"), "无人机"));
    CHECK(has_term(iterms("一种UAV巡检系统"), "uav"));
    CHECK(has_term(iterms("无人机巡检"), "无人机"));
    CHECK_STR(qterms("Internet of Things"), "物联网");
    CHECK(has_term(iterms("Internet of Things平台"), "物联网"));
    CHECK_STR(qterms("锂离子电池"), "锂电池");
    CHECK(has_term(iterms("动力锂离子电池"), "锂电池"));
    CHECK_STR(qterms("AI"), "人工智能");
    /* Only on word boundaries: 无人机场 is 无人|机场, no drone in it. */
    CHECK(!has_term(iterms("无人机场"), "无人机"));
    /* Longest span wins: 植保无人机 is its own group. */
    CHECK_STR(qterms("植保无人机"), "植保无人机");
    CHECK(has_term(iterms("植保无人机"), "无人机"));
}

/* Every term of data/text/synonyms.tsv queries as its group's first term. */
TEST(analyzer_every_synonym_term_maps_to_its_group)
{
    REQUIRE(analyzer());
    char path[4200];
    snprintf(path, sizeof path, "%s/synonyms.tsv", data_dir());
    FILE *f = fopen(path, "r");
    REQUIRE(f);
    char line[1024], canon[256];
    int groups = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0') continue;
        groups++;
        int first = 1;
        for (char *save = NULL, *term = strtok_r(line, "\t", &save); term;
             term = strtok_r(NULL, "\t", &save)) {
            if (first) { snprintf(canon, sizeof canon, "%s", qterms(term)); first = 0; }
            if (strcmp(qterms(term), canon) != 0)
                fprintf(stderr, "  synonym \"%s\" queries as \"%s\", not \"%s\"\n", term,
                        qterms(term), canon);
            CHECK_STR(qterms(term), canon);
            CHECK(strchr(canon, ' ') == NULL);   /* canonical tokens are one word */
        }
    }
    fclose(f);
    CHECK(groups >= 40);
}

TEST(analyzer_stop_words)
{
    REQUIRE(analyzer());
    CHECK_STR(qterms("我们的无人机"), "无人机");
    CHECK_STR(qterms("the battery of a drone"), "batteri 无人机");
    CHECK_STR(qterms("IT服务"), "it 服务");   /* "it" deliberately not a stop word */
    CHECK_STR(qterms("的"), "");
}

TEST(analyzer_english_stemming)
{
    REQUIRE(analyzer());
    CHECK_STR(qterms("batteries"), qterms("battery"));
    CHECK_STR(qterms("Detection detecting"), "detect");
    CHECK_STR(qterms("farmer’s 3.14"), "farmer 3.14");
}

TEST(analyzer_query_terms_reanalyze_to_themselves)
{
    REQUIRE(analyzer());
    const char *texts[] = {
        "基于YOLOv5的无人机目标检测", "锂离子电池回收 lithium batteries", "氪氖氙混合气体",
        "Internet of Things 物联网平台", "農業無人機植保服務",
        /* Snowball is not idempotent on these ("agreed" → "agre" → "agr"):
         * found by tests/fuzz/fuzz_analyzer. */
        "agreed abasement absentees", "ypeiceeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
        "ons ones", /* "ons" stems to the stop word "on" */
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        int n = 0;
        char **t = kj_analyze_terms(analyzer(), KJ_ANALYZE_QUERY, texts[i], -1, &n);
        CHECK(n > 0);
        for (int k = 0; k < n; k++) CHECK_STR(qterms(t[k]), t[k]);
        kj_terms_free(t, n);
    }
}

TEST(analyzer_invalid_utf8_and_empty)
{
    REQUIRE(analyzer());
    recs rs = { .len = 0 };
    CHECK_INT(kj_analyze(analyzer(), KJ_ANALYZE_INDEX, "", 0, record, &rs), 0);
    CHECK_INT(kj_analyze(analyzer(), KJ_ANALYZE_QUERY, NULL, 0, record, &rs), 0);
    CHECK_INT(rs.n, 0);
    int n = -1;
    CHECK(kj_analyze_terms(analyzer(), KJ_ANALYZE_QUERY, "  ，。!! ", -1, &n) == NULL);
    CHECK_INT(n, 0);

    const char bad[] = "\xff\xfe无人\x80机\xc3\xa9\xe6\x97 ab\xed\xa0\x80" "cd\xf4\x90\x80\x80\xc3";
    rs = (recs){ .len = (int)sizeof bad - 1 };
    CHECK_INT(kj_analyze(analyzer(), KJ_ANALYZE_INDEX, bad, rs.len, record, &rs), 0);
    CHECK(!rs.bad_range);
    CHECK(find_rec(&rs, "无人") != NULL);   /* invalid bytes separate, not swallow */
    CHECK(find_rec(&rs, "机") != NULL);
    CHECK(find_rec(&rs, "ab") != NULL);
    CHECK(find_rec(&rs, "cd") != NULL);
    CHECK_INT(kj_analyze(analyzer(), 7, "x", 1, record, &rs), -1);
}

TEST(analyzer_offsets_point_into_original)
{
    REQUIRE(analyzer());
    const char *text = "产品：ＵＡＶ與無人機 lithium-ion Batteries";
    recs rs = { .len = (int)strlen(text) };
    CHECK_INT(kj_analyze(analyzer(), KJ_ANALYZE_INDEX, text, rs.len, record, &rs), 0);
    CHECK(!rs.bad_range);
    const rec *r = find_rec(&rs, "uav");
    REQUIRE(r);
    CHECK_INT(r->end - r->start, 9);
    CHECK(memcmp(text + r->start, "ＵＡＶ", 9) == 0);
    r = find_rec(&rs, "无人机");   /* first the synonym of ＵＡＶ */
    REQUIRE(r);
    CHECK(memcmp(text + r->start, "ＵＡＶ", 9) == 0);
    r = find_tok(&rs, "无人机", 1);
    REQUIRE(r);
    CHECK(memcmp(text + r->start, "無人機", 9) == 0 && r->end - r->start == 9);
    r = find_rec(&rs, "batteri");
    REQUIRE(r);
    CHECK(memcmp(text + r->start, "Batteries", 9) == 0 && r->end - r->start == 9);
    CHECK_INT(rs.r[0].flags, 0);   /* the first token is never colocated */
}

TEST(analyzer_random_input_is_safe)
{
    REQUIRE(analyzer());
    static const char *frags[] = {
        "a", "Z", "7", " ", ".", "'", "-", "\xe3\x80\x82", "无", "人", "机", "無", "機", "的",
        "\xef\xbc\xa1", "\xcc\x81", "\xe2\x80\x8b", "\xff", "\x80", "\xe6\x97", "\xf0\xa0\x80\x80",
        "UAV", "物联网", "of", "3.5", "\xea\xb0\x80", "\xe3\x81\x82", "\xef\xac\x81", "\x00",
    };
    unsigned seed = 12345;
    char buf[1024];
    for (int iter = 0; iter < 400; iter++) {
        int len = 0;
        seed = seed * 1103515245u + 12345u;
        int parts = (int)(seed >> 16) % 60;
        for (int k = 0; k < parts; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *f = frags[(seed >> 16) % (sizeof frags / sizeof frags[0])];
            size_t fl = f[0] ? strlen(f) : 1;   /* "\x00" stands for a NUL byte */
            memcpy(buf + len, f, fl);
            len += (int)fl;
        }
        for (int mode = 0; mode < 2; mode++) {
            recs rs = { .len = len };
            CHECK_INT(kj_analyze(analyzer(), mode, buf, len, record, &rs), 0);
            CHECK(!rs.bad_range);
        }
    }
}

static int stop_after_two(void *ctx, int flags, const char *tok, int len, int start, int end)
{
    return ++*(int *)ctx == 2 ? 42 : 0;
}

TEST(analyzer_callback_can_stop)
{
    REQUIRE(analyzer());
    int count = 0;
    CHECK_INT(kj_analyze(analyzer(), KJ_ANALYZE_QUERY, "无人机 目标 检测 方法", -1,
                         stop_after_two, &count), 42);
    CHECK_INT(count, 2);
}

typedef struct { const char *text, *expect; int ok; } thread_job;

static void *analyze_many(void *arg)
{
    thread_job *j = arg;
    j->ok = 1;
    for (int i = 0; i < 200 && j->ok; i++) {
        int n = 0;
        char **t = kj_analyze_terms(analyzer(), KJ_ANALYZE_INDEX, j->text, -1, &n);
        char buf[2048] = "";
        size_t used = 0;
        for (int k = 0; k < n; k++)
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", k ? " " : "", t[k]);
        kj_terms_free(t, n);
        j->ok = strcmp(buf, j->expect) == 0;
    }
    return NULL;
}

TEST(analyzer_concurrent_calls_agree)
{
    REQUIRE(analyzer());
    const char *texts[] = { "基于YOLOv5的植保無人機目標檢測", "锂离子电池回收 lithium batteries",
                            "物联网平台 Internet of Things", "氪氖氙混合气体的制备方法" };
    thread_job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (thread_job){ texts[i], strdup(iterms(texts[i])), 0 };
        REQUIRE(pthread_create(&th[i], NULL, analyze_many, &jobs[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK(jobs[i].ok);
        free((char *)jobs[i].expect);
    }
}

/* ---- FTS5 ---------------------------------------------------------------- */

static const char *docs[] = {
    "一种基于YOLOv5的无人机目标检测方法",        /* 1 */
    "UAV inspection of power lines",             /* 2 */
    "無人機巡檢系統",                              /* 3 */
    "动力锂离子电池回收技术",                      /* 4 */
    "Solid battery packaging for drones",          /* 5 */
    "氪氖氙混合气体的制备",                        /* 6 */
    "无人机场的建设规划",                          /* 7: an airport, not a drone */
    "The partners agreed on the absentee rules",   /* 8: stems that Snowball shortens twice */
};

static sqlite3 *fts_db(void)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) return NULL;
    if (kj_fts5_register(db, analyzer()) != SQLITE_OK ||
        sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='kejiyun')",
                     NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO t(rowid, body) VALUES (?1, ?2)", -1, &st, NULL);
    for (int i = 0; i < (int)(sizeof docs / sizeof docs[0]); i++) {
        sqlite3_bind_int(st, 1, i + 1);
        sqlite3_bind_text(st, 2, docs[i], -1, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return db;
}

/* Matching rowids in order, as "1,3". */
static char *match(sqlite3 *db, const char *q)
{
    static char out[256];
    out[0] = '\0';
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY rowid", -1,
                           &st, NULL) != SQLITE_OK) return strcpy(out, "prepare error");
    sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
    size_t used = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%d", used ? "," : "",
                                 sqlite3_column_int(st, 0));
    if (rc != SQLITE_DONE) snprintf(out, sizeof out, "error %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return out;
}

static char *highlight(sqlite3 *db, const char *q, int rowid)
{
    static char out[512];
    strcpy(out, "(no row)");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH ?1 "
                           "AND rowid = ?2", -1, &st, NULL) != SQLITE_OK) return out;
    sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, rowid);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

TEST(fts5_match_chinese_synonyms_and_traditional)
{
    REQUIRE(analyzer());
    sqlite3 *db = fts_db();
    REQUIRE(db);
    CHECK_STR(match(db, "\"无人机\""), "1,2,3,5");
    CHECK_STR(match(db, "\"無人機\""), "1,2,3,5");
    CHECK_STR(match(db, "\"UAV\""), "1,2,3,5");
    CHECK_STR(match(db, "\"drone\""), "1,2,3,5");
    CHECK_STR(match(db, "\"锂电池\""), "4");
    CHECK_STR(match(db, "\"batteries\""), "5");
    /* two characters inside a word; not across a seam: 无人|机场 (7) is no 人机,
     * as 品质|检测 is no 质检 (issue 15) */
    CHECK_STR(match(db, "\"人机\""), "1,3");
    CHECK_STR(match(db, "\"氖氙\""), "6");             /* out-of-dictionary word */
    CHECK_STR(match(db, "\"机场\""), "7");
    CHECK_STR(match(db, "\"目标检测\""), "1");         /* phrase of two words */
    CHECK_STR(match(db, "\"无人机\" AND \"巡检\""), "3");  /* inspection is no 巡检 */
    CHECK_STR(match(db, "\"yolov5\" OR \"回收\""), "1,4");
    CHECK_STR(match(db, "\"的\""), "");                /* a stop word matches nothing */
    sqlite3_close(db);
}

/* A search quotes its query terms into MATCH, which analyzes them again:
 * "agreed" gave the term "agre", re-analyzed to "agr", which matched
 * nothing (found by tests/fuzz/fuzz_analyzer). */
TEST(fts5_match_quoted_query_terms_of_twice_stemmed_words)
{
    REQUIRE(analyzer());
    sqlite3 *db = fts_db();
    REQUIRE(db);
    const char *words[] = { "agreed", "absentee", "Agreed" };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        char q[128];
        snprintf(q, sizeof q, "\"%s\"", qterms(words[i]));
        CHECK_STR(match(db, q), "8");
    }
    sqlite3_close(db);
}

TEST(fts5_highlight_marks_original_text)
{
    REQUIRE(analyzer());
    sqlite3 *db = fts_db();
    REQUIRE(db);
    CHECK_STR(highlight(db, "\"UAV\"", 1), "一种基于YOLOv5的[无人机]目标检测方法");
    CHECK_STR(highlight(db, "\"无人机\"", 2), "[UAV] inspection of power lines");
    CHECK_STR(highlight(db, "\"无人机\"", 3), "[無人機]巡檢系統");
    CHECK_STR(highlight(db, "\"目标检测\"", 1), "一种基于YOLOv5的无人机[目标检测]方法");
    CHECK_STR(highlight(db, "\"氪氖氙\"", 6), "[氪氖氙]混合气体的制备");
    sqlite3_close(db);
}

TEST(fts5_register_rejects_bad_arguments)
{
    REQUIRE(analyzer());
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
    CHECK_INT(kj_fts5_register(db, NULL), SQLITE_MISUSE);
    CHECK_INT(kj_fts5_register(db, analyzer()), SQLITE_OK);
    CHECK(sqlite3_exec(db, "CREATE VIRTUAL TABLE x USING fts5(b, tokenize='kejiyun extra')",
                       NULL, NULL, NULL) != SQLITE_OK);
    sqlite3_close(db);
}

/* ---- analysis ahead: recorded streams replayed per thread ---------------- */

/* An analyzer without stop words or synonyms, so that its streams differ
 * from the shared one's and a replay can be told from an analysis. */
static kj_analyzer *bare_analyzer(char *dir, size_t dirlen)
{
    snprintf(dir, dirlen, "/tmp/kj-bare-XXXXXX");
    if (!mkdtemp(dir)) return NULL;
    static const char *const files[] = { "stopwords-zh.txt", "stopwords-en.txt", "synonyms.tsv" };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        FILE *f = fopen(path, "w");
        if (!f) return NULL;
        fclose(f);
    }
    char err[256];
    return kj_analyzer_open(dir, err, sizeof err);
}

static void remove_bare(const char *dir)
{
    static const char *const files[] = { "stopwords-zh.txt", "stopwords-en.txt", "synonyms.tsv" };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

static int same_recs(const recs *a, const recs *b)
{
    if (a->n != b->n) return 0;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->r[i].tok, b->r[i].tok) || a->r[i].flags != b->r[i].flags ||
            a->r[i].start != b->r[i].start || a->r[i].end != b->r[i].end) return 0;
    return 1;
}

typedef struct { const char *text; recs out; } other_thread_job;

static void *analyze_on_other_thread(void *arg)
{
    other_thread_job *j = arg;
    kj_analyze(analyzer(), KJ_ANALYZE_INDEX, j->text, -1, record, &j->out);
    return NULL;
}

TEST(analyzer_replays_recorded_streams_on_its_thread_only)
{
    REQUIRE(analyzer());
    char dir[64];
    kj_analyzer *bare = bare_analyzer(dir, sizeof dir);
    REQUIRE(bare);
    const char *text = "the UAV 无人机 for the farmers", *other = "the drone";
    int len = (int)strlen(text);
    recs direct_bare = { .len = len }, direct = { .len = len }, replayed = { .len = len };
    kj_analyze(bare, KJ_ANALYZE_INDEX, text, len, record, &direct_bare);
    kj_analyze(analyzer(), KJ_ANALYZE_INDEX, text, len, record, &direct);
    CHECK(find_rec(&direct_bare, "the") && !find_rec(&direct, "the"));   /* the two differ */

    kj_tokens *t = kj_tokens_new();
    REQUIRE(t);
    CHECK_INT(kj_tokens_add(t, bare, "unrelated", 9), 0);
    CHECK_INT(kj_tokens_add(t, bare, text, len), 0);
    kj_analyze_replay(t);
    /* The same bytes in INDEX mode: the recorded stream, token for token. */
    CHECK_INT(kj_analyze(analyzer(), KJ_ANALYZE_INDEX, text, len, record, &replayed), 0);
    CHECK(same_recs(&replayed, &direct_bare));
    /* A prefix, another text, or QUERY mode: analyzed as usual. */
    recs prefix = { .len = len - 1 };
    kj_analyze(analyzer(), KJ_ANALYZE_INDEX, text, len - 1, record, &prefix);
    CHECK(!find_rec(&prefix, "the"));
    CHECK(!has_term(iterms(other), "the"));
    CHECK(!has_term(qterms(text), "the"));
    /* Another thread does not see this thread's recording. */
    other_thread_job j = { .text = text, .out = { .len = len } };
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, analyze_on_other_thread, &j) == 0);
    pthread_join(th, NULL);
    CHECK(same_recs(&j.out, &direct));
    /* A callback can still stop a replay. */
    int count = 0;
    CHECK_INT(kj_analyze(analyzer(), KJ_ANALYZE_INDEX, text, len, stop_after_two, &count), 42);
    CHECK_INT(count, 2);
    kj_analyze_replay(NULL);
    recs after = { .len = len };
    kj_analyze(analyzer(), KJ_ANALYZE_INDEX, text, len, record, &after);
    CHECK(same_recs(&after, &direct));
    /* Cleared, nothing is replayed. */
    kj_tokens_clear(t);
    kj_analyze_replay(t);
    recs cleared = { .len = len };
    kj_analyze(analyzer(), KJ_ANALYZE_INDEX, text, len, record, &cleared);
    CHECK(same_recs(&cleared, &direct));
    kj_analyze_replay(NULL);
    CHECK_INT(kj_tokens_add(t, bare, NULL, 0), -1);
    kj_tokens_free(t);
    kj_analyzer_close(bare);
    remove_bare(dir);
}
