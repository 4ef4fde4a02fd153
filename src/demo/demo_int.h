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

/* Where a loader reports to: the file and line it reads. dir is the
 * profile's directory relative to root ("data/demo/qinghai"); path holds
 * the file kj_demo_open chose. */
typedef struct {
    kj_db *db;
    const char *root, *data_dir, *file;
    int lineno;
    char dir[64];
    char path[160];
    char example[96];   /* an account of people.tsv, for the summary line */
    const char *reviewer;   /* profile.tsv's popsci_reviewer: who approves the profile's 科普 (e-mail) */
} kj_demo_src;

/** Points src->file at <dir>/<name>.tsv and says whether that file
 *  exists: a profile loads only the files it has. */
bool kj_demo_open(kj_demo_src *src, const char *name);

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

/** The living platform on top of the first demo wave (demo_world.c), for
 *  the files the profile has: more people (people.tsv), studios with
 *  members, avatars and listings, 农技问答, 揭榜挂帅 lists with entries in
 *  every state, deals at several stages with contracts and reviews, and
 *  pictures and a video for the 科普 items. Everything goes through the
 *  domain functions, with the clock (core/clock.h) set back so that steps
 *  happen on believable days; the clock is restored before returning. 0,
 *  or -1 after printing why to stderr. */
int kj_demo_world(kj_demo_src *src, FILE *out);
/** The service centers of centers.tsv, each under the center covering
 *  its parent region, with the heads and staff it names appointed. */
int kj_demo_centers(kj_demo_src *src, FILE *out);
/** The events of events.tsv (demo_events_tsv.c). */
int kj_demo_events_tsv(kj_demo_src *src, FILE *out);

/* The parts of kj_demo_world, in the order it runs them. */
int kj_demo_people(kj_demo_src *src, FILE *out);   /* run by kj_demo_load before the listings */
int kj_demo_studios(kj_demo_src *src, FILE *out);
int kj_demo_questions(kj_demo_src *src, FILE *out);
int kj_demo_challenges(kj_demo_src *src, FILE *out);
int kj_demo_deals(kj_demo_src *src, FILE *out);
int kj_demo_popsci_media(kj_demo_src *src, FILE *out);
/** The 科普 volunteers of popsci_experts.tsv (topics answered by people of
 *  accounts.tsv) and popsci_teams.tsv (teams, their leaders and members),
 *  run by kj_demo_load after the 科普 content (demo_popsci_teams.c). */
int kj_demo_popsci_volunteers(kj_demo_src *src, FILE *out);
#endif
