/*
 * api_fed.c — federation over the API (pages_fed.h): what other instances
 * call (the instance document, the signed feed, the signed inbox) and the
 * administrators' peer management.
 */
#include "web/pages_fed.h"
#include "fed/fed.h"
#include "core/id.h"
#include "core/json_util.h"
#include "core/log.h"
#include <stdlib.h>
#include <string.h>

static int by_key(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* public_url's form, or (by_host) the scheme and Host header's. */
static const char *target_uri(kj_req *req, bool by_host)
{
    kj_app *app = kj_req_app(req);
    kj_buf b = { 0 };
    if (*app->cfg.public_url && !by_host) {
        kj_buf_puts(&b, app->cfg.public_url);
        while (b.len > 0 && b.data[b.len - 1] == '/') b.data[--b.len] = 0;
    } else {
        const char *host = kj_req_header(req, "Host");
        kj_buf_printf(&b, "%s://%s", req->tls ? "https" : "http", host ? host : "");
    }
    kj_buf_puts(&b, req->path);
    json_t *q = json_object();
    kj_http_each_query(req, q);
    size_t n = json_object_size(q), i = 0;
    const char **keys = n ? calloc(n, sizeof *keys) : NULL;
    const char *k;
    json_t *v;
    json_object_foreach(q, k, v) if (keys) keys[i++] = k;
    if (keys) qsort(keys, n, sizeof *keys, by_key);
    for (i = 0; keys && i < n; i++) {
        json_t *val = json_object_get(q, keys[i]);
        size_t count = json_is_array(val) ? json_array_size(val) : 1;
        for (size_t j = 0; j < count; j++) {
            json_t *one = json_is_array(val) ? json_array_get(val, j) : val;
            kj_buf_puts(&b, b.data && strchr(b.data, '?') ? "&" : "?");
            kj_url_encode(&b, keys[i]);
            kj_buf_puts(&b, "=");
            kj_url_encode(&b, json_is_string(one) ? json_string_value(one) : "");
        }
    }
    free(keys);
    json_decref(q);
    const char *out = kj_arena_strdup(req->arena, b.data ? b.data : "");
    kj_buf_free(&b);
    return out;
}

const char *kj_fed_target_uri(kj_req *req) { return target_uri(req, false); }

/* The peer that signed this request, or NULL with the refusal answered. */
static json_t *signed_peer(kj_req *req)
{
    kj_fed_request r = {
        .method = req->method_name, .target_uri = kj_fed_target_uri(req),
        .alt_target_uri = *kj_req_app(req)->cfg.public_url ? target_uri(req, true) : NULL,
        .signature_input = kj_req_header(req, "Signature-Input"), .signature = kj_req_header(req, "Signature"),
        .content_digest = kj_req_header(req, "Content-Digest"),
        .body = req->raw_body.data, .body_len = req->raw_body.len,
    };
    kj_err fail = { 0 };
    json_t *peer = kj_fed_check_request(kj_req_db(req), &r, &fail);
    if (!peer) kj_answer_err(req, &fail);
    return peer;
}

void kj_api_fed_instance(kj_req *req)
{
    json_t *doc = kj_fed_instance_doc(kj_req_db(req));
    if (!doc) { kj_error(req, 503, "err.fed.off"); return; }
    kj_resp_json(req, 200, doc);
}

void kj_api_fed_feed(kj_req *req)
{
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    json_t *peer = signed_peer(req);
    if (!peer) return;
    const char *type = kj_in_str(req, "type");
    if (type && *type && !kj_fed_kind_known(type)) { json_decref(peer); kj_field_error(req, "type", "err.fed.kind"); kj_api_invalid(req); return; }
    if (!kj_fed_offers(kj_req_db(req), type)) {
        /* Not shared (any more): peers drop what they hold of it (fed/offer.c). */
        json_decref(peer);
        kj_answer_err(req, &(kj_err){ .kind = KJ_E_NOT_FOUND, .key = "err.fed.not_shared", .field = "type" });
        return;
    }
    json_t *page = kj_fed_feed(kj_req_db(req), type, kj_in_str(req, "cursor"), (int)kj_in_int(req, "limit", 0));
    if (!page) { json_decref(peer); kj_field_error(req, "cursor", "err.fed.cursor"); kj_api_invalid(req); return; }
    /* Listings served: the statistics' "shared with" this peer (stats/). */
    if (kj_fed_note_shared(kj_req_db(req), kj_jstr(peer, "id"), page) < 0)
        kj_log_error("federation: the listings served to peer %s could not be counted", kj_jstr_or_empty(peer, "id"));
    json_decref(peer);
    kj_resp_json(req, 200, page);
}

void kj_api_fed_inbox(kj_req *req)
{
    json_t *peer = signed_peer(req);
    if (!peer) return;
    kj_err fail = { 0 };
    if (!json_is_object(req->json_body)) { kj_field_error(req, "type", "err.fed.bad_message"); kj_api_invalid(req); }
    else if (kj_fed_inbox(kj_req_db(req), peer, req->json_body, &fail)) kj_answer_err(req, &fail);
    else kj_resp_json(req, 202, json_pack("{s:b}", "accepted", 1));
    json_decref(peer);
}

static json_t *peer_out(json_t *p)
{
    json_t *o = json_deep_copy(p);
    json_object_del(o, "proxy_user_id");
    json_object_del(o, "cursor");
    return o;
}

void kj_api_fed_peers(kj_req *req)
{
    json_t *peers = kj_fed_peers(kj_req_db(req));
    if (!peers) { kj_error(req, 500, "err.internal"); return; }
    json_t *items = json_array(), *p;
    size_t i;
    json_array_foreach(peers, i, p) json_array_append_new(items, peer_out(p));
    json_decref(peers);
    const kj_fed_self *me = kj_fed_self_get();
    kj_resp_json(req, 200, json_pack("{s:o, s:s?, s:s?}", "items", items, "instance_id", me ? me->instance_id : NULL,
                                     "public_key", me ? me->pk_b64 : NULL));
}

static void answer_peer(kj_req *req, const char *id, int status)
{
    json_t *p = kj_fed_peer_get(kj_req_db(req), id);
    if (!p) { kj_error(req, 500, "err.internal"); return; }
    kj_resp_json(req, status, peer_out(p));
    json_decref(p);
}

void kj_api_fed_peer_add(kj_req *req)
{
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    char id[KJ_ID_LEN + 1];
    kj_err fail = { 0 };
    if (kj_fed_peer_add(kj_req_db(req), req->user, kj_in_str(req, "url"), kj_in_str(req, "public_key"), kj_in_str(req, "reason"),
                        id, &fail)) { kj_answer_err(req, &fail); return; }
    answer_peer(req, id, 201);
}

static void peer_set(kj_req *req, const char *action)
{
    const char *id = kj_req_param(req, 0);
    kj_err fail = { 0 };
    if (kj_fed_peer_set(kj_req_db(req), req->user, id, action, kj_in_str(req, "reason"), &fail)) { kj_answer_err(req, &fail); return; }
    answer_peer(req, id, 200);
}

void kj_api_fed_peer_suspend(kj_req *req) { peer_set(req, "suspend"); }
void kj_api_fed_peer_resume(kj_req *req) { peer_set(req, "resume"); }

void kj_api_fed_peer_kinds(kj_req *req)
{
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    const char *id = kj_req_param(req, 0);
    kj_err fail = { 0 };
    json_t *kinds = json_object_get(req->in, "kinds");
    if (kj_fed_peer_kinds(kj_req_db(req), req->user, id, kinds ? kinds : json_array(), &fail)) { kj_answer_err(req, &fail); return; }
    answer_peer(req, id, 200);
}

static void item_hide(kj_req *req, bool hide)
{
    kj_err fail = { 0 };
    const char *id = kj_req_param(req, 0);
    if (kj_fed_item_hide(kj_req_db(req), req->user, id, hide, kj_in_str(req, "reason"), &fail)) { kj_answer_err(req, &fail); return; }
    kj_resp_json(req, 200, json_pack("{s:s, s:b}", "id", id, "hidden", hide));
}

void kj_api_fed_item_hide(kj_req *req) { item_hide(req, true); }
void kj_api_fed_item_show(kj_req *req) { item_hide(req, false); }

/* What this instance shares with every peer (fed/offer.c): {kinds, reason}. */
void kj_api_fed_shares(kj_req *req)
{
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    kj_err fail = { 0 };
    json_t *kinds = json_object_get(req->in, "kinds");
    if (kj_fed_set_offered(kj_req_db(req), req->user, kinds ? kinds : json_array(), kj_in_str(req, "reason"), &fail)) {
        kj_answer_err(req, &fail);
        return;
    }
    kj_resp_json(req, 200, json_pack("{s:o}", "shares", kj_fed_offered(kj_req_db(req))));
}
