/*
 * test_rewrite.c — query rewriting (src/text/rewrite.h): filler cut on
 * word boundaries, English terms mapped, typo candidates from homophones
 * against document counts given by a fake index.
 */
#include "t.h"
#include "text/rewrite.h"
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static kj_analyzer *an;
static kj_rewriter *rw;

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

static kj_rewriter *rewriter(void)
{
    if (rw) return rw;
    char err[256];
    an = kj_analyzer_open(data_dir(), err, sizeof err);
    if (!an) { fprintf(stderr, "  analyzer: %s\n", err); return NULL; }
    rw = kj_rewriter_open(an, data_dir(), err, sizeof err);
    if (!rw) fprintf(stderr, "  rewriter: %s\n", err);
    return rw;
}

__attribute__((destructor)) static void close_rewriter(void)
{
    kj_rewriter_close(rw);
    kj_analyzer_close(an);
}

/* The rewritten text with runs of spaces squeezed and the ends trimmed. */
static const char *squeezed(char *s)
{
    static char buf[4][1024];
    static int next;
    char *o = buf[next++ % 4], *w = o;
    for (const char *p = s ? s : ""; *p && w - o < 1000; p++) {
        if (*p == ' ' && (w == o || w[-1] == ' ')) continue;
        *w++ = *p;
    }
    while (w > o && w[-1] == ' ') w--;
    *w = '\0';
    free(s);
    return o;
}

static const char *filler(const char *text)
{
    bool changed;
    return squeezed(kj_rewrite_filler(rewriter(), text, &changed));
}

TEST(rewrite_filler_spoken_question)
{
    REQUIRE(rewriter());
    /* the probe: only the content stays */
    CHECK_STR(filler("请问有没有能把秸秆变成饲料的技术？"), "秸秆 饲料 ？");
    CHECK_STR(filler("我们需要一种无人机植保的方案"), "无人机植保");
    CHECK_STR(filler("哪里有水稻育秧技术吗"), "水稻育秧技术");
    CHECK_STR(filler("求石墨烯散热膜"), "石墨烯散热膜");
}

TEST(rewrite_filler_whole_words_only)
{
    REQUIRE(rewriter());
    /* 能 starts a clause here but is part of the word 能源 */
    CHECK_STR(filler("能源管理系统"), "能源管理系统");
    /* 求 inside 需求, 把 inside 把手: not filler */
    CHECK_STR(filler("需求分析"), "需求分析");
    CHECK_STR(filler("门把手模具"), "门把手模具");
    /* filler alone is the content: kept as typed */
    bool changed = true;
    char *s = kj_rewrite_filler(rewriter(), "请问", &changed);
    CHECK_STR(s, "请问");
    CHECK(!changed);
    free(s);
}

static const char *terms(const char *text)
{
    bool changed;
    return squeezed(kj_rewrite_terms(rewriter(), text, &changed));
}

TEST(rewrite_terms_english_to_chinese)
{
    REQUIRE(rewriter());
    CHECK_STR(terms("机器视觉 defect detection"), "机器视觉 缺陷检测");
    /* the longest term wins, plurals and hyphens accepted */
    CHECK_STR(terms("industrial robots"), "工业机器人");
    CHECK_STR(terms("fuel-cell"), "燃料电池");
    /* whole words only: "rice" is not inside "price" */
    CHECK_STR(terms("price"), "price");
    bool changed = true;
    free(kj_rewrite_terms(rewriter(), "石墨烯", &changed));
    CHECK(!changed);
}

/* A fake index: document counts per bigram. */
typedef struct { const char *term; int64_t docs; } df_row;
static const df_row fake_index[] = {
    { "石墨", 40 }, { "墨烯", 30 }, { "墨西", 4 }, { "稀糖", 2 }, { "糖液", 2 },
    { "能源", 50 }, { "源管", 3 }, { NULL, 0 },
};

static int lookups;

static int64_t fake_df(void *ctx, const char *term)
{
    (void)ctx;
    lookups++;
    for (const df_row *r = fake_index; r->term; r++)
        if (!strcmp(r->term, term)) return r->docs;
    return 0;
}

TEST(rewrite_typo_homophone)
{
    REQUIRE(rewriter());
    /* 墨稀 is in no document, 墨烯 in 30: 稀 (xi) → 烯 (xi), not 西 (fewer) */
    char *s = kj_rewrite_typos(rewriter(), "石墨稀", fake_df, NULL, 1000);
    CHECK_STR(s, "石墨烯");
    free(s);
    /* the full query: corrected text and what the user reads */
    kj_rewritten w;
    REQUIRE(kj_rewrite_query(rewriter(), "請問石墨稀", strlen("請問石墨稀"), fake_df, NULL, 1000, &w) == 0);
    CHECK_STR(squeezed(strdup(w.text)), "石墨烯");
    CHECK_STR(w.corrected, "石墨烯");
    CHECK(w.filler);
    kj_rewritten_free(&w);
}

TEST(rewrite_typo_leaves_known_text)
{
    REQUIRE(rewriter());
    /* every bigram known: nothing to correct */
    CHECK(kj_rewrite_typos(rewriter(), "石墨烯", fake_df, NULL, 1000) == NULL);
    /* no counts given: no correction */
    CHECK(kj_rewrite_typos(rewriter(), "石墨稀", NULL, NULL, 1000) == NULL);
    /* a rare word without a frequent homophone stays (糖液: no bigram of a homophone is common) */
    CHECK(kj_rewrite_typos(rewriter(), "稀糖液", fake_df, NULL, 1000) == NULL);
    /* the correction asks a bounded number of counts */
    lookups = 0;
    free(kj_rewrite_typos(rewriter(), "石墨稀的稀糖液和能源管理", fake_df, NULL, 1000));
    CHECK(lookups <= 600);
    /* in a large index a bigram held by a few documents is still rare,
     * and the replacement must be common in proportion */
    CHECK(kj_rewrite_typos(rewriter(), "石墨稀", fake_df, NULL, 1000000) == NULL);
}

/* ---- and back: a Chinese term's English forms ---- */

/* The forms of the i-th Chinese term found in text, "a|b", and its bytes. */
static const char *forms_at(kj_rewriter *r, const char *text, int i, int *start, int *end)
{
    static char buf[512];
    kj_alternate alt[8];
    int n = kj_rewrite_alternates(r, text, alt, 8);
    buf[0] = '\0';
    if (i >= n) return "";
    *start = alt[i].start;
    *end = alt[i].end;
    for (int f = 0; f < alt[i].nen; f++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", f ? "|" : "", alt[i].en[f]);
    return buf;
}

TEST(rewrite_alternates_chinese_to_english)
{
    REQUIRE(rewriter());
    int s = -1, e = -1;
    /* every English line of 缺陷检测, phrases of normalized words */
    CHECK_STR(forms_at(rewriter(), "注塑件缺陷检测系统", 1, &s, &e), "defect detection|defect inspection");
    CHECK_INT(s, 9);
    CHECK_INT(e, 21);
    /* every term, the longer first where two start together: 锂电池, then 电池 inside it */
    CHECK_STR(forms_at(rewriter(), "锂电池回收", 0, &s, &e), "lithium battery");
    CHECK_STR(forms_at(rewriter(), "锂电池回收", 1, &s, &e), "battery");
    CHECK_INT(s, 3);
    CHECK_INT(e, 9);
    /* overlapping terms each: 表面缺陷, then 缺陷检测 (before: only the first) */
    CHECK_STR(forms_at(rewriter(), "表面缺陷检测", 0, &s, &e), "surface defect");
    CHECK_STR(forms_at(rewriter(), "表面缺陷检测", 1, &s, &e), "defect detection|defect inspection");
    CHECK_INT(s, 6);
    CHECK_INT(e, 18);
    /* left to right; a term after an English word */
    CHECK_STR(forms_at(rewriter(), "机器视觉 注塑", 1, &s, &e), "injection molding|injection moulding");
    /* a Chinese side without a Chinese character has no other direction */
    kj_alternate alt[4];
    CHECK_INT(kj_rewrite_alternates(rewriter(), "5g", alt, 4), 0);
    CHECK_INT(kj_rewrite_alternates(rewriter(), "价格面议", alt, 4), 0);
    /* at most max */
    CHECK_INT(kj_rewrite_alternates(rewriter(), "光伏 储能 风电", alt, 2), 2);
}

TEST(rewriter_add_terms_from_an_instance_dir)
{
    char err[256], dir[] = "/tmp/kj-terms-XXXXXX", path[512];
    REQUIRE(rewriter() && mkdtemp(dir));
    kj_rewriter *r = kj_rewriter_open(an, data_dir(), err, sizeof err);
    REQUIRE(r);
    /* no file: nothing added, no error */
    CHECK_INT(kj_rewriter_add_terms(r, dir, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/terms-en-zh.tsv", dir);
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs("# an instance's terms\ntidal stream\t潮流能\nDefect Detection\t缺陷检测\n", f);
    fclose(f);
    CHECK_INT(kj_rewriter_add_terms(r, dir, err, sizeof err), 0);
    int s, e;
    CHECK_STR(forms_at(r, "潮流能发电", 0, &s, &e), "tidal stream");
    /* a line the shipped list has already is not listed twice */
    CHECK_STR(forms_at(r, "缺陷检测", 0, &s, &e), "defect detection|defect inspection");
    bool changed = false;
    char *t = kj_rewrite_terms(r, "tidal streams", &changed);
    CHECK(changed && t && strstr(t, "潮流能"));
    free(t);
    kj_rewriter_close(r);
    unlink(path);
    rmdir(dir);
}
