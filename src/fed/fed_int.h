/*
 * fed_int.h — what the files of src/fed share among themselves only.
 */
#ifndef KJ_FED_INT_H
#define KJ_FED_INT_H
#include "store/store.h"
#include "core/err.h"
#include <jansson.h>
#include <stdbool.h>

/** Logs a refusal or failure concerning peer_id (NULL: unknown sender):
 *  a log line and a fed_events row (best effort, outside transactions). */
void kj_fed_event(kj_db *db, const char *peer_id, const char *kind, const char *detail);

/** The account that stands here for a remote user (an asker, an expert):
 *  one per (peer, remote user), named "name（org）", no password,
 *  disabled. Writes its id (KJ_ID_LEN + 1). 0 or -1. (inbox.c) */
int kj_fed_remote_sender(kj_db *db, json_t *peer, const char *remote_id, const char *name, const char *org, char *out);
/* Questions to a peer's experts (questions.c): the outbox's messages for
 * peer_id appended to out, their outcome, and the inbox's two types. */
void kj_fed_outbox_questions(kj_db *db, const char *peer_id, int limit, json_t *out);
void kj_fed_outbox_question_done(kj_db *db, const char *kind, const char *id, const char *peer_id, const char *error);
int kj_fed_inbox_question(kj_db *db, json_t *peer, json_t *msg, kj_err *fail);
int kj_fed_inbox_answer(kj_db *db, json_t *peer, json_t *msg, kj_err *fail);

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
