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
/** The home page's live figures (issue 15): what the platform has done,
 *  not how many accounts exist. */
typedef struct {
    int64_t listings;   /* published and current listings on day today */
    int64_t matches;    /* demand–offer matches made (scored pairs) */
    int64_t deals;      /* deals signed: signed contracts, in progress, delivered, accepted, completed */
    int64_t readers;    /* accounts that opened a 科普 item */
} kj_home_figures;

/** The home page's figures on day today ("YYYY-MM-DD"): one statement,
 *  remembered until the next write through the store (or 60 s, for writes
 *  by other processes), so that a busy home page does not count whole
 *  tables on every request. A failed read answers zeros (and, as every
 *  failed read, ends the request as 500). Thread-safe. */
kj_home_figures kj_figures_home(kj_db *db, const char *today);
/** Listings published and current on day today ("YYYY-MM-DD") that have
 *  no search document: should be 0 (0 on a failed read). */
int64_t kj_figures_published_unindexed(kj_db *db, const char *today);
#endif
