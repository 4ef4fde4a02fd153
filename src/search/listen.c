/*
 * listen.c — the search index hears the market's listing changes
 * (market.h: kj_listing_listen), so that the market never calls search.
 */
#include "search/search.h"

static int on_listing_change(void *ctx, kj_db *db, const kj_listing_event *ev)
{
    (void)ctx;
    switch (ev->what) {
    case KJ_LISTING_CHANGED: return kj_search_sync_listing(db, ev->id, ev->notify);
    case KJ_LISTING_ADDED:   return kj_search_add_listing_deferred(db, ev->id, ev->row, ev->notify, !ev->match_later);
    case KJ_STUDIO_CHANGED:  return kj_search_sync_studio(db, ev->id);
    /* Best effort, after the commit: a bulk load leaves the index in many
     * segments that every query reads (see kj_search_optimize). */
    case KJ_LISTINGS_LOADED:
        if (ev->id && kj_match_queue_origin(db, ev->id, json_integer_value(json_object_get(ev->row, "since"))) < 0) return -1;
        if (!ev->id || json_integer_value(json_object_get(ev->row, "count")) >= KJ_SEARCH_OPTIMIZE_ROWS) kj_search_optimize(db);
        return 0;
    }
    return 0;
}

int kj_search_listen(void) { return kj_listing_listen(on_listing_change, NULL); }
