/*
 * pages_orgverify.c — verified organizations (实名认证): an organization's
 * verification page (its admins apply, the staff of its region decide, an
 * administrator revokes), the staff's review queue and the licence file;
 * and the public organization page (verified status, members who chose to
 * be shown, listings, studios its members work in, ratings); the JSON API
 * is api/api_orgverify.c, the routes routes/routes_orgverify.c.
 *
 * Who may see or do what is the domain's answer (org/verify.h asking
 * authz/authz.h); these handlers only render it.
 */
#include "web/pages_orgverify.h"
#include "core/validate.h"
#include "account/account.h"
#include "account/membership.h"
#include "authz/authz.h"
#include "market/studio.h"
#include "web/pages_deal.h"
#include "web/pages_studio.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "market/attach.h"
#include "media/files.h"
#include "org/verify.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Labels and flags a template needs on one application row. */
static void decorate_app(kj_req *req, json_t *a)
{
    char key[64];
    snprintf(key, sizeof key, "orgverify.state.%s", kj_jstr_or_empty(a, "status"));
    json_object_set_new(a, "status_label", json_string(kj_tr(req, key)));
    kj_set_when(req, a, "created_at", "created_date");
    kj_set_when(req, a, "decided_at", "decided_date");
    kj_set_when(req, a, "revoked_at", "revoked_date");
    const char *reason = kj_jstr(a, "reason");
    if (reason && *reason) json_object_set_new(a, "has_reason", json_true());
}

/* The page's data: the domain's view, labelled. */
static json_t *page_data(kj_req *req, json_t *view)
{
    json_t *org = json_object_get(view, "org");
    kj_set_day(req, org, "verified_at", "verified_date");
    char key[64];
    snprintf(key, sizeof key, "orgverify.state.%s", kj_jstr_or_empty(view, "state"));
    json_object_set_new(view, "state_label", json_string(kj_tr(req, key)));
    json_t *can = json_object();
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(view, "actions"), i, a) json_object_set_new(can, json_string_value(a), json_true());
    json_object_set_new(view, "can", can);
    json_array_foreach(json_object_get(view, "history"), i, a) decorate_app(req, a);
    json_t *app = json_object_get(view, "application");
    if (app) decorate_app(req, app);
    json_object_set_new(view, "page_title", json_string(kj_trf(req, "orgverify.title", kj_jstr_or_empty(org, "name"))));
    return view;
}

static void render_page(kj_req *req, int status)
{
    kj_err f = { 0 };
    json_t *view = kj_orgverify_view(kj_req_db(req), req->user, kj_req_param(req, 0), &f);
    if (!view) { kj_error(req, kj_err_status(&f), f.key ? f.key : "err.internal"); return; }
    if (kj_req_query(req, "sent")) json_object_set_new(view, "sent", json_true());
    kj_render(req, status, "org_verification", page_data(req, view));
}

void kj_page_orgverify(kj_req *req) { render_page(req, 200); }

kj_orgverify_licence_in kj_orgverify_licence_of(kj_req *req)
{
    kj_app *app = kj_req_app(req);
    kj_orgverify_licence_in in = { .data_dir = app->cfg.data, .max_size = (size_t)app->cfg.max_upload };
    for (kj_upload *u = req->uploads; u; u = u->next)
        if (u->field && !strcmp(u->field, "licence") && u->filename && *u->filename) {
            in.filename = u->filename;
            in.data = u->data;
            in.size = u->size;
            break;
        }
    return in;
}

/* A refusal of the domain on a page: a field error shows the form again
 * with it; anything else is an error page. */
static void page_refused(kj_req *req, const kj_err *f)
{
    int st = kj_err_status(f);
    if (st == 422 || st == 413) {
        kj_req_fail(req, f);
        kj_err vf = { 0 };
        json_t *view = kj_orgverify_view(kj_req_db(req), req->user, kj_req_param(req, 0), &vf);
        if (view) { kj_render(req, st, "org_verification", page_data(req, view)); return; }
    }
    kj_error(req, st == 422 ? 400 : st, f->key ? f->key : "err.internal");
}

void kj_page_orgverify_apply(kj_req *req)
{
    if (kj_has_errors(req)) { render_page(req, 422); return; }
    kj_orgverify_licence_in lic = kj_orgverify_licence_of(req);
    kj_err f = { 0 };
    const char *org_id = kj_req_param(req, 0);
    if (kj_orgverify_apply(kj_req_db(req), kj_user_id(req->user), org_id, kj_in_str(req, "legal_rep"), &lic, NULL, &f)) {
        page_refused(req, &f);
        return;
    }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/orgs/%s/verification?sent=1", org_id));
}

void kj_page_orgverify_act(kj_req *req)
{
    if (kj_has_errors(req)) { render_page(req, 422); return; }
    kj_err f = { 0 };
    const char *org_id = kj_req_param(req, 0);
    if (kj_orgverify_act(kj_req_db(req), kj_user_id(req->user), org_id, kj_in_str(req, "action"), kj_in_str(req, "reason"), &f)) {
        page_refused(req, &f);
        return;
    }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/orgs/%s/verification", org_id));
}

void kj_page_orgverify_queue(kj_req *req)
{
    json_t *items = kj_orgverify_queue(kj_req_db(req), req->user);
    size_t i;
    json_t *a;
    json_array_foreach(items, i, a) decorate_app(req, a);
    kj_render(req, 200, "org_verifications", json_pack("{s:o, s:s}", "items", items, "page_title", kj_tr(req, "orgverify.queue.title")));
}

/* The licence, to its org's admins and the reviewing staff only: never
 * cached by a shared cache, never run as active content. */
void kj_page_orgverify_licence(kj_req *req)
{
    kj_err f = { 0 };
    json_t *l = kj_orgverify_licence(kj_req_db(req), req->user, kj_req_param(req, 0), &f);
    if (!l) { kj_error(req, kj_err_status(&f), f.key ? f.key : "err.internal"); return; }
    const char *file = kj_jstr(l, "file");
    size_t len = 0;
    char *bytes = file && kj_id_valid(file) ? kj_file_read(kj_req_app(req)->cfg.data, file, &len) : NULL;
    if (!bytes) { json_decref(l); kj_error(req, 404, "err.not_found"); return; }
    const char *mime = kj_arena_strdup(req->arena, kj_jstr_or_empty(l, "mime"));
    kj_buf disp = { 0 };
    kj_attach_disposition(&disp, mime, kj_jstr_or_empty(l, "name"));
    kj_resp_header(req, "Content-Disposition", disp.data ? kj_arena_strdup(req->arena, disp.data) : "attachment");
    kj_buf_free(&disp);
    json_decref(l);
    kj_resp_header(req, "Cache-Control", "private, no-store");
    kj_resp_header(req, "Content-Security-Policy", "default-src 'none'");
    req->no_gzip = true;
    kj_resp_text(req, 200, mime, bytes, len);
    free(bytes);
}

/* ---- the public organization page ---- */

void kj_page_org(kj_req *req)
{
    kj_db *db = kj_req_db(req);
    const char *id = kj_req_param(req, 0);
    json_t *org = kj_id_valid(id) ? kj_org_get(db, id) : NULL;
    if (!org) { kj_error(req, 404, "err.not_found"); return; }
    char key[64];
    snprintf(key, sizeof key, "org_type.%s", kj_jstr_or_empty(org, "type"));
    json_object_set_new(org, "type_label", json_string(kj_tr(req, key)));
    const char *region = kj_jstr(org, "region");
    if (region) {
        char *label = kj_region_label(db, region, req->lang);
        if (label) { json_object_set_new(org, "region_label", json_string(label)); free(label); }
    }
    kj_set_day(req, org, "verified_at", "verified_date");
    /* Its published listings, never the anonymous ones (they would name it). */
    json_t *listings = kj_org_listings(db, id);
    kj_showcase_decorate(req, listings);
    json_t *members = kj_org_public_members(db, id);
    bool member = kj_authz_is_org_member(req->user, id), shown = false;
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m) {
        snprintf(key, sizeof key, "org_role.%s", kj_jstr_or_empty(m, "org_role"));
        json_object_set_new(m, "role_label", json_string(kj_tr(req, key)));
        if (member && !strcmp(kj_jstr_or_empty(m, "id"), kj_user_id(req->user))) shown = true;
    }
    json_t *d = json_pack("{s:o, s:o, s:o, s:o, s:o, s:s}", "org", org, "listings", listings, "members", members,
                          "studios", kj_org_studios(db, id), "ratings", kj_ratings_view(req, "org", id),
                          "page_title", kj_jstr_or_empty(org, "name"));
    json_object_set_new(d, "is_member", json_boolean(member));
    json_object_set_new(d, "shown", json_boolean(shown));
    json_object_set_new(d, "is_org_admin", json_boolean(kj_authz_is_org_admin(req->user, id)));
    json_object_set_new(d, "may_see_verification", json_boolean(kj_authz_may_see_org_verification(req->user, org)));
    kj_render(req, 200, "org", d);
}

/* A member's own choice: shown on their organization's page or not. */
void kj_page_org_public(kj_req *req)
{
    if (kj_has_errors(req)) { kj_error(req, 400, "err.form.check"); return; }
    kj_err f = { 0 };
    if (kj_org_set_public(kj_req_db(req), kj_user_id(req->user), kj_in_bool(req, "org_public"), &f)) {
        kj_error(req, kj_err_status(&f), f.key ? f.key : "err.internal");
        return;
    }
    /* Back where the form was (a local path only, so that ?next= cannot
     * send anyone elsewhere), else to the organization's page. */
    const char *next = kj_local_path(kj_in_str(req, "next"), NULL);
    if (next) { kj_resp_redirect(req, next); return; }
    const char *org_id = kj_jstr(req->user, "org_id");
    kj_resp_redirect(req, org_id ? kj_arena_printf(req->arena, "/orgs/%s#org-members", org_id) : "/dashboard");
}
