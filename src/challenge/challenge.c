/*
 * challenge.c — the challenge life-cycle table and everything at the level
 * of lists and entries: creation, review by staff, the entry-level actions
 * (close, select, no award, publicity end, agreement, evaluation), views
 * for the public, the audit trail. Applications, scoring, objections and
 * milestones are in apply.c.
 */
#include "challenge/internal.h"
#include "core/json_util.h"
#include "core/lifecycle.h"
#include "authz/authz.h"
#include "account/account.h"
#include "deal/deal.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/validate.h"
#include "notify/notify.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the life-cycle table ---- */

typedef kj_transition transition;   /* core/lifecycle.h */

static const transition transitions[] = {
    { "approve",              "submitted", "published", CH_STAFF,             "actions", false },
    { "reject",               "submitted", "rejected",  CH_STAFF,             "actions", false },
    { "resubmit",             "rejected",  "submitted", CH_ISSUER,            "actions", false },
    { "edit",                 "submitted", "submitted", CH_ISSUER,            "edit", false },
    { "edit",                 "rejected",  "rejected",  CH_ISSUER,            "edit", false },
    { "setup_review",         "submitted", "submitted", CH_ISSUER | CH_STAFF, "reviewers", false },
    { "setup_review",         "published", "published", CH_ISSUER | CH_STAFF, "reviewers", false },
    { "setup_review",         "reviewing", "reviewing", CH_ISSUER | CH_STAFF, "reviewers", false },
    { "apply",                "published", "published", CH_USER,              "applications", false },
    { "edit_application",     "published", "published", CH_APPLICANT,         "applications", false },
    { "withdraw_application", "published", "published", CH_APPLICANT,         "applications", false },
    { "withdraw_application", "reviewing", "reviewing", CH_APPLICANT,         "applications", false },
    { "close_applications",   "published", "reviewing", CH_ISSUER | CH_STAFF | CH_SYSTEM, "actions", false },
    { "declare_coi",          "published", "published", CH_REVIEWER,          "reviews", false },
    { "declare_coi",          "reviewing", "reviewing", CH_REVIEWER,          "reviews", false },
    { "score",                "reviewing", "reviewing", CH_REVIEWER,          "reviews", false },
    { "select",               "reviewing", "publicity", CH_ISSUER,            "actions", false },
    { "no_award",             "reviewing", "no_award",  CH_ISSUER,            "actions", false },
    { "object",               "publicity", "publicity", CH_USER,              "objections", false },
    { "answer_objection",     "publicity", "publicity", CH_STAFF,             "objections", false },
    { "end_publicity",        "publicity", "agreement", CH_ISSUER | CH_STAFF | CH_SYSTEM, "actions", false },
    { "sign",                 "agreement", "executing", CH_ISSUER,            "actions", false },
    { "report_milestone",     "executing", "executing", CH_WINNER,            "milestones", false },
    { "accept_milestone",     "executing", "executing", CH_ISSUER,            "milestones", false },
    { "return_milestone",     "executing", "executing", CH_ISSUER,            "milestones", false },
    { "evaluate",             "executing", "completed", CH_ISSUER | CH_STAFF, "actions", false },
};
#define NTRANSITIONS (sizeof transitions / sizeof *transitions)

static const char *const role_names[] = { "issuer", "staff", "applicant", "reviewer", "winner", "user", "system" };

json_t *kj_challenge_transitions(void)
{
    return kj_transitions_json(transitions, NTRANSITIONS, role_names, sizeof role_names / sizeof *role_names, false);
}

static const transition *find(const char *action, const char *state)
{
    return kj_transition_find(transitions, NTRANSITIONS, action, state);
}

static bool known_action(const char *action) { return kj_transition_known(transitions, NTRANSITIONS, action); }

bool kj_challenge_allowed(const char *action, const char *state)
{
    return action && state && find(action, state) != NULL;
}

const char *kj_ch_next(const char *action, const char *state)
{
    const transition *t = find(action, state);
    return t ? t->to : NULL;
}

int kj_ch_rule(const char *action, const char *state, int roles, kj_err *e)
{
    if (!known_action(action)) return kj_err_set(e, KJ_E_INVALID, "err.challenge.unknown_action", "action");
    const transition *t = find(action, state);
    if (!t) return kj_err_set(e, KJ_E_CONFLICT, "err.challenge.state", "action");
    if (!(t->roles & roles)) return kj_err_set(e, KJ_E_FORBIDDEN, "err.challenge.role", "action");
    return 0;
}

/* ---- small helpers ---- */

const char *kj_ch_str(json_t *o, const char *k) { return kj_jstr(o, k); }

static bool is_role(json_t *user, const char *role) { return user && kj_ch_str(user, "role") && !strcmp(kj_ch_str(user, "role"), role); }
static bool same(const char *a, const char *b) { return a && b && !strcmp(a, b); }
static size_t chars(const char *s) { return s ? kj_utf8_chars(s, strlen(s)) : 0; }

/* The organization's verified-organization badge, as a JSON boolean. */
#define OV "(CASE WHEN o.verified_at IS NULL THEN 'false' ELSE 'true' END) AS org_verified__json, "
#define CH_COLUMNS \
    "c.id, c.list_id, c.direction, c.title, c.domain, c.problem, c.difficulties, c.indicators AS indicators__json, " \
    "c.deliverables, c.bounty_fen, c.payment_terms, c.task_period, c.eligibility, c.ip_terms, c.deadline, c.deadline_ms, " \
    "c.contact, c.region, c.issuer_id, c.org_id, o.name AS org_name, " OV "c.status, c.reject_reason, c.rubric AS rubric__json, " \
    "c.publicity_until, c.outcome_reason, c.grade, c.agreement AS agreement__json, c.created_at, c.updated_at, " \
    "l.title AS list_title, d.name_zh AS domain_zh, d.name_en AS domain_en"
#define CH_FROM " FROM challenges c JOIN challenge_lists l ON l.id = c.list_id LEFT JOIN orgs o ON o.id = c.org_id " \
    "LEFT JOIN domains d ON d.code = c.domain "

json_t *kj_ch_load(kj_db *db, const char *id)
{
    if (!id || !kj_id_valid(id)) return NULL;
    return kj_db_row(db, "SELECT " CH_COLUMNS CH_FROM "WHERE c.id = ?", "s", id);
}

int kj_ch_roles(kj_db *db, json_t *ch, json_t *user)
{
    if (!user) return 0;
    int roles = CH_USER;
    if (same(kj_user_id(user), kj_ch_str(ch, "issuer_id")) ||
        (is_role(user, "org_member") && kj_authz_is_org_member(user, kj_ch_str(ch, "org_id"))))
        roles |= CH_ISSUER;
    if (kj_authz_can_review_region(user, kj_ch_str(ch, "region")))
        roles |= CH_STAFF;
    if (kj_db_int(db, 0, "SELECT count(*) FROM challenge_reviewers WHERE challenge_id = ? AND user_id = ? AND recused = 0",
                  "ss", kj_ch_str(ch, "id"), kj_user_id(user)) > 0)
        roles |= CH_REVIEWER;
    if (kj_db_int(db, 0, "SELECT count(*) FROM challenge_applications WHERE challenge_id = ? AND applicant_id = ? "
                  "AND status = 'selected'", "ss", kj_ch_str(ch, "id"), kj_user_id(user)) > 0)
        roles |= CH_WINNER;
    return roles;
}

int kj_ch_event(kj_db *db, const char *challenge_id, const char *actor_id, const char *action,
                const char *from, const char *to, const char *reason, bool public)
{
    kj_id id = kj_id_new();
    return kj_db_exec(db, "INSERT INTO challenge_events(id, origin, challenge_id, actor_id, action, from_status, to_status, "
               "reason, public, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)", "ssssssssbi", id.s, kj_instance_id(db),
               challenge_id, actor_id, action, from, to, reason, (int)public, kj_now_ms());
}

static void no_mail(kj_db *db, const char *user_id, const char *kind, const char *subject, const char *link) {}
void (*kj_challenge_mail_hook)(kj_db *db, const char *user_id, const char *kind, const char *subject,
                               const char *link) = no_mail;

void kj_ch_notify(kj_db *db, const char *user_id, const char *kind, json_t *ch)
{
    if (!user_id) return;
    char link[64];
    snprintf(link, sizeof link, "/challenges/%s", kj_ch_str(ch, "id"));
    kj_notify(db, user_id, kind, kj_ch_str(ch, "title"), link);
    kj_challenge_mail_hook(db, user_id, kind, kj_ch_str(ch, "title"), link);
}

void kj_ch_notify_staff(kj_db *db, json_t *ch, const char *kind, const char *except_id)
{
    json_t *staff = kj_db_rows(db, "SELECT id, role, jurisdiction FROM users WHERE role IN ('admin','operator')", "");
    size_t i;
    json_t *s;
    json_array_foreach(staff, i, s)
        if (!same(kj_ch_str(s, "id"), except_id) && kj_authz_can_review_region(s, kj_ch_str(ch, "region")))
            kj_ch_notify(db, kj_ch_str(s, "id"), kind, ch);
    json_decref(staff);
}

/* Who a step concerns, as bits of an audience. */
enum { AUD_ISSUER = 1, AUD_APPLICANTS = 2, AUD_REVIEWERS = 4, AUD_WINNERS = 8, AUD_STAFF = 16 };

/* Notifies audience aud of entry ch about kind, except the actor (NULL:
 * the system, who is never notified). */
static void notify_audience(kj_db *db, json_t *ch, int aud, const char *kind, const char *actor_id)
{
    static const struct { int bit; const char *sql; } whom[] = {
        { AUD_APPLICANTS, "SELECT applicant_id AS id FROM challenge_applications WHERE challenge_id = ? AND status = 'submitted'" },
        { AUD_REVIEWERS,  "SELECT user_id AS id FROM challenge_reviewers WHERE challenge_id = ? AND recused = 0" },
        { AUD_WINNERS,    "SELECT applicant_id AS id FROM challenge_applications WHERE challenge_id = ? AND status = 'selected'" },
    };
    if ((aud & AUD_ISSUER) && !same(kj_ch_str(ch, "issuer_id"), actor_id)) kj_ch_notify(db, kj_ch_str(ch, "issuer_id"), kind, ch);
    if (aud & AUD_STAFF) kj_ch_notify_staff(db, ch, kind, actor_id);
    for (size_t k = 0; k < sizeof whom / sizeof *whom; k++) {
        if (!(aud & whom[k].bit)) continue;
        json_t *rows = kj_db_rows(db, whom[k].sql, "s", kj_ch_str(ch, "id"));
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r) if (!same(kj_ch_str(r, "id"), actor_id)) kj_ch_notify(db, kj_ch_str(r, "id"), kind, ch);
        json_decref(rows);
    }
}

static bool public_state(const char *s);

bool kj_ch_visible(json_t *ch, int roles)
{
    return public_state(kj_ch_str(ch, "status")) || (roles & (CH_ISSUER | CH_STAFF));
}

/* ---- dates and scores ---- */

int64_t kj_challenge_day_end_ms(const char *date)
{
    int y, m, d;
    if (!date || !kj_valid_date(date) || sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3) return -1;
    /* The day ends at 24:00 China time, 16:00 UTC. */
    struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d };
    return (int64_t)timegm(&tm) * 1000 + KJ_DAY_MS - 8 * 3600 * 1000LL;
}

double kj_challenge_weighted(json_t *rubric, json_t *scores)
{
    if (!json_is_array(rubric) || !json_is_array(scores) || json_array_size(scores) != json_array_size(rubric) ||
        !json_array_size(rubric))
        return -1;
    double sum = 0, weights = 0;
    size_t i;
    json_t *c;
    json_array_foreach(rubric, i, c) {
        json_t *s = json_array_get(scores, i);
        double max = (double)json_integer_value(json_object_get(c, "max"));
        double w = (double)json_integer_value(json_object_get(c, "weight"));
        if (!json_is_number(s) || max <= 0) return -1;
        double v = json_number_value(s);
        if (!(v >= 0 && v <= max)) return -1;
        sum += v / max * w;
        weights += w;
    }
    return weights > 0 ? round(sum / weights * 10000.0) / 100.0 : -1;
}

/* ---- lists ---- */

static bool is_staff_user(json_t *user) { return is_role(user, "admin") || is_role(user, "operator"); }

int kj_challenge_list_create(kj_db *db, json_t *user, json_t *in, char *id_out, kj_err *e)
{
    if (!is_staff_user(user)) return kj_err_set(e, KJ_E_FORBIDDEN, "err.challenge.role", NULL);
    const char *title = kj_ch_str(in, "title"), *start = kj_ch_str(in, "period_start"), *end = kj_ch_str(in, "period_end");
    if (chars(title) < 4) return kj_err_set(e, KJ_E_INVALID, "err.challenge.title_short", "title");
    if (!start || !kj_valid_date(start)) return kj_err_set(e, KJ_E_INVALID, "err.field.required", "period_start");
    if (!end || !kj_valid_date(end)) return kj_err_set(e, KJ_E_INVALID, "err.field.required", "period_end");
    if (strcmp(end, start) < 0) return kj_err_set(e, KJ_E_INVALID, "err.challenge.period_order", "period_end");
    kj_id id = kj_id_new();
    const char *desc = kj_ch_str(in, "description");
    if (kj_db_exec(db, "INSERT INTO challenge_lists(id, origin, title, description, period_start, period_end, created_by, "
                   "created_at) VALUES (?,?,?,?,?,?,?,?)", "sssssssi", id.s, kj_instance_id(db), title, desc ? desc : "",
                   start, end, kj_user_id(user), kj_now_ms()) < 0)
        return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    memcpy(id_out, id.s, sizeof id.s);
    return 0;
}

json_t *kj_challenge_review_queue(kj_db *db, json_t *user)
{
    json_t *out = json_array();
    if (!is_staff_user(user)) return out;
    json_t *rows = kj_db_rows(db, "SELECT c.id, c.title, c.list_id, l.title AS list_title, o.name AS org_name, " OV "c.direction, "
                              "c.region, c.created_at, c.updated_at, c.issuer_id, (SELECT u.name FROM users u WHERE u.id = c.issuer_id) AS issuer_name"
                              CH_FROM "WHERE c.status = 'submitted' ORDER BY c.created_at, c.id", "");
    size_t i;
    json_t *c;
    json_array_foreach(rows, i, c) if (kj_authz_can_review_region(user, kj_ch_str(c, "region"))) json_array_append(out, c);
    json_decref(rows);
    return out;
}

json_t *kj_challenge_lists(kj_db *db)
{
    json_t *rows = kj_db_rows(db, "SELECT l.id, l.origin, l.title, l.description, l.period_start, l.period_end, l.created_at, "
                              "(SELECT count(*) FROM challenges c WHERE c.list_id = l.id AND c.status NOT IN "
                              "('submitted','rejected')) AS entries FROM challenge_lists l ORDER BY l.created_at DESC", "");
    return rows ? rows : json_array();
}

json_t *kj_challenge_lists_open(kj_db *db, int64_t now_ms, const char *today, int limit)
{
    json_t *rows = kj_db_rows(db, "SELECT l.id, l.title, l.period_start, l.period_end, count(c.id) AS open_entries, "
                              "min(c.deadline) AS next_deadline, min(c.deadline_ms) AS next_deadline_ms "
                              "FROM challenge_lists l LEFT JOIN challenges c ON c.list_id = l.id "
                              "AND c.status = 'published' AND c.deadline_ms > ? "
                              "GROUP BY l.id HAVING count(c.id) > 0 OR l.period_end >= ? "
                              "ORDER BY count(c.id) = 0, min(c.deadline_ms), l.period_end, l.id LIMIT ?",
                              "isi", now_ms, today, (int64_t)limit);
    return rows ? rows : json_array();
}

/* States in which an entry is public. */
static bool public_state(const char *s) { return s && strcmp(s, "submitted") && strcmp(s, "rejected"); }
/* States from which the selection is public. */
static bool winners_public(const char *s)
{
    static const char *const st[] = { "publicity", "agreement", "executing", "completed" };
    for (size_t i = 0; s && i < sizeof st / sizeof *st; i++) if (!strcmp(s, st[i])) return true;
    return false;
}

static json_t *winners_of(kj_db *db, const char *challenge_id)
{
    json_t *w = kj_db_rows(db, "SELECT a.id, u.name AS applicant_name, o.name AS org_name, " OV "s.name AS studio_name "
                           "FROM challenge_applications a JOIN users u ON u.id = a.applicant_id "
                           "LEFT JOIN orgs o ON o.id = a.org_id LEFT JOIN studios s ON s.id = a.studio_id "
                           "WHERE a.challenge_id = ? AND a.status = 'selected' ORDER BY a.created_at", "s", challenge_id);
    return w ? w : json_array();
}

static void money(json_t *o, const char *fen_key, const char *key)
{
    char buf[32];
    json_t *v = json_object_get(o, fen_key);
    if (json_is_integer(v) && kj_format_fen_as_wan(json_integer_value(v), buf, sizeof buf))
        json_object_set_new(o, key, json_string(buf));
}

json_t *kj_challenge_list_view(kj_db *db, const char *id, json_t *viewer)
{
    if (!id || !kj_id_valid(id)) return NULL;
    json_t *l = kj_db_row(db, "SELECT id, title, description, period_start, period_end, created_at FROM challenge_lists "
                          "WHERE id = ?", "s", id);
    if (!l) return NULL;
    json_t *rows = kj_db_rows(db, "SELECT " CH_COLUMNS CH_FROM "WHERE c.list_id = ? ORDER BY c.created_at", "s", id);
    json_t *entries = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(rows, i, c) {
        int roles = kj_ch_roles(db, c, viewer);
        if (!public_state(kj_ch_str(c, "status")) && !(roles & (CH_ISSUER | CH_STAFF))) continue;
        json_t *s = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "id", json_object_get(c, "id"),
                              "title", json_object_get(c, "title"), "direction", json_object_get(c, "direction"),
                              "status", json_object_get(c, "status"), "deadline", json_object_get(c, "deadline"),
                              "bounty_fen", json_object_get(c, "bounty_fen"), "org_name", json_object_get(c, "org_name"));
        json_object_set(s, "org_verified", json_object_get(c, "org_verified"));
        money(s, "bounty_fen", "bounty");
        if (winners_public(kj_ch_str(c, "status"))) json_object_set_new(s, "winners", winners_of(db, kj_ch_str(c, "id")));
        if (kj_ch_str(c, "grade")) json_object_set(s, "grade", json_object_get(c, "grade"));
        json_array_append_new(entries, s);
    }
    json_decref(rows);
    json_object_set_new(l, "entries", entries);
    return l;
}

/* ---- entries: content ---- */

static const char *const directions[] = { "tech_wanted", "market_wanted", NULL };
static const char *const ip_terms[] = { "applicant_keeps", "nonexclusive_licence", "exclusive_licence", "transfer", NULL };
static const char *const grades[] = { "excellent", "good", "pass", "fail", NULL };

/* Indicators: 1..20 of {name, target, unit, verification}, name and target
 * and verification required. Returns a new normalized array or NULL. */
static json_t *check_indicators(json_t *v)
{
    if (!json_is_array(v) || !json_array_size(v) || json_array_size(v) > 20) return NULL;
    json_t *out = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        const char *name = kj_ch_str(x, "name"), *target = kj_ch_str(x, "target"), *unit = kj_ch_str(x, "unit"),
                   *how = kj_ch_str(x, "verification");
        if (!chars(name) || chars(name) > 60 || !chars(target) || chars(target) > 60 || chars(unit) > 20 ||
            !chars(how) || chars(how) > 200) { json_decref(out); return NULL; }
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s}", "name", name, "target", target,
                                             "unit", unit ? unit : "", "verification", how));
    }
    return out;
}

typedef struct { const char *name; size_t min, max; } text_rule;

static const text_rule entry_texts[] = {
    { "title", 4, 100 }, { "problem", 10, 5000 }, { "difficulties", 0, 5000 }, { "deliverables", 1, 2000 },
    { "payment_terms", 1, 1000 }, { "task_period", 1, 100 }, { "eligibility", 0, 1000 }, { "contact", 1, 200 },
    { "domain", 0, 10 },
};

/* Checks entry content; fills *fen and *deadline_ms and a normalized
 * indicators array (new ref). */
static int check_entry(kj_db *db, json_t *in, int64_t *fen, int64_t *deadline_ms, json_t **indicators, kj_err *e)
{
    for (size_t i = 0; i < sizeof entry_texts / sizeof *entry_texts; i++) {
        size_t n = chars(kj_ch_str(in, entry_texts[i].name));
        if (n < entry_texts[i].min) return kj_err_set(e, KJ_E_INVALID, "err.field.required", entry_texts[i].name);
        if (n > entry_texts[i].max) return kj_err_set(e, KJ_E_INVALID, "err.field.too_long", entry_texts[i].name);
    }
    if (!kj_in_list(directions, kj_ch_str(in, "direction"))) return kj_err_set(e, KJ_E_INVALID, "err.field.required", "direction");
    if (!kj_in_list(ip_terms, kj_ch_str(in, "ip_terms"))) return kj_err_set(e, KJ_E_INVALID, "err.field.required", "ip_terms");
    if (!kj_ch_str(in, "bounty") || !kj_parse_money_wan(kj_ch_str(in, "bounty"), fen) || *fen <= 0)
        return kj_err_set(e, KJ_E_INVALID, "err.challenge.bounty", "bounty");
    *deadline_ms = kj_challenge_day_end_ms(kj_ch_str(in, "deadline"));
    if (*deadline_ms < 0) return kj_err_set(e, KJ_E_INVALID, "err.field.required", "deadline");
    if (*deadline_ms <= kj_now_ms()) return kj_err_set(e, KJ_E_INVALID, "err.challenge.deadline_past", "deadline");
    const char *domain = kj_ch_str(in, "domain");
    if (domain && *domain && kj_db_int(db, 0, "SELECT count(*) FROM domains WHERE code = ?", "s", domain) == 0)
        return kj_err_set(e, KJ_E_INVALID, "err.challenge.domain", "domain");
    *indicators = check_indicators(json_object_get(in, "indicators"));
    if (!*indicators) return kj_err_set(e, KJ_E_INVALID, "err.challenge.indicators", "indicators");
    return 0;
}

static const char *opt(json_t *in, const char *k) { const char *s = kj_ch_str(in, k); return s ? s : ""; }

/* Who issues for which organization: org members for their own; staff for
 * an organization they name in their jurisdiction (the issuer reads the
 * entry's confidential applications and selects its winners, so an
 * operator of another center may not act in a distant organization's
 * name); scientists only 成果找市场 entries. */
static int issuer_org(kj_db *db, json_t *user, json_t *in, const char **org_id, const char **region, kj_err *e)
{
    const char *role = kj_ch_str(user, "role");
    *region = kj_ch_str(user, "region");
    *org_id = kj_ch_str(user, "org_id");
    if (same(role, "org_member")) return *org_id ? 0 : kj_err_set(e, KJ_E_FORBIDDEN, "err.challenge.role", NULL);
    if (same(role, "scientist"))
        return same(kj_ch_str(in, "direction"), "market_wanted") ? 0 : kj_err_set(e, KJ_E_FORBIDDEN, "err.challenge.scientist_direction", "direction");
    *org_id = kj_ch_str(in, "org_id");
    if (!*org_id) return kj_err_set(e, KJ_E_INVALID, "err.challenge.org_required", "org_id");
    json_t *o = kj_db_row(db, "SELECT region FROM orgs WHERE id = ?", "s", *org_id);
    if (!o) return kj_err_set(e, KJ_E_INVALID, "err.challenge.org_unknown", "org_id");
    bool ours = kj_authz_can_review_region(user, kj_ch_str(o, "region"));
    json_decref(o);
    return ours ? 0 : kj_err_set(e, KJ_E_FORBIDDEN, "err.challenge.org_not_yours", "org_id");
}

int kj_challenge_create(kj_db *db, json_t *user, const char *list_id, json_t *in, char *id_out, kj_err *e)
{
    if (!kj_authz_may_publish(user)) return kj_err_set(e, KJ_E_FORBIDDEN, kj_authz_publish_refusal(user), NULL);
    if (!list_id || !kj_id_valid(list_id) ||
        kj_db_int(db, 0, "SELECT count(*) FROM challenge_lists WHERE id = ?", "s", list_id) == 0)
        return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    const char *org_id, *region;
    if (issuer_org(db, user, in, &org_id, &region, e)) return -1;
    int64_t fen, deadline_ms;
    json_t *ind;
    if (check_entry(db, in, &fen, &deadline_ms, &ind, e)) return -1;
    char *org_region = org_id ? kj_db_text(db, "SELECT region FROM orgs WHERE id = ?", "s", org_id) : NULL;
    kj_id id = kj_id_new();
    int64_t now = kj_now_ms();
    int rc = kj_db_begin(db);
    if (rc == 0) rc = kj_db_exec(db, "INSERT INTO challenges(id, origin, list_id, direction, title, domain, problem, difficulties, "
                        "indicators, deliverables, bounty_fen, payment_terms, task_period, eligibility, ip_terms, deadline, "
                        "deadline_ms, contact, region, issuer_id, org_id, status, created_at, updated_at) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'submitted',?,?)",
                        "ssssssssjsisssssissssii", id.s, kj_instance_id(db), list_id, kj_ch_str(in, "direction"),
                        kj_ch_str(in, "title"), opt(in, "domain"), kj_ch_str(in, "problem"), opt(in, "difficulties"), ind,
                        kj_ch_str(in, "deliverables"), fen, kj_ch_str(in, "payment_terms"), kj_ch_str(in, "task_period"),
                        opt(in, "eligibility"), kj_ch_str(in, "ip_terms"), kj_ch_str(in, "deadline"), deadline_ms,
                        kj_ch_str(in, "contact"), org_region ? org_region : region, kj_user_id(user), org_id, now, now);
    free(org_region);
    json_decref(ind);
    if (rc < 0) { kj_db_rollback(db); return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); }
    kj_ch_event(db, id.s, kj_user_id(user), "submit", NULL, "submitted", NULL, false);
    json_t *ch = kj_ch_load(db, id.s);
    if (ch) kj_ch_notify_staff(db, ch, "challenge_submitted", kj_user_id(user));
    json_decref(ch);
    if (kj_db_commit(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    memcpy(id_out, id.s, sizeof id.s);
    return 0;
}

int kj_challenge_update(kj_db *db, json_t *user, const char *id, json_t *in, kj_err *e)
{
    json_t *ch = kj_ch_load(db, id);
    if (!ch) return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    int rc = -1;
    int64_t fen, deadline_ms;
    json_t *ind = NULL;
    int roles = kj_ch_roles(db, ch, user);
    /* An entry not yet public does not exist for those who may not see it
     * (404 as for its page), before the table says who may edit. */
    if (!kj_ch_visible(ch, roles)) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); goto out; }
    if (kj_ch_rule("edit", kj_ch_str(ch, "status"), roles, e)) goto out;
    /* The direction decides who may issue; it stays as submitted. */
    json_object_set(in, "direction", json_object_get(ch, "direction"));
    if (check_entry(db, in, &fen, &deadline_ms, &ind, e)) goto out;
    if (kj_db_exec(db, "UPDATE challenges SET title = ?, domain = ?, problem = ?, difficulties = ?, indicators = ?, "
                   "deliverables = ?, bounty_fen = ?, payment_terms = ?, task_period = ?, eligibility = ?, ip_terms = ?, "
                   "deadline = ?, deadline_ms = ?, contact = ?, updated_at = ? WHERE id = ?", "ssssjsisssssisis",
                   kj_ch_str(in, "title"), opt(in, "domain"), kj_ch_str(in, "problem"), opt(in, "difficulties"), ind,
                   kj_ch_str(in, "deliverables"), fen, kj_ch_str(in, "payment_terms"), kj_ch_str(in, "task_period"),
                   opt(in, "eligibility"), kj_ch_str(in, "ip_terms"), kj_ch_str(in, "deadline"), deadline_ms,
                   kj_ch_str(in, "contact"), kj_now_ms(), id) < 0) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    kj_ch_event(db, id, kj_user_id(user), "edit", kj_ch_str(ch, "status"), kj_ch_str(ch, "status"), NULL, false);
    rc = 0;
out:
    json_decref(ind);
    json_decref(ch);
    return rc;
}

/* ---- entries: view ---- */

static json_t *timeline(kj_db *db, const char *id, bool all)
{
    json_t *t = kj_db_rows(db, all ?
        "SELECT e.action, e.from_status, e.to_status, e.reason, e.created_at, e.public, u.name AS actor_name "
        "FROM challenge_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.challenge_id = ? ORDER BY e.created_at, e.id" :
        "SELECT e.action, e.from_status, e.to_status, e.reason, e.created_at, e.public, u.name AS actor_name "
        "FROM challenge_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.challenge_id = ? AND e.public = 1 "
        "ORDER BY e.created_at, e.id", "s", id);
    return t ? t : json_array();
}

/* The actions of the table viewer may take now (for pages and clients). */
static json_t *available(json_t *ch, int roles)
{
    json_t *out = json_array();
    const char *state = kj_ch_str(ch, "status");
    for (size_t i = 0; i < NTRANSITIONS; i++)
        if (!strcmp(transitions[i].from, state) && (transitions[i].roles & roles) &&
            !strcmp(transitions[i].via, "actions"))
            json_array_append_new(out, json_string(transitions[i].action));
    return out;
}

json_t *kj_challenge_view(kj_db *db, const char *id, json_t *viewer, kj_err *e)
{
    json_t *ch = kj_ch_load(db, id);
    if (!ch) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); return NULL; }
    int roles = kj_ch_roles(db, ch, viewer);
    const char *state = kj_ch_str(ch, "status");
    if (!public_state(state) && !(roles & (CH_ISSUER | CH_STAFF))) {
        json_decref(ch);
        kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
        return NULL;
    }
    bool insider = roles & (CH_ISSUER | CH_STAFF);
    money(ch, "bounty_fen", "bounty");
    json_t *ag = json_object_get(ch, "agreement");
    if (json_is_object(ag)) money(ag, "amount_fen", "amount");
    json_object_set_new(ch, "timeline", timeline(db, id, insider));
    if (winners_public(state)) json_object_set_new(ch, "winners", winners_of(db, id));
    json_object_set_new(ch, "applications_count", json_integer(kj_db_int(db, 0,
        "SELECT count(*) FROM challenge_applications WHERE challenge_id = ? AND status <> 'withdrawn'", "s", id)));
    json_object_set_new(ch, "deadline_passed", json_boolean(kj_now_ms() >= json_integer_value(json_object_get(ch, "deadline_ms"))));
    json_object_set_new(ch, "is_issuer", json_boolean(roles & CH_ISSUER));
    json_object_set_new(ch, "is_staff", json_boolean(roles & CH_STAFF));
    json_object_set_new(ch, "is_reviewer", json_boolean(roles & CH_REVIEWER));
    json_object_set_new(ch, "is_winner", json_boolean(roles & CH_WINNER));
    char *mine = viewer ? kj_db_text(db, "SELECT id FROM challenge_applications WHERE challenge_id = ? AND applicant_id = ? "
                                     "AND status <> 'withdrawn'", "ss", id, kj_user_id(viewer)) : NULL;
    if (mine) json_object_set_new(ch, "my_application_id", json_string(mine));
    json_object_set_new(ch, "can_apply", json_boolean(viewer && !mine && !(roles & CH_ISSUER) && same(state, "published") &&
                                                      !json_is_true(json_object_get(ch, "deadline_passed"))));
    free(mine);
    json_object_set_new(ch, "actions", available(ch, roles));
    if (!insider) {
        json_object_del(ch, "reject_reason");
        json_object_del(ch, "rubric");
    }
    return ch;
}

/* ---- entries: actions ---- */

typedef int (*act_fn)(kj_db *db, json_t *user, json_t *ch, json_t *in, kj_err *e);

static int need_reason(json_t *in, kj_err *e)
{
    const char *r = kj_ch_str(in, "reason");
    return chars(r) >= 2 ? 0 : kj_err_set(e, KJ_E_INVALID, "err.challenge.reason_required", "reason");
}

static int act_plain(kj_db *db, json_t *user, json_t *ch, json_t *in, kj_err *e) { return 0; }

static int act_approve(kj_db *db, json_t *user, json_t *ch, json_t *in, kj_err *e)
{
    if (kj_now_ms() >= json_integer_value(json_object_get(ch, "deadline_ms")))
        return kj_err_set(e, KJ_E_CONFLICT, "err.challenge.deadline_passed", "deadline");
    return kj_db_exec(db, "UPDATE challenges SET reject_reason = NULL WHERE id = ?", "s", kj_ch_str(ch, "id")) < 0 ? -1 : 0;
}

static int act_reject(kj_db *db, json_t *user, json_t *ch, json_t *in, kj_err *e)
{
    if (need_reason(in, e)) return -1;
    if (kj_db_exec(db, "UPDATE challenges SET reject_reason = ? WHERE id = ?", "ss", kj_ch_str(in, "reason"), kj_ch_str(ch, "id")) < 0)
        return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    return 0;
}

static int act_close(kj_db *db, json_t *user, json_t *ch, json_t *in, kj_err *e)
{
    if (kj_now_ms() < json_integer_value(json_object_get(ch, "deadline_ms")))
        return kj_err_set(e, KJ_E_CONFLICT, "err.challenge.deadline_not_passed", "action");
    return 0;
}

static int act_select(kj_db *db, json_t *user, json_t *ch, json_t *in, kj_err *e)
{
    const char *id = kj_ch_str(ch, "id");
    if (!kj_ch_review_complete(db, id)) return kj_err_set(e, KJ_E_CONFLICT, "err.challenge.review_incomplete", "action");
    json_t *winners = json_object_get(in, "winners");
    if (!json_is_array(winners) || !json_array_size(winners)) return kj_err_set(e, KJ_E_INVALID, "err.challenge.winners_required", "winners");
    size_t i;
    json_t *w;
    json_array_foreach(winners, i, w) {
        if (!json_is_string(w) || kj_db_int(db, 0, "SELECT count(*) FROM challenge_applications WHERE id = ? AND "
                                            "challenge_id = ? AND status = 'submitted'", "ss", json_string_value(w), id) == 0)
            return kj_err_set(e, KJ_E_INVALID, "err.challenge.winner_unknown", "winners");
    }
    json_int_t days = json_integer_value(json_object_get(in, "publicity_days"));
    if (!days) days = 5;
    if (days < 1 || days > 30) return kj_err_set(e, KJ_E_INVALID, "err.challenge.publicity_days", "publicity_days");
    json_array_foreach(winners, i, w)
        if (kj_db_exec(db, "UPDATE challenge_applications SET status = 'selected', updated_at = ? WHERE id = ?", "is",
                       kj_now_ms(), json_string_value(w)) < 0)
            return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    if (kj_db_exec(db, "UPDATE challenges SET publicity_until = ?, outcome_reason = ? WHERE id = ?", "iss",
                   kj_now_ms() + days * KJ_DAY_MS, kj_ch_str(in, "reason"), id) < 0)
        return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    json_t *apps = kj_db_rows(db, "SELECT applicant_id, status FROM challenge_applications WHERE challenge_id = ? AND "
                              "status IN ('submitted','selected')", "s", id);
    json_array_foreach(apps, i, w)
        kj_ch_notify(db, kj_ch_str(w, "applicant_id"), same(kj_ch_str(w, "status"), "selected") ? "challenge_selected"
                                                                                               : "challenge_result", ch);
    json_decref(apps);
    return 0;
}

static int act_no_award(kj_db *db, json_t *user, json_t *ch, json_t *in, kj_err *e)
{
    if (need_reason(in, e)) return -1;
    const char *id = kj_ch_str(ch, "id");
    bool any = kj_db_int(db, 0, "SELECT count(*) FROM challenge_applications WHERE challenge_id = ? AND status = 'submitted'",
                         "s", id) > 0;
    if (any && !kj_ch_review_complete(db, id)) return kj_err_set(e, KJ_E_CONFLICT, "err.challenge.review_incomplete", "action");
    if (kj_db_exec(db, "UPDATE challenges SET outcome_reason = ? WHERE id = ?", "ss", kj_ch_str(in, "reason"), id) < 0)
        return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    json_t *apps = kj_db_rows(db, "SELECT applicant_id FROM challenge_applications WHERE challenge_id = ? AND status = 'submitted'", "s", id);
    size_t i;
    json_t *a;
    json_array_foreach(apps, i, a) kj_ch_notify(db, kj_ch_str(a, "applicant_id"), "challenge_result", ch);
    json_decref(apps);
    return 0;
}

static int act_end_publicity(kj_db *db, json_t *user, json_t *ch, json_t *in, kj_err *e)
{
    if (kj_now_ms() < json_integer_value(json_object_get(ch, "publicity_until")))
        return kj_err_set(e, KJ_E_CONFLICT, "err.challenge.publicity_running", "action");
    if (kj_db_int(db, 0, "SELECT count(*) FROM challenge_objections WHERE challenge_id = ? AND answer IS NULL", "s",
                  kj_ch_str(ch, "id")) > 0)
        return kj_err_set(e, KJ_E_CONFLICT, "err.challenge.objections_open", "action");
    return 0;
}

/* The agreement: {parties, amount (万元), milestones: [{title, due, criteria}]}. */
static int act_sign(kj_db *db, json_t *user, json_t *ch, json_t *in, kj_err *e)
{
    json_t *ag = json_object_get(in, "agreement");
    const char *parties = kj_ch_str(ag, "parties");
    int64_t fen;
    if (!json_is_object(ag) || chars(parties) < 2 || chars(parties) > 500) return kj_err_set(e, KJ_E_INVALID, "err.challenge.agreement_parties", "agreement");
    if (!kj_ch_str(ag, "amount") || !kj_parse_money_wan(kj_ch_str(ag, "amount"), &fen) || fen <= 0)
        return kj_err_set(e, KJ_E_INVALID, "err.challenge.bounty", "agreement");
    json_t *ms = json_object_get(ag, "milestones");
    if (!json_is_array(ms) || !json_array_size(ms) || json_array_size(ms) > 20)
        return kj_err_set(e, KJ_E_INVALID, "err.challenge.milestones_required", "agreement");
    size_t i;
    json_t *m;
    json_array_foreach(ms, i, m)
        if (chars(kj_ch_str(m, "title")) < 2 || !kj_ch_str(m, "due") || !kj_valid_date(kj_ch_str(m, "due")) ||
            chars(kj_ch_str(m, "criteria")) < 2)
            return kj_err_set(e, KJ_E_INVALID, "err.challenge.milestone_invalid", "agreement");
    const char *id = kj_ch_str(ch, "id");
    json_t *stored = json_pack("{s:s, s:I, s:[]}", "parties", parties, "amount_fen", (json_int_t)fen, "milestones");
    json_array_foreach(ms, i, m) {
        kj_id mid = kj_id_new();
        if (kj_db_exec(db, "INSERT INTO challenge_milestones(id, origin, challenge_id, seq, title, due, criteria, updated_at) "
                       "VALUES (?,?,?,?,?,?,?,?)", "sssisssi", mid.s, kj_instance_id(db), id, (int64_t)i + 1,
                       kj_ch_str(m, "title"), kj_ch_str(m, "due"), kj_ch_str(m, "criteria"), kj_now_ms()) < 0) {
            json_decref(stored);
            return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        }
        json_array_append_new(json_object_get(stored, "milestones"), json_pack("{s:s, s:s, s:s}", "title",
                              kj_ch_str(m, "title"), "due", kj_ch_str(m, "due"), "criteria", kj_ch_str(m, "criteria")));
    }
    if (kj_db_exec(db, "UPDATE challenges SET agreement = ? WHERE id = ?", "js", stored, id) < 0) {
        json_decref(stored);
        return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    }
    /* The agreement carries on as a deal per winner: contract, signatures, conversation, reviews (deal/deal.h). */
    int drc = kj_deal_from_challenge(db, id, kj_user_id(user), stored, e);
    json_decref(stored);
    if (drc) return -1;
    json_t *apps = kj_db_rows(db, "SELECT applicant_id FROM challenge_applications WHERE challenge_id = ? AND status = 'selected'", "s", id);
    json_array_foreach(apps, i, m) kj_ch_notify(db, kj_ch_str(m, "applicant_id"), "challenge_agreement", ch);
    json_decref(apps);
    return 0;
}

static int act_evaluate(kj_db *db, json_t *user, json_t *ch, json_t *in, kj_err *e)
{
    const char *grade = kj_ch_str(in, "grade"), *id = kj_ch_str(ch, "id");
    if (!kj_in_list(grades, grade)) return kj_err_set(e, KJ_E_INVALID, "err.challenge.grade", "grade");
    if (strcmp(grade, "fail") && kj_db_int(db, 0, "SELECT count(*) FROM challenge_milestones WHERE challenge_id = ? AND "
                                           "status <> 'accepted'", "s", id) > 0)
        return kj_err_set(e, KJ_E_CONFLICT, "err.challenge.milestones_open", "grade");
    if (kj_db_exec(db, "UPDATE challenges SET grade = ? WHERE id = ?", "ss", grade, id) < 0)
        return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    json_t *apps = kj_db_rows(db, "SELECT applicant_id FROM challenge_applications WHERE challenge_id = ? AND status = 'selected'", "s", id);
    size_t i;
    json_t *a;
    json_array_foreach(apps, i, a) kj_ch_notify(db, kj_ch_str(a, "applicant_id"), "challenge_completed", ch);
    json_decref(apps);
    return 0;
}

/* Each entry-level action: its own rules and effects, then whom the step
 * concerns beyond what fn notifies itself (audience bits, kind). */
static const struct { const char *action; act_fn fn; int audience; const char *kind; } action_impl[] = {
    { "approve",            act_approve,       AUD_ISSUER, "challenge_approved" },
    { "reject",             act_reject,        AUD_ISSUER, "challenge_rejected" },
    { "resubmit",           act_plain,         AUD_STAFF,  "challenge_submitted" },
    { "close_applications", act_close,         AUD_ISSUER | AUD_APPLICANTS | AUD_REVIEWERS, "challenge_closed" },
    { "select",             act_select,        0, NULL },
    { "no_award",           act_no_award,      0, NULL },
    { "end_publicity",      act_end_publicity, AUD_ISSUER | AUD_WINNERS, "challenge_publicity_over" },
    { "sign",               act_sign,          0, NULL },
    { "evaluate",           act_evaluate,      0, NULL },
};

/* Runs action k of action_impl on entry ch for user (NULL: the system)
 * holding roles: the table's check, the action's own rules, the state
 * change and the audit record, in one transaction. */
static int perform(kj_db *db, json_t *user, json_t *ch, size_t k, json_t *in, int roles, kj_err *e)
{
    const char *action = action_impl[k].action, *state = kj_ch_str(ch, "status"), *id = kj_ch_str(ch, "id");
    if (kj_ch_rule(action, state, roles, e)) return -1;
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    if (action_impl[k].fn(db, user, ch, in, e)) { kj_db_rollback(db); return -1; }
    const char *next = kj_ch_next(action, state);
    if (kj_db_exec(db, "UPDATE challenges SET status = ?, updated_at = ? WHERE id = ?", "sis", next, kj_now_ms(), id) < 0 ||
        kj_ch_event(db, id, kj_user_id(user), action, state, next, kj_ch_str(in, "reason"), public_state(next)) < 0) {
        kj_db_rollback(db);
        return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    }
    if (action_impl[k].kind) notify_audience(db, ch, action_impl[k].audience, action_impl[k].kind, kj_user_id(user));
    if (kj_db_commit(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    return 0;
}

static size_t impl_index(const char *action)
{
    size_t k = 0, n = sizeof action_impl / sizeof *action_impl;
    while (k < n && (!action || strcmp(action_impl[k].action, action))) k++;
    return k;
}

int kj_challenge_act(kj_db *db, json_t *user, const char *id, const char *action, json_t *in, kj_err *e)
{
    json_t *ch = kj_ch_load(db, id);
    if (!ch) return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    const char *state = kj_ch_str(ch, "status");
    int roles = kj_ch_roles(db, ch, user), rc = -1;
    size_t k = impl_index(action);
    if (!public_state(state) && !(roles & (CH_ISSUER | CH_STAFF))) kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    else if (kj_ch_rule(action ? action : "", state, roles, e)) {}
    else if (k == sizeof action_impl / sizeof *action_impl) kj_err_set(e, KJ_E_INVALID, "err.challenge.unknown_action", "action"); /* a sub-resource's */
    else rc = perform(db, user, ch, k, in, roles, e);
    json_decref(ch);
    return rc;
}

int kj_challenge_tick(kj_db *db)
{
    static const struct { const char *action, *sql; } due[] = {
        { "close_applications", "SELECT id FROM challenges WHERE status = 'published' AND deadline_ms <= ?" },
        { "end_publicity", "SELECT c.id FROM challenges c WHERE c.status = 'publicity' AND c.publicity_until <= ? AND "
                           "NOT EXISTS (SELECT 1 FROM challenge_objections o WHERE o.challenge_id = c.id AND o.answer IS NULL)" },
    };
    int changed = 0;
    json_t *in = json_object();
    for (size_t d = 0; d < sizeof due / sizeof *due; d++) {
        json_t *ids = kj_db_rows(db, due[d].sql, "i", kj_now_ms());
        size_t i;
        json_t *row;
        json_array_foreach(ids, i, row) {
            json_t *ch = kj_ch_load(db, kj_ch_str(row, "id"));
            kj_err e = { 0 };
            if (ch && !perform(db, NULL, ch, impl_index(due[d].action), in, CH_SYSTEM, &e)) changed++;
            json_decref(ch);
        }
        json_decref(ids);
    }
    json_decref(in);
    return changed;
}
