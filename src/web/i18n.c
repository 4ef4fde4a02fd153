/*
 * i18n.c — catalogs in open-addressing hash tables (see i18n.h).
 */
#include "web/i18n.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_LANGS 8

typedef struct {
    char code[16];
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

int kj_i18n_load(const char *dir, char *err, size_t errlen)
{
    static const char *codes[] = { "zh-CN", "en" };
    kj_i18n_free();
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        catalog *c = &langs[nlangs++];
        snprintf(c->code, sizeof c->code, "%s", codes[i]);
        /* <lang>.tsv first, then every <lang>.<part>.tsv (one per feature). */
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.tsv", dir, codes[i]);
        if (load_file(c, path, err, errlen)) return -1;
        if (load_parts(c, dir, codes[i], err, errlen)) return -1;
    }
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

const char *kj_i18n_supported(const char *req)
{
    if (!req) return NULL;
    if (!strncasecmp(req, "zh", 2)) return "zh-CN";
    if (!strncasecmp(req, "en", 2)) return "en";
    return NULL;
}

const char *kj_i18n_from_accept(const char *al)
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
        const char *lang = kj_i18n_supported(item);
        if (lang && q > best_q) { best = lang; best_q = q; }
        al = end;
    }
    return best ? best : KJ_LANG_DEFAULT;
}

int kj_i18n_count(void) { return nlangs; }
const char *kj_i18n_lang(int i) { return i >= 0 && i < nlangs ? langs[i].code : NULL; }

void kj_i18n_each_key(const char *lang, void (*cb)(void *ctx, const char *key), void *ctx)
{
    const catalog *c = find_lang(lang);
    for (size_t j = 0; c && j < c->cap; j++) if (c->keys[j]) cb(ctx, c->keys[j]);
}

const char *kj_i18n_translate(void *lang, const char *key) { return kj_i18n_get(lang, key); }
