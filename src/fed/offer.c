/*
 * offer.c — what this instance shares with its peers (fed.h): the kinds
 * offered, chosen by the operator (admin page, API, `kejiyun peer
 * shares`), and what a peer does when an origin stops offering a kind.
 *
 * For all peers at once, not per peer: the feed carries only what this
 * instance already shows the public (published listings without contacts,
 * studios' public profiles, published 科普, open 揭榜), so offering a kind
 * to one peer and not to another would keep nothing from anybody; the
 * trust decisions between two instances are the receiving side's (which
 * kinds it takes from each peer, kj_fed_peer_kinds) and either side's
 * suspension. One list is also what the public, signed instance document
 * can state (its "shares"), which a peer's operator reads before peering.
 *
 * Kept in the meta row "fed_shares" (a JSON array of kind names; absent:
 * every kind, as before the choice existed).
 *
 * A kind no longer offered: its feed answers 404 with the problem code
 * err.fed.not_shared, and a peer that gets that answer drops every item of
 * that kind it holds from us (kj_fed_drop_kind) and forgets its cursor, so
 * that no stale copy stays and offering the kind again sends everything
 * anew. Peers harvest every fed_sync_ms (15 s): within a minute.
 */
#include "fed/fed.h"
#include "fed/fed_int.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "core/log.h"
#include "market/market.h"
#include <stdlib.h>
#include <string.h>

json_t *kj_fed_offered(kj_db *db)
{
    char *v = kj_db_text(db, "SELECT value FROM meta WHERE key = 'fed_shares'", "");
    json_t *stored = v ? json_loads(v, 0, NULL) : NULL;
    free(v);
    json_t *out = json_array();
    /* In the order of kj_fed_kind_names, only names known to this version. */
    for (const char *const *k = kj_fed_kind_names; *k; k++) {
        bool on = !json_is_array(stored);
        size_t i;
        json_t *s;
        json_array_foreach(stored, i, s) if (json_is_string(s) && !strcmp(json_string_value(s), *k)) on = true;
        if (on) json_array_append_new(out, json_string(*k));
    }
    json_decref(stored);
    return out;
}

bool kj_fed_offers(kj_db *db, const char *type)
{
    json_t *o = kj_fed_offered(db);
    bool on = false;
    size_t i;
    json_t *s;
    json_array_foreach(o, i, s) if (!strcmp(json_string_value(s), type && *type ? type : "listing")) on = true;
    json_decref(o);
    return on;
}

int kj_fed_set_offered(kj_db *db, json_t *actor, json_t *kinds, const char *reason, kj_err *fail)
{
    if (actor && !kj_authz_may_manage_federation(actor)) return kj_err_set(fail, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    if (kinds && !json_is_array(kinds)) return kj_err_set(fail, KJ_E_INVALID, "err.fed.kind", "kinds");
    json_t *clean = json_array();
    for (const char *const *k = kj_fed_kind_names; *k; k++) {
        size_t i;
        json_t *s;
        json_array_foreach(kinds, i, s) if (json_is_string(s) && !strcmp(json_string_value(s), *k)) { json_array_append_new(clean, json_string(*k)); break; }
    }
    size_t i;
    json_t *s;
    json_array_foreach(kinds, i, s)
        if (!kj_fed_kind_known(json_string_value(s))) { json_decref(clean); return kj_err_set(fail, KJ_E_INVALID, "err.fed.kind", "kinds"); }
    char *text = json_dumps(clean, JSON_COMPACT);
    int rc = 0;
    if (!text || kj_db_begin(db)) rc = kj_err_set(fail, KJ_E_INTERNAL, "err.internal", NULL);
    else {
        json_t *before = kj_fed_offered(db);
        json_t *detail = json_pack("{s:O, s:O}", "from", before, "to", clean);
        if (kj_db_exec(db, "INSERT INTO meta(key, value) VALUES ('fed_shares', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                       "s", text) < 0 ||
            kj_audit_write(db, kj_user_id(actor), "fed.offer", "instance", "fed_shares", reason ? reason : "", detail) ||
            kj_db_commit(db)) {
            kj_db_rollback(db);
            rc = kj_err_set(fail, KJ_E_INTERNAL, "err.internal", NULL);
        }
        json_decref(detail);
        json_decref(before);
    }
    free(text);
    json_decref(clean);
    return rc;
}

int kj_fed_drop_kind(kj_db *db, json_t *peer, const char *type)
{
    const char *pid = kj_jstr(peer, "id"), *origin = kj_jstr(peer, "instance_id");
    const kj_fed_kind *k = strcmp(type, "listing") ? kj_fed_kind_get(type) : NULL;
    if (!pid || !origin || (strcmp(type, "listing") && !k)) return -1;
    /* Asked again every round while the origin keeps the kind off: once
     * dropped, nothing is left to do, and a round that finds so writes
     * nothing (no write lock, no commit that would end every response
     * cache, no rewritten rows). The transaction below makes its own
     * writes conditional on the same state, so an item taken in between
     * (none can be: this peer's rounds are one thread's) would be dropped
     * there or by the next round. */
    int64_t left = kj_db_int(db, -1, "SELECT count(*) FROM fed_items WHERE peer_id = ? AND type = ? AND "
                             "NOT (origin_status = 'withdrawn' AND version = 0)", "ss", pid, type);
    int64_t cursor = k ? kj_db_int(db, -1, "SELECT count(*) FROM fed_cursors WHERE peer_id = ? AND type = ?", "ss", pid, type)
                       : kj_db_int(db, -1, "SELECT count(*) FROM fed_peers WHERE id = ? AND cursor <> ''", "s", pid);
    if (left == 0 && cursor == 0) return 0;
    if (kj_db_begin(db)) return -1;
    json_t *held = kj_db_rows(db, "SELECT item_id FROM fed_items WHERE peer_id = ? AND type = ? AND origin_status = 'published'",
                              "ss", pid, type);
    int rc = held ? 0 : -1;
    int64_t now = kj_now_ms();
    size_t i;
    json_t *r;
    json_array_foreach(held, i, r) {
        if (rc) break;
        const char *id = kj_jstr(r, "item_id");
        if (k) rc = k->remove(db, id, origin);
        else if (kj_db_exec(db, "UPDATE listings SET status = 'withdrawn', updated_at = ? WHERE id = ? AND origin = ?", "iss", now, id, origin) < 0 ||
                 kj_listing_publish(db, &(kj_listing_event){ .what = KJ_LISTING_CHANGED, .id = id }))
            rc = -1;
    }
    /* Version 0: offered again, every item is taken anew (from an empty cursor); hidden ones stay hidden. */
    if (rc == 0 && kj_db_exec(db, "UPDATE fed_items SET origin_status = 'withdrawn', version = 0, received_at = ? WHERE peer_id = ? AND type = ? "
                              "AND NOT (origin_status = 'withdrawn' AND version = 0)", "iss", now, pid, type) < 0)
        rc = -1;
    if (rc == 0 && (k ? kj_db_exec(db, "DELETE FROM fed_cursors WHERE peer_id = ? AND type = ?", "ss", pid, type)
                      : kj_db_exec(db, "UPDATE fed_peers SET cursor = '' WHERE id = ? AND cursor <> ''", "s", pid)) < 0)
        rc = -1;
    if (rc == 0 && kj_db_commit(db)) rc = -1;
    if (rc) { kj_db_rollback(db); json_decref(held); return -1; }
    int n = (int)json_array_size(held);
    json_decref(held);
    if (n) kj_log_info("federation: %s no longer shares %s: %d held item(s) dropped", kj_jstr_or_empty(peer, "url"), type, n);
    return n;
}
