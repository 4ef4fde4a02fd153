/*
 * pages_challenge.c — the challenge lists' HTML pages: the index of lists
 * (with the staff's form to open one), a list's public page (entries,
 * status, winners), the entry form, and an entry's page (details, public
 * timeline, winners, objections, milestones, and the forms the viewer may
 * use now: apply, object, life-cycle actions).
 */
#include "web/pages_challenge.h"
#include "authz/authz.h"
#include "text/indicators.h"
#include "core/json_util.h"
#include "core/clock.h"
#include "core/id.h"
#include "market/attach.h"
#include "market/lookup.h"
#include "web/app.h"
#include "web/market_view.h"
#include "web/pages_fed.h"
#include "fed/fed.h"
#include "core/validate.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sets o[label_key] to the message prefix + o[key] (codes become words). */
static void label(kj_req *req, json_t *o, const char *key, const char *prefix, const char *label_key)
{
    const char *code = kj_jstr(o, key);
    if (!code) return;
    json_object_set_new(o, label_key, json_string(kj_tr(req, kj_arena_printf(req->arena, "%s%s", prefix, code))));
}


static void decorate_entry(kj_req *req, json_t *c)
{
    const char *dn = kj_jstr(c, strcmp(req->lang, "en") ? "domain_zh" : "domain_en");
    if (dn) json_object_set_new(c, "domain_name", json_string(dn));
    label(req, c, "status", "challenge.status.", "status_label");
    label(req, c, "direction", "challenge.direction.", "direction_label");
    label(req, c, "ip_terms", "challenge.ip.", "ip_label");
    label(req, c, "grade", "challenge.grade.", "grade_label");
}

/* ---- lists ---- */

/* This instance's lists and its peers' open 揭榜 grouped by list (issue 17
 * §2: remote items in the lists, labelled, read-only, applied for at their
 * origin), under origin=local|remote|<instance id>. NULL after a bad
 * origin (a field error). */
json_t *kj_challenge_lists_with_remote(kj_req *req)
{
    const char *origin = kj_fed_origin_param(req);
    if (kj_in_str(req, "origin") && *kj_in_str(req, "origin") && !origin) return NULL;
    json_t *items = kj_challenge_lists(kj_req_db(req));
    kj_fed_label_filter(req, items, origin);   /* ours: origin {…, local: true} */
    json_t *remote = kj_fed_remote_challenge_lists(kj_req_db(req), origin, req->lang);
    size_t i;
    json_t *g;
    char wan[64];
    json_array_foreach(remote, i, g) {
        kj_origin_label(req, g);
        size_t j;
        json_t *c;
        json_array_foreach(json_object_get(g, "challenges"), j, c)
            if (json_is_integer(json_object_get(c, "bounty_fen")) &&
                kj_format_fen_as_wan(json_integer_value(json_object_get(c, "bounty_fen")), wan, sizeof wan))
                json_object_set_new(c, "bounty", json_string(wan));
    }
    json_array_extend(items, remote);
    json_decref(remote);
    return items;
}

void kj_page_challenge_lists(kj_req *req)
{
    json_t *items = kj_challenge_lists_with_remote(req);
    int status = items && !kj_has_errors(req) ? 200 : 422;
    const char *origin = items ? kj_fed_origin_param(req) : NULL;
    json_t *d = json_pack("{s:o, s:s, s:b}", "items", items ? items : json_array(),
                          "page_title", kj_tr(req, "challenge.lists.title"), "can_create", kj_req_role(req) & KJ_STAFF);
    kj_fed_origin_options(req, d, origin);
    kj_render(req, status, "challenge_lists", d);
}

void kj_page_challenge_list_create(kj_req *req)
{
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    if (kj_has_errors(req) || kj_challenge_list_create(kj_req_db(req), req->user, req->in, id, &e)) {
        if (e.key) kj_field_error(req, e.field ? e.field : "form", e.key);
        kj_page_challenge_lists(req);
        return;
    }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/challenge-lists/%s", id));
}

void kj_page_challenge_list(kj_req *req)
{
    json_t *l = kj_challenge_list_view(kj_req_db(req), kj_req_param(req, 0), req->user);
    if (!l) { kj_error(req, 404, "err.not_found"); return; }
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(l, "entries"), i, c) decorate_entry(req, c);
    json_object_set_new(l, "page_title", json_string(kj_jstr(l, "title")));
    /* Only to whoever may publish: a resident would follow it to a 403. */
    json_object_set_new(l, "can_submit", json_boolean(kj_authz_may_publish(req->user)));
    kj_render(req, 200, "challenge_list", l);
}

/* ---- the entry form ---- */

static json_t *list_options(kj_req *req, const char *const *codes, const char *prefix, const char *selected)
{
    json_t *out = json_array();
    for (; *codes; codes++)
        json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "code", *codes, "label",
                                             kj_tr(req, kj_arena_printf(req->arena, "%s%s", prefix, *codes)),
                                             "selected", selected && !strcmp(selected, *codes)));
    return out;
}

/* The entry form: a new entry of list list_id (action: the list's
 * challenges), or, with edit_id, the edit of that entry (direction fixed,
 * org as issued). form holds the values to show (borrowed). */
static void render_form(kj_req *req, int status, const char *list_id, const char *edit_id, json_t *form)
{
    static const char *const directions[] = { "tech_wanted", "market_wanted", NULL };
    static const char *const ips[] = { "applicant_keeps", "nonexclusive_licence", "exclusive_licence", "transfer", NULL };
    json_t *l = kj_challenge_list_view(kj_req_db(req), list_id, req->user);
    if (!l) { kj_error(req, 404, "err.not_found"); return; }
    json_t *d = json_pack("{s:s, s:O, s:o, s:o, s:b, s:O}", "page_title", kj_tr(req, edit_id ? "challenge.edit" : "challenge.new"),
                          "list", l, "directions", list_options(req, directions, "challenge.direction.", kj_jstr(form, "direction")),
                          "ip_options", list_options(req, ips, "challenge.ip.", kj_jstr(form, "ip_terms")),
                          "is_staff", !edit_id && (kj_req_role(req) & KJ_STAFF), "form", form);
    json_object_set_new(d, "form_action", json_string(edit_id ? kj_arena_printf(req->arena, "/challenges/%s/edit", edit_id)
                                                              : kj_arena_printf(req->arena, "/challenge-lists/%s/challenges", list_id)));
    if (edit_id) json_object_set_new(d, "edit_id", json_string(edit_id));
    json_object_set_new(d, "domains", kj_ref_options(req, "domains", json_object_get(form, "domain")));
    json_decref(l);
    kj_render(req, status, "challenge_form", d);
}

static void render_new_form(kj_req *req, int status)
{
    json_t *form = req->form ? json_incref(req->form) : json_object();
    render_form(req, status, kj_req_param(req, 0), NULL, form);
    json_decref(form);
}

void kj_page_challenge_new(kj_req *req) { render_new_form(req, 200); }

/* Form lines of up to four fields ("name | target | unit | verification"
 * for indicators; milestones and rubrics reuse the shape): the one format
 * of text/indicators.h, full-width separators included. */
static json_t *parse_indicators(const char *text) { return kj_indicators_parse(text, 4); }

void kj_page_challenge_create(kj_req *req)
{
    if (kj_has_errors(req)) { render_new_form(req, 422); return; }
    json_object_set_new(req->in, "indicators", parse_indicators(kj_in_str(req, "indicators")));
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    if (kj_challenge_create(kj_req_db(req), req->user, kj_req_param(req, 0), req->in, id, &e)) {
        if (e.kind == KJ_E_NOT_FOUND) { kj_error(req, 404, e.key); return; }
        kj_field_error(req, e.field ? e.field : "form", e.key);
        render_new_form(req, e.kind == KJ_E_FORBIDDEN ? 403 : 422);
        return;
    }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/challenges/%s", id));
}

/* ---- editing an entry (issuer, before publication) ---- */

/* Indicators as the form's lines: "name | target | unit | verification". */
static json_t *indicators_text(json_t *indicators)
{
    char *text = kj_indicators_text(indicators, 4);
    json_t *out = json_string(text);
    free(text);
    return out;
}

/* The entry if the viewer may edit it now; otherwise answers (404/403/409). */
static json_t *editable_entry(kj_req *req)
{
    kj_err e = { 0 };
    json_t *c = kj_challenge_view(kj_req_db(req), kj_req_param(req, 0), req->user, &e);
    if (!c) { kj_error(req, kj_err_status(&e), e.key); return NULL; }
    const char *st = kj_jstr(c, "status");
    if (!json_is_true(json_object_get(c, "is_issuer"))) { json_decref(c); kj_error(req, 403, "err.challenge.role"); return NULL; }
    if (!kj_challenge_allowed("edit", st)) { json_decref(c); kj_error(req, 409, "err.challenge.state"); return NULL; }
    return c;
}

void kj_page_challenge_edit(kj_req *req)
{
    json_t *c = editable_entry(req);
    if (!c) return;
    static const char *const keep[] = { "direction", "title", "domain", "problem", "difficulties", "deliverables", "bounty",
                                        "payment_terms", "task_period", "eligibility", "ip_terms", "deadline", "contact", NULL };
    json_t *form = json_object();
    for (const char *const *k = keep; *k; k++) if (kj_jstr(c, *k)) json_object_set(form, *k, json_object_get(c, *k));
    json_object_set_new(form, "indicators", indicators_text(json_object_get(c, "indicators")));
    render_form(req, 200, kj_jstr(c, "list_id"), kj_jstr(c, "id"), form);
    json_decref(form);
    json_decref(c);
}

void kj_page_challenge_update(kj_req *req)
{
    json_t *c = editable_entry(req);
    if (!c) return;
    json_t *form = req->form ? json_incref(req->form) : json_object();
    json_object_set(form, "direction", json_object_get(c, "direction"));
    kj_err e = { 0 };
    if (!kj_has_errors(req)) {
        json_object_set_new(req->in, "indicators", parse_indicators(kj_in_str(req, "indicators")));
        if (kj_challenge_update(kj_req_db(req), req->user, kj_jstr(c, "id"), req->in, &e) == 0) {
            kj_resp_redirect(req, kj_arena_printf(req->arena, "/challenges/%s", kj_jstr(c, "id")));
            json_decref(form);
            json_decref(c);
            return;
        }
        kj_field_error(req, e.field ? e.field : "form", e.key);
    }
    render_form(req, e.kind == KJ_E_FORBIDDEN || e.kind == KJ_E_CONFLICT ? kj_err_status(&e) : 422, kj_jstr(c, "list_id"), kj_jstr(c, "id"), form);
    json_decref(form);
    json_decref(c);
}

/* ---- an entry ---- */

static json_t *action_options(kj_req *req, json_t *actions)
{
    json_t *out = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(actions, i, a)
        json_array_append_new(out, json_pack("{s:O, s:s}", "code", a, "label",
                              kj_tr(req, kj_arena_printf(req->arena, "challenge.action.%s", json_string_value(a)))));
    return out;
}

static bool state_in(json_t *c, const char *const *states)
{
    const char *st = kj_jstr(c, "status");
    for (; st && *states; states++) if (!strcmp(st, *states)) return true;
    return false;
}

/* The studios the viewer is an active member of, as options (may apply
 * for one of them); selected marks current. */
static json_t *studio_options(kj_req *req, const char *current)
{
    json_t *rows = req->user ? kj_studio_active_of(kj_req_db(req), kj_jstr(req->user, "id")) : NULL;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) json_object_set_new(r, "selected", json_boolean(current && !strcmp(current, kj_jstr(r, "id"))));
    return rows ? rows : json_array();
}

/* Rubric text for the form: one criterion per line, "name | weight | max". */
static json_t *rubric_text(json_t *rubric)
{
    kj_buf b = { 0 };
    size_t i;
    json_t *r;
    json_array_foreach(rubric, i, r)
        kj_buf_printf(&b, "%s | %lld | %lld\n", kj_jstr(r, "name"), (long long)json_integer_value(json_object_get(r, "weight")),
                      (long long)json_integer_value(json_object_get(r, "max")));
    json_t *out = json_string(b.data ? b.data : "");
    kj_buf_free(&b);
    return out;
}

/* Issuer/staff: reviewer set-up; reviewers: declaration and score forms;
 * issuer/staff once complete: the ranking. Applications appear only here,
 * to those who may see them. */
static void add_review_section(kj_req *req, json_t *c)
{
    static const char *const setup_states[] = { "submitted", "published", "reviewing", NULL };
    static const char *const declare_states[] = { "published", "reviewing", NULL };
    kj_db *db = kj_req_db(req);
    const char *id = kj_jstr(c, "id");
    bool insider = json_is_true(json_object_get(c, "is_issuer")) || json_is_true(json_object_get(c, "is_staff"));
    kj_err e = { 0 };
    json_t *rs = req->user ? kj_review_state(db, req->user, id, &e) : NULL;
    if (!rs) return;
    bool scoring_started = kj_challenge_scoring_started(db, id);
    if (insider && state_in(c, setup_states) && !scoring_started) {
        json_t *experts = kj_challenge_expert_pool(db);
        size_t i;
        json_t *x, *r;
        json_array_foreach(experts, i, x) {
            bool on = false;
            size_t j;
            json_array_foreach(json_object_get(rs, "reviewers"), j, r) if (!strcmp(kj_jstr(r, "user_id"), kj_jstr(x, "id"))) on = true;
            json_object_set_new(x, "selected", json_boolean(on));
        }
        json_object_set_new(c, "experts", experts ? experts : json_array());
        json_object_set_new(c, "rubric_text", rubric_text(json_object_get(rs, "rubric")));
        json_object_set_new(c, "can_setup_review", json_true());
    }
    const char *me = kj_jstr(req->user, "id");
    bool assigned = false;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(rs, "reviewers"), i, r) if (!strcmp(kj_jstr(r, "user_id"), me)) assigned = true;
    json_object_set_new(c, "can_declare", json_boolean(assigned && state_in(c, declare_states)));
    json_t *apps = kj_applications(db, req->user, id, &e);
    bool reviewing = !strcmp(kj_jstr(c, "status"), "reviewing") && json_is_true(json_object_get(c, "is_reviewer"));
    json_t *a;
    json_array_foreach(apps, i, a) {
        json_t *mine = NULL, *others = json_array(), *s;
        size_t j;
        json_array_foreach(json_object_get(rs, "scores"), j, s) {
            if (strcmp(kj_jstr(s, "application_id"), kj_jstr(a, "id"))) continue;
            if (!strcmp(kj_jstr(s, "reviewer_id"), me)) mine = s; else json_array_append(others, s);
        }
        bool excluded = kj_challenge_reviewer_excluded(db, me, a);
        json_object_set_new(a, "excluded", json_boolean(reviewing && excluded));
        json_object_set_new(a, "can_score", json_boolean(reviewing && !excluded && !mine));
        if (mine) json_object_set(a, "my_score", mine);
        json_object_set_new(a, "other_scores", others);
    }
    if (json_is_true(json_object_get(c, "is_reviewer")) || insider) json_object_set_new(c, "review_apps", apps ? apps : json_array());
    else json_decref(apps);
    json_object_set(c, "criteria", json_object_get(rs, "rubric"));
    json_object_set(c, "ranking", json_object_get(rs, "ranking"));
    json_object_set(c, "review_complete", json_object_get(rs, "complete"));
    json_object_set(c, "reviewers", json_object_get(rs, "reviewers"));
    json_decref(rs);
}

/* The viewer's own application, with its withdraw button. */
static void add_my_application(kj_req *req, json_t *c)
{
    static const char *const withdraw_states[] = { "published", "reviewing", NULL };
    const char *app_id = kj_jstr(c, "my_application_id");
    if (!app_id) return;
    kj_err e = { 0 };
    json_t *a = kj_application_get(kj_req_db(req), req->user, app_id, &e);
    if (!a) return;
    json_object_set_new(a, "can_withdraw", json_boolean(state_in(c, withdraw_states) && !strcmp(kj_jstr(a, "status"), "submitted")));
    bool editable = kj_application_editable(kj_req_db(req), req->user, app_id);
    json_object_set_new(a, "can_edit", json_boolean(editable));
    json_object_set_new(a, "can_attach", json_boolean(editable &&
        json_array_size(json_object_get(a, "attachments")) < KJ_CH_MAX_FILES));
    label(req, a, "status", "challenge.app_status.", "status_label");
    /* The edit form shows what the user typed when it came back refused. */
    json_t *shown = kj_has_errors(req) && req->form ? json_incref(req->form) : json_copy(a);
    json_object_set_new(a, "studios", studio_options(req, kj_jstr(shown, "studio_id")));
    json_object_set_new(a, "edit", shown);
    json_object_set_new(c, "my_application", a);
}

/* Milestones: reports for the parties only; the forms each party may use. */
static void add_milestones(kj_req *req, json_t *c)
{
    bool executing = !strcmp(kj_jstr(c, "status"), "executing");
    bool winner = json_is_true(json_object_get(c, "is_winner")), issuer = json_is_true(json_object_get(c, "is_issuer"));
    bool insider = winner || issuer || json_is_true(json_object_get(c, "is_staff"));
    json_t *ms = kj_milestones(kj_req_db(req), kj_jstr(c, "id"));
    size_t i;
    json_t *x;
    json_array_foreach(ms, i, x) {
        const char *st = kj_jstr(x, "status");
        if (!insider) { json_object_del(x, "report"); json_object_del(x, "evidence"); }
        label(req, x, "status", "challenge.milestone.", "status_label");
        json_object_set_new(x, "can_report", json_boolean(executing && winner && (!strcmp(st, "pending") || !strcmp(st, "returned"))));
        json_object_set_new(x, "can_decide", json_boolean(executing && issuer && !strcmp(st, "reported")));
    }
    json_object_set_new(c, "milestones", ms);
}

static void render_entry(kj_req *req, int status)
{
    kj_err e = { 0 };
    kj_db *db = kj_req_db(req);
    const char *id = kj_req_param(req, 0);
    json_t *c = kj_challenge_view(db, id, req->user, &e);
    if (!c) { kj_error(req, kj_err_status(&e), e.key); return; }
    decorate_entry(req, c);
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(c, "timeline"), i, x) {
        label(req, x, "action", "challenge.event.", "action_label");
        label(req, x, "to_status", "challenge.status.", "to_label");
        kj_set_when(req, x, "created_at", "at");
    }
    json_t *actions = json_object_get(c, "actions");
    json_object_set_new(c, "action_options", action_options(req, actions));
    json_object_set_new(c, "has_actions", json_boolean(json_array_size(actions) > 0));
    const char *st = kj_jstr(c, "status");
    if (json_is_true(json_object_get(c, "is_issuer")) && st && !strcmp(st, "reviewing")) {
        kj_err e2 = { 0 };
        json_t *apps = kj_applications(db, req->user, id, &e2);
        json_object_set_new(c, "candidates", apps ? apps : json_array());
    }
    add_review_section(req, c);
    add_my_application(req, c);
    json_t *obs = kj_objections(db, id);
    bool can_answer = json_is_true(json_object_get(c, "is_staff")) && st && !strcmp(st, "publicity");
    json_array_foreach(obs, i, x) json_object_set_new(x, "can_answer", json_boolean(can_answer && !kj_jstr(x, "answer")));
    json_object_set_new(c, "objections", obs);
    json_object_set_new(c, "can_object", json_boolean(req->user && st && !strcmp(st, "publicity")));
    add_milestones(req, c);
    if (json_is_true(json_object_get(c, "can_apply")))
        json_object_set_new(c, "studios", studio_options(req, req->form ? kj_jstr(req->form, "studio_id") : NULL));
    json_object_set_new(c, "can_edit", json_boolean(json_is_true(json_object_get(c, "is_issuer")) && kj_challenge_allowed("edit", st)));
    json_object_set_new(c, "page_title", json_string(kj_jstr(c, "title")));
    int64_t deadline = json_integer_value(json_object_get(c, "deadline_ms"));
    json_object_set_new(c, "deadline_at", json_string(kj_arena_printf(req->arena, "%s（%s）", kj_when_text(req, deadline),
                                                                       kj_left_text(req, deadline))));
    kj_render(req, status, "challenge_detail", c);
}

void kj_page_challenge(kj_req *req) { render_entry(req, kj_has_errors(req) ? 422 : 200); }

/* Form milestones: one per line, "title | due (YYYY-MM-DD) | criteria". */
static json_t *form_agreement(kj_req *req)
{
    json_t *ms = json_array();
    json_t *lines = parse_indicators(kj_in_str(req, "milestones"));
    size_t i;
    json_t *l;
    json_array_foreach(lines, i, l)
        json_array_append_new(ms, json_pack("{s:O, s:O, s:O}", "title", json_object_get(l, "name"),
                                            "due", json_object_get(l, "target"), "criteria", json_object_get(l, "unit")));
    json_decref(lines);
    const char *parties = kj_in_str(req, "parties"), *amount = kj_in_str(req, "amount");
    return json_pack("{s:s, s:s, s:o}", "parties", parties ? parties : "", "amount", amount ? amount : "", "milestones", ms);
}

static void back_to_entry(kj_req *req) { kj_resp_redirect(req, kj_arena_printf(req->arena, "/challenges/%s", kj_req_param(req, 0))); }

/* The fields the entry page shows errors next to; others go to the top. */
static const char *page_field(const char *field)
{
    static const char *const shown[] = { "reason", "agreement", "winners", "grade", "team", "approach", "indicator_plan",
                                         "schedule", "budget", "body", "reviewers", "rubric", NULL };
    for (const char *const *f = shown; field && *f; f++) if (!strcmp(*f, field)) return field;
    return "form";
}

static void refuse_on_page(kj_req *req, const kj_err *e)
{
    if (e->kind == KJ_E_NOT_FOUND || e->kind == KJ_E_FORBIDDEN) { kj_error(req, kj_err_status(e), e->key); return; }
    kj_field_error(req, page_field(e->field), e->key);
    render_entry(req, e->kind == KJ_E_CONFLICT ? 409 : 422);
}

void kj_page_challenge_act(kj_req *req)
{
    if (kj_has_errors(req)) { kj_page_challenge(req); return; }
    if (kj_in_str(req, "action") && !strcmp(kj_in_str(req, "action"), "sign"))
        json_object_set_new(req->in, "agreement", form_agreement(req));
    kj_err e = { 0 };
    if (kj_challenge_act(kj_req_db(req), req->user, kj_req_param(req, 0), kj_in_str(req, "action"), req->in, &e)) {
        refuse_on_page(req, &e);
        return;
    }
    back_to_entry(req);
}

void kj_page_challenge_apply(kj_req *req)
{
    if (kj_has_errors(req)) { kj_page_challenge(req); return; }
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    if (kj_application_submit(kj_req_db(req), req->user, kj_req_param(req, 0), req->in, id, &e)) { refuse_on_page(req, &e); return; }
    back_to_entry(req);
}

void kj_page_challenge_object(kj_req *req)
{
    if (kj_has_errors(req)) { kj_page_challenge(req); return; }
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    if (kj_objection_file(kj_req_db(req), req->user, kj_req_param(req, 0), kj_in_str(req, "body"), id, &e)) {
        refuse_on_page(req, &e);
        return;
    }
    back_to_entry(req);
}

void kj_challenge_fail(kj_req *req, const kj_err *e) { kj_answer_err(req, e); }

/* ---- review, objections, milestones (forms) ---- */

/* True when the part in the path (second parameter) belongs to the entry
 * in the path; otherwise answers 404. */
static bool sub_belongs(kj_req *req, kj_ch_part part)
{
    if (kj_challenge_part_of(kj_req_db(req), part, kj_req_param(req, 1), kj_req_param(req, 0))) return true;
    kj_error(req, 404, "err.not_found");
    return false;
}

/* Form rubric: one criterion per line, "name | weight | max". */
static json_t *parse_rubric(const char *text)
{
    json_t *lines = parse_indicators(text), *out = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(lines, i, l)
        json_array_append_new(out, json_pack("{s:O, s:I, s:I}", "name", json_object_get(l, "name"),
                                             "weight", (json_int_t)atoll(kj_jstr(l, "target")), "max", (json_int_t)atoll(kj_jstr(l, "unit"))));
    json_decref(lines);
    return out;
}

void kj_page_challenge_reviewers(kj_req *req)
{
    if (kj_has_errors(req)) { kj_page_challenge(req); return; }
    json_t *rubric = parse_rubric(kj_in_str(req, "rubric"));
    json_t *reviewers = json_object_get(req->in, "reviewers");
    json_t *none = json_array();
    kj_err e = { 0 };
    int rc = kj_review_setup(kj_req_db(req), req->user, kj_req_param(req, 0), reviewers ? reviewers : none, rubric, &e);
    json_decref(none);
    json_decref(rubric);
    if (rc) { refuse_on_page(req, &e); return; }
    back_to_entry(req);
}

void kj_page_challenge_declare(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_has_errors(req)) { kj_page_challenge(req); return; }
    if (kj_review_declare(kj_req_db(req), req->user, kj_req_param(req, 0), kj_in_bool(req, "conflict"), kj_in_str(req, "note"), &e)) {
        refuse_on_page(req, &e);
        return;
    }
    back_to_entry(req);
}

void kj_page_challenge_score(kj_req *req)
{
    if (kj_has_errors(req)) { kj_page_challenge(req); return; }
    if (!sub_belongs(req, KJ_CH_APPLICATION)) return;
    json_t *scores = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(req->in, "scores"), i, v) {
        char *end = NULL;
        double d = strtod(json_string_value(v), &end);
        json_array_append_new(scores, end && *end == 0 && end != json_string_value(v) ? json_real(d) : json_null());
    }
    kj_err e = { 0 };
    int rc = kj_review_score(kj_req_db(req), req->user, kj_req_param(req, 1), scores, kj_in_str(req, "comment"), &e);
    json_decref(scores);
    if (rc) { refuse_on_page(req, &e); return; }
    back_to_entry(req);
}

void kj_page_challenge_withdraw(kj_req *req)
{
    if (!sub_belongs(req, KJ_CH_APPLICATION)) return;
    kj_err e = { 0 };
    if (kj_application_withdraw(kj_req_db(req), req->user, kj_req_param(req, 1), &e)) { refuse_on_page(req, &e); return; }
    back_to_entry(req);
}

void kj_page_challenge_answer(kj_req *req)
{
    if (kj_has_errors(req)) { kj_page_challenge(req); return; }
    if (!sub_belongs(req, KJ_CH_OBJECTION)) return;
    kj_err e = { 0 };
    if (kj_objection_answer(kj_req_db(req), req->user, kj_req_param(req, 1), kj_in_str(req, "answer"), &e)) {
        refuse_on_page(req, &e);
        return;
    }
    back_to_entry(req);
}

void kj_page_challenge_report(kj_req *req)
{
    if (kj_has_errors(req)) { kj_page_challenge(req); return; }
    if (!sub_belongs(req, KJ_CH_MILESTONE)) return;
    kj_err e = { 0 };
    if (kj_milestone_report(kj_req_db(req), req->user, kj_req_param(req, 1), kj_in_str(req, "report"), kj_in_str(req, "evidence"), &e)) {
        refuse_on_page(req, &e);
        return;
    }
    back_to_entry(req);
}

void kj_page_challenge_decide(kj_req *req)
{
    if (kj_has_errors(req)) { kj_page_challenge(req); return; }
    if (!sub_belongs(req, KJ_CH_MILESTONE)) return;
    kj_err e = { 0 };
    const char *d = kj_in_str(req, "decision");
    if (kj_milestone_decide(kj_req_db(req), req->user, kj_req_param(req, 1), d && !strcmp(d, "accept"), kj_in_str(req, "reason"), &e)) {
        refuse_on_page(req, &e);
        return;
    }
    back_to_entry(req);
}

/* ---- one's application: edit, files ---- */

void kj_page_challenge_app_update(kj_req *req)
{
    if (kj_has_errors(req)) { kj_page_challenge(req); return; }
    if (!sub_belongs(req, KJ_CH_APPLICATION)) return;
    kj_err e = { 0 };
    if (kj_application_update(kj_req_db(req), req->user, kj_req_param(req, 1), req->in, &e)) {
        /* Field errors are shown in the edit form, not in the apply form. */
        if (e.kind == KJ_E_INVALID) {
            kj_field_error(req, e.field ? kj_arena_printf(req->arena, "edit_%s", e.field) : "form", e.key);
            render_entry(req, 422);
            return;
        }
        refuse_on_page(req, &e);
        return;
    }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/challenges/%s?saved=1#challenge-my-application", kj_req_param(req, 0)));
}

/* The request's uploaded files, attached one by one to application
 * app_id; 0, or -1 with e (files stored before the refusal stay). */
static int attach_uploads(kj_req *req, const char *app_id, char *first, kj_err *e)
{
    kj_app *app = kj_req_app(req);
    int n = 0;
    for (kj_upload *u = req->uploads; u; u = u->next) {
        if (!u->filename || !*u->filename) continue;
        char att[KJ_ID_LEN + 1];
        if (kj_application_attach(kj_req_db(req), req->user, app_id, app->cfg.data, (size_t)app->cfg.max_upload,
                                  u->filename, u->data, u->size, att, e))
            return -1;
        if (!n++ && first) memcpy(first, att, sizeof att);
    }
    if (!n) return kj_err_set(e, KJ_E_INVALID, "err.attach.empty", "file");
    return 0;
}

void kj_page_challenge_app_attach(kj_req *req)
{
    if (!sub_belongs(req, KJ_CH_APPLICATION)) return;
    kj_err e = { 0 };
    if (attach_uploads(req, kj_req_param(req, 1), NULL, &e)) { kj_error(req, kj_err_status(&e), e.key); return; }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/challenges/%s#challenge-my-application", kj_req_param(req, 0)));
}

bool kj_challenge_app_in_path(kj_req *req) { return sub_belongs(req, KJ_CH_APPLICATION); }

int kj_challenge_attach_uploads(kj_req *req, const char *app_id, char *first, kj_err *e)
{
    return attach_uploads(req, app_id, first, e);
}

void kj_page_challenge_app_detach(kj_req *req)
{
    if (!sub_belongs(req, KJ_CH_APPLICATION)) return;
    kj_err e = { 0 };
    if (kj_application_detach(kj_req_db(req), req->user, kj_req_param(req, 1), kj_req_param(req, 2), kj_req_app(req)->cfg.data, &e)) {
        kj_challenge_fail(req, &e);
        return;
    }
    if (kj_wants_json(req)) { req->status = 204; return; }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/challenges/%s#challenge-my-application", kj_req_param(req, 0)));
}

/* Downloads a file of an application: the applicant, issuer, staff and
 * assigned reviewers only; 404 for everybody else, as if it did not exist. */
void kj_page_challenge_file(kj_req *req)
{
    kj_send_private_attachment(req, kj_challenge_file(kj_req_db(req), req->user, kj_req_param(req, 0), kj_req_param(req, 1)));
}
