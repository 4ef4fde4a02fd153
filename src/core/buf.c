/*
 * buf.c — growable buffers and arenas (see buf.h for the contracts).
 */
#include "core/buf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

static int buf_reserve(kj_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int kj_buf_append(kj_buf *b, const void *p, size_t n)
{
    if (buf_reserve(b, n)) return -1;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return 0;
}

int kj_buf_puts(kj_buf *b, const char *s) { return kj_buf_append(b, s, strlen(s)); }

int kj_buf_printf(kj_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return -1;
    if ((size_t)n < sizeof tmp) return kj_buf_append(b, tmp, (size_t)n);
    if (buf_reserve(b, (size_t)n)) return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int kj_buf_html(kj_buf *b, const char *s)
{
    for (; s && *s; s++) {
        const char *e = NULL;
        switch (*s) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        }
        if (e ? kj_buf_puts(b, e) : kj_buf_append(b, s, 1)) return -1;
    }
    return 0;
}

int kj_buf_xml(kj_buf *b, const char *s)
{
    for (; s && *s; s++) {
        const char *e = NULL;
        switch (*s) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        }
        if (e) { if (kj_buf_puts(b, e)) return -1; }
        else if (((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t') && kj_buf_append(b, s, 1)) return -1;
    }
    return 0;
}

void kj_buf_reset(kj_buf *b) { b->len = 0; if (b->data) b->data[0] = 0; }

void kj_buf_free(kj_buf *b) { free(b->data); b->data = NULL; b->len = b->cap = 0; }

char *kj_buf_steal(kj_buf *b, size_t *len)
{
    char *p = b->data;
    if (!p) p = calloc(1, 1);
    if (len) *len = b->len;
    b->data = NULL; b->len = b->cap = 0;
    return p;
}

int kj_buf_sink(void *ctx, const char *p, size_t n) { return kj_buf_append(ctx, p, n); }

/* ---- arena ---- */

struct block { struct block *next; size_t used, cap; _Alignas(max_align_t) char mem[]; };
struct kj_arena { struct block *head; };

kj_arena *kj_arena_new(void) { return calloc(1, sizeof(kj_arena)); }

void kj_arena_free(kj_arena *a)
{
    if (!a) return;
    for (struct block *b = a->head, *n; b; b = n) { n = b->next; free(b); }
    free(a);
}

void *kj_arena_alloc(kj_arena *a, size_t n)
{
    const size_t align = _Alignof(max_align_t);
    n = (n + align - 1) & ~(align - 1);
    struct block *b = a->head;
    if (!b || b->used + n > b->cap) {
        size_t cap = n > 8192 ? n : 8192;
        b = malloc(sizeof *b + cap);
        if (!b) { fputs("kejiyun: out of memory\n", stderr); abort(); }
        b->used = 0; b->cap = cap; b->next = a->head; a->head = b;
    }
    void *p = b->mem + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *kj_arena_strndup(kj_arena *a, const char *s, size_t n)
{
    char *p = kj_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *kj_arena_strdup(kj_arena *a, const char *s) { return s ? kj_arena_strndup(a, s, strlen(s)) : NULL; }

char *kj_arena_printf(kj_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    char *p = kj_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
