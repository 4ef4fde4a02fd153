/* Every message key a template or a source file uses exists in every
 * catalog, and the catalogs have the same keys (nothing shown
 * half-translated). */
#include "t.h"
#include "web/i18n.h"
#include "web/tmpl.h"
#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>

struct missing { int count; };

static void check_key(void *ctx, const char *key, const char *tmpl)
{
    struct missing *m = ctx;
    for (int i = 0; i < kj_i18n_count(); i++) {
        if (kj_i18n_partial(kj_i18n_lang(i))) continue;   /* falls back to zh-CN key by key */
        if (!kj_i18n_has(kj_i18n_lang(i), key)) {
            fprintf(stderr, "  template %s uses %s, missing in %s\n", tmpl, key, kj_i18n_lang(i));
            m->count++;
        }
    }
}

struct pair { const char *other; int count; };

static void check_other(void *ctx, const char *key)
{
    struct pair *p = ctx;
    if (!kj_i18n_has(p->other, key)) {
        fprintf(stderr, "  %s lacks %s\n", p->other, key);
        p->count++;
    }
}

TEST(i18n_templates_use_only_known_keys)
{
    char err[512];
    REQUIRE(kj_i18n_load("i18n", err, sizeof err) == 0);
    kj_tmpl_set *set = kj_tmpl_load_dir("templates", err, sizeof err);
    if (!set) fprintf(stderr, "  %s\n", err);
    REQUIRE(set != NULL);
    struct missing m = { 0 };
    CHECK(kj_tmpl_each_message_key(set, check_key, &m) > 50);
    CHECK_INT(m.count, 0);
    kj_tmpl_free(set);
    kj_i18n_free();
}

TEST(i18n_catalogs_have_the_same_keys)
{
    char err[512];
    REQUIRE(kj_i18n_load("i18n", err, sizeof err) == 0);
    struct pair zh_in_en = { "en", 0 }, en_in_zh = { "zh-CN", 0 };
    kj_i18n_each_key("zh-CN", check_other, &zh_in_en);
    kj_i18n_each_key("en", check_other, &en_in_zh);
    CHECK_INT(zh_in_en.count, 0);
    CHECK_INT(en_in_zh.count, 0);
    kj_i18n_free();
}

/* Every message key written as a literal in src/ exists in every catalog
 * (issue 12: "err.forbidden" showed raw on a page, since no template
 * names it and only templates were checked). A literal counts as a key
 * when it looks like one ("a.b" of lower-case words) and its first word
 * is the first word of some catalog key (err, nav, deal, ...). */
struct prefixes { char words[256][32]; int n; };

static void add_prefix(void *ctx, const char *key)
{
    struct prefixes *p = ctx;
    const char *dot = strchr(key, '.');
    size_t len = dot ? (size_t)(dot - key) : strlen(key);
    if (!dot || len >= sizeof p->words[0]) return;
    for (int i = 0; i < p->n; i++) if (strlen(p->words[i]) == len && !strncmp(p->words[i], key, len)) return;
    if (p->n < 256) { memcpy(p->words[p->n], key, len); p->words[p->n][len] = 0; p->n++; }
}

static bool looks_like_key(const char *s, size_t n, const struct prefixes *p)
{
    if (n < 3 || n > 80) return false;
    bool dot = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') { if (i == 0 || i + 1 == n || s[i - 1] == '.') return false; dot = true; }
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    if (!dot) return false;
    size_t first = (size_t)((const char *)memchr(s, '.', n) - s);
    for (int i = 0; i < p->n; i++) if (strlen(p->words[i]) == first && !strncmp(p->words[i], s, first)) return true;
    return false;
}

struct scan { const struct prefixes *p; int keys, missing; };

/* "deal.state" names the family deal.state.<value> (a label looked up
 * with its value appended), not a key of its own. */
struct family { const char *prefix; size_t len; bool found; };

static void find_family(void *ctx, const char *key)
{
    struct family *f = ctx;
    if (!strncmp(key, f->prefix, f->len) && key[f->len] == '.') f->found = true;
}

static bool is_family(const char *prefix)
{
    struct family f = { prefix, strlen(prefix), false };
    for (int l = 0; l < kj_i18n_count() && !f.found; l++) kj_i18n_each_key(kj_i18n_lang(l), find_family, &f);
    return f.found;
}

static void scan_source(const char *path, struct scan *sc)
{
    FILE *f = fopen(path, "rb");
    if (!f) return;
    static char text[1 << 21];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '/' && text[i + 1] == '/') { while (i < n && text[i] != '\n') i++; continue; }
        if (text[i] == '/' && text[i + 1] == '*') { char *e = strstr(text + i + 2, "*/"); if (!e) break; i = (size_t)(e - text) + 1; continue; }
        if (text[i] == '\'') { i++; while (i < n && text[i] != '\'') { if (text[i] == '\\') i++; i++; } continue; }
        if (text[i] != '"') continue;
        size_t start = ++i;
        while (i < n && text[i] != '"') { if (text[i] == '\\') i++; i++; }
        if (!looks_like_key(text + start, i - start, sc->p)) continue;
        char key[96];
        snprintf(key, sizeof key, "%.*s", (int)(i - start), text + start);
        if (is_family(key)) continue;
        sc->keys++;
        for (int l = 0; l < kj_i18n_count(); l++)
            if (!kj_i18n_partial(kj_i18n_lang(l)) && !kj_i18n_has(kj_i18n_lang(l), key)) {
                fprintf(stderr, "  %s uses \"%s\", missing in %s\n", path, key, kj_i18n_lang(l));
                sc->missing++;
            }
    }
}

static void scan_dir(const char *dir, struct scan *sc)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        size_t len = strlen(e->d_name);
        if (S_ISDIR(st.st_mode)) scan_dir(path, sc);
        else if (len > 2 && !strcmp(e->d_name + len - 2, ".c")) scan_source(path, sc);
    }
    closedir(d);
}

TEST(i18n_keys_in_sources_exist)
{
    char err[512];
    REQUIRE(kj_i18n_load("i18n", err, sizeof err) == 0);
    static struct prefixes p;
    p.n = 0;
    kj_i18n_each_key("zh-CN", add_prefix, &p);
    REQUIRE(p.n > 5);
    struct scan sc = { &p, 0, 0 };
    scan_dir("src", &sc);
    CHECK(sc.keys > 100);   /* the scan finds the keys at all */
    CHECK_INT(sc.missing, 0);
    kj_i18n_free();
}

/* A key defined twice for one language (in two part files, say) is refused
 * at load with the place of the second definition: otherwise whichever
 * file loads last would silently win. */
TEST(i18n_duplicate_key_refused_at_load)
{
    char dir[] = "/tmp/kj-i18n-XXXXXX", path[128], err[512];
    REQUIRE(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/zh-CN.tsv", dir);
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs("a.key\t甲\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/zh-CN.more.tsv", dir);
    f = fopen(path, "w");
    REQUIRE(f);
    fputs("# part\nb.key\t乙\na.key\t丙\n", f);
    fclose(f);
    CHECK(kj_i18n_load(dir, err, sizeof err) == -1);
    CHECK(strstr(err, "zh-CN.more.tsv:3") && strstr(err, "a.key"));
    kj_i18n_free();
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* Languages are data (issue 17): the shipped partial catalog (bo) is
 * installed by its .meta file, says its name, direction and fonts, holds
 * only keys Chinese has, and falls back to Chinese key by key. */
struct unknown { int count; const char *lang; };
static void check_known(void *ctx, const char *key)
{
    struct unknown *u = ctx;
    if (!kj_i18n_has("zh-CN", key)) { fprintf(stderr, "  %s has %s, which zh-CN lacks\n", u->lang, key); u->count++; }
}

TEST(i18n_partial_catalog_falls_back_key_by_key)
{
    char err[512];
    REQUIRE(kj_i18n_load("i18n", err, sizeof err) == 0);
    CHECK_STR(kj_i18n_supported("bo"), "bo");
    CHECK_STR(kj_i18n_supported("bo-CN"), "bo");
    CHECK_STR(kj_i18n_supported("EN-us"), "en");
    CHECK(kj_i18n_partial("bo") && !kj_i18n_partial("en") && !kj_i18n_partial("zh-CN"));
    CHECK_STR(kj_i18n_name("bo"), "བོད་ཡིག");
    CHECK_STR(kj_i18n_dir("bo"), "ltr");
    CHECK(strstr(kj_i18n_font("bo"), "Noto Sans Tibetan") != NULL);
    CHECK_STR(kj_i18n_get("bo", "nav.home"), "གཙོ་ངོས།");
    CHECK_STR(kj_i18n_get("bo", "err.internal"), kj_i18n_get("zh-CN", "err.internal"));
    struct unknown u = { 0, "bo" };
    for (int l = 0; l < kj_i18n_count(); l++) { u.lang = kj_i18n_lang(l); kj_i18n_each_key(u.lang, check_known, &u); }
    CHECK_INT(u.count, 0);
    /* Offered languages decide: bo is not offered unless listed. */
    CHECK_STR(kj_i18n_pick("bo", NULL, "zh-CN,en", "zh-CN"), "zh-CN");
    CHECK_STR(kj_i18n_pick("bo", NULL, "zh-CN,en,bo", "zh-CN"), "bo");
    CHECK_STR(kj_i18n_pick(NULL, "fr, bo;q=0.8, en;q=0.5", "zh-CN,en,bo", "zh-CN"), "bo");
    CHECK_STR(kj_i18n_pick(NULL, "fr", "zh-CN,en", "en"), "en");
    kj_i18n_free();
}

/* A language added by an instance's directory alone: an RTL one. */
TEST(i18n_instance_directory_adds_a_language)
{
    char dir[] = "/tmp/kj-i18n-XXXXXX", path[128], err[512];
    REQUIRE(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/ar.meta", dir);
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs("name = العربية\ndir = rtl\nfont = \"Noto Naskh Arabic\", serif\npartial = true\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/ar.tsv", dir);
    f = fopen(path, "w");
    REQUIRE(f);
    fputs("nav.home\tالرئيسية\n", f);
    fclose(f);
    REQUIRE(kj_i18n_load_dirs("i18n", dir, err, sizeof err) == 0);
    CHECK_STR(kj_i18n_dir("ar"), "rtl");
    CHECK_STR(kj_i18n_get("ar", "nav.home"), "الرئيسية");
    CHECK_STR(kj_i18n_get("ar", "nav.login"), kj_i18n_get("zh-CN", "nav.login"));
    kj_i18n_free();
    /* A font stack that could close the stylesheet's rule is refused. */
    f = fopen(path, "w");
    REQUIRE(f);
    fputs("nav.home\tx\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/ar.meta", dir);
    f = fopen(path, "w");
    REQUIRE(f);
    fputs("name = x\nfont = serif} body{display:none\n", f);
    fclose(f);
    CHECK(kj_i18n_load_dirs("i18n", dir, err, sizeof err) == -1);
    CHECK(strstr(err, "font") != NULL);
    kj_i18n_free();
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* English pages read in English (the outsider's phone walk found "科普
 * readers", "a 揭榜 entry" and others on them): an English message holds
 * Chinese only as a gloss in parentheses, "Popular science (科普)" or "ICP
 * licence number (ICP 备案号)", where the Chinese is the official term a
 * reader will meet. The one exception is a message quoting values the
 * software itself accepts in Chinese (a CSV column's 是/否). */
static bool is_cjk_at(const unsigned char *s)
{
    /* U+3000..U+9FFF and U+FF00..U+FFEF in UTF-8: E3..E9 lead bytes, EF BC..BF. */
    return (s[0] >= 0xE3 && s[0] <= 0xE9) || (s[0] == 0xEF && s[1] >= 0xBC && s[1] <= 0xBF);
}

struct gloss { int bad; };

static void check_gloss(void *ctx, const char *key)
{
    static const char *const quoting[] = { "import.format.status", NULL };
    for (const char *const *q = quoting; *q; q++) if (!strcmp(*q, key)) return;
    struct gloss *g = ctx;
    const unsigned char *s = (const unsigned char *)kj_i18n_get("en", key);
    int depth = 0;
    for (; *s; s++) {
        if (*s == '(') depth++;
        else if (*s == ')' && depth) depth--;
        else if (!depth && is_cjk_at(s)) {
            fprintf(stderr, "  en %s: Chinese outside a gloss: %s\n", key, kj_i18n_get("en", key));
            g->bad++;
            return;
        }
    }
}

TEST(i18n_english_holds_chinese_only_as_a_gloss)
{
    char err[512];
    REQUIRE(kj_i18n_load("i18n", err, sizeof err) == 0);
    struct gloss g = { 0 };
    kj_i18n_each_key("en", check_gloss, &g);
    CHECK_INT(g.bad, 0);
    kj_i18n_free();
}
