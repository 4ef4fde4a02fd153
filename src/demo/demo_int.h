/*
 * demo_int.h — what the demo loaders of src/demo/ share (not used outside
 * src/demo): one TSV reader with named columns, user lookups by e-mail,
 * the demo clock, and the demo's media files.
 *
 * Single-threaded: the demo command only (the demo clock moves the
 * process clock of core/clock.h).
 */
#ifndef KJ_DEMO_INT_H
#define KJ_DEMO_INT_H
#include "core/err.h"
#include "store/store.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Where a loader reports to: the file and line it reads. */
typedef struct {
    kj_db *db;
    const char *root, *data_dir, *file;
    int lineno;
} kj_demo_src;

/** Called with each data line's fields (exactly the header's count). 0 goes
 *  on, -1 stops the file (after printing why with kj_demo_fail). */
typedef int (*kj_demo_row_fn)(kj_demo_src *src, char **fields, void *ctx);

/** Reads root/<src->file>: '#' lines and empty lines skipped, the first
 *  other line must name exactly the ncols columns of names, in order;
 *  every data line must have ncols tab-separated fields. "\n" in a field
 *  stands for a line break (unescaped before row sees it). 0, or -1 when
 *  the file is unreadable, malformed, or row returned -1. */
int kj_demo_tsv(kj_demo_src *src, const char *const *names, int ncols, kj_demo_row_fn row, void *ctx);

/** Prints "demo: FILE:LINE: what: why" to stderr; returns -1. */
int kj_demo_fail(const kj_demo_src *src, const char *what, const char *why);

/** The user with that e-mail as kj_user_get gives it (role, org_id, ...),
 *  or NULL. New ref. */
json_t *kj_demo_user(kj_db *db, const char *email);

/** Sets the process clock to days_ago days and hours before the real
 *  time (both may be 0); kj_demo_clock_now() puts it back. Demo steps
 *  that happen over weeks run through the domain functions at these
 *  moments, so that their records carry believable dates. */
void kj_demo_clock(double days_ago);
void kj_demo_clock_now(void);

/** Reads root/data/demo/media/<name> into a malloc'd buffer. NULL when
 *  unreadable. */
char *kj_demo_media(const char *root, const char *name, size_t *size);

/* The parts of kj_demo_world, in the order it runs them. */
int kj_demo_people(kj_demo_src *src, FILE *out);
int kj_demo_studios(kj_demo_src *src, FILE *out);
int kj_demo_questions(kj_demo_src *src, FILE *out);
int kj_demo_challenges(kj_demo_src *src, FILE *out);
int kj_demo_deals(kj_demo_src *src, FILE *out);
int kj_demo_popsci_media(kj_demo_src *src, FILE *out);
#endif
