/*
 * refresh.c — rebuilding stats_facts from the records (stats.h says what
 * each metric counts). The metrics are a table of SQL, one statement per
 * record kind, each giving per record: month, region, domain, dim, dim2,
 * amount; one wrapper groups them by the region tree's parent chain.
 * Portable SQL only (no strftime: months come from stats_months, which C
 * fills in the instance's time zone).
 */
#include "stats/stats.h"
#include "stats/stats_int.h"
#include "core/clock.h"
#include "core/log.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- months in the instance's time zone ---- */

int kj_stats_month_of(int64_t ms)
{
    struct tm tm;
    kj_local_time(ms, &tm);
    return (tm.tm_year + 1900) * 100 + tm.tm_mon + 1;
}

int64_t kj_stats_month_start(int month)
{
    struct tm tm = { 0 };
    tm.tm_year = month / 100 - 1900;
    tm.tm_mon = month % 100 - 1;
    tm.tm_mday = 1;
    tm.tm_isdst = -1;    /* the zone's rule decides (China: never) */
    return (int64_t)mktime(&tm) * 1000;
}

int kj_stats_month_add(int month, int delta)
{
    int idx = (month / 100) * 12 + (month % 100 - 1) + delta;
    return (idx / 12) * 100 + idx % 12 + 1;
}

/* ---- the metrics ---- */

/* Deals whose contract both parties signed, with the moment of the second signature. */
#define SIGNED "(SELECT deal_id, max(signed_at) AS at FROM deal_signatures GROUP BY deal_id HAVING count(*) >= 2)"
#define TRL "COALESCE(CAST(COALESCE(l.trl, l.trl_min) AS TEXT), '')"
/* A work order's first response: the first entry by someone other than its requester. */
#define FIRST_RESP "(SELECT min(e.created_at) FROM workorder_entries e WHERE e.workorder_id = w.id " \
                   "AND e.actor_id IS NOT NULL AND e.actor_id <> w.requester_id)"

/* Parameters a metric's SQL binds, in order, by letter: N now (ms), T today
 * (local date), W the first-response window (ms), S the match score. */
typedef struct {
    const char *metric;
    const char *params;
    const char *sql;   /* per record: month, region, domain, dim, dim2, amount */
} metric_def;

static const metric_def metrics[] = {
    { "l_pub", "",
      "SELECT " MONTH("l.published_at") " AS month, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, "
      "l.kind AS dim, '' AS dim2, 0 AS amount FROM listings l WHERE l.published_at IS NOT NULL" },
    { "l_open", "T",
      "SELECT 0 AS month, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, l.kind AS dim, "
      TRL " AS dim2, 0 AS amount FROM listings l WHERE l.status = 'published' AND l.valid_until >= ?" },
    { "d_matched", "S",
      "SELECT " MONTH("l.published_at") " AS month, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, "
      "'' AS dim, '' AS dim2, 0 AS amount FROM listings l WHERE l.kind = 'demand' AND l.published_at IS NOT NULL "
      "AND EXISTS (SELECT 1 FROM matches m WHERE m.demand_id = l.id AND m.score >= ?)" },
    { "d_answered", "",
      "SELECT " MONTH("l.published_at") " AS month, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, "
      "'' AS dim, '' AS dim2, 0 AS amount FROM listings l WHERE l.kind = 'demand' AND l.published_at IS NOT NULL "
      "AND EXISTS (SELECT 1 FROM eois e WHERE e.listing_id = l.id AND e.status = 'accepted')" },
    { "d_solved", "",
      "SELECT " MONTH("l.published_at") " AS month, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, "
      "'' AS dim, '' AS dim2, 0 AS amount FROM listings l "
      /* The signed deals' listings once (not a correlated aggregate per demand). */
      "JOIN (SELECT DISTINCT d.listing_id FROM deals d JOIN " SIGNED " s ON s.deal_id = d.id "
      "WHERE d.listing_id IS NOT NULL) sv ON sv.listing_id = l.id "
      "WHERE l.kind = 'demand' AND l.published_at IS NOT NULL" },
    { "d_eoi_days", "",
      "SELECT " MONTH("l.published_at") " AS month, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, "
      "CAST((f.at - l.published_at) / 86400000 AS TEXT) AS dim, '' AS dim2, 0 AS amount FROM listings l "
      "JOIN (SELECT listing_id, min(decided_at) AS at FROM eois WHERE status = 'accepted' AND decided_at IS NOT NULL "
      "GROUP BY listing_id) f ON f.listing_id = l.id "
      "WHERE l.kind = 'demand' AND l.published_at IS NOT NULL AND f.at >= l.published_at" },
    /* The same across all domains (domain ''): the figure without a domain
     * filter reads a few hundred rows instead of one set per domain. */
    { "d_eoi_days_all", "",
      "SELECT " MONTH("l.published_at") " AS month, COALESCE(l.region, '') AS region, '' AS domain, "
      "CAST((f.at - l.published_at) / 86400000 AS TEXT) AS dim, '' AS dim2, 0 AS amount FROM listings l "
      "JOIN (SELECT listing_id, min(decided_at) AS at FROM eois WHERE status = 'accepted' AND decided_at IS NOT NULL "
      "GROUP BY listing_id) f ON f.listing_id = l.id "
      "WHERE l.kind = 'demand' AND l.published_at IS NOT NULL AND f.at >= l.published_at" },
    { "deal_new", "",
      "SELECT " MONTH("d.created_at") " AS month, d.region AS region, " DOM1("d.domain") " AS domain, "
      "COALESCE(d.contract_type, '') AS dim, '' AS dim2, 0 AS amount FROM deals d" },
    { "deal_signed", "",
      "SELECT " MONTH("s.at") " AS month, d.region AS region, " DOM1("d.domain") " AS domain, "
      "COALESCE(d.contract_type, '') AS dim, '' AS dim2, d.amount_fen AS amount FROM deals d JOIN " SIGNED " s ON s.deal_id = d.id" },
    { "deal_done", "",
      "SELECT " MONTH("c.at") " AS month, d.region AS region, " DOM1("d.domain") " AS domain, "
      "COALESCE(d.contract_type, '') AS dim, '' AS dim2, d.amount_fen AS amount FROM deals d "
      "JOIN (SELECT deal_id, max(created_at) AS at FROM deal_events WHERE kind = 'complete' GROUP BY deal_id) c ON c.deal_id = d.id "
      "WHERE d.state = 'completed'" },
    /* Flows across all domains: city pairs times domains would make this
     * the one metric whose rows grow with the records. */
    { "deal_flow", "",
      "SELECT " MONTH("s.at") " AS month, d.region AS region, '' AS domain, "
      CITY("p.region") " AS dim, " CITY("c.region") " AS dim2, d.amount_fen AS amount FROM deals d "
      "JOIN " SIGNED " s ON s.deal_id = d.id JOIN users p ON p.id = d.provider_id JOIN users c ON c.id = d.client_id" },
    { "ch_entry", "",
      "SELECT " MONTH("p.at") " AS month, COALESCE(ch.region, '') AS region, " DOM1("ch.domain") " AS domain, "
      "ch.status AS dim, '' AS dim2, ch.bounty_fen AS amount FROM challenges ch "
      "JOIN (SELECT challenge_id, min(created_at) AS at FROM challenge_events WHERE to_status = 'published' "
      "GROUP BY challenge_id) p ON p.challenge_id = ch.id" },
    { "ch_list", "",
      "SELECT " MONTH("p.at") " AS month, COALESCE(ch.region, '') AS region, " DOM1("ch.domain") " AS domain, "
      "ch.list_id AS dim, '' AS dim2, 0 AS amount FROM challenges ch "
      "JOIN (SELECT challenge_id, min(created_at) AS at FROM challenge_events WHERE to_status = 'published' "
      "GROUP BY challenge_id) p ON p.challenge_id = ch.id" },
    { "ch_app", "",
      "SELECT " MONTH("a.created_at") " AS month, COALESCE(ch.region, '') AS region, " DOM1("ch.domain") " AS domain, "
      "'' AS dim, '' AS dim2, 0 AS amount FROM challenge_applications a JOIN challenges ch ON ch.id = a.challenge_id "
      "WHERE a.status <> 'withdrawn'" },
    { "rev", "",
      "SELECT " MONTH("r.reviewed_at") " AS month, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, "
      "r.state AS dim, '' AS dim2, r.reviewed_at - r.created_at AS amount FROM listing_revisions r "
      "JOIN listings l ON l.id = r.listing_id WHERE r.state IN ('approved', 'rejected') AND r.reviewed_at IS NOT NULL" },
    { "wo", "",
      "SELECT " MONTH("w.created_at") " AS month, w.region AS region, '' AS domain, w.type AS dim, w.state AS dim2, "
      "0 AS amount FROM workorders w" },
    { "wo_center", "",
      "SELECT " MONTH("w.created_at") " AS month, w.region AS region, '' AS domain, w.center_id AS dim, 'orders' AS dim2, "
      "0 AS amount FROM workorders w" },
    { "wo_center", "NW",
      "SELECT " MONTH("w.created_at") " AS month, w.region AS region, '' AS domain, w.center_id AS dim, 'breach' AS dim2, "
      "0 AS amount FROM workorders w WHERE w.escalations > 0 OR COALESCE(" FIRST_RESP ", ?) - w.created_at > ?" },
    { "wo_center", "",
      "SELECT " MONTH("w.created_at") " AS month, w.region AS region, '' AS domain, w.center_id AS dim, 'resp' AS dim2, "
      FIRST_RESP " - w.created_at AS amount FROM workorders w WHERE " FIRST_RESP " IS NOT NULL" },
    { "wo_center", "",
      "SELECT " MONTH("w.created_at") " AS month, w.region AS region, '' AS domain, w.center_id AS dim, 'rated' AS dim2, "
      "w.rating AS amount FROM workorders w WHERE w.rating IS NOT NULL" },
};

/* Groups a metric's records by their leaf region first (few rows), then
 * spreads each group over the regions covering it. */
static const char wrap_head[] =
    "INSERT INTO stats_facts(metric, month, region, domain, dim, dim2, n, amount) "
    "SELECT ?, x.month, COALESCE(u.anc, ''), x.domain, x.dim, x.dim2, sum(x.n), sum(x.amount) FROM ("
    "SELECT r.month, r.region, r.domain, r.dim, r.dim2, count(*) AS n, COALESCE(sum(r.amount), 0) AS amount FROM (";
static const char wrap_tail[] =
    ") r WHERE r.month IS NOT NULL GROUP BY r.month, r.region, r.domain, r.dim, r.dim2) x "
    "LEFT JOIN stats_region_up u ON u.region = x.region "
    "GROUP BY x.month, COALESCE(u.anc, ''), x.domain, x.dim, x.dim2";

/* Runs one statement with JSON parameters (stolen); 0 or -1. */
static int exec_j(kj_db *db, const char *sql, json_t *params)
{
    kj_stmt *st = kj_db_prepare_j(db, sql, params);
    json_decref(params);
    if (!st) return -1;
    int rc = kj_stmt_step(db, st);
    kj_stmt_finish(db, st);
    return rc == KJ_DB_DONE || rc == KJ_DB_ROW ? 0 : -1;
}

static int fill_metric(kj_db *db, const metric_def *m, int64_t now, const char *today, int64_t window)
{
    size_t n = strlen(wrap_head) + strlen(m->sql) + strlen(wrap_tail) + 1;
    char *sql = malloc(n);
    if (!sql) return -1;
    snprintf(sql, n, "%s%s%s", wrap_head, m->sql, wrap_tail);
    json_t *p = json_array();
    json_array_append_new(p, json_string(m->metric));
    for (const char *c = m->params; *c; c++) {
        switch (*c) {
        case 'N': json_array_append_new(p, json_integer(now)); break;
        case 'T': json_array_append_new(p, json_string(today)); break;
        case 'W': json_array_append_new(p, json_integer(window)); break;
        case 'S': json_array_append_new(p, json_real(KJ_STATS_MATCH_MIN)); break;
        }
    }
    int rc = exec_j(db, sql, p);
    free(sql);
    return rc;
}

static int fill_months(kj_db *db, int last)
{
    if (kj_db_exec(db, "DELETE FROM stats_months", "") < 0) return -1;
    for (int m = KJ_STATS_FIRST_MONTH; m <= last; m = kj_stats_month_add(m, 1)) {
        int next = kj_stats_month_add(m, 1);
        if (kj_db_exec(db, "INSERT INTO stats_months(month, start_ms, end_ms) VALUES (?,?,?)", "iii", (int64_t)m,
                       kj_stats_month_start(m), kj_stats_month_start(next)) < 1)
            return -1;
    }
    return 0;
}

static int fill_region_up(kj_db *db)
{
    if (kj_db_exec(db, "DELETE FROM stats_region_up", "") < 0) return -1;
    /* Every region with itself and each ancestor by the parent chain, and ''. */
    return kj_db_exec(db, "INSERT INTO stats_region_up(region, anc) "
                          "WITH RECURSIVE up(region, anc) AS (SELECT code, code FROM regions UNION ALL "
                          "SELECT up.region, r.parent FROM up JOIN regions r ON r.code = up.anc WHERE r.parent IS NOT NULL) "
                          "SELECT region, anc FROM up UNION ALL SELECT code, '' FROM regions", "") < 0 ? -1 : 0;
}

/* One metric replaced in its own transaction: at 1M listings a rebuild
 * takes tens of seconds, and one transaction would hold the write lock
 * (every publication, every sign-in) for all of it; this way the longest
 * wait is one metric's. A reader meanwhile sees some metrics of this
 * rebuild and some of the last (minutes apart); freshness says the last
 * completed rebuild. */
static int replace_metric(kj_db *db, const char *metric, int64_t now, const char *today, int64_t window)
{
    if (kj_db_begin(db) < 0) return -1;
    int rc = kj_db_exec(db, "DELETE FROM stats_facts WHERE metric = ?", "s", metric) < 0 ? -1 : 0;
    for (size_t i = 0; !rc && i < sizeof metrics / sizeof *metrics; i++)
        if (!strcmp(metrics[i].metric, metric)) rc = fill_metric(db, &metrics[i], now, today, window);
    if (rc) {
        kj_log_error("stats: metric %s could not be counted: %s", metric, kj_db_errmsg(db));
        kj_db_rollback(db);
        return -1;
    }
    return kj_db_commit(db) < 0 ? -1 : 0;
}

int64_t kj_stats_refresh(kj_db *db, int64_t first_response_ms)
{
    int64_t t0 = kj_mono_us(), now = kj_now_ms();
    char today[40];
    struct tm tm;
    kj_local_time(now, &tm);
    snprintf(today, sizeof today, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    if (kj_db_begin(db) < 0) return -1;
    int rc = fill_region_up(db);
    if (!rc) rc = fill_months(db, kj_stats_month_add(kj_stats_month_of(now), 1));
    if (rc) {
        kj_db_rollback(db);
        return -1;
    }
    if (kj_db_commit(db) < 0) return -1;
    for (size_t i = 0; !rc && i < sizeof metrics / sizeof *metrics; i++)
        if (!i || strcmp(metrics[i].metric, metrics[i - 1].metric))   /* a metric's statements are adjacent */
            rc = replace_metric(db, metrics[i].metric, now, today, first_response_ms);
    if (rc) return -1;
    int64_t rows = kj_db_int(db, -1, "SELECT count(*) FROM stats_facts", "");
    int64_t took = (kj_mono_us() - t0) / 1000;
    if (rows < 0 || kj_db_exec(db, "INSERT INTO stats_state(name, built_at, took_ms, rows) VALUES ('facts', ?, ?, ?) "
                                   "ON CONFLICT (name) DO UPDATE SET built_at = excluded.built_at, "
                                   "took_ms = excluded.took_ms, rows = excluded.rows", "iii", now, took, rows) < 1)
        return -1;
    return rows;
}

int kj_stats_refresh_due(kj_db *db, int64_t every_ms, int64_t first_response_ms)
{
    int64_t built = kj_db_int(db, 0, "SELECT built_at FROM stats_state WHERE name = 'facts'", "");
    if (kj_db_failed(db)) return -1;
    int64_t now = kj_now_ms();
    /* A clock moved back (tests) makes the facts look new for ever otherwise. */
    if (built && built <= now && now - built < every_ms) return 0;
    int64_t t0 = kj_mono_us();
    int64_t rows = kj_stats_refresh(db, first_response_ms);
    if (rows < 0) {
        kj_log_error("stats: the figures could not be rebuilt (tried again next round)");
        return -1;
    }
    kj_log_info("stats: %lld facts built in %.1f s", (long long)rows, (double)(kj_mono_us() - t0) / 1e6);
    return 1;
}
