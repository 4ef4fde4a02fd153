/*
 * refdata.h — reference data: regions, technology domains and the other
 * code lists that ship as TSV files under <root>/data/.
 *
 * Loaded into the database at every start (idempotent upserts inside one
 * transaction), so that an operator who extends a file sees the change
 * after a restart, and so that queries can join on them.
 */
#ifndef KJ_REFDATA_H
#define KJ_REFDATA_H
#include "store/store.h"
#include <stdbool.h>
#include <stddef.h>

/** Upserts every reference table from root/data. 0, or -1 with a reason. */
int kj_refdata_seed(kj_db *db, const char *root, char *err, size_t errlen);
/** Region choices for forms: [{code, level, zh, en, depth}] ordered as a
 *  tree (province, its cities, each city's districts). New ref. */
json_t *kj_refdata_region_options(kj_db *db);

/* ---- the API's copy (names.c); pages read refcache.h ---- */

/** Every code list but regions, both languages, as GET
 *  /api/v1/reference publishes it: {domains: [{code, parent, name_zh,
 *  name_en}], coop_modes, ip_types: [{code, name_zh, name_en}] by seq,
 *  trl_levels: [{level, name_zh, desc_zh, name_en, desc_en}]}. New ref,
 *  NULL when a read failed. */
json_t *kj_refdata_tables(kj_db *db);

/** Calls row(ctx, fields, n, lineno) for every data line of a TSV file
 *  (header and '#' lines skipped). Returns 0, or -1 when unreadable. */
int kj_tsv_each(const char *path, int (*row)(void *ctx, char **fields, int n, int lineno), void *ctx);
#endif
