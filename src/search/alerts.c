/*
 * alerts.c — subscriptions and the alerts raised when a listing is
 * published: a saved search that the new listing satisfies (its query
 * matches and its filters hold), or a new match above the subscriber's
 * threshold for one of their listings. Alerts are in-app notifications;
 * kj_alert_hook lets the e-mail digest (a later issue) hear about them.
 */
#include "search/search.h"
#include "core/json_util.h"
#include "search/backend.h"
#include "market/filters.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/validate.h"
#include "notify/notify.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void no_hook(kj_db *db, const char *user_id, const char *kind, const char *listing_id) {}
void (*kj_alert_hook)(kj_db *db, const char *user_id, const char *kind, const char *listing_id) = no_hook;

/* Browse filters stored with a saved search, back into a query. The
 * strings stay owned by filters. */
static void filters_to_query(json_t *filters, kj_listing_query *q)
{
    memset(q, 0, sizeof *q);
    q->kind = kj_jstr(filters, "kind");
    q->price_min_fen = q->price_max_fen = -1;
    kj_listing_filters_from_json(q, filters);
}

/* Whether a new listing answers a saved search: it passes the search's
 * filters and holds every word of its query — the listings that search
 * shows first; one sharing a single common word is not news. */
static bool search_matches(kj_db *db, json_t *sub, const char *listing_id)
{
    const char *query = kj_jstr(sub, "query");
    const kj_search_backend *sb = kj_search_backend_of(db);
    char *expr = kj_search_expr_in(kj_search_analyzer(db), sb, query, strlen(query), 32, true, NULL, NULL);
    if (!expr) return false;
    kj_listing_query q;
    filters_to_query(json_object_get(sub, "filters"), &q);
    bool hit = sb->doc_matches(db, expr, listing_id, &q);
    free(expr);
    return hit;
}

int kj_alerts_for_new_listing(kj_db *db, const char *listing_id);
int kj_alerts_for_new_listing(kj_db *db, const char *listing_id)
{
    json_t *l = kj_db_row(db, "SELECT id, title, owner_id FROM listings WHERE id = ?", "s", listing_id);
    if (!l) return 0;
    char link[64];
    snprintf(link, sizeof link, "/listings/%s", listing_id);
    int raised = 0;
    json_t *subs = kj_db_rows(db, "SELECT id, user_id, query, filters AS filters__json FROM subscriptions "
                                  "WHERE kind = 'search' AND user_id <> ?", "s", kj_jstr(l, "owner_id"));
    size_t i;
    json_t *s;
    json_array_foreach(subs, i, s) {
        if (!search_matches(db, s, listing_id)) continue;
        kj_notify(db, kj_jstr(s, "user_id"), "alert_search", kj_jstr(l, "title"), link);
        kj_alert_hook(db, kj_jstr(s, "user_id"), "alert_search", listing_id);
        raised++;
    }
    json_decref(subs);
    /* Subscribers to matches of their own listings that now pair with this one. */
    json_t *pairs = kj_db_rows(db,
        "SELECT s.user_id, s.threshold, m.score FROM matches m JOIN subscriptions s ON s.kind = 'matches' "
        " AND s.listing_id = CASE WHEN m.demand_id = ? THEN m.offer_id ELSE m.demand_id END "
        "WHERE (m.demand_id = ? OR m.offer_id = ?) AND m.score >= s.threshold", "sss", listing_id, listing_id, listing_id);
    json_array_foreach(pairs, i, s) {
        kj_notify(db, kj_jstr(s, "user_id"), "alert_match", kj_jstr(l, "title"), link);
        kj_alert_hook(db, kj_jstr(s, "user_id"), "alert_match", listing_id);
        raised++;
    }
    json_decref(pairs);
    json_decref(l);
    return raised;
}

int kj_subscribe(kj_db *db, json_t *user, const char *kind, const char *query, json_t *filters,
                 const char *listing_id, double threshold, char *id_out, kj_err *e)
{
    if (!kind || (strcmp(kind, "search") && strcmp(kind, "matches"))) return kj_err_set(e, KJ_E_INVALID, "err.field.choice", "type");
    if (!strcmp(kind, "search")) {
        char *expr = query ? kj_search_match_expr(kj_search_analyzer(db), query, strlen(query), 32, NULL) : NULL;
        if (!expr) return kj_err_set(e, KJ_E_INVALID, "err.search.empty", "q");
        free(expr);
    } else {
        json_t *l = listing_id ? kj_listing_get(db, listing_id) : NULL;
        bool owner = l && kj_listing_is_owner(db, l, user);
        json_decref(l);
        if (!owner) return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", "listing_id");
    }
    if (threshold < 0 || threshold > 1) return kj_err_set(e, KJ_E_INVALID, "err.field.range", "threshold");
    /* The cap is counted by the insert itself (one statement, atomic):
     * requests racing for the last place cannot all pass a count made
     * before it. */
    kj_id id = kj_id_new();
    int added = kj_db_exec(db, "INSERT INTO subscriptions(id, user_id, kind, query, filters, listing_id, threshold, created_at) "
                               "SELECT ?,?,?,?,?,?,?,? WHERE (SELECT count(*) FROM subscriptions WHERE user_id = ?2) < 100",
                           "ssssjsdi", id.s, kj_jstr(user, "id"), kind, query ? query : "",
                           filters, !strcmp(kind, "matches") ? listing_id : NULL, threshold, kj_now_ms());
    if (added < 0) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    if (added == 0) return kj_err_set(e, KJ_E_INVALID, "err.subscription.too_many", NULL);
    snprintf(id_out, KJ_ID_LEN + 1, "%s", id.s);
    return 0;
}

json_t *kj_subscriptions(kj_db *db, json_t *user)
{
    json_t *rows = kj_db_rows(db, "SELECT s.id, s.kind, s.query, s.filters AS filters__json, s.listing_id, s.threshold, "
                                  "s.created_at, l.title AS listing_title FROM subscriptions s "
                                  "LEFT JOIN listings l ON l.id = s.listing_id WHERE s.user_id = ? ORDER BY s.created_at DESC",
                              "s", kj_jstr(user, "id"));
    return rows ? rows : json_array();
}

int kj_unsubscribe(kj_db *db, json_t *user, const char *id)
{
    return kj_db_exec(db, "DELETE FROM subscriptions WHERE id = ? AND user_id = ?", "ss", id, kj_jstr(user, "id")) > 0 ? 0 : -1;
}
