/*
 * i18n.c — catalogs in open-addressing hash tables (see i18n.h).
 */
#include "web/i18n.h"
#include <ctype.h>
#include <dirent.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_LANGS 16

typedef struct {
    char code[16];
    char name[64];      /* the language's name in itself (<tag>.meta) */
    char dir[4];        /* "ltr" or "rtl" */
    char font[256];     /* CSS font-family list, "" = the stylesheet's */
    bool partial;       /* may lack keys (they fall back to zh-CN) */
    char **keys, **msgs;
    size_t cap, n;
} catalog;

/* Written only by kj_i18n_load (start-up, single thread). */
static catalog langs[MAX_LANGS];
static int nlangs;

static unsigned long hash_key(const char *s)
{
    unsigned long h = 5381;
    for (; *s; s++) h = h * 33 ^ (unsigned char)*s;
    return h;
}

static void cat_put(catalog *c, const char *k, const char *m)
{
    if ((c->n + 1) * 2 > c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 1024;
        char **nk = calloc(ncap, sizeof *nk), **nm = calloc(ncap, sizeof *nm);
        for (size_t i = 0; i < c->cap; i++) {
            if (!c->keys[i]) continue;
            size_t j = hash_key(c->keys[i]) & (ncap - 1);
            while (nk[j]) j = (j + 1) & (ncap - 1);
            nk[j] = c->keys[i];
            nm[j] = c->msgs[i];
        }
        free(c->keys); free(c->msgs);
        c->keys = nk; c->msgs = nm; c->cap = ncap;
    }
    size_t j = hash_key(k) & (c->cap - 1);
    while (c->keys[j] && strcmp(c->keys[j], k) != 0) j = (j + 1) & (c->cap - 1);
    if (c->keys[j]) { free(c->msgs[j]); c->msgs[j] = strdup(m); return; }
    c->keys[j] = strdup(k);
    c->msgs[j] = strdup(m);
    c->n++;
}

static const char *cat_get(const catalog *c, const char *k)
{
    if (!c->cap) return NULL;
    size_t j = hash_key(k) & (c->cap - 1);
    while (c->keys[j]) {
        if (strcmp(c->keys[j], k) == 0) return c->msgs[j];
        j = (j + 1) & (c->cap - 1);
    }
    return NULL;
}

/* "\n" in a catalog message stands for a newline. */
static void unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] == 'n') { *o++ = '\n'; s++; }
        else *o++ = *s;
    }
    *o = 0;
}

static int load_file(catalog *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) { snprintf(err, errlen, "cannot read %s", path); return -1; }
    char line[8192];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (!n || line[0] == '#') continue;
        char *tab = strchr(line, '\t');
        if (!tab) { snprintf(err, errlen, "%s:%d: no tab between key and message", path, lineno); fclose(f); return -1; }
        *tab = 0;
        unescape(tab + 1);
        /* One definition per key and language: a second one (often in
         * another part file) would silently win by load order. */
        if (cat_get(c, line)) {
            snprintf(err, errlen, "%s:%d: key %s is already defined for this language", path, lineno, line);
            fclose(f);
            return -1;
        }
        cat_put(c, line, tab + 1);
    }
    fclose(f);
    return 0;
}

static const catalog *find_lang_const(const char *code);
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int load_parts(catalog *c, const char *dir, const char *code, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) { snprintf(err, errlen, "cannot open %s", dir); return -1; }
    char *names[256];
    int n = 0;
    size_t cl = strlen(code);
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        size_t len = strlen(e->d_name);
        if (len > cl + 5 && !strncmp(e->d_name, code, cl) && e->d_name[cl] == '.' &&
            !strcmp(e->d_name + len - 4, ".tsv"))
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (rc == 0) rc = load_file(c, path, err, errlen);
        free(names[i]);
    }
    return rc;
}

/* A language tag as catalogs may use: 2-3 letters, then subtags of 2-8
 * letters or digits ("zh-CN", "bo", "ug-Arab-CN"). */
static bool valid_tag(const char *t, size_t n)
{
    size_t i = 0, seg = 0;
    if (n == 0 || n >= sizeof langs[0].code) return false;
    while (i < n && ((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z'))) i++;
    if (i < 2 || i > 3) return false;
    while (i < n) {
        if (t[i] != '-') return false;
        i++;
        seg = 0;
        while (i < n && (isalnum((unsigned char)t[i]))) { i++; seg++; }
        if (seg < 2 || seg > 8) return false;
    }
    return true;
}

/* The font stack goes into a stylesheet (kj_i18n_css): only the characters
 * a font-family list needs, so that no metadata can close the rule. */
static bool valid_font(const char *f)
{
    for (; *f; f++)
        if (!isalnum((unsigned char)*f) && !strchr(" ,-\"'_", *f) && !((unsigned char)*f & 0x80)) return false;
    return true;
}

struct meta_ctx { catalog *c; const char *path; char *err; size_t errlen; int failed; };

static int on_meta(void *user, const char *section, const char *key, const char *value)
{
    struct meta_ctx *x = user;
    (void)section;
    if (!strcmp(key, "name")) snprintf(x->c->name, sizeof x->c->name, "%s", value);
    else if (!strcmp(key, "dir")) {
        if (strcmp(value, "ltr") && strcmp(value, "rtl")) {
            snprintf(x->err, x->errlen, "%s: dir must be ltr or rtl, not \"%s\"", x->path, value);
            x->failed = 1;
            return 0;
        }
        snprintf(x->c->dir, sizeof x->c->dir, "%s", value);
    } else if (!strcmp(key, "font")) {
        if (strlen(value) >= sizeof x->c->font || !valid_font(value)) {
            snprintf(x->err, x->errlen, "%s: font must be a font-family list (letters, digits, spaces, commas, quotes, hyphens)", x->path);
            x->failed = 1;
            return 0;
        }
        snprintf(x->c->font, sizeof x->c->font, "%s", value);
    } else if (!strcmp(key, "partial")) x->c->partial = !strcmp(value, "true") || !strcmp(value, "1");
    else {
        snprintf(x->err, x->errlen, "%s: unknown key %s (name, dir, font, partial)", x->path, key);
        x->failed = 1;
        return 0;
    }
    return 1;
}

/* Loads language code from dir: its metadata (optional for zh-CN, which
 * every instance has), <code>.tsv and every <code>.<part>.tsv. */
static int load_lang(const char *dir, const char *code, char *err, size_t errlen)
{
    if (nlangs >= MAX_LANGS) { snprintf(err, errlen, "%s: more than %d languages", dir, MAX_LANGS); return -1; }
    catalog *c = &langs[nlangs++];
    snprintf(c->code, sizeof c->code, "%s", code);
    snprintf(c->dir, sizeof c->dir, "ltr");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.meta", dir, code);
    FILE *mf = fopen(path, "r");
    if (mf) {
        struct meta_ctx x = { c, path, err, errlen, 0 };
        int rc = ini_parse_file(mf, on_meta, &x);
        fclose(mf);
        if (x.failed) return -1;
        if (rc) { snprintf(err, errlen, "%s:%d: syntax error", path, rc); return -1; }
    }
    if (!*c->name) {
        if (strcmp(code, KJ_LANG_DEFAULT)) { snprintf(err, errlen, "%s: no name (name = the language's name in itself)", path); return -1; }
        snprintf(c->name, sizeof c->name, "中文");
    }
    /* <lang>.tsv first, then every <lang>.<part>.tsv (one per feature). */
    snprintf(path, sizeof path, "%s/%s.tsv", dir, code);
    if (load_file(c, path, err, errlen)) return -1;
    return load_parts(c, dir, code, err, errlen);
}

/* The tags of dir's *.meta files, sorted (malloc'd names, n returned). */
static int meta_tags(const char *dir, char **out, int max)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        size_t len = strlen(e->d_name);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".meta") && e->d_name[0] != '.')
            out[n++] = strndup(e->d_name, len - 5);
    }
    closedir(d);
    qsort(out, (size_t)n, sizeof *out, cmp_str);
    return n;
}

static int load_dir_langs(const char *dir, bool required, char *err, size_t errlen)
{
    char *tags[64];
    int n = meta_tags(dir, tags, 64);
    if (n < 0) {
        if (!required) return 0;
        snprintf(err, errlen, "cannot open %s", dir);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (rc == 0 && strcmp(tags[i], KJ_LANG_DEFAULT)) {
            if (!valid_tag(tags[i], strlen(tags[i]))) {
                snprintf(err, errlen, "%s/%s.meta: not a language tag", dir, tags[i]);
                rc = -1;
            } else if (find_lang_const(tags[i])) {
                snprintf(err, errlen, "%s/%s.meta: language %s is already installed", dir, tags[i], tags[i]);
                rc = -1;
            } else rc = load_lang(dir, tags[i], err, errlen);
        }
        free(tags[i]);
    }
    return rc;
}

int kj_i18n_load(const char *dir, char *err, size_t errlen) { return kj_i18n_load_dirs(dir, NULL, err, errlen); }

int kj_i18n_load_dirs(const char *dir, const char *extra_dir, char *err, size_t errlen)
{
    kj_i18n_free();
    /* zh-CN first: every other catalog falls back to it, key by key. */
    if (load_lang(dir, KJ_LANG_DEFAULT, err, errlen)) return -1;
    if (load_dir_langs(dir, true, err, errlen)) return -1;
    if (extra_dir && load_dir_langs(extra_dir, false, err, errlen)) return -1;
    return 0;
}

void kj_i18n_free(void)
{
    for (int i = 0; i < nlangs; i++) {
        for (size_t j = 0; j < langs[i].cap; j++) { free(langs[i].keys[j]); free(langs[i].msgs[j]); }
        free(langs[i].keys); free(langs[i].msgs);
        memset(&langs[i], 0, sizeof langs[i]);
    }
    nlangs = 0;
}

static const catalog *find_lang(const char *code)
{
    for (int i = 0; i < nlangs; i++) if (code && strcmp(langs[i].code, code) == 0) return &langs[i];
    return NULL;
}

static const catalog *find_lang_const(const char *code) { return find_lang(code); }

const char *kj_i18n_get(const char *lang, const char *key)
{
    const catalog *c = find_lang(lang);
    const char *m = c ? cat_get(c, key) : NULL;
    if (!m && nlangs) m = cat_get(&langs[0], key);
    return m ? m : key;
}

bool kj_i18n_has(const char *lang, const char *key)
{
    const catalog *c = find_lang(lang);
    return c && cat_get(c, key);
}

/* Whether tag is in the comma-separated list (NULL list: every loaded one). */
static bool offered(const char *list, const char *tag)
{
    if (!list) return true;
    size_t n = strlen(tag);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && !strncmp(p, tag, n)) return true;
        if (!end) break;
        p = end + 1;
    }
    return false;
}

/* The loaded (and offered) catalog for a requested tag: exact match
 * (ignoring case), else one with the same primary subtag ("en-US" → en,
 * "zh-TW" → zh-CN, "bo-CN" → bo). */
static const char *match(const char *req, const char *list)
{
    if (!req || !*req) return NULL;
    for (int i = 0; i < nlangs; i++)
        if (!strcasecmp(langs[i].code, req) && offered(list, langs[i].code)) return langs[i].code;
    size_t rp = strcspn(req, "-_");
    for (int i = 0; i < nlangs; i++) {
        size_t cp = strcspn(langs[i].code, "-");
        if (cp == rp && !strncasecmp(langs[i].code, req, rp) && offered(list, langs[i].code)) return langs[i].code;
    }
    return NULL;
}

const char *kj_i18n_supported(const char *req) { return match(req, NULL); }

const char *kj_i18n_offered(const char *requested, const char *list) { return match(requested, list); }

static const char *from_accept(const char *al, const char *list)
{
    /* Highest q wins; ties keep header order. */
    const char *best = NULL;
    double best_q = -1;
    while (al && *al) {
        while (*al == ' ' || *al == ',') al++;
        const char *end = strchr(al, ',');
        size_t len = end ? (size_t)(end - al) : strlen(al);
        char item[64];
        snprintf(item, sizeof item, "%.*s", (int)(len < 63 ? len : 63), al);
        double q = 1.0;
        char *semi = strchr(item, ';');
        if (semi) {
            char *qs = strstr(semi, "q=");
            if (qs) q = atof(qs + 2);
            *semi = 0;
        }
        char *sp = item + strlen(item);
        while (sp > item && sp[-1] == ' ') *--sp = 0;
        const char *lang = q > 0 ? match(item, list) : NULL;
        if (lang && q > best_q) { best = lang; best_q = q; }
        al = end;
    }
    return best;
}

const char *kj_i18n_from_accept(const char *al)
{
    const char *l = from_accept(al, NULL);
    return l ? l : KJ_LANG_DEFAULT;
}

const char *kj_i18n_pick(const char *cookie, const char *accept_language, const char *list, const char *dflt)
{
    const char *l = match(cookie, list);
    if (!l) l = from_accept(accept_language, list);
    if (!l) l = match(dflt, list);
    return l ? l : KJ_LANG_DEFAULT;
}

const char *kj_i18n_name(const char *lang)
{
    const catalog *c = find_lang(lang);
    return c ? c->name : "";
}

const char *kj_i18n_dir(const char *lang)
{
    const catalog *c = find_lang(lang);
    return c ? c->dir : "ltr";
}

const char *kj_i18n_font(const char *lang)
{
    const catalog *c = find_lang(lang);
    return c ? c->font : "";
}

bool kj_i18n_partial(const char *lang)
{
    const catalog *c = find_lang(lang);
    return c && c->partial;
}

int kj_i18n_count(void) { return nlangs; }
const char *kj_i18n_lang(int i) { return i >= 0 && i < nlangs ? langs[i].code : NULL; }

void kj_i18n_each_key(const char *lang, void (*cb)(void *ctx, const char *key), void *ctx)
{
    const catalog *c = find_lang(lang);
    for (size_t j = 0; c && j < c->cap; j++) if (c->keys[j]) cb(ctx, c->keys[j]);
}

const char *kj_i18n_translate(void *lang, const char *key) { return kj_i18n_get(lang, key); }
