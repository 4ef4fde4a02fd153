/*
 * figures.h — the figures the operations endpoints (/healthz, /metrics)
 * and the home page show: counts over whole tables, asked of the storage
 * layer here so that no page or handler holds SQL (issue 13).
 *
 * Every function reads only; a read that fails answers the stated
 * fallback (and the storage layer records the failure, so a request that
 * used it still ends as 500 where that applies).
 * Thread-safety: works on the kj_db given (one thread per connection).
 */
#ifndef KJ_FIGURES_H
#define KJ_FIGURES_H
#include "store/store.h"
#include <stdbool.h>
#include <stdint.h>

/** True when the database answers a trivial query. */
bool kj_figures_db_alive(kj_db *db);
/** Registered accounts (0 on a failed read). */
int64_t kj_figures_users(kj_db *db);
/** Organizations (0 on a failed read). */
int64_t kj_figures_orgs(kj_db *db);
/** Listings published and current on day today ("YYYY-MM-DD") that have
 *  no search document: should be 0 (0 on a failed read). */
int64_t kj_figures_published_unindexed(kj_db *db, const char *today);
#endif
