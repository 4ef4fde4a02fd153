/*
 * figures.c — whole-table figures for health, metrics and the home page
 * (see figures.h).
 */
#include "ops/figures.h"

bool kj_figures_db_alive(kj_db *db) { return kj_db_int(db, -1, "SELECT 1", "") == 1; }

int64_t kj_figures_users(kj_db *db) { return kj_db_int(db, 0, "SELECT count(*) FROM users", ""); }

int64_t kj_figures_orgs(kj_db *db) { return kj_db_int(db, 0, "SELECT count(*) FROM orgs", ""); }

int64_t kj_figures_published_unindexed(kj_db *db, const char *today)
{
    return kj_db_int(db, 0, "SELECT count(*) FROM listings l WHERE l.status = 'published' AND l.valid_until >= ? "
                            "AND NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.doc_id = l.id)", "s", today);
}
