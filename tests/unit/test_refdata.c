/*
 * test_refdata.c — checks that the reference data files in data/ parse and
 * agree with themselves: column counts, unique codes, parents that exist,
 * the expected number of divisions and domains, TRL 1..9.
 * The files are read relative to the current directory: the suite runs from
 * the repository root. The parser below is deliberately local and tiny so
 * that these checks do not depend on the loader they are meant to guard.
 */
#include "t.h"
#include "core/validate.h"
#include <stdbool.h>
#include <stdlib.h>

#define TSV_MAX_ROWS 65536
#define TSV_MAX_COLS 8

/* One parsed file. text owns every field; cell pointers point into it. */
typedef struct {
    char  *text;
    size_t ncols, nrows;
    const char *header[TSV_MAX_COLS];
    const char *cell[TSV_MAX_ROWS][TSV_MAX_COLS];
    int    bad_row_cols;      /* first data row with a wrong column count, or -1 */
    bool   utf8_ok;
} tsv;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 16384;
            char *p = realloc(buf, cap);
            if (!p) { free(buf); fclose(f); return NULL; }
            buf = p;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Splits line (NUL-terminated, modified in place) at tabs into out;
 * returns the number of fields, or TSV_MAX_COLS + 1 when there are more. */
static size_t split_tabs(char *line, const char **out)
{
    size_t n = 0;
    for (char *p = line;; ) {
        if (n == TSV_MAX_COLS) return TSV_MAX_COLS + 1;
        out[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab) return n;
        *tab = '\0';
        p = tab + 1;
    }
}

/* Parses path into a heap tsv (caller frees with tsv_free); NULL if the
 * file is missing, empty or too large for the fixed limits. */
static tsv *tsv_load(const char *path)
{
    size_t len = 0;
    char *text = slurp(path, &len);
    if (!text) { fprintf(stderr, "  cannot read %s (run from the repo root)\n", path); return NULL; }
    tsv *t = calloc(1, sizeof *t);
    if (!t) { free(text); return NULL; }
    t->text = text;
    t->bad_row_cols = -1;
    t->utf8_ok = kj_valid_utf8(text, len) && !memchr(text, '\r', len);
    bool have_header = false;
    for (char *line = text; line && *line; ) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        char *next = nl ? nl + 1 : NULL;
        if (line[0] == '#' || line[0] == '\0') { line = next; continue; }
        if (!have_header) {
            t->ncols = split_tabs(line, t->header);
            have_header = true;
        } else if (t->nrows == TSV_MAX_ROWS) {
            fprintf(stderr, "  %s: more than %d rows\n", path, TSV_MAX_ROWS);
            free(t->text); free(t); return NULL;
        } else {
            size_t n = split_tabs(line, t->cell[t->nrows]);
            if (n != t->ncols && t->bad_row_cols < 0) t->bad_row_cols = (int)t->nrows;
            t->nrows++;
        }
        line = next;
    }
    if (!have_header) { free(t->text); free(t); return NULL; }
    return t;
}

static void tsv_free(tsv *t)
{
    if (!t) return;
    free(t->text);
    free(t);
}

/* Row index whose column col equals value, or -1. */
static int tsv_find(const tsv *t, size_t col, const char *value)
{
    for (size_t r = 0; r < t->nrows; r++)
        if (strcmp(t->cell[r][col], value) == 0) return (int)r;
    return -1;
}

/* True when the header is exactly the given names, in order. */
static bool header_is(const tsv *t, const char *const *names, size_t n)
{
    if (t->ncols != n) return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(t->header[i], names[i]) != 0) return false;
    return true;
}

/* Index of the first row repeating an earlier value of column col, or -1. */
static int first_duplicate(const tsv *t, size_t col)
{
    for (size_t r = 1; r < t->nrows; r++)
        for (size_t q = 0; q < r; q++)
            if (strcmp(t->cell[r][col], t->cell[q][col]) == 0) return (int)r;
    return -1;
}

static bool no_empty_cells(const tsv *t, size_t skip_col)
{
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++)
            if (c != skip_col && t->cell[r][c][0] == '\0') return false;
    return true;
}

/* Checks shared by every file; returns false when the rest cannot run. */
static bool common_checks(int *t_failed_, const tsv *t, const char *const *names, size_t n)
{
    if (!t) { *t_failed_ = 1; return false; }
    CHECK(t->utf8_ok);
    CHECK(header_is(t, names, n));
    CHECK_INT(t->bad_row_cols, -1);
    CHECK_INT(first_duplicate(t, 0), -1);
    return t->bad_row_cols < 0 && header_is(t, names, n);
}

static bool all_digits(const char *s, size_t n)
{
    if (strlen(s) != n) return false;
    for (size_t i = 0; i < n; i++) if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

/* ---- regions ---- */

enum { RG_CODE, RG_PARENT, RG_LEVEL, RG_ZH, RG_EN };

/* A city's parent is a province; a county's a city, or the province for
 * municipalities and counties a province governs directly (济源). */
static bool parent_level_ok(const char *level, const char *parent_level)
{
    if (strcmp(level, "city") == 0) return strcmp(parent_level, "province") == 0;
    if (strcmp(level, "district") == 0) return strcmp(parent_level, "city") == 0 || strcmp(parent_level, "province") == 0;
    return false;
}

/* Counts rows of the given level whose code starts with prefix. */
static int count_level(const tsv *t, const char *level, const char *prefix)
{
    int n = 0;
    for (size_t r = 0; r < t->nrows; r++)
        if (strcmp(t->cell[r][RG_LEVEL], level) == 0 &&
            strncmp(t->cell[r][RG_CODE], prefix, strlen(prefix)) == 0) n++;
    return n;
}

TEST(refdata_regions)
{
    static const char *const cols[] = { "code", "parent", "level", "name_zh", "name_en" };
    tsv *t = tsv_load("data/regions.tsv");
    if (!common_checks(t_failed_, t, cols, 5)) { tsv_free(t); return; }
    CHECK(no_empty_cells(t, RG_PARENT));
    for (size_t r = 0; r < t->nrows; r++) {
        const char *code = t->cell[r][RG_CODE], *parent = t->cell[r][RG_PARENT];
        const char *level = t->cell[r][RG_LEVEL];
        bool province = strcmp(level, "province") == 0;
        bool ok = all_digits(code, 6);
        if (province) {
            ok = ok && parent[0] == '\0' && strcmp(code + 2, "0000") == 0;
        } else {
            int p = tsv_find(t, RG_CODE, parent);
            /* A child shares its parent's leading digits: 2 under a province, 4 under a city. */
            size_t shared = p >= 0 && strcmp(t->cell[p][RG_LEVEL], "province") == 0 ? 2 : 4;
            ok = ok && p >= 0 && parent_level_ok(level, t->cell[p][RG_LEVEL]) && strncmp(code, parent, shared) == 0;
        }
        if (!ok) { fprintf(stderr, "  regions row %s is inconsistent\n", code); CHECK(0); }
    }
    CHECK_INT(count_level(t, "province", ""), 34);
    CHECK_INT(count_level(t, "city", "51"), 21);
    CHECK(count_level(t, "district", "51") >= 180);
    CHECK_INT(count_level(t, "city", "63"), 8);
    CHECK(count_level(t, "district", "63") >= 40);
    /* All of China (2023 divisions, scripts/regions_gen.py). */
    CHECK_INT(count_level(t, "city", ""), 333);
    CHECK(count_level(t, "district", "") >= 2800);
    int leshan_shizhong = tsv_find(t, RG_CODE, "511102"), neijiang_shizhong = tsv_find(t, RG_CODE, "511002");
    REQUIRE(leshan_shizhong >= 0 && neijiang_shizhong >= 0);
    CHECK_STR(t->cell[leshan_shizhong][RG_PARENT], "511100");
    CHECK_STR(t->cell[neijiang_shizhong][RG_PARENT], "511000");
    /* The official changes the file's header names hold. */
    int jianyang = tsv_find(t, RG_CODE, "510185"), huili = tsv_find(t, RG_CODE, "513402");
    REQUIRE(jianyang >= 0 && huili >= 0);
    CHECK_STR(t->cell[jianyang][RG_PARENT], "510100");
    CHECK_STR(t->cell[huili][RG_ZH], "会理市");
    int wuhou = tsv_find(t, RG_CODE, "510107");
    REQUIRE(wuhou >= 0);
    CHECK_STR(t->cell[wuhou][RG_ZH], "武侯区");
    CHECK_STR(t->cell[wuhou][RG_EN], "Wuhou District");
    tsv_free(t);
}

/* Townships: nine digits, each the child of the county its first six
 * digits name, all of 四川 and 青海 there (and only those). */
TEST(refdata_townships)
{
    static const char *const cols[] = { "code", "parent", "level", "name_zh", "name_en" };
    tsv *t = tsv_load("data/townships.tsv"), *r = tsv_load("data/regions.tsv");
    if (!r || !common_checks(t_failed_, t, cols, 5)) { tsv_free(t); tsv_free(r); return; }
    int bad = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        const char *code = t->cell[i][RG_CODE], *parent = t->cell[i][RG_PARENT];
        int p = tsv_find(r, RG_CODE, parent);
        bool ok = all_digits(code, 9) && strcmp(t->cell[i][RG_LEVEL], "township") == 0 && p >= 0 &&
                  strncmp(code, parent, 6) == 0 && *t->cell[i][RG_ZH];
        if (!ok && bad++ < 5) fprintf(stderr, "  townships row %s is inconsistent\n", code);
    }
    CHECK_INT(bad, 0);
    CHECK(count_level(t, "township", "51") >= 3000);
    CHECK(count_level(t, "township", "63") >= 400);
    /* Only 四川 and 青海 live in the repository (the rest of China is an
     * instance extension the generator writes on request). */
    CHECK(count_level(t, "township", "51") + count_level(t, "township", "63") == (int)t->nrows);
    int jingyang = tsv_find(t, RG_CODE, "510603001");
    REQUIRE(jingyang >= 0);
    CHECK_STR(t->cell[jingyang][RG_ZH], "旌阳街道");
    tsv_free(t);
    tsv_free(r);
}

/* ---- domains ---- */

enum { DM_CODE, DM_PARENT, DM_ZH, DM_EN };

TEST(refdata_domains)
{
    static const char *const cols[] = { "code", "parent", "name_zh", "name_en" };
    static const char *const top[12] = {
        "电子信息", "人工智能", "装备制造", "低空经济", "高端能源装备", "先进材料",
        "能源化工", "医药健康", "食品轻纺", "现代农业", "生态环保", "其他",
    };
    tsv *t = tsv_load("data/domains.tsv");
    if (!common_checks(t_failed_, t, cols, 4)) { tsv_free(t); return; }
    CHECK(no_empty_cells(t, DM_PARENT));
    int ntop = 0, children[12] = { 0 };
    for (size_t r = 0; r < t->nrows; r++) {
        const char *code = t->cell[r][DM_CODE], *parent = t->cell[r][DM_PARENT];
        if (parent[0] == '\0') {
            /* First level: listed in the fixed order D01..D12. */
            CHECK(ntop < 12);
            if (ntop < 12) {
                char want[16];
                snprintf(want, sizeof want, "D%02d", ntop + 1);
                CHECK_STR(code, want);
                CHECK_STR(t->cell[r][DM_ZH], top[ntop]);
            }
            ntop++;
            continue;
        }
        int p = tsv_find(t, DM_CODE, parent);
        bool ok = p >= 0 && t->cell[p][DM_PARENT][0] == '\0' && strlen(code) == 5 &&
                  strncmp(code, parent, 3) == 0 && all_digits(code + 3, 2);
        if (!ok) { fprintf(stderr, "  domain %s is inconsistent\n", code); CHECK(0); continue; }
        int idx = atoi(parent + 1) - 1;
        if (idx >= 0 && idx < 12) children[idx]++;
    }
    CHECK_INT(ntop, 12);
    for (int i = 0; i < 12; i++) {
        if (children[i] < 4 || children[i] > 10) {
            fprintf(stderr, "  D%02d has %d children\n", i + 1, children[i]);
            CHECK(0);
        }
    }
    tsv_free(t);
}

/* ---- TRL ---- */

TEST(refdata_trl)
{
    static const char *const cols[] = { "level", "name_zh", "desc_zh", "name_en", "desc_en" };
    tsv *t = tsv_load("data/trl.tsv");
    if (!common_checks(t_failed_, t, cols, 5)) { tsv_free(t); return; }
    CHECK(no_empty_cells(t, (size_t)-1));
    CHECK_INT(t->nrows, 9);
    for (int level = 1; level <= 9; level++) {
        char want[16];
        snprintf(want, sizeof want, "%d", level);
        if (tsv_find(t, 0, want) < 0) { fprintf(stderr, "  TRL %d missing\n", level); CHECK(0); }
    }
    int one = tsv_find(t, 0, "1");
    if (one >= 0) CHECK_STR(t->cell[one][1], "基本原理清晰");
    tsv_free(t);
}

/* ---- small code lists ---- */

static void check_code_list(int *t_failed_, const char *path,
                            const char *const *codes, size_t ncodes)
{
    static const char *const cols[] = { "code", "name_zh", "name_en" };
    tsv *t = tsv_load(path);
    if (!common_checks(t_failed_, t, cols, 3)) { tsv_free(t); return; }
    CHECK(no_empty_cells(t, (size_t)-1));
    CHECK_INT(t->nrows, ncodes);
    for (size_t i = 0; i < ncodes; i++) {
        if (tsv_find(t, 0, codes[i]) < 0) { fprintf(stderr, "  %s: no %s\n", path, codes[i]); CHECK(0); }
    }
    tsv_free(t);
}

TEST(refdata_coop_modes)
{
    static const char *const codes[] = {
        "exclusive_license", "sole_license", "general_license", "transfer",
        "equity", "joint_dev", "tech_service", "tech_consult",
    };
    check_code_list(t_failed_, "data/coop_modes.tsv", codes, sizeof codes / sizeof codes[0]);
}

TEST(refdata_ip_types)
{
    static const char *const codes[] = {
        "invention_patent", "utility_model", "design", "software_copyright", "know_how", "none",
    };
    check_code_list(t_failed_, "data/ip_types.tsv", codes, sizeof codes / sizeof codes[0]);
}
