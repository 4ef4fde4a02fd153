/*
 * demo_challenges.c — 揭榜挂帅 in the demo: the lists of
 * data/demo/challenge_lists.tsv and the entries of data/demo/challenges.tsv,
 * each driven through the real life cycle (challenge/challenge.h) to its
 * target state. Every step is the call a person's click makes, done by
 * that person (issuer, administrator, applicant, reviewer, winner) at its
 * day on the demo clock, so the timeline, notifications, the deals of
 * signed agreements and every check of the table are the real ones.
 */
#include "demo/demo_int.h"
#include "account/account.h"
#include "challenge/challenge.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include <stdlib.h>
#include <string.h>

enum { L_KEY, L_TITLE, L_DESC, L_START, L_END, L_NCOLS };
static const char *const list_cols[L_NCOLS] = { "key", "title", "description", "start_days_ago", "end_days_ahead" };

enum { E_LIST, E_TARGET, E_ISSUER, E_TITLE, E_DOMAIN, E_PROBLEM, E_DIFFICULTIES, E_INDICATORS, E_DELIVERABLES,
       E_BOUNTY, E_PAYMENT, E_PERIOD, E_ELIGIBILITY, E_IP, E_CONTACT, E_APPLICANTS, E_REASON, E_NCOLS };
static const char *const entry_cols[E_NCOLS] = {
    "list", "target", "issuer", "title", "domain", "problem", "difficulties", "indicators", "deliverables", "bounty",
    "payment_terms", "task_period", "eligibility", "ip_terms", "contact", "applicants", "reason",
};

/* The days (before the load) of each step for an entry that goes as far as
 * its target. A step a target does not reach is skipped; 0 = not used. */
typedef struct {
    const char *target;
    double create, review, deadline, apply, reviewers, close, score, decide, end_publicity, sign, m1_report, m2_report,
        evaluate;
} timeline;

static const timeline timelines[] = {
    /* target      create review deadline apply reviewers close score decide end_pub sign  m1    m2   evaluate */
    { "submitted",   3,    0,     0,       0,    0,        0,    0,    0,     0,      0,    0,    0,   0 },
    { "rejected",   14,   11,     0,       0,    0,        0,    0,    0,     0,      0,    0,    0,   0 },
    { "published",  21,   19,   -40,       6,    0,        0,    0,    0,     0,      0,    0,    0,   0 },
    { "reviewing",  72,   70,    30,      45,   35,       28,   20,    0,     0,      0,    0,    0,   0 },
    { "no_award",  110,  108,    70,      90,   75,       68,   62,   56,     0,      0,    0,    0,   0 },
    { "publicity",  80,   78,    36,      60,   45,       34,   20,    4,     0,      0,    0,    0,   0 },
    { "agreement", 120,  118,    72,      95,   80,       70,   62,   52,    43,      0,    0,    0,   0 },
    { "executing", 170,  168,   122,     150,  130,      120,  112,  105,    96,     90,   32,    0,   0 },
    { "completed", 310,  308,   272,     295,  280,      270,  262,  255,   246,    240,  182,   62,  55 },
};

typedef struct {
    json_t *lists;     /* key → list id */
    json_t *admin;
    json_t *states;    /* state → count, for the summary */
    int entries;
} ctx_t;

static void date_in(double days_ahead, char *out, size_t n) { kj_format_date(kj_now_ms() + (int64_t)(days_ahead * KJ_DAY_MS), out, n); }

static int list_row(kj_demo_src *src, char **f, void *c)
{
    ctx_t *x = c;
    char start[16], end[16], id[KJ_ID_LEN + 1];
    kj_demo_clock(atof(f[L_START]));
    date_in(0, start, sizeof start);
    kj_demo_clock_now();
    date_in(atof(f[L_END]), end, sizeof end);
    kj_demo_clock(atof(f[L_START]));
    json_t *in = json_pack("{s:s, s:s, s:s, s:s}", "title", f[L_TITLE], "description", f[L_DESC], "period_start", start,
                           "period_end", end);
    kj_err e = { 0 };
    int rc = kj_challenge_list_create(src->db, x->admin, in, id, &e);
    json_decref(in);
    if (rc) return kj_demo_fail(src, "list", e.key);
    json_object_set_new(x->lists, f[L_KEY], json_string(id));
    return 0;
}

/* "name~target~unit~verification|..." as the entry's indicators. New ref. */
static json_t *indicators(const char *s)
{
    json_t *out = json_array();
    char *copy = strdup(s), *save = NULL;
    for (char *item = strtok_r(copy, "|", &save); item; item = strtok_r(NULL, "|", &save)) {
        char *p[4] = { item, "", "", "" };
        for (int k = 1; k < 4; k++) {
            char *t = strchr(p[k - 1], '~');
            if (!t) break;
            *t = 0;
            p[k] = t + 1;
        }
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s}", "name", p[0], "target", p[1], "unit", p[2],
                                             "verification", p[3]));
    }
    free(copy);
    return out;
}

static int act(kj_demo_src *src, json_t *who, const char *id, const char *action, json_t *in)
{
    kj_err e = { 0 };
    int rc = kj_challenge_act(src->db, who, id, action, in, &e);
    json_decref(in);
    return rc ? kj_demo_fail(src, action, e.key) : 0;
}

/* The applications of one entry: "email=approach|...". Writes up to 4 ids. */
static int apply_all(kj_demo_src *src, const timeline *t, const char *id, char **f, char ids[][KJ_ID_LEN + 1], int *n)
{
    char *copy = strdup(f[E_APPLICANTS]), *save = NULL;
    int rc = 0;
    *n = 0;
    for (char *item = strtok_r(copy, "|", &save); item && rc == 0 && *n < 4; item = strtok_r(NULL, "|", &save)) {
        char *eq = strchr(item, '=');
        if (!eq) { rc = kj_demo_fail(src, "applicants", "email=approach"); break; }
        *eq = 0;
        json_t *who = kj_demo_user(src->db, item);
        if (!who) { rc = kj_demo_fail(src, "applicants", item); break; }
        char team[160], plan[400], budget[32];
        snprintf(team, sizeof team, "%s（负责人）及团队成员 3 人", kj_jstr(who, "name"));
        snprintf(plan, sizeof plan, "逐项对照榜单指标制定验证方案，关键指标委托第三方检测。");
        snprintf(budget, sizeof budget, "%.0f", atof(f[E_BOUNTY]) * (*n ? 0.85 : 0.95));
        json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:s}", "team", team, "approach", eq + 1, "indicator_plan", plan,
                               "schedule", f[E_PERIOD], "budget", budget);
        kj_err e = { 0 };
        kj_demo_clock(t->apply - *n * 3);
        if (kj_application_submit(src->db, who, id, in, ids[*n], &e)) rc = kj_demo_fail(src, "application", e.key);
        else (*n)++;
        json_decref(in);
        json_decref(who);
    }
    free(copy);
    return rc;
}

/* Two experts with no conflict with the entry: not its issuer, no
 * applicant, nobody kj_challenge_reviewer_excluded names. The first
 * demo's accounts are left out: the HTTP tests act as them. */
static json_t *pick_reviewers(kj_demo_src *src, json_t *issuer, json_t *apps, int offset)
{
    json_t *pool = kj_challenge_expert_pool(src->db), *out = json_array();
    size_t n = json_array_size(pool);
    for (size_t k = 0; k < n && json_array_size(out) < 2; k++) {
        json_t *p = json_array_get(pool, (k + (size_t)offset) % n);
        const char *uid = kj_jstr(p, "id");
        json_t *u = kj_user_get(src->db, uid);
        const char *email = kj_jstr(u, "email");
        bool ok = email && strcmp(uid, kj_user_id(issuer)) && !strstr(email, "zhang.wei@") && !strstr(email, "chen.jie@");
        size_t i;
        json_t *a;
        json_array_foreach(apps, i, a)
            if (!strcmp(kj_jstr(a, "applicant_id"), uid) || kj_challenge_reviewer_excluded(src->db, uid, a)) ok = false;
        if (ok) json_array_append_new(out, json_string(uid));
        json_decref(u);
    }
    json_decref(pool);
    return out;
}

static int review_and_score(kj_demo_src *src, const timeline *t, json_t *issuer, const char *id, bool score_all)
{
    kj_err e = { 0 };
    json_t *apps = kj_applications(src->db, issuer, id, &e);
    if (!apps) return kj_demo_fail(src, "applications", e.key);
    json_t *reviewers = pick_reviewers(src, issuer, apps, src->lineno);
    json_t *rubric = json_pack("[{s:s, s:i, s:i}, {s:s, s:i, s:i}, {s:s, s:i, s:i}]", "name", "技术路线与创新性", "weight", 50,
                               "max", 10, "name", "团队能力与基础", "weight", 30, "max", 10, "name", "实施计划与预算", "weight", 20, "max", 10);
    int rc = 0;
    kj_demo_clock(t->reviewers);
    if (json_array_size(reviewers) < 2) rc = kj_demo_fail(src, "reviewers", "not enough experts without a conflict");
    else if (kj_review_setup(src->db, issuer, id, reviewers, rubric, &e)) rc = kj_demo_fail(src, "reviewers", e.key);
    kj_demo_clock(t->close);
    if (rc == 0) rc = act(src, issuer, id, "close_applications", json_object());
    size_t r, a;
    json_t *rid, *app;
    json_array_foreach(reviewers, r, rid) {
        if (rc || (!score_all && r > 0)) break;
        json_t *reviewer = kj_user_get(src->db, json_string_value(rid));
        json_array_foreach(apps, a, app) {
            if (rc) break;
            kj_demo_clock(t->score - (double)r * 1.5 - (double)a * 0.2);
            int top = a == 0 ? 9 : 6;   /* the first applicant is the strongest */
            json_t *scores = json_pack("[i, i, i]", top - (int)r, top, top - 1);
            if (kj_review_score(src->db, reviewer, kj_jstr(app, "id"), scores, a == 0 ? "技术路线清晰，已有工程验证基础。"
                                : "方案可行性论证不足。", &e))
                rc = kj_demo_fail(src, "score", e.key);
            json_decref(scores);
        }
        json_decref(reviewer);
    }
    json_decref(reviewers);
    json_decref(rubric);
    json_decref(apps);
    return rc;
}

static int milestone_step(kj_demo_src *src, json_t *winner, json_t *issuer, const char *mid, double day, const char *report)
{
    kj_err e = { 0 };
    kj_demo_clock(day);
    if (kj_milestone_report(src->db, winner, mid, report, "第三方检测报告及现场验收记录", &e)) return kj_demo_fail(src, "milestone", e.key);
    kj_demo_clock(day - 2);
    return kj_milestone_decide(src->db, issuer, mid, true, NULL, &e) ? kj_demo_fail(src, "milestone", e.key) : 0;
}

static int entry_row(kj_demo_src *src, char **f, void *c)
{
    ctx_t *x = c;
    const timeline *t = NULL;
    for (size_t i = 0; i < sizeof timelines / sizeof *timelines; i++)
        if (!strcmp(timelines[i].target, f[E_TARGET])) t = &timelines[i];
    if (!t) return kj_demo_fail(src, "target", f[E_TARGET]);
    const char *list = kj_jstr(x->lists, f[E_LIST]);
    json_t *issuer = kj_demo_user(src->db, f[E_ISSUER]);
    if (!list || !issuer) { json_decref(issuer); return kj_demo_fail(src, list ? "issuer" : "list", "unknown"); }
    const char *role = kj_jstr(issuer, "role");
    char deadline[16], id[KJ_ID_LEN + 1];
    kj_demo_clock(t->create);
    date_in(t->deadline ? t->create - t->deadline : 30, deadline, sizeof deadline);
    json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                           "direction", role && !strcmp(role, "scientist") ? "market_wanted" : "tech_wanted",
                           "title", f[E_TITLE], "domain", f[E_DOMAIN], "problem", f[E_PROBLEM], "difficulties", f[E_DIFFICULTIES],
                           "indicators", indicators(f[E_INDICATORS]), "deliverables", f[E_DELIVERABLES], "bounty", f[E_BOUNTY],
                           "payment_terms", f[E_PAYMENT], "task_period", f[E_PERIOD], "eligibility", f[E_ELIGIBILITY],
                           "ip_terms", f[E_IP], "deadline", deadline, "contact", f[E_CONTACT]);
    kj_err e = { 0 };
    int rc = kj_challenge_create(src->db, issuer, list, in, id, &e) ? kj_demo_fail(src, "entry", e.key) : 0;
    json_decref(in);
    const char *target = t->target;
    bool past_review = strcmp(target, "submitted") && strcmp(target, "rejected");
    if (rc == 0 && t->review) {
        kj_demo_clock(t->review);
        rc = past_review ? act(src, x->admin, id, "approve", json_object())
                         : act(src, x->admin, id, "reject", json_pack("{s:s}", "reason", f[E_REASON]));
    }
    char apps[4][KJ_ID_LEN + 1];
    int napps = 0;
    if (rc == 0 && t->apply) rc = apply_all(src, t, id, f, apps, &napps);
    if (rc == 0 && t->reviewers) rc = review_and_score(src, t, issuer, id, strcmp(target, "reviewing"));
    if (rc == 0 && t->decide) {
        kj_demo_clock(t->decide);
        rc = !strcmp(target, "no_award")
            ? act(src, issuer, id, "no_award", json_pack("{s:s}", "reason", f[E_REASON]))
            : act(src, issuer, id, "select", json_pack("{s:[s], s:i}", "winners", apps[0], "publicity_days", 7));
    }
    if (rc == 0 && t->end_publicity) { kj_demo_clock(t->end_publicity); rc = act(src, issuer, id, "end_publicity", json_object()); }
    if (rc == 0 && t->sign) {
        char due1[16], due2[16];
        kj_demo_clock(t->sign);
        date_in(t->sign - t->m1_report + 3, due1, sizeof due1);
        date_in(t->m2_report ? t->sign - t->m2_report + 3 : t->sign + 60, due2, sizeof due2);
        char parties[300], amount[32];
        snprintf(parties, sizeof parties, "甲方：%s；乙方：揭榜团队", kj_jstr_or_empty(json_object_get(issuer, "org"), "name"));
        snprintf(amount, sizeof amount, "%.0f", atof(f[E_BOUNTY]) * 0.95);
        rc = act(src, issuer, id, "sign", json_pack("{s:{s:s, s:s, s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}]}}", "agreement",
                 "parties", parties, "amount", amount, "milestones", "title", "中期样机与阶段测试", "due", due1, "criteria",
                 "主要指标达到目标值的 80% 以上", "title", "最终验收", "due", due2, "criteria", "全部考核指标达到榜单要求"));
    }
    if (rc == 0 && t->m1_report) {
        json_t *ms = kj_milestones(src->db, id);
        json_t *app = kj_application_get(src->db, x->admin, apps[0], &e);
        json_t *winner = app ? kj_user_get(src->db, kj_jstr(app, "applicant_id")) : NULL;
        if (!winner || json_array_size(ms) < 2) rc = kj_demo_fail(src, "milestones", "missing");
        if (rc == 0) rc = milestone_step(src, winner, issuer, kj_jstr(json_array_get(ms, 0), "id"), t->m1_report,
                                         "中期样机完成，主要指标达到目标值的 85%。");
        if (rc == 0 && t->m2_report) rc = milestone_step(src, winner, issuer, kj_jstr(json_array_get(ms, 1), "id"), t->m2_report,
                                                         "全部指标达到榜单要求，已在需求方现场稳定运行。");
        json_decref(winner);
        json_decref(app);
        json_decref(ms);
    }
    if (rc == 0 && t->evaluate) { kj_demo_clock(t->evaluate); rc = act(src, issuer, id, "evaluate", json_pack("{s:s}", "grade", "excellent")); }
    json_decref(issuer);
    if (rc == 0) {
        json_object_set_new(x->states, target, json_integer(json_integer_value(json_object_get(x->states, target)) + 1));
        x->entries++;
    }
    return rc;
}

int kj_demo_challenges(kj_demo_src *src, FILE *out)
{
    ctx_t x = { .lists = json_object(), .states = json_object(), .admin = kj_demo_user(src->db, "admin@demo.kejiyun.cn") };
    int rc = x.admin ? 0 : -1;
    bool have = kj_demo_open(src, "challenge_lists");
    if (rc == 0 && have) rc = kj_demo_tsv(src, list_cols, L_NCOLS, list_row, &x);
    if (rc == 0 && have && kj_demo_open(src, "challenges")) rc = kj_demo_tsv(src, entry_cols, E_NCOLS, entry_row, &x);
    kj_demo_clock_now();
    if (rc == 0) fprintf(out, "  %zu 揭榜挂帅 lists, %d entries in %zu states\n", json_object_size(x.lists), x.entries,
                         json_object_size(x.states));
    json_decref(x.lists);
    json_decref(x.states);
    json_decref(x.admin);
    return rc;
}
