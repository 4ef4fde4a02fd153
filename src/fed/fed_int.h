/*
 * fed_int.h — what the files of src/fed share among themselves only.
 */
#ifndef KJ_FED_INT_H
#define KJ_FED_INT_H
#include "store/store.h"

/** Logs a refusal or failure concerning peer_id (NULL: unknown sender):
 *  a log line and a fed_events row (best effort, outside transactions). */
void kj_fed_event(kj_db *db, const char *peer_id, const char *kind, const char *detail);
#endif
