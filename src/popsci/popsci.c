/*
 * popsci.c — popular-science content, review, corrections, images,
 * needs profiles and reading events, urgent notices, statistics with
 * k-anonymity and the Atom feed. The feed ranking lives in feed.c, the
 * ask-an-expert service in questions.c.
 */
#include "popsci/popsci.h"
#include "ref/regions.h"
#include "core/json_util.h"
#include "authz/authz.h"
#include "popsci/popsci_int.h"
#include "account/account.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/origin.h"
#include "ref/refdata.h"
#include "text/markdown.h"
#include "notify/notify.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const kj_popsci_kinds[] = { "article", "video", "course", NULL };
const char *const kj_popsci_audiences[] = { "rural", "urban", "youth", "elderly", "everyone", NULL };
const char *const kj_popsci_event_kinds[] = { "open", "finish", "like", "useful", NULL };

static void noop_hook(kj_db *db, const char *user_id, const char *notice_id) { (void)db; (void)user_id; (void)notice_id; }
void (*kj_popsci_notice_hook)(kj_db *db, const char *user_id, const char *notice_id) = noop_hook;

/* ---- small helpers (shared through popsci_int.h) ---- */

const char *kj_ps_str(json_t *o, const char *k) { return kj_jstr(o, k); }

const char *kj_ps_or(const char *s) { return s ? s : ""; }

void kj_ps_err(json_t *errors, const char *field, const char *key)
{
    if (!json_object_get(errors, field)) json_object_set_new(errors, field, json_string(key));
}

int kj_ps_fail(kj_err *e, int kind)
{
    if (kind == KJ_E_NONE) return 0;
    const char *field = "form";
    json_t *key = json_object_get(e->fields, "form");
    if (!key) {
        const char *f;
        json_t *v;
        json_object_foreach(e->fields, f, v) { field = f; key = v; break; }
    }
    kj_err_set(e, (kj_err_kind)kind, json_is_string(key) ? json_string_value(key) : "err.internal", field);
    return -1;
}

const char *kj_ps_uid(json_t *user) { return kj_ps_str(user, "id"); }

bool kj_ps_staff(json_t *user)
{
    const char *r = kj_ps_or(kj_ps_str(user, "role"));
    return !strcmp(r, "operator") || !strcmp(r, "admin");
}

bool kj_ps_in_set(const char *const *set, const char *v)
{
    for (; v && *set; set++)
        if (!strcmp(*set, v)) return true;
    return false;
}

/* Text length in characters (UTF-8 code points). */
size_t kj_ps_chars(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

bool kj_ps_has_word(const char *list, const char *w)
{
    if (!list || !w || !*w) return false;
    size_t n = strlen(w);
    for (const char *p = strstr(list, w); p; p = strstr(p + 1, w))
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0)) return true;
    return false;
}

/* ---- topics and regions ---- */

static pthread_mutex_t topics_lock = PTHREAD_MUTEX_INITIALIZER;
static bool topics_loaded;   /* guarded by topics_lock */

static int topic_row(void *ctx, char **f, int n, int lineno)
{
    (void)lineno;
    if (n < 3) return 0;
    return kj_db_exec((kj_db *)ctx, "INSERT INTO popsci_topics(code, name_zh, name_en, months) VALUES (?,?,?,?) "
                      "ON CONFLICT(code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, "
                      "months = excluded.months", "ssss", f[0], f[1], f[2], n > 3 ? f[3] : "") < 0 ? -2 : 0;
}

int kj_popsci_ensure_topics(kj_db *db, const char *root)
{
    pthread_mutex_lock(&topics_lock);
    int rc = 0;
    if (!topics_loaded) {
        char path[1200];
        snprintf(path, sizeof path, "%s/data/popsci_topics.tsv", root);
        if (kj_db_begin(db) == 0) {
            rc = kj_tsv_each(path, topic_row, db);
            if (rc) kj_db_rollback(db);
            else rc = kj_db_commit(db);
        }
        topics_loaded = rc == 0;
    }
    pthread_mutex_unlock(&topics_lock);
    return rc ? -1 : 0;
}

json_t *kj_popsci_topics(kj_db *db)
{
    json_t *r = kj_db_rows(db, "SELECT code, name_zh, name_en, months FROM popsci_topics ORDER BY code", "");
    return r ? r : json_array();
}

bool kj_popsci_topic_known(kj_db *db, const char *code)
{
    return code && *code && kj_db_int(db, 0, "SELECT count(*) FROM popsci_topics WHERE code = ?", "s", code) > 0;
}

bool kj_popsci_region_known(kj_db *db, const char *code)
{
    return code && *code && kj_db_int(db, 0, "SELECT count(*) FROM regions WHERE code = ?", "s", code) > 0;
}

bool kj_popsci_region_within(const char *outer, const char *inner)
{
    return kj_authz_region_covers(outer, inner);   /* the tree's parents, not prefixes */
}

static bool is_en(const char *lang) { return lang && !strncmp(lang, "en", 2); }

char *kj_popsci_topic_name(kj_db *db, const char *code, const char *lang)
{
    return kj_db_text(db, is_en(lang) ? "SELECT name_en FROM popsci_topics WHERE code = ?"
                                      : "SELECT name_zh FROM popsci_topics WHERE code = ?", "s", code ? code : "");
}

char *kj_popsci_region_name(kj_db *db, const char *code, const char *lang)
{
    return kj_db_text(db, is_en(lang) ? "SELECT name_en FROM regions WHERE code = ?"
                                      : "SELECT name_zh FROM regions WHERE code = ?", "s", code ? code : "");
}

/* ---- lists ---- */

void kj_popsci_join_list(json_t *v, kj_buf *out)
{
    kj_buf_puts(out, " ");
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
            if (json_is_string(e) && *json_string_value(e) && !strchr(json_string_value(e), ' ')) {
                kj_buf_puts(out, json_string_value(e));
                kj_buf_puts(out, " ");
            }
        return;
    }
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    for (const char *p = s; *p; p++) {
        bool sep = *p == ' ' || *p == ',' || *p == '\n' || *p == '\r' || *p == '\t';
        if (!sep) kj_buf_append(out, p, 1);
        else if (out->len && out->data[out->len - 1] != ' ') kj_buf_puts(out, " ");
    }
    if (out->data[out->len - 1] != ' ') kj_buf_puts(out, " ");
}

json_t *kj_popsci_split_list(const char *s)
{
    json_t *a = json_array();
    const char *p = s ? s : "";
    while (*p) {
        while (*p == ' ') p++;
        const char *e = p;
        while (*e && *e != ' ') e++;
        if (e > p) json_array_append_new(a, json_stringn(p, (size_t)(e - p)));
        p = e;
    }
    return a;
}

/* Checks every code of " a b " with known(); the first unknown one is an
 * error on field. */
static void check_codes(kj_db *db, const char *list, bool (*known)(kj_db *, const char *), json_t *errors,
                        const char *field, const char *key)
{
    json_t *a = kj_popsci_split_list(list);
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e)
        if (!known(db, json_string_value(e))) kj_ps_err(errors, field, key);
    json_decref(a);
}

/* ---- content ---- */

static const char *content_in_str(json_t *in, const char *k) { return kj_ps_or(kj_ps_str(in, k)); }

/* Validates in for kind (article/video/course/notice); fills regions and
 * items in " a b " form. */
void kj_ps_check_content(kj_db *db, const char *kind, json_t *in, kj_buf *regions, kj_buf *items, json_t *errors)
{
    const char *title = content_in_str(in, "title"), *body = content_in_str(in, "body");
    if (!*title) kj_ps_err(errors, "title", "popsci.err.title_required");
    else if (kj_ps_chars(title) > KJ_POPSCI_TITLE_MAX) kj_ps_err(errors, "title", "popsci.err.title_long");
    if (kj_ps_chars(content_in_str(in, "summary")) > KJ_POPSCI_SUMMARY_MAX) kj_ps_err(errors, "summary", "popsci.err.summary_long");
    if (kj_ps_chars(body) > KJ_POPSCI_BODY_MAX) kj_ps_err(errors, "body", "popsci.err.body_long");
    if (!kj_popsci_topic_known(db, kj_ps_str(in, "topic"))) kj_ps_err(errors, "topic", "popsci.err.topic_unknown");
    const char *aud = kj_ps_str(in, "audience");
    if (aud && *aud && !kj_ps_in_set(kj_popsci_audiences, aud)) kj_ps_err(errors, "audience", "popsci.err.audience");
    kj_popsci_join_list(json_object_get(in, "regions"), regions);
    check_codes(db, regions->data, kj_popsci_region_known, errors, "regions", "popsci.err.region_unknown");
    kj_popsci_join_list(json_object_get(in, "items"), items);
    if (!strcmp(kind, "article") && !*body) kj_ps_err(errors, "body", "popsci.err.body_required");
    if (!strcmp(kind, "video")) {
        /* A link (https) or an uploaded file (video_id, set by the web
         * layer after storing it), or both. */
        const char *url = content_in_str(in, "video_url"), *vid = content_in_str(in, "video_id");
        bool have_file = *vid && kj_db_int(db, 0, "SELECT count(*) FROM media_videos WHERE id = ?", "s", vid) > 0;
        if ((*url || !have_file) && (strncmp(url, "https://", 8) || strlen(url) < 12 || strpbrk(url, " \"<>'")))
            kj_ps_err(errors, "video_url", have_file || *url ? "popsci.err.video_url" : "popsci.err.video_required");
    }
    if (!strcmp(kind, "course")) {
        json_t *a = kj_popsci_split_list(items->data);
        if (!json_array_size(a)) kj_ps_err(errors, "items", "popsci.err.items_required");
        size_t i;
        json_t *e;
        json_array_foreach(a, i, e)
            if (kj_db_int(db, 0, "SELECT count(*) FROM popsci_content WHERE id = ? AND kind IN ('article','video') "
                          "AND status = 'published'", "s", json_string_value(e)) == 0)
                kj_ps_err(errors, "items", "popsci.err.item_unknown");
        json_decref(a);
    }
}

static int insert_content(kj_db *db, const char *uid, const char *kind, json_t *in, const char *regions,
                          const char *items, const char *status, int64_t urgent_until, const char *question_id,
                          char *id_out)
{
    kj_id id = kj_id_new();
    int64_t now = kj_now_ms();
    const char *aud = kj_ps_str(in, "audience");
    const char *lang = kj_ps_str(in, "lang");
    int rc = kj_db_exec(db,
        "INSERT INTO popsci_content(id, origin, kind, title, summary, body, topic, audience, regions, lang, source, "
        "video_url, transcript, items, author_id, status, reviewer_id, urgent_until, question_id, created_at, published_at, "
        "video_id, submitted_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        "sssssssssssssssss" "isii" "sii", id.s, kj_instance_id(db), kind, content_in_str(in, "title"),
        content_in_str(in, "summary"), content_in_str(in, "body"), content_in_str(in, "topic"),
        aud && *aud ? aud : "everyone", regions, lang && *lang ? lang : "zh-CN", content_in_str(in, "source"),
        content_in_str(in, "video_url"), content_in_str(in, "transcript"), items, uid, status,
        !strcmp(status, "published") ? uid : NULL, urgent_until, question_id, now,
        !strcmp(status, "published") ? now : (int64_t)0, *content_in_str(in, "video_id") ? kj_ps_str(in, "video_id") : NULL,
        !strcmp(status, "submitted") ? now : (int64_t)0, now);
    if (rc < 0) return -1;
    memcpy(id_out, id.s, KJ_ID_LEN + 1);
    return 0;
}

int kj_popsci_create(kj_db *db, json_t *user, json_t *in, char *id_out, kj_err *perr)
{
    json_t *errors = perr->fields;
    if (!kj_ps_uid(user)) { kj_ps_err(errors, "form", "err.forbidden"); return kj_ps_fail(perr, KJ_E_FORBIDDEN); }
    const char *kind = kj_ps_str(in, "kind");
    if (!kind || !*kind) kind = "article";
    if (!kj_ps_in_set(kj_popsci_kinds, kind)) { kj_ps_err(errors, "kind", "popsci.err.kind"); return kj_ps_fail(perr, KJ_E_INVALID); }
    kj_buf regions = { 0 }, items = { 0 };
    kj_ps_check_content(db, kind, in, &regions, &items, errors);
    int st = json_object_size(errors) ? KJ_E_INVALID : 0;
    if (!st && insert_content(db, kj_ps_uid(user), kind, in, regions.data, items.data, "submitted", 0, NULL, id_out))
        { kj_ps_err(errors, "form", "err.internal"); st = KJ_E_INTERNAL; }
    kj_buf_free(&regions);
    kj_buf_free(&items);
    return kj_ps_fail(perr, st);
}

int kj_popsci_image_link(kj_db *db, const char *attach_id, const char *owner_id, const char *content_id,
                         const char *question_id, bool poster)
{
    if (kj_db_exec(db, "INSERT INTO popsci_images(attach_id, owner_id, content_id, question_id, created_at) "
                   "VALUES (?,?,?,?,?)", "ssssi", attach_id, owner_id, content_id, question_id, kj_now_ms()) < 0)
        return -1;
    if (poster && content_id &&
        kj_db_exec(db, "UPDATE popsci_content SET poster_id = ?, updated_at = ? WHERE id = ?", "sis", attach_id, kj_now_ms(), content_id) < 0)
        return -1;
    return 0;
}

/* True when viewer may review (or authored) unpublished content id. */
static bool reviews_content(kj_db *db, const char *content_id, json_t *viewer)
{
    json_t *c = content_id && kj_ps_uid(viewer)
        ? kj_db_row(db, "SELECT author_id, regions FROM popsci_content WHERE id = ?", "s", content_id) : NULL;
    bool ok = c && (kj_ps_may_review(viewer, c) || !strcmp(kj_ps_uid(viewer), kj_ps_or(kj_ps_str(c, "author_id"))));
    json_decref(c);
    return ok;
}

bool kj_popsci_image_visible(kj_db *db, const char *attach_id, json_t *viewer)
{
    json_t *r = kj_db_row(db, "SELECT i.owner_id, i.question_id, i.content_id, c.status FROM popsci_images i "
                          "LEFT JOIN popsci_content c ON c.id = i.content_id WHERE i.attach_id = ?", "s", attach_id);
    if (!r) return false;
    const char *viewer_id = kj_ps_uid(viewer);
    bool ok = kj_ps_str(r, "question_id") || !strcmp(kj_ps_or(kj_ps_str(r, "status")), "published") ||
              (viewer_id && !strcmp(viewer_id, kj_ps_or(kj_ps_str(r, "owner_id")))) ||
              reviews_content(db, kj_ps_str(r, "content_id"), viewer);
    json_decref(r);
    return ok;
}

bool kj_popsci_video_visible(kj_db *db, const char *video_id, json_t *viewer)
{
    if (!video_id || !*video_id) return false;
    if (kj_db_int(db, 0, "SELECT count(*) FROM popsci_content WHERE video_id = ? AND status = 'published'", "s",
                  video_id) > 0) return true;
    const char *viewer_id = kj_ps_uid(viewer);
    if (viewer_id && kj_db_int(db, 0, "SELECT count(*) FROM media_videos WHERE id = ? AND owner_id = ?", "ss",
                               video_id, viewer_id) > 0) return true;
    char *cid = viewer_id ? kj_db_text(db, "SELECT id FROM popsci_content WHERE video_id = ? LIMIT 1", "s", video_id) : NULL;
    bool ok = reviews_content(db, cid, viewer);
    free(cid);
    return ok;
}

bool kj_ps_may_review(json_t *user, json_t *c)
{
    const char *uid = kj_ps_uid(user), *role = kj_ps_or(kj_ps_str(user, "role"));
    if (!uid || !strcmp(uid, kj_ps_or(kj_ps_str(c, "author_id")))) return false;
    if (!strcmp(role, "admin")) return true;
    if (strcmp(role, "operator")) return false;
    json_t *regs = kj_popsci_split_list(kj_ps_str(c, "regions"));
    bool ok = json_array_size(regs) == 0;
    size_t i;
    json_t *e;
    json_array_foreach(regs, i, e)
        if (kj_authz_can_review_region(user, json_string_value(e))) ok = true;
    json_decref(regs);
    return ok;
}

json_t *kj_ps_content_row(kj_db *db, const char *id)
{
    return kj_db_row(db, "SELECT c.*, u.name AS author_name, rv.name AS reviewer_name, t.name_zh AS topic_zh, "
                     "t.name_en AS topic_en FROM popsci_content c JOIN users u ON u.id = c.author_id "
                     "LEFT JOIN users rv ON rv.id = c.reviewer_id "
                     "LEFT JOIN popsci_topics t ON t.code = c.topic WHERE c.id = ?", "s", id ? id : "");
}

json_t *kj_popsci_view(kj_db *db, const char *id, json_t *viewer)
{
    json_t *c = kj_ps_content_row(db, id);
    if (!c) return NULL;
    const char *uid = kj_ps_uid(viewer);
    bool author = uid && !strcmp(uid, kj_ps_or(kj_ps_str(c, "author_id")));
    bool reviewer = kj_ps_may_review(viewer, c);
    if (strcmp(kj_ps_or(kj_ps_str(c, "status")), "published") && !author && !reviewer) { json_decref(c); return NULL; }
    const char *body = kj_ps_or(kj_ps_str(c, "body"));
    char *html = kj_markdown_to_html(body, strlen(body), NULL);
    json_object_set_new(c, "body_html", json_string(html ? html : ""));
    free(html);
    json_object_set_new(c, "regions", kj_popsci_split_list(kj_ps_str(c, "regions")));
    json_object_set_new(c, "items", kj_popsci_split_list(kj_ps_str(c, "items")));
    json_t *imgs = kj_db_rows(db, "SELECT attach_id AS id FROM popsci_images WHERE content_id = ? ORDER BY created_at",
                              "s", kj_ps_str(c, "id"));
    json_object_set_new(c, "images", imgs ? imgs : json_array());
    json_t *corr = kj_db_rows(db, "SELECT note, created_at FROM popsci_corrections WHERE content_id = ? "
                              "ORDER BY created_at", "s", kj_ps_str(c, "id"));
    json_object_set_new(c, "corrections", corr ? corr : json_array());
    json_object_set_new(c, "views", json_integer(kj_db_int(db, 0, "SELECT count(*) FROM popsci_events WHERE "
                        "content_id = ? AND kind = 'open'", "s", kj_ps_str(c, "id"))));
    json_object_set_new(c, "useful", json_integer(kj_db_int(db, 0, "SELECT count(*) FROM popsci_events WHERE "
                        "content_id = ? AND kind = 'useful'", "s", kj_ps_str(c, "id"))));
    json_object_set_new(c, "is_author", json_boolean(author));
    json_object_set_new(c, "can_review", json_boolean(reviewer));
    json_t *rev = author || reviewer ? kj_popsci_revision(db, kj_ps_str(c, "id")) : NULL;
    if (rev) json_object_set_new(c, "revision", rev);
    return c;
}

int kj_popsci_review(kj_db *db, json_t *user, const char *id, const char *action, const char *reason, kj_err *perr)
{
    json_t *errors = perr->fields;
    json_t *c = kj_ps_content_row(db, id);
    if (!c) { kj_ps_err(errors, "form", "err.not_found"); return kj_ps_fail(perr, KJ_E_NOT_FOUND); }
    const char *status = kj_ps_or(kj_ps_str(c, "status"));
    if (!strcmp(status, "published") && kj_ps_revision_pending(db, id)) {
        int rst = kj_ps_review_revision(db, user, c, action, reason, perr);
        json_decref(c);
        return rst;
    }
    bool submit = action && !strcmp(action, "submit");
    int st = 0;
    if (submit ? strcmp(kj_ps_or(kj_ps_uid(user)), kj_ps_str(c, "author_id")) : !kj_ps_may_review(user, c))
        { kj_ps_err(errors, "form", "err.forbidden"); st = KJ_E_FORBIDDEN; }
    else if (strcmp(status, submit ? "rejected" : "submitted"))
        { kj_ps_err(errors, "form", "popsci.err.state"); st = KJ_E_CONFLICT; }
    else if (action && !strcmp(action, "reject") && (!reason || !*reason))
        { kj_ps_err(errors, "reason", "popsci.err.reason_required"); st = KJ_E_INVALID; }
    else if (!action || (!submit && strcmp(action, "approve") && strcmp(action, "reject")))
        { kj_ps_err(errors, "action", "popsci.err.action"); st = KJ_E_INVALID; }
    if (!st) {
        char link[64];
        snprintf(link, sizeof link, "/popsci/%s", id);
        const char *to = submit ? "submitted" : !strcmp(action, "approve") ? "published" : "rejected";
        /* Sent back for review: the review clock starts again (route.h). */
        int64_t now = kj_now_ms();
        if (kj_db_exec(db, "UPDATE popsci_content SET status = ?, reject_reason = ?, reviewer_id = ?, updated_at = ?, "
                       "published_at = CASE WHEN ? = 'published' THEN ? ELSE published_at END, "
                       "submitted_at = CASE WHEN ? = 'submitted' THEN ? ELSE submitted_at END WHERE id = ?",
                       "sssisisis", to, !strcmp(to, "rejected") ? reason : "", submit ? NULL : kj_ps_uid(user), now, to,
                       now, to, now, id) < 0) { kj_ps_err(errors, "form", "err.internal"); st = KJ_E_INTERNAL; }
        else if (!submit)
            kj_notify(db, kj_ps_str(c, "author_id"), !strcmp(to, "published") ? "popsci_published" : "popsci_rejected",
                      kj_ps_str(c, "title"), link);
    }
    json_decref(c);
    return kj_ps_fail(perr, st);
}

int kj_popsci_correct(kj_db *db, json_t *user, const char *id, const char *note, kj_err *perr)
{
    json_t *errors = perr->fields;
    json_t *c = kj_ps_content_row(db, id);
    if (!c) { kj_ps_err(errors, "form", "err.not_found"); return kj_ps_fail(perr, KJ_E_NOT_FOUND); }
    bool author = !strcmp(kj_ps_or(kj_ps_uid(user)), kj_ps_or(kj_ps_str(c, "author_id")));
    int st = 0;
    if (!author && !kj_ps_may_review(user, c)) { kj_ps_err(errors, "form", "err.forbidden"); st = KJ_E_FORBIDDEN; }
    else if (strcmp(kj_ps_or(kj_ps_str(c, "status")), "published")) { kj_ps_err(errors, "form", "popsci.err.state"); st = KJ_E_CONFLICT; }
    else if (!note || !*note) { kj_ps_err(errors, "note", "popsci.err.note_required"); st = KJ_E_INVALID; }
    else {
        kj_id cid = kj_id_new();
        if (kj_db_exec(db, "INSERT INTO popsci_corrections(id, origin, content_id, author_id, note, created_at) "
                       "VALUES (?,?,?,?,?,?)", "sssssi", cid.s, kj_instance_id(db), id, kj_ps_uid(user), note, kj_now_ms()) < 0)
            { kj_ps_err(errors, "form", "err.internal"); st = KJ_E_INTERNAL; }
    }
    json_decref(c);
    return kj_ps_fail(perr, st);
}

#define SUMMARY_COLS "c.id, c.origin, c.kind, c.title, c.summary, c.topic, c.audience, c.regions, c.published_at, " \
                     "c.urgent_until, c.poster_id, c.status, t.name_zh AS topic_zh, t.name_en AS topic_en "

json_t *kj_popsci_list(kj_db *db, const char *topic, const char *region, int limit, int offset)
{
    return kj_popsci_list_from(db, topic, region, NULL, limit, offset);
}

json_t *kj_popsci_list_from(kj_db *db, const char *topic, const char *region, const char *origin, int limit, int offset)
{
    kj_buf sql = { 0 };
    json_t *p = json_array();
    kj_buf_puts(&sql, "SELECT " SUMMARY_COLS "FROM popsci_content c LEFT JOIN popsci_topics t ON t.code = c.topic "
                      "WHERE c.status = 'published'");
    /* Federation: this instance's own (local), peers' (remote), or one instance's. */
    kj_origin_filter_sql(&sql, p, "c.origin", origin);   /* core/origin.h */
    if (topic && *topic) { kj_buf_puts(&sql, " AND c.topic = ?"); json_array_append_new(p, json_string(topic)); }
    if (region && *region) {
        /* Content for everywhere, or naming the region, one of its
         * ancestors (by the tree) or one of its descendants (its subtree). */
        kj_buf_puts(&sql, " AND (c.regions = '' OR EXISTS (SELECT 1 FROM " KJ_REGION_SUBTREE_SQL
                          " s WHERE instr(c.regions, ' ' || s.code || ' ') > 0)");
        json_array_append_new(p, json_string(region));
        for (int d = kj_region_depth(region) - 1; d >= 0; d--) {
            kj_buf_puts(&sql, " OR instr(c.regions, ?) > 0");
            json_array_append_new(p, json_pack("s+++", " ", kj_region_ancestor_code(region, d), " ", ""));
        }
        kj_buf_puts(&sql, ")");
    }
    kj_buf_printf(&sql, " ORDER BY c.published_at DESC, c.id DESC LIMIT %d OFFSET %d", limit, offset);
    json_t *r = kj_db_rows_j(db, sql.data, p);
    kj_buf_free(&sql);
    json_decref(p);
    return r ? r : json_array();
}

json_t *kj_popsci_review_queue(kj_db *db, json_t *user)
{
    /* submitted_at: the last submission (a rejected item sent back starts
     * its review clock again); 0 before migration 034 knew it. */
    json_t *all = kj_db_rows(db, "SELECT " SUMMARY_COLS ", c.author_id, "
                             "CASE WHEN c.submitted_at > 0 THEN c.submitted_at ELSE c.created_at END AS submitted_at, "
                             "(SELECT u.name FROM users u WHERE u.id = c.author_id) AS author_name FROM popsci_content c "
                             "LEFT JOIN popsci_topics t ON t.code = c.topic WHERE c.status = 'submitted' "
                             "ORDER BY submitted_at", "");
    json_t *edits = kj_db_rows(db, "SELECT " SUMMARY_COLS ", c.author_id, 1 AS revision, r.created_at AS submitted_at, "
                               "(SELECT u.name FROM users u WHERE u.id = c.author_id) AS author_name FROM popsci_revisions r "
                               "JOIN popsci_content c ON c.id = r.content_id LEFT JOIN popsci_topics t ON t.code = c.topic "
                               "WHERE r.status = 'submitted' ORDER BY r.created_at", "");
    json_t *out = json_array();
    json_t *lists[2] = { all, edits };
    for (int k = 0; k < 2; k++) {
        size_t i;
        json_t *c;
        json_array_foreach(lists[k], i, c)
            if (kj_ps_may_review(user, c)) {
                if (k) json_object_set_new(c, "revision", json_true());
                json_array_append(out, c);
            }
        json_decref(lists[k]);
    }
    return out;
}

json_t *kj_popsci_mine(kj_db *db, json_t *user)
{
    json_t *r = kj_db_rows(db, "SELECT " SUMMARY_COLS ", c.reject_reason FROM popsci_content c "
                           "LEFT JOIN popsci_topics t ON t.code = c.topic WHERE c.author_id = ? "
                           "ORDER BY c.created_at DESC", "s", kj_ps_or(kj_ps_uid(user)));
    return r ? r : json_array();
}

/* ---- urgent notices ---- */

int kj_popsci_notice(kj_db *db, json_t *user, json_t *in, char *id_out, kj_err *perr)
{
    json_t *errors = perr->fields;
    if (!kj_ps_staff(user)) { kj_ps_err(errors, "form", "err.forbidden"); return kj_ps_fail(perr, KJ_E_FORBIDDEN); }
    const char *region = kj_ps_str(in, "region");
    if (!kj_popsci_region_known(db, region)) { kj_ps_err(errors, "region", "popsci.err.region_unknown"); return kj_ps_fail(perr, KJ_E_INVALID); }
    if (!kj_authz_can_review_region(user, region)) { kj_ps_err(errors, "region", "popsci.err.region_not_yours"); return kj_ps_fail(perr, KJ_E_FORBIDDEN); }
    json_t *copy = json_deep_copy(in);
    json_object_set_new(copy, "regions", json_string(region));
    kj_buf regions = { 0 }, items = { 0 };
    kj_ps_check_content(db, "notice", copy, &regions, &items, errors);
    json_int_t hours = json_integer_value(json_object_get(in, "hours"));
    if (hours <= 0) hours = 72;
    int st = json_object_size(errors) ? KJ_E_INVALID : 0;
    if (!st) {
        if (kj_db_begin(db) || insert_content(db, kj_ps_uid(user), "notice", copy, regions.data, "", "published",
                           kj_now_ms() + (int64_t)hours * 3600000, NULL, id_out)) {
            kj_db_rollback(db);
            kj_ps_err(errors, "form", "err.internal");
            st = KJ_E_INTERNAL;
        } else {
            json_t *subs = kj_db_rows(db, "SELECT user_id, region FROM popsci_profiles WHERE region IS NOT NULL", "");
            size_t i;
            json_t *s;
            char link[64];
            snprintf(link, sizeof link, "/popsci/%s", id_out);
            json_array_foreach(subs, i, s)
                if (kj_popsci_region_within(region, kj_ps_str(s, "region"))) {
                    kj_notify(db, kj_ps_str(s, "user_id"), "popsci_notice", kj_ps_str(copy, "title"), link);
                    kj_popsci_notice_hook(db, kj_ps_str(s, "user_id"), id_out);
                }
            json_decref(subs);
            if (kj_db_commit(db)) { kj_ps_err(errors, "form", "err.internal"); st = KJ_E_INTERNAL; }
        }
    }
    kj_buf_free(&regions);
    kj_buf_free(&items);
    json_decref(copy);
    return kj_ps_fail(perr, st);
}

/* ---- profile and history ---- */

json_t *kj_popsci_profile(kj_db *db, const char *user_id)
{
    json_t *p = kj_db_row(db, "SELECT topics, region, crops, audience, updated_at FROM popsci_profiles WHERE user_id = ?",
                          "s", user_id);
    bool exists = p != NULL;
    if (!p) p = json_pack("{s:s, s:n, s:s, s:s, s:n}", "topics", "", "region", "crops", "", "audience", "everyone",
                          "updated_at");
    json_object_set_new(p, "exists", json_boolean(exists));
    json_object_set_new(p, "topics", kj_popsci_split_list(kj_ps_str(p, "topics")));
    json_t *learned = kj_db_rows(db, "SELECT topic, count(*) AS n FROM popsci_events WHERE user_id = ? "
                                 "AND kind IN ('finish','like','useful') GROUP BY topic ORDER BY n DESC, topic LIMIT 5",
                                 "s", user_id);
    json_object_set_new(p, "learned_topics", learned ? learned : json_array());
    json_object_set_new(p, "events", json_integer(kj_db_int(db, 0, "SELECT count(*) FROM popsci_events WHERE user_id = ?",
                                                            "s", user_id)));
    return p;
}

int kj_popsci_profile_set(kj_db *db, const char *user_id, json_t *in, kj_err *perr)
{
    json_t *errors = perr->fields;
    kj_buf topics = { 0 };
    kj_popsci_join_list(json_object_get(in, "topics"), &topics);
    check_codes(db, topics.data, kj_popsci_topic_known, errors, "topics", "popsci.err.topic_unknown");
    const char *region = kj_ps_str(in, "region"), *aud = kj_ps_str(in, "audience"), *crops = kj_ps_str(in, "crops");
    if (region && *region && !kj_popsci_region_known(db, region)) kj_ps_err(errors, "region", "popsci.err.region_unknown");
    if (aud && *aud && !kj_ps_in_set(kj_popsci_audiences, aud)) kj_ps_err(errors, "audience", "popsci.err.audience");
    if (kj_ps_chars(crops) > 200) kj_ps_err(errors, "crops", "popsci.err.crops_long");
    int st = json_object_size(errors) ? KJ_E_INVALID : 0;
    if (!st && kj_db_exec(db, "INSERT INTO popsci_profiles(user_id, topics, region, crops, audience, updated_at) "
                          "VALUES (?,?,?,?,?,?) ON CONFLICT(user_id) DO UPDATE SET topics = excluded.topics, "
                          "region = excluded.region, crops = excluded.crops, audience = excluded.audience, "
                          "updated_at = excluded.updated_at", "sssssi", user_id, topics.data,
                          region && *region ? region : NULL, kj_ps_or(crops), aud && *aud ? aud : "everyone",
                          kj_now_ms()) < 0)
        { kj_ps_err(errors, "form", "err.internal"); st = KJ_E_INTERNAL; }
    kj_buf_free(&topics);
    return kj_ps_fail(perr, st);
}

int kj_popsci_profile_delete(kj_db *db, const char *user_id)
{
    if (kj_db_begin(db)) return -1;
    int a = kj_db_exec(db, "DELETE FROM popsci_events WHERE user_id = ?", "s", user_id);
    int b = kj_db_exec(db, "DELETE FROM popsci_profiles WHERE user_id = ?", "s", user_id);
    if (a < 0 || b < 0) { kj_db_rollback(db); return -1; }
    return kj_db_commit(db);
}

int kj_popsci_event(kj_db *db, json_t *user, const char *content_id, const char *kind, kj_err *perr)
{
    json_t *errors = perr->fields;
    if (!kj_ps_in_set(kj_popsci_event_kinds, kind)) { kj_ps_err(errors, "kind", "popsci.err.event_kind"); return kj_ps_fail(perr, KJ_E_INVALID); }
    json_t *c = kj_db_row(db, "SELECT topic FROM popsci_content WHERE id = ? AND status = 'published'", "s",
                          content_id ? content_id : "");
    if (!c) { kj_ps_err(errors, "form", "err.not_found"); return kj_ps_fail(perr, KJ_E_NOT_FOUND); }
    char *region = kj_db_text(db, "SELECT region FROM popsci_profiles WHERE user_id = ?", "s", kj_ps_uid(user));
    const char *r = region && *region ? region : kj_ps_or(kj_ps_str(user, "region"));
    int rc = kj_db_exec(db, "INSERT INTO popsci_events(user_id, content_id, kind, topic, region, at) VALUES (?,?,?,?,?,?) "
                        "ON CONFLICT DO NOTHING", "sssssi", kj_ps_uid(user), content_id, kind, kj_ps_str(c, "topic"), r,
                        kj_now_ms());
    free(region);
    json_decref(c);
    if (rc < 0) { kj_ps_err(errors, "form", "err.internal"); return kj_ps_fail(perr, KJ_E_INTERNAL); }
    return 0;
}

/* ---- statistics ---- */

/* Keeps the rows whose "people" reaches KJ_POPSCI_K; counts the others. */
static json_t *k_filter(json_t *rows, int64_t *suppressed)
{
    json_t *out = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        if (json_integer_value(json_object_get(r, "people")) >= KJ_POPSCI_K) json_array_append(out, r);
        else (*suppressed)++;
    }
    json_decref(rows);
    return out;
}

json_t *kj_popsci_stats(kj_db *db)
{
    int64_t suppressed = 0;
    json_t *reading = kj_db_rows(db,
        "SELECT topic, region, count(DISTINCT user_id) AS people, "
        "sum(CASE WHEN kind = 'open' THEN 1 ELSE 0 END) AS views, "
        "sum(CASE WHEN kind = 'finish' THEN 1 ELSE 0 END) AS completions, "
        "sum(CASE WHEN kind = 'useful' THEN 1 ELSE 0 END) AS useful "
        "FROM popsci_events GROUP BY topic, region ORDER BY topic, region", "");
    json_t *questions = kj_db_rows(db,
        "SELECT topic, region, count(DISTINCT author_id) AS people, count(*) AS asked, "
        "sum(CASE WHEN status = 'answered' THEN 1 ELSE 0 END) AS answered "
        "FROM popsci_questions GROUP BY topic, region ORDER BY topic, region", "");
    json_t *r = k_filter(reading ? reading : json_array(), &suppressed);
    json_t *q = k_filter(questions ? questions : json_array(), &suppressed);
    return json_pack("{s:o, s:o, s:I, s:i}", "reading", r, "questions", q, "suppressed", (json_int_t)suppressed,
                     "k", KJ_POPSCI_K);
}

/* ---- Atom ---- */

/* An Atom date: RFC 3339 in UTC. */
static void atom_time(kj_buf *b, int64_t ms)
{
    char s[32];
    kj_format_iso(ms, s, sizeof s);
    kj_buf_puts(b, s);
}

int kj_popsci_atom(kj_db *db, const char *base_url, const char *topic, const char *region, kj_buf *out)
{
    json_t *items = kj_popsci_list(db, topic, region, 30, 0);
    const char *base = base_url ? base_url : "";
    int64_t updated = json_array_size(items)
        ? json_integer_value(json_object_get(json_array_get(items, 0), "published_at")) : 0;
    kj_buf_puts(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>");
    kj_buf_xml(out, "科普 · kejiyun");
    if (topic && *topic) { kj_buf_puts(out, " · "); kj_buf_xml(out, topic); }
    if (region && *region) { kj_buf_puts(out, " · "); kj_buf_xml(out, region); }
    kj_buf_puts(out, "</title>\n<id>");
    kj_buf_xml(out, base);
    kj_buf_puts(out, "/feeds/popsci.atom");
    if (topic && *topic) { kj_buf_puts(out, "?topic="); kj_buf_xml(out, topic); }
    kj_buf_puts(out, "</id>\n<updated>");
    atom_time(out, updated);
    kj_buf_puts(out, "</updated>\n<link rel=\"alternate\" href=\"");
    kj_buf_xml(out, base);
    kj_buf_puts(out, "/popsci\"/>\n");
    size_t i;
    json_t *c;
    json_array_foreach(items, i, c) {
        kj_buf_puts(out, "<entry>\n<title>");
        kj_buf_xml(out, kj_ps_str(c, "title"));
        kj_buf_puts(out, "</title>\n<id>urn:kejiyun:popsci:");
        kj_buf_xml(out, kj_ps_str(c, "id"));
        kj_buf_puts(out, "</id>\n<link href=\"");
        kj_buf_xml(out, base);
        kj_buf_puts(out, "/popsci/");
        kj_buf_xml(out, kj_ps_str(c, "id"));
        kj_buf_puts(out, "\"/>\n<updated>");
        atom_time(out, json_integer_value(json_object_get(c, "published_at")));
        kj_buf_puts(out, "</updated>\n<category term=\"");
        kj_buf_xml(out, kj_ps_str(c, "topic"));
        kj_buf_puts(out, "\"/>\n<summary>");
        kj_buf_xml(out, kj_ps_str(c, "summary"));
        kj_buf_puts(out, "</summary>\n<author><name>kejiyun</name></author>\n</entry>\n");
    }
    kj_buf_puts(out, "</feed>\n");
    json_decref(items);
    return 0;
}
