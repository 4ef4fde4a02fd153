/*
 * fed_int.h — what the files of src/fed share among themselves only.
 */
#ifndef KJ_FED_INT_H
#define KJ_FED_INT_H
#include "store/store.h"
#include <jansson.h>
#include <stdbool.h>

/** Logs a refusal or failure concerning peer_id (NULL: unknown sender):
 *  a log line and a fed_events row (best effort, outside transactions). */
void kj_fed_event(kj_db *db, const char *peer_id, const char *kind, const char *detail);

/* A kind of shared item besides listings (kinds.c). */
typedef struct {
    const char *type;                  /* "studio", "popsci", "challenge" */
    const char *select;                /* this instance's rows changed after a cursor (binds: origin, t, t, id, until, limit) */
    const char *origin_sql;            /* the origin of a local row by id (an id of ours is refused from a peer) */
    const char *const *fields;         /* what an item's data carries */
    bool (*live)(json_t *row);         /* shared now (else served as deleted) */
    bool (*ever)(json_t *row);         /* ever shared (else walked past, never served) */
    /* The local content of an item's data, checked as input is: NULL
     * refuses the item, json_null() skips it (e.g. a topic unknown here). */
    json_t *(*content)(kj_db *db, json_t *data);
    int (*write)(kj_db *db, const char *id, const char *origin, const char *owner, json_t *content);
    int (*remove)(kj_db *db, const char *id, const char *origin);
} kj_fed_kind;
/** The kind named type (not "listing", which feed.c handles), or NULL. */
const kj_fed_kind *kj_fed_kind_get(const char *type);
#endif
