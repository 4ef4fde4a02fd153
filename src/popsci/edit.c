/*
 * edit.c — editing popular-science content. A draft (submitted or
 * rejected) changes in place and goes (back) to review. Published content
 * keeps its reviewed text until an operator approves the edit (科学性审核
 * again): the edit waits as a revision, and on approval replaces the
 * text and its note becomes the visible correction note. See popsci.h.
 */
#include "popsci/popsci.h"
#include "popsci/popsci_int.h"
#include "account/account.h"
#include "core/clock.h"
#include "core/id.h"
#include "text/markdown.h"
#include "notify/notify.h"
#include <stdlib.h>
#include <string.h>

#define NOTE_MAX 500

static const char *const editable[] = {
    "title", "summary", "body", "topic", "audience", "regions", "lang", "source", "video_url", "transcript", "items",
    "video_id", NULL
};

/* The editable fields of content row c, overlaid with those present (and
 * not null) in in. New ref. */
static json_t *merged(json_t *c, json_t *in)
{
    json_t *m = json_object();
    for (const char *const *f = editable; *f; f++) {
        json_t *v = json_object_get(in, *f);
        if (!v || json_is_null(v)) v = json_object_get(c, *f);
        if (v) json_object_set(m, *f, v);
        else json_object_set_new(m, *f, json_string(""));
    }
    return m;
}

static const char *field(json_t *f, const char *k) { return kj_ps_or(kj_ps_str(f, k)); }

/* Writes the fields f (regions and items already in " a b " form) into
 * content id; a draft goes back to "submitted". */
static int write_fields(kj_db *db, const char *id, json_t *f, bool draft)
{
    const char *aud = field(f, "audience"), *lang = field(f, "lang");
    return kj_db_exec(db,
        "UPDATE popsci_content SET title = ?, summary = ?, body = ?, topic = ?, audience = ?, regions = ?, lang = ?, "
        "source = ?, video_url = ?, transcript = ?, items = ?, video_id = NULLIF(?, ''), updated_at = ?, "
        "status = CASE WHEN ? THEN 'submitted' ELSE status END, "
        "submitted_at = CASE WHEN ? AND status <> 'submitted' THEN ? ELSE submitted_at END, "
        "reject_reason = CASE WHEN ? THEN '' ELSE reject_reason END WHERE id = ?",
        "ssssssssssss" "iiiiis", field(f, "title"), field(f, "summary"), field(f, "body"), field(f, "topic"),
        *aud ? aud : "everyone", field(f, "regions"), *lang ? lang : "zh-CN", field(f, "source"),
        field(f, "video_url"), field(f, "transcript"), field(f, "items"), field(f, "video_id"), kj_now_ms(), (int64_t)draft,
        (int64_t)draft, kj_now_ms(), (int64_t)draft, id) < 0 ? -1 : 0;
}

/* Checks the note of an edit of published content. */
static void check_note(const char *note, json_t *errors)
{
    if (!note || !*note) kj_ps_err(errors, "note", "popsci.err.note_required");
    else if (kj_ps_chars(note) > NOTE_MAX) kj_ps_err(errors, "note", "popsci.err.note_long");
}

static int save_revision(kj_db *db, const char *id, const char *uid, json_t *f, const char *note)
{
    char *js = json_dumps(f, JSON_COMPACT);
    int rc = js ? kj_db_exec(db,
        "INSERT INTO popsci_revisions(content_id, author_id, fields, note, status, reject_reason, created_at) "
        "VALUES (?,?,?,?, 'submitted', '', ?) ON CONFLICT(content_id) DO UPDATE SET author_id = excluded.author_id, "
        "fields = excluded.fields, note = excluded.note, status = 'submitted', reject_reason = '', "
        "created_at = excluded.created_at", "ssssi", id, uid, js, note, kj_now_ms()) : -1;
    free(js);
    return rc < 0 ? -1 : 0;
}

int kj_popsci_edit(kj_db *db, json_t *user, const char *id, json_t *in, bool *pending, kj_err *perr)
{
    json_t *errors = perr->fields;
    *pending = false;
    json_t *c = kj_ps_content_row(db, id);
    if (!c) { kj_ps_err(errors, "form", "err.not_found"); return kj_ps_fail(perr, KJ_E_NOT_FOUND); }
    const char *uid = kj_ps_uid(user), *status = kj_ps_or(kj_ps_str(c, "status"));
    const char *kind = kj_ps_or(kj_ps_str(c, "kind"));
    int st = 0;
    if (!uid || strcmp(uid, kj_ps_or(kj_ps_str(c, "author_id")))) { kj_ps_err(errors, "form", "err.forbidden"); st = KJ_E_FORBIDDEN; }
    else if (!strcmp(kind, "notice")) { kj_ps_err(errors, "form", "popsci.err.state"); st = KJ_E_CONFLICT; }
    if (st) { json_decref(c); return kj_ps_fail(perr, st); }
    bool published = !strcmp(status, "published");
    json_t *f = merged(c, in);
    kj_buf regions = { 0 }, items = { 0 };
    kj_ps_check_content(db, kind, f, &regions, &items, errors);
    if (published) check_note(kj_ps_str(in, "note"), errors);
    if (json_object_size(errors)) st = KJ_E_INVALID;
    else {
        json_object_set_new(f, "regions", json_string(regions.data));
        json_object_set_new(f, "items", json_string(items.data));
        int rc = published ? save_revision(db, id, uid, f, kj_ps_str(in, "note")) : write_fields(db, id, f, true);
        if (rc) { kj_ps_err(errors, "form", "err.internal"); st = KJ_E_INTERNAL; }
        *pending = published;
    }
    kj_buf_free(&regions);
    kj_buf_free(&items);
    json_decref(f);
    json_decref(c);
    return kj_ps_fail(perr, st);
}

bool kj_ps_revision_pending(kj_db *db, const char *id)
{
    return kj_db_int(db, 0, "SELECT count(*) FROM popsci_revisions WHERE content_id = ? AND status = 'submitted'",
                     "s", id ? id : "") > 0;
}

json_t *kj_popsci_revision(kj_db *db, const char *id)
{
    json_t *r = kj_db_row(db, "SELECT author_id, fields, note, status, reject_reason, created_at FROM popsci_revisions "
                          "WHERE content_id = ?", "s", id ? id : "");
    if (!r) return NULL;
    json_t *f = json_loads(kj_ps_or(kj_ps_str(r, "fields")), 0, NULL);
    json_object_del(r, "fields");
    const char *body = kj_ps_or(kj_ps_str(f, "body"));
    char *html = kj_markdown_to_html(body, strlen(body), NULL);
    json_object_set_new(r, "title", json_string(kj_ps_or(kj_ps_str(f, "title"))));
    json_object_set_new(r, "summary", json_string(kj_ps_or(kj_ps_str(f, "summary"))));
    json_object_set_new(r, "body", json_string(body));
    json_object_set_new(r, "body_html", json_string(html ? html : ""));
    free(html);
    json_decref(f);
    return r;
}

/* Applies the pending revision of content c: its fields, its note as a
 * correction, the revision gone. */
static int apply_revision(kj_db *db, json_t *c, json_t *user)
{
    const char *id = kj_ps_str(c, "id");
    json_t *r = kj_db_row(db, "SELECT author_id, fields, note FROM popsci_revisions WHERE content_id = ?", "s", id);
    json_t *f = r ? json_loads(kj_ps_or(kj_ps_str(r, "fields")), 0, NULL) : NULL;
    int rc = f ? write_fields(db, id, f, false) : -1;
    if (!rc) {
        kj_id cid = kj_id_new();
        rc = kj_db_exec(db, "INSERT INTO popsci_corrections(id, origin, content_id, author_id, note, created_at) "
                        "VALUES (?,?,?,?,?,?)", "sssssi", cid.s, kj_instance_id(db), id, kj_ps_str(r, "author_id"),
                        kj_ps_str(r, "note"), kj_now_ms()) < 0 ? -1 : 0;
    }
    if (!rc) rc = kj_db_exec(db, "DELETE FROM popsci_revisions WHERE content_id = ?", "s", id) < 0 ? -1 : 0;
    if (!rc) rc = kj_db_exec(db, "UPDATE popsci_content SET reviewer_id = ? WHERE id = ?", "ss", kj_ps_uid(user), id) < 0;
    json_decref(f);
    json_decref(r);
    return rc;
}

int kj_ps_review_revision(kj_db *db, json_t *user, json_t *c, const char *action, const char *reason, kj_err *perr)
{
    json_t *errors = perr->fields;
    if (!kj_ps_may_review(user, c)) { kj_ps_err(errors, "form", "err.forbidden"); return kj_ps_fail(perr, KJ_E_FORBIDDEN); }
    bool approve = action && !strcmp(action, "approve"), reject = action && !strcmp(action, "reject");
    if (!approve && !reject) { kj_ps_err(errors, "action", "popsci.err.action"); return kj_ps_fail(perr, KJ_E_INVALID); }
    if (reject && (!reason || !*reason)) { kj_ps_err(errors, "reason", "popsci.err.reason_required"); return kj_ps_fail(perr, KJ_E_INVALID); }
    const char *id = kj_ps_str(c, "id");
    char link[64];
    snprintf(link, sizeof link, "/popsci/%s", id);
    if (kj_db_begin(db)) { kj_ps_err(errors, "form", "err.internal"); return kj_ps_fail(perr, KJ_E_INTERNAL); }
    int rc = approve ? apply_revision(db, c, user)
                     : kj_db_exec(db, "UPDATE popsci_revisions SET status = 'rejected', reject_reason = ? "
                                  "WHERE content_id = ?", "ss", reason, id) < 0;
    if (rc) { kj_db_rollback(db); kj_ps_err(errors, "form", "err.internal"); return kj_ps_fail(perr, KJ_E_INTERNAL); }
    kj_notify(db, kj_ps_str(c, "author_id"), approve ? "popsci_revision_ok" : "popsci_revision_rejected",
              kj_ps_str(c, "title"), link);
    return kj_db_commit(db) ? (kj_ps_err(errors, "form", "err.internal"), kj_ps_fail(perr, KJ_E_INTERNAL)) : 0;
}
