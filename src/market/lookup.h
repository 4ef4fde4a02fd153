/*
 * lookup.h — small read-only questions that the listing, thread and
 * notification pages ask about one listing or one user, and the one
 * best-effort write the notification page makes. They live here, not in
 * the pages, so that SQL stays in the domain (issue 13).
 *
 * Every function reads (or marks) only what its contract says; reads that
 * fail answer NULL / false / an empty result like "not found" (the
 * storage layer records the failure, so the request still ends as 500).
 * Thread-safety: works on the kj_db given (one thread per connection).
 */
#ifndef KJ_MARKET_LOOKUP_H
#define KJ_MARKET_LOOKUP_H
#include "store/store.h"
#include <stdbool.h>

/** When listing l (a row with "id" and "pending_revision") has a pending
 *  revision, copies that revision's fields over l: the edit form and a
 *  partial PATCH continue from what the owner last sent, not from what is
 *  live. Leaves l as it is when there is none or it cannot be read. */
void kj_listing_merge_pending(kj_db *db, json_t *l);
/** The newest expression of interest user_id sent about listing_id as
 *  {id, status}, or NULL. New ref. */
json_t *kj_eoi_latest_sent(kj_db *db, const char *listing_id, const char *user_id);
/** True when user_id keeps listing_id among their favourites. */
bool kj_favourite_has(kj_db *db, const char *user_id, const char *listing_id);
/** user_id's published listings [{id, title}], most recently updated
 *  first, at most 50 (what an expression of interest may point to). New ref,
 *  NULL on a failed read. */
json_t *kj_listing_mine_published(kj_db *db, const char *user_id);
/** The attachments of listing_id [{id, filename, mime, size,
 *  confidential}] in upload order, confidential ones included: the caller
 *  decides who sees which. New ref, NULL on a failed read. */
json_t *kj_listing_attachments(kj_db *db, const char *listing_id);
/** The studios user_id is an active member of, [{id, name}] by name (the
 *  ones a listing or an application may be made for). New ref, NULL on a
 *  failed read. */
json_t *kj_studio_active_of(kj_db *db, const char *user_id);
/** Marks every unread notification of user_id read now. Best effort
 *  (kj_db_exec_optional): a lost mark only leaves them shown as new. */
void kj_notifications_mark_read(kj_db *db, const char *user_id);
#endif
