/*
 * stats.h — the platform's figures (issue 18): supply and demand,
 * transactions, 揭榜挂帅, service centers and 科普, by region subtree,
 * period and first-level domain, with period comparisons and monthly
 * trends; for the statistics pages, the public data page, the exports and
 * GET /api/v1/stats.
 *
 * How the figures are made (why: counting 1M listings and 100k deals on
 * every page view takes seconds, reading one region's facts milliseconds,
 * and a cached answer microseconds):
 *  - kj_stats_refresh rebuilds table stats_facts (migrations 037, 042) from
 *    the records: one row per (metric, day, region covering the records,
 *    first-level domain, dimensions) with a count n and a sum amount. A
 *    record counts in its own region and in every ancestor along the
 *    region tree's parent chain (stats_region_up), and in '' (the whole
 *    instance); a record without a known region only in ''. The periodic
 *    job calls kj_stats_refresh_due; the page says when the facts were
 *    built (freshness).
 *  - Grains: beside its day rows (day = YYYYMMDD) each metric has month
 *    rows (day = YYYYMM, the sums of its days; 6 digits never fall in a
 *    range of 8-digit days, so every reader of days stays as it was). A
 *    period is read as its whole months from month rows and the days of
 *    the one or two months it covers only in part (its edges) from day
 *    rows: a year of a province reads about 12 month sets and at most two
 *    months of days instead of 365 days (issue 18: the first view of a
 *    filter combination at 1M listings).
 *  - A rebuild writes its rows under a new gen beside the ones shown and
 *    then names its gen in stats_state in one small transaction: readers
 *    see all of one rebuild or all of the last, and a rebuild stopped
 *    half-way (shutdown: the stop flag is asked between metrics and, on
 *    SQLite, within each statement) leaves the figures shown untouched.
 *  - Days are calendar days in the instance's time zone (setting
 *    time_zone, Beijing time by default): a listing published at
 *    2026-01-31 23:30 Beijing time (15:30 UTC) counts on 2026-01-31 (in
 *    January); one at 2026-02-01 00:10 (2026-01-31 16:10 UTC) on 02-01.
 *    A period is from its first day to its last day, both included
 *    (from_ms inclusive, to_ms exclusive: the start of the day after).
 *  - The figures of a (region, period, domain, view) are computed once per
 *    rebuild and kept (stats/cache.c) until the next rebuild's signal
 *    (KJ_STATS_CHANNEL, on every node) or the gen read says they are old:
 *    they change only when the job runs. The 科普 figures counted live
 *    (below) are therefore as of the first view after a rebuild.
 *  - 科普 readers are distinct people, which cannot be summed over days
 *    or regions: they are counted from popsci_events (small), and
 *    every cell of fewer than KJ_POPSCI_K people is suppressed (never shown,
 *    here or on any page; the number of suppressed cells is).
 *
 * Metrics of stats_facts, each by the day of the moment named (dim / dim2; amount):
 *   l_pub       listings published (published_at): kind
 *   l_open      day 0: listings published and current when the job ran: kind / TRL
 *   d_matched   demands published with a match scoring at least
 *               KJ_STATS_MATCH_MIN
 *   d_answered  … with an accepted expression of interest
 *   d_solved    … with a signed deal (both parties signed)
 *   d_eoi_days  … with an accepted EOI: days from publication to the first / —
 *   d_eoi_days_all  the same, domain '' (all domains: read without a domain filter)
 *   deal_new    deals started: contract type ('' before terms)
 *   deal_signed deals signed (the second signature): contract type; amount fen
 *   deal_done   deals completed: contract type; amount fen
 *   deal_flow   deals signed: provider's city / client's city; amount fen
 *               (all domains: the domain filter leaves flows as they are)
 *   ch_entry    揭榜 entries published: state now; amount bounty fen
 *   ch_list     揭榜 entries published: list id
 *   ch_app      applications (not withdrawn) made, in the entry's region
 *   rev         listing revisions reviewed: approved|rejected; amount ms waited
 *   wo          work orders opened: type / state now
 *   wo_center   work orders opened: center id / orders|breach|resp|rated;
 *               amount: ms to first response (resp), the rating (rated)
 *   fed         flows between instances, in the listing's region and domain: peer id /
 *               received (listing first held here) | shared (first served to the peer) |
 *               eoi_sent | eoi_received (by the EOI's day) | eoi_sent_accepted |
 *               eoi_received_accepted
 * A work order's SLA is breached when its first response came (or, still
 * missing, is) later than the first-response window
 * (setting workorder_first_response_hours), or it was escalated.
 *
 * Thread-safety: every function works on the kj_db given (one thread per
 * connection); kj_stats_refresh writes in its own transactions; the cache
 * is per store and locked (stats/cache.c).
 */
#ifndef KJ_STATS_H
#define KJ_STATS_H
#include "core/err.h"
#include "store/store.h"
#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/** A match counts as "matched" from this score on (scores are 0..1). */
#define KJ_STATS_MATCH_MIN 0.5
/** The first month kj_stats_refresh writes days of into stats_days (YYYYMM). */
#define KJ_STATS_FIRST_MONTH 201501
/** The longest period asked at once, in days (about ten years). */
#define KJ_STATS_MAX_DAYS 3660
/** The store signal a finished rebuild sends (payload: its gen). */
#define KJ_STATS_CHANNEL "kj_stats"

/** What the figures are asked for. */
typedef struct kj_stats_query {
    const char *region;     /* a region code, or NULL / "" for the whole instance */
    int from, to;           /* days YYYYMMDD in the instance's time zone, both included (from <= to) */
    const char *domain;     /* a first-level domain code (D01…), or NULL / "" for all */
    bool public_view;       /* the public data page: only non-sensitive figures, every
                               count of people or records under KJ_POPSCI_K suppressed */
} kj_stats_query;

/** Rebuilds stats_facts (and stats_region_up, stats_days) from the
 *  records under a new gen, one transaction per metric, then shows it (one
 *  small transaction, and the KJ_STATS_CHANNEL signal), and deletes the
 *  gen it replaced. first_response_ms: the work orders' first-response
 *  window. stop (may be NULL): asked between metrics and within each
 *  statement; once true the rebuild gives up and the figures shown stay.
 *  Returns the number of fact rows, -2 when stopped, -1 when failed (the
 *  figures shown stay in both cases). */
int64_t kj_stats_refresh(kj_db *db, int64_t first_response_ms, const atomic_bool *stop);
/** Calls kj_stats_refresh when the facts are older than every_ms (or were
 *  never built). For the periodic job. 1 rebuilt, 0 not due, -1 failed,
 *  -2 stopped. */
int kj_stats_refresh_due(kj_db *db, int64_t every_ms, int64_t first_response_ms, const atomic_bool *stop);
/** Tests only: read every period from its day rows (no month rows), to
 *  check that both grains give the same figures. */
void kj_stats_test_days_only(bool on);
/** Test mode only: kj_stats_refresh waits ms before each metric (asking
 *  its stop flag meanwhile), so that a test can stop a rebuild half-way. */
void kj_stats_test_delay(int ms);

/** The month (YYYYMM) / day (YYYYMMDD) the moment ms falls in, in the
 *  instance's time zone. */
int kj_stats_month_of(int64_t ms);
int kj_stats_day_of(int64_t ms);
/** The first ms of month (YYYYMM) / day (YYYYMMDD) in the instance's time zone. */
int64_t kj_stats_month_start(int month);
int64_t kj_stats_day_start(int day);
/** month plus delta months, day plus delta days (delta may be negative). */
int kj_stats_month_add(int month, int delta);
int kj_stats_day_add(int day, int delta);
/** Days from a to b (b - a; 0 for the same day). */
int kj_stats_days_between(int a, int b);
/** The same date a year before (29 February: the 28th). */
int kj_stats_day_year_before(int day);
/** The last day (YYYYMMDD) of month (YYYYMM). */
int kj_stats_month_last_day(int month);
/** Parses "YYYY-MM-DD" into YYYYMMDD, or "YYYY-MM" into its first day
 *  (last: its last day); 0 when malformed, not a calendar date, before
 *  KJ_STATS_FIRST_MONTH or after 9999-12-31. */
int kj_stats_parse_day(const char *s, bool last);
/** Fills q's period from the texts from / to (either may be NULL or
 *  empty; see kj_stats_parse_day): by default to is today and from the
 *  first day of the month eleven months before to's (twelve calendar
 *  months); a month alone for to means its last day. BAD_REQUEST (field
 *  "from" or "to", err.stats.date / err.stats.period) when malformed, or
 *  from > to, or the period spans more than KJ_STATS_MAX_DAYS days. */
int kj_stats_period(kj_stats_query *q, const char *from, const char *to, kj_err *e);
/** The period before q's of the same number of days (*from, *to), and q's
 *  dates a year before (*yfrom, *yto): what the comparisons compare with. */
void kj_stats_compare_periods(const kj_stats_query *q, int *pfrom, int *pto, int *yfrom, int *yto);

/** May user see the figures of region (NULL / "": the whole instance)?
 *  Administrators everywhere; center staff in their jurisdiction (asks
 *  authz). */
bool kj_stats_may_see(json_t *user, const char *region);

/** Every figure for q as a new JSON object (see docs/openapi.json,
 *  Stats). NOT_FOUND (err.stats.region) when q->region is not a known
 *  region, INVALID (err.stats.domain) for an unknown domain; NULL with e
 *  then. A failed read leaves the connection failed (kj_db_failed). */
json_t *kj_stats_figures(kj_db *db, const kj_stats_query *q, kj_err *e);
/** kj_stats_figures through the per-store cache (stats/cache.c): the same
 *  answer, computed at most once per (query, rebuild). Thread-safe. */
json_t *kj_stats_figures_cached(kj_db *db, const kj_stats_query *q, kj_err *e);
/** Entries in the cache now (tests and /metrics). */
int kj_stats_cache_size(kj_db *db);

/** The first-level domains [{code, name_zh, name_en}] (new ref), for
 *  the domain filter. */
json_t *kj_stats_domains(kj_db *db);

/** The figures as tables (new JSON array): [{id, title (i18n key),
 *  chart: "bar" | "line" | "", columns: [i18n keys], rows: [[cell…]]}],
 *  cells being integers, reals, strings, null (suppressed: shown "<k") or
 *  {"key": i18n key}. Names of regions and domains in lang ("zh-CN" or
 *  "en"). The pages, the CSV and XLSX exports and the PDF report all show
 *  these. */
json_t *kj_stats_tables(json_t *figures, const char *lang);
#endif
