/*
 * figures.c — whole-table figures for health, metrics and the home page
 * (see figures.h).
 */
#include "ops/figures.h"
#include "search/backend.h"

bool kj_figures_db_alive(kj_db *db) { return kj_db_int(db, -1, "SELECT 1", "") == 1; }

int64_t kj_figures_users(kj_db *db) { return kj_db_int(db, 0, "SELECT count(*) FROM users", ""); }

int64_t kj_figures_orgs(kj_db *db) { return kj_db_int(db, 0, "SELECT count(*) FROM orgs", ""); }

int64_t kj_figures_published_unindexed(kj_db *db, const char *today)
{
    /* The index is the search backend's (search/backend.h). */
    return kj_search_backend_of(db)->unindexed(db, today);
}
