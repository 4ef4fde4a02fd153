/*
 * pages_account.c — the web pages of accounts: register, login,
 * logout, dashboard, profile, password, language switch, organizations,
 * and user administration.
 *
 * Each handler: read validated inputs → call the account domain → render
 * a template or redirect. A rejected form is re-rendered with what the
 * user typed (req->form) and a message next to each bad field.
 */
#include "web/pages_instance.h"
#include "core/validate.h"
#include "instance/instance.h"
#include "web/app.h"
#include "web/pages_center.h"
#include "center/center.h"
#include "web/region_picker.h"
#include "account/security.h"
#include "web/pages_security.h"
#include "authz/authz.h"
#include "core/id.h"
#include "web/pages_org.h"
#include "account/membership.h"
#include "core/clock.h"
#include "market/studio.h"
#include "web/pages_deal.h"
#include "web/pages_studio.h"
#include "web/market_view.h"
#include "web/i18n.h"
#include "web/nav.h"
#include "market/market.h"
#include "notify/notify.h"
#include <stdlib.h>
#include <string.h>

static json_t *choice_list(kj_req *req, const char *const *codes, const char *prefix, const char *selected)
{
    json_t *out = json_array();
    for (; *codes; codes++) {
        char key[128];
        snprintf(key, sizeof key, "%s%s", prefix, *codes);
        json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "code", *codes, "label", kj_tr(req, key),
                                             "selected", selected && !strcmp(selected, *codes)));
    }
    return out;
}

static const char *form_str(kj_req *req, const char *name)
{
    json_t *v = req->form ? json_object_get(req->form, name) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Local paths only, so that ?next= cannot send a user to another site. */
static const char *safe_next(const char *next, const char *dflt) { return kj_local_path(next, dflt); }

static void render_register(kj_req *req, int status)
{
    const char *role = form_str(req, "role");
    json_t *d = json_object();
    json_object_set_new(d, "region_picker", kj_region_picker(req, "region", form_str(req, "region"), "field.region"));
    json_object_set_new(d, "org_region_picker", kj_region_picker(req, "org_region", form_str(req, "org_region"), "field.org_region"));
    json_object_set_new(d, "roles", choice_list(req, kj_self_roles, "role.", role ? role : "scientist"));
    json_object_set_new(d, "org_types", choice_list(req, kj_org_types, "org_type.", form_str(req, "org_type")));
    /* A refusal elsewhere (the address, the organization) keeps the
     * password typed: retyping it on a phone is what makes people give up.
     * A refused password is never echoed. */
    const char *pw = kj_in_str(req, "password");
    if (status == 422 && pw && !json_object_get(req->errors, "password") &&
        !kj_password_problem_for(pw, kj_in_str(req, "email"), kj_in_str(req, "name")))
        json_object_set_new(d, "kept_password", json_string(pw));
    kj_render(req, status, "register", d);
}

void kj_page_register(kj_req *req) { render_register(req, 200); }

static kj_registration registration_from(kj_req *req)
{
    kj_registration r = {
        .email = kj_in_str(req, "email"), .password = kj_in_str(req, "password"),
        .name = kj_in_str(req, "name"), .role = kj_in_str(req, "role"),
        .region = kj_in_str(req, "region"),
        .org_name = kj_in_str(req, "org_name"), .org_type = kj_in_str(req, "org_type"),
        .org_region = kj_in_str(req, "org_region"), .org_credit_code = kj_in_str(req, "org_credit_code"),
        /* The form shows the documents in force; registering accepts them. */
        .terms_version = kj_req_policy_versions(req).terms, .privacy_version = kj_req_policy_versions(req).privacy,
    };
    return r;
}

void kj_page_register_post(kj_req *req)
{
    if (kj_has_errors(req)) { render_register(req, 422); return; }
    if (kj_address_limited(req, "register")) return;
    kj_registration r = registration_from(req);
    kj_err fail = { 0 };
    if (kj_account_signup(kj_req_db(req), &r, &fail)) {
        if (fail.key && !strcmp(fail.key, "err.internal")) { kj_error(req, 500, "err.internal"); return; }
        kj_req_fail(req, &fail);
        render_register(req, 422);
        return;
    }
    /* The same answer whether the address was new (a verification link
     * went out) or already registered (its owner was told): no session,
     * no cookie but the CSRF one the form already had. */
    kj_resp_redirect(req, "/login?registered=1");
}

void kj_page_login(kj_req *req)
{
    if (req->user) { kj_resp_redirect(req, safe_next(kj_in_str(req, "next"), "/dashboard")); return; }
    kj_render(req, 200, "login", json_pack("{s:s, s:b, s:b}", "next", safe_next(kj_in_str(req, "next"), ""),
                                           "registered", kj_req_query(req, "registered") != NULL,
                                           "reset", kj_req_query(req, "reset") != NULL));
}

void kj_page_login_post(kj_req *req)
{
    const char *next = safe_next(kj_in_str(req, "next"), "/dashboard");
    if (kj_has_errors(req)) {
        kj_render(req, 422, "login", json_pack("{s:s}", "next", next));
        return;
    }
    char user_id[KJ_ID_LEN + 1];
    long retry = 0;
    char email[256];
    snprintf(email, sizeof email, "%s", kj_in_str(req, "email"));
    for (char *p = email; *p; p++) if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    kj_login_limits limits = kj_req_login_limits(req);
    enum kj_login_result r = kj_account_login(kj_req_db(req), email, kj_in_str(req, "password"), req->client_ip,
                                              &limits, user_id, &retry);
    if (r == KJ_LOGIN_ERROR) { kj_error(req, 500, "err.internal"); return; }
    if (r == KJ_LOGIN_LIMITED) {
        char secs[32];
        snprintf(secs, sizeof secs, "%ld", (retry + 59) / 60);
        kj_resp_header(req, "Retry-After", kj_arena_printf(req->arena, "%ld", retry));
        kj_render(req, 429, "login", json_pack("{s:s, s:s}", "next", next, "limited_minutes", secs));
        return;
    }
    if (r == KJ_LOGIN_BAD) {
        kj_render(req, 401, "login", json_pack("{s:s, s:b}", "next", next, "bad_login", 1));
        return;
    }
    if (r == KJ_LOGIN_DISABLED) {
        kj_render(req, 403, "login", json_pack("{s:s, s:b}", "next", next, "disabled_login", 1));
        return;
    }
    char token[64];
    if (kj_login_session(req, user_id, "web", token)) { kj_error(req, 500, "err.internal"); return; }
    /* A service center's staff start at their desk (issue 14 §8). */
    json_t *center = kj_in_str(req, "next") ? NULL : kj_center_of_user(kj_req_db(req), user_id);
    kj_resp_redirect(req, center ? "/desk" : next);
    json_decref(center);
}

void kj_page_logout(kj_req *req)
{
    if (req->session_token) kj_session_delete(kj_req_db(req), req->session_token);
    kj_resp_cookie(req, "kj_session", "", 0, true);
    kj_csrf_rotate(req);
    kj_resp_redirect(req, "/");
}

/* Membership and jurisdiction as the dashboard and profile show them: a
 * pending request, the org role, whether the user may ask to join or
 * decide others' requests, and the operator's jurisdiction. */
static void add_org_state(kj_req *req, json_t *d)
{
    json_t *u = req->user;
    const char *org_id = json_string_value(json_object_get(u, "org_id"));
    const char *org_role = json_string_value(json_object_get(u, "org_role"));
    json_t *pending = kj_org_request_view(req);
    if (pending) json_object_set_new(d, "org_request", pending);
    if (org_id && org_role) {
        char key[64];
        snprintf(key, sizeof key, "org_role.%s", org_role);
        json_object_set_new(d, "org_role_label", json_string(kj_tr(req, key)));
    }
    json_object_set_new(d, "is_org_admin", json_boolean(org_id && kj_authz_is_org_admin(u, org_id)));
    json_object_set_new(d, "may_join", json_boolean(!org_id && !pending));
    json_object_set_new(d, "may_decide", json_boolean(kj_authz_is_admin(u) || kj_authz_is_operator(u) ||
                                                      (org_id && kj_authz_is_org_admin(u, org_id))));
    const char *jur = json_string_value(json_object_get(u, "jurisdiction"));
    if (kj_authz_is_operator(u)) {
        char *label = jur ? kj_region_label(kj_req_db(req), jur, req->lang) : NULL;
        json_object_set_new(d, "jurisdiction_label", json_string(label ? label : kj_tr(req, "jurisdiction.none")));
        free(label);
    }
}

void kj_page_dashboard(kj_req *req)
{
    json_t *d = json_object();
    const char *role = json_string_value(json_object_get(req->user, "role"));
    char key[64];
    snprintf(key, sizeof key, "role.%s", role);
    json_object_set_new(d, "role_label", json_string(kj_tr(req, key)));
    json_object_set_new(d, "is_scientist", json_boolean(!strcmp(role, "scientist")));
    json_object_set_new(d, "is_org_member", json_boolean(!strcmp(role, "org_member")));
    json_object_set_new(d, "is_operator", json_boolean(!strcmp(role, "operator")));
    json_object_set_new(d, "is_resident", json_boolean(kj_authz_is_resident(req->user)));
    const char *region = json_string_value(json_object_get(req->user, "region"));
    if (region) {
        char *label = kj_region_label(kj_req_db(req), region, req->lang);
        if (label) { json_object_set_new(d, "region_label", json_string(label)); free(label); }
    }
    const char *org_type = json_string_value(json_object_get(req->user, "org_type"));
    if (org_type) {
        snprintf(key, sizeof key, "org_type.%s", org_type);
        json_object_set_new(d, "org_type_label", json_string(kj_tr(req, key)));
    }
    json_object_set_new(d, "unread", json_integer(kj_unread_notifications(kj_req_db(req), req->user)));
    /* Posting where people look (issue 15): for the roles that may. */
    const char *post_demand = kj_post_href(req, "demand"), *post_offer = kj_post_href(req, "achievement");
    if (post_demand) json_object_set_new(d, "post_demand", json_string(post_demand));
    if (post_offer) json_object_set_new(d, "post_offer", json_string(post_offer));
    kj_verify_banner(req, d);
    add_org_state(req, d);
    kj_render(req, 200, "dashboard", d);
}

static void render_profile(kj_req *req, int status, bool saved)
{
    json_t *d = json_object();
    if (!json_object_size(req->form)) {
        json_t *form = json_object();
        static const char *fields[] = { "name", "phone", "title", "bio", "region" };
        for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
            json_t *v = json_object_get(req->user, fields[i]);
            if (json_is_string(v)) json_object_set(form, fields[i], v);
        }
        json_object_set_new(d, "form", form);
        json_object_set_new(d, "region_picker", kj_region_picker(req, "region", json_string_value(json_object_get(form, "region")), "field.region"));
    } else {
        json_object_set_new(d, "region_picker", kj_region_picker(req, "region", form_str(req, "region"), "field.region"));
    }
    json_object_set_new(d, "saved", json_boolean(saved));
    kj_verify_banner(req, d);
    add_org_state(req, d);
    /* "Show me on my organization's page" (pages_orgverify.c saves it). */
    const char *my_org = json_string_value(json_object_get(req->user, "org_id"));
    if (my_org) {
        json_object_set_new(d, "org_member_of", json_string(my_org));
        json_object_set_new(d, "org_public", json_boolean(kj_org_member_public(kj_req_db(req),
                                                                               json_string_value(json_object_get(req->user, "id")))));
    }
    kj_render(req, status, "profile", d);
}

void kj_page_profile(kj_req *req) { render_profile(req, 200, kj_req_query(req, "saved") != NULL); }

void kj_page_profile_post(kj_req *req)
{
    if (kj_has_errors(req)) { render_profile(req, 422, false); return; }
    kj_err fail = { 0 };
    const char *uid = json_string_value(json_object_get(req->user, "id"));
    const char *region = kj_in_str(req, "region");
    if (kj_account_update_profile(kj_req_db(req), uid, kj_in_str(req, "name"),
                                  kj_in_str(req, "phone") ? kj_in_str(req, "phone") : "",
                                  kj_in_str(req, "title") ? kj_in_str(req, "title") : "",
                                  kj_in_str(req, "bio") ? kj_in_str(req, "bio") : "",
                                  region ? region : "", &fail)) {
        kj_req_fail(req, &fail);
        render_profile(req, 422, false);
        return;
    }
    kj_resp_redirect(req, "/account/profile?saved=1");
}

void kj_page_password(kj_req *req)
{
    kj_render(req, 200, "password", json_pack("{s:b}", "saved", kj_req_query(req, "saved") != NULL));
}

void kj_page_password_post(kj_req *req)
{
    if (kj_has_errors(req)) { kj_render(req, 422, "password", NULL); return; }
    kj_err fail = { 0 };
    const char *uid = json_string_value(json_object_get(req->user, "id"));
    char token[64];
    kj_session_renewal renew = kj_req_session_renewal(req, "web", token);
    if (kj_account_change_password(kj_req_db(req), uid, kj_in_str(req, "old_password"),
                                   kj_in_str(req, "new_password"), &renew, &fail)) {
        kj_req_fail(req, &fail);
        kj_render(req, 422, "password", NULL);
        return;
    }
    /* Every session ended, this one too: the browser goes on with a new one. */
    kj_session_cookie(req, token);
    kj_resp_redirect(req, "/account/password?saved=1");
}

void kj_page_lang(kj_req *req)
{
    kj_instance_profile p;
    kj_instance_get(&p);
    const char *lang = kj_i18n_offered(kj_req_param(req, 0), p.languages);   /* only what the instance offers */
    if (!lang) { kj_error(req, 404, "err.lang.unknown"); return; }
    kj_resp_cookie(req, "kj_lang", lang, 365L * 86400, false);
    kj_resp_redirect(req, safe_next(kj_in_str(req, "next"), "/"));
}

/* kj_page_org (the public organization page) is in pages_orgverify.c. */

void kj_page_about_roles(kj_req *req) { kj_render(req, 200, "help_roles", NULL); }
