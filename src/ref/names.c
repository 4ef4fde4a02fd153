/*
 * names.c — reference-data lookups for pages and the API (see refdata.h).
 * Each query is fixed text chosen from a table here, so a table name from
 * a caller never reaches SQL.
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

char *kj_refdata_name(kj_db *db, const char *table, const char *code, bool en)
{
    static const struct { const char *table, *zh, *en; } q[] = {
        { "domains", "SELECT name_zh FROM domains WHERE code = ?", "SELECT name_en FROM domains WHERE code = ?" },
        { "regions", "SELECT name_zh FROM regions WHERE code = ?", "SELECT name_en FROM regions WHERE code = ?" },
        { "coop_modes", "SELECT name_zh FROM coop_modes WHERE code = ?", "SELECT name_en FROM coop_modes WHERE code = ?" },
        { "ip_types", "SELECT name_zh FROM ip_types WHERE code = ?", "SELECT name_en FROM ip_types WHERE code = ?" },
    };
    if (!code || !table) return NULL;
    for (size_t i = 0; i < sizeof q / sizeof *q; i++)
        if (!strcmp(q[i].table, table)) return kj_db_text(db, en ? q[i].en : q[i].zh, "s", code);
    return NULL;
}

json_t *kj_refdata_trl(kj_db *db, const char *level)
{
    return kj_db_row(db, "SELECT name_zh, desc_zh, name_en, desc_en FROM trl_levels WHERE level = ?", "s", level);
}

json_t *kj_refdata_labelled(kj_db *db, const char *table, bool en)
{
    static const struct { const char *table, *zh, *en; } q[] = {
        { "domains", "SELECT code, name_zh AS label, parent FROM domains ORDER BY code",
                     "SELECT code, name_en AS label, parent FROM domains ORDER BY code" },
        { "coop_modes", "SELECT code, name_zh AS label FROM coop_modes ORDER BY seq",
                        "SELECT code, name_en AS label FROM coop_modes ORDER BY seq" },
        { "ip_types", "SELECT code, name_zh AS label FROM ip_types ORDER BY seq",
                      "SELECT code, name_en AS label FROM ip_types ORDER BY seq" },
        { "trl_levels", "SELECT level AS code, level || ' · ' || name_zh AS label, desc_zh AS help FROM trl_levels ORDER BY level",
                        "SELECT level AS code, level || ' · ' || name_en AS label, desc_en AS help FROM trl_levels ORDER BY level" },
    };
    for (size_t i = 0; i < sizeof q / sizeof *q; i++)
        if (!strcmp(q[i].table, table)) return kj_db_rows(db, en ? q[i].en : q[i].zh, "");
    return NULL;
}
