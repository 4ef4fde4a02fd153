/*
 * pages_fed.c — the administrator's federation page (/admin/federation):
 * this instance's id and public key to give to a peer's operator, the
 * peers with their state, last sync and refusals, adding, suspending and
 * resuming a peer; hiding a remote listing (pages_fed.h).
 */
#include "web/pages_fed.h"
#include "fed/fed.h"
#include "instance/instance.h"
#include "core/id.h"
#include "core/origin.h"
#include "core/json_util.h"
#include "core/validate.h"
#include <stdio.h>
#include <string.h>

static void render_admin(kj_req *req, int status)
{
    json_t *peers = kj_fed_peers(kj_req_db(req));
    if (!peers) { kj_error(req, 500, "err.internal"); return; }
    size_t i;
    json_t *p;
    json_array_foreach(peers, i, p) {
        const char *state = kj_jstr_or_empty(p, "state");
        json_object_set_new(p, "state_label", json_string(kj_tr(req, kj_arena_printf(req->arena, "fed.state.%s", state))));
        json_object_set_new(p, "suspended", json_boolean(!strcmp(state, "suspended")));
        const char *name = !strcmp(req->lang, "en") && *kj_jstr_or_empty(p, "name_en") ? kj_jstr(p, "name_en") : kj_jstr(p, "name_zh");
        json_object_set_new(p, "name", json_string(name && *name ? name : kj_jstr_or_empty(p, "url")));
        kj_set_when(req, p, "last_ok_at", "last_ok_text");
        kj_set_when(req, p, "last_sync_at", "last_sync_text");
        kj_set_when(req, p, "next_sync_at", "next_sync_text");
        json_t *boxes = json_array();
        for (const char *const *k = kj_fed_kind_names; *k; k++) {
            bool on = false;
            size_t j;
            json_t *v;
            json_array_foreach(json_object_get(p, "accepted_kinds"), j, v) if (json_is_string(v) && !strcmp(json_string_value(v), *k)) on = true;
            json_array_append_new(boxes, json_pack("{s:s, s:s, s:b}", "kind", *k, "label",
                                                   kj_tr(req, kj_arena_printf(req->arena, "fed.kind.%s", *k)), "checked", on));
        }
        json_object_set_new(p, "kind_boxes", boxes);
        size_t j;
        json_t *e;
        json_array_foreach(json_object_get(p, "errors"), j, e) kj_set_when(req, e, "created_at", "when");
    }
    const kj_fed_self *me = kj_fed_self_get();
    char url[256];
    /* What this instance shares with every peer (fed/offer.c): one box per kind. */
    json_t *offered = kj_fed_offered(kj_req_db(req)), *shares = json_array();
    for (const char *const *k = kj_fed_kind_names; *k; k++) {
        bool on = false;
        size_t j;
        json_t *v;
        json_array_foreach(offered, j, v) if (!strcmp(json_string_value(v), *k)) on = true;
        json_array_append_new(shares, json_pack("{s:s, s:s, s:b}", "kind", *k, "label",
                                                kj_tr(req, kj_arena_printf(req->arena, "fed.kind.%s", *k)), "checked", on));
    }
    json_decref(offered);
    json_t *data = json_pack("{s:o, s:s, s:s, s:s, s:o}", "peers", peers, "instance_id", me ? me->instance_id : "",
                             "public_key", me ? me->pk_b64 : "", "url", kj_instance_url(url, sizeof url), "shares", shares);
    kj_render(req, status, "admin_federation", data);
}

void kj_page_fed_admin(kj_req *req) { render_admin(req, 200); }

/* kj_fed_label with the list's peer book (fed.h: kj_fed_origin_in). */
static void label_in(kj_req *req, json_t *o, json_t **book)
{
    const char *origin = kj_jstr(o, "origin");
    if (!origin) return;
    json_t *obj = kj_fed_origin_in(kj_req_db(req), book, origin, req->lang);
    bool remote = !json_is_true(json_object_get(obj, "local"));
    if (remote) json_object_set_new(o, "origin_label", json_string(kj_jstr_or_empty(obj, "name")));
    json_object_set_new(o, "is_remote", json_boolean(remote));
    json_object_set_new(o, "origin", obj);
}

void kj_fed_label(kj_req *req, json_t *o)
{
    json_t *book = NULL;
    label_in(req, o, &book);
    json_decref(book);
}

void kj_fed_label_all(kj_req *req, json_t *items)
{
    json_t *book = NULL, *it;
    size_t i;
    json_array_foreach(items, i, it) label_in(req, it, &book);
    json_decref(book);
}

const char *kj_fed_origin_param(kj_req *req)
{
    const char *o = kj_in_str(req, "origin");
    if (!o || !*o) return NULL;
    if (!kj_origin_filter_valid(o)) { kj_field_error(req, "origin", "err.fed.origin"); return NULL; }
    return o;
}

void kj_fed_origin_options(kj_req *req, json_t *d, const char *selected)
{
    json_t *peers = kj_fed_peer_names(kj_req_db(req), req->lang), *opts = json_array(), *p;
    const char *sel = selected ? selected : "";
    static const struct { const char *value, *key; } fixed[] = {
        { "", "fed.filter.any" }, { "local", "fed.filter.local" }, { "remote", "fed.filter.remote" } };
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "value", fixed[i].value, "label", kj_tr(req, fixed[i].key),
                                              "selected", !strcmp(sel, fixed[i].value)));
    size_t i;
    json_array_foreach(peers, i, p)
        json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "value", kj_jstr(p, "instance_id"), "label",
                                              kj_trf(req, "fed.from", kj_jstr(p, "name")), "selected",
                                              !strcmp(sel, kj_jstr(p, "instance_id"))));
    json_object_set_new(d, "origin_filter", json_boolean(json_array_size(peers) > 0 || *sel));
    json_object_set_new(d, "origin_options", opts);
    json_decref(peers);
}

void kj_fed_label_filter(kj_req *req, json_t *items, const char *origin)
{
    json_t *book = NULL;
    for (size_t i = 0; i < json_array_size(items);) {
        json_t *it = json_array_get(items, i);
        label_in(req, it, &book);
        json_t *o = json_object_get(it, "origin");
        bool local = json_is_true(json_object_get(o, "local"));
        bool keep = kj_origin_filter_keeps(origin, kj_jstr(o, "instance_id"), local);
        if (keep) i++;
        else json_array_remove(items, i);
    }
    json_decref(book);
}

/* The kinds whose box is ticked in a form of kind_<name> boxes. New ref. */
static json_t *ticked_kinds(kj_req *req)
{
    json_t *kinds = json_array();
    for (const char *const *k = kj_fed_kind_names; *k; k++) {
        char name[32];
        snprintf(name, sizeof name, "kind_%s", *k);
        const char *v = kj_in_str(req, name);
        if (v && *v) json_array_append_new(kinds, json_string(*k));
    }
    return kinds;
}

void kj_page_fed_peer_kinds(kj_req *req)
{
    kj_err fail = { 0 };
    json_t *kinds = ticked_kinds(req);
    int rc = kj_fed_peer_kinds(kj_req_db(req), req->user, kj_req_param(req, 0), kinds, &fail);
    json_decref(kinds);
    if (rc) { kj_answer_err(req, &fail); return; }
    kj_resp_redirect(req, "/admin/federation?done=kinds");
}

void kj_page_fed_shares(kj_req *req)
{
    kj_err fail = { 0 };
    json_t *kinds = ticked_kinds(req);
    int rc = kj_has_errors(req) ? -1 : kj_fed_set_offered(kj_req_db(req), req->user, kinds, kj_in_str(req, "reason"), &fail);
    json_decref(kinds);
    if (rc && !fail.key) { render_admin(req, 422); return; }
    if (rc) { kj_answer_err(req, &fail); return; }
    kj_resp_redirect(req, "/admin/federation?done=shares");
}

void kj_page_fed_ask(kj_req *req)
{
    const char *cid = kj_req_param(req, 0);
    if (kj_has_errors(req)) { kj_error(req, 422, "err.fed.question_title"); return; }
    char qid[KJ_ID_LEN + 1];
    kj_err fail = { 0 };
    if (kj_fed_ask(kj_req_db(req), req->user, cid, kj_in_str(req, "title"), kj_in_str(req, "body"), qid, &fail)) {
        if (fail.kind == KJ_E_INVALID) { kj_error(req, 422, fail.key); return; }
        kj_answer_err(req, &fail);
        return;
    }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/popsci/questions/%s?asked=1", qid));
}

void kj_api_fed_ask(kj_req *req)
{
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    char qid[KJ_ID_LEN + 1];
    kj_err fail = { 0 };
    if (kj_fed_ask(kj_req_db(req), req->user, kj_req_param(req, 0), kj_in_str(req, "title"), kj_in_str(req, "body"), qid, &fail)) {
        kj_answer_err(req, &fail);
        return;
    }
    json_t *q = json_pack("{s:s, s:s}", "id", qid, "status", "open");
    kj_fed_question_view(kj_req_db(req), q);
    kj_resp_json(req, 201, q);
}

/* The remote 揭榜 held here, for the page and the API. */
static json_t *remote_challenges(kj_req *req, int *page_out)
{
    const char *origin = kj_fed_origin_param(req);   /* "local" holds no peer's 揭榜: an empty list */
    int page = (int)kj_in_int(req, "page", 1), per = 20;
    *page_out = page;
    if (kj_has_errors(req)) return NULL;
    json_t *items = origin && !strcmp(origin, "local") ? json_array()
                  : kj_fed_remote_items(kj_req_db(req), "challenge", origin, req->lang, per, (page - 1) * per);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        json_t *o = json_object_get(it, "origin");
        json_object_set_new(it, "origin_label", json_string(kj_jstr_or_empty(o, "name")));
        json_object_set_new(it, "apply_url", json_string(kj_arena_printf(req->arena, "%s/challenges/%s", kj_jstr_or_empty(o, "url"),
                                                                         kj_jstr_or_empty(it, "id"))));
    }
    return items;
}

void kj_api_fed_challenges(kj_req *req)
{
    int page;
    json_t *items = remote_challenges(req, &page);
    if (!items) { kj_api_invalid(req); return; }
    kj_resp_json(req, 200, json_pack("{s:o, s:i}", "items", items, "page", page));
}

/* The former separate page is now the 揭榜 list's origin=remote view
 * (pages_challenge.c), where peers' 揭榜 are listed beside ours. */
void kj_page_fed_challenges(kj_req *req)
{
    const char *origin = kj_fed_origin_param(req);
    if (kj_has_errors(req)) { kj_error(req, 422, "err.fed.origin"); return; }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/challenge-lists?origin=%s", origin && strcmp(origin, "local") ? origin : "remote"));
}

void kj_page_fed_peer_add(kj_req *req)
{
    if (kj_has_errors(req)) { render_admin(req, 422); return; }
    char id[KJ_ID_LEN + 1];
    kj_err fail = { 0 };
    if (kj_fed_peer_add(kj_req_db(req), req->user, kj_in_str(req, "url"), kj_in_str(req, "public_key"), kj_in_str(req, "reason"),
                        id, &fail)) {
        if (fail.kind == KJ_E_INVALID || fail.kind == KJ_E_CONFLICT) { kj_req_fail(req, &fail); render_admin(req, 422); }
        else kj_answer_err(req, &fail);
        return;
    }
    kj_resp_redirect(req, "/admin/federation?done=added");
}

static void peer_set(kj_req *req, const char *action)
{
    kj_err fail = { 0 };
    if (kj_fed_peer_set(kj_req_db(req), req->user, kj_req_param(req, 0), action, kj_in_str(req, "reason"), &fail)) {
        kj_answer_err(req, &fail);
        return;
    }
    kj_resp_redirect(req, "/admin/federation");
}

void kj_page_fed_peer_suspend(kj_req *req) { peer_set(req, "suspend"); }
void kj_page_fed_peer_resume(kj_req *req) { peer_set(req, "resume"); }

static void item_hide(kj_req *req, bool hide)
{
    kj_err fail = { 0 };
    const char *id = kj_req_param(req, 0);
    if (kj_fed_item_hide(kj_req_db(req), req->user, id, hide, kj_in_str(req, "reason"), &fail)) { kj_answer_err(req, &fail); return; }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/listings/%s", id));
}

void kj_page_fed_item_hide(kj_req *req) { item_hide(req, true); }
void kj_page_fed_item_show(kj_req *req) { item_hide(req, false); }
