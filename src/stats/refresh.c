/*
 * refresh.c — rebuilding stats_facts from the records (stats.h says what
 * each metric counts). The metrics are a table of SQL, one statement per
 * record kind, each giving per record: day, region, domain, dim, dim2,
 * amount; one wrapper groups them by the region tree's parent chain.
 * Portable SQL only (no strftime: days come from stats_days, which C
 * fills in the instance's time zone).
 */
#include "stats/stats.h"
#include "stats/stats_int.h"
#include "core/clock.h"
#include "core/log.h"
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- days and months in the instance's time zone ---- */

int kj_stats_month_of(int64_t ms)
{
    struct tm tm;
    kj_local_time(ms, &tm);
    return (tm.tm_year + 1900) * 100 + tm.tm_mon + 1;
}

int kj_stats_day_of(int64_t ms)
{
    struct tm tm;
    kj_local_time(ms, &tm);
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

int64_t kj_stats_day_start(int day)
{
    struct tm tm = { 0 };
    tm.tm_year = day / 10000 - 1900;
    tm.tm_mon = day / 100 % 100 - 1;
    tm.tm_mday = day % 100;
    tm.tm_isdst = -1;    /* the zone's rule decides (China: never) */
    return (int64_t)mktime(&tm) * 1000;
}

int64_t kj_stats_month_start(int month) { return kj_stats_day_start(month * 100 + 1); }

int kj_stats_month_add(int month, int delta)
{
    int idx = (month / 100) * 12 + (month % 100 - 1) + delta;
    return (idx / 12) * 100 + idx % 12 + 1;
}

/* Calendar arithmetic on dates (no zone: a date plus n days is a date). */
static int64_t day_number(int day)
{
    struct tm tm = { .tm_year = day / 10000 - 1900, .tm_mon = day / 100 % 100 - 1, .tm_mday = day % 100 };
    return (int64_t)timegm(&tm) / 86400;
}

int kj_stats_day_add(int day, int delta)
{
    time_t t = (time_t)((day_number(day) + delta) * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

int kj_stats_days_between(int a, int b) { return (int)(day_number(b) - day_number(a)); }

int kj_stats_day_year_before(int day)
{
    int y = day / 10000 - 1, md = day % 10000;
    if (md == 229) md = 228;   /* 29 February a year before is the 28th */
    return y * 10000 + md;
}

int kj_stats_month_last_day(int month) { return kj_stats_day_add(kj_stats_month_add(month, 1) * 100 + 1, -1); }

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
      "SELECT " DAY("l.published_at") " AS day, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, "
      "l.kind AS dim, '' AS dim2, 0 AS amount FROM listings l WHERE l.published_at IS NOT NULL" },
    { "l_open", "T",
      "SELECT 0 AS day, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, l.kind AS dim, "
      TRL " AS dim2, 0 AS amount FROM listings l WHERE l.status = 'published' AND l.valid_until >= ?" },
    { "d_matched", "S",
      "SELECT " DAY("l.published_at") " AS day, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, "
      "'' AS dim, '' AS dim2, 0 AS amount FROM listings l WHERE l.kind = 'demand' AND l.published_at IS NOT NULL "
      "AND EXISTS (SELECT 1 FROM matches m WHERE m.demand_id = l.id AND m.score >= ?)" },
    { "d_answered", "",
      "SELECT " DAY("l.published_at") " AS day, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, "
      "'' AS dim, '' AS dim2, 0 AS amount FROM listings l WHERE l.kind = 'demand' AND l.published_at IS NOT NULL "
      "AND EXISTS (SELECT 1 FROM eois e WHERE e.listing_id = l.id AND e.status = 'accepted')" },
    { "d_solved", "",
      "SELECT " DAY("l.published_at") " AS day, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, "
      "'' AS dim, '' AS dim2, 0 AS amount FROM listings l "
      /* The signed deals' listings once (not a correlated aggregate per demand). */
      "JOIN (SELECT DISTINCT d.listing_id FROM deals d JOIN " SIGNED " s ON s.deal_id = d.id "
      "WHERE d.listing_id IS NOT NULL) sv ON sv.listing_id = l.id "
      "WHERE l.kind = 'demand' AND l.published_at IS NOT NULL" },
    { "d_eoi_days", "",
      "SELECT " DAY("l.published_at") " AS day, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, "
      "CAST((f.at - l.published_at) / 86400000 AS TEXT) AS dim, '' AS dim2, 0 AS amount FROM listings l "
      "JOIN (SELECT listing_id, min(decided_at) AS at FROM eois WHERE status = 'accepted' AND decided_at IS NOT NULL "
      "GROUP BY listing_id) f ON f.listing_id = l.id "
      "WHERE l.kind = 'demand' AND l.published_at IS NOT NULL AND f.at >= l.published_at" },
    /* The same across all domains (domain ''): the figure without a domain
     * filter reads a few hundred rows instead of one set per domain. */
    { "d_eoi_days_all", "",
      "SELECT " DAY("l.published_at") " AS day, COALESCE(l.region, '') AS region, '' AS domain, "
      "CAST((f.at - l.published_at) / 86400000 AS TEXT) AS dim, '' AS dim2, 0 AS amount FROM listings l "
      "JOIN (SELECT listing_id, min(decided_at) AS at FROM eois WHERE status = 'accepted' AND decided_at IS NOT NULL "
      "GROUP BY listing_id) f ON f.listing_id = l.id "
      "WHERE l.kind = 'demand' AND l.published_at IS NOT NULL AND f.at >= l.published_at" },
    { "deal_new", "",
      "SELECT " DAY("d.created_at") " AS day, d.region AS region, " DOM1("d.domain") " AS domain, "
      "COALESCE(d.contract_type, '') AS dim, '' AS dim2, 0 AS amount FROM deals d" },
    { "deal_signed", "",
      "SELECT " DAY("s.at") " AS day, d.region AS region, " DOM1("d.domain") " AS domain, "
      "COALESCE(d.contract_type, '') AS dim, '' AS dim2, d.amount_fen AS amount FROM deals d JOIN " SIGNED " s ON s.deal_id = d.id" },
    { "deal_done", "",
      "SELECT " DAY("c.at") " AS day, d.region AS region, " DOM1("d.domain") " AS domain, "
      "COALESCE(d.contract_type, '') AS dim, '' AS dim2, d.amount_fen AS amount FROM deals d "
      "JOIN (SELECT deal_id, max(created_at) AS at FROM deal_events WHERE kind = 'complete' GROUP BY deal_id) c ON c.deal_id = d.id "
      "WHERE d.state = 'completed'" },
    /* Flows across all domains: city pairs times domains would make this
     * the one metric whose rows grow with the records. */
    { "deal_flow", "",
      "SELECT " DAY("s.at") " AS day, d.region AS region, '' AS domain, "
      CITY("p.region") " AS dim, " CITY("c.region") " AS dim2, d.amount_fen AS amount FROM deals d "
      "JOIN " SIGNED " s ON s.deal_id = d.id JOIN users p ON p.id = d.provider_id JOIN users c ON c.id = d.client_id" },
    { "ch_entry", "",
      "SELECT " DAY("p.at") " AS day, COALESCE(ch.region, '') AS region, " DOM1("ch.domain") " AS domain, "
      "ch.status AS dim, '' AS dim2, ch.bounty_fen AS amount FROM challenges ch "
      "JOIN (SELECT challenge_id, min(created_at) AS at FROM challenge_events WHERE to_status = 'published' "
      "GROUP BY challenge_id) p ON p.challenge_id = ch.id" },
    { "ch_list", "",
      "SELECT " DAY("p.at") " AS day, COALESCE(ch.region, '') AS region, " DOM1("ch.domain") " AS domain, "
      "ch.list_id AS dim, '' AS dim2, 0 AS amount FROM challenges ch "
      "JOIN (SELECT challenge_id, min(created_at) AS at FROM challenge_events WHERE to_status = 'published' "
      "GROUP BY challenge_id) p ON p.challenge_id = ch.id" },
    { "ch_app", "",
      "SELECT " DAY("a.created_at") " AS day, COALESCE(ch.region, '') AS region, " DOM1("ch.domain") " AS domain, "
      "'' AS dim, '' AS dim2, 0 AS amount FROM challenge_applications a JOIN challenges ch ON ch.id = a.challenge_id "
      "WHERE a.status <> 'withdrawn'" },
    { "rev", "",
      "SELECT " DAY("r.reviewed_at") " AS day, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, "
      "r.state AS dim, '' AS dim2, r.reviewed_at - r.created_at AS amount FROM listing_revisions r "
      "JOIN listings l ON l.id = r.listing_id WHERE r.state IN ('approved', 'rejected') AND r.reviewed_at IS NOT NULL" },
    { "wo", "",
      "SELECT " DAY("w.created_at") " AS day, w.region AS region, '' AS domain, w.type AS dim, w.state AS dim2, "
      "0 AS amount FROM workorders w" },
    { "wo_center", "",
      "SELECT " DAY("w.created_at") " AS day, w.region AS region, '' AS domain, w.center_id AS dim, 'orders' AS dim2, "
      "0 AS amount FROM workorders w" },
    { "wo_center", "NW",
      "SELECT " DAY("w.created_at") " AS day, w.region AS region, '' AS domain, w.center_id AS dim, 'breach' AS dim2, "
      "0 AS amount FROM workorders w WHERE w.escalations > 0 OR COALESCE(" FIRST_RESP ", ?) - w.created_at > ?" },
    { "wo_center", "",
      "SELECT " DAY("w.created_at") " AS day, w.region AS region, '' AS domain, w.center_id AS dim, 'resp' AS dim2, "
      FIRST_RESP " - w.created_at AS amount FROM workorders w WHERE " FIRST_RESP " IS NOT NULL" },
    { "wo_center", "",
      "SELECT " DAY("w.created_at") " AS day, w.region AS region, '' AS domain, w.center_id AS dim, 'rated' AS dim2, "
      "w.rating AS amount FROM workorders w WHERE w.rating IS NOT NULL" },
    /* Flows between instances (federation), in the region and domain of the
     * listing concerned, by peer: listings received from it (the day this
     * instance first held it), listings shared with it (first served in
     * the feed), expressions of interest sent to it and received from it,
     * and of those the ones accepted. */
    { "fed", "",
      "SELECT " DAY("l.created_at") " AS day, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, "
      "fi.peer_id AS dim, 'received' AS dim2, 0 AS amount FROM fed_items fi JOIN listings l ON l.id = fi.item_id "
      "WHERE fi.type = 'listing'" },
    { "fed", "",
      "SELECT " DAY("fs.first_at") " AS day, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, "
      "fs.peer_id AS dim, 'shared' AS dim2, 0 AS amount FROM fed_shared fs JOIN listings l ON l.id = fs.item_id" },
    { "fed", "",
      "SELECT " DAY("fe.created_at") " AS day, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, "
      "fe.peer_id AS dim, CASE WHEN fe.direction = 'out' THEN 'eoi_sent' ELSE 'eoi_received' END AS dim2, 0 AS amount "
      "FROM fed_eois fe JOIN eois e ON e.id = fe.eoi_id JOIN listings l ON l.id = e.listing_id" },
    { "fed", "",
      "SELECT " DAY("fe.created_at") " AS day, COALESCE(l.region, '') AS region, COALESCE(l.domain1, '') AS domain, "
      "fe.peer_id AS dim, CASE WHEN fe.direction = 'out' THEN 'eoi_sent_accepted' ELSE 'eoi_received_accepted' END AS dim2, "
      "0 AS amount FROM fed_eois fe JOIN eois e ON e.id = fe.eoi_id JOIN listings l ON l.id = e.listing_id "
      "WHERE e.status = 'accepted'" },
};

/* Groups a metric's records by their leaf region first (few rows), then
 * spreads each group over the regions covering it, under the rebuild's gen,
 * into the connection's own table stats_build (see write_metric). */
static const char wrap_head[] =
    "INSERT INTO stats_build(gen, metric, day, region, domain, dim, dim2, n, amount) "
    "SELECT ?, ?, x.day, COALESCE(u.anc, ''), x.domain, x.dim, x.dim2, sum(x.n), sum(x.amount) FROM ("
    "SELECT r.day, r.region, r.domain, r.dim, r.dim2, count(*) AS n, COALESCE(sum(r.amount), 0) AS amount FROM (";
static const char wrap_tail[] =
    ") r WHERE r.day IS NOT NULL GROUP BY r.day, r.region, r.domain, r.dim, r.dim2) x "
    "LEFT JOIN stats_region_up u ON u.region = x.region "
    "GROUP BY x.day, COALESCE(u.anc, ''), x.domain, x.dim, x.dim2";

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

static int fill_metric(kj_db *db, int64_t gen, const metric_def *m, int64_t now, const char *today, int64_t window)
{
    size_t n = strlen(wrap_head) + strlen(m->sql) + strlen(wrap_tail) + 1;
    char *sql = malloc(n);
    if (!sql) return -1;
    snprintf(sql, n, "%s%s%s", wrap_head, m->sql, wrap_tail);
    json_t *p = json_array();
    json_array_append_new(p, json_integer(gen));
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

/* The days a moment can fall in, from KJ_STATS_FIRST_MONTH to last;
 * written only when they changed (another last day, another time zone). */
static int fill_days(kj_db *db, int last)
{
    int first = KJ_STATS_FIRST_MONTH * 100 + 1;
    int64_t want = kj_stats_days_between(first, last) + 1;
    if (kj_db_int(db, -1, "SELECT count(*) FROM stats_days WHERE day >= ? AND day <= ? AND start_ms = ?", "iii",
                  (int64_t)first, (int64_t)last, kj_stats_day_start(first)) == 1 &&
        kj_db_int(db, -1, "SELECT count(*) FROM stats_days", "") == want &&
        kj_db_int(db, -1, "SELECT count(*) FROM stats_days WHERE day = ? AND start_ms = ?", "ii", (int64_t)last,
                  kj_stats_day_start(last)) == 1)
        return 0;
    if (kj_db_exec(db, "DELETE FROM stats_days", "") < 0) return -1;
    for (int d = first; d <= last; d = kj_stats_day_add(d, 1))
        if (kj_db_exec(db, "INSERT INTO stats_days(day, start_ms, end_ms) VALUES (?,?,?)", "iii", (int64_t)d,
                       kj_stats_day_start(d), kj_stats_day_start(kj_stats_day_add(d, 1))) < 1)
            return -1;
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

/* Where a metric is counted before it is copied into stats_facts: a
 * temporary table of this connection, whose writes take no lock on the
 * database. Counting (the grouping of a million records) is the long part;
 * done here it blocks no one. */
static int build_table(kj_db *db)
{
    if (kj_db_exec(db, "CREATE TEMP TABLE IF NOT EXISTS stats_build (gen INTEGER NOT NULL, metric TEXT NOT NULL, "
                       "day INTEGER NOT NULL, region TEXT NOT NULL, domain TEXT NOT NULL, dim TEXT NOT NULL, "
                       "dim2 TEXT NOT NULL, n INTEGER NOT NULL, amount INTEGER NOT NULL)", "") < 0 ||
        kj_db_exec(db, "CREATE INDEX IF NOT EXISTS stats_build_region ON stats_build(region)", "") < 0)
        return -1;
    return kj_db_exec(db, "DELETE FROM stats_build", "") < 0 ? -1 : 0;
}

/* The copy into stats_facts goes by ranges of region codes (their first
 * two characters), each in its own short transaction: the write lock
 * (every publication, every sign-in waits for it) is held for a fraction
 * of a second at a time, never for a whole metric. '' and codes before
 * "10" are the first range, codes from ":" on (after the digits) the last. */
#define COPY_RANGES 92
#define COPY_AT_ONCE 50000
static void copy_range(int i, char *lo, char *hi)
{
    if (i == 0) { strcpy(lo, ""); strcpy(hi, "10"); return; }
    if (i == COPY_RANGES - 1) { strcpy(lo, ":"); strcpy(hi, ""); return; }
    snprintf(lo, 4, "%02d", (9 + i) % 100);
    if (i + 10 <= 99) snprintf(hi, 4, "%02d", (10 + i) % 100);
    else strcpy(hi, ":");
}

static bool stopped(const atomic_bool *stop) { return stop && atomic_load(stop); }

/* The whole months of the metric just counted (stats.h, "grains"): one
 * row per (month, region, domain, dims) beside its day rows, day = YYYYMM,
 * for the whole instance and the regions of MONTH_LEVELS. A period of
 * whole months then reads up to ~30 times fewer rows. */
static int fill_months(kj_db *db)
{
    return kj_db_exec(db, "INSERT INTO stats_build(gen, metric, day, region, domain, dim, dim2, n, amount) "
                          "SELECT gen, metric, day / 100, region, domain, dim, dim2, sum(n), sum(amount) FROM stats_build "
                          "WHERE day >= 10000000 AND (region = '' OR region IN (SELECT code FROM regions WHERE level IN "
                          MONTH_LEVELS ")) GROUP BY gen, metric, day / 100, region, domain, dim, dim2", "") < 0 ? -1 : 0;
}

/* Where a rebuild's time goes (logged once per rebuild: issue 18 asks
 * for the phases of a 1M rebuild), in microseconds. */
typedef struct {
    int64_t count_us, months_us, copy_us, clear_us;
    const char *slowest;
    int64_t slowest_us;
} phases;

/* One metric: counted into stats_build, then copied under gen. Readers
 * meanwhile read the gen shown. */
static int write_metric(kj_db *db, int64_t gen, const char *metric, int64_t now, const char *today, int64_t window,
                        const atomic_bool *stop, phases *ph)
{
    int64_t t0 = kj_mono_us();
    int rc = build_table(db);
    for (size_t i = 0; !rc && i < sizeof metrics / sizeof *metrics; i++)
        if (!strcmp(metrics[i].metric, metric)) rc = fill_metric(db, gen, &metrics[i], now, today, window);
    int64_t t1 = kj_mono_us();
    if (!rc) rc = fill_months(db);
    int64_t t2 = kj_mono_us();
    /* Up to COPY_AT_ONCE rows go in one transaction (a commit each costs a
     * disk flush: ranges for a small instance would cost more than they save). */
    int64_t rows = rc ? 0 : kj_db_int(db, -1, "SELECT count(*) FROM stats_build", "");
    if (rows < 0) rc = -1;
    int ranges = rows > COPY_AT_ONCE ? COPY_RANGES : 1;
    for (int r = 0; !rc && r < ranges; r++) {
        if (stopped(stop)) return -1;
        char lo[4] = "", hi[4] = "";
        if (ranges > 1) copy_range(r, lo, hi);
        if (kj_db_begin(db) < 0) return -1;
        int n = *hi ? kj_db_exec(db, "INSERT INTO stats_facts(gen, metric, day, region, domain, dim, dim2, n, amount) "
                                     "SELECT gen, metric, day, region, domain, dim, dim2, n, amount FROM stats_build "
                                     "WHERE region >= ? AND region < ?", "ss", lo, hi)
                    : kj_db_exec(db, "INSERT INTO stats_facts(gen, metric, day, region, domain, dim, dim2, n, amount) "
                                     "SELECT gen, metric, day, region, domain, dim, dim2, n, amount FROM stats_build "
                                     "WHERE region >= ?", "s", lo);
        if (n < 0) {
            kj_db_rollback(db);
            return -1;
        }
        if (kj_db_commit(db) < 0) return -1;
    }
    if (kj_db_exec(db, "DELETE FROM stats_build", "") < 0) rc = -1;   /* memory back */
    int64_t t3 = kj_mono_us();
    ph->count_us += t1 - t0;
    ph->months_us += t2 - t1;
    ph->copy_us += t3 - t2;
    if (t3 - t0 > ph->slowest_us) {
        ph->slowest = metric;
        ph->slowest_us = t3 - t0;
    }
    return rc;
}

/* Test hook (stats.h): ms to wait before each metric. */
static atomic_int test_delay_ms;
void kj_stats_test_delay(int ms) { atomic_store(&test_delay_ms, ms); }

/* Waits the test hook's delay, asking stop every 20 ms. */
static bool delay_stopped(const atomic_bool *stop)
{
    for (int waited = 0, ms = atomic_load(&test_delay_ms); waited < ms; waited += 20) {
        if (stopped(stop)) return true;
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
    }
    return stopped(stop);
}

/* Deletes the facts of every gen but keep (those of the gen replaced, of a
 * rebuild stopped half-way), a range of region codes at a time (as the
 * copy) so that no one statement holds the write lock long. Stops (leaving
 * the rest for the next rebuild) when asked. */
static int clear_other_gens(kj_db *db, int64_t keep, const atomic_bool *stop)
{
    for (int rounds = 0; rounds < 8; rounds++) {   /* bounded: another node may be writing one */
        /* Another gen, found by the index (gen first): below keep, else above. */
        int64_t g = kj_db_int(db, -1, "SELECT gen FROM stats_facts WHERE gen < ? ORDER BY gen DESC LIMIT 1", "i", keep);
        if (g < 0) g = kj_db_int(db, -1, "SELECT gen FROM stats_facts WHERE gen > ? ORDER BY gen LIMIT 1", "i", keep);
        if (g < 0) return 0;   /* none (or the read failed: then the next rebuild clears them) */
        for (int r = 0; r < COPY_RANGES; r++) {
            if (stopped(stop)) return -1;
            char lo[4], hi[4];
            copy_range(r, lo, hi);
            if ((*hi ? kj_db_exec(db, "DELETE FROM stats_facts WHERE gen = ? AND region >= ? AND region < ?", "iss", g, lo, hi)
                     : kj_db_exec(db, "DELETE FROM stats_facts WHERE gen = ? AND region >= ?", "is", g, lo)) < 0)
                return -1;
        }
    }
    return 0;
}

/* One rebuild at a time in this process (the job and /__test/tick would
 * otherwise write beside each other); across nodes only the leader runs
 * the job, and a rebuild whose gen was taken over gives up at the switch. */
static pthread_mutex_t rebuild_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t refresh_locked(kj_db *db, int64_t first_response_ms, const atomic_bool *stop);

int64_t kj_stats_refresh(kj_db *db, int64_t first_response_ms, const atomic_bool *stop)
{
    pthread_mutex_lock(&rebuild_lock);
    int64_t rows = refresh_locked(db, first_response_ms, stop);
    pthread_mutex_unlock(&rebuild_lock);
    return rows;
}

static int64_t refresh_locked(kj_db *db, int64_t first_response_ms, const atomic_bool *stop)
{
    int64_t t0 = kj_mono_us(), now = kj_now_ms();
    char today[40];
    struct tm tm;
    kj_local_time(now, &tm);
    snprintf(today, sizeof today, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    kj_db_set_stop(db, stop);   /* a long statement gives up too (SQLite), not only the loop below */
    /* The gen shown stays; this rebuild writes the next one beside it. */
    json_t *st = kj_db_row(db, "SELECT gen, building FROM stats_state WHERE name = 'facts'", "");
    if (!st && kj_db_failed(db)) { kj_db_set_stop(db, NULL); return -1; }
    int64_t shown = st ? json_integer_value(json_object_get(st, "gen")) : 0;
    int64_t building = st ? json_integer_value(json_object_get(st, "building")) : 0;
    json_decref(st);
    int64_t gen = (shown > building ? shown : building) + 1;
    phases ph = { 0 };
    int rc = clear_other_gens(db, shown, stop);
    ph.clear_us = kj_mono_us() - t0;
    if (!rc) rc = kj_db_begin(db) < 0 ? -1 : 0;
    if (!rc) {
        rc = fill_region_up(db);
        if (!rc) rc = fill_days(db, kj_stats_day_add(kj_stats_month_last_day(kj_stats_month_of(now)), 1));
        if (!rc && kj_db_exec(db, "INSERT INTO stats_state(name, gen, building, built_at, took_ms, rows) "
                                  "VALUES ('facts', 0, ?, 0, 0, 0) ON CONFLICT (name) DO UPDATE SET building = excluded.building",
                              "i", gen) < 1)
            rc = -1;
        if (rc) kj_db_rollback(db);
        else if (kj_db_commit(db) < 0) rc = -1;
    }
    for (size_t i = 0; !rc && i < sizeof metrics / sizeof *metrics; i++) {
        if (i && !strcmp(metrics[i].metric, metrics[i - 1].metric)) continue;   /* a metric's statements are adjacent */
        if (delay_stopped(stop)) { rc = -2; break; }
        if (write_metric(db, gen, metrics[i].metric, now, today, first_response_ms, stop, &ph)) {
            rc = stopped(stop) ? -2 : -1;
            if (rc == -1) kj_log_error("stats: metric %s could not be counted: %s", metrics[i].metric, kj_db_errmsg(db));
        }
    }
    int64_t rows = -1;
    if (!rc) {
        /* The switch: one small transaction names the new gen; readers see
         * the whole new set or the whole old one, never a mix. The signal
         * tells every node's figure cache (stats/cache.c) after the commit. */
        rows = kj_db_int(db, -1, "SELECT count(*) FROM stats_facts WHERE gen = ?", "i", gen);
        int64_t took = (kj_mono_us() - t0) / 1000;
        char payload[32];
        snprintf(payload, sizeof payload, "%lld", (long long)gen);
        if (rows < 0 || kj_db_begin(db) < 0) rc = -1;
        else if (kj_db_exec(db, "UPDATE stats_state SET gen = ?, building = 0, built_at = ?, took_ms = ?, rows = ? "
                                "WHERE name = 'facts' AND building = ?", "iiiii", gen, now, took, rows, gen) != 1 ||
                 kj_db_publish(db, KJ_STATS_CHANNEL, payload) < 0) {
            kj_db_rollback(db);   /* another rebuild took over (two leaders for a moment): its gen wins */
            rc = -1;
        } else if (kj_db_commit(db) < 0) rc = -1;
        /* The gen replaced goes now (best effort: the next rebuild clears what is left). */
        int64_t c0 = kj_mono_us();
        if (!rc && clear_other_gens(db, gen, stop) < 0 && !stopped(stop))
            kj_log_error("stats: the figures replaced could not all be deleted (the next rebuild will)");
        ph.clear_us += kj_mono_us() - c0;
        if (!rc)
            kj_log_info("stats: %lld facts (gen %lld) in %.1f s: counting %.1f s, months %.1f s, copying %.1f s, "
                        "clearing old facts %.1f s; slowest metric %s (%.1f s)", (long long)rows, (long long)gen,
                        (double)(kj_mono_us() - t0) / 1e6, (double)ph.count_us / 1e6, (double)ph.months_us / 1e6,
                        (double)ph.copy_us / 1e6, (double)ph.clear_us / 1e6, ph.slowest ? ph.slowest : "-",
                        (double)ph.slowest_us / 1e6);
    }
    kj_db_set_stop(db, NULL);
    if (rc == -1 && stopped(stop)) rc = -2;
    if (rc == -2) {
        /* Not building any more (its rows stay unread; the next rebuild clears them). */
        if (kj_db_exec(db, "UPDATE stats_state SET building = 0 WHERE name = 'facts' AND building = ?", "i", gen) < 0)
            kj_log_error("stats: the stopped rebuild could not be marked as such");
        kj_log_info("stats: rebuild stopped (shutdown); the figures shown stay those of %lld", (long long)shown);
        return -2;
    }
    return rc ? -1 : rows;
}

int kj_stats_refresh_due(kj_db *db, int64_t every_ms, int64_t first_response_ms, const atomic_bool *stop)
{
    int64_t built = kj_db_int(db, 0, "SELECT built_at FROM stats_state WHERE name = 'facts'", "");
    if (kj_db_failed(db)) return -1;
    int64_t now = kj_now_ms();
    /* A clock moved back (tests) makes the facts look new for ever otherwise. */
    if (built && built <= now && now - built < every_ms) return 0;
    int64_t rows = kj_stats_refresh(db, first_response_ms, stop);   /* logs its phases */
    if (rows == -2) return -2;
    if (rows < 0) {
        kj_log_error("stats: the figures could not be rebuilt (tried again next round)");
        return -1;
    }
    return 1;
}
