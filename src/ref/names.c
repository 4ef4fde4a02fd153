/*
 * names.c — the reference data as the API publishes it (see refdata.h).
 * Pages take names and form options from the in-memory copy (refcache.h).
 */
#include "ref/refdata.h"
#include <string.h>

json_t *kj_refdata_tables(kj_db *db)
{
    return json_pack("{s:o, s:o, s:o, s:o}",
        "domains", kj_db_rows(db, "SELECT code, parent, name_zh, name_en FROM domains ORDER BY code", ""),
        "coop_modes", kj_db_rows(db, "SELECT code, name_zh, name_en FROM coop_modes ORDER BY seq", ""),
        "ip_types", kj_db_rows(db, "SELECT code, name_zh, name_en FROM ip_types ORDER BY seq", ""),
        "trl_levels", kj_db_rows(db, "SELECT level, name_zh, desc_zh, name_en, desc_en FROM trl_levels ORDER BY level", ""));
}
