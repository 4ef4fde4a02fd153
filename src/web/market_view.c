/*
 * market_view.c — display fields for listings (see market_view.h).
 */
#include "web/market_view.h"
#include "web/home_region.h"
#include "web/pages_fed.h"
#include "ref/regions.h"
#include "core/json_util.h"
#include "account/account.h"
#include "market/attach.h"
#include "ref/refcache.h"
#include "core/validate.h"
#include "core/id.h"
#include "market/filters.h"
#include "text/markdown.h"
#include <stdlib.h>
#include <string.h>

static bool en(kj_req *req) { return !strcmp(req->lang, "en"); }

/* Reference names come from memory (refcache.h): asking the database per
 * listing made a 20-item browse page 29 statements instead of 3. */
static const char *ref_name(kj_req *req, kj_ref_list list, const char *code)
{
    return kj_refcache_name(kj_req_app(req)->ref, list, code, req->lang);
}

static void set_owned(json_t *o, const char *k, char *v)
{
    if (v) { json_object_set_new(o, k, json_string(v)); free(v); }
}

static void price_text(kj_req *req, json_t *l)
{
    const char *kind = kj_jstr(l, "price_kind");
    json_t *mn = json_object_get(l, "price_min_fen"), *mx = json_object_get(l, "price_max_fen");
    char a[32] = "", b[32] = "";
    /* A price of 0 is no price: "面议", never "0 万元". */
    if (json_integer_value(mn) > 0) kj_format_fen_as_wan(json_integer_value(mn), a, sizeof a);
    if (json_integer_value(mx) > 0) kj_format_fen_as_wan(json_integer_value(mx), b, sizeof b);
    const char *text;
    if (kind && !strcmp(kind, "fixed") && *a) text = kj_trf(req, "listing.price.fixed", a);
    else if (kind && !strcmp(kind, "range") && *a && *b)
        text = kj_trf(req, "listing.price.range", kj_arena_printf(req->arena, "%s–%s", a, b));
    else text = kj_tr(req, "listing.price.negotiable");
    json_object_set_new(l, "price_text", json_string(text));
}

void kj_listing_api_prices(json_t *l)
{
    char a[32];
    json_t *mn = json_object_get(l, "price_min_fen"), *mx = json_object_get(l, "price_max_fen");
    if (json_is_integer(mn) && kj_format_fen_as_wan(json_integer_value(mn), a, sizeof a)) json_object_set_new(l, "price_min", json_string(a));
    if (json_is_integer(mx) && kj_format_fen_as_wan(json_integer_value(mx), a, sizeof a)) json_object_set_new(l, "price_max", json_string(a));
}

void kj_origin_label(kj_req *req, json_t *l)
{
    json_t *o = json_object_get(l, "origin");
    if (!json_is_object(o) || json_is_true(json_object_get(o, "local"))) return;
    json_object_set_new(l, "origin_label", json_string(kj_jstr_or_empty(o, en(req) ? "name_en" : "name")));
}

void kj_listing_decorate(kj_req *req, json_t *l, bool full)
{
    char key[64];
    snprintf(key, sizeof key, "kind.%s", kj_jstr(l, "kind") ? kj_jstr(l, "kind") : "");
    json_object_set_new(l, "kind_label", json_string(kj_tr(req, key)));
    /* The language of the title and summary shown (templates' lang
     * attributes): the original's unless kj_listing_localize chose. */
    if (!json_object_get(l, "title_lang")) {
        char original[32];
        kj_listing_lang_of(l, original, sizeof original);
        json_object_set_new(l, "title_lang", json_string(original));
        json_object_set_new(l, "summary_lang", json_string(original));
    }
    kj_origin_label(req, l);
    if (kj_jstr(l, "status")) {
        snprintf(key, sizeof key, "status.%s", kj_jstr(l, "status"));
        json_object_set_new(l, "status_label", json_string(kj_tr(req, key)));
        json_object_set_new(l, "status_class", json_string(kj_jstr(l, "status")));
    }
    json_object_set_new(l, "is_demand", json_boolean(kj_jstr(l, "kind") && !strcmp(kj_jstr(l, "kind"), "demand")));
    json_object_set_new(l, "is_service", json_boolean(kj_jstr(l, "kind") && !strcmp(kj_jstr(l, "kind"), "service")));
    json_object_set_new(l, "is_problem", json_boolean(kj_jstr(l, "subtype") && !strcmp(kj_jstr(l, "subtype"), "problem")));
    json_object_set_new(l, "is_anonymous", json_boolean(json_integer_value(json_object_get(l, "anonymous"))));
    json_object_set_new(l, "open_interest", json_boolean(json_integer_value(json_object_get(l, "open_for_interest"))));
    const char *dn = kj_jstr(l, en(req) ? "domain_en" : "domain_zh");
    if (dn) json_object_set_new(l, "domain_name", json_string(dn));
    const char *rn = kj_jstr(l, en(req) ? "region_en" : "region_zh");
    /* Never the district alone (市中区 is in two cities): the full name
     * from the city down, from memory (ref/regions.h). */
    char *full_name = kj_jstr(l, "region") ? kj_refcache_region_label(kj_req_app(req)->ref, kj_jstr(l, "region"), req->lang) : NULL;
    if (full_name) set_owned(l, "region_label", full_name);
    else if (rn) json_object_set_new(l, "region_label", json_string(rn));
    json_t *trl = json_object_get(l, "trl");
    if (!json_is_integer(trl)) trl = json_object_get(l, "trl_min");
    if (json_is_integer(trl)) {
        char lvl[8];
        snprintf(lvl, sizeof lvl, "%lld", (long long)json_integer_value(trl));
        json_object_set_new(l, "trl_level", json_string(lvl));
        const char *name = ref_name(req, KJ_REF_TRL_LEVELS, lvl);
        if (name) {
            json_object_set_new(l, "trl_name", json_string(name));
            json_object_set_new(l, "trl_desc", json_string(kj_refcache_trl_desc(kj_req_app(req)->ref, lvl, req->lang)));
        }
    }
    json_t *modes = json_array(), *codes = json_object_get(l, "coop_modes");
    size_t i;
    json_t *m;
    json_array_foreach(codes, i, m) {
        const char *name = ref_name(req, KJ_REF_COOP_MODES, json_string_value(m));
        json_array_append_new(modes, json_string(name ? name : json_string_value(m)));
    }
    json_object_set_new(l, "modes", modes);
    const char *ipt = ref_name(req, KJ_REF_IP_TYPES, kj_jstr(l, "ip_type"));
    if (ipt) json_object_set_new(l, "ip_type_name", json_string(ipt));
    price_text(req, l);
    if (full) {
        const char *md = kj_jstr(l, "description");
        if (md && *md) {
            size_t n;
            char *html = kj_markdown_to_html(md, strlen(md), &n);
            if (html) { json_object_set_new(l, "description_html", json_stringn(html, n)); free(html); }
        }
        if (kj_jstr(l, "delivery_mode")) {
            snprintf(key, sizeof key, "delivery.%s", kj_jstr(l, "delivery_mode"));
            if (*kj_jstr(l, "delivery_mode")) json_object_set_new(l, "delivery_label", json_string(kj_tr(req, key)));
        }
    }
}

void kj_listing_localize(kj_req *req, json_t *l)
{
    if (json_object_get(l, "title_lang")) return;   /* done already (once only: the original would be lost) */
    char original[32];
    kj_listing_lang_of(l, original, sizeof original);
    json_object_set_new(l, "title_lang", json_string(original));
    json_object_set_new(l, "summary_lang", json_string(original));
    /* Written in the reader's language: the original is what they read. */
    if (!strcmp(original, req->lang)) return;
    json_t *mine = json_object_get(json_object_get(l, "translations"), req->lang);
    if (!json_is_object(mine) || !*kj_jstr_or_empty(mine, "title")) return;
    json_object_set(l, "original_title", json_object_get(l, "title"));
    json_object_set(l, "original_summary", json_object_get(l, "summary"));
    json_object_set_new(l, "original_lang", json_string(original));
    json_object_set(l, "title", json_object_get(mine, "title"));
    json_object_set_new(l, "title_lang", json_string(req->lang));
    json_object_set_new(l, "translated", json_true());
    if (*kj_jstr_or_empty(mine, "summary")) {
        json_object_set(l, "summary", json_object_get(mine, "summary"));
        json_object_set_new(l, "summary_lang", json_string(req->lang));
    }
}

void kj_listing_localize_all(kj_req *req, json_t *items)
{
    char original[32];
    json_t *listings = json_array();
    size_t i;
    json_t *l;
    bool other = false;   /* any listing written in another language than the reader's */
    json_array_foreach(items, i, l)
        if (json_is_object(l) && strcmp(kj_jstr_or_empty(l, "doc_kind"), "studio") && strcmp(kj_jstr_or_empty(l, "kind"), "studio")) {
            json_array_append(listings, l);
            if (strcmp(kj_listing_lang_of(l, original, sizeof original), req->lang)) other = true;
        }
    /* A failed read leaves the originals (the store records the failure). */
    if (other) kj_listing_translations_attach(kj_req_db(req), listings, req->lang);
    json_array_foreach(listings, i, l) kj_listing_localize(req, l);
    json_decref(listings);
}

void kj_listing_decorate_all(kj_req *req, json_t *list)
{
    size_t i;
    json_t *l;
    kj_listing_localize_all(req, list);
    json_array_foreach(list, i, l) kj_listing_decorate(req, l, false);
}

static bool is_selected(json_t *selected, const char *code)
{
    if (json_is_string(selected)) return !strcmp(json_string_value(selected), code);
    size_t i;
    json_t *v;
    json_array_foreach(selected, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), code)) return true;
    if (json_is_integer(selected)) return atoll(code) == json_integer_value(selected);
    return false;
}

/* The shared choices of a select (kj_refcache_menu), the selected ones
 * copied and marked: a page owns its array, never a shared element it
 * changes. */
static json_t *with_selection(const json_t *menu, json_t *selected)
{
    json_t *out = json_array();
    size_t i;
    json_t *o;
    json_array_foreach((json_t *)menu, i, o) {
        if (!is_selected(selected, kj_jstr(o, "code"))) { json_array_append(out, o); continue; }
        json_t *copy = json_copy(o);
        json_object_set_new(copy, "selected", json_true());
        json_array_append_new(out, copy);
    }
    return out;
}

json_t *kj_ref_options(kj_req *req, const char *table, json_t *selected)
{
    static const struct { const char *table; kj_ref_list list; } tables[] = {
        { "domains", KJ_REF_DOMAINS }, { "coop_modes", KJ_REF_COOP_MODES },
        { "ip_types", KJ_REF_IP_TYPES }, { "trl_levels", KJ_REF_TRL_LEVELS },
    };
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        if (strcmp(tables[i].table, table)) continue;
        return with_selection(kj_refcache_menu(kj_req_app(req)->ref, tables[i].list, req->lang), selected);
    }
    return json_array();
}

json_t *kj_region_options(kj_req *req, const char *selected)
{
    json_t *sel = selected ? json_string(selected) : NULL;
    json_t *out = with_selection(kj_refcache_menu(kj_req_app(req)->ref, KJ_REF_REGIONS, req->lang), sel);
    json_decref(sel);
    return out;
}

void kj_listing_query_from(kj_req *req, kj_listing_query *q, const char *kind)
{
    memset(q, 0, sizeof *q);
    q->kind = kind ? kind : kj_in_str(req, "kind");
    q->q_title = kj_in_str(req, "q");
    q->sort = kj_in_str(req, "sort");
    q->price_min_fen = q->price_max_fen = -1;
    /* The browse filters (market/filters.h), validated by the route's
     * fields (web/filter_fields.h). */
    for (const kj_listing_filter *f = kj_listing_filters; f->name; f++) {
        const char *v = f->value == KJ_FILTER_INT ? NULL : kj_in_str(req, f->name);
        int64_t fen;
        switch (f->value) {
        case KJ_FILTER_TEXT: f->set(q, v, 0); break;
        case KJ_FILTER_INT: f->set(q, NULL, kj_in_int(req, f->name, 0)); break;
        case KJ_FILTER_MONEY:
            /* Prices are 万元 decimals; anything else is refused, not ignored. */
            if (!v) break;
            if (!kj_parse_money_wan(v, &fen)) { kj_field_error(req, f->name, "err.listing.price"); break; }
            f->set(q, NULL, fen);
            break;
        }
    }
    /* The home region when the request names none and asks for no peer's
     * items (issue 17 §1, web/home_region.h); region=all: everything. */
    bool defaulted = false;
    q->region = kj_region_filter(req, "region", &defaulted);
    if (defaulted && q->origin) { q->region = NULL; defaulted = false; }
    q->region_defaulted = defaulted;
    /* A region the tree does not know is a mistake, not an empty result. */
    if (q->region && *q->region && !kj_regions_get(kj_refcache_regions(kj_req_app(req)->ref), q->region))
        kj_field_error(req, "region", "err.region.unknown");
    /* Federation: local, remote or an instance id (one reader, web/pages_fed.h). */
    q->origin = kj_fed_origin_param(req);
    q->page = (int)kj_in_int(req, "page", 1);
    q->per_page = (int)kj_in_int(req, "per_page", 20);
    const char *cc = kj_req_header(req, "Cache-Control");
    q->fresh = cc && strstr(cc, "no-cache");   /* as for the response cache (app.c) */
}

void kj_send_private_attachment(kj_req *req, json_t *a)
{
    size_t len = 0;
    char *bytes = a ? kj_attach_read(kj_req_app(req)->cfg.data, kj_jstr(a, "id"), &len) : NULL;
    if (!bytes) { json_decref(a); kj_error(req, 404, "err.not_found"); return; }
    kj_buf disp = { 0 };
    kj_attach_disposition(&disp, kj_jstr(a, "mime"), kj_jstr(a, "filename"));
    kj_resp_header(req, "Content-Disposition", kj_arena_strdup(req->arena, disp.data ? disp.data : "attachment"));
    kj_resp_header(req, "X-Content-Type-Options", "nosniff");
    kj_resp_header(req, "Cache-Control", "private, no-store");
    kj_resp_header(req, "Content-Security-Policy", "default-src 'none'");
    req->no_gzip = true;
    kj_resp_text(req, 200, kj_arena_strdup(req->arena, kj_jstr(a, "mime")), bytes, len);
    kj_buf_free(&disp);
    free(bytes);
    json_decref(a);
}
