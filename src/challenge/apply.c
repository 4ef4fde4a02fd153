/*
 * apply.c — the confidential half of a challenge: applications (揭榜),
 * reviewers and their rubric, conflict-of-interest declarations and the
 * automatic exclusion by organization, scoring and ranking, publicity
 * objections, and milestones of the task agreement. Every operation is
 * checked against the life-cycle table (challenge.c) first.
 */
#include "challenge/internal.h"
#include "authz/authz.h"
#include "core/json_util.h"
#include "account/account.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/validate.h"
#include "market/attach.h"
#include <stdlib.h>
#include <string.h>

static bool same(const char *a, const char *b) { return a && b && !strcmp(a, b); }
static size_t chars(const char *s) { return s ? kj_utf8_chars(s, strlen(s)) : 0; }
static const char *opt(json_t *in, const char *k) { const char *s = kj_ch_str(in, k); return s ? s : ""; }

/* ---- applications ---- */

#define APP_COLUMNS \
    "a.id, a.challenge_id, a.applicant_id, u.name AS applicant_name, a.org_id, o.name AS org_name, " \
    "(CASE WHEN o.verified_at IS NULL THEN 'false' ELSE 'true' END) AS org_verified__json, a.studio_id, " \
    "s.name AS studio_name, a.team, a.approach, a.indicator_plan, a.schedule, a.budget_fen, a.status, a.created_at, " \
    "a.updated_at"
#define APP_FROM " FROM challenge_applications a JOIN users u ON u.id = a.applicant_id LEFT JOIN orgs o ON o.id = a.org_id " \
    "LEFT JOIN studios s ON s.id = a.studio_id "

static json_t *load_app(kj_db *db, const char *id)
{
    if (!id || !kj_id_valid(id)) return NULL;
    return kj_db_row(db, "SELECT " APP_COLUMNS APP_FROM "WHERE a.id = ?", "s", id);
}

static void app_money(json_t *a)
{
    char buf[32];
    json_t *v = json_object_get(a, "budget_fen");
    if (json_is_integer(v) && kj_format_fen_as_wan(json_integer_value(v), buf, sizeof buf))
        json_object_set_new(a, "budget", json_string(buf));
}

typedef struct { const char *name; size_t min, max; } text_rule;
static const text_rule app_texts[] = {
    { "team", 2, 3000 }, { "approach", 10, 10000 }, { "indicator_plan", 1, 5000 }, { "schedule", 1, 3000 },
};

static int check_app(json_t *in, int64_t *budget, kj_err *e)
{
    for (size_t i = 0; i < sizeof app_texts / sizeof *app_texts; i++) {
        size_t n = chars(kj_ch_str(in, app_texts[i].name));
        if (n < app_texts[i].min) return kj_err_set(e, KJ_E_INVALID, "err.field.required", app_texts[i].name);
        if (n > app_texts[i].max) return kj_err_set(e, KJ_E_INVALID, "err.field.too_long", app_texts[i].name);
    }
    *budget = -1;
    const char *b = kj_ch_str(in, "budget");
    if (b && *b && (!kj_parse_money_wan(b, budget) || *budget < 0)) return kj_err_set(e, KJ_E_INVALID, "err.challenge.bounty", "budget");
    return 0;
}

static bool before_deadline(json_t *ch) { return kj_now_ms() < json_integer_value(json_object_get(ch, "deadline_ms")); }

/* The organization an application speaks for: the studio's members apply
 * for it; org members for their organization. */
static int applicant_side(kj_db *db, json_t *user, json_t *in, const char **studio_id, kj_err *e)
{
    *studio_id = kj_ch_str(in, "studio_id");
    if (*studio_id && !**studio_id) *studio_id = NULL;
    if (*studio_id && kj_db_int(db, 0, "SELECT count(*) FROM studio_members WHERE studio_id = ? AND user_id = ? AND "
                                "status = 'active'", "ss", *studio_id, kj_user_id(user)) == 0)
        return kj_err_set(e, KJ_E_INVALID, "err.challenge.studio_not_member", "studio_id");
    return 0;
}

int kj_application_submit(kj_db *db, json_t *user, const char *challenge_id, json_t *in, char *id_out, kj_err *e)
{
    if (!kj_authz_may_publish(user)) return kj_err_set(e, KJ_E_FORBIDDEN, kj_authz_publish_refusal(user), NULL);
    json_t *ch = kj_ch_load(db, challenge_id);
    if (!ch) return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    int rc = -1, roles = kj_ch_roles(db, ch, user);
    int64_t budget;
    const char *studio_id;
    json_t *prev = NULL;
    const char *st = kj_ch_str(ch, "status");
    if ((same(st, "submitted") || same(st, "rejected")) && !(roles & (CH_ISSUER | CH_STAFF))) {
        kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);          /* not public yet */
        goto out;
    }
    if (kj_ch_rule("apply", st, roles, e)) {
        /* After publication, "closed" is what an applicant needs to hear. */
        if (e->kind == KJ_E_CONFLICT && !before_deadline(ch)) e->key = "err.challenge.deadline_passed";
        goto out;
    }
    if (!before_deadline(ch)) { kj_err_set(e, KJ_E_CONFLICT, "err.challenge.deadline_passed", NULL); goto out; }
    if (roles & (CH_ISSUER | CH_REVIEWER)) { kj_err_set(e, KJ_E_FORBIDDEN, "err.challenge.own_entry", NULL); goto out; }
    prev = kj_db_row(db, "SELECT id, status FROM challenge_applications WHERE challenge_id = ? AND applicant_id = ?", "ss",
                     challenge_id, kj_user_id(user));
    if (prev && strcmp(kj_ch_str(prev, "status"), "withdrawn")) { kj_err_set(e, KJ_E_CONFLICT, "err.challenge.applied_twice", NULL); goto out; }
    if (check_app(in, &budget, e) || applicant_side(db, user, in, &studio_id, e)) goto out;
    kj_id id = kj_id_new();
    if (prev) memcpy(id.s, kj_ch_str(prev, "id"), sizeof id.s);
    int64_t now = kj_now_ms();
    json_t *bj = budget >= 0 ? json_integer(budget) : json_null();
    if (kj_db_begin(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    int w = prev ?
        kj_db_exec(db, "UPDATE challenge_applications SET team = ?, approach = ?, indicator_plan = ?, schedule = ?, "
                   "budget_fen = ?, studio_id = ?, org_id = ?, status = 'submitted', updated_at = ? WHERE id = ?", "ssss"
                   "jssis", kj_ch_str(in, "team"), kj_ch_str(in, "approach"), opt(in, "indicator_plan"), opt(in, "schedule"),
                   bj, studio_id, kj_ch_str(user, "org_id"), now, id.s) :
        kj_db_exec(db, "INSERT INTO challenge_applications(id, origin, challenge_id, applicant_id, org_id, studio_id, team, "
                   "approach, indicator_plan, schedule, budget_fen, status, created_at, updated_at) VALUES "
                   "(?,?,?,?,?,?,?,?,?,?,?,'submitted',?,?)", "ssssssssssjii", id.s, kj_instance_id(db), challenge_id,
                   kj_user_id(user), kj_ch_str(user, "org_id"), studio_id, kj_ch_str(in, "team"), kj_ch_str(in, "approach"),
                   opt(in, "indicator_plan"), opt(in, "schedule"), bj, now, now);
    json_decref(bj);
    if (w < 0) {
        kj_db_rollback(db);
        if (w == KJ_DB_CONSTRAINT) kj_err_set(e, KJ_E_CONFLICT, "err.challenge.applied_twice", NULL);
        else kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    kj_ch_event(db, challenge_id, kj_user_id(user), "apply", "published", "published", NULL, false);
    kj_ch_notify(db, kj_ch_str(ch, "issuer_id"), "challenge_application", ch);
    if (kj_db_commit(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    memcpy(id_out, id.s, sizeof id.s);
    rc = 0;
out:
    json_decref(prev);
    json_decref(ch);
    return rc;
}

/* A reviewer who is not also issuer or staff: excluded from an
 * application of their own organization, they do not see it at all. */
static bool reviewer_only(int roles)
{
    return (roles & CH_REVIEWER) && !(roles & (CH_ISSUER | CH_STAFF));
}

/* Loads an application and its entry; the user's role bits include
 * applicant when it is theirs. 404 when the user may not see it. */
static int app_context_as(kj_db *db, json_t *user, const char *app_id, json_t **app, json_t **ch, int *roles, kj_err *e,
                          bool hide_excluded)
{
    *app = load_app(db, app_id);
    *ch = *app ? kj_ch_load(db, kj_ch_str(*app, "challenge_id")) : NULL;
    if (!*ch) { json_decref(*app); *app = NULL; return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); }
    *roles = kj_ch_roles(db, *ch, user);
    if (same(kj_user_id(user), kj_ch_str(*app, "applicant_id"))) *roles |= CH_APPLICANT;
    if (hide_excluded && reviewer_only(*roles) && kj_ch_excluded(db, kj_user_id(user), *app)) *roles &= ~CH_REVIEWER;
    if (!(*roles & (CH_APPLICANT | CH_ISSUER | CH_STAFF | CH_REVIEWER))) {
        json_decref(*app);
        json_decref(*ch);
        *app = *ch = NULL;
        return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    }
    return 0;
}

static int app_context(kj_db *db, json_t *user, const char *app_id, json_t **app, json_t **ch, int *roles, kj_err *e)
{
    return app_context_as(db, user, app_id, app, ch, roles, e, true);
}

/* The rule of changing an application (its text or its files): the
 * table's edit_application for the applicant, before the deadline, while
 * not withdrawn. */
static int check_editable(json_t *app, json_t *ch, int roles, kj_err *e)
{
    if (kj_ch_rule("edit_application", kj_ch_str(ch, "status"), roles & CH_APPLICANT, e)) {
        if (e->kind == KJ_E_CONFLICT && !before_deadline(ch)) e->key = "err.challenge.deadline_passed";
        return -1;
    }
    if (!before_deadline(ch)) return kj_err_set(e, KJ_E_CONFLICT, "err.challenge.deadline_passed", NULL);
    if (!same(kj_ch_str(app, "status"), "submitted")) return kj_err_set(e, KJ_E_CONFLICT, "err.challenge.application_withdrawn", NULL);
    return 0;
}

bool kj_application_editable(kj_db *db, json_t *user, const char *app_id)
{
    json_t *app, *ch;
    int roles;
    kj_err e = { 0 };
    if (!user || app_context(db, user, app_id, &app, &ch, &roles, &e)) return false;
    bool ok = check_editable(app, ch, roles, &e) == 0;
    json_decref(app);
    json_decref(ch);
    return ok;
}

int kj_application_update(kj_db *db, json_t *user, const char *app_id, json_t *in, kj_err *e)
{
    json_t *app, *ch;
    int roles, rc = -1;
    int64_t budget;
    const char *studio_id;
    if (app_context(db, user, app_id, &app, &ch, &roles, e)) return -1;
    if (check_editable(app, ch, roles, e)) goto out;
    if (check_app(in, &budget, e) || applicant_side(db, user, in, &studio_id, e)) goto out;
    json_t *bj = budget >= 0 ? json_integer(budget) : json_null();
    /* The edit and its record go together; the application must still be
     * submitted when the write lands (a withdrawal may have come between). */
    if (kj_db_begin(db)) { json_decref(bj); kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    int w = kj_db_exec(db, "UPDATE challenge_applications SET team = ?, approach = ?, indicator_plan = ?, schedule = ?, budget_fen = ?, "
               "studio_id = ?, updated_at = ? WHERE id = ? AND status = 'submitted'", "ssssjsis", kj_ch_str(in, "team"),
               kj_ch_str(in, "approach"), opt(in, "indicator_plan"), opt(in, "schedule"), bj, studio_id, kj_now_ms(), app_id);
    json_decref(bj);
    if (w == 0) { kj_db_rollback(db); kj_err_set(e, KJ_E_CONFLICT, "err.challenge.application_withdrawn", NULL); goto out; }
    if (w < 0 || kj_ch_event(db, kj_ch_str(ch, "id"), kj_user_id(user), "edit_application", NULL, NULL, NULL, false) < 0 ||
        kj_db_commit(db)) {
        kj_db_rollback(db);
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    rc = 0;
out:
    json_decref(app);
    json_decref(ch);
    return rc;
}

int kj_application_withdraw(kj_db *db, json_t *user, const char *app_id, kj_err *e)
{
    json_t *app, *ch;
    int roles, rc = -1;
    if (app_context(db, user, app_id, &app, &ch, &roles, e)) return -1;
    if (kj_ch_rule("withdraw_application", kj_ch_str(ch, "status"), roles & CH_APPLICANT, e)) goto out;
    if (!same(kj_ch_str(app, "status"), "submitted")) { kj_err_set(e, KJ_E_CONFLICT, "err.challenge.application_withdrawn", NULL); goto out; }
    if (kj_db_begin(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    if (kj_db_exec(db, "UPDATE challenge_applications SET status = 'withdrawn', updated_at = ? WHERE id = ?", "is", kj_now_ms(), app_id) < 0 ||
        kj_db_exec(db, "DELETE FROM challenge_scores WHERE application_id = ?", "s", app_id) < 0) {
        kj_db_rollback(db);
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    kj_ch_event(db, kj_ch_str(ch, "id"), kj_user_id(user), "withdraw_application", NULL, NULL, NULL, false);
    kj_ch_notify(db, kj_ch_str(ch, "issuer_id"), "challenge_withdrawn", ch);
    if (kj_db_commit(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    rc = 0;
out:
    json_decref(app);
    json_decref(ch);
    return rc;
}

json_t *kj_applications(kj_db *db, json_t *user, const char *challenge_id, kj_err *e)
{
    json_t *ch = kj_ch_load(db, challenge_id);
    if (!ch) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); return NULL; }
    int roles = kj_ch_roles(db, ch, user);
    bool visible = kj_ch_visible(ch, roles);
    json_decref(ch);
    if (!visible) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); return NULL; }
    json_t *rows = roles & (CH_ISSUER | CH_STAFF | CH_REVIEWER) ?
        kj_db_rows(db, "SELECT " APP_COLUMNS APP_FROM "WHERE a.challenge_id = ? AND a.status <> 'withdrawn' "
                   "ORDER BY a.created_at", "s", challenge_id) :
        kj_db_rows(db, "SELECT " APP_COLUMNS APP_FROM "WHERE a.challenge_id = ? AND a.applicant_id = ?", "ss",
                   challenge_id, kj_user_id(user));
    size_t i;
    json_t *a;
    for (i = 0; rows && i < json_array_size(rows);) {
        a = json_array_get(rows, i);
        if (reviewer_only(roles) && !same(kj_user_id(user), kj_ch_str(a, "applicant_id")) && kj_ch_excluded(db, kj_user_id(user), a)) {
            json_array_remove(rows, i);
            continue;
        }
        app_money(a);
        json_object_set_new(a, "attachments", kj_application_files(db, kj_ch_str(a, "id")));
        i++;
    }
    return rows ? rows : json_array();
}

json_t *kj_application_get(kj_db *db, json_t *user, const char *app_id, kj_err *e)
{
    json_t *app, *ch;
    int roles;
    if (app_context(db, user, app_id, &app, &ch, &roles, e)) return NULL;
    json_decref(ch);
    app_money(app);
    json_object_set_new(app, "attachments", kj_application_files(db, app_id));
    return app;
}

/* ---- application attachments ---- */

json_t *kj_application_files(kj_db *db, const char *app_id)
{
    json_t *r = kj_db_rows(db, "SELECT a.id, a.filename, a.mime, a.size, a.created_at, "
                           "'/challenges/' || p.challenge_id || '/files/' || a.id AS url FROM challenge_attachments ca "
                           "JOIN attachments a ON a.id = ca.attachment_id JOIN challenge_applications p ON p.id = ca.application_id "
                           "WHERE ca.application_id = ? ORDER BY ca.created_at, a.id", "s", app_id);
    return r ? r : json_array();
}

/* The HTTP status of a refusal from market/attach.c. */
int kj_application_attach(kj_db *db, json_t *user, const char *app_id, const char *data_dir, size_t max_size,
                          const char *filename, const void *data, size_t size, char *att_out, kj_err *e)
{
    json_t *app, *ch;
    int roles, rc = -1;
    if (app_context(db, user, app_id, &app, &ch, &roles, e)) return -1;
    if (check_editable(app, ch, roles, e)) goto out;
    if (kj_db_int(db, 0, "SELECT count(*) FROM challenge_attachments WHERE application_id = ?", "s", app_id) >= KJ_CH_MAX_FILES) {
        kj_err_set(e, KJ_E_CONFLICT, "err.challenge.too_many_files", "file");
        goto out;
    }
    char att[KJ_ID_LEN + 1];
    if (kj_attach_store(db, data_dir, max_size, kj_user_id(user), NULL, NULL, filename, data, size, true, att, e)) {
        e->field = "file";
        goto out;
    }
    if (kj_db_begin(db)) {
        kj_attach_delete(db, data_dir, att);
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    /* Counted again inside the write: uploads racing for the last place
     * all passed the count above (a cheap early refusal, before storing). */
    int64_t files = kj_db_int(db, -1, "SELECT count(*) FROM challenge_attachments WHERE application_id = ?", "s", app_id);
    if (files < 0 || files >= KJ_CH_MAX_FILES ||
        kj_db_exec(db, "INSERT INTO challenge_attachments(attachment_id, application_id, created_at) VALUES (?,?,?)", "ssi",
                   att, app_id, kj_now_ms()) < 1) {
        kj_db_rollback(db);
        kj_attach_delete(db, data_dir, att);
        if (files >= KJ_CH_MAX_FILES) kj_err_set(e, KJ_E_CONFLICT, "err.challenge.too_many_files", "file");
        else kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    kj_ch_event(db, kj_ch_str(ch, "id"), kj_user_id(user), "attach_file", NULL, NULL, NULL, false);
    if (kj_db_commit(db)) { kj_attach_delete(db, data_dir, att); kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    memcpy(att_out, att, sizeof att);
    rc = 0;
out:
    json_decref(app);
    json_decref(ch);
    return rc;
}

int kj_application_detach(kj_db *db, json_t *user, const char *app_id, const char *att_id, const char *data_dir,
                          kj_err *e)
{
    json_t *app, *ch;
    int roles, rc = -1;
    if (app_context(db, user, app_id, &app, &ch, &roles, e)) return -1;
    if (!(roles & CH_APPLICANT)) { kj_err_set(e, KJ_E_FORBIDDEN, "err.challenge.role", NULL); goto out; }
    if (!att_id || !kj_id_valid(att_id) ||
        kj_db_int(db, 0, "SELECT count(*) FROM challenge_attachments WHERE attachment_id = ? AND application_id = ?", "ss",
                  att_id, app_id) == 0) {
        kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
        goto out;
    }
    if (check_editable(app, ch, roles, e)) goto out;
    if (kj_db_begin(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    if (kj_db_exec(db, "DELETE FROM challenge_attachments WHERE attachment_id = ?", "s", att_id) < 0) {
        kj_db_rollback(db);
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    kj_ch_event(db, kj_ch_str(ch, "id"), kj_user_id(user), "detach_file", NULL, NULL, NULL, false);
    if (kj_db_commit(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    kj_attach_delete(db, data_dir, att_id);
    rc = 0;
out:
    json_decref(app);
    json_decref(ch);
    return rc;
}

json_t *kj_challenge_file(kj_db *db, json_t *user, const char *challenge_id, const char *att_id)
{
    if (!user || !att_id || !kj_id_valid(att_id)) return NULL;
    char *app_id = kj_db_text(db, "SELECT ca.application_id FROM challenge_attachments ca JOIN challenge_applications p "
                              "ON p.id = ca.application_id WHERE ca.attachment_id = ? AND p.challenge_id = ?", "ss",
                              att_id, challenge_id ? challenge_id : "");
    json_t *out = NULL;
    kj_err e = { 0 };
    json_t *app = app_id ? kj_application_get(db, user, app_id, &e) : NULL;
    if (app) out = kj_db_row(db, "SELECT id, filename, mime, size, sha256 FROM attachments WHERE id = ?", "s", att_id);
    if (out) json_object_set_new(out, "application_id", json_string(app_id));
    json_decref(app);
    free(app_id);
    return out;
}

/* ---- review ---- */

bool kj_ch_excluded(kj_db *db, const char *reviewer_id, json_t *app)
{
    if (same(reviewer_id, kj_ch_str(app, "applicant_id"))) return true;
    char *org = kj_db_text(db, "SELECT org_id FROM users WHERE id = ?", "s", reviewer_id);
    bool out = org && same(org, kj_ch_str(app, "org_id"));
    free(org);
    if (!out && kj_ch_str(app, "studio_id"))
        out = kj_db_int(db, 0, "SELECT count(*) FROM studio_members WHERE studio_id = ? AND user_id = ? AND status = 'active'",
                        "ss", kj_ch_str(app, "studio_id"), reviewer_id) > 0;
    return out;
}

bool kj_challenge_reviewer_excluded(kj_db *db, const char *reviewer_id, json_t *app)
{
    return kj_ch_excluded(db, reviewer_id, app);
}

bool kj_ch_review_complete(kj_db *db, const char *challenge_id)
{
    json_t *revs = kj_db_rows(db, "SELECT user_id FROM challenge_reviewers WHERE challenge_id = ? AND recused = 0", "s", challenge_id);
    json_t *apps = kj_db_rows(db, "SELECT id, applicant_id, org_id, studio_id FROM challenge_applications WHERE challenge_id = ? "
                              "AND status = 'submitted'", "s", challenge_id);
    bool complete = json_array_size(revs) > 0;
    size_t i, j;
    json_t *r, *a;
    json_array_foreach(revs, i, r) json_array_foreach(apps, j, a) {
        if (!complete) break;
        if (kj_ch_excluded(db, kj_ch_str(r, "user_id"), a)) continue;
        if (kj_db_int(db, 0, "SELECT count(*) FROM challenge_scores WHERE application_id = ? AND reviewer_id = ?", "ss",
                      kj_ch_str(a, "id"), kj_ch_str(r, "user_id")) == 0)
            complete = false;
    }
    json_decref(revs);
    json_decref(apps);
    return complete;
}

/* A rubric: 1..10 criteria {name (1..60 chars), weight 1..100, max 1..100}
 * (challenge.h; the events' project review uses it too). */
json_t *kj_challenge_rubric_check(json_t *v)
{
    if (!json_is_array(v) || !json_array_size(v) || json_array_size(v) > 10) return NULL;
    json_t *out = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(v, i, c) {
        json_t *w = json_object_get(c, "weight"), *m = json_object_get(c, "max");
        size_t n = chars(kj_ch_str(c, "name"));
        if (!n || n > 60 || !json_is_integer(w) || json_integer_value(w) < 1 || json_integer_value(w) > 100 ||
            !json_is_integer(m) || json_integer_value(m) < 1 || json_integer_value(m) > 100) { json_decref(out); return NULL; }
        json_array_append_new(out, json_pack("{s:s, s:O, s:O}", "name", kj_ch_str(c, "name"), "weight", w, "max", m));
    }
    return out;
}

int kj_review_setup(kj_db *db, json_t *user, const char *challenge_id, json_t *reviewers, json_t *rubric, kj_err *e)
{
    json_t *ch = kj_ch_load(db, challenge_id);
    if (!ch) return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    int rc = -1, roles = kj_ch_roles(db, ch, user);
    json_t *rb = NULL;
    const char *st = kj_ch_str(ch, "status");
    if (!(roles & (CH_ISSUER | CH_STAFF)) && (same(st, "submitted") || same(st, "rejected"))) {
        kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
        goto out;
    }
    if (kj_ch_rule("setup_review", kj_ch_str(ch, "status"), roles, e)) goto out;
    if (kj_db_int(db, 0, "SELECT count(*) FROM challenge_scores WHERE challenge_id = ?", "s", challenge_id) > 0) {
        kj_err_set(e, KJ_E_CONFLICT, "err.challenge.scoring_started", NULL);
        goto out;
    }
    rb = kj_challenge_rubric_check(rubric);
    if (!rb) { kj_err_set(e, KJ_E_INVALID, "err.challenge.rubric", "rubric"); goto out; }
    if (!json_is_array(reviewers) || !json_array_size(reviewers) || json_array_size(reviewers) > 30) {
        kj_err_set(e, KJ_E_INVALID, "err.challenge.reviewers_required", "reviewers");
        goto out;
    }
    size_t i;
    json_t *r;
    json_array_foreach(reviewers, i, r) {
        const char *rid = json_string_value(r);
        if (!rid || kj_db_int(db, 0, "SELECT count(*) FROM users WHERE id = ? AND is_expert = 1", "s", rid) == 0) {
            kj_err_set(e, KJ_E_INVALID, "err.challenge.not_expert", "reviewers");
            goto out;
        }
        if (same(rid, kj_ch_str(ch, "issuer_id"))) { kj_err_set(e, KJ_E_INVALID, "err.challenge.reviewer_is_issuer", "reviewers"); goto out; }
    }
    if (kj_db_begin(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    int w = kj_db_exec(db, "DELETE FROM challenge_reviewers WHERE challenge_id = ?", "s", challenge_id);
    json_array_foreach(reviewers, i, r) {
        if (w >= 0) w = kj_db_exec(db, "INSERT INTO challenge_reviewers(challenge_id, user_id, assigned_at) VALUES (?,?,?) "
                                   "ON CONFLICT(challenge_id, user_id) DO NOTHING", "ssi", challenge_id, json_string_value(r), kj_now_ms());
        kj_ch_notify(db, json_string_value(r), "challenge_reviewer", ch);
    }
    if (w >= 0) w = kj_db_exec(db, "UPDATE challenges SET rubric = ?, updated_at = ? WHERE id = ?", "jis", rb, kj_now_ms(), challenge_id);
    if (w < 0) { kj_db_rollback(db); kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    kj_ch_event(db, challenge_id, kj_user_id(user), "setup_review", NULL, NULL, NULL, true);
    if (kj_db_commit(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    rc = 0;
out:
    json_decref(rb);
    json_decref(ch);
    return rc;
}

int kj_review_declare(kj_db *db, json_t *user, const char *challenge_id, bool conflict, const char *note, kj_err *e)
{
    json_t *ch = kj_ch_load(db, challenge_id);
    if (!ch) return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    int rc = -1, roles = kj_ch_roles(db, ch, user);
    if (!kj_ch_visible(ch, roles)) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); goto out; }
    if (kj_ch_rule("declare_coi", kj_ch_str(ch, "status"), roles, e)) goto out;
    /* "Has not scored yet" decides the recusal: it is read inside the
     * write's transaction, so a score cannot slip in between. */
    if (kj_db_begin(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    if (conflict && kj_db_int(db, 0, "SELECT count(*) FROM challenge_scores WHERE challenge_id = ? AND reviewer_id = ?", "ss",
                              challenge_id, kj_user_id(user)) > 0) {
        kj_db_rollback(db);
        kj_err_set(e, KJ_E_CONFLICT, "err.challenge.already_scored", NULL);
        goto out;
    }
    if (kj_db_exec(db, "UPDATE challenge_reviewers SET recused = ?, coi_note = ? WHERE challenge_id = ? AND user_id = ?", "bsss",
                   (int)conflict, note, challenge_id, kj_user_id(user)) < 0 ||
        kj_ch_event(db, challenge_id, kj_user_id(user), conflict ? "recuse" : "declare_no_conflict", NULL, NULL, NULL, false) < 0 ||
        kj_db_commit(db)) {
        kj_db_rollback(db);
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    rc = 0;
out:
    json_decref(ch);
    return rc;
}

int kj_review_score(kj_db *db, json_t *user, const char *app_id, json_t *scores, const char *comment, kj_err *e)
{
    json_t *app, *ch;
    int roles, rc = -1;
    /* An excluded reviewer is told why, not "not found". */
    if (app_context_as(db, user, app_id, &app, &ch, &roles, e, false)) return -1;
    if (kj_ch_rule("score", kj_ch_str(ch, "status"), roles & CH_REVIEWER, e)) goto out;
    if (kj_ch_excluded(db, kj_user_id(user), app)) { kj_err_set(e, KJ_E_FORBIDDEN, "err.challenge.coi_own_org", NULL); goto out; }
    if (!same(kj_ch_str(app, "status"), "submitted")) { kj_err_set(e, KJ_E_CONFLICT, "err.challenge.application_withdrawn", NULL); goto out; }
    double total = kj_challenge_weighted(json_object_get(ch, "rubric"), scores);
    if (total < 0) { kj_err_set(e, KJ_E_INVALID, "err.challenge.score_range", "scores"); goto out; }
    kj_id id = kj_id_new();
    /* The score, the application's state it depends on (still submitted:
     * a withdrawal may have come between) and its record, in one transaction. */
    if (kj_db_begin(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    int w = kj_db_exec(db, "INSERT INTO challenge_scores(id, origin, challenge_id, application_id, reviewer_id, scores, total, "
                   "comment, created_at) SELECT ?,?,?,?,?,?,?,?,? WHERE EXISTS (SELECT 1 FROM challenge_applications "
                   "WHERE id = ? AND status = 'submitted')", "sssssjdsis", id.s, kj_instance_id(db),
                   kj_ch_str(ch, "id"), app_id, kj_user_id(user), scores, total, comment ? comment : "", kj_now_ms(), app_id);
    if (w == 0 || w == KJ_DB_CONSTRAINT) {
        kj_db_rollback(db);
        kj_err_set(e, KJ_E_CONFLICT, w == 0 ? "err.challenge.application_withdrawn" : "err.challenge.scored_twice", NULL);
        goto out;
    }
    if (w < 0 || kj_ch_event(db, kj_ch_str(ch, "id"), kj_user_id(user), "score", NULL, NULL, NULL, false) < 0 || kj_db_commit(db)) {
        kj_db_rollback(db);
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    /* The last score due completes the review: the issuer may now select. */
    if (kj_ch_review_complete(db, kj_ch_str(ch, "id"))) kj_ch_notify(db, kj_ch_str(ch, "issuer_id"), "challenge_review_complete", ch);
    rc = 0;
out:
    json_decref(app);
    json_decref(ch);
    return rc;
}

/* Ranking: average weighted total per application, best first. */
static json_t *ranking(kj_db *db, const char *challenge_id)
{
    json_t *r = kj_db_rows(db, "SELECT a.id AS application_id, u.name AS applicant_name, o.name AS org_name, "
                           "(CASE WHEN o.verified_at IS NULL THEN 'false' ELSE 'true' END) AS org_verified__json, "
                           "avg(s.total) AS average, count(s.id) AS reviews FROM challenge_applications a "
                           "JOIN users u ON u.id = a.applicant_id LEFT JOIN orgs o ON o.id = a.org_id "
                           "LEFT JOIN challenge_scores s ON s.application_id = a.id "
                           "WHERE a.challenge_id = ? AND a.status IN ('submitted','selected') "
                           "GROUP BY a.id, u.name, o.name, o.verified_at ORDER BY average DESC, a.created_at", "s", challenge_id);
    size_t i;
    json_t *x;
    json_array_foreach(r, i, x) json_object_set_new(x, "rank", json_integer((json_int_t)i + 1));
    return r ? r : json_array();
}

json_t *kj_review_state(kj_db *db, json_t *user, const char *challenge_id, kj_err *e)
{
    json_t *ch = kj_ch_load(db, challenge_id);
    if (!ch) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); return NULL; }
    int roles = kj_ch_roles(db, ch, user);
    bool is_rev = kj_db_int(db, 0, "SELECT count(*) FROM challenge_reviewers WHERE challenge_id = ? AND user_id = ?", "ss",
                            challenge_id, kj_user_id(user)) > 0;
    if (!(roles & (CH_ISSUER | CH_STAFF)) && !is_rev) {
        bool visible = kj_ch_visible(ch, roles);
        json_decref(ch);
        if (visible) kj_err_set(e, KJ_E_FORBIDDEN, "err.challenge.confidential", NULL);
        else kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
        return NULL;
    }
    bool complete = kj_ch_review_complete(db, challenge_id);
    json_t *out = json_pack("{s:O, s:b}", "rubric", json_object_get(ch, "rubric"), "complete", complete);
    json_t *revs = kj_db_rows(db, "SELECT r.user_id, u.name, r.recused, (SELECT count(*) FROM challenge_scores s WHERE "
                              "s.challenge_id = r.challenge_id AND s.reviewer_id = r.user_id) AS scored FROM challenge_reviewers r "
                              "JOIN users u ON u.id = r.user_id WHERE r.challenge_id = ? ORDER BY u.name", "s", challenge_id);
    json_object_set_new(out, "reviewers", revs ? revs : json_array());
    /* Issuer and staff see scores once review is complete; a reviewer sees
     * their own, and others' of the applications they have scored. */
    json_t *scores = (roles & (CH_ISSUER | CH_STAFF)) && !is_rev ?
        (complete ? kj_db_rows(db, "SELECT s.application_id, s.reviewer_id, s.scores AS scores__json, s.total, s.comment "
                               "FROM challenge_scores s WHERE s.challenge_id = ? ORDER BY s.created_at", "s", challenge_id)
                  : json_array()) :
        kj_db_rows(db, "SELECT s.application_id, s.reviewer_id, s.scores AS scores__json, s.total, s.comment "
                   "FROM challenge_scores s WHERE s.challenge_id = ? AND (s.reviewer_id = ? OR s.application_id IN "
                   "(SELECT m.application_id FROM challenge_scores m WHERE m.reviewer_id = ?)) ORDER BY s.created_at",
                   "sss", challenge_id, kj_user_id(user), kj_user_id(user));
    json_object_set_new(out, "scores", scores ? scores : json_array());
    if (complete && (roles & (CH_ISSUER | CH_STAFF))) json_object_set_new(out, "ranking", ranking(db, challenge_id));
    json_decref(ch);
    return out;
}

/* ---- publicity: objections ---- */

int kj_objection_file(kj_db *db, json_t *user, const char *challenge_id, const char *body, char *id_out, kj_err *e)
{
    json_t *ch = kj_ch_load(db, challenge_id);
    if (!ch) return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    int rc = -1, roles = kj_ch_roles(db, ch, user);
    if (!kj_ch_visible(ch, roles)) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); goto out; }
    if (kj_ch_rule("object", kj_ch_str(ch, "status"), roles, e)) goto out;
    if (kj_now_ms() >= json_integer_value(json_object_get(ch, "publicity_until"))) {
        kj_err_set(e, KJ_E_CONFLICT, "err.challenge.publicity_over", NULL);
        goto out;
    }
    if (chars(body) < 5 || chars(body) > 5000) { kj_err_set(e, KJ_E_INVALID, "err.challenge.objection_short", "body"); goto out; }
    kj_id id = kj_id_new();
    if (kj_db_begin(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    if (kj_db_exec(db, "INSERT INTO challenge_objections(id, origin, challenge_id, user_id, body, created_at) VALUES (?,?,?,?,?,?)",
                   "sssssi", id.s, kj_instance_id(db), challenge_id, kj_user_id(user), body, kj_now_ms()) < 0) {
        kj_db_rollback(db);
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    kj_ch_event(db, challenge_id, kj_user_id(user), "object", NULL, NULL, NULL, true);
    kj_ch_notify(db, kj_ch_str(ch, "issuer_id"), "challenge_objection", ch);
    kj_ch_notify_staff(db, ch, "challenge_objection", NULL);
    if (kj_db_commit(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    memcpy(id_out, id.s, sizeof id.s);
    rc = 0;
out:
    json_decref(ch);
    return rc;
}

int kj_objection_answer(kj_db *db, json_t *user, const char *objection_id, const char *answer, kj_err *e)
{
    if (!objection_id || !kj_id_valid(objection_id)) return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    json_t *ob = kj_db_row(db, "SELECT challenge_id, user_id, answer FROM challenge_objections WHERE id = ?", "s", objection_id);
    json_t *ch = ob ? kj_ch_load(db, kj_ch_str(ob, "challenge_id")) : NULL;
    int rc = -1;
    if (!ch) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); goto out; }
    if (kj_ch_rule("answer_objection", kj_ch_str(ch, "status"), kj_ch_roles(db, ch, user), e)) goto out;
    if (kj_ch_str(ob, "answer")) { kj_err_set(e, KJ_E_CONFLICT, "err.challenge.objection_answered", NULL); goto out; }
    if (chars(answer) < 2 || chars(answer) > 5000) { kj_err_set(e, KJ_E_INVALID, "err.challenge.reason_required", "answer"); goto out; }
    if (kj_db_begin(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    if (kj_db_exec(db, "UPDATE challenge_objections SET answer = ?, answered_by = ?, answered_at = ? WHERE id = ?", "ssis",
                   answer, kj_user_id(user), kj_now_ms(), objection_id) < 0) {
        kj_db_rollback(db);
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    kj_ch_event(db, kj_ch_str(ch, "id"), kj_user_id(user), "answer_objection", NULL, NULL, answer, true);
    kj_ch_notify(db, kj_ch_str(ob, "user_id"), "challenge_answer", ch);
    if (kj_db_commit(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    rc = 0;
out:
    json_decref(ob);
    json_decref(ch);
    return rc;
}

json_t *kj_objections(kj_db *db, const char *challenge_id)
{
    json_t *r = kj_db_rows(db, "SELECT id, challenge_id, body, answer, created_at, answered_at FROM challenge_objections "
                           "WHERE challenge_id = ? ORDER BY created_at", "s", challenge_id);
    return r ? r : json_array();
}

/* ---- milestones ---- */

static int milestone_context(kj_db *db, json_t *user, const char *mid, json_t **m, json_t **ch, int *roles, kj_err *e)
{
    *m = mid && kj_id_valid(mid) ? kj_db_row(db, "SELECT id, challenge_id, seq, title, status FROM challenge_milestones "
                                             "WHERE id = ?", "s", mid) : NULL;
    *ch = *m ? kj_ch_load(db, kj_ch_str(*m, "challenge_id")) : NULL;
    if (!*ch) { json_decref(*m); *m = NULL; return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); }
    *roles = kj_ch_roles(db, *ch, user);
    return 0;
}

int kj_milestone_report(kj_db *db, json_t *user, const char *milestone_id, const char *report, const char *evidence, kj_err *e)
{
    json_t *m, *ch;
    int roles, rc = -1;
    if (milestone_context(db, user, milestone_id, &m, &ch, &roles, e)) return -1;
    if (kj_ch_rule("report_milestone", kj_ch_str(ch, "status"), roles, e)) goto out;
    const char *st = kj_ch_str(m, "status");
    if (same(st, "accepted")) { kj_err_set(e, KJ_E_CONFLICT, "err.challenge.milestone_already_accepted", NULL); goto out; }
    if (same(st, "reported")) { kj_err_set(e, KJ_E_CONFLICT, "err.challenge.milestone_reported", NULL); goto out; }
    if (chars(report) < 5 || chars(report) > 10000) { kj_err_set(e, KJ_E_INVALID, "err.challenge.report_short", "report"); goto out; }
    if (kj_db_begin(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    if (kj_db_exec(db, "UPDATE challenge_milestones SET status = 'reported', report = ?, evidence = ?, updated_at = ? WHERE id = ?",
                   "ssis", report, evidence ? evidence : "", kj_now_ms(), milestone_id) < 0) {
        kj_db_rollback(db);
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    kj_ch_event(db, kj_ch_str(ch, "id"), kj_user_id(user), "report_milestone", NULL, NULL, kj_ch_str(m, "title"), true);
    kj_ch_notify(db, kj_ch_str(ch, "issuer_id"), "challenge_milestone_reported", ch);
    if (kj_db_commit(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    rc = 0;
out:
    json_decref(m);
    json_decref(ch);
    return rc;
}

int kj_milestone_decide(kj_db *db, json_t *user, const char *milestone_id, bool accept, const char *reason, kj_err *e)
{
    json_t *m, *ch;
    int roles, rc = -1;
    if (milestone_context(db, user, milestone_id, &m, &ch, &roles, e)) return -1;
    const char *action = accept ? "accept_milestone" : "return_milestone";
    if (kj_ch_rule(action, kj_ch_str(ch, "status"), roles, e)) goto out;
    const char *st = kj_ch_str(m, "status");
    if (same(st, "accepted")) { kj_err_set(e, KJ_E_CONFLICT, "err.challenge.milestone_already_accepted", NULL); goto out; }
    if (!same(st, "reported")) { kj_err_set(e, KJ_E_CONFLICT, "err.challenge.milestone_not_reported", NULL); goto out; }
    if (!accept && chars(reason) < 2) { kj_err_set(e, KJ_E_INVALID, "err.challenge.reason_required", "reason"); goto out; }
    if (kj_db_begin(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    if (kj_db_exec(db, "UPDATE challenge_milestones SET status = ?, return_reason = ?, updated_at = ? WHERE id = ?", "ssis",
                   accept ? "accepted" : "returned", accept ? NULL : reason, kj_now_ms(), milestone_id) < 0) {
        kj_db_rollback(db);
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    kj_ch_event(db, kj_ch_str(ch, "id"), kj_user_id(user), action, NULL, NULL, accept ? kj_ch_str(m, "title") : reason, true);
    json_t *w = kj_db_rows(db, "SELECT applicant_id FROM challenge_applications WHERE challenge_id = ? AND status = 'selected'",
                           "s", kj_ch_str(ch, "id"));
    size_t i;
    json_t *a;
    json_array_foreach(w, i, a)
        kj_ch_notify(db, kj_ch_str(a, "applicant_id"), accept ? "challenge_milestone_accepted" : "challenge_milestone_returned", ch);
    json_decref(w);
    if (kj_db_commit(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    rc = 0;
out:
    json_decref(m);
    json_decref(ch);
    return rc;
}

json_t *kj_milestones(kj_db *db, const char *challenge_id)
{
    json_t *r = kj_db_rows(db, "SELECT id, challenge_id, seq, title, due, criteria, status, report, evidence, return_reason, updated_at "
                           "FROM challenge_milestones WHERE challenge_id = ? ORDER BY seq", "s", challenge_id);
    return r ? r : json_array();
}
