/*
 * browse.c — finding listings: filtered, sorted, paged browse; a user's own
 * listings; the review queue; expiry and reminders; favourites.
 *
 * Browse SQL is assembled from fixed fragments, one per filter; every
 * value is a bound parameter, never text pasted into the SQL.
 */
#include "market/market.h"
#include "core/json_util.h"
#include "market/filters.h"
#include "market/browse_memo.h"
#include "authz/authz.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/log.h"
#include "notify/notify.h"
#include <stdio.h>
#include <string.h>

#define SUMMARY_COLUMNS \
    "l.id, l.kind, l.subtype, l.title, l.summary, l.lang, l.domain, l.region, l.trl, l.trl_min, l.price_kind, " \
    "l.price_min_fen, l.price_max_fen, l.coop_modes AS coop_modes__json, l.keywords AS keywords__json, " \
    "l.valid_until, l.deadline, l.published_at, l.anonymous, l.open_for_interest, l.status, " \
    "l.owner_id, l.studio_id, l.org_id, u.name AS owner_name, s.name AS studio_name, o.name AS org_name, " \
    "o.verified_at IS NOT NULL AS org_verified, " \
    "d.name_zh AS domain_zh, d.name_en AS domain_en, r.name_zh AS region_zh, r.name_en AS region_en, " \
    KJ_LISTING_ORIGIN_COLUMNS

#define SUMMARY_FROM \
    " FROM listings l JOIN users u ON u.id = l.owner_id LEFT JOIN studios s ON s.id = l.studio_id " \
    "LEFT JOIN orgs o ON o.id = l.org_id LEFT JOIN domains d ON d.code = l.domain " \
    "LEFT JOIN regions r ON r.code = l.region"

typedef struct { const char *name, *sql; } sort_order;

static const sort_order sorts[] = {
    { "newest",     " ORDER BY l.published_at DESC, l.id DESC" },
    { "deadline",   " ORDER BY coalesce(l.deadline, l.valid_until) ASC, l.id" },
    { "price_asc",  " ORDER BY l.price_min_fen IS NULL, l.price_min_fen ASC, l.id" },
    { "price_desc", " ORDER BY l.price_max_fen IS NULL, l.price_max_fen DESC, l.id" },
};

static const char *order_sql(const char *name)
{
    for (size_t i = 0; name && i < sizeof sorts / sizeof *sorts; i++)
        if (!strcmp(sorts[i].name, name)) return sorts[i].sql;
    return sorts[0].sql;
}

/* Appends "AND <fragment>" with its parameter. */
static void where_s(kj_buf *sql, json_t *params, const char *fragment, const char *value)
{
    kj_buf_puts(sql, fragment);
    json_array_append_new(params, json_string(value));
}

void kj_listing_filter_sql(const kj_listing_query *q, kj_buf *sql, json_t *params)
{
    char today[16];
    kj_format_date(kj_now_ms(), today, sizeof today);
    if (q->status) where_s(sql, params, " AND l.status = ?", q->status);
    else where_s(sql, params, " AND l.status = 'published' AND l.valid_until >= ?", today);
    if (q->kind) where_s(sql, params, " AND l.kind = ?", q->kind);
    /* The browse filters, in their table's order (filters.h). */
    for (const kj_listing_filter *f = kj_listing_filters; f->name; f++) f->sql(q, sql, params);
    if (q->studio_id) where_s(sql, params, " AND l.studio_id = ? AND l.anonymous = 0", q->studio_id);
    if (q->org_id) where_s(sql, params, " AND l.org_id = ? AND l.anonymous = 0", q->org_id);
    if (q->owner_id) where_s(sql, params, " AND l.owner_id = ?", q->owner_id);
    if (q->q_title && *q->q_title) {
        kj_buf like = { 0 };
        kj_buf_puts(&like, "%");
        for (const char *p = q->q_title; *p; p++) {
            if (*p == '%' || *p == '_' || *p == '\\') kj_buf_puts(&like, "\\");
            kj_buf_append(&like, p, 1);
        }
        kj_buf_puts(&like, "%");
        where_s(sql, params, " AND lower(l.title) LIKE lower(?) ESCAPE '\\'", like.data);
        kj_buf_free(&like);
    }
}

json_t *kj_listing_browse(kj_db *db, const kj_listing_query *q, int64_t *total)
{
    kj_buf where = { 0 };
    json_t *params = json_array();
    kj_listing_filter_sql(q, &where, params);
    kj_buf sql = { 0 };
    kj_buf_printf(&sql, "SELECT count(*) FROM listings l WHERE 1=1%s", where.data ? where.data : "");
    /* The count is the part whose cost grows with the data: remembered
     * until the next write (browse_memo.c). */
    uint64_t generation;
    int64_t remembered = 0;
    if (kj_browse_memo_get(db, sql.data, params, &remembered, &generation) && !q->fresh) {
        *total = remembered;
    } else {
        *total = kj_db_int_j(db, 0, sql.data, params);
        kj_browse_memo_put(db, sql.data, params, generation, *total);
    }
    kj_buf_reset(&sql);
    int per_page = q->per_page > 0 ? q->per_page : 20;
    int page = q->page > 0 ? q->page : 1;
    /* The page's ids first (from the covering indexes of migrations 011
     * and 022: in newest-first order, the walk stops after the page), then
     * only those rows with their joins: owner, studio, organization, domain
     * and region names in the same statement. */
    const char *order = order_sql(q->sort);
    kj_buf_printf(&sql, "SELECT " SUMMARY_COLUMNS " FROM (SELECT l.id FROM listings l WHERE 1=1%s%s LIMIT ? OFFSET ?) page "
                        "JOIN listings l ON l.id = page.id JOIN users u ON u.id = l.owner_id "
                        "LEFT JOIN studios s ON s.id = l.studio_id LEFT JOIN orgs o ON o.id = l.org_id "
                        "LEFT JOIN domains d ON d.code = l.domain LEFT JOIN regions r ON r.code = l.region%s",
                  where.data ? where.data : "", order, order);
    json_array_append_new(params, json_integer(per_page));
    json_array_append_new(params, json_integer((int64_t)(page - 1) * per_page));
    json_t *rows = kj_db_rows_j(db, sql.data, params);
    kj_buf_free(&sql);
    kj_buf_free(&where);
    json_decref(params);
    if (!rows) return json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) kj_listing_redact(r, false);
    return rows;
}

json_t *kj_listing_newest(kj_db *db, const char *const *kinds, int per_kind)
{
    json_t *out = json_object();
    if (per_kind < 1) per_kind = 1;
    if (per_kind > 20) per_kind = 20;
    char today[16];
    kj_format_date(kj_now_ms(), today, sizeof today);
    /* One arm per kind, each walking listings_browse_all newest first and
     * stopping after per_kind entries (migration 022), then only those rows
     * with their joins, as kj_listing_browse does. */
    kj_buf sql = { 0 };
    json_t *params = json_array();
    kj_buf_puts(&sql, "SELECT " SUMMARY_COLUMNS " FROM (");
    int n = 0;
    for (const char *const *k = kinds; k && *k && n < 3; k++, n++) {
        json_object_set_new(out, *k, json_array());
        kj_buf_printf(&sql, "%sSELECT id FROM (SELECT l.id FROM listings l WHERE l.status = 'published' AND l.kind = ? "
                            "AND l.valid_until >= ? ORDER BY l.published_at DESC, l.id DESC LIMIT ?) arm%d", n ? " UNION ALL " : "", n);
        json_array_append_new(params, json_string(*k));
        json_array_append_new(params, json_string(today));
        json_array_append_new(params, json_integer(per_kind));
    }
    kj_buf_puts(&sql, ") page JOIN listings l ON l.id = page.id JOIN users u ON u.id = l.owner_id "
                      "LEFT JOIN studios s ON s.id = l.studio_id LEFT JOIN orgs o ON o.id = l.org_id "
                      "LEFT JOIN domains d ON d.code = l.domain LEFT JOIN regions r ON r.code = l.region "
                      "ORDER BY l.published_at DESC, l.id DESC");
    json_t *rows = n ? kj_db_rows_j(db, sql.data, params) : NULL;
    kj_buf_free(&sql);
    json_decref(params);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        kj_listing_redact(r, false);
        json_t *list = json_object_get(out, kj_jstr(r, "kind"));
        if (list) json_array_append(list, r);
    }
    json_decref(rows);
    return out;
}

json_t *kj_listing_mine(kj_db *db, json_t *user)
{
    json_t *rows = kj_db_rows(db, "SELECT " SUMMARY_COLUMNS ", l.reject_reason, l.pending_revision, l.updated_at, "
                                  "(SELECT count(*) FROM eois e WHERE e.listing_id = l.id AND e.status = 'pending') AS pending_eois"
                                  SUMMARY_FROM " WHERE l.owner_id = ? OR l.studio_id IN "
                                  "(SELECT studio_id FROM studio_members WHERE user_id = ? AND status = 'active') "
                                  "ORDER BY l.updated_at DESC", "ss", kj_jstr(user, "id"), kj_jstr(user, "id"));
    return rows ? rows : json_array();
}

json_t *kj_review_queue(kj_db *db, json_t *user)
{
    json_t *rows = kj_db_rows(db, "SELECT " SUMMARY_COLUMNS ", l.pending_revision, l.updated_at" SUMMARY_FROM
                                  " WHERE (l.status = 'submitted' OR (l.status = 'published' AND l.pending_revision IS NOT NULL))"
                                  " AND l.owner_id <> ? ORDER BY l.updated_at ASC", "s", kj_jstr(user, "id"));
    json_t *items = json_array(), *counts = json_pack("{s:i, s:i, s:i, s:i, s:i}", "achievement", 0, "service", 0,
                                                      "demand", 0, "new", 0, "edits", 0);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        if (!kj_authz_can_review_region(user, kj_jstr(r, "region"))) continue;
        const char *kind = kj_jstr(r, "kind");
        json_object_set_new(counts, kind, json_integer(json_integer_value(json_object_get(counts, kind)) + 1));
        bool edit = !strcmp(kj_jstr(r, "status"), "published");
        json_object_set_new(counts, edit ? "edits" : "new", json_integer(json_integer_value(json_object_get(counts, edit ? "edits" : "new")) + 1));
        json_object_set_new(r, "is_edit", json_boolean(edit));
        json_array_append(items, r);
    }
    json_decref(rows);
    json_object_set_new(counts, "total", json_integer((json_int_t)json_array_size(items)));
    return json_pack("{s:o, s:o}", "items", items, "counts", counts);
}

int kj_market_tick(kj_db *db)
{
    char today[16], soon[16];
    kj_format_date(kj_now_ms(), today, sizeof today);
    kj_format_date(kj_now_ms() + 14 * KJ_DAY_MS, soon, sizeof soon);
    int changed = 0;
    json_t *due = kj_db_rows(db, "SELECT id, owner_id, title, status FROM listings WHERE status = 'published' AND valid_until < ?",
                             "s", today);
    size_t i;
    json_t *r;
    json_array_foreach(due, i, r) {
        const char *id = kj_jstr(r, "id");
        kj_id ev = kj_id_new();
        char link[64];
        snprintf(link, sizeof link, "/listings/%s", id);
        if (kj_db_begin(db)) continue;
        int rc = kj_db_exec(db, "UPDATE listings SET status = 'expired', updated_at = ? WHERE id = ? AND status = 'published'",
                            "is", kj_now_ms(), id);
        if (rc > 0 && kj_db_exec(db, "INSERT INTO listing_events(id, listing_id, actor_id, action, from_status, to_status, created_at) "
                                     "VALUES (?,?,NULL,'expire','published','expired',?)", "ssi", ev.s, id, kj_now_ms()) < 0) rc = -1;
        if (rc > 0 && kj_notify(db, kj_jstr(r, "owner_id"), "listing_expired", kj_jstr(r, "title"), link) < 0) rc = -1;
        if (rc > 0) kj_listing_publish(db, &(kj_listing_event){ .what = KJ_LISTING_CHANGED, .id = id });
        /* No one to tell here: a failure is logged and the listing expires on a later round. */
        if (rc < 0) kj_db_rollback(db);
        if (rc < 0 || kj_db_commit(db)) kj_log_error("market: expiring listing %s failed; tried again next round", id);
        else if (rc > 0) changed++;
    }
    json_decref(due);
    json_t *remind = kj_db_rows(db, "SELECT id, owner_id, title FROM listings WHERE status = 'published' AND reminder_sent = 0 "
                                    "AND valid_until <= ? AND valid_until >= ?", "ss", soon, today);
    /* Each reminder is claimed (reminder_sent 0 -> 1) in the transaction
     * that tells the owner: two rounds at once (the job and a test tick, or
     * a round overlapping the next on a busy machine) both read the listing
     * as not reminded, and only the one whose UPDATE changed the row tells.
     * Telling first and marking after sent it twice (PostgreSQL lane). */
    json_array_foreach(remind, i, r) {
        const char *id = kj_jstr(r, "id");
        char link[64];
        snprintf(link, sizeof link, "/listings/%s", id);
        if (kj_db_begin(db)) continue;
        int rc = kj_db_exec(db, "UPDATE listings SET reminder_sent = 1 WHERE id = ? AND reminder_sent = 0", "s", id);
        if (rc > 0 && kj_notify(db, kj_jstr(r, "owner_id"), "listing_expiring", kj_jstr(r, "title"), link) < 0) rc = -1;
        if (rc < 0) kj_db_rollback(db);
        if (rc < 0 || kj_db_commit(db)) kj_log_error("market: reminder for listing %s failed; tried again next round", id);
        else if (rc > 0) changed++;
    }
    json_decref(remind);
    return changed;
}

/* ---- favourites ---- */

int kj_favourite_set(kj_db *db, json_t *user, const char *listing_id, bool on)
{
    if (!on) return kj_db_exec(db, "DELETE FROM favourites WHERE user_id = ? AND listing_id = ?", "ss", kj_jstr(user, "id"), listing_id) < 0 ? -1 : 0;
    if (!kj_db_int(db, 0, "SELECT count(*) FROM listings WHERE id = ? AND status IN ('published','closed','expired')", "s", listing_id))
        return -1;
    return kj_db_exec(db, "INSERT INTO favourites(user_id, listing_id, created_at) VALUES (?,?,?) ON CONFLICT DO NOTHING",
                      "ssi", kj_jstr(user, "id"), listing_id, kj_now_ms()) < 0 ? -1 : 0;
}

json_t *kj_favourite_list(kj_db *db, json_t *user)
{
    json_t *rows = kj_db_rows(db, "SELECT " SUMMARY_COLUMNS SUMMARY_FROM " JOIN favourites f ON f.listing_id = l.id "
                                  "WHERE f.user_id = ? AND l.status IN ('published','closed','expired') ORDER BY f.created_at DESC",
                              "s", kj_jstr(user, "id"));
    if (!rows) return json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) kj_listing_redact(r, false);
    return rows;
}
