/*
 * test_stats.c — the statistics module (src/stats) on a fixed dataset whose
 * every figure is computed by hand below: supply and demand, deals and
 * their contract types and flows, 揭榜挂帅, service centers (reviews,
 * work orders, SLA breaches, satisfaction), 科普 with k-anonymity, period
 * boundaries in Beijing time, comparisons, the region subtree by the
 * parent chain, the domain filter and the public view's suppression.
 *
 * The dataset (times UTC; Beijing is UTC+8):
 *   listings  L1 achievement D01 TRL5 锦江区(510104) published 01-31 15:30 (Beijing 01-31 23:30: January)
 *             L2 achievement D01 TRL7 旌阳区(510603) published 01-31 16:10 (Beijing 02-01 00:10: February)
 *             L3 service D02 锦江区 published 02-10, expired (not open)
 *             D1 demand D01 锦江区 published 02-01: match 0.6, EOI accepted after 3 days, deal X signed
 *             D2 demand D01 旌阳区 published 02-05: match 0.4 only, EOI accepted after 10 days
 *             D3 demand D02 西宁(630100) published 02-07 (not in 四川)
 *             D4 demand D01 锦江区 published 2025-02-15, closed (a year before)
 *   deals     X development 10,000 yuan, region 510104, provider in 德阳 (510603), client in 成都
 *               (510104): started 02-04, signed 02-05/02-06, completed 02-20
 *             Y service, region 510603: started 02-08, one signature only (not signed)
 *             Z license 5,000 yuan, region 510104: started 01-10, signed 01-20
 *   揭榜       CH1 completed, bounty 50,000 yuan, 锦江区, published 02-02: applications 2 + 1 withdrawn
 *             CH2 流标 (no_award), bounty 10,000 yuan, 旌阳区, published 02-03: 1 application
 *             CH3 submitted (never published)
 *   reviews   L1 approved after 12 h (reviewed 02-01 00:00), D1 rejected after 48 h (02-02 00:00)
 *   work orders (center 成都, window 48 h) WO1 find_technology closed, rated 4, first response after 2 h;
 *             WO2 policy new, never answered (breach); WO3 policy resolved, rated 5, answered after 50 h (breach)
 *   科普       C1 topic t1 (rural) published 02-03, C2 topic t2 published 01-10; C1 read in February by
 *             6 people of 孝泉镇 (510603101) and 2 of 锦江区; questions Q1 (锦江区, answered after 5 h),
 *             Q2 (旌阳区, unanswered); team T1 (510603, one member), T2 (no member)
 */
#include "t.h"
#include "scratch.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "stats/export.h"
#include "stats/stats.h"
#include "stats/stats_int.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t at(const char *iso)
{
    struct tm tm = { 0 };
    strptime(iso, "%Y-%m-%dT%H:%M", &tm);
    return (int64_t)timegm(&tm) * 1000;
}

#define H (3600 * 1000LL)

static int user(kj_db *db, const char *id, const char *role, const char *region)
{
    char email[64];
    snprintf(email, sizeof email, "%s@stats.test", id);
    return kj_db_exec(db, "INSERT INTO users(id, origin, email, name, password_hash, role, region, created_at, updated_at) "
                          "VALUES (?, 'LOCAL', ?, ?, 'x', ?, ?, 0, 0)", "sssss", id, email, id, role, region) == 1 ? 0 : -1;
}

static int listing(kj_db *db, const char *id, const char *kind, const char *domain, int trl, const char *region,
                   const char *status, int64_t published)
{
    return kj_db_exec(db, "INSERT INTO listings(id, origin, kind, owner_id, status, title, domain1, region, trl, "
                          "valid_until, published_at, created_at, updated_at) VALUES (?, 'LOCAL', ?, 'P', ?, ?, ?, ?, NULLIF(?, 0), "
                          "'2099-12-31', ?, ?, ?)", "ssssssiiii", id, kind, status, id, domain, region,
                      (int64_t)trl, published, published, published) == 1 ? 0 : -1;
}

static int deal(kj_db *db, const char *id, const char *listing_id, const char *region, const char *domain,
                const char *type, int64_t fen, const char *state, int64_t created)
{
    if (kj_db_exec(db, "INSERT INTO threads(id, origin, subject, created_at) VALUES (?, 'LOCAL', 's', 0)", "s", id) != 1)
        return -1;
    return kj_db_exec(db, "INSERT INTO deals(id, origin, source, source_id, listing_id, thread_id, provider_id, client_id, "
                          "title, domain, region, state, contract_type, amount_fen, created_at, updated_at) "
                          "VALUES (?, 'LOCAL', 'eoi', ?, ?, ?, 'P', 'C', 't', ?, ?, ?, ?, ?, ?, ?)", "ssssssssiii",
                      id, id, listing_id, id, domain, region, state, type, fen, created, created) == 1 ? 0 : -1;
}

static int sign(kj_db *db, const char *deal_id, const char *user_id, int64_t when)
{
    return kj_db_exec(db, "INSERT INTO deal_signatures(deal_id, user_id, contract_hash, signed_at) VALUES (?,?,'h',?)", "ssi",
                      deal_id, user_id, when) == 1 ? 0 : -1;
}

static int challenge(kj_db *db, const char *id, const char *status, const char *region, const char *domain, int64_t bounty,
                     int64_t published)
{
    if (kj_db_exec(db, "INSERT INTO challenges(id, origin, list_id, direction, title, domain, problem, bounty_fen, ip_terms, "
                       "deadline, deadline_ms, region, issuer_id, status, created_at, updated_at) VALUES (?, 'LOCAL', 'CL1', "
                       "'tech_wanted', ?, ?, 'p', ?, 'ip', '2026-12-31', 0, ?, 'C', ?, 0, 0)", "sssiss",
                   id, id, domain, bounty, region, status) != 1)
        return -1;
    if (!published) return 0;
    char ev[32];
    snprintf(ev, sizeof ev, "E%s", id);
    return kj_db_exec(db, "INSERT INTO challenge_events(id, origin, challenge_id, action, from_status, to_status, created_at) "
                          "VALUES (?, 'LOCAL', ?, 'approve', 'submitted', 'published', ?)", "ssi", ev, id, published) == 1 ? 0 : -1;
}

static int application(kj_db *db, const char *id, const char *ch, const char *who, const char *status, int64_t when)
{
    return kj_db_exec(db, "INSERT INTO challenge_applications(id, origin, challenge_id, applicant_id, team, approach, status, "
                          "created_at, updated_at) VALUES (?, 'LOCAL', ?, ?, 't', 'a', ?, ?, ?)", "ssssii",
                      id, ch, who, status, when, when) == 1 ? 0 : -1;
}

static int workorder(kj_db *db, const char *id, const char *type, const char *state, int rating, int64_t created,
                     int64_t response_after)
{
    if (kj_db_exec(db, "INSERT INTO workorders(id, requester_id, type, title, description, region, center_id, state, rating, "
                       "created_at, updated_at) VALUES (?, 'C', ?, 't', 'd', '510104', 'CC', ?, NULLIF(?, 0), ?, ?)", "sssiii",
                   id, type, state, (int64_t)rating, created, created) != 1)
        return -1;
    /* The requester's own entry never counts as a response. */
    char e1[32], e2[32];
    snprintf(e1, sizeof e1, "R%s", id);
    snprintf(e2, sizeof e2, "S%s", id);
    if (kj_db_exec(db, "INSERT INTO workorder_entries(id, workorder_id, kind, actor_id, created_at) VALUES (?,?,'event','C',?)",
                   "ssi", e1, id, created) != 1)
        return -1;
    if (response_after < 0) return 0;
    return kj_db_exec(db, "INSERT INTO workorder_entries(id, workorder_id, kind, actor_id, created_at) VALUES (?,?,'reply','OP',?)",
                      "ssi", e2, id, created + response_after) == 1 ? 0 : -1;
}

static int read_event(kj_db *db, const char *user_id, const char *content, const char *region, int64_t when)
{
    return kj_db_exec(db, "INSERT INTO popsci_events(user_id, content_id, kind, topic, region, at) VALUES (?,?,'open','t1',?,?)",
                      "sssi", user_id, content, region, when) == 1 ? 0 : -1;
}

/* Each step of load: a failure names its line and the store's reason. */
#define STEP(x) do { if ((x) != 0) { fprintf(stderr, "  load: line %d: %s\n", __LINE__, kj_db_errmsg(db)); rc = -1; } } while (0)

static int load(kj_db *db)
{
    int rc = 0;
    STEP(user(db, "P", "scientist", "510603") | user(db, "C", "org_member", "510104") | user(db, "OP", "operator", "510100"));
    for (int i = 0; i < 8; i++) {
        char id[16];
        snprintf(id, sizeof id, "R%d", i);
        STEP(user(db, id, "resident", i < 6 ? "510603101" : "510104"));
    }
    STEP(listing(db, "L1", "achievement", "D01", 5, "510104", "published", at("2026-01-31T15:30")));
    STEP(listing(db, "L2", "achievement", "D01", 7, "510603", "published", at("2026-01-31T16:10")));
    STEP(listing(db, "L3", "service", "D02", 0, "510104", "expired", at("2026-02-10T00:00")));
    STEP(listing(db, "D1", "demand", "D01", 4, "510104", "published", at("2026-02-01T00:00")));
    STEP(listing(db, "D2", "demand", "D01", 4, "510603", "published", at("2026-02-05T00:00")));
    STEP(listing(db, "D3", "demand", "D02", 4, "630100", "published", at("2026-02-07T00:00")));
    STEP(listing(db, "D4", "demand", "D01", 4, "510104", "closed", at("2025-02-15T00:00")));
    STEP(kj_db_exec(db, "INSERT INTO matches(demand_id, offer_id, offer_kind, score, reasons, computed_at) VALUES "
                         "('D1','L1','achievement',0.6,'[]',0), ('D2','L2','achievement',0.4,'[]',0)", "") == 2 ? 0 : -1);
    STEP(kj_db_exec(db, "INSERT INTO eois(id, origin, listing_id, sender_id, message, status, created_at, decided_at) VALUES "
                         "('E1','LOCAL','D1','P','m','accepted',?,?), ('E2','LOCAL','D2','P','m','accepted',?,?), "
                         "('E3','LOCAL','D2','P','m','declined',?,?)", "iiiiii",
                     at("2026-02-02T00:00"), at("2026-02-04T00:00"), at("2026-02-06T00:00"), at("2026-02-15T00:00"),
                     at("2026-02-05T01:00"), at("2026-02-05T02:00")) == 3 ? 0 : -1);
    STEP(deal(db, "X", "D1", "510104", "D0101", "development", 1000000, "completed", at("2026-02-04T00:00")));
    STEP(deal(db, "Y", NULL, "510603", "D0201", "service", 300000, "agreed", at("2026-02-08T00:00")));
    STEP(deal(db, "Z", NULL, "510104", "D0101", "license", 500000, "in_progress", at("2026-01-10T00:00")));
    STEP(sign(db, "X", "P", at("2026-02-05T00:00")) | sign(db, "X", "C", at("2026-02-06T00:00")));
    STEP(sign(db, "Y", "P", at("2026-02-09T00:00")));
    STEP(sign(db, "Z", "P", at("2026-01-19T00:00")) | sign(db, "Z", "C", at("2026-01-20T00:00")));
    STEP(kj_db_exec(db, "INSERT INTO deal_events(seq, id, origin, deal_id, kind, data__json, created_at, prev_hash, hash) "
                         "VALUES (1, 'DE1', 'LOCAL', 'X', 'complete', '{}', ?, '', 'h')", "i", at("2026-02-20T00:00")) == 1 ? 0 : -1);
    STEP(kj_db_exec(db, "INSERT INTO challenge_lists(id, origin, title, period_start, period_end, created_by, created_at) "
                         "VALUES ('CL1', 'LOCAL', 'l', '2026-01-01', '2026-12-31', 'C', 0)", "") == 1 ? 0 : -1);
    STEP(challenge(db, "CH1", "completed", "510104", "D0101", 5000000, at("2026-02-02T00:00")));
    STEP(challenge(db, "CH2", "no_award", "510603", "D0201", 1000000, at("2026-02-03T00:00")));
    STEP(challenge(db, "CH3", "submitted", "510104", "D0101", 7000000, 0));
    STEP(application(db, "A1", "CH1", "P", "selected", at("2026-02-10T00:00")));
    STEP(application(db, "A2", "CH1", "R0", "submitted", at("2026-02-11T00:00")));
    STEP(application(db, "A3", "CH1", "R1", "withdrawn", at("2026-02-11T00:00")));
    STEP(application(db, "A4", "CH2", "P", "submitted", at("2026-02-12T00:00")));
    STEP(kj_db_exec(db, "INSERT INTO listing_revisions(listing_id, rev, data, author_id, state, created_at, reviewed_at) VALUES "
                         "('L1', 1, '{}', 'P', 'approved', ?, ?), ('D1', 1, '{}', 'C', 'rejected', ?, ?), "
                         "('D2', 1, '{}', 'C', 'pending', ?, NULL)", "iiiii", at("2026-01-31T12:00"), at("2026-02-01T00:00"),
                     at("2026-01-31T00:00"), at("2026-02-02T00:00"), at("2026-02-05T00:00")) == 3 ? 0 : -1);
    STEP(kj_db_exec(db, "INSERT INTO service_centers(id, name_zh, name_en, level, region, created_at, updated_at) "
                         "VALUES ('CC', '成都中心', 'Chengdu center', 'city', '510100', 0, 0)", "") == 1 ? 0 : -1);
    STEP(workorder(db, "WO1", "find_technology", "closed", 4, at("2026-02-03T00:00"), 2 * H));
    STEP(workorder(db, "WO2", "policy", "new", 0, at("2026-02-04T00:00"), -1));
    STEP(workorder(db, "WO3", "policy", "resolved", 5, at("2026-02-05T00:00"), 50 * H));
    STEP(kj_db_exec(db, "INSERT INTO popsci_content(id, origin, kind, title, topic, audience, author_id, status, created_at, "
                         "published_at) VALUES ('C1','LOCAL','article','c1','t1','rural','P','published',0,?), "
                         "('C2','LOCAL','article','c2','t2','everyone','P','published',0,?)", "ii",
                     at("2026-02-03T00:00"), at("2026-01-10T00:00")) == 2 ? 0 : -1);
    for (int i = 0; i < 8; i++) {
        char id[16];
        snprintf(id, sizeof id, "R%d", i);
        STEP(read_event(db, id, "C1", i < 6 ? "510603101" : "510104", at("2026-02-10T00:00") + i * H));
    }
    STEP(kj_db_exec(db, "INSERT INTO popsci_questions(id, origin, author_id, title, body, topic, region, status, created_at) "
                         "VALUES ('Q1','LOCAL','R6','q','b','t1','510104','answered',?), ('Q2','LOCAL','R0','q','b','t1','510603','open',?)",
                     "ii", at("2026-02-03T00:00"), at("2026-02-04T00:00")) == 2 ? 0 : -1);
    STEP(kj_db_exec(db, "INSERT INTO popsci_answers(id, origin, question_id, author_id, body, created_at) "
                         "VALUES ('AN1','LOCAL','Q1','P','a',?)", "i", at("2026-02-03T05:00")) == 1 ? 0 : -1);
    STEP(kj_db_exec(db, "INSERT INTO popsci_teams(id, origin, name, regions, created_by, created_at) VALUES "
                         "('T1','LOCAL','t1',' 510603 ','P',0), ('T2','LOCAL','t2',' 510104 ','P',0)", "") == 2 ? 0 : -1);
    STEP(kj_db_exec(db, "INSERT INTO popsci_team_members(team_id, user_id) VALUES ('T1','P')", "") == 1 ? 0 : -1);
    return rc;
}

static json_t *fig(kj_db *db, const char *region, int from, int to, const char *domain, bool pub)
{
    /* Months (YYYYMM) mean the whole month; days (YYYYMMDD) as they are. */
    if (from < 1000000) from = from * 100 + 1;
    if (to < 1000000) to = kj_stats_month_last_day(to);
    kj_stats_query q = { .region = region, .from = from, .to = to, .domain = domain, .public_view = pub };
    kj_err e = { 0 };
    return kj_stats_figures(db, &q, &e);
}

static json_t *path(json_t *o, const char *p)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", p);
    char *save = NULL;
    for (char *s = strtok_r(buf, ".", &save); s && o; s = strtok_r(NULL, ".", &save))
        o = json_is_array(o) ? json_array_get(o, (size_t)atoi(s)) : json_object_get(o, s);
    return o;
}

static long long num(json_t *o, const char *p) { return json_integer_value(path(o, p)); }
static double real(json_t *o, const char *p) { return json_number_value(path(o, p)); }

static json_t *row_with(json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *r;
    json_array_foreach(arr, i, r) if (!strcmp(kj_jstr_or_empty(r, key), value)) return r;
    return NULL;
}

TEST(stats_days_in_beijing_time)
{
    char err[128];
    REQUIRE(kj_clock_set_zone("Asia/Shanghai", err, sizeof err) == 0);
    CHECK_INT(kj_stats_month_of(at("2026-01-31T15:30")), 202601);
    CHECK_INT(kj_stats_month_of(at("2026-01-31T16:10")), 202602);
    CHECK_INT(kj_stats_day_of(at("2026-01-31T15:59")), 20260131);
    CHECK_INT(kj_stats_day_of(at("2026-01-31T16:00")), 20260201);   /* Beijing midnight */
    CHECK_INT(kj_stats_month_start(202602), at("2026-01-31T16:00"));
    CHECK_INT(kj_stats_day_start(20260301), at("2026-02-28T16:00"));
    CHECK_INT(kj_stats_month_add(202601, -1), 202512);
    CHECK_INT(kj_stats_month_add(202612, 1), 202701);
    CHECK_INT(kj_stats_month_add(202603, -14), 202501);
    CHECK_INT(kj_stats_day_add(20260228, 1), 20260301);
    CHECK_INT(kj_stats_day_add(20240228, 1), 20240229);
    CHECK_INT(kj_stats_day_add(20260101, -1), 20251231);
    CHECK_INT(kj_stats_days_between(20260101, 20261231), 364);
    CHECK_INT(kj_stats_month_last_day(202402), 20240229);
    CHECK_INT(kj_stats_day_year_before(20240229), 20230228);
    CHECK_INT(kj_stats_parse_day("2026-02-28", false), 20260228);
    CHECK_INT(kj_stats_parse_day("2024-02-29", false), 20240229);
    CHECK_INT(kj_stats_parse_day("2026-02-29", false), 0);          /* not a date */
    CHECK_INT(kj_stats_parse_day("2026-02-00", false), 0);
    CHECK_INT(kj_stats_parse_day("2026-2-01", false), 0);
    CHECK_INT(kj_stats_parse_day("2026-02-1x", false), 0);
    CHECK_INT(kj_stats_parse_day("2026-02", false), 20260201);      /* a month: its first day … */
    CHECK_INT(kj_stats_parse_day("2026-02", true), 20260228);       /* … or its last */
    CHECK_INT(kj_stats_parse_day("2026-13", false), 0);
    CHECK_INT(kj_stats_parse_day("2014-12-31", false), 0);
    kj_stats_query q = { 0 };
    kj_err e = { 0 };
    CHECK(kj_stats_period(&q, "2026-03-02", "2026-03-01", &e) == -1 && e.kind == KJ_E_BAD_REQUEST && !strcmp(e.field, "from"));
    CHECK(kj_stats_period(&q, "2016-01-01", "2026-02-01", &e) == -1);   /* over KJ_STATS_MAX_DAYS */
    CHECK(kj_stats_period(&q, "2026-02-30", NULL, &e) == -1 && !strcmp(e.key, "err.stats.date") && !strcmp(e.field, "from"));
    CHECK(kj_stats_period(&q, NULL, "26-02", &e) == -1 && !strcmp(e.field, "to"));
    CHECK(kj_stats_period(&q, NULL, "2026-02", &e) == 0 && q.from == 20250301 && q.to == 20260228);
    CHECK(kj_stats_period(&q, "2026-02-01", "2026-02-01", &e) == 0 && q.from == 20260201 && q.to == 20260201);
    kj_clock_freeze(at("2026-03-10T17:00"));   /* 03-11 01:00 in Beijing */
    CHECK(kj_stats_period(&q, NULL, NULL, &e) == 0 && q.from == 20250401 && q.to == 20260311);
    kj_clock_freeze(0);
    /* The comparisons: the period of the same length just before, the same dates a year before. */
    int pf, pt, yf, yt;
    q.from = 20260301, q.to = 20260331;
    kj_stats_compare_periods(&q, &pf, &pt, &yf, &yt);
    CHECK(pf == 20260129 && pt == 20260228 && yf == 20250301 && yt == 20250331);
    q.from = 20240229, q.to = 20240229;
    kj_stats_compare_periods(&q, &pf, &pt, &yf, &yt);
    CHECK(pf == 20240228 && pt == 20240228 && yf == 20230228 && yt == 20230228);
}

TEST(stats_figures_by_hand)
{
    char err[128];
    REQUIRE(kj_clock_set_zone("Asia/Shanghai", err, sizeof err) == 0);
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "stats") == 0);
    kj_clock_freeze(at("2026-03-10T00:00"));
    REQUIRE(load(s.db) == 0);
    REQUIRE(kj_stats_refresh(s.db, 48 * H, NULL) > 0);

    /* 四川, February 2026. */
    json_t *f = fig(s.db, "510000", 202602, 202602, NULL, false);
    REQUIRE(f != NULL);
    CHECK_INT(num(f, "supply_demand.published.achievement"), 1);   /* L2 (L1 is January in Beijing time) */
    CHECK_INT(num(f, "supply_demand.published.service"), 1);
    CHECK_INT(num(f, "supply_demand.published.demand"), 2);        /* D1, D2 (D3 is in 青海) */
    CHECK_INT(num(f, "supply_demand.open.achievement"), 2);        /* L1, L2 now */
    CHECK_INT(num(f, "supply_demand.open.service"), 0);            /* L3 expired */
    CHECK_INT(num(f, "supply_demand.open.demand"), 2);             /* D1, D2 (D4 closed) */
    CHECK_INT(num(f, "supply_demand.demands.matched"), 1);
    CHECK_INT(num(f, "supply_demand.demands.answered"), 2);
    CHECK_INT(num(f, "supply_demand.demands.solved"), 1);
    CHECK(fabs(real(f, "supply_demand.demands.median_days_to_first_eoi") - 6.5) < 1e-9);   /* (3 + 10) / 2 */
    json_t *gap = row_with(path(f, "supply_demand.gaps"), "code", "D01");
    CHECK(gap && num(gap, "gap") == 1 && num(gap, "demand") == 2 && num(gap, "offers") == 1);
    CHECK(!row_with(path(f, "supply_demand.gaps"), "code", "D02"));
    json_t *trl5 = row_with(path(f, "supply_demand.open_by_trl"), "trl", "5");
    CHECK(trl5 && num(trl5, "achievement") == 1);

    CHECK_INT(num(f, "transactions.started"), 2);                  /* X, Y (Z is January) */
    CHECK_INT(num(f, "transactions.signed"), 1);                   /* X (Y has one signature) */
    CHECK_INT(num(f, "transactions.completed"), 1);
    CHECK_INT(num(f, "transactions.value_fen"), 1000000);
    json_t *dev = row_with(path(f, "transactions.by_contract_type"), "type", "development");
    CHECK(dev && num(dev, "signed") == 1 && num(dev, "value_fen") == 1000000);
    CHECK_INT(json_array_size(path(f, "transactions.by_contract_type")), 5);
    CHECK(num(row_with(path(f, "transactions.by_contract_type"), "type", "license"), "signed") == 0);
    json_t *d01 = row_with(path(f, "transactions.by_domain"), "code", "D01");
    CHECK(d01 && num(d01, "value_fen") == 1000000);
    CHECK_INT(json_array_size(path(f, "transactions.flows")), 1);
    CHECK_STR(kj_jstr(path(f, "transactions.flows.0.from"), "code"), "510600");   /* the provider's city: 德阳 */
    CHECK_STR(kj_jstr(path(f, "transactions.flows.0.to"), "code"), "510100");     /* the client's: 成都 */
    CHECK_INT(num(f, "transactions.flows.0.deals"), 1);

    CHECK_INT(num(f, "challenges.lists"), 1);
    CHECK_INT(num(f, "challenges.entries"), 2);
    CHECK_INT(num(f, "challenges.applications"), 3);
    CHECK(fabs(real(f, "challenges.applications_per_entry") - 1.5) < 1e-9);
    CHECK_INT(num(f, "challenges.awarded"), 1);
    CHECK_INT(num(f, "challenges.no_award"), 1);
    CHECK_INT(num(f, "challenges.bounty_committed_fen"), 6000000);
    CHECK_INT(num(f, "challenges.bounty_paid_fen"), 5000000);

    CHECK_INT(num(f, "centers.reviews"), 2);
    CHECK_INT(num(f, "centers.approved"), 1);
    CHECK(fabs(real(f, "centers.review_hours_avg") - 30.0) < 1e-9);   /* (12 + 48) / 2 */
    CHECK_INT(num(f, "centers.workorders"), 3);
    CHECK(num(row_with(path(f, "centers.workorders_by_type"), "type", "policy"), "n") == 2);
    CHECK(num(row_with(path(f, "centers.workorders_by_state"), "state", "closed"), "n") == 1);
    CHECK(fabs(real(f, "centers.first_response_hours_avg") - 26.0) < 1e-9);   /* (2 + 50) / 2 */
    CHECK_INT(num(f, "centers.sla_breaches"), 2);                  /* WO2 never answered, WO3 after 50 h */
    CHECK_INT(num(f, "centers.rated"), 2);
    CHECK(fabs(real(f, "centers.satisfaction") - 4.5) < 1e-9);
    json_t *cc = row_with(path(f, "centers.per_center"), "id", "CC");
    CHECK(cc && num(cc, "workorders") == 3 && num(cc, "sla_breaches") == 2);

    CHECK(num(row_with(path(f, "popsci.published_by_topic"), "topic", "t1"), "n") == 1);
    CHECK(!row_with(path(f, "popsci.published_by_topic"), "topic", "t2"));   /* January */
    CHECK_INT(num(f, "popsci.readers"), 8);
    CHECK_INT(json_array_size(path(f, "popsci.readers_by_audience_region")), 1);   /* 孝泉镇: 6; 锦江区's 2 never shown */
    CHECK_STR(kj_jstr(path(f, "popsci.readers_by_audience_region.0"), "code"), "510603101");
    CHECK_INT(num(f, "popsci.readers_by_audience_region.0.readers"), 6);
    CHECK_INT(num(f, "popsci.cells_suppressed"), 1);
    CHECK_INT(num(f, "popsci.questions.asked"), 2);
    CHECK_INT(num(f, "popsci.questions.answered"), 1);
    CHECK(fabs(real(f, "popsci.questions.answer_hours_avg") - 5.0) < 1e-9);
    CHECK_INT(num(f, "popsci.teams_active"), 1);

    /* Comparisons for February: the 28 days before it (01-04 … 01-31), February 2025 a year before. */
    json_t *cmp = path(f, "comparisons.rows");
    json_t *ds = row_with(cmp, "figure", "deals_signed"), *dp = row_with(cmp, "figure", "demands_published");
    CHECK(ds && num(ds, "this") == 1 && num(ds, "previous") == 1 && num(ds, "year_ago") == 0);
    CHECK(ds && fabs(real(ds, "change_pct")) < 1e-9 && !json_object_get(ds, "yoy_pct"));
    CHECK(dp && num(dp, "this") == 2 && num(dp, "previous") == 0 && num(dp, "year_ago") == 1);
    CHECK(dp && fabs(real(dp, "yoy_pct") - 100.0) < 1e-9);
    /* Drill-down: 四川's cities. */
    json_t *cd = row_with(path(f, "drill"), "code", "510100"), *dy = row_with(path(f, "drill"), "code", "510600");
    CHECK(cd && num(cd, "demands") == 1 && num(cd, "deals_signed") == 1 && num(cd, "listings") == 2);
    CHECK(dy && num(dy, "listings") == 2 && num(dy, "demands") == 1);
    json_decref(f);

    /* January: L1 counts here by Beijing time; Z signed. */
    f = fig(s.db, "510000", 202601, 202601, NULL, false);
    CHECK_INT(num(f, "supply_demand.published.achievement"), 1);
    CHECK_INT(num(f, "transactions.signed"), 1);
    CHECK_INT(num(f, "transactions.value_fen"), 500000);
    json_decref(f);

    /* The subtree: 成都 only; two readers are a cell under k in every view. */
    f = fig(s.db, "510100", 202602, 202602, NULL, false);
    CHECK_INT(num(f, "supply_demand.published.demand"), 1);
    CHECK_INT(num(f, "supply_demand.published.service"), 1);
    CHECK_INT(num(f, "supply_demand.published.achievement"), 0);
    CHECK(json_is_null(path(f, "popsci.readers")));
    CHECK_INT(json_array_size(path(f, "popsci.readers_by_audience_region")), 0);
    CHECK_INT(num(f, "popsci.teams_active"), 0);
    CHECK_INT(num(f, "popsci.questions.asked"), 1);
    json_decref(f);

    /* The domain filter: D01 only (work orders have no domain and stay). */
    f = fig(s.db, "510000", 202602, 202602, "D01", false);
    CHECK_INT(num(f, "supply_demand.published.achievement"), 1);
    CHECK_INT(num(f, "supply_demand.published.service"), 0);
    CHECK_INT(num(f, "supply_demand.published.demand"), 2);
    CHECK_INT(num(f, "challenges.entries"), 1);
    CHECK_INT(num(f, "centers.workorders"), 3);
    json_decref(f);

    /* The whole instance counts 青海 too. */
    f = fig(s.db, "", 202602, 202602, NULL, false);
    CHECK_INT(num(f, "supply_demand.published.demand"), 3);
    json_decref(f);

    /* The public view: no count under k (5), no center figures, no flow of one deal. */
    f = fig(s.db, "510000", 202602, 202602, NULL, true);
    CHECK(json_is_null(path(f, "supply_demand.published.demand")));
    CHECK(json_is_null(path(f, "transactions.signed")));
    CHECK(json_is_null(path(f, "transactions.value_fen")));   /* one deal's value is its price */
    CHECK(!json_object_get(f, "centers"));
    CHECK_INT(json_array_size(path(f, "transactions.flows")), 0);
    CHECK_INT(num(f, "popsci.readers"), 8);
    CHECK(num(f, "suppressed") > 0);
    json_t *tables = kj_stats_tables(f, "zh-CN");
    /* No table cell of the public view holds a count between 1 and k-1. */
    size_t i, j, c;
    json_t *t, *r, *v;
    json_array_foreach(tables, i, t) {
        if (!strcmp(kj_jstr(t, "id"), "trends") || !strcmp(kj_jstr(t, "id"), "comparisons")) continue;
        json_array_foreach(json_object_get(t, "rows"), j, r) json_array_foreach(r, c, v)
            if (c && json_is_integer(v)) CHECK(json_integer_value(v) == 0 || json_integer_value(v) >= 5);
    }
    json_decref(tables);
    json_decref(f);

    /* Unknown region and domain are refused. */
    /* Single days at the Beijing midnight: L1 (01-31 23:30) and L2 (02-01 00:10). */
    f = fig(s.db, "510000", 20260131, 20260131, NULL, false);
    CHECK_INT(num(f, "supply_demand.published.achievement"), 1);
    CHECK_INT(num(f, "supply_demand.published.demand"), 0);
    CHECK_STR(kj_jstr(path(f, "period"), "from"), "2026-01-31");
    CHECK_INT(num(f, "period.from_ms"), at("2026-01-30T16:00"));
    CHECK_INT(num(f, "period.to_ms"), at("2026-01-31T16:00"));   /* the next day's start, excluded */
    CHECK_INT(num(f, "period.days"), 1);
    json_decref(f);
    f = fig(s.db, "510000", 20260201, 20260201, NULL, false);
    CHECK_INT(num(f, "supply_demand.published.achievement"), 1);   /* L2 */
    CHECK_INT(num(f, "supply_demand.published.demand"), 1);        /* D1 (08:00 in Beijing) */
    json_t *lp = row_with(path(f, "comparisons.rows"), "figure", "listings_published");
    CHECK(lp && num(lp, "this") == 2 && num(lp, "previous") == 1 && num(lp, "year_ago") == 0);   /* previous: 01-31, L1 */
    CHECK_STR(kj_jstr(path(f, "comparisons.previous"), "from"), "2026-01-31");
    CHECK_STR(kj_jstr(path(f, "comparisons.year_ago"), "to"), "2025-02-01");
    json_decref(f);
    /* A period across a month's end: trends stay monthly, each month
     * counting the period's days only (01-15 … 02-10). */
    f = fig(s.db, "510000", 20260115, 20260210, NULL, false);
    CHECK_INT(json_array_size(path(f, "trends.months")), 2);
    CHECK_STR(json_string_value(path(f, "trends.months.0")), "2026-01");
    json_t *ser = row_with(path(f, "trends.series"), "figure", "listings_published");
    CHECK(ser && num(ser, "values.0") == 1 && num(ser, "values.1") == 4);   /* L1; L2, D1, D2, L3 (02-10 08:00) */
    CHECK_INT(num(f, "supply_demand.published.service"), 1);
    json_decref(f);

    kj_stats_query q = { .region = "999999", .from = 20260201, .to = 20260228 };
    kj_err e = { 0 };
    CHECK(kj_stats_figures(s.db, &q, &e) == NULL && e.kind == KJ_E_NOT_FOUND);
    q.region = "510000";
    q.domain = "D99";
    CHECK(kj_stats_figures(s.db, &q, &e) == NULL && e.kind == KJ_E_INVALID);
    kj_clock_freeze(0);
    kj_scratch_close(&s);
}

/* Grains (stats.h): a period read as whole months from month rows and
 * its edge days from day rows gives exactly the figures of reading every
 * day, for periods of whole months, partial months at one or both ends,
 * within one month, across a month's end without a whole month, a leap
 * day, and at Beijing midnights; for the whole instance, a province, a
 * city, a county (day rows only) and the drill-down; with and without a
 * domain, in both views. The dataset is the hand-computed one plus a few
 * hundred generated records over 15 months. */
static uint32_t lcg(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 8) % 1000003u;
}

TEST(stats_months_and_days_give_the_same_figures)
{
    char err[128];
    REQUIRE(kj_clock_set_zone("Asia/Shanghai", err, sizeof err) == 0);
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "statsgrain") == 0);
    kj_clock_freeze(at("2026-03-10T00:00"));
    REQUIRE(load(s.db) == 0);
    static const char *const regions[] = { "510104", "510603", "510603101", "630100", "510100" };
    static const char *const kinds_[] = { "achievement", "service", "demand" };
    static const char *const types[] = { "development", "transfer", "license", "consulting", "service" };
    uint32_t seed = 18;
#define NEXT() lcg(&seed)
    /* From 2024-12-01 00:00 Beijing (11-30 16:00 UTC) over 466 days, some of
     * them within minutes of a Beijing midnight (16:00 UTC). */
    int64_t t0 = at("2024-11-30T16:00");
    for (int i = 0; i < 400; i++) {
        char id[16];
        snprintf(id, sizeof id, "G%d", i);
        int64_t day = (int64_t)(NEXT() % 466) * 24 * H;
        int64_t when = t0 + day + (i % 5 == 0 ? (int64_t)(NEXT() % 2) * 24 * H - 60000 : (int64_t)(NEXT() % 86400) * 1000);
        const char *kind = kinds_[NEXT() % 3];
        REQUIRE(listing(s.db, id, kind, NEXT() % 2 ? "D01" : "D02", (int)(NEXT() % 9) + 1, regions[NEXT() % 5],
                        NEXT() % 4 ? "published" : "closed", when) == 0);
        if (i % 3 == 0) {
            char did[16];
            snprintf(did, sizeof did, "GD%d", i);
            REQUIRE(deal(s.db, did, !strcmp(kind, "demand") ? id : NULL, regions[NEXT() % 5], NEXT() % 2 ? "D0101" : "D0201",
                         types[NEXT() % 5], (int64_t)(NEXT() % 1000) * 100, "in_progress", when) == 0);
            REQUIRE(sign(s.db, did, "P", when + H) == 0 && sign(s.db, did, "C", when + (int64_t)(NEXT() % 40) * 24 * H) == 0);
        }
    }
#undef NEXT
    REQUIRE(kj_stats_refresh(s.db, 48 * H, NULL) > 0);
    /* Month rows exist for the whole instance, provinces and cities, not below. */
    CHECK(kj_db_int(s.db, -1, "SELECT count(*) FROM stats_facts WHERE region = '510100' AND day BETWEEN 100000 AND 999999", "") > 0);
    CHECK(kj_db_int(s.db, -1, "SELECT count(*) FROM stats_facts WHERE region = '' AND day BETWEEN 100000 AND 999999", "") > 0);
    CHECK_INT(kj_db_int(s.db, -1, "SELECT count(*) FROM stats_facts WHERE region = '510104' AND day BETWEEN 100000 AND 999999", ""), 0);
    CHECK(kj_stats_has_months("") && kj_stats_has_months("510000") && kj_stats_has_months("510100"));
    CHECK(!kj_stats_has_months("510104") && !kj_stats_has_months("510603101"));
    static const int periods[][2] = {
        { 20250301, 20250831 },   /* whole months */
        { 20250117, 20260203 },   /* partial at both ends */
        { 20250101, 20250415 },   /* whole, then partial */
        { 20250310, 20251231 },   /* partial, then whole */
        { 20260205, 20260220 },   /* within one month */
        { 20260115, 20260210 },   /* across a month's end, no whole month */
        { 20250131, 20250301 },   /* one whole month (February) and a day at each end */
        { 20241201, 20260310 },   /* everything */
        { 20240201, 20240229 },   /* a leap February (its comparison: 2023) */
        { 20260131, 20260131 },   /* one day at the Beijing midnight */
        { 20260201, 20260228 },
        { 20251201, 20260131 },   /* across a year's end */
    };
    static const char *const scopes[] = { "", "510000", "510100", "510600", "510104", "630000" };
    int compared = 0, differ = 0;
    for (size_t p = 0; p < sizeof periods / sizeof *periods; p++)
        for (size_t r = 0; r < sizeof scopes / sizeof *scopes; r++)
            for (int v = 0; v < 4; v++) {
                const char *domain = v & 1 ? "D01" : NULL;
                bool pub = v & 2;
                kj_stats_test_days_only(false);
                json_t *a = fig(s.db, scopes[r], periods[p][0], periods[p][1], domain, pub);
                kj_stats_test_days_only(true);
                json_t *b = fig(s.db, scopes[r], periods[p][0], periods[p][1], domain, pub);
                kj_stats_test_days_only(false);
                compared++;
                if (!a || !b || !json_equal(a, b)) {
                    if (differ++ < 3) {
                        char *ta = a ? json_dumps(a, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
                        char *tb = b ? json_dumps(b, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
                        fprintf(stderr, "  %d-%d region '%s' domain %s public %d:\n  months %.600s\n  days   %.600s\n",
                                periods[p][0], periods[p][1], scopes[r], domain ? domain : "-", pub, ta ? ta : "(null)",
                                tb ? tb : "(null)");
                        free(ta);
                        free(tb);
                    }
                }
                json_decref(a);
                json_decref(b);
            }
    CHECK_INT(differ, 0);
    CHECK_INT(compared, 12 * 6 * 4);
    /* And the hand-computed figures hold through the month rows: 四川, February 2026. */
    json_t *f = fig(s.db, "510000", 20250101, 20260228, NULL, false);
    json_t *ser = row_with(path(f, "trends.series"), "figure", "deals_signed");
    CHECK(ser && json_array_size(path(ser, "values")) == 14);
    json_decref(f);
    kj_clock_freeze(0);
    kj_scratch_close(&s);
}

/* A rebuild asked to stop (shutdown) gives up between metrics and within a
 * statement, and the figures shown stay those of the last whole rebuild. */
TEST(stats_rebuild_stops_and_keeps_the_figures_shown)
{
    char err[128];
    REQUIRE(kj_clock_set_zone("Asia/Shanghai", err, sizeof err) == 0);
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "statsstop") == 0);
    kj_clock_freeze(at("2026-03-10T00:00"));
    REQUIRE(load(s.db) == 0);
    REQUIRE(kj_stats_refresh(s.db, 48 * H, NULL) > 0);
    int64_t gen = kj_db_int(s.db, -1, "SELECT gen FROM stats_state WHERE name = 'facts'", "");
    int64_t rows = kj_db_int(s.db, -1, "SELECT count(*) FROM stats_facts", "");
    json_t *before = fig(s.db, "510000", 202602, 202602, NULL, false);
    REQUIRE(listing(s.db, "L9", "service", "D02", 0, "510104", "published", at("2026-02-12T00:00")) == 0);
    atomic_bool stop = true;
    CHECK_INT(kj_stats_refresh(s.db, 48 * H, &stop), -2);
    CHECK_INT(kj_db_int(s.db, -1, "SELECT gen FROM stats_state WHERE name = 'facts'", ""), gen);
    json_t *after = fig(s.db, "510000", 202602, 202602, NULL, false);
    CHECK(json_equal(path(before, "supply_demand"), path(after, "supply_demand")));   /* L9 not counted: nothing changed */
    CHECK_INT(kj_db_int(s.db, -1, "SELECT count(*) FROM stats_facts", ""), rows);
    json_decref(after);
    /* Stopped half-way: the rows a rebuild wrote under its gen are never
     * read, and the next rebuild clears them. */
    REQUIRE(kj_db_exec(s.db, "INSERT INTO stats_facts(gen, metric, day, region, domain, dim, dim2, n, amount) "
                             "VALUES (?, 'l_pub', 20260205, '510000', 'D02', 'service', '', 99, 0)", "i", gen + 1) == 1);
    REQUIRE(kj_db_exec(s.db, "UPDATE stats_state SET building = ?", "i", gen + 1) == 1);
    after = fig(s.db, "510000", 202602, 202602, NULL, false);
    CHECK(json_equal(path(before, "supply_demand"), path(after, "supply_demand")));
    json_decref(after);
    stop = false;
    REQUIRE(kj_stats_refresh(s.db, 48 * H, NULL) > 0);
    CHECK_INT(kj_db_int(s.db, -1, "SELECT gen FROM stats_state WHERE name = 'facts'", ""), gen + 2);
    CHECK_INT(kj_db_int(s.db, -1, "SELECT count(*) FROM stats_facts WHERE gen <> ?", "i", gen + 2), 0);
    after = fig(s.db, "510000", 202602, 202602, NULL, false);
    CHECK_INT(num(after, "supply_demand.published.service"), num(before, "supply_demand.published.service") + 1);
    json_decref(after);
    json_decref(before);
    /* Within one statement: a long query gives up once the flag is set. */
    stop = true;
    kj_db_set_stop(s.db, &stop);
    int64_t t0 = kj_mono_us();
    int64_t n = kj_db_int(s.db, -1, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000000) "
                                    "SELECT count(*) FROM c", "");
    CHECK_INT(n, -1);
    CHECK((kj_mono_us() - t0) < 1000000);
    kj_db_set_stop(s.db, NULL);
    kj_clock_freeze(0);
    kj_scratch_close(&s);
}

/* The figures are computed once per rebuild: a record added later shows
 * only after the next rebuild, whose signal empties the cache; the cache
 * holds a bounded number of answers. */
TEST(stats_cache_until_the_next_rebuild)
{
    char err[128];
    REQUIRE(kj_clock_set_zone("Asia/Shanghai", err, sizeof err) == 0);
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "statscache") == 0);
    kj_clock_freeze(at("2026-03-10T00:00"));
    REQUIRE(load(s.db) == 0);
    REQUIRE(kj_stats_refresh(s.db, 48 * H, NULL) > 0);
    kj_stats_query q = { .region = "510000", .from = 20260201, .to = 20260228 };
    kj_err e = { 0 };
    json_t *a = kj_stats_figures_cached(s.db, &q, &e);
    CHECK_INT(kj_stats_cache_size(s.db), 1);
    REQUIRE(listing(s.db, "L9", "service", "D02", 0, "510104", "published", at("2026-02-12T00:00")) == 0);
    json_t *b = kj_stats_figures_cached(s.db, &q, &e);
    CHECK(a && b && json_equal(a, b));   /* the same answer until the job runs */
    CHECK_INT(kj_stats_cache_size(s.db), 1);
    json_t *direct = kj_stats_figures(s.db, &q, &e);
    CHECK(json_equal(a, direct));        /* and the cached answer is the computed one */
    REQUIRE(kj_stats_refresh(s.db, 48 * H, NULL) > 0);
    CHECK_INT(kj_stats_cache_size(s.db), 0);   /* the rebuild's signal */
    json_t *c = kj_stats_figures_cached(s.db, &q, &e);
    CHECK_INT(num(c, "supply_demand.published.service"), num(a, "supply_demand.published.service") + 1);
    for (int i = 0; i < 300; i++) {
        kj_stats_query d = { .region = "510000", .from = kj_stats_day_add(20250101, i), .to = 20260228 };
        json_decref(kj_stats_figures_cached(s.db, &d, &e));
    }
    CHECK(kj_stats_cache_size(s.db) <= 256);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(direct);
    kj_clock_freeze(0);
    kj_scratch_close(&s);
}

TEST(stats_who_may_see)
{
    kj_scratch s;   /* installs the region tree the jurisdiction is walked by */
    REQUIRE(kj_scratch_open(&s, "statsauthz") == 0);
    json_t *admin = json_pack("{s:s}", "role", "admin");
    json_t *chengdu = json_pack("{s:s, s:s}", "role", "operator", "jurisdiction", "510100");
    json_t *plain = json_pack("{s:s, s:s}", "role", "scientist", "region", "510100");
    CHECK(kj_stats_may_see(admin, "") && kj_stats_may_see(admin, "630100"));
    CHECK(kj_stats_may_see(chengdu, "510100") && kj_stats_may_see(chengdu, "510104"));
    CHECK(!kj_stats_may_see(chengdu, "510000") && !kj_stats_may_see(chengdu, "") && !kj_stats_may_see(chengdu, "630100"));
    CHECK(!kj_stats_may_see(plain, "510100"));   /* a home region grants nothing */
    json_decref(admin);
    json_decref(chengdu);
    json_decref(plain);
    kj_scratch_close(&s);
}

static const char *tr_keys(void *ctx, const char *key) { return key; }

TEST(stats_exports)
{
    json_t *t = json_pack("{s:s, s:s, s:s, s:[s, s], s:[[s, i], [{s:s}, n], [s, f]]}", "id", "x", "title", "stats.table.x",
                          "chart", "bar", "columns", "stats.col.a", "stats.col.b", "rows", "=cmd()", 3, "key", "kind.demand",
                          "b", 2.5);
    kj_buf out = { 0 };
    REQUIRE(kj_stats_csv(t, tr_keys, NULL, &out) == 0);
    /* BOM, translated header, a formula guarded, a suppressed cell as stats.suppressed. */
    CHECK_STR(out.data, "\xEF\xBB\xBFstats.col.a,stats.col.b\r\n'=cmd(),3\r\nkind.demand,stats.suppressed\r\nb,2.50\r\n");
    kj_buf_free(&out);
    json_t *tables = json_pack("[O]", t);
    size_t len = 0;
    json_t *about = json_pack("[s, s]", "t", "line");
    unsigned char *x = kj_stats_xlsx(tables, about, tr_keys, NULL, &len);
    CHECK(x && len > 1000 && x[0] == 'P' && x[1] == 'K');   /* a zip */
    free(x);
    unsigned char *pdf = kj_stats_pdf("report", about, tables, tr_keys, NULL, &len);
    CHECK(pdf && len > 1000 && !memcmp(pdf, "%PDF", 4));
    free(pdf);
    json_decref(about);
    json_decref(tables);
    json_decref(t);
}
