/*
 * home_region.h — the instance's home region as the default of region
 * filters and pickers (issue 17 §1: a Qinghai instance opens on 青海, not
 * on 北京/天津…).
 *
 * Rules, the same for every list where a region filter applies (browse of
 * listings, the 科普 feed, the service-center directory; pages and API):
 *  - the request names no region (the parameter is absent): the list is
 *    filtered to the home region's subtree (instance profile home_region;
 *    none set: nothing changes);
 *  - region=all (or the parameter given empty, as the pickers' 全国 choice
 *    posts it): everything;
 *  - any region code: that region, as before.
 * Search is left out on purpose: a typed query already says what is
 * wanted, and it is where a peer's items (federation) must be found; its
 * region picker still lists the home region first.
 */
#ifndef KJ_WEB_HOME_REGION_H
#define KJ_WEB_HOME_REGION_H
#include "web/app.h"
#include <stdbool.h>

/** The value of a region filter that means "all of China / everything". */
#define KJ_REGION_ALL "all"

/** The region the list filters on for input name: the request's code, or
 *  the home region when the request names none (*defaulted then true), or
 *  NULL for everything ("all" or given empty; req->in keeps "all", so
 *  that pager links do). */
const char *kj_region_filter(kj_req *req, const char *name, bool *defaulted);
/** Adds to page data d, when the home region was applied: "region_default"
 *  {label, all_href} — the note that says so and the link to see
 *  everything (all_href = path?name=all). */
void kj_region_default_note(kj_req *req, json_t *d, const char *path, const char *name);
/** Whether code names a region of the installed tree (NULL/"" = everything:
 *  true). A list answers an unknown code with err.region.unknown (422), not
 *  with a silently empty list. */
bool kj_region_filter_known(kj_req *req, const char *code);
/** The home region's code ("" = none). */
const char *kj_home_region(char *out, size_t n);
#endif
