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
#include "core/json_util.h"
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
        size_t j;
        json_t *e;
        json_array_foreach(json_object_get(p, "errors"), j, e) kj_set_when(req, e, "created_at", "when");
    }
    const kj_fed_self *me = kj_fed_self_get();
    char url[256];
    json_t *data = json_pack("{s:o, s:s, s:s, s:s}", "peers", peers, "instance_id", me ? me->instance_id : "",
                             "public_key", me ? me->pk_b64 : "", "url", kj_instance_url(url, sizeof url));
    kj_render(req, status, "admin_federation", data);
}

void kj_page_fed_admin(kj_req *req) { render_admin(req, 200); }

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
