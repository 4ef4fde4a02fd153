/* project.c — projects collected for an event's roadshow: submission
 * (from a listing, a 揭榜 entry or new), expert review with the 揭榜
 * review's rubric rules and conflict-of-interest rule (challenge.h:
 * kj_challenge_rubric_check, kj_challenge_weighted,
 * kj_challenge_reviewer_excluded), and the line-up (see event.h). */
#include "event/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include "account/account.h"
#include "authz/authz.h"
#include "challenge/challenge.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "core/validate.h"

static size_t chars(const char *s) { return s ? kj_utf8_chars(s, strlen(s)) : 0; }

int kj_event_project_submit(kj_db *db, json_t *user, const char *event_id, json_t *in, char *id_out, kj_err *e)
{
    const char *uid = kj_user_id(user), *kind = kj_jstr(in, "source_kind"), *src = kj_jstr(in, "source_id");
    if (!uid) return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    if (!kind || (strcmp(kind, "listing") && strcmp(kind, "challenge") && strcmp(kind, "new")))
        return kj_err_set(e, KJ_E_INVALID, "err.field.choice", "source_kind");
    if (chars(kj_jstr(in, "title")) > 200) return kj_err_set(e, KJ_E_INVALID, "err.field.too_long", "title");
    if (chars(kj_jstr(in, "summary")) > 2000) return kj_err_set(e, KJ_E_INVALID, "err.field.too_long", "summary");
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    int rc = -1;
    json_t *ev = kj_ev_load(db, event_id), *actor = kj_user_get(db, uid), *source = NULL, *reg = NULL;
    if (!ev || (ev_same(kj_jstr(ev, "state"), "draft") && !kj_event_is_organizer(actor, ev))) {
        kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
        goto out;
    }
    if (!ev_same(kj_jstr(ev, "state"), "published") && !ev_same(kj_jstr(ev, "state"), "draft")) {
        kj_err_set(e, KJ_E_CONFLICT, "err.event.state", NULL);
        goto out;
    }
    reg = kj_db_row(db, "SELECT id FROM event_registrations WHERE event_id = ? AND user_id = ? AND state IN ('pending','approved','checked_in')",
                    "ss", event_id, uid);
    if (!reg && !kj_event_is_organizer(actor, ev)) { kj_err_set(e, KJ_E_FORBIDDEN, "err.event.not_registered", NULL); goto out; }
    if (!strcmp(kind, "listing"))
        source = src && kj_id_valid(src) ? kj_db_row(db, "SELECT title, summary, domain, org_id, studio_id FROM listings "
                                                         "WHERE id = ? AND owner_id = ? AND status = 'published'", "ss", src, uid) : NULL;
    else if (!strcmp(kind, "challenge"))
        source = src && kj_id_valid(src) ? kj_db_row(db, "SELECT title, problem AS summary, domain, org_id, NULL AS studio_id "
                                                         "FROM challenges WHERE id = ? AND (issuer_id = ? OR org_id = ?)", "sss", src, uid,
                                                     kj_jstr_or_empty(actor, "org_id")) : NULL;
    else source = json_pack("{s:s, s:s, s:s, s:o, s:o}", "title", kj_jstr_or_empty(in, "title"), "summary",
                            kj_jstr_or_empty(in, "summary"), "domain", kj_jstr_or_empty(in, "domain"), "org_id",
                            kj_jstr(actor, "org_id") ? json_string(kj_jstr(actor, "org_id")) : json_null(), "studio_id", json_null());
    if (!source) { kj_err_set(e, KJ_E_INVALID, "err.event.project_source", "source_id"); goto out; }
    if (!*kj_jstr_or_empty(source, "title")) { kj_err_set(e, KJ_E_INVALID, "err.field.required", "title"); goto out; }
    kj_id id = kj_id_new();
    int64_t now = kj_now_ms();
    if (kj_db_exec(db, "INSERT INTO event_projects(id, event_id, source_kind, source_id, title, summary, domain, submitter_id, org_id, "
                       "studio_id, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,'submitted',?,?)", "ssssssssssii",
                   id.s, event_id, kind, strcmp(kind, "new") ? src : NULL, kj_jstr(source, "title"), kj_jstr_or_empty(source, "summary"),
                   kj_jstr_or_empty(source, "domain"), uid, kj_jstr(source, "org_id"), kj_jstr(source, "studio_id"), now, now) != 1 ||
        kj_db_commit(db)) {
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    memcpy(id_out, id.s, KJ_ID_LEN + 1);
    rc = 0;
out:
    if (rc) kj_db_rollback(db);
    json_decref(ev);
    json_decref(actor);
    json_decref(source);
    json_decref(reg);
    return rc;
}

int kj_event_review_setup(kj_db *db, json_t *user, const char *event_id, json_t *reviewers, json_t *rubric, kj_err *e)
{
    if (!kj_user_id(user)) return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    int rc = -1;
    json_t *ev = kj_ev_load(db, event_id), *actor = kj_user_get(db, kj_user_id(user)), *rb = NULL;
    /* Who may not set it up learns that first, whatever they sent. */
    if (!ev) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); goto out; }
    if (!kj_event_is_organizer(actor, ev)) { kj_ev_refuse_manage(actor, e); goto out; }
    if (!(rb = kj_challenge_rubric_check(rubric))) { kj_err_set(e, KJ_E_INVALID, "err.challenge.rubric", "rubric"); goto out; }
    if (!json_is_array(reviewers) || !json_array_size(reviewers) || json_array_size(reviewers) > 30) {
        kj_err_set(e, KJ_E_INVALID, "err.event.reviewers", "reviewers");
        goto out;
    }
    if (kj_db_int(db, 0, "SELECT count(*) FROM event_scores s JOIN event_projects p ON p.id = s.project_id WHERE p.event_id = ?", "s",
                  event_id) > 0) {
        kj_err_set(e, KJ_E_CONFLICT, "err.challenge.scoring_started", NULL);
        goto out;
    }
    if (kj_db_exec(db, "DELETE FROM event_reviewers WHERE event_id = ?", "s", event_id) < 0 ||
        kj_db_exec(db, "UPDATE events SET rubric__json = ?, updated_at = ? WHERE id = ?", "jis", rb, kj_now_ms(), event_id) != 1) {
        kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
        goto out;
    }
    size_t i;
    json_t *r;
    json_array_foreach(reviewers, i, r) {
        const char *rid = json_string_value(r);
        if (!rid || !kj_id_valid(rid) || !kj_db_int(db, 0, "SELECT count(*) FROM users WHERE id = ? AND is_expert = 1", "s", rid)) {
            kj_err_set(e, KJ_E_INVALID, "err.event.reviewers", "reviewers");
            goto out;
        }
        if (kj_db_exec(db, "INSERT INTO event_reviewers(event_id, user_id) VALUES (?,?) ON CONFLICT (event_id, user_id) DO NOTHING", "ss",
                       event_id, rid) < 0) {
            kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
            goto out;
        }
    }
    if (kj_db_commit(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    rc = 0;
out:
    if (rc) kj_db_rollback(db);
    json_decref(rb);
    json_decref(ev);
    json_decref(actor);
    return rc;
}

/* The project as the 揭榜 conflict rule reads an application. */
static json_t *as_application(json_t *p)
{
    return json_pack("{s:O, s:O, s:O, s:O}", "id", json_object_get(p, "id"), "applicant_id", json_object_get(p, "submitter_id"),
                     "org_id", json_object_get(p, "org_id") ? json_object_get(p, "org_id") : json_null(), "studio_id",
                     json_object_get(p, "studio_id") ? json_object_get(p, "studio_id") : json_null());
}

int kj_event_review_score(kj_db *db, json_t *user, const char *project_id, json_t *scores, const char *comment, kj_err *e)
{
    const char *uid = kj_user_id(user);
    if (!uid) return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    if (chars(comment) > 2000) return kj_err_set(e, KJ_E_INVALID, "err.field.too_long", "comment");
    if (!project_id || !kj_id_valid(project_id)) return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    int rc = -1;
    json_t *p = kj_db_row(db, "SELECT id, event_id, submitter_id, org_id, studio_id, state FROM event_projects WHERE id = ?", "s", project_id);
    json_t *ev = p ? kj_ev_load(db, kj_jstr(p, "event_id")) : NULL, *app = p ? as_application(p) : NULL;
    if (!p || !ev) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); goto out; }
    if (!kj_db_int(db, 0, "SELECT count(*) FROM event_reviewers WHERE event_id = ? AND user_id = ? AND recused = 0", "ss",
                   kj_jstr(ev, "id"), uid)) {
        kj_err_set(e, KJ_E_FORBIDDEN, "err.event.not_reviewer", NULL);
        goto out;
    }
    if (kj_challenge_reviewer_excluded(db, uid, app)) { kj_err_set(e, KJ_E_FORBIDDEN, "err.event.review_conflict", NULL); goto out; }
    double total = kj_challenge_weighted(json_object_get(ev, "rubric"), scores);
    if (total < 0) { kj_err_set(e, KJ_E_INVALID, "err.challenge.score_range", "scores"); goto out; }
    int n = kj_db_exec(db, "INSERT INTO event_scores(project_id, reviewer_id, scores__json, total, comment, created_at) VALUES (?,?,?,?,?,?)",
                       "ssjdsi", project_id, uid, scores, total, comment ? comment : "", kj_now_ms());
    if (n != 1) {
        kj_err_set(e, n == KJ_DB_CONSTRAINT ? KJ_E_CONFLICT : KJ_E_INTERNAL, n == KJ_DB_CONSTRAINT ? "err.challenge.scored_twice" : "err.internal", NULL);
        goto out;
    }
    if (kj_db_commit(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    rc = 0;
out:
    if (rc) kj_db_rollback(db);
    json_decref(p);
    json_decref(ev);
    json_decref(app);
    return rc;
}

int kj_event_project_place(kj_db *db, json_t *user, const char *project_id, json_t *in, kj_err *e)
{
    if (!kj_user_id(user)) return kj_err_set(e, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    if (!project_id || !kj_id_valid(project_id)) return kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
    if (kj_db_begin(db)) return kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    int rc = -1;
    json_t *p = kj_db_row(db, "SELECT id, event_id, state FROM event_projects WHERE id = ?", "s", project_id);
    json_t *ev = p ? kj_ev_load(db, kj_jstr(p, "event_id")) : NULL, *actor = kj_user_get(db, kj_user_id(user));
    if (!p || !ev) { kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL); goto out; }
    if (!kj_event_is_organizer(actor, ev)) { kj_ev_refuse_manage(actor, e); goto out; }
    int64_t now = kj_now_ms();
    if (ev_same(kj_jstr(in, "action"), "reject")) {
        if (kj_db_exec(db, "UPDATE event_projects SET state = 'rejected', session_id = NULL, position = NULL, slot_start = NULL, "
                           "slot_end = NULL, updated_at = ? WHERE id = ?", "is", now, project_id) != 1) {
            kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
            goto out;
        }
    } else {
        const char *session = kj_jstr(in, "session_id"), *zone = kj_jstr(ev, "time_zone");
        json_t *s = session && kj_id_valid(session) ? kj_db_row(db, "SELECT starts_at, ends_at FROM event_sessions WHERE id = ? AND event_id = ?",
                                                                "ss", session, kj_jstr(ev, "id")) : NULL;
        int64_t a = kj_event_parse_local(kj_jstr(in, "slot_start"), zone), b = kj_event_parse_local(kj_jstr(in, "slot_end"), zone);
        json_t *pos = json_object_get(in, "position");
        bool bad_time = !s || a < 0 || b <= a || a < ev_int(s, "starts_at", 0) || b > ev_int(s, "ends_at", 0);
        json_decref(s);
        if (!session || !kj_id_valid(session)) { kj_err_set(e, KJ_E_INVALID, "err.event.session", "session_id"); goto out; }
        if (bad_time) { kj_err_set(e, KJ_E_INVALID, "err.event.session_time", "slot_start"); goto out; }
        if (!json_is_integer(pos) || json_integer_value(pos) < 1 || json_integer_value(pos) > 200) {
            kj_err_set(e, KJ_E_INVALID, "err.field.range", "position");
            goto out;
        }
        if (kj_db_int(db, 0, "SELECT count(*) FROM event_projects WHERE session_id = ? AND id <> ? AND state = 'selected' "
                             "AND slot_start < ? AND slot_end > ?", "ssii", session, project_id, b, a)) {
            kj_err_set(e, KJ_E_CONFLICT, "err.event.slot_taken", "slot_start");
            goto out;
        }
        if (kj_db_exec(db, "UPDATE event_projects SET state = 'selected', session_id = ?, position = ?, slot_start = ?, slot_end = ?, "
                           "updated_at = ? WHERE id = ?", "siiiis", session, (int64_t)json_integer_value(pos), a, b, now, project_id) != 1) {
            kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
            goto out;
        }
    }
    if (kj_db_commit(db)) { kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL); goto out; }
    rc = 0;
out:
    if (rc) kj_db_rollback(db);
    json_decref(p);
    json_decref(ev);
    json_decref(actor);
    return rc;
}

json_t *kj_event_projects(kj_db *db, json_t *user, const char *event_id, kj_err *e)
{
    json_t *ev = kj_ev_load(db, event_id);
    if (!ev || (ev_same(kj_jstr(ev, "state"), "draft") && !kj_event_is_organizer(user, ev))) {
        json_decref(ev);
        kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
        return NULL;
    }
    json_t *lineup = kj_db_rows(db, "SELECT p.id, p.title, p.summary, p.domain, p.position, p.slot_start, p.slot_end, p.session_id, "
                                    "s.title_zh AS session_title_zh, s.title_en AS session_title_en, s.room, u.name AS presenter "
                                    "FROM event_projects p JOIN event_sessions s ON s.id = p.session_id JOIN users u ON u.id = p.submitter_id "
                                    "WHERE p.event_id = ? AND p.state = 'selected' ORDER BY s.starts_at, p.position, p.slot_start", "s", event_id);
    json_t *out = json_pack("{s:o}", "lineup", lineup ? lineup : json_array());
    bool reviewer = kj_user_id(user) && kj_db_int(db, 0, "SELECT count(*) FROM event_reviewers WHERE event_id = ? AND user_id = ?", "ss",
                                                  event_id, kj_user_id(user));
    if (kj_event_is_organizer(user, ev) || reviewer) {
        json_t *all = kj_db_rows(db, "SELECT p.id, p.title, p.summary, p.domain, p.source_kind, p.source_id, p.state, p.submitter_id, "
                                     "p.org_id, p.studio_id, u.name AS submitter_name, "
                                     "(SELECT avg(total) FROM event_scores s WHERE s.project_id = p.id) AS average, "
                                     "(SELECT count(*) FROM event_scores s WHERE s.project_id = p.id) AS scored "
                                     "FROM event_projects p JOIN users u ON u.id = p.submitter_id WHERE p.event_id = ? "
                                     "ORDER BY p.created_at, p.id", "s", event_id);
        size_t i;
        json_t *p;
        json_array_foreach(all, i, p) {
            json_t *app = as_application(p);
            /* A reviewer sees whether they may score it (not in conflict). */
            if (reviewer) json_object_set_new(p, "conflict", json_boolean(kj_challenge_reviewer_excluded(db, kj_user_id(user), app)));
            json_decref(app);
        }
        json_object_set_new(out, "projects", all ? all : json_array());
        json_object_set(out, "rubric", json_object_get(ev, "rubric"));
    }
    json_decref(ev);
    return out;
}
