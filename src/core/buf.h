/*
 * buf.h — growable byte buffers and per-request arenas.
 *
 * kj_buf owns one heap block that grows by doubling; its data is always
 * NUL-terminated so it can be handed out as a C string.
 * kj_arena owns a chain of blocks; everything allocated from it is freed
 * at once by kj_arena_free(). HTTP requests carry one arena, so handlers
 * never free individual strings they got from request parsing.
 * Neither is thread-safe: each has one owner at a time.
 */
#ifndef KJ_BUF_H
#define KJ_BUF_H
#include <stddef.h>
#include <stdarg.h>

typedef struct {
    char  *data;   /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
} kj_buf;

/** Appends n bytes; returns 0, or -1 when memory runs out (buffer unchanged). */
int  kj_buf_append(kj_buf *b, const void *p, size_t n);
/** Appends a NUL-terminated string. */
int  kj_buf_puts(kj_buf *b, const char *s);
/** Appends printf-formatted text. */
int  kj_buf_printf(kj_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Appends s with & < > " ' replaced by entities (for the rare HTML built outside templates). */
int  kj_buf_html(kj_buf *b, const char *s);
/** Appends s as XML character data (Atom feeds): & < > " escaped, and the
 *  control characters XML 1.0 forbids (all below 0x20 but tab and newline)
 *  dropped, so a stray byte in user text cannot make the document invalid. */
int  kj_buf_xml(kj_buf *b, const char *s);
/** Forgets the content but keeps the memory. */
void kj_buf_reset(kj_buf *b);
/** Releases the memory; the buffer is empty and reusable afterwards. */
void kj_buf_free(kj_buf *b);
/** Hands the data to the caller (who frees it) and leaves the buffer empty. */
char *kj_buf_steal(kj_buf *b, size_t *len);
/** A kj_sink-style callback appending to the kj_buf passed as ctx. */
int  kj_buf_sink(void *ctx, const char *p, size_t n);

typedef struct kj_arena kj_arena;
/** Creates an arena; NULL when memory runs out. */
kj_arena *kj_arena_new(void);
/** Frees the arena and everything allocated from it. NULL is accepted. */
void  kj_arena_free(kj_arena *a);
/** Allocates n zeroed bytes aligned for any type; aborts the process on OOM
 *  (a request cannot go on without memory, and checking at every call site
 *  would hide the logic). */
void *kj_arena_alloc(kj_arena *a, size_t n);
/** Copies n bytes and adds a NUL. */
char *kj_arena_strndup(kj_arena *a, const char *s, size_t n);
char *kj_arena_strdup(kj_arena *a, const char *s);
char *kj_arena_printf(kj_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
