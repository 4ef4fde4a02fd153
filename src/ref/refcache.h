/*
 * refcache.h — the reference tables (domains, regions, TRL levels,
 * cooperation modes, IP types) held in memory for display.
 *
 * Why: a browse page decorated each listing by asking the database for its
 * TRL name and each cooperation mode's name, and each page built its
 * filter menus from three more queries: 29 statements for a 20-item page,
 * 56 for the unfiltered one (Server-Timing, issue 13). From memory they
 * cost nothing, and the page is down to its session, count and rows.
 *
 * Loaded once, never refreshed: these tables are written only by
 * kj_refdata_seed at start-up (and by migrations, which run before it);
 * nothing in a running server writes them (refdata.h: an operator who
 * extends a TSV file restarts). So the snapshot is immutable after
 * kj_refcache_load, and any thread may read it without a lock. If a
 * writer ever appears, it must build a new snapshot and swap it
 * atomically (or bump a generation this module checks).
 *
 * Every string returned is borrowed from the snapshot and lives as long
 * as it: callers copy it (json_string), never incref the snapshot's JSON
 * values (their reference counts are not shared between threads).
 */
#ifndef KJ_REFCACHE_H
#define KJ_REFCACHE_H
#include "store/store.h"
#include <stdbool.h>

typedef struct kj_refcache kj_refcache;

/* The code lists held. */
typedef enum { KJ_REF_DOMAINS, KJ_REF_COOP_MODES, KJ_REF_IP_TYPES, KJ_REF_TRL_LEVELS, KJ_REF_REGIONS, KJ_REF_N } kj_ref_list;

/** Reads every reference table; NULL (with a reason in err) on error. */
kj_refcache *kj_refcache_load(kj_db *db, char *err, size_t errlen);
void kj_refcache_free(kj_refcache *r);

/** The display name of code in list, in lang ("en" or Chinese), or NULL
 *  when the code is unknown. For TRL levels the code is the level ("1".."9"). */
const char *kj_refcache_name(const kj_refcache *r, kj_ref_list list, const char *code, const char *lang);
/** A TRL level's description in lang, or NULL. */
const char *kj_refcache_trl_desc(const kj_refcache *r, const char *level, const char *lang);
/** The choices of a form's or filter's select for list (regions: only the
 *  provinces, and 四川's and 青海's cities and counties — forms ask with
 *  the cascading picker, web/region_picker.h), in lang, in
 *  display order (domains by code, modes and IP types by their sequence,
 *  TRL by level, regions as a tree: province, its cities, their districts):
 *  [{code, label, child, selected: false[, help]}] — TRL labels "N · name"
 *  with the description as help, second-level domains child, regions
 *  indented by depth. Built once at load and shared by every request:
 *  borrowed and immutable. A page adds the array's elements to its own
 *  (json_array_append: reference counts are atomic) and replaces the
 *  selected ones by copies. NULL (iterates as empty) when r is NULL. Why: building
 *  the 316 region and 115 domain choices afresh was most of a browse
 *  page's time once its queries were 3 (perf at 100k listings: malloc
 *  and jansson 70 % of the signed-in page). */
const json_t *kj_refcache_menu(const kj_refcache *r, kj_ref_list list, const char *lang);
/** A region's full name for display (malloc'd) or NULL when unknown:
 *  kj_region_full_name (regions.h), "成都市武侯区" / "Wuhou District,
 *  Chengdu". */
char *kj_refcache_region_label(const kj_refcache *r, const char *code, const char *lang);
/** The region tree (regions.h), borrowed; lives as long as r. */
const struct kj_regions *kj_refcache_regions(const kj_refcache *r);
#endif
