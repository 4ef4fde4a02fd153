/*
 * regions.c — the region tree in memory (see regions.h).
 */
#include "ref/regions.h"
#include "core/buf.h"
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kj_regions {
    kj_region *rows;             /* by code */
    size_t n;
    const kj_region **byparent;  /* by (parent, code); the top level (parent NULL) first */
    size_t ntop;
    char *text;                  /* every string, NUL-terminated, back to back */
};

static int by_code(const void *a, const void *b)
{
    return strcmp(((const kj_region *)a)->code, ((const kj_region *)b)->code);
}

static int by_parent(const void *a, const void *b)
{
    const kj_region *x = *(const kj_region *const *)a, *y = *(const kj_region *const *)b;
    if (!x->parent != !y->parent) return x->parent ? 1 : -1;
    int c = x->parent ? strcmp(x->parent, y->parent) : 0;
    return c ? c : strcmp(x->code, y->code);
}

void kj_regions_free(kj_regions *t)
{
    if (!t) return;
    free(t->rows);
    free(t->byparent);
    free(t->text);
    free(t);
}

const kj_region *kj_regions_get(const kj_regions *t, const char *code)
{
    if (!t || !code || !*code) return NULL;
    kj_region key = { .code = code };
    return bsearch(&key, t->rows, t->n, sizeof *t->rows, by_code);
}

kj_regions *kj_regions_load(kj_db *db, char *err, size_t errlen)
{
    kj_regions *t = calloc(1, sizeof *t);
    kj_buf text = { 0 };
    size_t cap = 0;
    /* Offsets into text while it grows; pointers once it is done. */
    struct off { size_t f[5]; bool has_parent; } *offs = NULL;
    kj_stmt *st = t ? kj_db_prepare(db, "SELECT code, parent, level, name_zh, name_en FROM regions", "") : NULL;
    int rc = st ? 0 : -1;
    while (st && (rc = kj_stmt_step(db, st)) == KJ_DB_ROW) {
        if (t->n == cap) {
            cap = cap ? cap * 2 : 4096;
            struct off *p = realloc(offs, cap * sizeof *offs);
            if (!p) { rc = -1; break; }
            offs = p;
        }
        struct off *o = &offs[t->n++];
        for (int c = 0; c < 5; c++) {
            size_t len = 0;
            const char *v = kj_stmt_text(db, st, c, &len);
            if (c == 1) o->has_parent = v && len;
            o->f[c] = text.len;
            if (kj_buf_append(&text, v ? v : "", v ? len : 0) || kj_buf_append(&text, "", 1)) { rc = -1; break; }
        }
        if (rc < 0) break;
    }
    if (st) kj_stmt_finish(db, st);
    if (rc != KJ_DB_DONE && rc != 0) {
        snprintf(err, errlen, "cannot read table regions: %s", kj_db_errmsg(db));
        free(offs);
        kj_buf_free(&text);
        kj_regions_free(t);
        return NULL;
    }
    t->text = kj_buf_steal(&text, NULL);
    t->rows = calloc(t->n ? t->n : 1, sizeof *t->rows);
    t->byparent = calloc(t->n ? t->n : 1, sizeof *t->byparent);
    if (!t->rows || !t->byparent || (t->n && !t->text)) {
        snprintf(err, errlen, "out of memory");
        free(offs);
        kj_regions_free(t);
        return NULL;
    }
    for (size_t i = 0; i < t->n; i++) {
        kj_region *r = &t->rows[i];
        const char **f[5] = { &r->code, &r->parent, &r->level, &r->name_zh, &r->name_en };
        for (int c = 0; c < 5; c++) *f[c] = t->text + offs[i].f[c];
        if (!offs[i].has_parent) r->parent = NULL;
    }
    free(offs);
    qsort(t->rows, t->n, sizeof *t->rows, by_code);
    for (size_t i = 0; i < t->n; i++) t->byparent[i] = &t->rows[i];
    qsort(t->byparent, t->n, sizeof *t->byparent, by_parent);
    while (t->ntop < t->n && !t->byparent[t->ntop]->parent) t->ntop++;
    /* Each parent's children are one run of byparent. */
    for (size_t i = t->ntop; i < t->n;) {
        size_t j = i;
        while (j < t->n && !strcmp(t->byparent[j]->parent, t->byparent[i]->parent)) j++;
        kj_region *p = (kj_region *)kj_regions_get(t, t->byparent[i]->parent);
        if (p) { p->child0 = i; p->nchild = j - i; }
        i = j;
    }
    /* Depth by the parent chain; the bound only guards a cycle in data
     * (refdata.c refuses rows whose parent is unknown, not cycles). */
    for (size_t i = 0; i < t->n; i++) {
        int d = 0;
        for (const kj_region *r = &t->rows[i]; r && r->parent && d < 32; r = kj_regions_get(t, r->parent)) d++;
        t->rows[i].depth = d;
    }
    return t;
}

size_t kj_regions_children(const kj_regions *t, const char *parent, const kj_region *const **out)
{
    *out = NULL;
    if (!t) return 0;
    if (!parent || !*parent) { *out = t->byparent; return t->ntop; }
    const kj_region *p = kj_regions_get(t, parent);
    if (!p || !p->nchild) return 0;
    *out = t->byparent + p->child0;
    return p->nchild;
}

const kj_region *kj_regions_ancestor(const kj_regions *t, const char *code, int depth)
{
    const kj_region *r = kj_regions_get(t, code);
    if (!r || depth < 0 || r->depth < depth) return NULL;
    while (r && r->depth > depth) r = kj_regions_get(t, r->parent);
    return r;
}

size_t kj_regions_count(const kj_regions *t) { return t ? t->n : 0; }

static _Atomic(const kj_regions *) installed;

void kj_regions_install(const kj_regions *t) { atomic_store(&installed, t); }

const kj_regions *kj_regions_current(void) { return atomic_load(&installed); }

bool kj_regions_lookup_parent(const char *code, const char **parent)
{
    const kj_region *r = kj_regions_get(kj_regions_current(), code);
    *parent = r ? r->parent : NULL;
    return r != NULL;
}

int kj_region_depth(const char *code)
{
    const kj_region *r = kj_regions_get(kj_regions_current(), code);
    return r ? r->depth : -1;
}

const char *kj_region_ancestor_code(const char *code, int depth)
{
    const kj_region *r = kj_regions_ancestor(kj_regions_current(), code, depth);
    return r ? r->code : NULL;
}
