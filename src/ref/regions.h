/*
 * regions.h — the region tree in memory: every administrative division the
 * instance knows (data/regions.tsv, data/townships.tsv and the instance's
 * <datadir>/regions.d/NAME.tsv, loaded into table `regions` by refdata.c).
 *
 * Why not jansson rows like the other code lists (refcache.h): the tree has
 * about 44,000 rows (every county of China and every township); as compact
 * structs in one allocation it loads in a few milliseconds and costs ~3 MB,
 * where JSON objects cost several times both.
 *
 * The tree follows the `parent` column, never code prefixes: an instance's
 * own divisions (another country's, Belt-and-Road deployments) have codes
 * that are not GB/T 2260 digits. Depth 0 is the top level (provinces).
 *
 * A snapshot is immutable once kj_regions_load returns: any thread may read
 * it without a lock. Strings returned are borrowed from the snapshot.
 */
#ifndef KJ_REGIONS_H
#define KJ_REGIONS_H
#include "store/store.h"
#include <stdbool.h>
#include <stddef.h>

typedef struct kj_region {
    const char *code, *parent;  /* parent NULL at the top level */
    const char *level;          /* "province", "city", "district" or "township" */
    const char *name_zh, *name_en;
    int depth;                  /* 0 at the top level */
    size_t child0, nchild;      /* its children: kj_regions_children */
} kj_region;

typedef struct kj_regions kj_regions;

/** Reads table regions; NULL (with a reason) on a read failure. */
kj_regions *kj_regions_load(kj_db *db, char *err, size_t errlen);
void kj_regions_free(kj_regions *t);

/** The region with code, or NULL (also for NULL t or code). */
const kj_region *kj_regions_get(const kj_regions *t, const char *code);
/** The children of parent (NULL or "": the top level), ordered by code:
 *  *out points to n borrowed pointers. 0 when parent is unknown or a leaf. */
size_t kj_regions_children(const kj_regions *t, const char *parent, const kj_region *const **out);
/** The ancestor of code at depth (code's own row when it is at that
 *  depth), or NULL when code is unknown or shallower. */
const kj_region *kj_regions_ancestor(const kj_regions *t, const char *code, int depth);
/** Number of regions held. */
size_t kj_regions_count(const kj_regions *t);

/* ---- the snapshot the running process uses ----
 * Installed by the thread that opens the application, before any server
 * or worker thread starts, and removed (NULL) when it closes; the pointer
 * is atomic, the snapshot immutable, so readers need no lock. Domain code
 * that must place a code in the tree without a request (authz, listing
 * region columns, filters) reads it here. */
void kj_regions_install(const kj_regions *t);
const kj_regions *kj_regions_current(void);
/** Whether the installed tree knows code; when it does, *parent is its
 *  parent's code (NULL at the top level). The lookup authz.h is given. */
bool kj_regions_lookup_parent(const char *code, const char **parent);

/** code's depth in the installed tree (0 for a province), -1 when unknown. */
int kj_region_depth(const char *code);
/** The code of code's ancestor at depth in the installed tree (code itself
 *  at its own depth), NULL when unknown or shallower. Borrowed. */
const char *kj_region_ancestor_code(const char *code, int depth);

/** SQL for "region ? and every region under it" by the parent chain, for
 *  `col IN KJ_REGION_SUBTREE_SQL` with the region bound once. Why: GB/T
 *  2260 prefixes miss an instance's own codes (regions.h). */
#define KJ_REGION_SUBTREE_SQL \
    "(WITH RECURSIVE kj_sub(code) AS (SELECT ? UNION ALL SELECT r.code FROM regions r JOIN kj_sub ON r.parent = kj_sub.code) " \
    "SELECT code FROM kj_sub)"

/** A location as people say it (names.c): from the city down, Chinese
 *  without separators ("乐山市市中区", "德阳市旌阳区孝泉镇"), English from
 *  the bottom up ("Shizhong District, Leshan"); the province is named
 *  only when the path has no city level (municipalities: "北京市东城区")
 *  or the region is a province. malloc'd, NULL when code is unknown. */
char *kj_region_full_name(const kj_regions *t, const char *code, const char *lang);
#endif
