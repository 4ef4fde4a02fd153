/*
 * names.c — the reference data as the API publishes it (see refdata.h).
 * Pages take names and form options from the in-memory copy (refcache.h).
 */
#include "ref/refdata.h"
#include "ref/regions.h"
#include "core/buf.h"
#include <string.h>

json_t *kj_refdata_tables(kj_db *db)
{
    return json_pack("{s:o, s:o, s:o, s:o}",
        "domains", kj_db_rows(db, "SELECT code, parent, name_zh, name_en FROM domains ORDER BY code", ""),
        "coop_modes", kj_db_rows(db, "SELECT code, name_zh, name_en FROM coop_modes ORDER BY seq", ""),
        "ip_types", kj_db_rows(db, "SELECT code, name_zh, name_en FROM ip_types ORDER BY seq", ""),
        "trl_levels", kj_db_rows(db, "SELECT level, name_zh, desc_zh, name_en, desc_en FROM trl_levels ORDER BY level", ""));
}

char *kj_region_full_name(const kj_regions *t, const char *code, const char *lang)
{
    const kj_region *chain[32];
    int n = 0;
    for (const kj_region *r = kj_regions_get(t, code); r && n < 32; r = kj_regions_get(t, r->parent)) chain[n++] = r;
    if (!n) return NULL;
    /* chain[0] is the region, chain[n-1] its province. From the city down
     * when there is a city: 市中区 alone is in two cities, 四川省乐山市市中区
     * is longer than anyone says it. */
    int top = n - 1;
    for (int i = 0; i < n - 1; i++) if (!strcmp(chain[i]->level, "city")) top = i;
    bool en = lang && !strcmp(lang, "en");
    kj_buf b = { 0 };
    for (int k = 0; k <= top; k++) {
        const kj_region *r = chain[en ? k : top - k];
        if (en && k) kj_buf_puts(&b, ", ");
        kj_buf_puts(&b, en && *r->name_en ? r->name_en : r->name_zh);
    }
    return kj_buf_steal(&b, NULL);
}
