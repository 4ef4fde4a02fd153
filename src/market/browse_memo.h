/*
 * browse_memo.h — browse counts remembered between requests (internal to
 * src/market; see browse_memo.c for why).
 */
#ifndef KJ_BROWSE_MEMO_H
#define KJ_BROWSE_MEMO_H
#include "store/store.h"
#include <stdbool.h>
#include <stdint.h>

/** The count remembered for this exact query (SQL text and parameters)
 *  on db's store, if no write went through the store since it was counted
 *  and it is younger than the time to live. *generation is set either way:
 *  the store's generation read before the caller counts, to hand to
 *  kj_browse_memo_put. */
bool kj_browse_memo_get(kj_db *db, const char *sql, json_t *params, int64_t *total, uint64_t *generation);
/** Remembers a count made at generation (from kj_browse_memo_get). */
void kj_browse_memo_put(kj_db *db, const char *sql, json_t *params, uint64_t generation, int64_t total);
#endif
