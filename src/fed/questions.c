/*
 * questions.c — a question to a peer's 科普 experts (fed.h).
 *
 * Asker's side: on a peer's 科普 content, a signed-in user asks its
 * origin's experts. The question is an ordinary question here (so the
 * asker finds it under their questions, and local experts may answer too)
 * and the outbox delivers it to the content's origin — its title and text
 * and the name the asker shows, nothing else — until taken.
 * Origin's side: the question arrives in the inbox and becomes a question
 * there, asked by an account standing for the remote asker (never able to
 * sign in), on the content's topic; the experts of that topic are told as
 * for a local question, and answer it there as any question. Each answer
 * goes back through the outbox (once: fed_answers_sent) and is added to
 * the question at the asker's instance, signed by a stand-in account
 * named after the expert and their instance; the asker is told.
 */
#include "fed/fed.h"
#include "fed/fed_int.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "core/validate.h"
#include "instance/instance.h"
#include "notify/notify.h"
#include "popsci/popsci.h"
#include "ref/regions.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int refuse(kj_err *fail, kj_err_kind kind, const char *key, const char *field)
{
    return kj_err_set(fail, kind, key, field);
}

static bool text_ok(const char *s, size_t min, size_t max)
{
    if (!s) return false;
    size_t n = strlen(s), c = kj_valid_utf8(s, n) ? kj_utf8_chars(s, n) : 0;
    return c >= min && c <= max;
}

/* The first region code of a " a b " list that the tree knows, else out unchanged. */
static void first_region(const char *list, char *out, size_t n)
{
    char code[16];
    for (const char *p = list ? list : ""; *p;) {
        while (*p == ' ') p++;
        size_t len = strcspn(p, " ");
        if (len > 0 && len < sizeof code) {
            memcpy(code, p, len);
            code[len] = 0;
            if (kj_region_depth(code) >= 0) { snprintf(out, n, "%s", code); return; }
        }
        p += len;
    }
}

int kj_fed_ask(kj_db *db, json_t *user, const char *content_id, const char *title, const char *body, char *id_out, kj_err *fail)
{
    const kj_fed_self *me = kj_fed_self_get();
    const char *uid = kj_jstr(user, "id");
    if (!me || !uid) return refuse(fail, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    if (!kj_id_valid(content_id)) return refuse(fail, KJ_E_NOT_FOUND, "err.not_found", NULL);
    if (!text_ok(title, 5, 120)) return refuse(fail, KJ_E_INVALID, "err.fed.question_title", "title");
    if (!text_ok(body, 10, 2000)) return refuse(fail, KJ_E_INVALID, "err.fed.question_body", "body");
    if (kj_db_begin(db)) return refuse(fail, KJ_E_INTERNAL, "err.internal", NULL);
    /* The content, its origin a peer we take from and do not suspend: checked in the write's transaction. */
    json_t *c = kj_db_row(db, "SELECT c.topic, c.regions, c.origin, p.id AS peer_id, p.state FROM popsci_content c "
                              "JOIN fed_peers p ON p.instance_id = c.origin WHERE c.id = ? AND c.status = 'published'",
                          "s", content_id);
    int rc = 0;
    if (!c || !strcmp(kj_jstr_or_empty(c, "origin"), me->instance_id)) rc = refuse(fail, KJ_E_NOT_FOUND, "err.not_found", NULL);
    else if (!strcmp(kj_jstr_or_empty(c, "state"), "suspended")) rc = refuse(fail, KJ_E_CONFLICT, "err.fed.suspended", NULL);
    else {
        char region[32] = "";
        kj_instance_home_region(region, sizeof region);
        first_region(kj_jstr(c, "regions"), region, sizeof region);
        if (!*region || kj_region_depth(region) < 0) snprintf(region, sizeof region, "%s", kj_jstr_or_empty(user, "region"));
        kj_id id = kj_id_new();
        int64_t now = kj_now_ms();
        if (!*region || kj_region_depth(region) < 0) rc = refuse(fail, KJ_E_INVALID, "popsci.err.region_unknown", "region");
        else if (kj_db_exec(db, "INSERT INTO popsci_questions(id, origin, author_id, title, body, topic, region, created_at) "
                                "VALUES (?,?,?,?,?,?,?,?)", "sssssssi", id.s, me->instance_id, uid, title, body,
                            kj_jstr(c, "topic"), region, now) < 0 ||
                 kj_db_exec(db, "INSERT INTO fed_questions(question_id, peer_id, direction, created_at) VALUES (?,?,'out',?)",
                            "ssi", id.s, kj_jstr(c, "peer_id"), now) < 0 || kj_db_commit(db))
            rc = refuse(fail, KJ_E_INTERNAL, "err.internal", NULL);
        else snprintf(id_out, KJ_ID_LEN + 1, "%s", id.s);
    }
    if (rc) kj_db_rollback(db);
    json_decref(c);
    return rc;
}

void kj_fed_outbox_questions(kj_db *db, const char *peer_id, int limit, json_t *out)
{
    const kj_fed_self *me = kj_fed_self_get();
    if (!me) return;
    json_t *qs = kj_db_rows(db,
        "SELECT q.id, q.title, q.body, q.topic, q.region, u.id AS sender_id, u.name AS sender_name, p.url "
        "FROM fed_questions f JOIN popsci_questions q ON q.id = f.question_id JOIN users u ON u.id = q.author_id "
        "JOIN fed_peers p ON p.id = f.peer_id WHERE f.direction = 'out' AND f.delivered_at IS NULL AND p.id = ? "
        "AND p.state <> 'suspended' ORDER BY f.created_at LIMIT ?", "si", peer_id, (int64_t)limit);
    size_t i;
    json_t *q;
    json_array_foreach(qs, i, q) {
        json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "type", "question", "id", kj_jstr(q, "id"),
                                 "title", kj_jstr_or_empty(q, "title"), "body", kj_jstr_or_empty(q, "body"),
                                 "topic", kj_jstr_or_empty(q, "topic"), "region", kj_jstr_or_empty(q, "region"),
                                 "sender", "id", kj_jstr(q, "sender_id"), "name", kj_jstr_or_empty(q, "sender_name"));
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:o}", "kind", "question", "peer_id", peer_id,
                                             "url", kj_jstr(q, "url"), "eoi_id", kj_jstr(q, "id"), "body", body));
    }
    json_decref(qs);
    /* Answers given here to questions received from peer_id, not yet sent back. */
    char iname[128];
    kj_instance_name("zh-CN", iname, sizeof iname);
    json_t *as = kj_db_rows(db,
        "SELECT a.id, a.question_id, a.body, a.created_at, u.id AS author_id, u.name AS author_name, p.url "
        "FROM popsci_answers a JOIN fed_questions f ON f.question_id = a.question_id AND f.direction = 'in' "
        "JOIN fed_peers p ON p.id = f.peer_id JOIN users u ON u.id = a.author_id "
        "LEFT JOIN fed_answers_sent s ON s.answer_id = a.id "
        "WHERE s.answer_id IS NULL AND p.id = ? AND p.state <> 'suspended' AND a.origin = ? ORDER BY a.created_at LIMIT ?",
        "ssi", peer_id, me->instance_id, (int64_t)limit);
    json_t *a;
    json_array_foreach(as, i, a) {
        json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:I, s:{s:s, s:s, s:s}}", "type", "answer", "id", kj_jstr(a, "id"),
                                 "question_id", kj_jstr(a, "question_id"), "body", kj_jstr_or_empty(a, "body"),
                                 "created_at", json_integer_value(json_object_get(a, "created_at")),
                                 "author", "id", kj_jstr(a, "author_id"), "name", kj_jstr_or_empty(a, "author_name"), "org_name", iname);
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:o}", "kind", "answer", "peer_id", peer_id,
                                             "url", kj_jstr(a, "url"), "eoi_id", kj_jstr(a, "id"), "body", body));
    }
    json_decref(as);
}

void kj_fed_outbox_question_done(kj_db *db, const char *kind, const char *id, const char *peer_id, const char *error)
{
    int64_t now = kj_now_ms();
    if (!strcmp(kind, "question")) {
        json_t *at = error ? json_null() : json_integer(now);
        kj_db_exec_optional(db, "federation outbox (retried while not delivered)",
                            "UPDATE fed_questions SET delivered_at = ?, attempts = attempts + 1, last_error = ? WHERE question_id = ?",
                            "jss", at, error, id);
        json_decref(at);
    } else if (!error)
        kj_db_exec_optional(db, "federation outbox (an answer sent twice is taken once)",
                            "INSERT INTO fed_answers_sent(answer_id, peer_id, sent_at) VALUES (?,?,?) ON CONFLICT (answer_id) DO NOTHING",
                            "ssi", id, peer_id, now);
}

int kj_fed_inbox_question(kj_db *db, json_t *peer, json_t *msg, kj_err *fail)
{
    const char *id = kj_jstr(msg, "id"), *title = kj_jstr(msg, "title"), *body = kj_jstr(msg, "body"), *topic = kj_jstr(msg, "topic"),
               *region = kj_jstr(msg, "region");
    json_t *sender = json_object_get(msg, "sender");
    const char *sid = kj_jstr(sender, "id"), *name = kj_jstr(sender, "name");
    if (!kj_id_valid(id) || !text_ok(title, 5, 120) || !text_ok(body, 10, 2000) || !kj_id_valid(sid) || !text_ok(name, 1, 60) ||
        !topic || strlen(topic) > 40 || !region || kj_region_depth(region) < 0)
        return refuse(fail, KJ_E_INVALID, "err.fed.bad_message", NULL);
    if (kj_db_begin(db)) return refuse(fail, KJ_E_INTERNAL, "err.internal", NULL);
    int rc = 0;
    char *held = kj_db_text(db, "SELECT peer_id FROM fed_questions WHERE question_id = ?", "s", id);
    char asker[KJ_ID_LEN + 1];
    if (held) {
        /* Delivered before (our answer was lost): taken once. */
        if (strcmp(held, kj_jstr(peer, "id"))) rc = refuse(fail, KJ_E_CONFLICT, "err.fed.duplicate", NULL);
        kj_db_rollback(db);
    } else if (kj_db_int(db, 0, "SELECT count(*) FROM popsci_topics WHERE code = ?", "s", topic) <= 0) {
        kj_db_rollback(db);
        rc = refuse(fail, KJ_E_INVALID, "popsci.err.topic_unknown", NULL);
    } else if (kj_db_int(db, 0, "SELECT count(*) FROM popsci_questions WHERE id = ?", "s", id) > 0) {
        kj_db_rollback(db);
        rc = refuse(fail, KJ_E_CONFLICT, "err.fed.duplicate", NULL);
    } else {
        int64_t now = kj_now_ms();
        char pname[128];
        snprintf(pname, sizeof pname, "%s", *kj_jstr_or_empty(peer, "name_zh") ? kj_jstr(peer, "name_zh") : kj_jstr_or_empty(peer, "url"));
        if (kj_fed_remote_sender(db, peer, sid, name, pname, asker) ||
            kj_db_exec(db, "INSERT INTO popsci_questions(id, origin, author_id, title, body, topic, region, created_at) "
                           "VALUES (?,?,?,?,?,?,?,?)", "sssssssi", id, kj_jstr(peer, "instance_id"), asker, title, body, topic,
                       region, now) < 0 ||
            kj_db_exec(db, "INSERT INTO fed_questions(question_id, peer_id, direction, delivered_at, created_at) VALUES (?,?,'in',?,?)",
                       "ssii", id, kj_jstr(peer, "id"), now, now) < 0) {
            kj_db_rollback(db);
            rc = refuse(fail, KJ_E_INTERNAL, "err.internal", NULL);
        } else {
            kj_popsci_notify_experts(db, id, asker, topic, region, title);
            if (kj_db_commit(db)) { kj_db_rollback(db); rc = refuse(fail, KJ_E_INTERNAL, "err.internal", NULL); }
        }
    }
    free(held);
    return rc;
}

int kj_fed_inbox_answer(kj_db *db, json_t *peer, json_t *msg, kj_err *fail)
{
    const char *id = kj_jstr(msg, "id"), *qid = kj_jstr(msg, "question_id"), *body = kj_jstr(msg, "body");
    json_t *author = json_object_get(msg, "author");
    const char *aid = kj_jstr(author, "id"), *name = kj_jstr(author, "name"), *org = kj_jstr(author, "org_name");
    if (!kj_id_valid(id) || !kj_id_valid(qid) || !text_ok(body, 1, 20000) || !kj_id_valid(aid) || !text_ok(name, 1, 60) ||
        (org && !text_ok(org, 0, 100)))
        return refuse(fail, KJ_E_INVALID, "err.fed.bad_message", NULL);
    if (kj_db_begin(db)) return refuse(fail, KJ_E_INTERNAL, "err.internal", NULL);
    int rc = 0;
    /* Only the peer the question went to answers it here. */
    json_t *q = kj_db_row(db, "SELECT q.author_id, q.title, f.peer_id FROM popsci_questions q "
                              "JOIN fed_questions f ON f.question_id = q.id AND f.direction = 'out' WHERE q.id = ?", "s", qid);
    char expert[KJ_ID_LEN + 1];
    if (!q || strcmp(kj_jstr_or_empty(q, "peer_id"), kj_jstr(peer, "id"))) {
        kj_db_rollback(db);
        if (q) kj_fed_event(db, kj_jstr(peer, "id"), "wrong_origin", "an answer to a question sent to another instance");
        rc = refuse(fail, KJ_E_NOT_FOUND, "err.not_found", NULL);
    } else if (kj_db_int(db, 0, "SELECT count(*) FROM popsci_answers WHERE id = ?", "s", id) > 0) {
        kj_db_rollback(db);   /* taken before: once */
    } else {
        char link[64];
        snprintf(link, sizeof link, "/popsci/questions/%s", qid);
        if (kj_fed_remote_sender(db, peer, aid, name, org && *org ? org : NULL, expert) ||
            kj_db_exec(db, "INSERT INTO popsci_answers(id, origin, question_id, author_id, body, created_at) VALUES (?,?,?,?,?,?)",
                       "sssssi", id, kj_jstr(peer, "instance_id"), qid, expert, body, kj_now_ms()) < 0 ||
            kj_notify(db, kj_jstr(q, "author_id"), "popsci_answered", kj_jstr(q, "title"), link) < 0 || kj_db_commit(db)) {
            kj_db_rollback(db);
            rc = refuse(fail, KJ_E_INTERNAL, "err.internal", NULL);
        }
    }
    json_decref(q);
    return rc;
}

void kj_fed_question_view(kj_db *db, json_t *q)
{
    const char *id = kj_jstr(q, "id");
    if (!kj_id_valid(id)) return;
    json_t *r = kj_db_row(db, "SELECT f.direction, f.delivered_at, p.name_zh AS name, p.name_en, p.url, p.instance_id "
                              "FROM fed_questions f JOIN fed_peers p ON p.id = f.peer_id WHERE f.question_id = ?", "s", id);
    if (r) json_object_set_new(q, "remote", r);
}
