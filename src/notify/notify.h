/*
 * notify.h — in-app notifications: the bell on every signed-in page.
 *
 * Every domain that tells a user something (market, search alerts,
 * challenges, deals, popular science, organisations) adds a row here, in
 * the caller's transaction. A module of its own, below all of them, so
 * that telling a user something does not make one domain depend on
 * another (it lived in market/browse.c, which made six modules depend on
 * the market).
 */
#ifndef KJ_NOTIFY_H
#define KJ_NOTIFY_H
#include "store/store.h"

/** Adds an in-app notification (kind is an i18n key suffix notify.<kind>).
 *  A NULL user_id is nobody: 0, nothing written. 0, or -1 when the write
 *  failed (the caller's transaction decides). */
int kj_notify(kj_db *db, const char *user_id, const char *kind, const char *subject, const char *link);
/** The user's latest notifications, newest first (new ref, never NULL). */
json_t *kj_notifications(kj_db *db, json_t *user, int limit);
/** How many of the user's notifications are unread. */
int64_t kj_unread_notifications(kj_db *db, json_t *user);
#endif
