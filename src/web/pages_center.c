/*
 * pages_center.c — the service centers' pages: the public directory and
 * center page, the administrators' form to create a center, the manage
 * page (contact details, staff) for administrators and the center's head,
 * and the administrators' "appoint to a center" form on the users page.
 */
#include "web/pages_center.h"
#include "web/region_picker.h"
#include "web/home_region.h"
#include "authz/authz.h"
#include "center/center.h"
#include "core/id.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "deal/deal.h"
#include "workorder/workorder.h"
#include "market/market.h"
#include "popsci/popsci.h"
#include "ref/refcache.h"
#include "web/market_view.h"
#include <stdlib.h>
#include <string.h>

bool kj_center_region_ok(kj_req *req, const char *code)
{
    if (!code || !*code) return true;
    char *label = kj_refcache_region_label(kj_req_app(req)->ref, code, "zh-CN");
    bool ok = label != NULL;
    free(label);
    return ok;
}

bool kj_center_may_see_staff(kj_req *req, const char *center_id)
{
    return kj_authz_is_admin(req->user) || kj_authz_is_center_staff(req->user, center_id);
}

static const char *pick(kj_req *req, json_t *o, const char *zh, const char *en)
{
    const char *e = kj_jstr(o, en);
    return !strcmp(req->lang, "en") && e && *e ? e : kj_jstr_or_empty(o, zh);
}

/* Labels in the visitor's language: name, level, region. */
static void label_center(kj_req *req, json_t *c)
{
    json_object_set_new(c, "name", json_string(pick(req, c, "name_zh", "name_en")));
    const char *level = kj_jstr_or_empty(c, "level");
    json_object_set_new(c, "level_label", json_string(kj_tr(req, kj_arena_printf(req->arena, "center.level.%s", level))));
    const char *region = kj_jstr(c, "region");
    char *label = region ? kj_refcache_region_label(kj_req_app(req)->ref, region, req->lang) : NULL;
    json_object_set_new(c, "region_label", json_string(label ? label : kj_jstr_or_empty(c, "region_name_zh")));
    free(label);
    if (kj_jstr(c, "parent_id")) json_object_set_new(c, "parent_name", json_string(pick(req, c, "parent_name_zh", "parent_name_en")));
    json_object_set_new(c, "url", json_string(kj_arena_printf(req->arena, "/centers/%s", kj_jstr_or_empty(c, "id"))));
}

static void label_all(kj_req *req, json_t *list)
{
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) label_center(req, c);
}

json_t *kj_center_view(kj_req *req, const char *id, bool manage)
{
    kj_db *db = kj_req_db(req);
    json_t *c = kj_center_get(db, id);
    if (!c) return NULL;
    label_center(req, c);
    json_t *chain = kj_center_chain(db, id);
    /* The parents, nearest first (the chain starts with the center itself). */
    json_t *parents = json_array();
    for (size_t i = 1; i < json_array_size(chain); i++) {
        json_t *p = json_array_get(chain, i);
        label_center(req, p);
        json_array_append(parents, p);
    }
    json_decref(chain);
    json_object_set_new(c, "parents", parents);
    json_t *children = kj_center_children(db, id);
    label_all(req, children);
    json_object_set_new(c, "children", children);
    /* Staff names are public (a public service's people); their contacts
     * are the center's own: address and phone above are the public ones. */
    json_t *staff = kj_center_staff(db, id), *pub = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(staff, i, s) {
        const char *role = kj_jstr_or_empty(s, "role");
        json_t *p = json_pack("{s:s, s:s, s:s, s:b}", "name", kj_jstr_or_empty(s, "name"), "role", role, "role_label",
                              kj_tr(req, kj_arena_printf(req->arena, "center.role.%s", role)), "is_head", !strcmp(role, "head"));
        if (!strcmp(role, "head")) json_object_set(c, "head", p);
        json_array_append_new(pub, p);
        json_object_set_new(s, "role_label", json_string(kj_tr(req, kj_arena_printf(req->arena, "center.role.%s", role))));
        json_object_set_new(s, "is_head", json_boolean(!strcmp(role, "head")));
    }
    json_object_set_new(c, "staff", pub);
    if (manage) json_object_set_new(c, "staff_contacts", staff);
    else json_decref(staff);
    return c;
}

void kj_center_add_figures(kj_req *req, json_t *c)
{
    json_t *f = kj_workorder_center_figures(kj_req_db(req), kj_jstr(c, "id"));
    if (!f) return;
    json_t *avg = json_object_get(f, "rating_avg");
    if (json_is_number(avg))
        json_object_set_new(f, "rating_text", json_string(kj_arena_printf(req->arena, "%.1f", json_number_value(avg))));
    json_object_set_new(c, "figures", f);
}

/* ---- the directory ---- */

void kj_page_centers(kj_req *req)
{
    bool defaulted;   /* the home region, when the request names none (web/home_region.h) */
    const char *region = kj_region_filter(req, "region", &defaulted), *level = kj_in_str(req, "level");
    if (!kj_has_errors(req) && !kj_center_region_ok(req, region)) kj_field_error(req, "region", "err.region.unknown");
    int status = kj_has_errors(req) ? 422 : 200;
    json_t *items = status == 200 ? kj_center_list(kj_req_db(req), region, level) : json_array();
    label_all(req, items);
    json_t *levels = json_array();
    for (int i = 0; kj_center_levels[i]; i++)
        json_array_append_new(levels, json_pack("{s:s, s:s, s:b}", "code", kj_center_levels[i], "label",
                                                kj_tr(req, kj_arena_printf(req->arena, "center.level.%s", kj_center_levels[i])),
                                                "selected", level && !strcmp(level, kj_center_levels[i])));
    json_t *d = json_pack("{s:o, s:o, s:o, s:s, s:b, s:I}", "items", items, "levels", levels, "region_picker",
                          kj_region_filter_picker(req, "region", region, "field.region"), "page_title", kj_tr(req, "center.directory"), "may_create",
                          kj_authz_may_manage_centers(req->user), "total", (json_int_t)json_array_size(items));
    if (defaulted) kj_region_default_note(req, d, "/centers", "region");
    kj_render(req, status, "centers", d);
}

/* ---- a center's public page ---- */

void kj_page_center(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *c = kj_center_view(req, id, false);
    if (!c) { kj_error(req, 404, "err.not_found"); return; }
    kj_db *db = kj_req_db(req);
    /* Recent public activity in the center's region: listings published
     * there (each went through review) and 科普 items. */
    kj_listing_query q = { .region = kj_jstr(c, "region"), .sort = "newest", .page = 1, .per_page = 6 };
    int64_t total = 0;
    json_t *listings = kj_listing_browse(db, &q, &total);
    if (listings) kj_listing_decorate_all(req, listings);
    json_t *popsci = kj_popsci_list(db, NULL, kj_jstr(c, "region"), 6, 0);
    kj_center_add_figures(req, c);
    json_t *d = json_pack("{s:o, s:o, s:o, s:I, s:s, s:b}", "center", c, "listings", listings ? listings : json_array(),
                          "popsci", popsci ? popsci : json_array(), "listing_total", (json_int_t)total, "page_title",
                          kj_jstr_or_empty(c, "name"), "may_manage",
                          kj_authz_may_edit_center(req->user, id) || kj_authz_is_center_staff(req->user, id));
    kj_render(req, 200, "center", d);
}

/* ---- creating a center (administrators) ---- */

static json_t *parent_options(kj_req *req, const char *selected)
{
    json_t *all = kj_center_list(kj_req_db(req), NULL, NULL), *out = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(all, i, c) {
        if (!strcmp(kj_jstr_or_empty(c, "level"), "township")) continue;   /* stations have no children */
        json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "id", kj_jstr_or_empty(c, "id"), "label",
                                             pick(req, c, "name_zh", "name_en"),
                                             "selected", selected && !strcmp(selected, kj_jstr_or_empty(c, "id"))));
    }
    json_decref(all);
    return out;
}

static void render_new(kj_req *req, int status)
{
    const char *level = req->form ? kj_jstr(req->form, "level") : NULL;
    json_t *levels = json_array();
    for (int i = 0; kj_center_levels[i]; i++)
        json_array_append_new(levels, json_pack("{s:s, s:s, s:b}", "code", kj_center_levels[i], "label",
                                                kj_tr(req, kj_arena_printf(req->arena, "center.level.%s", kj_center_levels[i])),
                                                "selected", level && !strcmp(level, kj_center_levels[i])));
    json_t *d = json_pack("{s:o, s:o, s:o, s:s}", "levels", levels, "region_picker",
                          kj_region_picker(req, "region", req->form ? kj_jstr(req->form, "region") : NULL, "center.field.region"), "parents",
                          parent_options(req, req->form ? kj_jstr(req->form, "parent_id") : NULL), "page_title",
                          kj_tr(req, "center.new"));
    kj_render(req, status, "center_new", d);
}

void kj_page_center_new(kj_req *req) { render_new(req, 200); }

/* The declared contact fields of a create or edit request. */
static json_t *center_input(kj_req *req, bool create)
{
    static const char *const create_only[] = { "level", "region", "parent_id", NULL };
    static const char *const fields[] = { "name_zh", "name_en", "address", "phone", "hours", "intro", NULL };
    json_t *c = json_object();
    for (int i = 0; fields[i]; i++) {
        const char *v = kj_in_str(req, fields[i]);
        /* A sent empty value clears it (the validator leaves empties out). */
        if (!v && req->json_body && json_is_string(json_object_get(req->json_body, fields[i]))) v = "";
        if (!v && !req->json_body && req->form && kj_jstr(req->form, fields[i])) v = "";
        if (v) json_object_set_new(c, fields[i], json_string(v));
    }
    for (int i = 0; create && create_only[i]; i++) {
        const char *v = kj_in_str(req, create_only[i]);
        if (v) json_object_set_new(c, create_only[i], json_string(v));
    }
    return c;
}

void kj_page_center_create(kj_req *req)
{
    if (kj_has_errors(req)) { render_new(req, 422); return; }
    json_t *c = center_input(req, true);
    char id[KJ_ID_LEN + 1];
    kj_err f = { 0 };
    int st = kj_center_create(kj_req_db(req), kj_user_id(req->user), c, id, &f) ? kj_err_status(&f) : 0;
    json_decref(c);
    if (st) {
        if (st == 403 || st == 500) { kj_error(req, st, f.key); return; }
        kj_req_fail(req, &f);
        render_new(req, st);
        return;
    }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/centers/%s/manage?created=1", id));
}

/* ---- managing a center: contact details and staff ---- */

static void render_manage(kj_req *req, int status, const char *id)
{
    if (!kj_center_may_see_staff(req, id)) {
        json_t *known = kj_center_get(kj_req_db(req), id);
        kj_error(req, known ? 403 : 404, known ? "err.center.not_yours" : "err.not_found");
        json_decref(known);
        return;
    }
    json_t *c = kj_center_view(req, id, true);
    if (!c) { kj_error(req, 404, "err.not_found"); return; }
    bool admin = kj_authz_is_admin(req->user);
    json_t *roles = json_array();
    for (int i = 0; kj_center_roles[i]; i++)
        if (admin || !strcmp(kj_center_roles[i], "staff"))
            json_array_append_new(roles, json_pack("{s:s, s:s}", "code", kj_center_roles[i], "label",
                                                   kj_tr(req, kj_arena_printf(req->arena, "center.role.%s", kj_center_roles[i]))));
    json_t *staff = json_object_get(c, "staff_contacts");
    size_t i;
    json_t *s;
    json_array_foreach(staff, i, s)
        json_object_set_new(s, "may_remove", json_boolean(kj_authz_may_appoint_staff(req->user, id, kj_jstr(s, "role"))));
    bool edit = kj_authz_may_edit_center(req->user, id);
    json_t *d = json_pack("{s:o, s:o, s:b, s:b, s:b, s:s, s:b, s:b}", "center", c, "roles", roles, "may_edit", edit,
                          "may_appoint", kj_authz_may_appoint_staff(req->user, id, "staff"), "is_admin_view", admin,
                          "page_title", kj_tr(req, "center.manage"), "created", kj_req_query(req, "created") != NULL,
                          "saved", kj_req_query(req, "saved") != NULL);
    kj_render(req, status, "center_manage", d);
}

void kj_page_center_manage(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    if (!kj_id_valid(id)) { kj_error(req, 404, "err.not_found"); return; }
    render_manage(req, 200, id);
}

/* A refusal on the manage page: the form again with the message (422,
 * 409), or an error page (403, 404, 500). */
static void manage_refused(kj_req *req, int st, const kj_err *f, const char *id)
{
    if (st == 403 || st == 404 || st == 500 || !kj_center_may_see_staff(req, id)) {
        kj_error(req, st == 422 || st == 409 ? 403 : st, st == 422 || st == 409 ? "err.forbidden" : f->key);
        return;
    }
    kj_req_fail(req, f);
    render_manage(req, st, id);
}

void kj_page_center_edit(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    if (kj_has_errors(req)) {
        if (!kj_authz_may_edit_center(req->user, id)) { kj_error(req, 403, "err.forbidden"); return; }
        render_manage(req, 422, id);
        return;
    }
    json_t *c = center_input(req, false);
    kj_err f = { 0 };
    int st = kj_center_update(kj_req_db(req), kj_user_id(req->user), id, c, &f) ? kj_err_status(&f) : 0;
    json_decref(c);
    if (st) { manage_refused(req, st, &f, id); return; }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/centers/%s/manage?saved=1", id));
}

void kj_page_center_staff_add(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    if (kj_has_errors(req)) {
        if (!kj_authz_may_appoint_staff(req->user, id, "staff")) { kj_error(req, 403, "err.forbidden"); return; }
        render_manage(req, 422, id);
        return;
    }
    kj_db *db = kj_req_db(req);
    char *uid = kj_center_find_user(db, kj_in_str(req, "user"));
    kj_err f = { 0 };
    const char *role = kj_in_str(req, "role");
    int st;
    if (!uid) {
        kj_err_set(&f, KJ_E_INVALID, "err.center.no_user", "user");
        st = kj_err_status(&f);
    } else st = kj_center_appoint(db, kj_user_id(req->user), id, uid, role ? role : "staff", kj_in_str(req, "reason"), &f)
                  ? kj_err_status(&f) : 0;
    free(uid);
    if (st) {
        if (f.field && !strcmp(f.field, "user_id")) f.field = "user";
        manage_refused(req, st, &f, id);
        return;
    }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/centers/%s/manage?saved=1", id));
}

void kj_page_center_staff_remove(kj_req *req)
{
    const char *id = kj_req_param(req, 0), *uid = kj_req_param(req, 1);
    json_t *at = kj_id_valid(uid) ? kj_center_of_user(kj_req_db(req), uid) : NULL;
    bool here = at && !strcmp(kj_jstr_or_empty(at, "center_id"), id);
    json_decref(at);
    if (!here) { kj_error(req, 404, "err.not_found"); return; }
    kj_err f = { 0 };
    int st = kj_center_remove_staff(kj_req_db(req), kj_user_id(req->user), uid, kj_in_str(req, "reason"), &f) ? kj_err_status(&f) : 0;
    if (st) { manage_refused(req, st, &f, id); return; }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/centers/%s/manage?saved=1", id));
}

/* ---- the users page: appoint an operator to a center (administrators) ---- */

json_t *kj_center_choices(kj_req *req, const char *selected)
{
    json_t *all = kj_center_list(kj_req_db(req), NULL, NULL), *out = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(all, i, c)
        json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "id", kj_jstr_or_empty(c, "id"), "label",
                                             pick(req, c, "name_zh", "name_en"),
                                             "selected", selected && !strcmp(selected, kj_jstr_or_empty(c, "id"))));
    json_decref(all);
    return out;
}

/* The one way an operator gets a jurisdiction: appointment to a center
 * (its region's subtree). An empty center_id removes them from theirs. */
void kj_page_admin_user_center(kj_req *req)
{
    if (kj_has_errors(req)) { kj_error(req, 400, "err.form.check"); return; }
    const char *uid = kj_req_param(req, 0), *center = kj_in_str(req, "center_id");
    kj_err f = { 0 };
    int st;
    if (center && *center) {
        const char *role = kj_in_str(req, "role");
        st = kj_center_appoint(kj_req_db(req), kj_user_id(req->user), center, uid, role ? role : "staff",
                               kj_in_str(req, "reason"), &f) ? kj_err_status(&f) : 0;
    } else {
        /* "No center" for someone in none: nothing to change. */
        json_t *at = kj_id_valid(uid) ? kj_center_of_user(kj_req_db(req), uid) : NULL;
        st = !at ? 0 : kj_center_remove_staff(kj_req_db(req), kj_user_id(req->user), uid, kj_in_str(req, "reason"), &f)
                 ? kj_err_status(&f) : 0;
        json_decref(at);
    }
    if (st) { kj_error(req, st == 422 ? 400 : st, f.key ? f.key : "err.internal"); return; }
    kj_resp_redirect(req, "/admin/users");
}

/* ---- review routing, as queues show it ---- */

kj_review_policy kj_req_review_policy(kj_req *req)
{
    return (kj_review_policy){ .escalate_days = kj_req_app(req)->cfg.review_escalate_days, .now = kj_now_ms(),
                                .holidays = kj_req_app(req)->holidays };
}

/* Working time left in words: days (rounded up) from a day on, hours
 * under it, "overdue" once spent. */
static const char *left_text(kj_req *req, json_t *it)
{
    if (!json_integer_value(json_object_get(it, "due_at"))) return "";
    int64_t left = json_integer_value(json_object_get(it, "left_ms"));
    if (left <= 0) return kj_tr(req, "review.overdue");
    if (left >= KJ_DAY_MS) return kj_trf(req, "review.left.workdays", kj_arena_printf(req->arena, "%lld", (long long)((left + KJ_DAY_MS - 1) / KJ_DAY_MS)));
    return kj_trf(req, "review.left.hours", kj_arena_printf(req->arena, "%lld", (long long)((left + 3599999) / 3600000)));
}

void kj_review_decorate(kj_req *req, json_t *items)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        kj_set_when(req, it, "submitted_at", "submitted_text");
        if (kj_jstr(it, "center_id")) {
            json_object_set_new(it, "center_name", json_string(pick(req, it, "center_name_zh", "center_name_en")));
            json_object_set_new(it, "origin_name", json_string(pick(req, it, "origin_name_zh", "origin_name_en")));
        }
        json_object_set_new(it, "left_text", json_string(left_text(req, it)));
        if (json_integer_value(json_object_get(it, "due_at")) > 0) kj_set_when(req, it, "due_at", "due_text");
    }
}

/* ---- the center's desk (issue 14 §8) ---- */

/* Sections other features add to the desk, each filling its key of desk
 * for the staff member's center (center_id NULL for an administrator or
 * an operator in no center). Work orders (issue 14 §3) join here with
 * their counts by state and first-response (SLA) breaches, rendered by
 * templates/_desk_workorders.html; NULL-terminated, read-only. */
static void desk_workorders(kj_req *req, const char *center_id, json_t *desk);

const kj_desk_section_fn kj_desk_sections[] = {
    desk_workorders,
    NULL,
};

/* Work orders at the staff member's center: counts by state, open,
 * unassigned and first-response breaches (workorder/workorder.h). */
static void desk_workorders(kj_req *req, const char *center_id, json_t *desk)
{
    if (!center_id) return;
    json_t *counts = kj_workorder_desk_counts(kj_req_db(req), center_id);
    if (!counts) return;
    json_t *by = json_array();
    for (const char *const *st = kj_workorder_states; *st; st++)
        json_array_append_new(by, json_pack("{s:s, s:s, s:O}", "code", *st, "label",
                                            kj_tr(req, kj_arena_printf(req->arena, "workorder.state.%s", *st)), "n",
                                            json_object_get(json_object_get(counts, "states"), *st)));
    json_object_set_new(counts, "by_state", by);
    json_object_set_new(desk, "workorders", counts);
}

json_t *kj_desk_data(kj_req *req)
{
    kj_db *db = kj_req_db(req);
    const char *center = kj_jstr(req->user, "center_id");
    kj_review_policy policy = kj_req_review_policy(req);
    json_t *due = kj_review_due(db, req->user, &policy);
    int escalated = 0, overdue = 0;
    size_t i;
    json_t *it;
    json_array_foreach(due, i, it) {
        escalated += json_is_true(json_object_get(it, "escalated"));
        overdue += json_is_true(json_object_get(it, "overdue"));
        const char *kind = kj_jstr_or_empty(it, "review_kind");
        json_object_set_new(it, "kind_label", json_string(kj_tr(req, kj_arena_printf(req->arena, "desk.kind.%s", kind))));
    }
    kj_review_decorate(req, due);
    json_t *d = json_pack("{s:o, s:{s:I, s:i, s:i}}", "reviews", due, "review_counts", "total",
                          (json_int_t)json_array_size(due), "escalated", escalated, "overdue", overdue);
    json_t *c = center ? kj_center_view(req, center, false) : NULL;
    if (c) {
        json_t *orgs = kj_center_orgs(db, kj_jstr(c, "region"), 20);
        json_array_foreach(orgs, i, it) {
            const char *type = kj_jstr_or_empty(it, "type");
            json_object_set_new(it, "type_label", json_string(kj_tr(req, kj_arena_printf(req->arena, "org_type.%s", type))));
            json_object_set_new(it, "verified", json_boolean(json_integer_value(json_object_get(it, "verified_at")) > 0));
            if (json_integer_value(json_object_get(it, "last_activity")) > 0) kj_set_when(req, it, "last_activity", "last_text");
        }
        json_object_set_new(d, "orgs", orgs);
        json_object_set_new(d, "center", c);
    }
    json_t *b = kj_deal_brokerable(db, req->user, 20);
    /* The desk names these deals without linking them: a deal is its
     * parties' until they invite a broker (deal/deal.h), so the page would
     * answer this operator 404. */
    json_array_foreach(json_object_get(b, "deals"), i, it) {
        kj_set_when(req, it, "created_at", "created_text");
        json_object_set_new(it, "state_label", json_string(kj_tr(req, kj_arena_printf(req->arena, "deal.state.%s",
                                                                                       kj_jstr_or_empty(it, "state")))));
    }
    json_array_foreach(json_object_get(b, "matches"), i, it) kj_set_when(req, it, "decided_at", "decided_text");
    json_object_set(d, "deals", json_object_get(b, "deals"));
    json_object_set(d, "matches", json_object_get(b, "matches"));
    json_decref(b);
    for (const kj_desk_section_fn *f = kj_desk_sections; *f; f++) (*f)(req, center, d);
    return d;
}

void kj_page_desk(kj_req *req)
{
    json_t *d = kj_desk_data(req);
    json_object_set_new(d, "page_title", json_string(kj_tr(req, "desk.title")));
    json_object_set_new(d, "no_center", json_boolean(!kj_jstr(req->user, "center_id") && !kj_authz_is_admin(req->user)));
    kj_render(req, 200, "desk", d);
}

