/*
 * pages_workorder.c — the work-order pages: ask a center for help, my
 * work orders, the staff queue (breaches of the first-response deadline
 * first), and one order with its public thread, internal notes (staff
 * only), the actions the viewer may take now as buttons, and the rating
 * form. Every action form posts to /work-orders/{id}/act.
 */
#include "web/pages_workorder.h"
#include "web/region_picker.h"
#include <stdio.h>
#include <string.h>
#include "center/center.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "web/app.h"
#include "web/market_view.h"
#include "workorder/workorder.h"

int64_t kj_workorder_window_ms(kj_req *req) { return (int64_t)kj_req_app(req)->cfg.workorder_first_response_hours * 3600 * 1000; }

void kj_workorder_fail(kj_req *req, const kj_err *e) { kj_answer_err(req, e); }

int kj_workorder_attach_uploads(kj_req *req, const char *id, bool internal, char *first, kj_err *e)
{
    kj_app *app = kj_req_app(req);
    /* Who may not see the order learns nothing, not even "no file". */
    json_t *v = kj_workorder_view(kj_req_db(req), req->user, id, e);
    if (!v) return -1;
    json_decref(v);
    int n = 0;
    for (kj_upload *u = req->uploads; u; u = u->next) {
        if (!u->filename || !*u->filename) continue;
        char att[KJ_ID_LEN + 1];
        if (kj_workorder_attach(kj_req_db(req), req->user, id, app->cfg.data, (size_t)app->cfg.max_upload, u->filename,
                                u->data, u->size, internal, att, e))
            return -1;
        if (!n++ && first) memcpy(first, att, sizeof att);
    }
    if (!n) return kj_err_set(e, KJ_E_INVALID, "err.attach.empty", "file");
    return 0;
}

/* ---- decoration ---- */

static void set_label(kj_req *req, json_t *o, const char *field, const char *prefix, const char *code)
{
    char key[96];
    snprintf(key, sizeof key, "%s.%s", prefix, code ? code : "");
    json_object_set_new(o, field, json_string(kj_tr(req, key)));
}

/* Moments in the instance's time zone and the reader's language (app.h). */
static void set_time(kj_req *req, json_t *o, const char *field, const char *out) { kj_set_when(req, o, field, out); }

static void decorate_row(kj_req *req, json_t *r)
{
    set_label(req, r, "state_label", "workorder.state", kj_jstr(r, "state"));
    set_label(req, r, "type_label", "workorder.type", kj_jstr(r, "type"));
    bool en = !strcmp(req->lang, "en") && kj_jstr(r, "center_name_en") && *kj_jstr(r, "center_name_en");
    json_object_set_new(r, "center_name", json_string(kj_jstr_or_empty(r, en ? "center_name_en" : "center_name_zh")));
    set_time(req, r, "created_at", "created_text");
    set_time(req, r, "updated_at", "updated_text");
    set_time(req, r, "due_at", "due_text");
    json_t *due = json_object_get(r, "due_at");
    if (json_is_integer(due)) json_object_set_new(r, "due_left", json_string(kj_left_text(req, json_integer_value(due))));
}

static json_t *type_options(kj_req *req, const char *selected)
{
    json_t *types = kj_workorder_types(kj_req_db(req));
    size_t i;
    json_t *t;
    json_array_foreach(types, i, t) {
        set_label(req, t, "label", "workorder.type", kj_jstr(t, "code"));
        json_object_set_new(t, "selected", json_boolean(selected && !strcmp(selected, kj_jstr_or_empty(t, "code"))));
    }
    return types;
}

static json_t *state_options(kj_req *req, const char *selected)
{
    json_t *out = json_array();
    for (const char *const *s = kj_workorder_states; *s; s++) {
        json_t *o = json_pack("{s:s, s:b}", "code", *s, "selected", selected && !strcmp(selected, *s));
        set_label(req, o, "label", "workorder.state", *s);
        json_array_append_new(out, o);
    }
    return out;
}

static json_t *center_options(kj_req *req, const char *selected, const char *except)
{
    json_t *centers = kj_center_list(kj_req_db(req), NULL, NULL), *out = json_array();
    size_t i;
    json_t *c;
    bool en = !strcmp(req->lang, "en");
    json_array_foreach(centers, i, c) {
        const char *id = kj_jstr(c, "id");
        if (except && !strcmp(except, id)) continue;
        const char *name = en && *kj_jstr_or_empty(c, "name_en") ? kj_jstr(c, "name_en") : kj_jstr_or_empty(c, "name_zh");
        json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "id", id, "name", name, "selected", selected && !strcmp(selected, id)));
    }
    json_decref(centers);
    return out;
}

/* ---- lists ---- */

static void render_list(kj_req *req, const char *scope, const char *tmpl, const char *title_key)
{
    json_t *items = kj_workorder_list(kj_req_db(req), req->user, scope, kj_in_str(req, "state"), kj_in_str(req, "type"));
    size_t i;
    json_t *r;
    json_array_foreach(items, i, r) decorate_row(req, r);
    json_t *d = json_pack("{s:o, s:o, s:o, s:s}", "items", items, "states", state_options(req, kj_in_str(req, "state")),
                          "types", type_options(req, kj_in_str(req, "type")), "page_title", kj_tr(req, title_key));
    const char *done = kj_req_query(req, "done");
    if (done && *done) {
        char key[64];
        snprintf(key, sizeof key, "workorder.done.%.40s", done);
        json_object_set_new(d, "done_text", json_string(kj_tr(req, key)));
    }
    const char *center = kj_jstr(req->user, "center_id");
    if (center) {
        json_object_set_new(d, "is_center_staff", json_true());
        json_t *counts = kj_workorder_desk_counts(kj_req_db(req), center);
        json_t *by = json_array();
        for (const char *const *s = kj_workorder_states; *s; s++) {
            json_t *o = json_pack("{s:s, s:O}", "code", *s, "n", json_object_get(json_object_get(counts, "states"), *s));
            set_label(req, o, "label", "workorder.state", *s);
            json_array_append_new(by, o);
        }
        json_object_set_new(counts, "by_state", by);
        json_t *cinfo = kj_center_get(kj_req_db(req), center);
        if (cinfo) json_object_set_new(counts, "center_name", json_string(kj_jstr_or_empty(cinfo, "name_zh")));
        json_decref(cinfo);
        json_object_set_new(d, "counts", counts);
    }
    kj_render(req, 200, tmpl, d);
}

void kj_page_workorders(kj_req *req) { render_list(req, "mine", "workorder_list", "workorder.list.title"); }
void kj_page_workorder_queue(kj_req *req) { render_list(req, "queue", "workorder_queue", "workorder.queue.title"); }

/* ---- the form ---- */

static void render_form(kj_req *req, int status)
{
    const char *region = kj_in_str(req, "region");
    if (!region) region = kj_jstr(req->user, "region");
    json_t *d = json_pack("{s:o, s:o, s:o, s:s}", "types", type_options(req, kj_in_str(req, "type")), "region_picker",
                          kj_region_picker(req, "region", region, "workorder.field.region"), "centers", center_options(req, kj_in_str(req, "center_id"), NULL),
                          "page_title", kj_tr(req, "workorder.new.title"));
    kj_render(req, status, "workorder_form", d);
}

void kj_page_workorder_new(kj_req *req) { render_form(req, 200); }

void kj_page_workorder_create(kj_req *req)
{
    if (kj_has_errors(req)) { render_form(req, 422); return; }
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    if (kj_workorder_create(kj_req_db(req), req->user, req->in, kj_workorder_window_ms(req), id, &e)) {
        if (e.kind != KJ_E_INVALID) { kj_error(req, kj_err_status(&e), e.key); return; }
        kj_req_fail(req, &e);
        render_form(req, 422);
        return;
    }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/work-orders/%s", id));
}

/* ---- one order ---- */

static void render_order(kj_req *req, int status)
{
    kj_err e = { 0 };
    json_t *w = kj_workorder_view(kj_req_db(req), req->user, kj_req_param(req, 0), &e);
    if (!w) { kj_error(req, kj_err_status(&e), e.key); return; }
    decorate_row(req, w);
    /* Forms inside sections use wo_id: a section's own "id" (a file's, a
     * center's) would shadow the order's (the deal page's broker bug). */
    json_object_set(w, "wo_id", json_object_get(w, "id"));
    bool en = !strcmp(req->lang, "en");
    json_object_set_new(w, "region_name", json_string(kj_jstr_or_empty(w, en ? "region_name_en" : "region_name_zh")));
    json_t *can = json_object();
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(w, "actions"), i, x) json_object_set_new(can, json_string_value(x), json_true());
    /* Buttons for the transitions that need no more than a click; the
     * ones with inputs have their own forms below. */
    static const char *const simple[] = { "start", "resolve", NULL };
    json_t *buttons = json_array();
    for (const char *const *a = simple; *a; a++)
        if (json_object_get(can, *a)) {
            json_t *b = json_pack("{s:s}", "action", *a);
            set_label(req, b, "label", "workorder.action", *a);
            json_array_append_new(buttons, b);
        }
    json_array_foreach(json_object_get(w, "entries"), i, x) {
        set_time(req, x, "created_at", "created_text");
        const char *kind = kj_jstr_or_empty(x, "kind");
        json_object_set_new(x, "is_note", json_boolean(!strcmp(kind, "note")));
        json_object_set_new(x, "is_reply", json_boolean(!strcmp(kind, "reply")));
        json_object_set_new(x, "is_event", json_boolean(!strcmp(kind, "event")));
        set_label(req, x, "action_label", "workorder.event", kj_jstr(x, "action"));
        if (kj_jstr(x, "to_state")) set_label(req, x, "to_label", "workorder.state", kj_jstr(x, "to_state"));
        if (!kj_jstr(x, "actor_name")) json_object_set_new(x, "actor_name", json_string(kj_tr(req, "workorder.system")));
    }
    json_array_foreach(json_object_get(w, "files"), i, x) json_object_set_new(x, "is_internal", json_boolean(json_integer_value(json_object_get(x, "internal"))));
    json_t *roles = json_object_get(w, "roles");
    bool staff = json_is_true(json_object_get(roles, "staff")) || json_is_true(json_object_get(roles, "admin"));
    if (staff && (json_object_get(can, "accept") || json_object_get(can, "reassign"))) {
        json_t *people = kj_center_staff(kj_req_db(req), kj_jstr(w, "center_id"));
        json_object_set_new(w, "staff", people);
    }
    if (json_object_get(can, "transfer")) json_object_set_new(w, "centers", center_options(req, NULL, kj_jstr(w, "center_id")));
    if (json_object_get(can, "prepare_listing")) {
        /* 代发布 with the one region picker: a re-rendered form (an error,
         * or the picker's "下一级" step without JavaScript) keeps what was
         * typed, and stays open. */
        bool again = req->form && !strcmp(kj_jstr_or_empty(req->form, "action"), "prepare_listing");
        json_object_set_new(w, "domains", kj_ref_options(req, "domains", again ? json_object_get(req->form, "l_domain") : NULL));
        json_object_set_new(w, "l_modes", kj_ref_options(req, "coop_modes", again ? json_object_get(req->form, "l_coop_modes") : NULL));
        const char *region = again && kj_jstr(req->form, "l_region") ? kj_jstr(req->form, "l_region") : kj_jstr(w, "region");
        json_object_set_new(w, "l_region_picker", kj_region_picker(req, "l_region", region, "workorder.field.region"));
        json_object_set_new(w, "prepare_open", json_boolean(again));
    }
    json_object_set_new(w, "is_staff_view", json_boolean(staff));
    json_object_set_new(w, "can", can);
    json_object_set_new(w, "buttons", buttons);
    json_object_set_new(w, "has_buttons", json_boolean(json_array_size(buttons) > 0));
    json_object_set_new(w, "ratings", json_pack("[i,i,i,i,i]", 5, 4, 3, 2, 1));
    json_object_set_new(w, "page_title", json_string(kj_jstr_or_empty(w, "title")));
    const char *done = kj_req_query(req, "done");
    if (done && *done) {
        char key[64];
        snprintf(key, sizeof key, "workorder.done.%.40s", done);
        json_object_set_new(w, "done_text", json_string(kj_tr(req, key)));
    }
    kj_render(req, status, "workorder_detail", w);
}

void kj_page_workorder(kj_req *req) { render_order(req, 200); }

void kj_page_workorder_act(kj_req *req)
{
    const char *id = kj_req_param(req, 0), *action = kj_in_str(req, "action");
    if (kj_has_errors(req)) { render_order(req, 422); return; }
    json_t *in = json_deep_copy(req->in);
    if (action && !strcmp(action, "prepare_listing")) {
        json_t *l = json_object();
        static const char *const f[] = { "title", "summary", "description", "domain", "region", "valid_until", "deadline",
                                         "coop_modes", "indicators", NULL };
        for (const char *const *k = f; *k; k++) {
            char name[32];
            snprintf(name, sizeof name, "l_%s", *k);
            json_t *v = json_object_get(req->in, name);
            if (v) json_object_set(l, *k, v);
        }
        json_object_set_new(in, "listing", l);
    }
    kj_err e = { .fields = json_object() };
    int rc = kj_workorder_act(kj_req_db(req), req->user, id, action, in, kj_workorder_window_ms(req), &e);
    if (rc && e.kind == KJ_E_INVALID) {
        const char *k;
        json_t *v;
        json_object_foreach(e.fields, k, v) kj_field_error(req, kj_arena_printf(req->arena, "l_%s", k), json_string_value(v));
        kj_req_fail(req, &e);
        json_decref(e.fields);
        json_decref(in);
        render_order(req, 422);
        return;
    }
    json_decref(e.fields);
    const char *listing = kj_jstr(in, "listing_id");
    if (!rc && listing) {
        json_decref(in);
        kj_resp_redirect(req, kj_arena_printf(req->arena, "/work-orders/%s?done=prepare_listing#wo-thread", id));
        return;
    }
    json_decref(in);
    if (rc) { kj_error(req, kj_err_status(&e), e.key); return; }
    /* Moved out of the actor's reach: back to their queue. */
    kj_err ve = { 0 };
    json_t *v = kj_workorder_view(kj_req_db(req), req->user, id, &ve);
    json_decref(v);
    if (!v) kj_resp_redirect(req, kj_arena_printf(req->arena, "/work-orders/queue?done=%s", action));
    else kj_resp_redirect(req, kj_arena_printf(req->arena, "/work-orders/%s?done=%s", id, action));
}

void kj_page_workorder_attach(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_workorder_attach_uploads(req, kj_req_param(req, 0), kj_in_bool(req, "internal"), NULL, &e)) {
        kj_error(req, kj_err_status(&e), e.key);
        return;
    }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/work-orders/%s?done=attach", kj_req_param(req, 0)));
}

/* A file of an order: those who see it on the order's page only (internal
 * files: staff); 404 for everybody else, as if it did not exist. */
void kj_page_workorder_file(kj_req *req)
{
    kj_send_private_attachment(req, kj_workorder_file(kj_req_db(req), req->user, kj_req_param(req, 0), kj_req_param(req, 1)));
}
