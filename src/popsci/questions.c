/*
 * questions.c — ask an expert (农技服务): residents' questions with
 * photos, answers by volunteers and experts, acceptance, turning good Q&A
 * into content, expert registrations (topic × region) and volunteer
 * teams (农技服务队) with their service areas and record.
 */
#include "popsci/popsci.h"
#include "popsci/popsci_int.h"
#include "ref/regions.h"
#include "account/account.h"
#include "authz/authz.h"
#include "core/clock.h"
#include "core/id.h"
#include "notify/notify.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define Q_TITLE_MAX 120
#define Q_BODY_MAX 5000

/* Experts registered for the topic in a region containing the question's,
 * and users with is_expert in the same province; never the asker. */
void kj_popsci_notify_experts(kj_db *db, const char *qid, const char *asker, const char *topic, const char *region,
                              const char *title)
{
    char link[64];
    snprintf(link, sizeof link, "/popsci/questions/%s", qid);
    /* Experts at home in the same province (by the tree, ref/regions.h). */
    const char *province = kj_region_ancestor_code(region, 0);
    json_t *regs = kj_db_rows(db, "SELECT DISTINCT user_id, region FROM popsci_experts WHERE topic = ? AND user_id <> ?",
                              "ss", topic, asker);
    json_t *done = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(regs, i, r)
        if (kj_popsci_region_within(kj_ps_str(r, "region"), region)) json_object_set_new(done, kj_ps_str(r, "user_id"), json_true());
    json_decref(regs);
    json_t *experts = kj_db_rows(db, "SELECT id FROM users WHERE is_expert = 1 AND disabled = 0 AND region IN "
                                 KJ_REGION_SUBTREE_SQL " AND id <> ?", "ss", province ? province : region, asker);
    json_array_foreach(experts, i, r) json_object_set_new(done, kj_ps_str(r, "id"), json_true());
    json_decref(experts);
    const char *uid;
    json_t *v;
    json_object_foreach(done, uid, v) kj_notify(db, uid, "popsci_question", title, link);
    json_decref(done);
}

int kj_popsci_ask(kj_db *db, json_t *user, json_t *in, char *id_out, kj_err *perr)
{
    json_t *errors = perr->fields;
    if (!kj_ps_uid(user)) { kj_ps_err(errors, "form", "err.forbidden"); return kj_ps_fail(perr, KJ_E_FORBIDDEN); }
    const char *title = kj_ps_or(kj_ps_str(in, "title")), *body = kj_ps_or(kj_ps_str(in, "body"));
    const char *topic = kj_ps_str(in, "topic"), *region = kj_ps_str(in, "region");
    if (!*title) kj_ps_err(errors, "title", "popsci.err.question_empty");
    else if (kj_ps_chars(title) > Q_TITLE_MAX) kj_ps_err(errors, "title", "popsci.err.title_long");
    if (!*body) kj_ps_err(errors, "body", "popsci.err.question_empty");
    else if (kj_ps_chars(body) > Q_BODY_MAX) kj_ps_err(errors, "body", "popsci.err.body_long");
    if (!kj_popsci_topic_known(db, topic)) kj_ps_err(errors, "topic", "popsci.err.topic_unknown");
    if (!kj_popsci_region_known(db, region)) kj_ps_err(errors, "region", "popsci.err.region_unknown");
    if (json_object_size(errors)) return kj_ps_fail(perr, KJ_E_INVALID);
    kj_id id = kj_id_new();
    if (kj_db_exec(db, "INSERT INTO popsci_questions(id, origin, author_id, title, body, topic, region, created_at) "
                   "VALUES (?,?,?,?,?,?,?,?)", "sssssssi", id.s, kj_instance_id(db), kj_ps_uid(user), title, body,
                   topic, region, kj_now_ms()) < 0)
        { kj_ps_err(errors, "form", "err.internal"); return kj_ps_fail(perr, KJ_E_INTERNAL); }
    kj_popsci_notify_experts(db, id.s, kj_ps_uid(user), topic, region, title);
    memcpy(id_out, id.s, KJ_ID_LEN + 1);
    return 0;
}

json_t *kj_popsci_questions(kj_db *db, const char *topic, int limit)
{
    json_t *r = topic && *topic
        ? kj_db_rows(db, "SELECT q.id, q.title, q.topic, q.region, q.status, q.created_at, t.name_zh AS topic_zh, "
                     "t.name_en AS topic_en, (SELECT count(*) FROM popsci_answers a WHERE a.question_id = q.id) AS answers "
                     "FROM popsci_questions q LEFT JOIN popsci_topics t ON t.code = q.topic WHERE q.topic = ? "
                     "ORDER BY q.created_at DESC LIMIT ?", "si", topic, (int64_t)limit)
        : kj_db_rows(db, "SELECT q.id, q.title, q.topic, q.region, q.status, q.created_at, t.name_zh AS topic_zh, "
                     "t.name_en AS topic_en, (SELECT count(*) FROM popsci_answers a WHERE a.question_id = q.id) AS answers "
                     "FROM popsci_questions q LEFT JOIN popsci_topics t ON t.code = q.topic "
                     "ORDER BY q.created_at DESC LIMIT ?", "i", (int64_t)limit);
    return r ? r : json_array();
}

/* Staff who may act on a question for its asker (accept an answer,
 * publish the question and its answer as content): the staff who may
 * review the question's region (authz.h: administrators, operators whose
 * jurisdiction covers it), as for content meant for a region; an operator
 * of another center may not. */
static bool may_moderate(json_t *user, const char *region)
{
    return kj_ps_staff(user) && kj_authz_can_review_region(user, region);
}

json_t *kj_popsci_question(kj_db *db, const char *id, json_t *viewer)
{
    json_t *q = kj_db_row(db, "SELECT q.*, u.name AS author_name, t.name_zh AS topic_zh, t.name_en AS topic_en "
                          "FROM popsci_questions q JOIN users u ON u.id = q.author_id "
                          "LEFT JOIN popsci_topics t ON t.code = q.topic WHERE q.id = ?", "s", id ? id : "");
    if (!q) return NULL;
    json_t *a = kj_db_rows(db, "SELECT a.id, a.body, a.accepted, a.created_at, a.author_id, u.name AS author_name "
                           "FROM popsci_answers a JOIN users u ON u.id = a.author_id WHERE a.question_id = ? "
                           "ORDER BY a.accepted DESC, a.created_at", "s", id);
    json_object_set_new(q, "answers", a ? a : json_array());
    json_t *p = kj_db_rows(db, "SELECT attach_id AS id FROM popsci_images WHERE question_id = ? ORDER BY created_at", "s", id);
    json_object_set_new(q, "photos", p ? p : json_array());
    const char *uid = kj_ps_uid(viewer);
    bool asker = uid && !strcmp(uid, kj_ps_or(kj_ps_str(q, "author_id")));
    bool staff = may_moderate(viewer, kj_ps_str(q, "region"));
    json_object_set_new(q, "can_accept", json_boolean(asker || staff));
    json_object_set_new(q, "can_publish", json_boolean(staff && !strcmp(kj_ps_or(kj_ps_str(q, "status")), "answered")
                                                       && !kj_ps_str(q, "content_id")));
    return q;
}

int kj_popsci_answer(kj_db *db, json_t *user, const char *question_id, const char *body, char *id_out, kj_err *perr)
{
    json_t *errors = perr->fields;
    json_t *q = kj_db_row(db, "SELECT author_id, title FROM popsci_questions WHERE id = ?", "s", question_id ? question_id : "");
    if (!q) { kj_ps_err(errors, "form", "err.not_found"); return kj_ps_fail(perr, KJ_E_NOT_FOUND); }
    int st = 0;
    if (!body || !*body) { kj_ps_err(errors, "body", "popsci.err.answer_empty"); st = KJ_E_INVALID; }
    else if (kj_ps_chars(body) > Q_BODY_MAX) { kj_ps_err(errors, "body", "popsci.err.body_long"); st = KJ_E_INVALID; }
    else {
        kj_id id = kj_id_new();
        if (kj_db_exec(db, "INSERT INTO popsci_answers(id, origin, question_id, author_id, body, created_at) "
                       "VALUES (?,?,?,?,?,?)", "sssssi", id.s, kj_instance_id(db), question_id, kj_ps_uid(user), body,
                       kj_now_ms()) < 0) { kj_ps_err(errors, "form", "err.internal"); st = KJ_E_INTERNAL; }
        else {
            memcpy(id_out, id.s, KJ_ID_LEN + 1);
            char link[64];
            snprintf(link, sizeof link, "/popsci/questions/%s", question_id);
            if (strcmp(kj_ps_uid(user), kj_ps_or(kj_ps_str(q, "author_id"))))
                kj_notify(db, kj_ps_str(q, "author_id"), "popsci_answered", kj_ps_str(q, "title"), link);
        }
    }
    json_decref(q);
    return kj_ps_fail(perr, st);
}

int kj_popsci_accept(kj_db *db, json_t *user, const char *answer_id, kj_err *perr)
{
    json_t *errors = perr->fields;
    json_t *a = kj_db_row(db, "SELECT a.question_id, a.author_id, q.author_id AS asker_id, q.title, q.region FROM popsci_answers a "
                          "JOIN popsci_questions q ON q.id = a.question_id WHERE a.id = ?", "s", answer_id ? answer_id : "");
    if (!a) { kj_ps_err(errors, "form", "err.not_found"); return kj_ps_fail(perr, KJ_E_NOT_FOUND); }
    int st = 0;
    if (strcmp(kj_ps_or(kj_ps_uid(user)), kj_ps_or(kj_ps_str(a, "asker_id"))) && !may_moderate(user, kj_ps_str(a, "region")))
        { kj_ps_err(errors, "form", "err.forbidden"); st = KJ_E_FORBIDDEN; }
    else {
        int rc = kj_db_begin(db);
        if (rc >= 0) rc = kj_db_exec(db, "UPDATE popsci_answers SET accepted = CASE WHEN id = ? THEN 1 ELSE 0 END WHERE question_id = ?",
                                     "ss", answer_id, kj_ps_str(a, "question_id"));
        if (rc >= 0) rc = kj_db_exec(db, "UPDATE popsci_questions SET status = 'answered', accepted_answer_id = ? WHERE id = ?", "ss",
                                     answer_id, kj_ps_str(a, "question_id"));
        char link[64];
        snprintf(link, sizeof link, "/popsci/questions/%s", kj_ps_str(a, "question_id"));
        if (rc >= 0) kj_notify(db, kj_ps_str(a, "author_id"), "popsci_accepted", kj_ps_str(a, "title"), link);
        if (rc < 0 || kj_db_commit(db)) { kj_db_rollback(db); kj_ps_err(errors, "form", "err.internal"); st = KJ_E_INTERNAL; }
    }
    json_decref(a);
    return kj_ps_fail(perr, st);
}

int kj_popsci_question_publish(kj_db *db, json_t *user, const char *question_id, char *id_out, kj_err *perr)
{
    json_t *errors = perr->fields;
    if (!kj_ps_staff(user)) { kj_ps_err(errors, "form", "err.forbidden"); return kj_ps_fail(perr, KJ_E_FORBIDDEN); }
    char *region = kj_db_text(db, "SELECT region FROM popsci_questions WHERE id = ?", "s", question_id ? question_id : "");
    if (!region) { kj_ps_err(errors, "form", "err.not_found"); return kj_ps_fail(perr, KJ_E_NOT_FOUND); }
    bool allowed = may_moderate(user, region);
    free(region);
    if (!allowed) { kj_ps_err(errors, "form", "err.forbidden"); return kj_ps_fail(perr, KJ_E_FORBIDDEN); }
    json_t *q = kj_db_row(db, "SELECT q.title, q.body, q.topic, q.region, q.content_id, a.body AS answer "
                          "FROM popsci_questions q JOIN popsci_answers a ON a.id = q.accepted_answer_id "
                          "WHERE q.id = ?", "s", question_id ? question_id : "");
    if (!q) { kj_ps_err(errors, "form", "popsci.err.not_answered"); return kj_ps_fail(perr, KJ_E_CONFLICT); }
    int st = 0;
    if (kj_ps_str(q, "content_id")) { kj_ps_err(errors, "form", "popsci.err.state"); st = KJ_E_CONFLICT; }
    else {
        kj_buf body = { 0 };
        kj_buf_printf(&body, "**问：** %s\n\n**答：**\n\n%s\n", kj_ps_or(kj_ps_str(q, "body")), kj_ps_or(kj_ps_str(q, "answer")));
        kj_id id = kj_id_new();
        int64_t now = kj_now_ms();
        int rc = kj_db_begin(db);
        if (rc >= 0) rc = kj_db_exec(db, "INSERT INTO popsci_content(id, origin, kind, title, summary, body, topic, audience, "
                            "regions, source, author_id, status, reviewer_id, question_id, created_at, published_at, updated_at) "
                            "VALUES (?,?,'article',?,'',?,?,'rural',?,'农技问答',?,'published',?,?,?,?,?)",
                            "sssssssssiii", id.s, kj_instance_id(db), kj_ps_str(q, "title"), body.data,
                            kj_ps_str(q, "topic"), "", kj_ps_uid(user), kj_ps_uid(user), question_id, now, now, now);
        if (rc >= 0) rc = kj_db_exec(db, "UPDATE popsci_questions SET content_id = ? WHERE id = ?", "ss", id.s, question_id);
        if (rc < 0 || kj_db_commit(db)) { kj_db_rollback(db); kj_ps_err(errors, "form", "err.internal"); st = KJ_E_INTERNAL; }
        else memcpy(id_out, id.s, KJ_ID_LEN + 1);
        kj_buf_free(&body);
    }
    json_decref(q);
    return kj_ps_fail(perr, st);
}

/* ---- experts ---- */

int kj_popsci_expert_set(kj_db *db, const char *user_id, json_t *topics, json_t *regions, kj_err *perr)
{
    json_t *errors = perr->fields;
    kj_buf t = { 0 }, r = { 0 };
    kj_popsci_join_list(topics, &t);
    kj_popsci_join_list(regions, &r);
    json_t *ta = kj_popsci_split_list(t.data), *ra = kj_popsci_split_list(r.data);
    kj_buf_free(&t);
    kj_buf_free(&r);
    size_t i, j;
    json_t *a, *b;
    json_array_foreach(ta, i, a) if (!kj_popsci_topic_known(db, json_string_value(a))) kj_ps_err(errors, "topics", "popsci.err.topic_unknown");
    json_array_foreach(ra, i, a) if (!kj_popsci_region_known(db, json_string_value(a))) kj_ps_err(errors, "regions", "popsci.err.region_unknown");
    if (json_array_size(ta) && !json_array_size(ra)) kj_ps_err(errors, "regions", "popsci.err.region_required");
    int st = json_object_size(errors) ? KJ_E_INVALID : 0;
    if (!st) {
        int rc = kj_db_begin(db);
        if (rc >= 0) rc = kj_db_exec(db, "DELETE FROM popsci_experts WHERE user_id = ?", "s", user_id);
        json_array_foreach(ta, i, a) json_array_foreach(ra, j, b)
            if (rc >= 0) rc = kj_db_exec(db, "INSERT INTO popsci_experts(user_id, topic, region, created_at) VALUES (?,?,?,?) "
                                         "ON CONFLICT DO NOTHING", "sssi", user_id, json_string_value(a), json_string_value(b), kj_now_ms());
        if (rc < 0 || kj_db_commit(db)) { kj_db_rollback(db); kj_ps_err(errors, "form", "err.internal"); st = KJ_E_INTERNAL; }
    }
    json_decref(ta);
    json_decref(ra);
    return kj_ps_fail(perr, st);
}

json_t *kj_popsci_expert_get(kj_db *db, const char *user_id)
{
    json_t *r = kj_db_rows(db, "SELECT topic, region FROM popsci_experts WHERE user_id = ? ORDER BY topic, region", "s", user_id);
    return r ? r : json_array();
}

/* ---- teams ---- */

int kj_popsci_team_create(kj_db *db, json_t *user, json_t *in, char *id_out, kj_err *perr)
{
    json_t *errors = perr->fields;
    const char *name = kj_ps_or(kj_ps_str(in, "name"));
    if (!*name) kj_ps_err(errors, "name", "popsci.err.name_required");
    else if (kj_ps_chars(name) > 80) kj_ps_err(errors, "name", "popsci.err.title_long");
    kj_buf r = { 0 };
    kj_popsci_join_list(json_object_get(in, "regions"), &r);
    json_t *ra = kj_popsci_split_list(r.data);
    size_t i;
    json_t *a;
    json_array_foreach(ra, i, a) if (!kj_popsci_region_known(db, json_string_value(a))) kj_ps_err(errors, "regions", "popsci.err.region_unknown");
    json_decref(ra);
    int st = json_object_size(errors) ? KJ_E_INVALID : 0;
    if (!st) {
        kj_id id = kj_id_new();
        int rc = kj_db_begin(db);
        if (rc >= 0) rc = kj_db_exec(db, "INSERT INTO popsci_teams(id, origin, name, intro, regions, created_by, created_at) VALUES (?,?,?,?,?,?,?)",
                                     "ssssssi", id.s, kj_instance_id(db), name, kj_ps_or(kj_ps_str(in, "intro")), r.data, kj_ps_uid(user), kj_now_ms());
        if (rc >= 0) rc = kj_db_exec(db, "INSERT INTO popsci_team_members(team_id, user_id) VALUES (?,?)", "ss", id.s, kj_ps_uid(user));
        if (rc < 0 || kj_db_commit(db)) { kj_db_rollback(db); kj_ps_err(errors, "form", "err.internal"); st = KJ_E_INTERNAL; }
        else memcpy(id_out, id.s, KJ_ID_LEN + 1);
    }
    kj_buf_free(&r);
    return kj_ps_fail(perr, st);
}

int kj_popsci_team_add(kj_db *db, json_t *user, const char *team_id, const char *email, kj_err *perr)
{
    json_t *errors = perr->fields;
    /* Its founder, or the staff who may review its regions (as for 科普
     * content meant for them: kj_ps_may_review; a team for everywhere, any
     * staff), not an operator of another center. */
    json_t *team = kj_db_row(db, "SELECT created_by AS author_id, regions FROM popsci_teams WHERE id = ?", "s", team_id ? team_id : "");
    if (!team) { kj_ps_err(errors, "form", "err.not_found"); return kj_ps_fail(perr, KJ_E_NOT_FOUND); }
    int st = 0;
    if (strcmp(kj_ps_or(kj_ps_str(team, "author_id")), kj_ps_or(kj_ps_uid(user))) && !kj_ps_may_review(user, team))
        { kj_ps_err(errors, "form", "err.forbidden"); st = KJ_E_FORBIDDEN; }
    else {
        char *uid = kj_db_text(db, "SELECT id FROM users WHERE email = ?", "s", email ? email : "");
        if (!uid) { kj_ps_err(errors, "email", "popsci.err.user_unknown"); st = KJ_E_INVALID; }
        else if (kj_db_exec(db, "INSERT INTO popsci_team_members(team_id, user_id) VALUES (?,?) ON CONFLICT DO NOTHING",
                            "ss", team_id, uid) < 0) { kj_ps_err(errors, "form", "err.internal"); st = KJ_E_INTERNAL; }
        free(uid);
    }
    json_decref(team);
    return kj_ps_fail(perr, st);
}

json_t *kj_popsci_team(kj_db *db, const char *id)
{
    json_t *t = kj_db_row(db, "SELECT id, name, intro, regions, created_by, created_at FROM popsci_teams WHERE id = ?",
                          "s", id ? id : "");
    if (!t) return NULL;
    json_object_set_new(t, "regions", kj_popsci_split_list(kj_ps_str(t, "regions")));
    json_t *m = kj_db_rows(db, "SELECT u.name FROM popsci_team_members m JOIN users u ON u.id = m.user_id "
                           "WHERE m.team_id = ? ORDER BY u.name", "s", id);
    json_object_set_new(t, "members", m ? m : json_array());
    json_object_set_new(t, "answers", json_integer(kj_db_int(db, 0, "SELECT count(*) FROM popsci_answers a JOIN "
                        "popsci_team_members m ON m.user_id = a.author_id WHERE m.team_id = ?", "s", id)));
    json_object_set_new(t, "accepted", json_integer(kj_db_int(db, 0, "SELECT count(*) FROM popsci_answers a JOIN "
                        "popsci_team_members m ON m.user_id = a.author_id WHERE m.team_id = ? AND a.accepted = 1", "s", id)));
    json_object_set_new(t, "published", json_integer(kj_db_int(db, 0, "SELECT count(*) FROM popsci_content c JOIN "
                        "popsci_team_members m ON m.user_id = c.author_id WHERE m.team_id = ? AND c.status = 'published'",
                        "s", id)));
    json_t *ra = kj_db_rows(db, "SELECT q.id AS question_id, q.title, a.accepted, a.created_at, u.name AS author_name "
                            "FROM popsci_answers a JOIN popsci_team_members m ON m.user_id = a.author_id "
                            "JOIN popsci_questions q ON q.id = a.question_id JOIN users u ON u.id = a.author_id "
                            "WHERE m.team_id = ? ORDER BY a.created_at DESC LIMIT 10", "s", id);
    json_object_set_new(t, "recent_answers", ra ? ra : json_array());
    json_t *rc = kj_db_rows(db, "SELECT c.id, c.title, c.published_at FROM popsci_content c JOIN popsci_team_members m "
                            "ON m.user_id = c.author_id WHERE m.team_id = ? AND c.status = 'published' "
                            "ORDER BY c.published_at DESC LIMIT 10", "s", id);
    json_object_set_new(t, "recent_content", rc ? rc : json_array());
    return t;
}

json_t *kj_popsci_teams(kj_db *db)
{
    json_t *r = kj_db_rows(db, "SELECT t.id, t.name, t.intro, t.regions, (SELECT count(*) FROM popsci_team_members m "
                           "WHERE m.team_id = t.id) AS members FROM popsci_teams t ORDER BY t.name", "");
    return r ? r : json_array();
}
