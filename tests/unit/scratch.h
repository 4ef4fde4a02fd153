/*
 * scratch.h — a whole application store in a fresh mkdtemp directory, for
 * unit tests that need real tables (migrations applied, analyzer set):
 * open, use s->db, close (which removes the directory).
 */
#ifndef KJ_TEST_SCRATCH_H
#define KJ_TEST_SCRATCH_H
#include "web/app.h"
#include <jansson.h>

typedef struct {
    char dir[64];
    kj_app app;
    kj_db *db;
    json_t *admin;     /* kj_scratch_importer's user, released by close */
} kj_scratch;

/** Opens a store in /tmp/kj-<name>-XXXXXX. 0, or -1 after saying why. */
int kj_scratch_open(kj_scratch *s, const char *name);
/** Registers an admin and makes them the importer (s->admin). 0 or -1. */
int kj_scratch_importer(kj_scratch *s);
/** Closes the store and removes its directory. */
void kj_scratch_close(kj_scratch *s);
#endif
