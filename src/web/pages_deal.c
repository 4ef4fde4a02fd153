/*
 * pages_deal.c — the deal pages: my deals, one deal (state, parties,
 * the actions the viewer may take now, offers and the offer form, the
 * contract and signatures, milestones, conversation, reviews), the
 * printable contract, and the process help page generated from the
 * state table. Every form posts to /deals/{id}/act (kj_deal_act).
 */
#include "web/pages_deal.h"
#include "core/json_util.h"
#include "core/clock.h"
#include "core/validate.h"
#include "deal/contract_pdf.h"
#include "deal/deal.h"
#include "market/market.h"
#include "mail/mail.h"
#include "market/attach.h"
#include <stdlib.h>
#include "web/app.h"
#include "web/market_view.h"
#include <stdio.h>
#include <string.h>

static const char *label(kj_req *req, const char *prefix, const char *code)
{
    char key[96];
    snprintf(key, sizeof key, "%s.%s", prefix, code ? code : "");
    return kj_tr(req, key);
}

static void set_label(kj_req *req, json_t *o, const char *field, const char *prefix, const char *code)
{
    json_object_set_new(o, field, json_string(label(req, prefix, code)));
}

static void set_wan(json_t *o, const char *fen_field, const char *out_field)
{
    char w[48];
    kj_format_fen_as_wan(json_integer_value(json_object_get(o, fen_field)), w, sizeof w);
    json_object_set_new(o, out_field, json_string(w));
}

static void decorate_offer(kj_req *req, json_t *o)
{
    set_label(req, o, "price_kind_label", "deal.price_kind", kj_jstr(o, "price_kind"));
    set_label(req, o, "contract_type_label", "deal.ctype", kj_jstr(o, "contract_type"));
    set_label(req, o, "status_label", "deal.offer_status", kj_jstr(o, "status"));
    set_wan(o, "amount_fen", "amount_wan");
    set_wan(o, "entry_fee_fen", "entry_fee_wan");
    long long bp = (long long)json_integer_value(json_object_get(o, "royalty_bp"));
    json_object_set_new(o, "royalty_pct", json_string(kj_arena_printf(req->arena, "%lld.%02lld", bp / 100, bp % 100)));
    const char *k = kj_jstr(o, "price_kind");
    json_object_set_new(o, "has_amount", json_boolean(k && (!strcmp(k, "lump_sum") || !strcmp(k, "instalments"))));
    json_object_set_new(o, "has_instalments", json_boolean(k && !strcmp(k, "instalments")));
    json_object_set_new(o, "has_royalty", json_boolean(k && strstr(k, "royalty")));
    json_object_set_new(o, "has_entry", json_boolean(k && !strcmp(k, "entry_royalty")));
    json_object_set_new(o, "is_open", json_boolean(kj_jstr(o, "status") && !strcmp(kj_jstr(o, "status"), "open")));
}

/* can.<action> flags for the template, from the actions the viewer may take. */
static json_t *can_flags(json_t *actions)
{
    json_t *can = json_object();
    size_t i;
    json_t *a;
    json_array_foreach(actions, i, a) json_object_set_new(can, json_string_value(a), json_true());
    return can;
}

static json_t *options(kj_req *req, const char *const *codes, const char *prefix)
{
    json_t *out = json_array();
    for (; *codes; codes++) json_array_append_new(out, json_pack("{s:s, s:s}", "code", *codes, "label", label(req, prefix, *codes)));
    return out;
}

static void decorate_deal(kj_req *req, json_t *d)
{
    const char *uid = kj_jstr(req->user, "id");
    json_t *can = can_flags(json_object_get(d, "actions"));
    set_label(req, d, "state_label", "deal.state", kj_jstr(d, "state"));
    set_label(req, d, "role_label", "deal.role", kj_jstr(d, "role"));
    if (kj_jstr(d, "contract_type")) set_label(req, d, "contract_type_label", "deal.ctype", kj_jstr(d, "contract_type"));
    set_wan(d, "amount_fen", "amount_wan");
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(d, "offers"), i, x) {
        decorate_offer(req, x);
        json_object_set_new(x, "can_accept", json_boolean(json_is_true(json_object_get(x, "is_open")) && json_is_true(json_object_get(can, "accept_offer"))));
    }
    json_array_foreach(json_object_get(d, "milestones"), i, x) {
        set_label(req, x, "status_label", "deal.milestone_status", kj_jstr(x, "status"));
        set_wan(x, "amount_fen", "amount_wan");
        const char *st = kj_jstr(x, "status");
        json_object_set_new(x, "can_deliver", json_boolean(!strcmp(st, "open") && json_is_true(json_object_get(can, "deliver_milestone"))));
        json_object_set_new(x, "can_accept", json_boolean(!strcmp(st, "delivered") && json_is_true(json_object_get(can, "accept_milestone"))));
    }
    bool reviewed = false;
    json_array_foreach(json_object_get(d, "reviews"), i, x) {
        bool mine = kj_jstr(x, "author_id") && !strcmp(kj_jstr(x, "author_id"), uid);
        reviewed |= mine;
        json_object_set_new(x, "stars", json_string(kj_arena_printf(req->arena, "%.*s", (int)json_integer_value(json_object_get(x, "rating")) * 3, "★★★★★")));
        json_object_set_new(x, "can_reply", json_boolean(!kj_jstr(x, "reply") && kj_jstr(x, "subject_id") && !strcmp(kj_jstr(x, "subject_id"), uid) &&
                                                         json_is_true(json_object_get(can, "reply_review"))));
        json_object_set_new(x, "can_hide", json_boolean(!json_integer_value(json_object_get(x, "hidden")) && json_is_true(json_object_get(can, "hide_review"))));
        json_object_set_new(x, "is_hidden", json_boolean(json_integer_value(json_object_get(x, "hidden"))));
    }
    if (reviewed) json_object_del(can, "review");
    bool signed_by_me = false;
    json_array_foreach(json_object_get(d, "signatures"), i, x) if (!strcmp(kj_jstr(x, "user_id"), uid)) signed_by_me = true;
    if (signed_by_me) json_object_del(can, "sign");
    json_object_set_new(d, "signed_by_me", json_boolean(signed_by_me));
    if (kj_jstr(d, "cancel_requested_by"))
        json_object_set_new(d, "cancel_pending_mine", json_boolean(!strcmp(kj_jstr(d, "cancel_requested_by"), uid)));
    json_object_set_new(d, "has_contract", json_boolean(kj_jstr(d, "contract_hash") != NULL));
    json_object_set_new(d, "ctypes", options(req, kj_contract_types, "deal.ctype"));
    json_object_set_new(d, "price_kinds", options(req, kj_deal_price_kinds, "deal.price_kind"));
    /* The broker form sits inside the {{#brokers.0}} section, where "id" is
     * the candidate's: it posts to deal_id (it posted the operator's id and
     * answered 404). */
    json_object_set(d, "deal_id", json_object_get(d, "id"));
    if (json_is_true(json_object_get(can, "invite_broker")))
        json_object_set_new(d, "brokers", kj_deal_broker_candidates(kj_req_db(req), kj_jstr(d, "id")));
    json_object_set_new(d, "can", can);
    json_object_set_new(d, "page_title", json_string(kj_jstr(d, "title")));
}

void kj_page_deals(kj_req *req)
{
    json_t *items = kj_deal_list(kj_req_db(req), req->user);
    size_t i;
    json_t *x;
    json_array_foreach(items, i, x) {
        set_label(req, x, "state_label", "deal.state", kj_jstr(x, "state"));
        set_wan(x, "amount_fen", "amount_wan");
    }
    kj_render(req, 200, "deal_list", json_pack("{s:o, s:o, s:s}", "items", items, "startable",
                                               kj_deal_startable(kj_req_db(req), req->user), "page_title", kj_tr(req, "deal.list.title")));
}

void kj_page_deal_process(kj_req *req)
{
    json_t *rows = kj_deal_state_table();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        set_label(req, r, "from_label", "deal.state", kj_jstr(r, "from"));
        set_label(req, r, "action_label", "deal.action", kj_jstr(r, "action"));
        set_label(req, r, "who_label", "deal.who", kj_jstr(r, "who"));
        if (kj_jstr(r, "to")) set_label(req, r, "to_label", "deal.state", kj_jstr(r, "to"));
    }
    json_t *states = json_array();
    for (const char *const *s = kj_deal_states; *s; s++)
        json_array_append_new(states, json_pack("{s:s, s:s}", "code", *s, "label", label(req, "deal.state", *s)));
    kj_render(req, 200, "deal_process", json_pack("{s:o, s:o, s:o, s:s}", "rows", rows, "states", states,
                                                  "ctypes", options(req, kj_contract_types, "deal.ctype"),
                                                  "page_title", kj_tr(req, "deal.process.title")));
}

static void render_deal(kj_req *req, int status)
{
    /* The newest page of messages; "messages_older" links to the one before
     * (a long conversation is never sent whole). */
    const char *before = kj_in_str(req, "before");
    json_t *d = kj_deal_get_page(kj_req_db(req), req->user, kj_req_param(req, 0), before, KJ_THREAD_PAGE);
    if (!d) { kj_error(req, 404, "err.deal.not_found"); return; }
    decorate_deal(req, d);
    if (before) json_object_set_new(d, "messages_paged", json_true());
    kj_render(req, status, "deal_detail", d);
}

void kj_page_deal(kj_req *req) { render_deal(req, 200); }

void kj_page_deal_act(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    if (kj_has_errors(req)) { render_deal(req, 422); return; }
    json_t *errors = json_object();
    kj_err fail = { 0 };
    int rc = kj_deal_act(kj_req_db(req), req->user, id, kj_in_str(req, "action"), req->in, req->client_ip, errors, NULL, &fail);
    if (rc && fail.kind == KJ_E_INVALID && json_object_size(errors)) {
        json_object_update(req->errors, errors);
        json_decref(errors);
        render_deal(req, 422);
        return;
    }
    json_decref(errors);
    if (rc) { kj_error(req, kj_err_status(&fail), fail.key); return; }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/deals/%s?done=%s", id, kj_in_str(req, "action")));
}

void kj_page_deal_contract(kj_req *req)
{
    json_t *d = kj_deal_get(kj_req_db(req), req->user, kj_req_param(req, 0));
    if (!d) { kj_error(req, 404, "err.deal.not_found"); return; }
    if (!json_is_object(json_object_get(d, "contract"))) { json_decref(d); kj_error(req, 409, "err.deal.no_contract"); return; }
    decorate_deal(req, d);
    size_t i;
    json_t *sig;
    json_array_foreach(json_object_get(d, "signatures"), i, sig) {
        kj_set_when(req, sig, "signed_at", "signed_text");
    }
    kj_render(req, 200, "deal_contract", d);
}

/* The contract as a PDF download: the deal domain renders, this only serves. */
void kj_page_deal_contract_pdf(kj_req *req)
{
    json_t *d = kj_deal_get(kj_req_db(req), req->user, kj_req_param(req, 0));
    if (!d) { kj_error(req, 404, "err.deal.not_found"); return; }
    if (!json_is_object(json_object_get(d, "contract"))) { json_decref(d); kj_error(req, 409, "err.deal.no_contract"); return; }
    const kj_contract_pdf_labels lb = {
        .client = kj_tr(req, "deal.client"), .provider = kj_tr(req, "deal.provider"),
        .signatures = kj_tr(req, "deal.contract.signatures"), .signed_at = kj_tr(req, "deal.pdf.signed_at"),
        .unsigned_ = kj_tr(req, "deal.pdf.unsigned"), .hash = kj_tr(req, "deal.contract.hash"),
        .page = kj_tr(req, "deal.pdf.page"), .note = kj_tr(req, "deal.contract.language_note"),
    };
    size_t len = 0;
    unsigned char *pdf = kj_contract_pdf(d, &lb, &len);
    if (!pdf) { json_decref(d); kj_error(req, 500, "err.internal"); return; }
    kj_resp_header(req, "Content-Disposition",
                   kj_arena_printf(req->arena, "attachment; filename=\"contract-%s.pdf\"", kj_jstr(d, "id")));
    kj_resp_header(req, "X-Content-Type-Options", "nosniff");
    kj_resp_header(req, "Cache-Control", "private, no-store");
    kj_resp_text(req, 200, "application/pdf", (const char *)pdf, len);
    free(pdf);
    json_decref(d);
}

static void started(kj_req *req, int rc, const char *id, const kj_err *fail)
{
    if (rc) { kj_error(req, kj_err_status(fail), fail->key); return; }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/deals/%s", id));
}

void kj_page_deal_start_eoi(kj_req *req)
{
    char id[32] = "";
    kj_err fail = { 0 };
    int rc = kj_deal_start_from_eoi(kj_req_db(req), req->user, kj_req_param(req, 0), id, &fail);
    started(req, rc, id, &fail);
}

void kj_page_deal_order(kj_req *req)
{
    char id[32] = "";
    kj_err fail = { 0 };
    int rc = kj_deal_order(kj_req_db(req), req->user, kj_req_param(req, 0), id, &fail);
    started(req, rc, id, &fail);
}

/* ---- ratings on studio and organization pages ---- */

/* n filled stars then empty ones up to five (UTF-8, 3 bytes each). */
static const char *stars(kj_req *req, int64_t n)
{
    if (n < 0) n = 0;
    if (n > 5) n = 5;
    return kj_arena_printf(req->arena, "%.*s%.*s", (int)n * 3, "★★★★★", (int)(5 - n) * 3, "☆☆☆☆☆");
}

json_t *kj_ratings_view(kj_req *req, const char *kind, const char *id)
{
    json_t *r = kj_deal_ratings(kj_req_db(req), kind, id, 5);
    if (!r) return json_object();
    int64_t avg = json_integer_value(json_object_get(r, "average_x100")), tenths = (avg + 5) / 10;
    json_object_set_new(r, "average", json_string(kj_arena_printf(req->arena, "%lld.%lld", (long long)(tenths / 10),
                                                                  (long long)(tenths % 10))));
    json_object_set_new(r, "stars", json_string(stars(req, (avg + 50) / 100)));
    json_object_set_new(r, "has_reviews", json_boolean(json_integer_value(json_object_get(r, "count")) > 0));
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(r, "items"), i, x) {
        kj_set_day(req, x, "created_at", "date");
        json_object_set_new(x, "stars", json_string(stars(req, json_integer_value(json_object_get(x, "rating")))));
    }
    return r;
}

json_t *kj_ratings_summary(kj_req *req, const char *kind, const char *id)
{
    json_t *r = kj_deal_ratings(kj_req_db(req), kind, id, 1);
    if (r) json_object_del(r, "items");
    return r ? r : json_object();
}

/* ---- e-mail preferences ---- */

void kj_page_mail_prefs(kj_req *req)
{
    json_t *prefs = kj_mail_prefs(kj_req_db(req), kj_jstr(req->user, "id"));
    json_t *rows = json_array();
    for (const char *const *c = kj_mail_categories; *c; c++) {
        json_t *modes = json_array();
        for (const char *const *m = kj_mail_modes; *m; m++)
            json_array_append_new(modes, json_pack("{s:s, s:s, s:b}", "code", *m, "label", label(req, "mail.mode", *m),
                                                   "selected", !strcmp(*m, kj_jstr(prefs, *c))));
        json_array_append_new(rows, json_pack("{s:s, s:s, s:o}", "category", *c, "label", label(req, "mail.category", *c), "modes", modes));
    }
    json_decref(prefs);
    kj_render(req, 200, "deal_mail_prefs", json_pack("{s:o, s:b, s:s}", "rows", rows, "saved", kj_req_query(req, "saved") != NULL,
                                                     "page_title", kj_tr(req, "mail.title")));
}

/* Stores each declared category present in the inputs. */
int kj_mail_prefs_save_req(kj_req *req)
{
    for (const char *const *c = kj_mail_categories; *c; c++)
        if (kj_in_str(req, *c) && kj_mail_pref_set(kj_req_db(req), kj_jstr(req->user, "id"), *c, kj_in_str(req, *c))) return -1;
    return 0;
}

void kj_page_mail_prefs_post(kj_req *req)
{
    if (kj_has_errors(req)) { kj_error(req, 422, "err.form.check"); return; }
    if (kj_mail_prefs_save_req(req)) { kj_error(req, 500, "err.internal"); return; }
    kj_resp_redirect(req, "/settings/mail?saved=1");
}

/* ---- files in the conversation ---- */

/* Stores the request's first file; 0 with the attachment id, or -1 with the error sent. */
int kj_deal_attach_req(kj_req *req, char *att)
{
    kj_upload *u = req->uploads;
    while (u && (!u->filename || !*u->filename)) u = u->next;
    if (!u) { kj_error(req, 422, "err.attach.empty"); return -1; }
    kj_app *app = kj_req_app(req);
    kj_err fail = { 0 };
    if (kj_deal_attach(kj_req_db(req), req->user, kj_req_param(req, 0), app->cfg.data, (size_t)app->cfg.max_upload,
                       u->filename, u->data, u->size, att, &fail)) {
        kj_error(req, kj_err_status(&fail), fail.key);
        return -1;
    }
    return 0;
}

void kj_page_deal_attach(kj_req *req)
{
    char att[32];
    if (kj_deal_attach_req(req, att) == 0) kj_resp_redirect(req, kj_arena_printf(req->arena, "/deals/%s#messages", kj_req_param(req, 0)));
}

void kj_page_deal_file(kj_req *req)
{
    kj_send_private_attachment(req, kj_deal_attachment(kj_req_db(req), req->user, kj_req_param(req, 0), kj_req_param(req, 1)));
}
