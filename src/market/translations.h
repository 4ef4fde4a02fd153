/*
 * translations.h — the market's own side of listing translations (the
 * public side is in market.h, "translations"): checking what a form or the
 * API sent, and writing it inside the caller's transaction.
 */
#ifndef KJ_MARKET_TRANSLATIONS_H
#define KJ_MARKET_TRANSLATIONS_H
#include "store/store.h"
#include <jansson.h>

/** Checks in["translations"] — {tag: {title, summary}} (a null value: none
 *  in that language), or [{lang, title, summary}] — and sets
 *  content["translations"] to the normalized {tag: {title, summary}}
 *  (trimmed; a language whose title and summary are both empty dropped).
 *  A tag must be offered and not the original's, at most once; title 4–100
 *  characters, summary at most 300 (empty: the original's shows). Errors
 *  as field → key: "translations" (language, shape, duplicates) and
 *  "translations.<tag>.title|summary". Returns the number added. */
int kj_listing_translations_build(json_t *in, json_t *content, json_t *errors);
/** Replaces listing id's translations by translations ({tag: {title,
 *  summary}}; NULL or {}: none), in the caller's transaction. 0 or -1. */
int kj_listing_translations_write(kj_db *db, const char *id, json_t *translations);
#endif
