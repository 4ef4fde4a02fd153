/*
 * shared.c — which of this instance's listings each peer has been served
 * (fed.h, kj_fed_note_shared): the statistics' "shared with" a peer
 * (stats/, issue 18). The feed is pulled, so serving a page to a signed
 * peer is the moment a listing is shared with it; the first time counts.
 */
#include "fed/fed.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "core/log.h"
#include <stdbool.h>
#include <string.h>

int kj_fed_note_shared(kj_db *db, const char *peer_id, json_t *page)
{
    json_t *items = json_object_get(page, "items");
    if (!peer_id || !json_array_size(items)) return 0;
    /* Only a page with a live listing takes the write lock. */
    size_t k;
    json_t *x;
    bool any = false;
    json_array_foreach(items, k, x)
        if (!json_is_true(json_object_get(x, "deleted")) && !strcmp(kj_jstr_or_empty(x, "type"), "listing")) any = true;
    if (!any) return 0;
    int64_t now = kj_now_ms();
    if (kj_db_begin(db) < 0) return -1;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        /* Withdrawals are changes, not listings shared. */
        if (json_is_true(json_object_get(it, "deleted")) || strcmp(kj_jstr_or_empty(it, "type"), "listing")) continue;
        if (kj_db_exec(db, "INSERT INTO fed_shared(peer_id, item_id, first_at) VALUES (?,?,?) "
                           "ON CONFLICT (peer_id, item_id) DO NOTHING", "ssi", peer_id, kj_jstr_or_empty(it, "id"), now) < 0) {
            kj_db_rollback(db);
            return -1;
        }
    }
    return kj_db_commit(db) < 0 ? -1 : 0;
}
