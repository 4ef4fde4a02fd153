/*
 * analyzer.c — the search text analyzer (contracts and the token layout in
 * analyzer.h). Owns: the kj_analyzer object (friso dictionary, OpenCC
 * converter, stop-word and synonym tables, all read-only after open), its
 * pool of per-call workspaces, and the pipeline
 *   normalize (NFKC+casefold, with original offsets) → t2s → words
 *   (friso for CJK runs, letters/digits runs, stemming) → synonym spans
 *   → token emission (index or query layout).
 */
#include "text/analyzer.h"
#include <friso.h>
#include <libstemmer.h>
#include <opencc.h>
#include <utf8proc.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_FRISO_DICT "/usr/share/friso/dict/UTF-8/"
#define MAX_LATIN_BYTES 64   /* longer letter/digit runs are noise (hashes, base64) */
#define POOL_MAX 32          /* idle workspaces kept; more threads just allocate */
#define POOL_KEEP_CPS (1 << 16) /* a workspace grown past this is freed, not pooled */
#define T2S_LIMIT 0x31350     /* Han code points end below this */
#define NORM_OPTS (UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE | \
                   UTF8PROC_IGNORE | UTF8PROC_STABLE)

/* ---- small growable buffers -------------------------------------------- */

/* Makes the array whose pointer is at pp (any T **) hold at least need
 * elements of size elem; 0, or -1 (out of memory or overflow) leaving it as
 * it was. Doubling keeps reallocations logarithmic. The pointer is moved
 * with memcpy so that T ** need not be accessed as void **. */
static int grow(void *pp, int *cap, long need, size_t elem)
{
    if (need <= *cap) return 0;
    long nc = *cap ? *cap : 64;
    while (nc < need) nc *= 2;
    if (nc > INT_MAX || (size_t)nc > SIZE_MAX / elem) return -1;
    void *p;
    memcpy(&p, pp, sizeof p);
    void *q = realloc(p, (size_t)nc * elem);
    if (!q) return -1;
    memcpy(pp, &q, sizeof q);
    *cap = (int)nc;
    return 0;
}

/* ---- string table: open addressing, FNV-1a, read-only after open --------- */

typedef struct { int off, len, val; uint32_t hash; } st_slot;
typedef struct {
    st_slot *slots;
    int mask, count;
    char *arena;       /* key bytes, NUL after each */
    int alen, acap;
} strtab;

static uint32_t hash_bytes(const char *s, int n)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 16777619u; }
    return h;
}

static const st_slot *st_lookup(const strtab *t, const char *s, int n)
{
    if (!t->slots) return NULL;
    uint32_t h = hash_bytes(s, n);
    for (uint32_t i = h & (uint32_t)t->mask;; i = (i + 1) & (uint32_t)t->mask) {
        const st_slot *e = &t->slots[i];
        if (e->len < 0) return NULL;
        if (e->hash == h && e->len == n && memcmp(t->arena + e->off, s, (size_t)n) == 0)
            return e;
    }
}

static int st_find(const strtab *t, const char *s, int n)
{
    const st_slot *e = st_lookup(t, s, n);
    return e ? e->val : -1;
}

static int st_rehash(strtab *t, int nslots)
{
    st_slot *ns = malloc((size_t)nslots * sizeof *ns);
    if (!ns) return -1;
    memset(ns, 0xff, (size_t)nslots * sizeof *ns);   /* len -1 = empty */
    for (int i = 0; t->slots && i <= t->mask; i++) {
        st_slot e = t->slots[i];
        if (e.len < 0) continue;
        uint32_t j = e.hash & (uint32_t)(nslots - 1);
        while (ns[j].len >= 0) j = (j + 1) & (uint32_t)(nslots - 1);
        ns[j] = e;
    }
    free(t->slots);
    t->slots = ns;
    t->mask = nslots - 1;
    return 0;
}

/* Adds s[0..n) → val unless present. Returns the value now stored under
 * the key (val if added, the old one if not), or -1 out of memory. */
static int st_put(strtab *t, const char *s, int n, int val)
{
    const st_slot *old = st_lookup(t, s, n);
    if (old) return old->val;
    if (!t->slots || (t->count + 1) * 2 > t->mask + 1)
        if (st_rehash(t, t->slots ? (t->mask + 1) * 2 : 64) < 0) return -1;
    if (grow(&t->arena, &t->acap, (long)t->alen + n + 1, 1) < 0) return -1;
    memcpy(t->arena + t->alen, s, (size_t)n);
    t->arena[t->alen + n] = '\0';
    uint32_t h = hash_bytes(s, n);
    uint32_t i = h & (uint32_t)t->mask;
    while (t->slots[i].len >= 0) i = (i + 1) & (uint32_t)t->mask;
    t->slots[i] = (st_slot){ t->alen, n, val, h };
    t->alen += n + 1;
    t->count++;
    return val;
}

static void st_free(strtab *t)
{
    free(t->slots);
    free(t->arena);
    memset(t, 0, sizeof *t);
}

/* ---- the analyzer and its workspaces ------------------------------------ */

typedef struct { uint32_t cp; int ob, oe; int nb; } ncp; /* nb: byte offset in ws->nb */

enum { W_CJK, W_LATIN };
typedef struct {
    int cs, ce;          /* code point range [cs, ce) */
    int toff, tlen;      /* text: in ws->arena if in_arena, else in ws->nb */
    int run_end;         /* CJK: end of the CJK run, for bigrams */
    int syn, syn_end;    /* longest synonym span from here: group, end word */
    unsigned char kind, stop, mixed, in_arena, brk; /* brk: punctuation before */
} word;

typedef struct kj_ws {
    ncp *c;  int nc, capc;          /* normalized code points */
    ncp *c2; int capc2;             /* t2s fallback rebuild */
    utf8proc_int32_t *u32; int capu32;
    char *nb; int nblen, capnb;     /* normalized UTF-8 */
    word *w; int nw, capw;
    char *arena; int alen, capa;    /* stemmed words, split parts */
    char *key; int capkey;          /* synonym span being matched */
    char *run; int caprun;          /* NUL-terminated CJK run for friso */
    friso_task_t task;
    struct sb_stemmer *stem;
} kj_ws;

struct kj_analyzer {
    friso_t friso;
    friso_config_t fcfg;
    opencc_t cc;
    uint8_t *t2s_changes;           /* bitmap: code points t2s changes on their own */
    strtab stop;                    /* normalized stop word → 1 */
    strtab syn;                     /* synonym key → group */
    strtab synpre;                  /* every prefix of a key (char boundary) → 1 */
    struct { int off, len; } *canon; /* group → its canonical key in syn.arena */
    int ngroups, capgroups;
    int syn_max_words, syn_max_bytes;
    pthread_mutex_t mu;             /* guards pool/npool */
    kj_ws *pool[POOL_MAX];
    int npool;
};

static void ws_free(kj_ws *ws)
{
    if (!ws) return;
    if (ws->task) friso_free_task(ws->task);
    if (ws->stem) sb_stemmer_delete(ws->stem);
    free(ws->c); free(ws->c2); free(ws->u32); free(ws->nb); free(ws->w);
    free(ws->arena); free(ws->key); free(ws->run);
    free(ws);
}

static kj_ws *ws_new(void)
{
    kj_ws *ws = calloc(1, sizeof *ws);
    if (!ws) return NULL;
    ws->task = friso_new_task();
    ws->stem = sb_stemmer_new("english", NULL);
    if (!ws->task || !ws->stem) { ws_free(ws); return NULL; }
    return ws;
}

static kj_ws *ws_acquire(kj_analyzer *a)
{
    kj_ws *ws = NULL;
    pthread_mutex_lock(&a->mu);
    if (a->npool > 0) ws = a->pool[--a->npool];
    pthread_mutex_unlock(&a->mu);
    return ws ? ws : ws_new();
}

static void ws_release(kj_analyzer *a, kj_ws *ws)
{
    if (ws->capc > POOL_KEEP_CPS || ws->capc2 > POOL_KEEP_CPS) { ws_free(ws); return; }
    pthread_mutex_lock(&a->mu);
    if (a->npool < POOL_MAX) { a->pool[a->npool++] = ws; ws = NULL; }
    pthread_mutex_unlock(&a->mu);
    ws_free(ws);
}

/* ---- stage 1: NFKC + case folding, keeping original offsets -------------- */

/* Strict UTF-8 decoding (no overlongs, surrogates or > U+10FFFF).
 * Returns the sequence length, or 0 when s does not start a valid one. */
static int utf8_decode(const unsigned char *s, int n, uint32_t *cp)
{
    unsigned b = s[0];
    if (b < 0x80) { *cp = b; return 1; }
    int len; uint32_t v; unsigned lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) { len = 2; v = b & 0x1F; }
    else if (b >= 0xE0 && b <= 0xEF) {
        len = 3; v = b & 0x0F;
        if (b == 0xE0) lo = 0xA0;
        if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4; v = b & 0x07;
        if (b == 0xF0) lo = 0x90;
        if (b == 0xF4) hi = 0x8F;
    } else return 0;
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    v = (v << 6) | (s[1] & 0x3F);
    for (int i = 2; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return len;
}

static int utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int is_han(uint32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3134F) ||
           (cp >= 0x3005 && cp <= 0x3007);
}

/* Characters segmented as CJK runs: Han plus kana and Hangul, which have
 * no spaces between words either, so bigrams are what makes them findable. */
static int is_cjk(uint32_t cp)
{
    return is_han(cp) || (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x31F0 && cp <= 0x31FF) ||
           (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0x1100 && cp <= 0x11FF) ||
           (cp >= 0x3130 && cp <= 0x318F);
}

static int push_cp(kj_ws *ws, uint32_t cp, int ob, int oe)
{
    if (grow(&ws->c, &ws->capc, (long)ws->nc + 1, sizeof *ws->c) < 0) return -1;
    ws->c[ws->nc++] = (ncp){ cp, ob, oe, 0 };
    return 0;
}

/* Normalizes one cluster s[0..n) (a base character and its combining
 * marks), all of whose output code points map to original bytes [ob, oe). */
static int norm_cluster(kj_ws *ws, const unsigned char *s, int n, int ob, int oe)
{
    utf8proc_ssize_t k;
    for (;;) {
        k = utf8proc_decompose(s, n, ws->u32, ws->capu32, NORM_OPTS);
        if (k < 0) return push_cp(ws, 0xFFFD, ob, oe);
        if (k <= ws->capu32) break;
        if (grow(&ws->u32, &ws->capu32, (long)k, sizeof *ws->u32) < 0) return -1;
    }
    k = utf8proc_normalize_utf32(ws->u32, k, NORM_OPTS);
    for (utf8proc_ssize_t i = 0; i < k; i++) {
        uint32_t cp = (uint32_t)ws->u32[i];
        if (cp == 0x2019) cp = '\'';   /* typographic apostrophe: farmer’s = farmer's */
        if (push_cp(ws, cp, ob, oe) < 0) return -1;
    }
    return 0;
}

static int is_combining(const unsigned char *s, int n, int *len)
{
    uint32_t cp;
    *len = utf8_decode(s, n, &cp);
    return *len > 0 && utf8proc_get_property((utf8proc_int32_t)cp)->combining_class != 0;
}

static int normalize(kj_ws *ws, const char *text, int len)
{
    const unsigned char *s = (const unsigned char *)text;
    if (ws->capu32 == 0 && grow(&ws->u32, &ws->capu32, 32, sizeof *ws->u32) < 0) return -1;
    ws->nc = 0;
    for (int p = 0; p < len;) {
        uint32_t cp;
        int n = utf8_decode(s + p, len - p, &cp);
        if (n == 0 || cp == 0) {   /* invalid byte (or NUL): a separator of its own */
            if (push_cp(ws, 0xFFFD, p, p + 1) < 0) return -1;
            p++;
            continue;
        }
        int q = p + n, ml, marks = 0;
        while (q < len && s[q] >= 0x80 && is_combining(s + q, len - q, &ml)) { q += ml; marks = 1; }
        int rc;
        if (!marks && cp < 0x80)
            rc = push_cp(ws, cp >= 'A' && cp <= 'Z' ? cp + 32 : cp, p, q);
        else if (!marks && ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)))
            rc = push_cp(ws, cp, p, q);   /* unified ideographs are NFKC- and fold-stable */
        else
            rc = norm_cluster(ws, s + p, q - p, p, q);
        if (rc < 0) return -1;
        p = q;
    }
    return 0;
}

/* Writes ws->nb from the code points, recording each one's byte offset. */
static int encode_nb(kj_ws *ws)
{
    if (grow(&ws->nb, &ws->capnb, (long)ws->nc * 4 + 1, 1) < 0) return -1;
    int o = 0;
    for (int i = 0; i < ws->nc; i++) {
        ws->c[i].nb = o;
        o += utf8_encode(ws->c[i].cp, ws->nb + o);
    }
    ws->nb[o] = '\0';
    ws->nblen = o;
    return 0;
}

static int nb_pos(const kj_ws *ws, int i) { return i < ws->nc ? ws->c[i].nb : ws->nblen; }

/* ---- stage 2: traditional → simplified ----------------------------------- */

/* Next code point of NUL-terminated OpenCC output; never steps past the
 * NUL, even should the output not be valid UTF-8. */
static uint32_t next_out_cp(const unsigned char **p)
{
    uint32_t cp;
    if (**p == '\0') return 0xFFFD;
    int l = utf8_decode(*p, 4, &cp);
    if (l == 0) { cp = 0xFFFD; l = 1; }
    *p += l;
    return cp;
}

static int count_cps(const char *s)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) n += (*p & 0xC0) != 0x80;
    return n;
}

/* Appends the conversion of Han run c[i..j) to c2. OpenCC maps almost every
 * phrase character for character; when a phrase changes length, the new
 * characters share out the run's original range proportionally. */
static int t2s_run(kj_analyzer *a, kj_ws *ws, int i, int j, int *n2)
{
    int from = ws->c[i].nb, to = nb_pos(ws, j);
    char *out = opencc_convert_utf8(a->cc, ws->nb + from, (size_t)(to - from));
    int m = out ? count_cps(out) : 0;
    if (grow(&ws->c2, &ws->capc2, (long)*n2 + (m > j - i ? m : j - i), sizeof *ws->c2) < 0) {
        if (out) opencc_convert_utf8_free(out);
        return -1;
    }
    if (m == 0) {   /* conversion failed: keep the text as it is */
        memcpy(ws->c2 + *n2, ws->c + i, (size_t)(j - i) * sizeof *ws->c);
        *n2 += j - i;
    } else {
        const unsigned char *p = (const unsigned char *)out;
        for (int k = 0; k < m; k++) {
            uint32_t cp = next_out_cp(&p);
            int s0 = i + (int)((long)k * (j - i) / m);
            int s1 = i + (int)(((long)(k + 1) * (j - i) - 1) / m);
            ws->c2[(*n2)++] = (ncp){ cp, ws->c[s0].ob, ws->c[s1].oe, 0 };
        }
    }
    if (out) opencc_convert_utf8_free(out);
    return 0;
}

static int t2s_changes(const kj_analyzer *a, uint32_t cp)
{
    return cp < T2S_LIMIT && (a->t2s_changes[cp >> 3] >> (cp & 7) & 1);
}

/* OpenCC costs about a microsecond per character, and most text is
 * simplified already: it only runs when some character is traditional. */
static int t2s(kj_analyzer *a, kj_ws *ws)
{
    int any = 0;
    for (int i = 0; i < ws->nc && !any; i++) any = t2s_changes(a, ws->c[i].cp);
    if (!any) return 0;
    if (encode_nb(ws) < 0) return -1;
    /* Whole text first: one call, and nearly always length-preserving. */
    char *out = opencc_convert_utf8(a->cc, ws->nb, (size_t)ws->nblen);
    if (!out) return 0;
    if (count_cps(out) == ws->nc) {
        const unsigned char *p = (const unsigned char *)out;
        for (int i = 0; i < ws->nc; i++) ws->c[i].cp = next_out_cp(&p);
        opencc_convert_utf8_free(out);
        return 0;
    }
    opencc_convert_utf8_free(out);
    int n2 = 0;
    for (int i = 0; i < ws->nc;) {
        int j = i;
        while (j < ws->nc && is_han(ws->c[j].cp)) j++;
        if (j > i) {
            if (t2s_run(a, ws, i, j, &n2) < 0) return -1;
            i = j;
            continue;
        }
        if (grow(&ws->c2, &ws->capc2, (long)n2 + 1, sizeof *ws->c2) < 0) return -1;
        ws->c2[n2++] = ws->c[i++];
    }
    ncp *t = ws->c; ws->c = ws->c2; ws->c2 = t;
    int tc = ws->capc; ws->capc = ws->capc2; ws->capc2 = tc;
    ws->nc = n2;
    return 0;
}

/* ---- stage 3: words ------------------------------------------------------ */

enum { CL_SEP, CL_SPACE, CL_CJK, CL_ALPHA, CL_DIGIT, CL_MARK };

static int classify(uint32_t cp)
{
    if (cp < 0x80) {
        if (cp >= 'a' && cp <= 'z') return CL_ALPHA;
        if (cp >= '0' && cp <= '9') return CL_DIGIT;
        if (cp == ' ' || (cp >= '\t' && cp <= '\r')) return CL_SPACE;
        return CL_SEP;
    }
    if (is_cjk(cp)) return CL_CJK;
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return CL_ALPHA;   /* non-ASCII digits count as letters: no decimal joining */
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
        return CL_MARK;
    case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
        return CL_SPACE;
    default:
        return CL_SEP;
    }
}

static int cl_at(const kj_ws *ws, int i) { return i < ws->nc ? classify(ws->c[i].cp) : CL_SEP; }

static const char *word_text(const kj_ws *ws, const word *w)
{
    return (w->in_arena ? ws->arena : ws->nb) + w->toff;
}

static word *add_word(kj_ws *ws, int kind, int cs, int ce, int brk)
{
    if (grow(&ws->w, &ws->capw, (long)ws->nw + 1, sizeof *ws->w) < 0) return NULL;
    word *w = &ws->w[ws->nw++];
    memset(w, 0, sizeof *w);
    w->kind = (unsigned char)kind;
    w->cs = cs; w->ce = ce;
    w->toff = ws->c[cs].nb;
    w->tlen = nb_pos(ws, ce) - w->toff;
    w->run_end = ce;
    w->syn = -1;
    w->brk = (unsigned char)brk;
    return w;
}

static int is_stop(const kj_analyzer *a, const char *s, int n) { return st_find(&a->stop, s, n) >= 0; }

/* The code point index at byte offset b of ws->nb within [lo, hi], or -1
 * when b is not on a code point boundary there. */
static int cp_at_byte(const kj_ws *ws, int lo, int hi, int b)
{
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (ws->c[mid].nb < b) lo = mid + 1; else hi = mid;
    }
    return nb_pos(ws, lo) == b ? lo : -1;
}

static int add_cjk_word(kj_analyzer *a, kj_ws *ws, int cs, int ce, int run_end, int brk)
{
    word *w = add_word(ws, W_CJK, cs, ce, brk);
    if (!w) return -1;
    w->run_end = run_end;
    w->stop = (unsigned char)is_stop(a, ws->nb + w->toff, w->tlen);
    return 0;
}

/* Segments the CJK run c[i..j) with friso. Characters friso skips or
 * returns inconsistently become single-character words, so the words
 * always tile the run exactly. */
static int segment_run(kj_analyzer *a, kj_ws *ws, int i, int j, int brk)
{
    int base = ws->c[i].nb, nbytes = nb_pos(ws, j) - base;
    if (grow(&ws->run, &ws->caprun, (long)nbytes + 1, 1) < 0) return -1;
    memcpy(ws->run, ws->nb + base, (size_t)nbytes);
    ws->run[nbytes] = '\0';
    friso_set_text(ws->task, ws->run);
    int next = i;
    friso_token_t tok;
    while ((tok = a->fcfg->next_token(a->friso, a->fcfg, ws->task)) != NULL) {
        int off = tok->offset, blen = tok->length;
        if (off < 0 || blen <= 0 || off + blen > nbytes) continue;
        int ts = cp_at_byte(ws, i, j, base + off);
        int te = cp_at_byte(ws, i, j, base + off + blen);
        if (ts < next || te <= ts) continue;   /* also catches -1 */
        for (; next < ts; next++)
            if (add_cjk_word(a, ws, next, next + 1, j, next == i && brk) < 0) return -1;
        if (add_cjk_word(a, ws, ts, te, j, ts == i && brk) < 0) return -1;
        next = te;
    }
    for (; next < j; next++)
        if (add_cjk_word(a, ws, next, next + 1, j, next == i && brk) < 0) return -1;
    return 0;
}

/* End of the letter/digit word starting at i. Apostrophes join letters
 * (farmer's) and a point joins digits (3.14); marks continue a word. */
static int scan_alnum(const kj_ws *ws, int i)
{
    int j = i + 1;
    for (;;) {
        int cl = cl_at(ws, j);
        if (cl == CL_ALPHA || cl == CL_DIGIT || cl == CL_MARK) { j++; continue; }
        if (j + 1 < ws->nc) {
            uint32_t cp = ws->c[j].cp;
            int before = cl_at(ws, j - 1), after = cl_at(ws, j + 1);
            if ((cp == '\'' && before == CL_ALPHA && after == CL_ALPHA) ||
                (cp == '.' && before == CL_DIGIT && after == CL_DIGIT)) { j += 2; continue; }
        }
        return j;
    }
}

static int stemmable(const char *s, int n)
{
    if (n < 3) return 0;
    for (int i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '\'')) return 0;
    return 1;
}

/* Snowball output is only valid until the next call: copy it to the arena.
 * The stem is taken to a fixed point: Snowball's English stemmer is not
 * idempotent ("agreed" → "agre" → "agr", "abasement" → "abas" → "aba": about
 * 4% of a word list), and a query term is quoted into an FTS5 MATCH that
 * analyzes it again, so a term that did not re-analyze to itself could
 * never match the documents it came from (found by tests/fuzz/fuzz_analyzer).
 * A round that changes the stem shortens it or rewrites a letter in place
 * (y → i), so a word of n bytes settles within 2n rounds ("…eeee" loses one
 * e per round); words are at most MAX_LATIN_BYTES. */
static int stem_into_arena(kj_ws *ws, const char *s, int n, int *off, int *len)
{
    const sb_symbol *st = sb_stemmer_stem(ws->stem, (const sb_symbol *)s, n);
    if (!st) return -1;
    int sl = sb_stemmer_length(ws->stem);
    if (grow(&ws->arena, &ws->capa, (long)ws->alen + sl, 1) < 0) return -1;
    memcpy(ws->arena + ws->alen, st, (size_t)sl);
    for (int round = 0; round < 2 * n + 2 && stemmable(ws->arena + ws->alen, sl); round++) {
        st = sb_stemmer_stem(ws->stem, (const sb_symbol *)(ws->arena + ws->alen), sl);
        if (!st) return -1;
        int al = sb_stemmer_length(ws->stem);
        if (al == sl && !memcmp(st, ws->arena + ws->alen, (size_t)sl)) break;
        if (grow(&ws->arena, &ws->capa, (long)ws->alen + al, 1) < 0) return -1;
        memcpy(ws->arena + ws->alen, st, (size_t)al);
        sl = al;
    }
    *off = ws->alen;
    *len = sl;
    ws->alen += sl;
    return 0;
}

static int add_latin_word(kj_analyzer *a, kj_ws *ws, int i, int j, int brk)
{
    int bytes = nb_pos(ws, j) - ws->c[i].nb;
    if (bytes > MAX_LATIN_BYTES) return 0;
    word *w = add_word(ws, W_LATIN, i, j, brk);
    if (!w) return -1;
    const char *s = ws->nb + w->toff;
    int alpha = 0, digit = 0;
    for (int k = i; k < j; k++) {
        int cl = classify(ws->c[k].cp);
        alpha |= cl == CL_ALPHA;
        digit |= cl == CL_DIGIT;
    }
    w->mixed = (unsigned char)(alpha && digit);
    w->stop = (unsigned char)is_stop(a, s, w->tlen);
    if (!w->stop && stemmable(s, w->tlen)) {
        int off, len;
        if (stem_into_arena(ws, s, w->tlen, &off, &len) < 0) return -1;
        w = &ws->w[ws->nw - 1];
        /* A stem that is a stop word ("ons" → "on") would vanish when a
         * query term is analyzed again: such a word keeps its own form
         * (found by tests/fuzz/fuzz_analyzer). */
        if (is_stop(a, ws->arena + off, len)) ws->alen -= len;
        else { w->toff = off; w->tlen = len; w->in_arena = 1; }
    }
    return 0;
}

/* Punctuation that separates words but not terms: "li-ion battery" and
 * "TCP/IP" can still match a synonym spanning them, "电池，UAV" cannot. */
static int is_joiner(uint32_t cp)
{
    return cp == '-' || cp == '_' || cp == '/' || cp == '&' || cp == '+' || cp == 0xB7 ||
           (cp >= 0x2010 && cp <= 0x2015);
}

static int scan_words(kj_analyzer *a, kj_ws *ws)
{
    ws->nw = 0;
    ws->alen = 0;
    int brk = 0;
    for (int i = 0; i < ws->nc;) {
        int cl = classify(ws->c[i].cp);
        if (cl == CL_CJK) {
            int j = i + 1;
            while (j < ws->nc && classify(ws->c[j].cp) == CL_CJK) j++;
            if (segment_run(a, ws, i, j, brk) < 0) return -1;
            brk = 0; i = j;
        } else if (cl == CL_ALPHA || cl == CL_DIGIT) {
            int j = scan_alnum(ws, i);
            if (add_latin_word(a, ws, i, j, brk) < 0) return -1;
            brk = 0; i = j;
        } else {
            brk |= cl == CL_SEP && !is_joiner(ws->c[i].cp);
            i++;
        }
    }
    return 0;
}

/* Stages 1–3 for text; leaves code points, ws->nb and the words. */
static int to_words(kj_analyzer *a, kj_ws *ws, const char *text, int len)
{
    if (normalize(ws, text, len) < 0 || t2s(a, ws) < 0 || encode_nb(ws) < 0) return -1;
    return scan_words(a, ws);
}

/* ---- stage 4: synonym spans --------------------------------------------- */

/* Appends word w to the key being built; Latin words are space-separated. */
static int key_append(kj_ws *ws, int *klen, const word *prev, const word *w)
{
    int sep = prev && prev->kind == W_LATIN && w->kind == W_LATIN;
    if (grow(&ws->key, &ws->capkey, (long)*klen + sep + w->tlen + 1, 1) < 0) return -1;
    if (sep) ws->key[(*klen)++] = ' ';
    memcpy(ws->key + *klen, word_text(ws, w), (size_t)w->tlen);
    *klen += w->tlen;
    return 0;
}

/* For every non-stop word, the longest span of words starting there whose
 * key is a synonym term. The prefix table cuts the search after one word
 * almost everywhere. */
static int mark_synonyms(kj_analyzer *a, kj_ws *ws)
{
    if (a->ngroups == 0) return 0;
    for (int i = 0; i < ws->nw; i++) {
        if (ws->w[i].stop) continue;
        int klen = 0;
        for (int j = i; j < ws->nw && j - i < a->syn_max_words; j++) {
            if (j > i && ws->w[j].brk) break;
            if (key_append(ws, &klen, j > i ? &ws->w[j - 1] : NULL, &ws->w[j]) < 0) return -1;
            if (klen > a->syn_max_bytes || st_find(&a->synpre, ws->key, klen) < 0) break;
            int g = st_find(&a->syn, ws->key, klen);
            if (g >= 0) { ws->w[i].syn = g; ws->w[i].syn_end = j + 1; }
        }
    }
    return 0;
}

/* ---- stage 5: emission --------------------------------------------------- */

typedef struct {
    kj_analyzer *a;
    kj_ws *ws;
    kj_token_cb cb;
    void *ctx;
    int any;        /* a token was emitted: a colocated one has a position to join */
} emitter;

static int emit(emitter *e, int coloc, const char *tok, int len, int start, int end)
{
    int flags = coloc && e->any ? KJ_TOKEN_COLOCATED : 0;
    e->any = 1;
    return e->cb(e->ctx, flags, tok, len, start, end);
}

static int emit_chars(emitter *e, int coloc, int from, int n)   /* n code points from `from` */
{
    const kj_ws *ws = e->ws;
    int s = ws->c[from].nb;
    return emit(e, coloc, ws->nb + s, nb_pos(ws, from + n) - s,
                ws->c[from].ob, ws->c[from + n - 1].oe);
}

static int emit_word(emitter *e, int coloc, const word *w)
{
    return emit(e, coloc, word_text(e->ws, w), w->tlen,
                e->ws->c[w->cs].ob, e->ws->c[w->ce - 1].oe);
}

/* The canonical token of word i's synonym span, colocated, unless it is
 * the very word (the first term of its group). */
static int emit_canon(emitter *e, int i)
{
    const word *w = &e->ws->w[i];
    if (w->syn < 0) return 0;
    const char *ct = e->a->syn.arena + e->a->canon[w->syn].off;
    int cl = e->a->canon[w->syn].len;
    if (cl == w->tlen && memcmp(ct, word_text(e->ws, w), (size_t)cl) == 0) return 0;
    const word *last = &e->ws->w[w->syn_end - 1];
    return emit(e, 1, ct, cl, e->ws->c[w->cs].ob, e->ws->c[last->ce - 1].oe);
}

/* The bigram at chars [from, from + 2) that crosses from one word into the
 * next, colocated and marked (KJ_CROSSING_MARK): 品质|检测 holds 质检 only
 * across the seam, and a query for the word 质检 must not find it there. */
static int emit_crossing(emitter *e, int from)
{
    const kj_ws *ws = e->ws;
    int s = ws->c[from].nb, n = nb_pos(ws, from + 2) - s;
    char tok[16];
    if (n + 1 > (int)sizeof tok) return emit_chars(e, 1, from, 2);
    memcpy(tok, ws->nb + s, (size_t)n);
    tok[n] = KJ_CROSSING_MARK[0];
    return emit(e, 1, tok, n + 1, ws->c[from].ob, ws->c[from + 1].oe);
}

/* Colocated bigrams starting at chars [cs, ce) of a run ending at run_end
 * (the last one, crossing into the next word, marked); skip_at is a start
 * whose bigram is already the position token. */
static int emit_bigrams(emitter *e, int cs, int ce, int run_end, int skip_at)
{
    for (int c = cs; c < ce && c + 1 < run_end; c++) {
        if (c == skip_at) continue;
        int rc = c == ce - 1 ? emit_crossing(e, c) : emit_chars(e, 1, c, 2);
        if (rc) return rc;
    }
    return 0;
}

/* Letter/digit parts of a mixed word ("yolov5" → "yolov", "5"), stemmed
 * like words; single letters are too ambiguous to be worth a token. */
static int emit_parts(emitter *e, const word *w)
{
    kj_ws *ws = e->ws;
    for (int k = w->cs; k < w->ce;) {
        int digit = classify(ws->c[k].cp) == CL_DIGIT, m = k + 1;
        for (; m < w->ce; m++) {
            int cl = classify(ws->c[m].cp);
            int d = cl == CL_DIGIT || (digit && ws->c[m].cp == '.');
            if (cl != CL_MARK && d != digit) break;
        }
        const char *s = ws->nb + ws->c[k].nb;
        int n = nb_pos(ws, m) - ws->c[k].nb;
        if ((digit || m - k > 1) && !is_stop(e->a, s, n)) {
            int rc;
            if (!digit && stemmable(s, n)) {
                int off, len;
                if (stem_into_arena(ws, s, n, &off, &len) < 0) return -1;
                rc = emit(e, 1, ws->arena + off, len, ws->c[k].ob, ws->c[m - 1].oe);
            } else {
                rc = emit(e, 1, s, n, ws->c[k].ob, ws->c[m - 1].oe);
            }
            if (rc) return rc;
        }
        k = m;
    }
    return 0;
}

static int is_single(const word *w) { return w->kind == W_CJK && !w->stop && w->ce - w->cs == 1; }

/* End of the run of consecutive single-character CJK words from i (the
 * bigram-fallback run). A query stops it before a synonym span. */
static int subrun_end(const kj_ws *ws, int i, int mode)
{
    int k = i + 1;
    while (k < ws->nw && is_single(&ws->w[k]) && ws->w[k].cs == ws->w[k - 1].ce &&
           (mode == KJ_ANALYZE_INDEX || ws->w[k].syn < 0))
        k++;
    return k;
}

#define TRY(x) do { int rc_ = (x); if (rc_) return rc_; } while (0)

static int index_subrun(emitter *e, int i, int k)
{
    const kj_ws *ws = e->ws;
    const word *w = &ws->w[i];
    int m = k - i;
    if (m == 1) {
        TRY(emit_word(e, 0, w));
        TRY(emit_bigrams(e, w->cs, w->ce, w->run_end, -1));
        return emit_canon(e, i);
    }
    for (int t = 0; t + 1 < m; t++) {
        int c = w->cs + t;
        TRY(emit_chars(e, 0, c, 2));
        TRY(emit_chars(e, 1, c, 1));
        TRY(emit_canon(e, i + t));
        if (t + 2 == m) {
            TRY(emit_chars(e, 1, c + 1, 1));
            TRY(emit_bigrams(e, c + 1, c + 2, w->run_end, -1));
            TRY(emit_canon(e, i + t + 1));
        }
    }
    return 0;
}

static int emit_index(emitter *e)
{
    const kj_ws *ws = e->ws;
    for (int i = 0; i < ws->nw;) {
        const word *w = &ws->w[i];
        if (w->kind == W_LATIN) {
            if (!w->stop) {
                TRY(emit_word(e, 0, w));
                if (w->mixed) TRY(emit_parts(e, w));
                TRY(emit_canon(e, i));
            }
            i++;
        } else if (w->stop) {   /* no position, but its characters stay findable */
            TRY(emit_bigrams(e, w->cs, w->ce, w->run_end, -1));
            i++;
        } else if (w->ce - w->cs >= 2) {
            TRY(emit_word(e, 0, w));
            TRY(emit_bigrams(e, w->cs, w->ce, w->run_end, w->ce - w->cs == 2 ? w->cs : -1));
            TRY(emit_canon(e, i));
            i++;
        } else {
            int k = subrun_end(ws, i, KJ_ANALYZE_INDEX);
            TRY(index_subrun(e, i, k));
            i = k;
        }
    }
    return 0;
}

static int emit_query(emitter *e)
{
    const kj_ws *ws = e->ws;
    for (int i = 0; i < ws->nw;) {
        const word *w = &ws->w[i];
        if (w->syn >= 0) {
            const word *last = &ws->w[w->syn_end - 1];
            TRY(emit(e, 0, e->a->syn.arena + e->a->canon[w->syn].off, e->a->canon[w->syn].len,
                     ws->c[w->cs].ob, ws->c[last->ce - 1].oe));
            i = w->syn_end;
        } else if (w->stop) {
            i++;
        } else if (w->kind == W_LATIN || w->ce - w->cs >= 2) {
            TRY(emit_word(e, 0, w));
            i++;
        } else {
            int k = subrun_end(ws, i, KJ_ANALYZE_QUERY);
            if (k - i == 1) TRY(emit_word(e, 0, w));
            for (int c = w->cs; c + 1 < w->cs + (k - i); c++) TRY(emit_chars(e, 0, c, 2));
            i = k;
        }
    }
    return 0;
}

/* ---- analysis ahead: recorded streams, replayed per thread -------------- */

typedef struct { int flags, off, len, start, end; } rec_tok;
typedef struct { int off, len, first, count; } rec_text;

struct kj_tokens {
    char *bytes; int nbytes, capbytes;   /* text copies and token bytes */
    rec_tok *tok; int ntok, captok;
    rec_text *txt; int ntxt, captxt;
    int oom;
};

/* The recording kj_analyze replays on this thread (kj_analyze_replay). */
static _Thread_local const kj_tokens *tl_replay;

static int put_bytes(kj_tokens *t, const char *p, int n, int *off)
{
    if (grow(&t->bytes, &t->capbytes, (long)t->nbytes + n, 1) < 0) return -1;
    if (n) memcpy(t->bytes + t->nbytes, p, (size_t)n);
    *off = t->nbytes;
    t->nbytes += n;
    return 0;
}

static int record_token(void *ctx, int flags, const char *tok, int len, int start, int end)
{
    kj_tokens *t = ctx;
    int off;
    if (put_bytes(t, tok, len, &off) < 0 || grow(&t->tok, &t->captok, (long)t->ntok + 1, sizeof *t->tok) < 0) {
        t->oom = 1;
        return 1;
    }
    t->tok[t->ntok++] = (rec_tok){ flags, off, len, start, end };
    return 0;
}

kj_tokens *kj_tokens_new(void) { return calloc(1, sizeof(kj_tokens)); }

void kj_tokens_free(kj_tokens *t)
{
    if (!t) return;
    free(t->bytes); free(t->tok); free(t->txt);
    free(t);
}

void kj_tokens_clear(kj_tokens *t)
{
    t->nbytes = t->ntok = t->ntxt = 0;
    t->oom = 0;
}

int kj_tokens_add(kj_tokens *t, kj_analyzer *a, const char *text, int len)
{
    if (!t || !text || len < 0) return -1;
    int off, ntok0 = t->ntok, nbytes0 = t->nbytes;
    if (grow(&t->txt, &t->captxt, (long)t->ntxt + 1, sizeof *t->txt) < 0 || put_bytes(t, text, len, &off) < 0) return -1;
    t->oom = 0;
    if (kj_analyze(a, KJ_ANALYZE_INDEX, text, len, record_token, t) != 0 || t->oom) {
        t->ntok = ntok0;   /* not kept: this text will be analyzed when used */
        t->nbytes = nbytes0;
        return -1;
    }
    t->txt[t->ntxt++] = (rec_text){ off, len, ntok0, t->ntok - ntok0 };
    return 0;
}

void kj_analyze_replay(const kj_tokens *t) { tl_replay = t; }

/* The recorded stream of a text byte-identical to text[0..len), or NULL. */
static const rec_text *recorded(const kj_tokens *t, const char *text, int len)
{
    for (int i = 0; t && i < t->ntxt; i++)
        if (t->txt[i].len == len && !memcmp(t->bytes + t->txt[i].off, text, (size_t)len)) return &t->txt[i];
    return NULL;
}

static int replay(const kj_tokens *t, const rec_text *r, kj_token_cb cb, void *ctx)
{
    for (int i = r->first; i < r->first + r->count; i++) {
        const rec_tok *k = &t->tok[i];
        int rc = cb(ctx, k->flags, t->bytes + k->off, k->len, k->start, k->end);
        if (rc) return rc;
    }
    return 0;
}

int kj_analyze(kj_analyzer *a, int mode, const char *text, int len,
               kj_token_cb cb, void *ctx)
{
    if (!a || !cb || (mode != KJ_ANALYZE_INDEX && mode != KJ_ANALYZE_QUERY)) return -1;
    if (!text) { if (len > 0) return -1; text = ""; len = 0; }
    if (len < 0) { size_t n = strlen(text); len = n > INT_MAX ? INT_MAX : (int)n; }
    const rec_text *r = mode == KJ_ANALYZE_INDEX ? recorded(tl_replay, text, len) : NULL;
    if (r) return replay(tl_replay, r, cb, ctx);
    kj_ws *ws = ws_acquire(a);
    if (!ws) return -1;
    int rc = to_words(a, ws, text, len) < 0 || mark_synonyms(a, ws) < 0 ? -1 : 0;
    if (rc == 0) {
        emitter e = { a, ws, cb, ctx, 0 };
        rc = mode == KJ_ANALYZE_INDEX ? emit_index(&e) : emit_query(&e);
    }
    ws_release(a, ws);
    return rc;
}

char *kj_analyze_normalize(kj_analyzer *a, const char *text, int len)
{
    if (!a || (!text && len > 0)) return NULL;
    if (!text) { text = ""; len = 0; }
    if (len < 0) { size_t n = strlen(text); len = n > INT_MAX ? INT_MAX : (int)n; }
    kj_ws *ws = ws_acquire(a);
    if (!ws) return NULL;
    char *out = NULL;
    if (normalize(ws, text, len) == 0 && t2s(a, ws) == 0 && encode_nb(ws) == 0) out = strdup(ws->nb);
    ws_release(a, ws);
    return out;
}

/* ---- distinct terms ------------------------------------------------------ */

typedef struct { char **v; int n, cap; strtab seen; int oom; } term_list;

static int collect_term(void *ctx, int flags, const char *tok, int len, int start, int end)
{
    term_list *t = ctx;
    int r = st_put(&t->seen, tok, len, t->n);
    if (r < 0) { t->oom = 1; return 1; }
    if (r != t->n) return 0;   /* seen before */
    char *s = malloc((size_t)len + 1);
    if (!s || grow(&t->v, &t->cap, (long)t->n + 1, sizeof *t->v) < 0) {
        free(s); t->oom = 1; return 1;
    }
    memcpy(s, tok, (size_t)len);
    s[len] = '\0';
    t->v[t->n++] = s;
    return 0;
}

char **kj_analyze_terms(kj_analyzer *a, int mode, const char *text, int len, int *n)
{
    term_list t = { 0 };
    int rc = kj_analyze(a, mode, text, len, collect_term, &t);
    st_free(&t.seen);
    if (rc != 0 || t.oom || t.n == 0) {
        kj_terms_free(t.v, t.n);
        if (n) *n = 0;
        return NULL;
    }
    if (n) *n = t.n;
    return t.v;
}

void kj_terms_free(char **terms, int n)
{
    if (!terms) return;
    for (int i = 0; i < n; i++) free(terms[i]);
    free(terms);
}

/* ---- open: friso, OpenCC, data files ------------------------------------ */

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int open_friso(kj_analyzer *a, char *err, size_t errlen)
{
    const char *dir = getenv("KEJIYUN_FRISO_DICT");
    if (!dir || !*dir) dir = DEFAULT_FRISO_DICT;
    char ini[4096];
    if ((size_t)snprintf(ini, sizeof ini, "%sfriso.lex.ini", dir) >= sizeof ini ||
        access(ini, R_OK) != 0) {
        set_err(err, errlen, "friso dictionary not found: %s (Debian package friso-dict)", ini);
        return -1;
    }
    a->friso = friso_new();
    a->fcfg = friso_new_config();
    if (!a->friso || !a->fcfg) { set_err(err, errlen, "out of memory"); return -1; }
    /* Synonyms and stop words are ours; person-name guessing would merge
     * characters unpredictably, and bigrams already cover names. */
    a->fcfg->add_syn = 0;
    a->fcfg->clr_stw = 0;
    a->fcfg->keep_urec = 0;
    a->fcfg->r_name = 0;
    a->fcfg->en_sseg = 0;
    a->fcfg->spx_out = 0;
    friso_set_mode(a->fcfg, __FRISO_COMPLEX_MODE__);
    a->friso->charset = FRISO_UTF8;
    a->friso->dic = friso_dic_new();
    char dirbuf[4096];
    snprintf(dirbuf, sizeof dirbuf, "%s", dir);
    friso_dic_load_from_ifile(a->friso, a->fcfg, dirbuf, a->fcfg->max_len * 3);
    if (friso_all_dic_size(a->friso->dic) == 0) {
        set_err(err, errlen, "friso dictionary %s is empty", dir);
        return -1;
    }
    return 0;
}

/* Converts every Han code point on its own (one OpenCC call per range,
 * newline-separated so no phrase spans two) and records which change. */
static int build_t2s_map(kj_analyzer *a, char *err, size_t errlen)
{
    static const uint32_t ranges[][2] = {
        { 0x3005, 0x3007 }, { 0x3400, 0x4DBF }, { 0x4E00, 0x9FFF }, { 0xF900, 0xFAFF },
        { 0x20000, 0x3134F },
    };
    a->t2s_changes = calloc(T2S_LIMIT / 8 + 1, 1);
    if (!a->t2s_changes) { set_err(err, errlen, "out of memory"); return -1; }
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        uint32_t lo = ranges[r][0], hi = ranges[r][1];
        char *in = malloc((size_t)(hi - lo + 1) * 5 + 1);
        if (!in) { set_err(err, errlen, "out of memory"); return -1; }
        size_t n = 0;
        for (uint32_t cp = lo; cp <= hi; cp++) {
            n += (size_t)utf8_encode(cp, in + n);
            in[n++] = '\n';
        }
        in[n] = '\0';
        char *out = opencc_convert_utf8(a->cc, in, n);
        const char *p = in, *q = out;
        for (uint32_t cp = lo; out && cp <= hi; cp++) {
            const char *pe = strchr(p, '\n'), *qe = strchr(q, '\n');
            if (!pe || !qe) break;
            if (pe - p != qe - q || memcmp(p, q, (size_t)(pe - p)) != 0)
                a->t2s_changes[cp >> 3] |= (uint8_t)(1u << (cp & 7));
            p = pe + 1;
            q = qe + 1;
        }
        if (out) opencc_convert_utf8_free(out);
        free(in);
        if (!out) { set_err(err, errlen, "OpenCC conversion failed: %s", opencc_error()); return -1; }
    }
    return 0;
}

/* Calls fn(a, line, len, lineno, ...) for each non-blank, non-comment line
 * of dir/name (trailing CR/LF stripped). */
typedef int (*line_fn)(kj_analyzer *a, kj_ws *ws, char *line, int len, int lineno,
                       char *err, size_t errlen);

static int each_line(kj_analyzer *a, kj_ws *ws, const char *dir, const char *name, line_fn fn,
                     char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) { set_err(err, errlen, "cannot open %s", path); return -1; }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0, rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        if (n == 0 || line[0] == '#' || n > INT_MAX) continue;
        rc = fn(a, ws, line, (int)n, lineno, err, errlen);
        if (rc) {
            size_t used = err ? strlen(err) : 0;
            if (err && used + 1 < errlen)
                snprintf(err + used, errlen - used, " (%s:%d)", name, lineno);
        }
    }
    free(line);
    fclose(f);
    return rc;
}

static int add_stopword(kj_analyzer *a, kj_ws *ws, char *line, int len, int lineno,
                        char *err, size_t errlen)
{
    if (normalize(ws, line, len) < 0 || t2s(a, ws) < 0 || encode_nb(ws) < 0) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    int s = 0, e = ws->nblen;   /* trim spaces around the word */
    while (s < e && ws->nb[s] == ' ') s++;
    while (e > s && ws->nb[e - 1] == ' ') e--;
    if (e > s && st_put(&a->stop, ws->nb + s, e - s, 1) < 0) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static int add_prefixes(kj_analyzer *a, const char *key, int klen)
{
    for (int b = 1; b <= klen; b++)
        if (b == klen || ((unsigned char)key[b] & 0xC0) != 0x80)
            if (st_put(&a->synpre, key, b, 1) < 0) return -1;
    return 0;
}

/* Adds one synonym term to group g; the first term of a group names it. */
static int add_term(kj_analyzer *a, kj_ws *ws, const char *term, int tlen, int g,
                    char *err, size_t errlen)
{
    if (to_words(a, ws, term, tlen) < 0) { set_err(err, errlen, "out of memory"); return -1; }
    if (ws->nw == 0) return 0;
    int klen = 0;
    for (int j = 0; j < ws->nw; j++)
        if (key_append(ws, &klen, j ? &ws->w[j - 1] : NULL, &ws->w[j]) < 0) {
            set_err(err, errlen, "out of memory");
            return -1;
        }
    int had = st_find(&a->syn, ws->key, klen);
    if (had >= 0 && had != g) {
        set_err(err, errlen, "synonym term \"%.*s\" is already in another group", tlen, term);
        return -1;
    }
    if (st_put(&a->syn, ws->key, klen, g) < 0 || add_prefixes(a, ws->key, klen) < 0 ||
        grow(&a->canon, &a->capgroups, (long)g + 1, sizeof *a->canon) < 0) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    if (g == a->ngroups) {   /* first term: the group's canonical token */
        a->canon[g].off = st_lookup(&a->syn, ws->key, klen)->off;
        a->canon[g].len = klen;
        a->ngroups++;
    }
    if (ws->nw > a->syn_max_words) a->syn_max_words = ws->nw;
    if (klen > a->syn_max_bytes) a->syn_max_bytes = klen;
    return 0;
}

static int add_group(kj_analyzer *a, kj_ws *ws, char *line, int len, int lineno,
                     char *err, size_t errlen)
{
    int g = a->ngroups;
    for (char *p = line, *end = line + len; p < end;) {
        char *tab = memchr(p, '\t', (size_t)(end - p));
        char *stop = tab ? tab : end;
        if (stop > p && add_term(a, ws, p, (int)(stop - p), g, err, errlen) < 0)
            return -1;
        p = stop + 1;
    }
    return 0;
}

kj_analyzer *kj_analyzer_open(const char *data_dir, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (!data_dir) { set_err(err, errlen, "no data directory"); return NULL; }
    kj_ws *ws = NULL;
    kj_analyzer *a = calloc(1, sizeof *a);
    if (!a) { set_err(err, errlen, "out of memory"); return NULL; }
    pthread_mutex_init(&a->mu, NULL);
    a->cc = (opencc_t)-1;
    if (open_friso(a, err, errlen) < 0) goto fail;
    a->cc = opencc_open("t2s.json");
    if (a->cc == (opencc_t)-1) {
        set_err(err, errlen, "OpenCC t2s.json: %s (Debian package libopencc-data)", opencc_error());
        goto fail;
    }
    if (build_t2s_map(a, err, errlen) < 0) goto fail;
    ws = ws_new();
    if (!ws) { set_err(err, errlen, "out of memory"); goto fail; }
    /* Stop words first: synonym keys are built by the full pipeline. */
    int rc = each_line(a, ws, data_dir, "stopwords-zh.txt", add_stopword, err, errlen);
    if (!rc) rc = each_line(a, ws, data_dir, "stopwords-en.txt", add_stopword, err, errlen);
    if (!rc) rc = each_line(a, ws, data_dir, "synonyms.tsv", add_group, err, errlen);
    ws_release(a, ws);
    if (rc) goto fail;
    return a;
fail:
    kj_analyzer_close(a);
    return NULL;
}

void kj_analyzer_close(kj_analyzer *a)
{
    if (!a) return;
    for (int i = 0; i < a->npool; i++) ws_free(a->pool[i]);
    if (a->cc != (opencc_t)-1 && a->cc) opencc_close(a->cc);
    if (a->fcfg) friso_free_config(a->fcfg);
    if (a->friso) friso_free(a->friso);
    st_free(&a->stop);
    st_free(&a->syn);
    st_free(&a->synpre);
    free(a->canon);
    free(a->t2s_changes);
    pthread_mutex_destroy(&a->mu);
    free(a);
}
