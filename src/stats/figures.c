/*
 * figures.c — reading the figures of one region, period and domain: the
 * facts (stats_facts, built by refresh.c) of the region itself, and the
 * 科普 readers, questions and teams counted live (distinct people cannot
 * be summed: stats.h). Every count of people, and in the public view every
 * count at all, under KJ_POPSCI_K is suppressed here, before anything can
 * show it.
 */
#include "stats/stats.h"
#include "stats/stats_int.h"
#include "authz/authz.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "popsci/popsci.h"
#include "ref/regions.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kinds[] = { "achievement", "service", "demand", NULL };
static const char *const contract_types[] = { "development", "transfer", "license", "consulting", "service", NULL };
static const char *const awarded_states[] = { "publicity", "agreement", "executing", "completed", NULL };

bool kj_stats_may_see(json_t *user, const char *region) { return kj_authz_may_see_stats(user, region); }

int kj_stats_parse_day(const char *s, bool last)
{
    size_t n = s ? strlen(s) : 0;
    if (n != 7 && n != 10) return 0;
    for (size_t i = 0; i < n; i++)
        if ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' || s[i] > '9')) return 0;
    int y = atoi(s), m = atoi(s + 5);
    if (m < 1 || m > 12 || y * 100 + m < KJ_STATS_FIRST_MONTH) return 0;
    if (n == 7) return last ? kj_stats_month_last_day(y * 100 + m) : (y * 100 + m) * 100 + 1;
    int d = atoi(s + 8);
    if (d < 1 || d > kj_stats_month_last_day(y * 100 + m) % 100) return 0;
    return (y * 100 + m) * 100 + d;
}

int kj_stats_period(kj_stats_query *q, const char *from, const char *to, kj_err *e)
{
    int t = to && *to ? kj_stats_parse_day(to, true) : kj_stats_day_of(kj_now_ms());
    if (!t) return kj_err_set(e, KJ_E_BAD_REQUEST, "err.stats.date", "to");
    int f = from && *from ? kj_stats_parse_day(from, false) : kj_stats_month_add(t / 100, -11) * 100 + 1;
    if (!f) return kj_err_set(e, KJ_E_BAD_REQUEST, "err.stats.date", "from");
    if (f < KJ_STATS_FIRST_MONTH * 100 + 1) f = KJ_STATS_FIRST_MONTH * 100 + 1;
    if (f > t || kj_stats_days_between(f, t) >= KJ_STATS_MAX_DAYS)
        return kj_err_set(e, KJ_E_BAD_REQUEST, "err.stats.period", "from");
    q->from = f;
    q->to = t;
    return 0;
}

void kj_stats_compare_periods(const kj_stats_query *q, int *pfrom, int *pto, int *yfrom, int *yto)
{
    int len = kj_stats_days_between(q->from, q->to) + 1;
    *pto = kj_stats_day_add(q->from, -1);
    *pfrom = kj_stats_day_add(q->from, -len);
    *yfrom = kj_stats_day_year_before(q->from);
    *yto = kj_stats_day_year_before(q->to);
}

/* ---- small accumulators (JSON objects of integers) ---- */

static void add(json_t *o, const char *key, int64_t v)
{
    json_t *cur = json_object_get(o, key);
    json_object_set_new(o, key, json_integer((cur ? json_integer_value(cur) : 0) + v));
}

static int64_t get(json_t *o, const char *key) { return json_integer_value(json_object_get(o, key)); }

static json_t *sub(json_t *o, const char *key)
{
    json_t *s = json_object_get(o, key);
    if (!s) { s = json_object(); json_object_set_new(o, key, s); }
    return s;
}

static void month_text(int m, char *out, size_t n) { snprintf(out, n, "%04d-%02d", m / 100, m % 100); }
static void day_text(int d, char *out, size_t n) { snprintf(out, n, "%04d-%02d-%02d", d / 10000, d / 100 % 100, d % 100); }

/* Counts and amounts as the view may show them: a count under k is null in
 * the public view (and so is the amount it sums: one deal's value is that
 * deal's price); people are suppressed under k in every view. */
typedef struct {
    const kj_stats_query *q;
    int64_t suppressed;
} view;

static json_t *cnt(view *v, int64_t n)
{
    if (v->q->public_view && n > 0 && n < KJ_POPSCI_K) { v->suppressed++; return json_null(); }
    return json_integer(n);
}

static json_t *amt(view *v, int64_t n, int64_t amount)
{
    if (v->q->public_view && n > 0 && n < KJ_POPSCI_K) return json_null();
    return json_integer(amount);
}

static json_t *people(view *v, int64_t n)
{
    if (n > 0 && n < KJ_POPSCI_K) { v->suppressed++; return json_null(); }
    return json_integer(n);
}

static json_t *avg_hours(view *v, int64_t n, int64_t sum_ms)
{
    if (n <= 0) return NULL;   /* nothing to average: the key is left out */
    if (v->q->public_view && n < KJ_POPSCI_K) return json_null();
    return json_real(round((double)sum_ms / (double)n / 3600000.0 * 10) / 10);
}

/* ---- names ---- */

static json_t *region_ref(const char *code)
{
    const kj_region *r = code && *code ? kj_regions_get(kj_regions_current(), code) : NULL;
    return json_pack("{s:s, s:s, s:s, s:s}", "code", code ? code : "", "name_zh", r ? r->name_zh : "",
                     "name_en", r ? r->name_en : "", "level", r ? r->level : "");
}

/* ---- the facts ---- */

typedef struct {
    json_t *pub, *open;            /* kind → n */
    json_t *pub_dom;               /* domain → kind → n */
    json_t *open_trl;              /* trl → kind → n */
    int64_t matched, answered, solved;
    json_t *eoi_days;              /* days → n */
    int64_t started, signed_n, signed_fen, done, done_fen;
    json_t *type_n, *type_fen;     /* contract type → */
    json_t *dom_n, *dom_fen;       /* domain → (signed) */
    json_t *flows;                 /* "from to" → {n, fen} */
    json_t *ch_state, *ch_bounty, *ch_lists;
    int64_t ch_apps;
    json_t *rev_n, *rev_ms;        /* approved|rejected → */
    json_t *wo_type, *wo_state;
    json_t *centers;               /* center id → measure → {n, amount} */
    json_t *series;                /* figure → month text → n (days of the period only) */
    json_t *cmp;                   /* figure → this|previous|year_ago → n */
    json_t *fed;                   /* peer id → received|shared|eoi_… → n */
    int pfrom, pto, yfrom, yto;    /* the periods compared with (kj_stats_compare_periods) */
} acc;

/* Where a fact's sum goes: the period (by its month: trends, and "this"
 * of the comparisons), or only the comparisons' other periods. */
enum { IN_PERIOD, PREVIOUS, YEAR_AGO };
static const char *const cmp_keys[] = { "this", "previous", "year_ago" };

static void series_add(acc *a, const char *figure, int where, int month, int64_t v)
{
    add(sub(a->cmp, figure), cmp_keys[where], v);
    if (where == IN_PERIOD) {
        char m[40];
        month_text(month, m, sizeof m);
        add(sub(a->series, figure), m, v);
    }
}

/* One sum of facts: month is the month (YYYYMM) of the days summed, or 0
 * for a state counted when the job ran. */
static void take_fact(acc *a, int where, const char *metric, int month, const char *domain,
                      const char *dim, const char *dim2, int64_t n, int64_t amount)
{
    /* Monthly trends (the period's days) and the comparisons (the period,
     * the one before it, the same dates a year before). */
    if (month) {
        if (!strcmp(metric, "l_pub")) {
            series_add(a, "listings_published", where, month, n);
            if (!strcmp(dim, "demand")) series_add(a, "demands_published", where, month, n);
        } else if (!strcmp(metric, "d_solved")) series_add(a, "demands_solved", where, month, n);
        else if (!strcmp(metric, "deal_signed")) {
            series_add(a, "deals_signed", where, month, n);
            series_add(a, "contract_value_fen", where, month, amount);
        } else if (!strcmp(metric, "wo")) series_add(a, "workorders", where, month, n);
    }
    if (where != IN_PERIOD) return;
    if (!strcmp(metric, "l_pub")) {
        add(a->pub, dim, n);
        add(sub(a->pub_dom, domain), dim, n);
    } else if (!strcmp(metric, "l_open")) {
        add(a->open, dim, n);
        add(sub(a->open_trl, *dim2 ? dim2 : "-"), dim, n);
    } else if (!strcmp(metric, "d_matched")) a->matched += n;
    else if (!strcmp(metric, "d_answered")) a->answered += n;
    else if (!strcmp(metric, "d_solved")) a->solved += n;
    else if (!strcmp(metric, "d_eoi_days") || !strcmp(metric, "d_eoi_days_all")) add(a->eoi_days, dim, n);
    else if (!strcmp(metric, "deal_new")) a->started += n;
    else if (!strcmp(metric, "deal_signed")) {
        a->signed_n += n;
        a->signed_fen += amount;
        add(a->type_n, *dim ? dim : "none", n);
        add(a->type_fen, *dim ? dim : "none", amount);
        add(a->dom_n, domain, n);
        add(a->dom_fen, domain, amount);
    } else if (!strcmp(metric, "deal_done")) {
        a->done += n;
        a->done_fen += amount;
    } else if (!strcmp(metric, "ch_entry")) {
        add(a->ch_state, dim, n);
        add(a->ch_bounty, dim, amount);
    } else if (!strcmp(metric, "ch_list")) add(a->ch_lists, dim, n);
    else if (!strcmp(metric, "ch_app")) a->ch_apps += n;
    else if (!strcmp(metric, "rev")) {
        add(a->rev_n, dim, n);
        add(a->rev_ms, dim, amount);
    } else if (!strcmp(metric, "wo")) {
        add(a->wo_type, dim, n);
        add(a->wo_state, dim2, n);
    } else if (!strcmp(metric, "wo_center")) {
        json_t *c = sub(sub(a->centers, dim), dim2);
        add(c, "n", n);
        add(c, "amount", amount);
    } else if (!strcmp(metric, "fed")) add(sub(a->fed, dim), dim2, n);
}

/* ---- a period at its grains ---- */

/* Test hook (stats.h): every period read from its day rows. */
static atomic_bool days_only;
void kj_stats_test_days_only(bool on) { atomic_store(&days_only, on); }

bool kj_stats_has_months(const char *region)
{
    if (!region || !*region) return true;
    const kj_region *r = kj_regions_get(kj_regions_current(), region);
    return r && (!strcmp(r->level, "province") || !strcmp(r->level, "city"));   /* MONTH_LEVELS */
}

/* A range of the column day: days YYYYMMDD, months YYYYMM, or 0 (states). */
typedef struct { int lo, hi; } range;

/* The parts of the period from … to (days, both included) at the grains
 * they are read at (stats.h, "grains"): the whole months in it from their
 * month rows, the days of a month it covers only in part (at most one at
 * each end) from their day rows. Writes 1 to 3 ranges; returns how many. */
static int split(int from, int to, bool months, range part[3])
{
    int fm = from / 100, tm = to / 100, tm_last = kj_stats_month_last_day(tm);
    int first = from % 100 == 1 ? fm : kj_stats_month_add(fm, 1);   /* the first whole month */
    int last = to == tm_last ? tm : kj_stats_month_add(tm, -1);     /* the last one */
    if (!months || atomic_load(&days_only) || first > last) {
        part[0] = (range){ from, to };
        return 1;
    }
    int n = 0;
    if (from % 100 != 1) part[n++] = (range){ from, kj_stats_month_last_day(fm) };
    part[n++] = (range){ first, last };
    if (to != tm_last) part[n++] = (range){ tm * 100 + 1, to };
    return n;
}

/* The facts of a period as SQL for a FROM clause (new string, or NULL):
 * "SELECT cols FROM stats_facts WHERE cond AND day BETWEEN ? AND ?" for
 * each part of from … to (split; months: the regions cond reads have month
 * rows), and for the states (day 0) first when states, joined by UNION
 * ALL: each part is one stretch of the table's key (gen, region, metric,
 * day). Appends to params, for each part, cond's parameters (cp) and the
 * part's range. cols and cond are literals of this file, never input. */
static char *period_sql(const char *cols, const char *cond, json_t *cp, int from, int to, bool months, bool states,
                        json_t *params)
{
    static const char sel[] = "SELECT ", frm[] = " FROM stats_facts WHERE ", rng[] = " AND day BETWEEN ? AND ?",
                      uni[] = " UNION ALL ";
    range part[4];
    int n = 0;
    if (states) part[n++] = (range){ 0, 0 };
    n += split(from, to, months, part + n);
    size_t len = (size_t)n * (strlen(sel) + strlen(cols) + strlen(frm) + strlen(cond) + strlen(rng) + strlen(uni)) + 1;
    char *sql = malloc(len);
    if (!sql) return NULL;
    *sql = 0;
    for (int i = 0; i < n; i++) {
        if (i) strcat(sql, uni);
        strcat(strcat(strcat(strcat(strcat(sql, sel), cols), frm), cond), rng);
        size_t j;
        json_t *x;
        json_array_foreach(cp, j, x) json_array_append(params, x);
        json_array_append_new(params, json_integer(part[i].lo));
        json_array_append_new(params, json_integer(part[i].hi));
    }
    return sql;
}

/* Runs "head (period_sql ...) f tail" with params (both released). */
static kj_stmt *prepare_period(kj_db *db, const char *head, char *facts, const char *tail, json_t *params)
{
    kj_stmt *st = NULL;
    size_t len = facts ? strlen(head) + strlen(facts) + strlen(tail) + 8 : 0;
    char *sql = len ? malloc(len) : NULL;
    if (sql) {
        snprintf(sql, len, "%s(%s) f %s", head, facts, tail);
        st = kj_db_prepare_j(db, sql, params);
    }
    free(sql);
    free(facts);
    json_decref(params);
    return st;
}

/* The metrics read for the period: all but the flows (read_flows) and one
 * of the median's histograms (per domain under a domain filter, else the
 * one across all domains: stats.h). */
#define PERIOD_METRICS(eoi) "('l_pub', 'l_open', 'd_matched', 'd_answered', 'd_solved', '" eoi "', 'deal_new', " \
    "'deal_signed', 'deal_done', 'ch_entry', 'ch_list', 'ch_app', 'rev', 'wo', 'wo_center', 'fed')"
/* The series compared with the periods before (stats.h). */
#define SERIES "('l_pub', 'd_solved', 'deal_signed', 'wo')"
/* A row's month: day rows YYYYMMDD, month rows YYYYMM, states 0. */
#define MONTH_OF_DAY "CASE WHEN day >= 1000000 THEN day / 100 ELSE day END"

/* Reads stmt's rows (metric, month, domain, dim, dim2, n, amount) into a. */
static int take_rows(kj_db *db, kj_stmt *st, acc *a, int where)
{
    int rc;
    while ((rc = kj_stmt_step(db, st)) == KJ_DB_ROW) {
        char t[4][64];
        int cols[4] = { 0, 2, 3, 4 };
        for (int i = 0; i < 4; i++) {
            size_t len;
            const char *x = kj_stmt_text(db, st, cols[i], &len);
            snprintf(t[i], sizeof t[i], "%.*s", x ? (int)len : 0, x ? x : "");
        }
        take_fact(a, where, t[0], (int)kj_stmt_int(db, st, 1, 0), t[1], t[2], t[3], kj_stmt_int(db, st, 5, 0),
                  kj_stmt_int(db, st, 6, 0));
    }
    kj_stmt_finish(db, st);
    return rc == KJ_DB_DONE ? 0 : -1;
}

/* The facts of the period (its states, whole months and edge days), summed
 * by month by the database, then the compared periods' series, summed
 * whole. */
static int read_facts(kj_db *db, const kj_stats_query *q, int64_t gen, acc *a)
{
    const char *region = q->region ? q->region : "";
    bool dom = q->domain && *q->domain;
    json_t *cp = json_pack("[I, s]", (json_int_t)gen, region);
    if (dom) json_array_append_new(cp, json_string(q->domain));
    json_t *p = json_array();
    char *facts = period_sql("metric, day, domain, dim, dim2, n, amount",
                             dom ? "gen = ? AND region = ? AND metric IN " PERIOD_METRICS("d_eoi_days")
                                   " AND (domain = ? OR metric IN ('wo', 'wo_center'))"
                                 : "gen = ? AND region = ? AND metric IN " PERIOD_METRICS("d_eoi_days_all"),
                             cp, q->from, q->to, kj_stats_has_months(region), true, p);
    kj_stmt *st = prepare_period(db, "SELECT metric, " MONTH_OF_DAY " AS m, domain, dim, dim2, sum(n), sum(amount) FROM ",
                                 facts, "GROUP BY metric, " MONTH_OF_DAY ", domain, dim, dim2", p);
    if (!st || take_rows(db, st, a, IN_PERIOD)) { json_decref(cp); return -1; }
    /* The compared periods (the one before, a year before): each a sum. */
    const int ranges[2][3] = { { PREVIOUS, a->pfrom, a->pto }, { YEAR_AGO, a->yfrom, a->yto } };
    for (int r = 0; r < 2; r++) {
        p = json_array();
        facts = period_sql("metric, dim, n, amount",
                           dom ? "gen = ? AND region = ? AND metric IN " SERIES " AND (domain = ? OR metric = 'wo')"
                               : "gen = ? AND region = ? AND metric IN " SERIES,
                           cp, ranges[r][1], ranges[r][2], kj_stats_has_months(region), false, p);
        st = prepare_period(db, "SELECT metric, 1 AS m, '' AS domain, CASE WHEN metric = 'l_pub' THEN dim ELSE '' END AS dim, "
                                "'' AS dim2, sum(n), sum(amount) FROM ",
                            facts, "GROUP BY metric, CASE WHEN metric = 'l_pub' THEN dim ELSE '' END", p);
        if (!st || take_rows(db, st, a, ranges[r][0])) { json_decref(cp); return -1; }
    }
    json_decref(cp);
    return 0;
}

/* Flows between cities: summed by the database, the largest 50 only (a
 * province has thousands of city pairs over a year). */
static int read_flows(kj_db *db, const kj_stats_query *q, int64_t gen, acc *a)
{
    json_t *cp = json_pack("[I, s]", (json_int_t)gen, q->region ? q->region : ""), *p = json_array();
    char *facts = period_sql("dim, dim2, n, amount", "gen = ? AND region = ? AND metric = 'deal_flow'", cp, q->from, q->to,
                             kj_stats_has_months(q->region), false, p);
    json_decref(cp);
    kj_stmt *st = prepare_period(db, "SELECT dim, dim2, sum(n), sum(amount) FROM ", facts,
                                 "GROUP BY dim, dim2 ORDER BY sum(n) DESC, sum(amount) DESC, dim, dim2 LIMIT 50", p);
    if (!st) return -1;
    int rc;
    while ((rc = kj_stmt_step(db, st)) == KJ_DB_ROW) {
        size_t l1, l2;
        const char *d1 = kj_stmt_text(db, st, 0, &l1), *d2 = kj_stmt_text(db, st, 1, &l2);
        char key[128];
        snprintf(key, sizeof key, "%.*s %.*s", d1 ? (int)l1 : 0, d1 ? d1 : "", d2 ? (int)l2 : 0, d2 ? d2 : "");
        json_t *f = sub(a->flows, key);
        add(f, "n", kj_stmt_int(db, st, 2, 0));
        add(f, "fen", kj_stmt_int(db, st, 3, 0));
    }
    kj_stmt_finish(db, st);
    return rc == KJ_DB_DONE ? 0 : -1;
}

/* The median of a histogram of integer days. */
static json_t *median_days(view *v, json_t *hist)
{
    int64_t total = 0;
    const char *k;
    json_t *n;
    json_object_foreach(hist, k, n) total += json_integer_value(n);
    if (!total) return NULL;   /* no record: the key is left out */
    if (v->q->public_view && total < KJ_POPSCI_K) return json_null();
    /* The days in order (the keys are decimal texts); the median is the
     * mean of the records at positions (N-1)/2 and N/2 (0-based). */
    int64_t seen = 0, lower = -1, upper = -1, want_lo = (total - 1) / 2, want_hi = total / 2;
    for (int64_t d = 0; d < 100000 && upper < 0; d++) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)d);
        int64_t c = get(hist, key);
        if (!c) continue;
        if (lower < 0 && seen + c > want_lo) lower = d;
        if (seen + c > want_hi) upper = d;
        seen += c;
    }
    if (lower < 0 || upper < 0) return NULL;
    return json_real((double)(lower + upper) / 2.0);
}

/* ---- live 科普 figures ---- */

/* The reader-region condition for the scope: every reader (even without a
 * region) for the whole instance, else readers of a region under it. */
#define IN_SCOPE(col) "(? = '' OR " col " IN (SELECT region FROM stats_region_up WHERE anc = ?))"

/* Distinct readers of the scope from from_ms to to_ms (excluded). */
static int64_t readers_between(kj_db *db, const char *region, int64_t from_ms, int64_t to_ms)
{
    return kj_db_int(db, 0, "SELECT count(DISTINCT e.user_id) FROM popsci_events e WHERE e.kind = 'open' "
                            "AND e.at >= ? AND e.at < ? AND " IN_SCOPE("e.region"), "iiss", from_ms, to_ms, region, region);
}

static json_t *popsci_figures(kj_db *db, const kj_stats_query *q, view *v, acc *a)
{
    const char *region = q->region ? q->region : "";
    json_t *series = a->series;
    int64_t from_ms = kj_stats_day_start(q->from), to_ms = kj_stats_day_start(kj_stats_day_add(q->to, 1));
    json_t *out = json_object();
    json_t *topics = kj_db_rows(db, "SELECT c.topic, t.name_zh, t.name_en, count(*) AS n FROM popsci_content c "
                                    "LEFT JOIN popsci_topics t ON t.code = c.topic WHERE c.status = 'published' "
                                    "AND c.published_at >= ? AND c.published_at < ? GROUP BY c.topic, t.name_zh, t.name_en "
                                    "ORDER BY n DESC, c.topic", "ii", from_ms, to_ms);
    json_t *by_topic = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(topics, i, r)
        json_array_append_new(by_topic, json_pack("{s:s, s:s, s:s, s:o}", "topic", kj_jstr_or_empty(r, "topic"),
                                                  "name_zh", kj_jstr_or_empty(r, "name_zh"), "name_en",
                                                  kj_jstr_or_empty(r, "name_en"), "n", cnt(v, get(r, "n"))));
    json_decref(topics);
    json_object_set_new(out, "published_by_topic", by_topic);

    int64_t readers = readers_between(db, region, from_ms, to_ms);
    /* The comparisons' readers: distinct people per period, never summed. */
    json_t *rc = sub(a->cmp, "readers");
    json_object_set_new(rc, "this", json_integer(readers));
    json_object_set_new(rc, "previous", json_integer(readers_between(db, region, kj_stats_day_start(a->pfrom),
                                                                     kj_stats_day_start(kj_stats_day_add(a->pto, 1)))));
    json_object_set_new(rc, "year_ago", json_integer(readers_between(db, region, kj_stats_day_start(a->yfrom),
                                                                     kj_stats_day_start(kj_stats_day_add(a->yto, 1)))));
    json_object_set_new(out, "readers", people(v, readers));
    json_t *cells = kj_db_rows(db, "SELECT c.audience, e.region, count(DISTINCT e.user_id) AS people FROM popsci_events e "
                                   "JOIN popsci_content c ON c.id = e.content_id WHERE e.kind = 'open' AND e.at >= ? "
                                   "AND e.at < ? AND " IN_SCOPE("e.region") " GROUP BY c.audience, e.region "
                                   "ORDER BY c.audience, e.region", "iiss", from_ms, to_ms, region, region);
    json_t *shown = json_array();
    int64_t hidden = 0;
    json_array_foreach(cells, i, r) {
        int64_t n = get(r, "people");
        if (n < KJ_POPSCI_K) { hidden++; continue; }   /* never a cell under k, not even as a row */
        json_t *reg = region_ref(kj_jstr_or_empty(r, "region"));
        json_object_set_new(reg, "audience", json_string(kj_jstr_or_empty(r, "audience")));
        json_object_set_new(reg, "readers", json_integer(n));
        json_array_append_new(shown, reg);
    }
    json_decref(cells);
    v->suppressed += hidden;
    json_object_set_new(out, "readers_by_audience_region", shown);
    json_object_set_new(out, "cells_suppressed", json_integer(hidden));

    /* Monthly readers for the trend (distinct per month, the period's days only). */
    json_t *monthly = kj_db_rows(db, "SELECT x.day / 100 AS month, count(DISTINCT x.user_id) AS people FROM (SELECT " DAY("e.at")
                                     " AS day, e.user_id FROM popsci_events e WHERE e.kind = 'open' AND e.at >= ? "
                                     "AND e.at < ? AND " IN_SCOPE("e.region") ") x WHERE x.day IS NOT NULL GROUP BY x.day / 100",
                                 "iiss", from_ms, to_ms, region, region);
    json_t *rs = sub(series, "readers");
    json_array_foreach(monthly, i, r) {
        char m[40];
        month_text((int)get(r, "month"), m, sizeof m);
        /* A month's readers under k are left out of the trend (0), as any cell. */
        json_object_set_new(rs, m, json_integer(get(r, "people") >= KJ_POPSCI_K ? get(r, "people") : 0));
    }
    json_decref(monthly);

    json_t *qa = kj_db_row(db, "SELECT count(*) AS asked, count(f.at) AS answered, COALESCE(sum(f.at - q.created_at), 0) AS wait "
                               "FROM popsci_questions q LEFT JOIN (SELECT question_id, min(created_at) AS at FROM popsci_answers "
                               "GROUP BY question_id) f ON f.question_id = q.id WHERE q.created_at >= ? AND q.created_at < ? "
                               "AND " IN_SCOPE("q.region"), "iiss", from_ms, to_ms, region, region);
    json_object_set_new(out, "questions", json_pack("{s:o, s:o, s:o*}", "asked", cnt(v, get(qa, "asked")), "answered",
                                                    cnt(v, get(qa, "answered")), "answer_hours_avg",
                                                    avg_hours(v, get(qa, "answered"), get(qa, "wait"))));
    json_decref(qa);

    /* Volunteer teams with members whose service area lies in the scope
     * (or, for the whole instance, any team with members). */
    json_t *teams = kj_db_rows(db, "SELECT t.regions, (SELECT count(*) FROM popsci_team_members m WHERE m.team_id = t.id) AS members "
                                   "FROM popsci_teams t", "");
    int64_t active = 0;
    json_array_foreach(teams, i, r) {
        if (get(r, "members") < 1) continue;
        if (!*region) { active++; continue; }
        char *list = strdup(kj_jstr_or_empty(r, "regions")), *save = NULL;
        for (char *tok = strtok_r(list, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
            if (kj_authz_region_covers(region, tok)) { active++; break; }
        free(list);
    }
    json_decref(teams);
    json_object_set_new(out, "teams_active", cnt(v, active));
    json_object_set_new(out, "k", json_integer(KJ_POPSCI_K));
    return out;
}

/* ---- assembling ---- */

static json_t *kind_counts(view *v, json_t *o)
{
    json_t *r = json_object();
    for (const char *const *k = kinds; *k; k++) json_object_set_new(r, *k, cnt(v, get(o, *k)));
    return r;
}

/* Adds src's members to dst and releases src. */
static void merge(json_t *dst, json_t *src)
{
    json_object_update(dst, src);
    json_decref(src);
}

static json_t *domain_names(kj_db *db)
{
    return kj_rows_index(json_object(), kj_db_rows(db, "SELECT code, name_zh, name_en FROM domains WHERE parent IS NULL OR parent = '' ORDER BY code", ""),
                         "code");
}

json_t *kj_stats_domains(kj_db *db)
{
    json_t *rows = kj_db_rows(db, "SELECT code, name_zh, name_en FROM domains WHERE parent IS NULL OR parent = '' ORDER BY code", "");
    return rows ? rows : json_array();
}

static json_t *domain_ref(json_t *names, const char *code)
{
    json_t *d = json_object_get(names, code);
    return json_pack("{s:s, s:s, s:s}", "code", code, "name_zh", d ? kj_jstr_or_empty(d, "name_zh") : "",
                     "name_en", d ? kj_jstr_or_empty(d, "name_en") : "");
}

static int cmp_gap(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int64_t gx = json_integer_value(json_object_get(x, "gap")), gy = json_integer_value(json_object_get(y, "gap"));
    return gx < gy ? 1 : gx > gy ? -1 : strcmp(kj_jstr_or_empty(x, "code"), kj_jstr_or_empty(y, "code"));
}

static json_t *supply_demand(view *v, acc *a, json_t *names)
{
    json_t *sd = json_object();
    json_object_set_new(sd, "published", kind_counts(v, a->pub));
    json_object_set_new(sd, "open", kind_counts(v, a->open));
    json_t *by_dom = json_array(), *gaps = json_array();
    const char *code;
    json_t *o;
    json_object_foreach(names, code, o) {
        json_t *c = json_object_get(a->pub_dom, code);
        if (!c) continue;
        json_t *row = domain_ref(names, code);
        merge(row, kind_counts(v, c));
        json_array_append_new(by_dom, row);
        int64_t offers = get(c, "achievement") + get(c, "service"), demand = get(c, "demand");
        if (demand > offers && !(v->q->public_view && demand < KJ_POPSCI_K)) {
            json_t *g = domain_ref(names, code);
            json_object_set_new(g, "demand", json_integer(demand));
            json_object_set_new(g, "offers", cnt(v, offers));
            json_object_set_new(g, "gap", json_integer(demand - offers));
            json_array_append_new(gaps, g);
        }
    }
    json_t *other = json_object_get(a->pub_dom, "");
    if (other) {
        json_t *row = domain_ref(names, "");
        merge(row, kind_counts(v, other));
        json_array_append_new(by_dom, row);
    }
    /* Largest gap first. */
    size_t ng = json_array_size(gaps);
    json_t **gv = calloc(ng ? ng : 1, sizeof *gv);
    for (size_t i = 0; i < ng; i++) gv[i] = json_incref(json_array_get(gaps, i));
    qsort(gv, ng, sizeof *gv, cmp_gap);
    json_array_clear(gaps);
    for (size_t i = 0; i < ng; i++) json_array_append_new(gaps, gv[i]);
    free(gv);
    json_object_set_new(sd, "published_by_domain", by_dom);
    json_t *trl = json_array();
    for (int t = 1; t <= 10; t++) {
        char key[8];
        if (t == 10) snprintf(key, sizeof key, "-");
        else snprintf(key, sizeof key, "%d", t & 15);
        json_t *c = json_object_get(a->open_trl, key);
        if (!c) continue;
        json_t *row = json_pack("{s:s}", "trl", t == 10 ? "" : key);
        merge(row, kind_counts(v, c));
        json_array_append_new(trl, row);
    }
    json_object_set_new(sd, "open_by_trl", trl);
    json_object_set_new(sd, "demands", json_pack("{s:o, s:o, s:o, s:o, s:o, s:o*}",
        "published", cnt(v, get(a->pub, "demand")), "open", cnt(v, get(a->open, "demand")),
        "matched", cnt(v, a->matched), "answered", cnt(v, a->answered), "solved", cnt(v, a->solved),
        "median_days_to_first_eoi", median_days(v, a->eoi_days)));
    json_object_set_new(sd, "gaps", gaps);
    return sd;
}

static int cmp_flow(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int64_t nx = json_integer_value(json_object_get(x, "deals")), ny = json_integer_value(json_object_get(y, "deals"));
    if (nx != ny) return nx < ny ? 1 : -1;
    int64_t vx = json_integer_value(json_object_get(x, "value_fen")), vy = json_integer_value(json_object_get(y, "value_fen"));
    return vx < vy ? 1 : vx > vy ? -1 : 0;
}

static json_t *transactions(view *v, acc *a, json_t *names)
{
    json_t *t = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "started", cnt(v, a->started), "signed", cnt(v, a->signed_n),
                          "completed", cnt(v, a->done), "value_fen", amt(v, a->signed_n, a->signed_fen),
                          "completed_value_fen", amt(v, a->done, a->done_fen), "match_threshold",
                          json_real(KJ_STATS_MATCH_MIN));
    json_t *types = json_array();
    for (const char *const *c = contract_types; *c; c++)
        json_array_append_new(types, json_pack("{s:s, s:o, s:o}", "type", *c, "signed", cnt(v, get(a->type_n, *c)),
                                               "value_fen", amt(v, get(a->type_n, *c), get(a->type_fen, *c))));
    json_object_set_new(t, "by_contract_type", types);
    json_t *doms = json_array();
    const char *code;
    json_t *o;
    json_object_foreach(names, code, o) {
        if (!json_object_get(a->dom_n, code)) continue;
        json_t *row = domain_ref(names, code);
        json_object_set_new(row, "signed", cnt(v, get(a->dom_n, code)));
        json_object_set_new(row, "value_fen", amt(v, get(a->dom_n, code), get(a->dom_fen, code)));
        json_array_append_new(doms, row);
    }
    json_object_set_new(t, "by_domain", doms);
    json_t *flows = json_array();
    json_object_foreach(a->flows, code, o) {
        int64_t n = get(o, "n");
        if (v->q->public_view && n < KJ_POPSCI_K) { v->suppressed++; continue; }
        char from[64] = "", *sp = strchr(code, ' ');
        snprintf(from, sizeof from, "%.*s", (int)(sp ? sp - code : 0), code);
        json_array_append_new(flows, json_pack("{s:o, s:o, s:I, s:I}", "from", region_ref(from), "to",
                                               region_ref(sp ? sp + 1 : ""), "deals", (json_int_t)n,
                                               "value_fen", (json_int_t)get(o, "fen")));
    }
    /* The largest flows first, at most 50 (a province has hundreds of city pairs). */
    size_t nf = json_array_size(flows);
    json_t **fv = calloc(nf ? nf : 1, sizeof *fv);
    for (size_t i = 0; i < nf; i++) fv[i] = json_incref(json_array_get(flows, i));
    qsort(fv, nf, sizeof *fv, cmp_flow);
    json_array_clear(flows);
    for (size_t i = 0; i < nf; i++) {
        if (i < 50) json_array_append(flows, fv[i]);
        json_decref(fv[i]);
    }
    free(fv);
    json_object_set_new(t, "flows", flows);
    return t;
}

static json_t *challenges(view *v, acc *a)
{
    int64_t entries = 0, awarded = 0, bounty = 0, paid = 0;
    const char *k;
    json_t *n;
    json_object_foreach(a->ch_state, k, n) {
        entries += json_integer_value(n);
        bounty += get(a->ch_bounty, k);
        if (kj_in_list(awarded_states, k)) awarded += json_integer_value(n);
    }
    paid = get(a->ch_bounty, "completed");
    int64_t lists = 0;
    json_object_foreach(a->ch_lists, k, n) if (json_integer_value(n) > 0) lists++;
    json_t *per = entries && !(v->q->public_view && entries < KJ_POPSCI_K)
                      ? json_real(round((double)a->ch_apps / (double)entries * 100) / 100) : entries ? json_null() : NULL;
    return json_pack("{s:o, s:o, s:o, s:o*, s:o, s:o, s:o, s:o, s:o}", "lists", cnt(v, lists), "entries", cnt(v, entries),
                     "applications", cnt(v, a->ch_apps), "applications_per_entry", per, "awarded", cnt(v, awarded),
                     "no_award", cnt(v, get(a->ch_state, "no_award")), "completed", cnt(v, get(a->ch_state, "completed")),
                     "bounty_committed_fen", amt(v, entries, bounty),
                     "bounty_paid_fen", amt(v, get(a->ch_state, "completed"), paid));
}

static json_t *centers(kj_db *db, view *v, acc *a)
{
    int64_t rn = get(a->rev_n, "approved") + get(a->rev_n, "rejected");
    int64_t rms = get(a->rev_ms, "approved") + get(a->rev_ms, "rejected");
    json_t *c = json_pack("{s:I, s:I, s:I, s:o*}", "reviews", (json_int_t)rn, "approved", (json_int_t)get(a->rev_n, "approved"),
                          "rejected", (json_int_t)get(a->rev_n, "rejected"), "review_hours_avg", avg_hours(v, rn, rms));
    json_t *types = json_array(), *states = json_array();
    const char *k;
    json_t *n;
    int64_t orders = 0;
    json_object_foreach(a->wo_type, k, n) {
        json_array_append_new(types, json_pack("{s:s, s:O}", "type", k, "n", n));
        orders += json_integer_value(n);
    }
    json_object_foreach(a->wo_state, k, n) json_array_append_new(states, json_pack("{s:s, s:O}", "state", k, "n", n));
    json_object_set_new(c, "workorders", json_integer(orders));
    json_object_set_new(c, "workorders_by_type", types);
    json_object_set_new(c, "workorders_by_state", states);
    int64_t breach = 0, resp_n = 0, resp_ms = 0, rated = 0, rating = 0;
    json_t *names = kj_db_rows(db, "SELECT id, name_zh, name_en, region, level FROM service_centers ORDER BY region", "");
    json_t *per = json_array();
    size_t i;
    json_t *ctr;
    json_array_foreach(names, i, ctr) {
        json_t *m = json_object_get(a->centers, kj_jstr_or_empty(ctr, "id"));
        if (!m) continue;
        json_t *o = json_object_get(m, "orders"), *b = json_object_get(m, "breach"), *r = json_object_get(m, "resp"),
               *t = json_object_get(m, "rated");
        breach += get(b, "n");
        resp_n += get(r, "n");
        resp_ms += get(r, "amount");
        rated += get(t, "n");
        rating += get(t, "amount");
        json_array_append_new(per, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:o*, s:I, s:o*}",
            "id", kj_jstr_or_empty(ctr, "id"), "name_zh", kj_jstr_or_empty(ctr, "name_zh"),
            "name_en", kj_jstr_or_empty(ctr, "name_en"), "level", kj_jstr_or_empty(ctr, "level"),
            "workorders", (json_int_t)get(o, "n"), "sla_breaches", (json_int_t)get(b, "n"),
            "first_response_hours_avg", avg_hours(v, get(r, "n"), get(r, "amount")),
            "rated", (json_int_t)get(t, "n"),
            "satisfaction", get(t, "n") ? json_real(round((double)get(t, "amount") / (double)get(t, "n") * 100) / 100) : NULL));
    }
    json_decref(names);
    json_object_set_new(c, "first_response_hours_avg", avg_hours(v, resp_n, resp_ms));
    json_object_set_new(c, "sla_breaches", json_integer(breach));
    json_object_set_new(c, "rated", json_integer(rated));
    if (rated) json_object_set_new(c, "satisfaction", json_real(round((double)rating / (double)rated * 100) / 100));
    json_object_set_new(c, "per_center", per);
    return c;
}

static const char *const series_names[] = { "listings_published", "demands_published", "demands_solved", "deals_signed",
                                            "contract_value_fen", "workorders", "readers", NULL };

static json_t *trends_and_comparisons(view *v, const kj_stats_query *q, acc *a, json_t **cmp_out)
{
    /* Trends stay monthly: the calendar months the period touches, each
     * counting the period's days only. */
    json_t *months = json_array();
    for (int m = q->from / 100; m <= q->to / 100; m = kj_stats_month_add(m, 1)) {
        char t[40];
        month_text(m, t, sizeof t);
        json_array_append_new(months, json_string(t));
    }
    json_t *series = json_array();
    json_t *cmp = json_array();
    for (const char *const *s = series_names; *s; s++) {
        if (v->q->public_view && (!strcmp(*s, "workorders"))) continue;
        json_t *src = json_object_get(a->series, *s), *vals = json_array();
        size_t i;
        json_t *m;
        json_array_foreach(months, i, m) json_array_append_new(vals, json_integer(get(src, json_string_value(m))));
        json_array_append_new(series, json_pack("{s:s, s:o}", "figure", *s, "values", vals));
        bool money = !strcmp(*s, "contract_value_fen"), persons = !strcmp(*s, "readers");
        json_t *cs = json_object_get(a->cmp, *s);
        int64_t c = get(cs, "this"), p = get(cs, "previous"), y = get(cs, "year_ago");
        json_t *row = json_pack("{s:s}", "figure", *s);
        json_object_set_new(row, "this", money ? json_integer(c) : persons ? people(v, c) : cnt(v, c));
        json_object_set_new(row, "previous", money ? json_integer(p) : persons ? people(v, p) : cnt(v, p));
        json_object_set_new(row, "year_ago", money ? json_integer(y) : persons ? people(v, y) : cnt(v, y));
        /* Readers under k would show through a percentage. */
        if (persons && (c < KJ_POPSCI_K || p < KJ_POPSCI_K || y < KJ_POPSCI_K)) {
            if (c < KJ_POPSCI_K || p < KJ_POPSCI_K) p = 0;
            if (c < KJ_POPSCI_K || y < KJ_POPSCI_K) y = 0;
        }
        /* A change from nothing has no percentage: the key is left out. */
        if (p) json_object_set_new(row, "change_pct", json_real(round((double)(c - p) * 1000 / (double)p) / 10));
        if (y) json_object_set_new(row, "yoy_pct", json_real(round((double)(c - y) * 1000 / (double)y) / 10));
        json_array_append_new(cmp, row);
    }
    /* In the public view a month's deals under k would show through its value. */
    if (v->q->public_view) {
        json_t *sv = NULL, *dv = NULL;
        size_t i;
        json_t *s;
        json_array_foreach(series, i, s) {
            if (!strcmp(kj_jstr(s, "figure"), "contract_value_fen")) sv = json_object_get(s, "values");
            if (!strcmp(kj_jstr(s, "figure"), "deals_signed")) dv = json_object_get(s, "values");
        }
        json_array_foreach(series, i, s) {
            json_t *vals = json_object_get(s, "values");
            for (size_t j = 0; j < json_array_size(vals); j++) {
                int64_t x = json_integer_value(json_array_get(vals, j));
                if (x > 0 && x < KJ_POPSCI_K && vals != sv) json_array_set_new(vals, j, json_null());
                if (vals == sv && dv) {
                    int64_t d = json_integer_value(json_array_get(dv, j));
                    if (d > 0 && d < KJ_POPSCI_K) json_array_set_new(vals, j, json_null());
                }
            }
        }
        json_array_foreach(cmp, i, s) {
            if (strcmp(kj_jstr(s, "figure"), "contract_value_fen")) continue;
            json_t *d = NULL;
            size_t j;
            json_t *r;
            json_array_foreach(cmp, j, r) if (!strcmp(kj_jstr(r, "figure"), "deals_signed")) d = r;
            const char *cols[] = { "this", "previous", "year_ago" };
            for (int c = 0; c < 3; c++)
                if (d && json_is_null(json_object_get(d, cols[c]))) json_object_set_new(s, cols[c], json_null());
        }
    }
    char t[4][16];
    day_text(a->pfrom, t[0], sizeof t[0]);
    day_text(a->pto, t[1], sizeof t[1]);
    day_text(a->yfrom, t[2], sizeof t[2]);
    day_text(a->yto, t[3], sizeof t[3]);
    *cmp_out = json_pack("{s:{s:s, s:s}, s:{s:s, s:s}, s:o}", "previous", "from", t[0], "to", t[1], "year_ago", "from", t[2],
                         "to", t[3], "rows", cmp);
    return json_pack("{s:o, s:o}", "months", months, "series", series);
}

/* Flows between instances by peer (stats.h, metric fed): every peer this
 * instance knows, with what went each way in the period. Peers' names are
 * public (their signed instance documents); the counts follow the view. */
static const char *const fed_measures[] = { "received", "shared", "eoi_sent", "eoi_received", "eoi_sent_accepted",
                                            "eoi_received_accepted", NULL };

static json_t *federation(kj_db *db, view *v, acc *a)
{
    json_t *peers = kj_db_rows(db, "SELECT id, url, name_zh, name_en, state FROM fed_peers ORDER BY created_at, id", "");
    json_t *out = json_array(), *totals = json_object();
    size_t i;
    json_t *p;
    json_array_foreach(peers, i, p) {
        json_t *m = json_object_get(a->fed, kj_jstr_or_empty(p, "id"));
        json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", kj_jstr_or_empty(p, "id"), "url", kj_jstr_or_empty(p, "url"),
                                "name_zh", kj_jstr_or_empty(p, "name_zh"), "name_en", kj_jstr_or_empty(p, "name_en"),
                                "state", kj_jstr_or_empty(p, "state"));
        for (const char *const *k = fed_measures; *k; k++) {
            json_object_set_new(row, *k, cnt(v, get(m, *k)));
            add(totals, *k, get(m, *k));
        }
        json_array_append_new(out, row);
    }
    json_decref(peers);
    json_t *total = json_object();
    for (const char *const *k = fed_measures; *k; k++) json_object_set_new(total, *k, cnt(v, get(totals, *k)));
    json_decref(totals);
    return json_pack("{s:o, s:o}", "peers", out, "total", total);
}

static json_t *drill(kj_db *db, view *v, const kj_stats_query *q, int64_t gen)
{
    const char *region = q->region ? q->region : "";
    const kj_region *const *kids = NULL;
    size_t nk = kj_regions_children(kj_regions_current(), *region ? region : NULL, &kids);
    bool dom = q->domain && *q->domain;
    /* The children's own facts (each region has its rows: stats.h), at the
     * period's grains: those with month rows (MONTH_LEVELS), then the
     * others (a province's county-level cities beside its cities). */
    json_t *cp = json_pack("[I, s, s]", (json_int_t)gen, region, region), *p = json_array();
    if (dom) json_array_append_new(cp, json_string(q->domain));
#define KIDS(in) "gen = ? AND region IN (SELECT code FROM regions WHERE ((? = '' AND parent IS NULL) OR parent = ?) " \
                 "AND level " in " " MONTH_LEVELS ") AND metric IN ('l_pub', 'd_solved', 'deal_signed')"
    char *with = period_sql("region, metric, dim, n, amount", dom ? KIDS("IN") " AND domain = ?" : KIDS("IN"), cp, q->from,
                            q->to, true, false, p);
    char *without = period_sql("region, metric, dim, n, amount", dom ? KIDS("NOT IN") " AND domain = ?" : KIDS("NOT IN"), cp,
                               q->from, q->to, false, false, p);
#undef KIDS
    json_decref(cp);
    json_t *rows = NULL;
    if (with && without) {
        size_t len = strlen(with) + strlen(without) + 200;
        char *sql = malloc(len);
        if (sql) {
            snprintf(sql, len, "SELECT f.region, f.metric, f.dim, sum(f.n) AS n, sum(f.amount) AS amount FROM (%s UNION ALL %s) f "
                               "GROUP BY f.region, f.metric, f.dim", with, without);
            rows = kj_db_rows_j(db, sql, p);
        }
        free(sql);
    }
    free(with);
    free(without);
    json_decref(p);
    json_t *by = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        json_t *o = sub(by, kj_jstr_or_empty(r, "region"));
        const char *m = kj_jstr_or_empty(r, "metric");
        if (!strcmp(m, "l_pub")) {
            add(o, "listings", get(r, "n"));
            if (!strcmp(kj_jstr_or_empty(r, "dim"), "demand")) add(o, "demands", get(r, "n"));
        } else if (!strcmp(m, "d_solved")) add(o, "solved", get(r, "n"));
        else {
            add(o, "deals", get(r, "n"));
            add(o, "fen", get(r, "amount"));
        }
    }
    json_decref(rows);
    json_t *out = json_array();
    for (size_t k = 0; k < nk; k++) {
        json_t *o = json_object_get(by, kids[k]->code);
        json_t *row = region_ref(kids[k]->code);
        json_object_set_new(row, "listings", cnt(v, get(o, "listings")));
        json_object_set_new(row, "demands", cnt(v, get(o, "demands")));
        json_object_set_new(row, "demands_solved", cnt(v, get(o, "solved")));
        json_object_set_new(row, "deals_signed", cnt(v, get(o, "deals")));
        json_object_set_new(row, "value_fen", amt(v, get(o, "deals"), get(o, "fen")));
        json_array_append_new(out, row);
    }
    json_decref(by);
    return out;
}

json_t *kj_stats_figures(kj_db *db, const kj_stats_query *q, kj_err *e)
{
    const char *region = q->region ? q->region : "";
    if (*region && !kj_regions_get(kj_regions_current(), region)) {
        kj_err_set(e, KJ_E_NOT_FOUND, "err.stats.region", "region");
        return NULL;
    }
    json_t *names = domain_names(db);
    if (q->domain && *q->domain && !json_object_get(names, q->domain)) {
        json_decref(names);
        kj_err_set(e, KJ_E_INVALID, "err.stats.domain", "domain");
        return NULL;
    }
    acc a = { .pub = json_object(), .open = json_object(), .pub_dom = json_object(), .open_trl = json_object(),
              .eoi_days = json_object(), .type_n = json_object(), .type_fen = json_object(), .dom_n = json_object(),
              .dom_fen = json_object(), .flows = json_object(), .ch_state = json_object(), .ch_bounty = json_object(),
              .ch_lists = json_object(), .rev_n = json_object(), .rev_ms = json_object(), .wo_type = json_object(),
              .wo_state = json_object(), .centers = json_object(), .series = json_object(), .cmp = json_object(),
              .fed = json_object() };
    kj_stats_compare_periods(q, &a.pfrom, &a.pto, &a.yfrom, &a.yto);
    view v = { .q = q };
    /* The rebuild shown (stats.h): its gen, when it was built. */
    json_t *state = kj_db_row(db, "SELECT gen, building, built_at, took_ms FROM stats_state WHERE name = 'facts'", "");
    int64_t gen = state ? json_integer_value(json_object_get(state, "gen")) : 0;
    read_facts(db, q, gen, &a);   /* a failed read fails the connection (the request answers 500) */
    read_flows(db, q, gen, &a);
    json_t *out = json_object();
    json_t *scope = region_ref(region);
    json_t *chain = json_array();
    for (const char *c = *region ? region : NULL; c;) {
        const char *parent = NULL;
        if (!kj_regions_lookup_parent(c, &parent)) break;
        if (strcmp(c, region)) json_array_insert_new(chain, 0, region_ref(c));
        c = parent;
    }
    json_object_set_new(scope, "parents", chain);
    json_object_set_new(out, "scope", scope);
    char f[40], t[40];
    day_text(q->from, f, sizeof f);
    day_text(q->to, t, sizeof t);
    json_object_set_new(out, "period", json_pack("{s:s, s:s, s:I, s:I, s:i}", "from", f, "to", t, "from_ms",
                                                 (json_int_t)kj_stats_day_start(q->from), "to_ms",
                                                 (json_int_t)kj_stats_day_start(kj_stats_day_add(q->to, 1)), "days",
                                                 kj_stats_days_between(q->from, q->to) + 1));
    json_object_set_new(out, "domain", q->domain && *q->domain ? domain_ref(names, q->domain) : json_null());
    /* built_at 0: a rebuild under way that never finished one yet. */
    int64_t built = state ? json_integer_value(json_object_get(state, "built_at")) : 0;
    json_object_set_new(out, "freshness", json_pack("{s:o, s:o, s:b}", "built_at", built ? json_integer(built) : json_null(),
                                                   "took_ms", built ? json_incref(json_object_get(state, "took_ms")) : json_null(),
                                                   "building", state && json_integer_value(json_object_get(state, "building")) > 0));
    json_decref(state);
    json_object_set_new(out, "public", json_boolean(q->public_view));
    json_object_set_new(out, "supply_demand", supply_demand(&v, &a, names));
    json_object_set_new(out, "transactions", transactions(&v, &a, names));
    json_object_set_new(out, "challenges", challenges(&v, &a));
    json_object_set_new(out, "federation", federation(db, &v, &a));
    if (!q->public_view) json_object_set_new(out, "centers", centers(db, &v, &a));
    json_object_set_new(out, "popsci", popsci_figures(db, q, &v, &a));
    json_t *cmp = NULL;
    json_object_set_new(out, "trends", trends_and_comparisons(&v, q, &a, &cmp));
    json_object_set_new(out, "comparisons", cmp);
    json_object_set_new(out, "drill", drill(db, &v, q, gen));
    json_object_set_new(out, "suppressed", json_integer(v.suppressed));
    json_object_set_new(out, "k", json_integer(KJ_POPSCI_K));
    json_t *accs[] = { a.pub, a.open, a.pub_dom, a.open_trl, a.eoi_days, a.type_n, a.type_fen, a.dom_n, a.dom_fen, a.flows,
                       a.ch_state, a.ch_bounty, a.ch_lists, a.rev_n, a.rev_ms, a.wo_type, a.wo_state, a.centers, a.series, a.cmp, a.fed };
    for (size_t i = 0; i < sizeof accs / sizeof *accs; i++) json_decref(accs[i]);
    json_decref(names);
    return out;
}
