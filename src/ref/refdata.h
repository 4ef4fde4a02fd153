/*
 * refdata.h — reference data: regions, technology domains and the other
 * code lists that ship as TSV files under <root>/data/, plus an instance's
 * own regions in <datadir>/regions.d/NAME.tsv (same columns as
 * data/regions.tsv: code, parent, level, name_zh, name_en).
 *
 * Loaded into the database at start (idempotent upserts inside one
 * transaction) when the files' content hash differs from the one stored
 * last time (table ref_state), so that an operator who extends a file sees
 * the change after a restart, queries can join on them, and an unchanged
 * start does not rewrite 44k region rows. Rows are never deleted: a code
 * that disappears from a file stays known (records may name it).
 */
#ifndef KJ_REFDATA_H
#define KJ_REFDATA_H
#include "store/store.h"
#include <stdbool.h>
#include <stddef.h>

/** Upserts every reference table from root/data and data_dir/regions.d
 *  (data_dir may be NULL) unless their hash is unchanged. Refuses (-1 with
 *  "file:line: reason") a region row with a bad code (kj_region_code_ok),
 *  a level other than province, city, district or township, no Chinese
 *  name, or a parent no file defines. Called at start-up only. */
int kj_refdata_seed(kj_db *db, const char *root, const char *data_dir, char *err, size_t errlen);
/** A well-formed region code: 1..32 characters of [A-Za-z0-9_-]. */
bool kj_region_code_ok(const char *code);

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
