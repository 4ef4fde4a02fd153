/*
 * filters.c — the browse filters' table (filters.h): how each is set on a
 * kj_listing_query and the SQL it adds.
 */
#include "market/filters.h"
#include "ref/regions.h"
#include "core/clock.h"
#include "core/origin.h"
#include "core/validate.h"
#include <string.h>

/* Appends fragment with its parameter. */
static void where_s(kj_buf *sql, json_t *params, const char *fragment, const char *value)
{
    kj_buf_puts(sql, fragment);
    json_array_append_new(params, json_string(value));
}

static void where_i(kj_buf *sql, json_t *params, const char *fragment, int64_t value)
{
    kj_buf_puts(sql, fragment);
    json_array_append_new(params, json_integer(value));
}

static void set_domain(kj_listing_query *q, const char *t, int64_t n) { (void)n; q->domain = t; }
static void set_region(kj_listing_query *q, const char *t, int64_t n) { (void)n; q->region = t; }
static void set_trl_min(kj_listing_query *q, const char *t, int64_t n) { (void)t; q->trl_min = (int)n; }
static void set_trl_max(kj_listing_query *q, const char *t, int64_t n) { (void)t; q->trl_max = (int)n; }
static void set_mode(kj_listing_query *q, const char *t, int64_t n) { (void)n; q->mode = t; }
static void set_price_min(kj_listing_query *q, const char *t, int64_t n) { (void)t; q->price_min_fen = n; }
static void set_price_max(kj_listing_query *q, const char *t, int64_t n) { (void)t; q->price_max_fen = n; }
static void set_within(kj_listing_query *q, const char *t, int64_t n) { (void)t; q->within_days = (int)n; }
static void set_origin(kj_listing_query *q, const char *t, int64_t n) { (void)n; q->origin = t && *t ? t : NULL; }

static bool on_domain(const kj_listing_query *q) { return q->domain; }
static bool on_region(const kj_listing_query *q) { return q->region; }
static bool on_trl_min(const kj_listing_query *q) { return q->trl_min; }
static bool on_trl_max(const kj_listing_query *q) { return q->trl_max; }
static bool on_mode(const kj_listing_query *q) { return q->mode; }
static bool on_price_min(const kj_listing_query *q) { return q->price_min_fen >= 0; }
static bool on_price_max(const kj_listing_query *q) { return q->price_max_fen >= 0; }
static bool on_within(const kj_listing_query *q) { return q->within_days; }
static bool on_origin(const kj_listing_query *q) { return q->origin; }

/* A first-level domain code (3 characters) takes its subdomains. */
static void sql_domain(const kj_listing_query *q, kj_buf *sql, json_t *params)
{
    if (q->domain) where_s(sql, params, strlen(q->domain) == 3 ? " AND l.domain1 = ?" : " AND l.domain = ?", q->domain);
}

/* A region takes the places under it, by the tree (ref/regions.h): a
 * province and a city through the listing's own columns (indexed), a
 * county through its subtree (its townships), an unknown code only itself. */
static void sql_region(const kj_listing_query *q, kj_buf *sql, json_t *params)
{
    if (!q->region) return;
    int depth = kj_region_depth(q->region);
    /* A city names its province too: every browse index leads with the
     * province, and without it a city's page 50 walked every listing of
     * its kind (41 ms at 100k; 0.03 ms with it). The same value the
     * listing's column was filled from (market/listing.c). */
    const char *prov = depth == 1 ? kj_region_ancestor_code(q->region, 0) : NULL;
    if (prov) where_s(sql, params, " AND l.region_province = ?", prov);
    const char *col = depth == 0 ? " AND l.region_province = ?" : depth == 1 ? " AND l.region_city = ?"
                    : depth > 1 ? " AND l.region IN " KJ_REGION_SUBTREE_SQL : " AND l.region = ?";
    where_s(sql, params, col, q->region);
}

/* TRL: offers by their level, demands by their minimum. */
static void sql_trl_min(const kj_listing_query *q, kj_buf *sql, json_t *params)
{
    if (q->trl_min > 0) where_i(sql, params, " AND coalesce(l.trl, l.trl_min) >= ?", q->trl_min);
}

static void sql_trl_max(const kj_listing_query *q, kj_buf *sql, json_t *params)
{
    if (q->trl_max > 0) where_i(sql, params, " AND coalesce(l.trl, l.trl_min) <= ?", q->trl_max);
}

static void sql_mode(const kj_listing_query *q, kj_buf *sql, json_t *params)
{
    if (q->mode) where_s(sql, params, " AND EXISTS (SELECT 1 FROM listing_modes m WHERE m.listing_id = l.id AND m.mode = ?)", q->mode);
}

/* Price/budget ranges overlap the wanted range; 面议 listings never match a price filter. */
static void sql_price_min(const kj_listing_query *q, kj_buf *sql, json_t *params)
{
    if (q->price_min_fen >= 0) where_i(sql, params, " AND l.price_max_fen >= ?", q->price_min_fen);
}

static void sql_price_max(const kj_listing_query *q, kj_buf *sql, json_t *params)
{
    if (q->price_max_fen >= 0) where_i(sql, params, " AND l.price_min_fen <= ?", q->price_max_fen);
}

static void sql_within(const kj_listing_query *q, kj_buf *sql, json_t *params)
{
    if (q->within_days > 0) where_i(sql, params, " AND l.published_at >= ?", kj_now_ms() - q->within_days * KJ_DAY_MS);
}

/* Federation (issue 17 §2): origin=local|remote|<instance id>, as every
 * list takes it (core/origin.h). */
static void sql_origin(const kj_listing_query *q, kj_buf *sql, json_t *params)
{
    kj_origin_filter_sql(sql, params, "l.origin", q->origin);
}

/* The facet groups and saved-search flags, per filter (the rest of each
 * row is KJ_LISTING_FILTERS). A saved search keeps no recency: "within 7
 * days" of when? */
#define FACET_domain "domain"
#define FACET_region "region"
#define FACET_trl_min "trl"
#define FACET_trl_max "trl"
#define FACET_mode NULL
#define FACET_price_min NULL
#define FACET_price_max NULL
#define FACET_within NULL
#define FACET_origin NULL

#define ROW(name, value, lo, hi) \
    { #name, KJ_FILTER_##value, lo, hi, FACET_##name, !KJ_FILTER_NOT_SAVED_##name, on_##name, set_##name, sql_##name },
#define KJ_FILTER_NOT_SAVED_domain 0
#define KJ_FILTER_NOT_SAVED_region 0
#define KJ_FILTER_NOT_SAVED_trl_min 0
#define KJ_FILTER_NOT_SAVED_trl_max 0
#define KJ_FILTER_NOT_SAVED_mode 0
#define KJ_FILTER_NOT_SAVED_price_min 0
#define KJ_FILTER_NOT_SAVED_price_max 0
#define KJ_FILTER_NOT_SAVED_within 1
#define KJ_FILTER_NOT_SAVED_origin 0

const kj_listing_filter kj_listing_filters[] = { KJ_LISTING_FILTERS(ROW) { NULL, 0, 0, 0, NULL, false, NULL, NULL, NULL } };

void kj_listing_filters_from_json(kj_listing_query *q, json_t *in)
{
    for (const kj_listing_filter *f = kj_listing_filters; f->name; f++) {
        if (!f->saved) continue;
        json_t *v = json_object_get(in, f->name);
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        int64_t fen;
        switch (f->value) {
        case KJ_FILTER_TEXT: if (s) f->set(q, s, 0); break;
        /* Saved by this server's own validated routes; a missing value is 0 (unset). */
        case KJ_FILTER_INT: f->set(q, NULL, json_integer_value(v)); break;
        case KJ_FILTER_MONEY: if (s && kj_parse_money_wan(s, &fen)) f->set(q, NULL, fen); break;
        }
    }
}
