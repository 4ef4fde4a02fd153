/*
 * rewrite.c — filler, English terms and typos in queries (see rewrite.h).
 */
#include "text/rewrite.h"
#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HAN_FIRST 0x4E00
#define HAN_LAST 0x9FFF
#define HAN_N (HAN_LAST - HAN_FIRST + 1)

typedef struct { char *s; size_t len; bool at_start, at_end; } filler;
typedef struct { char **words; int nwords; char *zh; } term;
/* The other direction: a Chinese term and every English form listed for it. */
typedef struct { char *zh; size_t len; char **en; int nen; } zh_term;

struct kj_rewriter {
    kj_analyzer *a;
    filler *fill;          /* longest first */
    int nfill;
    term *terms;           /* most words first */
    int nterms;
    zh_term *zh;           /* longest first (by bytes) */
    int nzh;
    uint16_t *syl;         /* per character HAN_FIRST..HAN_LAST: its syllable + 1 (0: none) */
    char **homophones;     /* per syllable: its characters (UTF-8), most frequent first */
    int nsyl;
};

/* ---- UTF-8 ---- */

static int dec(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) { *cp = s[0]; return 1; }
    if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) { *cp = (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F); return 2; }
    if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        *cp = (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
        return 3;
    }
    if ((s[0] & 0xF8) == 0xF0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) {
        *cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 | (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
        return 4;
    }
    *cp = 0xFFFD;
    return 1;
}

static int enc(uint32_t cp, char *o)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | (cp >> 6 & 0x3F)); o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static bool is_han(uint32_t cp) { return cp >= HAN_FIRST && cp <= HAN_LAST; }

/* Whether the character at s (or the end of the text) ends a clause:
 * anything but a letter, digit or ideograph. */
static bool clause_edge(const char *s)
{
    if (!*s) return true;
    uint32_t cp;
    dec((const unsigned char *)s, &cp);
    if (cp < 0x80) return !isalnum((int)cp);
    if (is_han(cp) || (cp >= 0x3400 && cp <= 0x4DBF)) return false;
    /* CJK and full-width punctuation, general punctuation */
    return (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFF65) || (cp >= 0x2000 && cp <= 0x206F);
}

/* ---- loading ---- */

static char *read_all(const char *path, bool *missing)
{
    FILE *f = fopen(path, "rb");
    *missing = !f && errno == ENOENT;
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *b = realloc(buf, cap);
            if (!b) { free(buf); fclose(f); return NULL; }
            buf = b;
        }
        size_t n = fread(buf + len, 1, 4096, f);
        len += n;
        if (n < 4096) break;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* Calls fn for each line that is neither blank nor a comment, with its
 * trailing CR/space removed. Returns -1 when fn does. */
static int each_line(char *text, int (*fn)(kj_rewriter *r, char *line), kj_rewriter *r)
{
    for (char *p = text; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        size_t n = strlen(p);
        while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t')) p[--n] = '\0';
        if (n && p[0] != '#' && fn(r, p) < 0) return -1;
        p = nl ? nl + 1 : NULL;
    }
    return 0;
}

/* Normalized like queries are, so a data file is written plainly. */
static char *norm(kj_rewriter *r, const char *s) { return kj_analyze_normalize(r->a, s, -1); }

static int add_filler(kj_rewriter *r, char *line)
{
    bool at_start = line[0] == '^';
    size_t n = strlen(line);
    bool at_end = n > 1 && line[n - 1] == '$';
    if (at_end) line[n - 1] = '\0';
    char *s = norm(r, line + at_start);
    if (!s) return -1;
    if (!*s) { free(s); return 0; }
    filler *f = realloc(r->fill, (size_t)(r->nfill + 1) * sizeof *f);
    if (!f) { free(s); return -1; }
    r->fill = f;
    r->fill[r->nfill++] = (filler){ s, strlen(s), at_start, at_end };
    return 0;
}

/* English words of a normalized text: runs of ASCII letters and digits
 * ('-' joins them, as in "state-of-the-art"). */
static int split_words(const char *s, char ***out)
{
    int n = 0;
    char **w = NULL;
    for (const char *p = s; *p;) {
        if (!isalnum((unsigned char)*p)) { p++; continue; }
        const char *q = p;
        while (isalnum((unsigned char)*q)) q++;
        char **nw = realloc(w, (size_t)(n + 1) * sizeof *w);
        if (!nw) break;
        w = nw;
        w[n] = strndup(p, (size_t)(q - p));
        if (!w[n]) break;
        n++;
        p = q;
    }
    *out = w;
    return n;
}

/* Whether text holds a Chinese character. */
static bool has_han(const char *s)
{
    for (const char *p = s; *p;) {
        uint32_t cp;
        p += dec((const unsigned char *)p, &cp);
        if (is_han(cp)) return true;
    }
    return false;
}

/* Lists the English words (one phrase) under Chinese term zh, once. A
 * Chinese side without a Chinese character ("5g") has no other direction. */
static int add_zh(kj_rewriter *r, const char *zh, char *const *words, int nwords)
{
    if (!has_han(zh)) return 0;
    size_t n = 0;
    for (int i = 0; i < nwords; i++) n += strlen(words[i]) + 1;
    char *en = malloc(n), *w = en;
    if (!en) return -1;
    for (int i = 0; i < nwords; i++) w += sprintf(w, "%s%s", i ? " " : "", words[i]);
    zh_term *z = NULL;
    for (int i = 0; i < r->nzh && !z; i++)
        if (!strcmp(r->zh[i].zh, zh)) z = &r->zh[i];
    if (!z) {
        zh_term *nz = realloc(r->zh, (size_t)(r->nzh + 1) * sizeof *nz);
        char *zc = nz ? strdup(zh) : NULL;
        if (nz) r->zh = nz;
        if (!zc) { free(en); return -1; }
        z = &r->zh[r->nzh++];
        *z = (zh_term){ zc, strlen(zc), NULL, 0 };
    }
    for (int i = 0; i < z->nen; i++)
        if (!strcmp(z->en[i], en)) { free(en); return 0; }
    char **ne = realloc(z->en, (size_t)(z->nen + 1) * sizeof *ne);
    if (!ne) { free(en); return -1; }
    z->en = ne;
    z->en[z->nen++] = en;
    return 0;
}

static int add_term(kj_rewriter *r, char *line)
{
    char *tab = strchr(line, '\t');
    if (!tab) return 0;
    *tab = '\0';
    char *zh = tab + 1, *tab2 = strchr(zh, '\t');
    if (tab2) *tab2 = '\0';   /* further columns: notes */
    char *en = norm(r, line), *zhn = norm(r, zh);
    if (!en || !zhn) { free(en); free(zhn); return -1; }
    term t = { NULL, 0, zhn };
    t.nwords = split_words(en, &t.words);
    if (!t.nwords || !*zhn) {
        for (int i = 0; i < t.nwords; i++) free(t.words[i]);
        free(t.words);
        free(zhn);
        free(en);
        return 0;
    }
    /* and back: the English words, space-separated as a phrase */
    int rc = add_zh(r, zhn, t.words, t.nwords);
    free(en);
    term *nt = rc ? NULL : realloc(r->terms, (size_t)(r->nterms + 1) * sizeof *nt);
    if (!nt) {
        for (int i = 0; i < t.nwords; i++) free(t.words[i]);
        free(t.words);
        free(zhn);
        return -1;
    }
    r->terms = nt;
    r->terms[r->nterms++] = t;
    return 0;
}

static int add_syllable(kj_rewriter *r, char *line)
{
    char *tab = strchr(line, '\t');
    if (!tab || r->nsyl >= 65535) return 0;
    char *chars = strdup(tab + 1);
    char **h = realloc(r->homophones, (size_t)(r->nsyl + 1) * sizeof *h);
    if (!chars || !h) { free(chars); if (h) r->homophones = h; return -1; }
    r->homophones = h;
    r->homophones[r->nsyl++] = chars;
    for (const char *p = chars; *p;) {
        uint32_t cp;
        p += dec((const unsigned char *)p, &cp);
        if (is_han(cp) && !r->syl[cp - HAN_FIRST]) r->syl[cp - HAN_FIRST] = (uint16_t)r->nsyl;
    }
    return 0;
}

static int longest_filler_first(const void *a, const void *b)
{
    const filler *x = a, *y = b;
    return (x->len < y->len) - (x->len > y->len);
}

static int most_words_first(const void *a, const void *b)
{
    const term *x = a, *y = b;
    return y->nwords - x->nwords;
}

static int longest_zh_first(const void *a, const void *b)
{
    const zh_term *x = a, *y = b;
    return (x->len < y->len) - (x->len > y->len);
}

static void sort_terms(kj_rewriter *r)
{
    if (r->nterms) qsort(r->terms, (size_t)r->nterms, sizeof *r->terms, most_words_first);
    if (r->nzh) qsort(r->zh, (size_t)r->nzh, sizeof *r->zh, longest_zh_first);
}

static int load(kj_rewriter *r, const char *dir, const char *name, int (*fn)(kj_rewriter *, char *), char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    bool missing;
    char *text = read_all(path, &missing);
    if (!text) {
        if (missing) return 0;
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    int rc = each_line(text, fn, r);
    free(text);
    if (rc < 0) snprintf(err, errlen, "out of memory reading %s", path);
    return rc;
}

kj_rewriter *kj_rewriter_open(kj_analyzer *a, const char *data_dir, char *err, size_t errlen)
{
    char dummy[8];
    if (!err) { err = dummy; errlen = sizeof dummy; }
    kj_rewriter *r = a && data_dir ? calloc(1, sizeof *r) : NULL;
    if (!r) { snprintf(err, errlen, "out of memory"); return NULL; }
    r->a = a;
    r->syl = calloc(HAN_N, sizeof *r->syl);
    if (!r->syl || load(r, data_dir, "query-filler-zh.txt", add_filler, err, errlen) ||
        load(r, data_dir, "terms-en-zh.tsv", add_term, err, errlen) ||
        load(r, data_dir, "pinyin-zh.tsv", add_syllable, err, errlen)) {
        kj_rewriter_close(r);
        return NULL;
    }
    if (r->nfill) qsort(r->fill, (size_t)r->nfill, sizeof *r->fill, longest_filler_first);
    sort_terms(r);
    return r;
}

int kj_rewriter_add_terms(kj_rewriter *r, const char *dir, char *err, size_t errlen)
{
    char dummy[8];
    if (!err) { err = dummy; errlen = sizeof dummy; }
    if (!r || !dir) return 0;
    if (load(r, dir, "terms-en-zh.tsv", add_term, err, errlen)) return -1;
    sort_terms(r);
    return 0;
}

void kj_rewriter_close(kj_rewriter *r)
{
    if (!r) return;
    for (int i = 0; i < r->nfill; i++) free(r->fill[i].s);
    free(r->fill);
    for (int i = 0; i < r->nterms; i++) {
        for (int j = 0; j < r->terms[i].nwords; j++) free(r->terms[i].words[j]);
        free(r->terms[i].words);
        free(r->terms[i].zh);
    }
    free(r->terms);
    for (int i = 0; i < r->nzh; i++) {
        for (int j = 0; j < r->zh[i].nen; j++) free(r->zh[i].en[j]);
        free(r->zh[i].en);
        free(r->zh[i].zh);
    }
    free(r->zh);
    for (int i = 0; i < r->nsyl; i++) free(r->homophones[i]);
    free(r->homophones);
    free(r->syl);
    free(r);
}

/* ---- growing output ---- */

typedef struct { char *s; size_t len, cap; bool oom; } out_buf;

static void put(out_buf *o, const char *s, size_t n)
{
    if (o->oom) return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = (o->len + n + 1) * 2;
        char *b = realloc(o->s, cap);
        if (!b) { o->oom = true; return; }
        o->s = b;
        o->cap = cap;
    }
    memcpy(o->s + o->len, s, n);
    o->len += n;
    o->s[o->len] = '\0';
}

static char *done(out_buf *o)
{
    if (o->oom) { free(o->s); return NULL; }
    if (!o->s) return strdup("");
    return o->s;
}

/* Whether text holds a letter, digit or ideograph. */
static bool has_content(const char *s)
{
    for (const char *p = s; *p;) {
        uint32_t cp;
        int n = dec((const unsigned char *)p, &cp);
        if ((cp < 0x80 && isalnum((int)cp)) || (cp >= 0x80 && !clause_edge(p))) return true;
        p += n;
    }
    return false;
}

/* ---- 1. filler ---- */

/* Word boundaries of a text, by byte offset, as the analyzer segments it
 * (INDEX mode): the edges of its position tokens (words, a bigram-fallback
 * run's first bigram) and of the single characters it indexes alone —
 * never of the colocated bigrams, which straddle words. */
typedef struct { bool *edge; size_t len; } edges_ctx;

static int mark_edges(void *ctx, int flags, const char *tok, int len, int start, int end)
{
    edges_ctx *e = ctx;
    uint32_t cp;
    bool single = len >= 3 && len <= 4 && dec((const unsigned char *)tok, &cp) == len && is_han(cp);
    if ((flags == 0 || single) && start >= 0 && end >= start && (size_t)end <= e->len) {
        e->edge[start] = true;
        e->edge[end] = true;
    }
    return 0;
}

char *kj_rewrite_filler(const kj_rewriter *r, const char *text, bool *changed)
{
    *changed = false;
    size_t tlen = strlen(text);
    edges_ctx ec = { calloc(tlen + 1, 1), tlen };
    if (!ec.edge) return NULL;
    if (r->nfill && tlen < 100000) kj_analyze(r->a, KJ_ANALYZE_INDEX, text, (int)tlen, mark_edges, &ec);
    out_buf o = { 0 };
    const char *p = text;
    bool clause_start = true;
    while (*p) {
        const filler *hit = NULL;
        size_t at = (size_t)(p - text);
        for (int i = 0; i < r->nfill && !hit; i++) {
            const filler *f = &r->fill[i];
            if (strncmp(p, f->s, f->len)) continue;
            /* whole words only: 能 is cut from 能把秸秆…, never from 能源 */
            if (!(clause_start || ec.edge[at]) || !(clause_edge(p + f->len) || ec.edge[at + f->len])) continue;
            if (f->at_start && !clause_start) continue;
            if (f->at_end && !clause_edge(p + f->len)) continue;
            hit = f;
        }
        if (hit) {
            put(&o, " ", 1);
            p += hit->len;
            *changed = true;
            clause_start = true;   /* what follows a cut starts afresh: 请问求… */
            continue;
        }
        uint32_t cp;
        int n = dec((const unsigned char *)p, &cp);
        clause_start = clause_edge(p);
        put(&o, p, (size_t)n);
        p += n;
    }
    free(ec.edge);
    char *s = done(&o);
    if (s && *changed && !has_content(s)) {   /* filler alone is the content */
        free(s);
        *changed = false;
        return strdup(text);
    }
    return s;
}

/* ---- 2. English terms ---- */

/* Length of the ASCII word at p ([a-z0-9]+), 0 when none. */
static size_t word_at(const char *p)
{
    size_t n = 0;
    while (isalnum((unsigned char)p[n])) n++;
    return n;
}

/* Whether the text word (p, n) is w, or w with a plural ending. */
static bool word_is(const char *p, size_t n, const char *w)
{
    size_t m = strlen(w);
    if (n == m) return !memcmp(p, w, n);
    if (n == m + 1 && p[m] == 's') return !memcmp(p, w, m);
    if (n == m + 2 && p[m] == 'e' && p[m + 1] == 's') return !memcmp(p, w, m);
    return false;
}

/* The length of text matching term t at p (its words separated by spaces
 * or hyphens), 0 when it does not. */
static size_t term_at(const term *t, const char *p)
{
    const char *q = p;
    for (int i = 0; i < t->nwords; i++) {
        if (i) {
            const char *s = q;
            while (*s == ' ' || *s == '-') s++;
            if (s == q) return 0;
            q = s;
        }
        size_t n = word_at(q);
        if (!n || !word_is(q, n, t->words[i])) return 0;
        q += n;
    }
    return (size_t)(q - p);
}

char *kj_rewrite_terms(const kj_rewriter *r, const char *text, bool *changed)
{
    *changed = false;
    out_buf o = { 0 };
    const char *p = text;
    while (*p) {
        bool word_start = isalnum((unsigned char)*p) && (p == text || !isalnum((unsigned char)p[-1]));
        size_t n = 0;
        const term *hit = NULL;
        for (int i = 0; word_start && i < r->nterms && !hit; i++)
            if ((n = term_at(&r->terms[i], p))) hit = &r->terms[i];
        if (hit) {
            put(&o, " ", 1);
            put(&o, hit->zh, strlen(hit->zh));
            put(&o, " ", 1);
            p += n;
            *changed = true;
            continue;
        }
        size_t w = isalnum((unsigned char)*p) ? word_at(p) : 1;   /* never restart inside a word */
        put(&o, p, w);
        p += w;
    }
    return done(&o);
}

/* ---- and back: Chinese terms' English forms ---- */

int kj_rewrite_alternates(const kj_rewriter *r, const char *text, kj_alternate *out, int max)
{
    int n = 0;
    for (const char *p = text; *p && n < max;) {
        uint32_t cp;
        int step = dec((const unsigned char *)p, &cp);
        /* at a Chinese character, or at the start of a word ("3d打印") */
        bool start = is_han(cp) || (cp < 0x80 && isalnum((int)cp) && (p == text || !isalnum((unsigned char)p[-1])));
        /* Every term starting here, longest first (r->zh is in that
         * order); the next place is the next character, not the end of the
         * match, so that a term overlapping or inside a longer one (缺陷检测
         * in 表面缺陷检测) is found too. */
        for (int i = 0; start && i < r->nzh && n < max; i++)
            if (!strncmp(p, r->zh[i].zh, r->zh[i].len))
                out[n++] = (kj_alternate){ (int)(p - text), (int)(p - text + (ptrdiff_t)r->zh[i].len), (const char *const *)r->zh[i].en,
                                           r->zh[i].nen };
        p += step;
    }
    return n;
}

/* ---- 3. typos ---- */

/* A character is a suspect when every bigram it forms with its Chinese
 * neighbours is rare: held by at most docs / RARE_DIVISOR documents (none,
 * in an index under that size). A homophone replaces it when one of its
 * bigrams is held by at least MIN_COMMON + docs / COMMON_DIVISOR documents
 * and GAIN times as many as the suspect's. At most MAX_LOOKUPS index
 * look-ups per query, MAX_FIXES corrections. (make bench-search: with a
 * looser rule — one rare side, 5 documents — 1 clean CSL query in 30 was
 * "corrected" into a wrong word.) */
#define RARE_DIVISOR 50000
#define MIN_COMMON 3
#define COMMON_DIVISOR 5000
#define GAIN 20
#define MAX_LOOKUPS 600
#define MAX_FIXES 2
#define MAX_CHARS 64

/* Which characters the analyzer indexes alone (INDEX mode emits a single
 * character only for those outside dictionary words). */
typedef struct { const char *text; const int *off; int nc; bool loose[MAX_CHARS]; } loose_ctx;

static int mark_loose(void *ctx, int flags, const char *tok, int len, int start, int end)
{
    loose_ctx *lc = ctx;
    (void)flags; (void)end;
    uint32_t cp;
    if (len < 3 || len > 4 || dec((const unsigned char *)tok, &cp) != len || !is_han(cp)) return 0;
    /* the token's own offsets are those of the original text: text is normalized already, so they agree */
    for (int i = 0; i < lc->nc; i++)
        if (lc->off[i] == start) { lc->loose[i] = true; break; }
    return 0;
}

/* Documents holding the two characters side by side: inside a word or
 * across a seam (the index marks the latter, KJ_CROSSING_MARK). */
static int64_t bigram_df(kj_df_fn df, void *ctx, uint32_t a, uint32_t b, int *lookups)
{
    char t[16];
    int n = enc(a, t);
    n += enc(b, t + n);
    t[n] = '\0';
    (*lookups)++;
    int64_t inside = df(ctx, t);
    memcpy(t + n, KJ_CROSSING_MARK, 2);
    int64_t across = df(ctx, t);
    return (inside > 0 ? inside : 0) + (across > 0 ? across : 0);
}

char *kj_rewrite_typos(const kj_rewriter *r, const char *text, kj_df_fn df, void *ctx, int64_t docs)
{
    if (!df || !r->nsyl) return NULL;
    uint32_t cp[MAX_CHARS];
    int off[MAX_CHARS + 1], nc = 0;
    const char *p = text;
    for (; *p && nc < MAX_CHARS; nc++) {
        off[nc] = (int)(p - text);
        p += dec((const unsigned char *)p, &cp[nc]);
    }
    if (*p) return NULL;   /* long texts are not typed queries */
    off[nc] = (int)strlen(text);
    /* Only characters the segmenter left out of every dictionary word are
     * suspects: a typo seldom makes a word (石墨稀 is 石墨|稀), while the
     * seams between correct words are often rare bigrams too. */
    loose_ctx lc = { text, off, nc, { 0 } };
    if (kj_analyze(r->a, KJ_ANALYZE_INDEX, text, (int)strlen(text), mark_loose, &lc)) return NULL;
    int64_t rare = docs / RARE_DIVISOR, common = MIN_COMMON + docs / COMMON_DIVISOR;
    int64_t bg[MAX_CHARS];   /* documents holding cp[i] cp[i+1]; -1: not both Chinese */
    int lookups = 0, fixes = 0;
    for (int i = 0; i + 1 < nc; i++)
        bg[i] = is_han(cp[i]) && is_han(cp[i + 1]) ? bigram_df(df, ctx, cp[i], cp[i + 1], &lookups) : -1;
    if (nc) bg[nc - 1] = -1;
    bool any = false;
    uint32_t fixed[MAX_CHARS];
    memcpy(fixed, cp, sizeof cp);
    for (int i = 0; i < nc && fixes < MAX_FIXES; i++) {
        if (!is_han(cp[i]) || !r->syl[cp[i] - HAN_FIRST] || !lc.loose[i]) continue;
        /* the bigrams this character is part of: every one rare */
        bool left = i > 0 && bg[i - 1] >= 0 && fixed[i - 1] == cp[i - 1], right = bg[i] >= 0;
        if ((!left && !right) || (left && bg[i - 1] > rare) || (right && bg[i] > rare)) continue;
        const char *h = r->homophones[r->syl[cp[i] - HAN_FIRST] - 1];
        uint32_t best = 0;
        int64_t best_df = 0;
        for (const char *q = h; *q && lookups < MAX_LOOKUPS;) {
            uint32_t c;
            q += dec((const unsigned char *)q, &c);
            if (c == cp[i]) continue;
            if (left) {
                int64_t d = bigram_df(df, ctx, cp[i - 1], c, &lookups);
                if (d >= common && d >= GAIN * bg[i - 1] && d > best_df) { best = c; best_df = d; }
            }
            if (right) {
                int64_t d = bigram_df(df, ctx, c, cp[i + 1], &lookups);
                if (d >= common && d >= GAIN * bg[i] && d > best_df) { best = c; best_df = d; }
            }
        }
        if (best) {
            fixed[i] = best;
            any = true;
            fixes++;
            i++;   /* the next character's left bigram was this one */
        }
    }
    if (!any) return NULL;
    out_buf o = { 0 };
    for (int i = 0; i < nc; i++) {
        if (fixed[i] == cp[i]) { put(&o, text + off[i], (size_t)(off[i + 1] - off[i])); continue; }
        char b[4];
        put(&o, b, (size_t)enc(fixed[i], b));
    }
    put(&o, text + off[nc], strlen(text + off[nc]));
    return o.oom ? (free(o.s), NULL) : o.s;
}

/* ---- all three ---- */

void kj_rewritten_free(kj_rewritten *w)
{
    if (!w) return;
    free(w->text);
    free(w->corrected);
    memset(w, 0, sizeof *w);
}

int kj_rewrite_query(const kj_rewriter *r, const char *text, size_t len, kj_df_fn df, void *ctx, int64_t docs,
                     kj_rewritten *out)
{
    memset(out, 0, sizeof *out);
    char *n = kj_analyze_normalize(r->a, text, len > 0x7fffffff ? 0x7fffffff : (int)len);
    if (!n) return -1;
    char *a = kj_rewrite_terms(r, n, &out->mapped);
    free(n);
    char *b = a ? kj_rewrite_filler(r, a, &out->filler) : NULL;
    free(a);
    if (!b) return -1;
    char *c = kj_rewrite_typos(r, b, df, ctx, docs);
    if (c) {
        out->text = c;
        /* as the user reads it: the corrected text without the cut filler's extra spaces */
        out_buf o = { 0 };
        bool space = false;
        for (const char *p = c; *p; p++) {
            if (*p == ' ') { space = o.len > 0; continue; }
            if (space) put(&o, " ", 1);
            space = false;
            put(&o, p, 1);
        }
        out->corrected = done(&o);
        free(b);
        if (!out->corrected) { kj_rewritten_free(out); return -1; }
    } else {
        out->text = b;
    }
    return 0;
}
