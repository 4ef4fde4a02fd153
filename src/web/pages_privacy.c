/*
 * pages_privacy.c — the 用户协议 / 隐私政策 pages, the consent page, and
 * the user's privacy page: their data as a download, deleting the account
 * (see pages_privacy.h).
 */
#include "web/pages_privacy.h"
#include "core/validate.h"
#include "account/privacy.h"
#include "instance/instance.h"
#include "web/pages_instance.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "text/markdown.h"
#include <stdlib.h>
#include <string.h>

static kj_policy_versions versions(kj_req *req) { return kj_req_policy_versions(req); }

/* Local paths only, so that ?next= cannot send a user elsewhere. */
static const char *local_next(const char *next) { return kj_local_path(next, "/dashboard"); }

static void render_policy(kj_req *req, const char *doc)
{
    const kj_config *c = &kj_req_app(req)->cfg;
    kj_policy_versions v = versions(req);
    /* An administrator's published text (instance.h), else the files. */
    char *md = kj_instance_policy_text(kj_req_db(req), doc, req->lang);
    if (!md) md = kj_policy_text(c->data, c->root, doc, req->lang);
    if (!md) { kj_error(req, 500, "err.internal"); return; }
    size_t n = 0;
    char *html = kj_markdown_to_html(md, strlen(md), &n);
    free(md);
    if (!html) { kj_error(req, 500, "err.internal"); return; }
    bool terms = !strcmp(doc, "terms");
    json_t *d = json_pack("{s:s, s:s, s:s, s:s}", "doc", doc, "body_html", html,
                          "version", terms ? v.terms : v.privacy,
                          "page_title", kj_tr(req, terms ? "privacy.terms" : "privacy.policy"));
    free(html);
    kj_render(req, 200, "policy", d);
}

void kj_page_terms(kj_req *req) { render_policy(req, "terms"); }
void kj_page_privacy_policy(kj_req *req) { render_policy(req, "privacy"); }

static void render_consent(kj_req *req, int status)
{
    kj_policy_versions v = versions(req);
    json_t *d = json_pack("{s:s, s:s, s:s, s:b}", "terms_version", v.terms, "privacy_version", v.privacy,
                          "next", local_next(kj_in_str(req, "next")),
                          "needed", kj_consent_needed(kj_req_db(req), kj_user_id(req->user), &v));
    json_object_set_new(d, "consents", kj_consent_list(kj_req_db(req), kj_user_id(req->user)));
    kj_render(req, status, "consent", d);
}

void kj_page_consent(kj_req *req) { render_consent(req, 200); }

void kj_page_consent_post(kj_req *req)
{
    if (!kj_in_bool(req, "accept")) {
        kj_field_error(req, "accept", "err.consent.required");
        render_consent(req, 422);
        return;
    }
    kj_policy_versions v = versions(req);
    kj_err e = { 0 };
    if (kj_consent_accept(kj_req_db(req), kj_user_id(req->user), &v, &e)) { kj_error(req, 500, "err.internal"); return; }
    kj_resp_redirect(req, local_next(kj_in_str(req, "next")));
}

static json_t *keeps(kj_req *req)
{
    json_t *out = json_array();
    for (const char *const *k = kj_deletion_keeps; *k; k++) json_array_append_new(out, json_string(kj_tr(req, *k)));
    return out;
}

static void render_center(kj_req *req, int status)
{
    json_t *consents = kj_consent_list(kj_req_db(req), kj_user_id(req->user));
    size_t i;
    json_t *c;
    json_array_foreach(consents, i, c) {
        kj_set_when(req, c, "accepted_at", "when");
        json_object_set_new(c, "doc_label", json_string(kj_tr(req, !strcmp(kj_jstr_or_empty(c, "document"), "terms") ?
                                                                 "privacy.terms" : "privacy.policy")));
    }
    kj_render(req, status, "privacy_center", json_pack("{s:o, s:o}", "consents", consents, "keeps", keeps(req)));
}

void kj_page_privacy_center(kj_req *req) { render_center(req, 200); }

/* The user's data as a file to keep. */
static void send_export(kj_req *req, bool attachment)
{
    json_t *data = kj_account_export(kj_req_db(req), kj_user_id(req->user));
    if (!data) { kj_error(req, 500, "err.internal"); return; }
    if (attachment) {
        char day[16];
        kj_format_date(kj_now_ms(), day, sizeof day);
        kj_resp_header(req, "Content-Disposition",
                       kj_arena_printf(req->arena, "attachment; filename=\"kejiyun-my-data-%s.json\"", day));
    }
    kj_resp_header(req, "Cache-Control", "no-store");
    kj_resp_json(req, 200, data);
}

void kj_page_account_export(kj_req *req) { send_export(req, true); }

void kj_page_account_delete(kj_req *req)
{
    if (kj_has_errors(req)) { render_center(req, 422); return; }
    kj_err e = { 0 };
    if (kj_account_delete(kj_req_db(req), kj_user_id(req->user), kj_in_str(req, "password"), &e)) {
        int st = kj_err_status(&e);
        if (st == 500) { kj_error(req, 500, "err.internal"); return; }
        kj_req_fail(req, &e);
        render_center(req, st);
        return;
    }
    /* Its sessions are gone with it; the browser forgets the cookie too. */
    kj_resp_cookie(req, "kj_session", "", 0, true);
    kj_csrf_rotate(req);
    json_decref(req->user);
    req->user = NULL;
    kj_render(req, 200, "account_deleted", json_pack("{s:o}", "keeps", keeps(req)));
}
