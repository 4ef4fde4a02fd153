/*
 * stats.h — the platform's figures (issue 18): supply and demand,
 * transactions, 揭榜挂帅, service centers and 科普, by region subtree,
 * period and first-level domain, with period comparisons and monthly
 * trends; for the statistics pages, the public data page, the exports and
 * GET /api/v1/stats.
 *
 * How the figures are made (why: counting 1M listings and 100k deals on
 * every page view takes seconds, reading one region's facts milliseconds):
 *  - kj_stats_refresh rebuilds table stats_facts (migration 037) from the
 *    records: one row per (metric, month, region covering the records,
 *    first-level domain, dimensions) with a count n and a sum amount. A
 *    record counts in its own region and in every ancestor along the
 *    region tree's parent chain (stats_region_up), and in '' (the whole
 *    instance); a record without a known region only in ''. The periodic
 *    job calls kj_stats_refresh_due; the page says when the facts were
 *    built (freshness).
 *  - Months are calendar months in the instance's time zone (setting
 *    time_zone, Beijing time by default): a listing published at
 *    2026-01-31 23:30 Beijing time (15:30 UTC) counts in January 2026;
 *    one at 2026-02-01 00:10 (2026-01-31 16:10 UTC) in February.
 *  - 科普 readers are distinct people, which cannot be summed over months
 *    or regions: they are counted live from popsci_events (small), and
 *    every cell of fewer than KJ_POPSCI_K people is suppressed (never shown,
 *    here or on any page; the number of suppressed cells is).
 *
 * Metrics of stats_facts (dim / dim2; amount):
 *   l_pub       listings published in the month (by published_at): kind
 *   l_open      month 0: listings published and current when the job ran: kind / TRL
 *   d_matched   demands published in the month with a match scoring at least
 *               KJ_STATS_MATCH_MIN
 *   d_answered  … with an accepted expression of interest
 *   d_solved    … with a signed deal (both parties signed)
 *   d_eoi_days  … with an accepted EOI: days from publication to the first / —
 *   d_eoi_days_all  the same, domain '' (all domains: read without a domain filter)
 *   deal_new    deals started in the month: contract type ('' before terms)
 *   deal_signed deals signed (both signatures) in the month: contract type; amount fen
 *   deal_done   deals completed in the month: contract type; amount fen
 *   deal_flow   deals signed in the month: provider's city / client's city; amount fen
 *               (all domains: the domain filter leaves flows as they are)
 *   ch_entry    揭榜 entries published in the month: state now; amount bounty fen
 *   ch_list     揭榜 entries published in the month: list id
 *   ch_app      applications (not withdrawn) made in the month, in the entry's region
 *   rev         listing revisions reviewed in the month: approved|rejected; amount ms waited
 *   wo          work orders opened in the month: type / state now
 *   wo_center   work orders opened in the month: center id / orders|breach|resp|rated;
 *               amount: ms to first response (resp), the rating (rated)
 * A work order's SLA is breached when its first response came (or, still
 * missing, is) later than the first-response window
 * (setting workorder_first_response_hours), or it was escalated.
 *
 * Thread-safety: every function works on the kj_db given (one thread per
 * connection); kj_stats_refresh writes in its own transaction.
 */
#ifndef KJ_STATS_H
#define KJ_STATS_H
#include "core/err.h"
#include "store/store.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/** A match counts as "matched" from this score on (scores are 0..1). */
#define KJ_STATS_MATCH_MIN 0.5
/** The first month kj_stats_refresh writes into stats_months (YYYYMM). */
#define KJ_STATS_FIRST_MONTH 201501

/** What the figures are asked for. */
typedef struct kj_stats_query {
    const char *region;     /* a region code, or NULL / "" for the whole instance */
    int from, to;           /* months YYYYMM, inclusive (from <= to) */
    const char *domain;     /* a first-level domain code (D01…), or NULL / "" for all */
    bool public_view;       /* the public data page: only non-sensitive figures, every
                               count of people or records under KJ_POPSCI_K suppressed */
} kj_stats_query;

/** Rebuilds stats_facts (and stats_region_up, stats_months) from the
 *  records, in one transaction, and records the time in stats_state.
 *  first_response_ms: the work orders' first-response window. Returns the
 *  number of fact rows, or -1 (nothing changed). */
int64_t kj_stats_refresh(kj_db *db, int64_t first_response_ms);
/** Calls kj_stats_refresh when the facts are older than every_ms (or were
 *  never built). For the periodic job. 1 rebuilt, 0 not due, -1 failed. */
int kj_stats_refresh_due(kj_db *db, int64_t every_ms, int64_t first_response_ms);

/** The month (YYYYMM) the moment ms falls in, in the instance's time zone. */
int kj_stats_month_of(int64_t ms);
/** The first ms of month (YYYYMM) in the instance's time zone. */
int64_t kj_stats_month_start(int month);
/** month plus delta months (delta may be negative). */
int kj_stats_month_add(int month, int delta);
/** Parses "YYYY-MM" into YYYYMM; 0 when malformed or before
 *  KJ_STATS_FIRST_MONTH or after 9999-12. */
int kj_stats_parse_month(const char *s);
/** Fills q's period from the texts from / to ("YYYY-MM", either may be
 *  NULL or empty): defaults are the 12 months ending with the current one
 *  (to) and 11 months before to (from). INVALID (field "from" or "to",
 *  err.stats.month / err.stats.period) when malformed or from > to or the
 *  period spans more than 120 months. */
int kj_stats_period(kj_stats_query *q, const char *from, const char *to, kj_err *e);

/** May user see the figures of region (NULL / "": the whole instance)?
 *  Administrators everywhere; center staff in their jurisdiction (asks
 *  authz). */
bool kj_stats_may_see(json_t *user, const char *region);

/** Every figure for q as a new JSON object (see docs/openapi.json,
 *  Stats). NOT_FOUND (err.stats.region) when q->region is not a known
 *  region, INVALID (err.stats.domain) for an unknown domain; NULL with e
 *  then. A failed read leaves the connection failed (kj_db_failed). */
json_t *kj_stats_figures(kj_db *db, const kj_stats_query *q, kj_err *e);

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
