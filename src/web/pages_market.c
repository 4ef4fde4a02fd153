/*
 * pages_market.c — marketplace pages: browse, listing detail, create and
 * edit forms, life-cycle actions, history, review queue, EOIs, threads,
 * favourites, notifications.
 */
#include "fed/fed.h"
#include "web/pages_market.h"
#include "web/pages_center.h"
#include "core/json_util.h"
#include "deal/deal.h"
#include "core/clock.h"
#include "core/id.h"
#include "web/app.h"
#include "web/i18n.h"
#include "web/region_picker.h"
#include "web/home_region.h"
#include "web/market_view.h"
#include "web/chips.h"
#include "web/nav.h"
#include "market/attach.h"
#include "market/filters.h"
#include "challenge/challenge.h"
#include "market/lookup.h"
#include "notify/notify.h"
#include "text/indicators.h"
#include <stdlib.h>
#include <string.h>

static const char *user_id(kj_req *req) { return req->user ? kj_jstr(req->user, "id") : NULL; }

/* ---- browse ---- */

/* The active filters as [{name, value}] for pager and export links
 * (the template percent-encodes each value). */
static json_t *filter_list(kj_req *req)
{
    /* The browse filters (market/filters.h), then sort, text and page size. */
    enum { NFILTERS = KJ_NLISTING_FILTERS };
    static const char *const more[] = { "sort", "q", "per_page" };
    const char *names[NFILTERS + sizeof more / sizeof *more];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) names[i] = i < NFILTERS ? kj_listing_filters[i].name : more[i - NFILTERS];
    json_t *out = json_array();
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        json_t *v = json_object_get(req->in, names[i]);
        if (!v) continue;
        char num[32];
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        if (json_is_integer(v)) { snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v)); s = num; }
        if (s && *s) json_array_append_new(out, json_pack("{s:s, s:s}", "name", names[i], "value", s));
    }
    return out;
}

static void browse(kj_req *req, const char *kind)
{
    kj_listing_query q;
    kj_listing_query_from(req, &q, kind);
    if (q.per_page > 50) q.per_page = 50;
    int64_t total = 0;
    json_t *items = kj_listing_browse(kj_req_db(req), &q, &total);
    kj_listing_decorate_all(req, items);
    int pages = (int)((total + q.per_page - 1) / q.per_page);
    json_t *d = json_pack("{s:o, s:I, s:i, s:i, s:s, s:s, s:o}", "items", items, "total", (json_int_t)total,
                          "page", q.page, "pages", pages ? pages : 1, "kind", kind,
                          "base", kj_arena_printf(req->arena, "/%s", !strcmp(kind, "achievement") ? "achievements" :
                                                  !strcmp(kind, "service") ? "services" : "demands"),
                          "filters", filter_list(req));
    char key[64];
    snprintf(key, sizeof key, "browse.title.%s", kind);
    json_object_set_new(d, "page_title", json_string(kj_tr(req, key)));
    if (q.page > 1) json_object_set_new(d, "prev_page", json_integer(q.page - 1));
    if (q.page < pages) json_object_set_new(d, "next_page", json_integer(q.page + 1));
    json_object_set_new(d, "domains", kj_ref_options(req, "domains", json_object_get(req->in, "domain")));
    json_object_set_new(d, "modes", kj_ref_options(req, "coop_modes", json_object_get(req->in, "mode")));
    json_object_set_new(d, "trls", kj_ref_options(req, "trl_levels", NULL));
    json_object_set_new(d, "region_picker", kj_region_filter_picker(req, "region", q.region, "field.region"));
    if (q.region_defaulted) kj_region_default_note(req, d, kj_jstr(d, "base"), "region");
    json_object_set_new(d, "is_demand", json_boolean(!strcmp(kind, "demand")));
    static const char *const sort_names[] = { "newest", "deadline", "price_asc", "price_desc", NULL };
    json_t *sorts = json_array();
    const char *cur = kj_in_str(req, "sort") ? kj_in_str(req, "sort") : "newest";
    for (const char *const *s = sort_names; *s; s++) {
        snprintf(key, sizeof key, "browse.sort.%s", *s);
        json_array_append_new(sorts, json_pack("{s:s, s:s, s:b}", "code", *s, "label", kj_tr(req, key), "selected", !strcmp(cur, *s)));
    }
    json_object_set_new(d, "sorts", sorts);
    /* Issue 15: the filter form folds away; the active filters show as
     * chips that each remove one, and posting is one tap away. */
    json_t *chips = kj_filter_chips(req, kj_jstr(d, "base"), json_object_get(d, "filters"), false);
    if (json_array_size(chips)) json_object_set_new(d, "filters_n", json_integer((json_int_t)json_array_size(chips)));
    json_object_set_new(d, "chips", chips);
    const char *post = kj_post_href(req, kind);
    if (post) json_object_set_new(d, "post_href", json_string(post));
    json_object_set_new(d, "post_label", json_string(kj_tr(req, kj_arena_printf(req->arena, "post.%s", kind))));
    if (kj_has_errors(req)) { kj_render(req, 400, "listing_browse", d); return; }
    kj_render(req, 200, "listing_browse", d);
}

void kj_page_browse_achievements(kj_req *req) { browse(req, "achievement"); }
void kj_page_browse_services(kj_req *req) { browse(req, "service"); }
void kj_page_browse_demands(kj_req *req) { browse(req, "demand"); }

/* ---- forms ---- */

static json_t *string_or_join(json_t *v)
{
    if (json_is_string(v)) return json_incref(v);
    if (!json_is_array(v)) return json_string("");
    kj_buf b = { 0 };
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) if (json_is_string(x)) { if (b.len) kj_buf_puts(&b, ", "); kj_buf_puts(&b, json_string_value(x)); }
    json_t *out = json_string(b.data ? b.data : "");
    kj_buf_free(&b);
    return out;
}

static json_t *indicators_text(json_t *v)
{
    if (json_is_string(v)) return json_incref(v);
    char *text = kj_indicators_text(v, 3);
    json_t *out = json_string(text);
    free(text);
    return out;
}

/* The form's translation groups, tr_lang/tr_title/tr_summary repeated in
 * step, as [{lang, title, summary}] (the shape kj_listing_create takes);
 * NULL when the form had none. */
static json_t *form_translations(json_t *src)
{
    json_t *langs = json_object_get(src, "tr_lang");
    if (!langs) return NULL;
    json_t *titles = json_object_get(src, "tr_title"), *summaries = json_object_get(src, "tr_summary");
    size_t n = json_is_array(langs) ? json_array_size(langs) : 1;
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *l = json_is_array(langs) ? json_array_get(langs, i) : langs;
        json_t *t = json_is_array(titles) ? json_array_get(titles, i) : i == 0 ? titles : NULL;
        json_t *s = json_is_array(summaries) ? json_array_get(summaries, i) : i == 0 ? summaries : NULL;
        json_array_append_new(out, json_pack("{s:O, s:O?, s:O?}", "lang", l, "title", t, "summary", s));
    }
    return out;
}

/* Puts the form's translation groups where the market reads them. */
static void take_form_translations(kj_req *req)
{
    json_t *tr = form_translations(req->in);
    if (tr) json_object_set_new(req->in, "translations", tr);
}

/* The form's values: what the user typed (after a refusal), or the listing. */
static json_t *form_values(kj_req *req, json_t *listing)
{
    json_t *f = json_object();
    if (listing) {
        static const char *const copy[] = { "title", "summary", "description", "domain", "region", "valid_until", "contact_name",
                                            "contact_phone", "contact_email", "ip_type", "price_kind", "delivery_mode", "duration",
                                            "deadline", "subtype", "studio_id", "lang" };
        for (size_t i = 0; i < sizeof copy / sizeof *copy; i++)
            if (json_object_get(listing, copy[i])) json_object_set(f, copy[i], json_object_get(listing, copy[i]));
        json_object_set_new(f, "keywords", string_or_join(json_object_get(listing, "keywords")));
        json_object_set_new(f, "ip_numbers", string_or_join(json_object_get(listing, "ip_numbers")));
        json_object_set_new(f, "indicators", indicators_text(json_object_get(listing, "indicators")));
        json_object_set(f, "coop_modes", json_object_get(listing, "coop_modes"));
        json_object_set(f, "translations", json_object_get(listing, "translations"));
        json_object_set(f, "trl", json_object_get(listing, "trl"));
        json_object_set(f, "trl_min", json_object_get(listing, "trl_min"));
        json_object_set_new(f, "anonymous", json_boolean(json_integer_value(json_object_get(listing, "anonymous"))));
        kj_listing_api_prices(listing);
        if (json_object_get(listing, "price_min")) json_object_set(f, "price_min", json_object_get(listing, "price_min"));
        if (json_object_get(listing, "price_max")) json_object_set(f, "price_max", json_object_get(listing, "price_max"));
    } else if (req->form) {
        json_object_update(f, req->form);
        json_object_set_new(f, "keywords", string_or_join(json_object_get(req->form, "keywords")));
        json_object_set_new(f, "ip_numbers", string_or_join(json_object_get(req->form, "ip_numbers")));
        json_object_set_new(f, "indicators", indicators_text(json_object_get(req->form, "indicators")));
        json_t *m = json_object_get(req->form, "coop_modes");
        if (json_is_string(m)) { json_t *a = json_array(); json_array_append(a, m); json_object_set_new(f, "coop_modes", a); }
        json_t *tr = form_translations(req->form), *by_lang = json_object();
        size_t ti;
        json_t *te;
        json_array_foreach(tr, ti, te)
            if (json_is_string(json_object_get(te, "lang"))) json_object_set(by_lang, kj_jstr(te, "lang"), te);
        json_decref(tr);
        json_object_set_new(f, "translations", by_lang);
        json_t *an = json_object_get(req->form, "anonymous");
        json_object_set_new(f, "anonymous", json_boolean(json_is_string(an) && *json_string_value(an) && strcmp(json_string_value(an), "0")));
    }
    return f;
}

static json_t *simple_options(kj_req *req, const char *const *codes, const char *prefix, const char *selected)
{
    json_t *out = json_array();
    for (; *codes; codes++) {
        char key[64];
        snprintf(key, sizeof key, "%s%s", prefix, *codes);
        json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "code", *codes, "label", kj_tr(req, key),
                                             "selected", selected && !strcmp(selected, *codes)));
    }
    return out;
}

static void render_form(kj_req *req, int status, const char *kind, json_t *listing, json_t *errors)
{
    json_t *f = form_values(req, listing);
    json_t *d = json_object();
    json_object_set_new(d, "kind", json_string(kind));
    char key[64];
    snprintf(key, sizeof key, "kind.%s", kind);
    json_object_set_new(d, "kind_label", json_string(kj_tr(req, key)));
    json_object_set_new(d, "is_demand", json_boolean(!strcmp(kind, "demand")));
    json_object_set_new(d, "is_service", json_boolean(!strcmp(kind, "service")));
    json_object_set_new(d, "is_offer", json_boolean(strcmp(kind, "demand") != 0));
    json_object_set_new(d, "domains", kj_ref_options(req, "domains", json_object_get(f, "domain")));
    json_object_set_new(d, "modes", kj_ref_options(req, "coop_modes", json_object_get(f, "coop_modes")));
    json_object_set_new(d, "ip_types", kj_ref_options(req, "ip_types", json_object_get(f, "ip_type")));
    json_t *trl_sel = json_object_get(f, "trl");
    if (json_is_integer(trl_sel)) trl_sel = json_string(kj_arena_printf(req->arena, "%lld", (long long)json_integer_value(trl_sel)));
    else trl_sel = json_incref(trl_sel);
    json_object_set_new(d, "trls", kj_ref_options(req, "trl_levels", trl_sel));
    json_decref(trl_sel);
    json_t *tmin_sel = json_object_get(f, "trl_min");
    if (json_is_integer(tmin_sel)) tmin_sel = json_string(kj_arena_printf(req->arena, "%lld", (long long)json_integer_value(tmin_sel)));
    else tmin_sel = json_incref(tmin_sel);
    json_object_set_new(d, "trl_mins", kj_ref_options(req, "trl_levels", tmin_sel));
    json_decref(tmin_sel);
    json_object_set_new(d, "region_picker", kj_region_picker(req, "region", kj_jstr(f, "region"), "field.region"));
    /* The language the title and summary are written in: the listing's,
     * else what the author reads the site in (when offered), else the
     * instance's default. Offered as a menu of the offered languages. */
    char text_lang[32];
    const char *fl = kj_jstr(f, "lang");
    if (fl && *fl) snprintf(text_lang, sizeof text_lang, "%s", fl);
    else if (kj_listing_lang_offered(req->lang)) snprintf(text_lang, sizeof text_lang, "%s", req->lang);
    else kj_listing_original_lang(text_lang, sizeof text_lang);
    json_t *offered = kj_listing_offered_langs(), *lang_opts = json_array();
    size_t oi;
    json_t *ot;
    json_array_foreach(offered, oi, ot) {
        const char *tag = json_string_value(ot);
        json_array_append_new(lang_opts, json_pack("{s:s, s:s, s:b}", "code", tag, "label", *kj_i18n_name(tag) ? kj_i18n_name(tag) : tag,
                                                   "selected", !strcmp(tag, text_lang)));
    }
    json_decref(offered);
    json_object_set_new(d, "langs", lang_opts);
    json_object_set_new(d, "lang_choice", json_boolean(json_array_size(lang_opts) > 1));
    json_object_set_new(d, "text_lang", json_string(text_lang));
    /* One group per offered language but the original's: optional, folded
     * unless it holds text or an error. */
    json_t *groups = json_array(), *tags = kj_listing_translation_langs(kj_listing_lang_offered(text_lang) ? text_lang : NULL);
    size_t ti;
    json_t *tag;
    json_array_foreach(tags, ti, tag) {
        const char *lang = json_string_value(tag);
        json_t *cur = json_object_get(json_object_get(f, "translations"), lang);
        json_t *g = json_pack("{s:s, s:s, s:s, s:s}", "lang", lang,
                              "name", *kj_i18n_name(lang) ? kj_i18n_name(lang) : lang,
                              "title", json_is_string(json_object_get(cur, "title")) ? kj_jstr(cur, "title") : "",
                              "summary", json_is_string(json_object_get(cur, "summary")) ? kj_jstr(cur, "summary") : "");
        const char *et = errors ? kj_jstr(errors, kj_arena_printf(req->arena, "translations.%s.title", lang)) : NULL;
        const char *es = errors ? kj_jstr(errors, kj_arena_printf(req->arena, "translations.%s.summary", lang)) : NULL;
        if (et) json_object_set_new(g, "err_title", json_string(kj_tr(req, et)));
        if (es) json_object_set_new(g, "err_summary", json_string(kj_tr(req, es)));
        json_object_set_new(g, "open", json_boolean(et || es || *kj_jstr(g, "title") || *kj_jstr(g, "summary")));
        json_array_append_new(groups, g);
    }
    json_decref(tags);
    json_object_set_new(d, "translations", groups);
    json_object_set_new(d, "has_translations", json_boolean(json_array_size(groups) > 0));
    static const char *const pk[] = { "negotiable", "fixed", "range", NULL };
    static const char *const dm[] = { "onsite", "remote", "hybrid", NULL };
    json_object_set_new(d, "price_kinds", simple_options(req, pk, "price_kind.", kj_jstr(f, "price_kind") ? kj_jstr(f, "price_kind") : "negotiable"));
    json_object_set_new(d, "delivery_modes", simple_options(req, dm, "delivery.", kj_jstr(f, "delivery_mode")));
    json_t *studios = kj_studio_active_of(kj_req_db(req), user_id(req));
    size_t i;
    json_t *s;
    json_array_foreach(studios, i, s) {   /* as options: {code, label, selected} */
        json_object_set_new(s, "code", json_string(kj_jstr(s, "id")));
        json_object_set_new(s, "label", json_string(kj_jstr(s, "name")));
        json_object_del(s, "id");
        json_object_del(s, "name");
        json_object_set_new(s, "selected", json_boolean(kj_jstr(f, "studio_id") && !strcmp(kj_jstr(f, "studio_id"), kj_jstr(s, "code"))));
    }
    json_object_set_new(d, "studios", studios ? studios : json_array());
    json_object_set_new(d, "has_studios", json_boolean(studios && json_array_size(studios)));
    if (listing) {
        json_object_set_new(d, "listing_id", json_string(kj_jstr(listing, "id")));
        json_object_set_new(d, "is_live", json_boolean(!strcmp(kj_jstr(listing, "status"), "published")));
        json_object_set_new(d, "page_title", json_string(kj_tr(req, "listing.edit")));
    } else {
        json_object_set_new(d, "page_title", json_string(kj_tr(req, "listing.new")));
    }
    json_object_set_new(d, "form", f);
    if (errors && json_object_size(errors)) {
        json_t *tr = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(errors, k, v) json_object_set_new(tr, k, json_string(kj_tr(req, json_string_value(v))));
        json_object_set_new(d, "errors", tr);
        json_object_set_new(d, "has_errors", json_true());
    }
    kj_render(req, status, "listing_form", d);
}

void kj_page_listing_new(kj_req *req)
{
    const char *kind = kj_in_str(req, "kind");
    if (!kind) {
        const char *role = kj_jstr(req->user, "role");
        kind = !strcmp(role, "org_member") ? "demand" : "achievement";
    }
    render_form(req, 200, kind, NULL, NULL);
}

void kj_page_listing_create(kj_req *req)
{
    const char *kind = kj_in_str(req, "kind");
    if (!kind) { kj_error(req, 400, "err.form.check"); return; }
    json_t *errors = json_deep_copy(req->errors);
    char id[KJ_ID_LEN + 1];
    if (json_object_size(errors) == 0) {
        const char *action = kj_in_str(req, "action");
        bool submit = action && !strcmp(action, "submit");
        take_form_translations(req);
        if (kj_listing_create(kj_req_db(req), req->user, kind, req->in, submit, id, errors) == 0) {
            json_decref(errors);
            /* Sent for review: say so ("已提交，等待审核"), not "已保存". */
            kj_resp_redirect(req, kj_arena_printf(req->arena, "/listings/%s?%s=1", id, submit ? "submitted" : "saved"));
            return;
        }
    }
    render_form(req, 422, kind, NULL, errors);
    json_decref(errors);
}

static json_t *own_listing(kj_req *req, const char *id)
{
    json_t *l = kj_listing_get(kj_req_db(req), id);
    if (!l) { kj_error(req, 404, "err.not_found"); return NULL; }
    if (!kj_listing_is_owner(kj_req_db(req), l, req->user)) {
        json_t *v = kj_listing_view(kj_req_db(req), id, req->user);
        kj_error(req, v ? 403 : 404, v ? "err.auth.forbidden" : "err.not_found");
        json_decref(v);
        json_decref(l);
        return NULL;
    }
    return l;
}

void kj_page_listing_edit(kj_req *req)
{
    json_t *l = own_listing(req, kj_req_param(req, 0));
    if (!l) return;
    /* A pending edit is what the owner continues from. */
    kj_listing_merge_pending(kj_req_db(req), l);
    render_form(req, 200, kj_jstr(l, "kind"), l, NULL);
    json_decref(l);
}

void kj_page_listing_update(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *l = own_listing(req, id);
    if (!l) return;
    json_t *errors = json_deep_copy(req->errors);
    if (json_object_size(errors) == 0) {
        const char *action = kj_in_str(req, "action");
        bool submit = action && !strcmp(action, "submit");
        take_form_translations(req);
        if (kj_listing_update(kj_req_db(req), req->user, id, req->in, submit, errors) == 0) {
            json_decref(errors);
            json_decref(l);
            kj_resp_redirect(req, kj_arena_printf(req->arena, "/listings/%s?%s=1", id, submit ? "submitted" : "saved"));
            return;
        }
    }
    render_form(req, 422, kj_jstr(l, "kind"), NULL, errors);
    json_decref(errors);
    json_decref(l);
}

/* ---- detail ---- */

static json_t *owner_actions(kj_req *req, json_t *l)
{
    static const struct { const char *action; const char *status; } table[] = {
        { "submit", "draft" }, { "submit", "rejected" }, { "withdraw", "submitted" }, { "withdraw", "published" },
        { "reopen", "withdrawn" }, { "close", "published" }, { "extend", "published" }, { "extend", "expired" },
    };
    json_t *out = json_array();
    const char *st = kj_jstr(l, "status");
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        if (strcmp(table[i].status, st)) continue;
        if (!strcmp(table[i].action, "extend") && json_integer_value(json_object_get(l, "extended"))) continue;
        char key[64];
        snprintf(key, sizeof key, "action.%s", table[i].action);
        /* Moving forward is the primary button; withdrawing and closing
         * never are (issue 15). */
        bool primary = !strcmp(table[i].action, "submit") || !strcmp(table[i].action, "reopen") || !strcmp(table[i].action, "extend");
        json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "action", table[i].action, "label", kj_tr(req, key), "primary", primary));
    }
    if (!strcmp(st, "published")) {
        bool open = json_integer_value(json_object_get(l, "open_for_interest"));
        const char *a = open ? "close_interest" : "open_interest";
        char key[64];
        snprintf(key, sizeof key, "action.%s", a);
        json_array_append_new(out, json_pack("{s:s, s:s}", "action", a, "label", kj_tr(req, key)));
    }
    return out;
}

void kj_page_listing(kj_req *req)
{
    kj_db *db = kj_req_db(req);
    json_t *l = kj_listing_view(db, kj_req_param(req, 0), req->user);
    if (!l) { kj_error(req, 404, "err.not_found"); return; }
    kj_listing_localize(req, l);
    kj_listing_decorate(req, l, true);
    json_object_set_new(l, "page_title", json_string(kj_jstr(l, "title")));
    json_object_set_new(l, "saved", json_boolean(kj_req_query(req, "saved") != NULL));
    json_object_set_new(l, "done", json_boolean(kj_req_query(req, "done") != NULL));
    json_object_set_new(l, "submitted", json_boolean(kj_req_query(req, "submitted") != NULL));
    if (json_is_true(json_object_get(l, "is_owner"))) json_object_set_new(l, "actions", owner_actions(req, l));
    bool reviewer = json_is_true(json_object_get(l, "can_review"));
    /* "已发布" tells the public nothing: the state shows to its owner and
     * reviewers, and to everyone when it is anything but published. */
    json_object_set_new(l, "show_status", json_boolean(reviewer || json_is_true(json_object_get(l, "is_owner")) ||
                                                           strcmp(kj_jstr_or_empty(l, "status"), "published")));
    json_object_set_new(l, "review_new", json_boolean(reviewer && !strcmp(kj_jstr(l, "status"), "submitted")));
    json_object_set_new(l, "review_edit", json_boolean(reviewer && json_integer_value(json_object_get(l, "pending_revision"))));
    /* Its owner and its reviewers read every translation (what approving
     * publishes), whatever their own language (issue 17 §1). */
    if (reviewer || json_is_true(json_object_get(l, "is_owner"))) {
        json_t *all = json_array();
        const char *tag;
        json_t *e;
        json_object_foreach(json_object_get(l, "translations"), tag, e)
            json_array_append_new(all, json_pack("{s:s, s:s, s:s, s:s}", "lang", tag, "name", *kj_i18n_name(tag) ? kj_i18n_name(tag) : tag,
                                                 "title", kj_jstr_or_empty(e, "title"), "summary", kj_jstr_or_empty(e, "summary")));
        if (json_array_size(all)) json_object_set_new(l, "all_translations", all);
        else json_decref(all);
    }
    json_t *sent = req->user ? kj_eoi_latest_sent(db, kj_jstr(l, "id"), user_id(req)) : NULL;
    bool pending = sent && !strcmp(kj_jstr(sent, "status"), "pending");
    /* One pending expression of interest at a time: no form while one waits. */
    bool can_eoi = req->user && !pending && !json_is_true(json_object_get(l, "is_owner")) &&
                   json_is_true(json_object_get(l, "is_current")) && json_integer_value(json_object_get(l, "open_for_interest"));
    json_object_set_new(l, "can_eoi", json_boolean(can_eoi));
    /* A listed service with a fixed price can be ordered directly (a deal at "agreed"). */
    json_object_set_new(l, "can_order", json_boolean(req->user && !json_is_true(json_object_get(l, "is_owner")) &&
                                                     json_is_true(json_object_get(l, "is_current")) &&
                                                     !strcmp(kj_jstr(l, "kind"), "service") && kj_jstr(l, "price_kind") &&
                                                     !strcmp(kj_jstr(l, "price_kind"), "fixed")));
    if (sent) json_object_set_new(l, "my_eoi", sent);
    if (req->user) {
        json_object_set_new(l, "is_favourite", json_boolean(kj_favourite_has(db, user_id(req), kj_jstr(l, "id"))));
        if (can_eoi) {
            json_t *mine = kj_listing_mine_published(db, user_id(req));
            json_object_set_new(l, "my_listings", mine ? mine : json_array());
        }
    }
    /* Attachments: confidential ones only for those who may see private details. */
    bool priv = json_is_true(json_object_get(l, "can_see_private"));
    json_t *files = kj_listing_attachments(db, kj_jstr(l, "id"));
    json_t *shown = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f) {
        if (json_integer_value(json_object_get(f, "confidential")) && !priv) continue;
        if (!priv && json_integer_value(json_object_get(l, "anonymous")))
            json_object_set_new(f, "filename", json_string(kj_arena_printf(req->arena, "attachment-%zu", i + 1)));
        json_object_set_new(f, "is_image", json_boolean(!strncmp(kj_jstr(f, "mime"), "image/", 6)));
        json_object_set(f, "att_id", json_object_get(f, "id"));
        json_object_set(f, "lid", json_object_get(l, "id"));
        json_array_append(shown, f);
    }
    json_decref(files);
    json_object_set_new(l, "attachments", shown);
    json_object_set_new(l, "can_upload", json_boolean(json_is_true(json_object_get(l, "can_edit"))));
    json_t *reasons = json_array();
    for (const char *const *r = kj_decline_reasons; *r; r++) {
        char key[64];
        snprintf(key, sizeof key, "decline.%s", *r);
        json_array_append_new(reasons, json_pack("{s:s, s:s}", "code", *r, "label", kj_tr(req, key)));
    }
    json_object_set_new(l, "decline_reasons", reasons);
    kj_render(req, 200, "listing_detail", l);
}

void kj_page_listing_act(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    if (kj_has_errors(req)) { kj_error(req, 422, "err.form.check"); return; }
    kj_err fail = { 0 };
    if (kj_listing_act(kj_req_db(req), req->user, id, kj_in_str(req, "action"), kj_in_str(req, "reason"), &fail)) {
        kj_error(req, kj_err_status(&fail), fail.key);
        return;
    }
    const char *action = kj_in_str(req, "action");
    bool reviewer_action = !strncmp(action, "approve", 7) || !strncmp(action, "reject", 6);
    kj_resp_redirect(req, reviewer_action ? "/review?done=1" :
                          kj_arena_printf(req->arena, "/listings/%s?%s=1", id, !strcmp(action, "submit") ? "submitted" : "done"));
}

void kj_page_listing_history(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *l = kj_listing_view(kj_req_db(req), id, req->user);
    if (!l) { kj_error(req, 404, "err.not_found"); return; }
    if (!json_is_true(json_object_get(l, "is_owner")) && !json_is_true(json_object_get(l, "can_review"))) {
        json_decref(l);
        kj_error(req, 403, "err.auth.forbidden");
        return;
    }
    json_t *h = kj_listing_history(kj_req_db(req), id);
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(h, "events"), i, x) {
        char key[64];
        snprintf(key, sizeof key, "event.%s", kj_jstr(x, "action"));
        json_object_set_new(x, "action_label", json_string(kj_tr(req, key)));
        kj_set_when(req, x, "created_at", "at");
    }
    json_array_foreach(json_object_get(h, "revisions"), i, x) {
        char key[64];
        snprintf(key, sizeof key, "revision.%s", kj_jstr(x, "state"));
        json_object_set_new(x, "state_label", json_string(kj_tr(req, key)));
        json_t *data = json_object_get(x, "data");
        json_object_set(x, "title", json_object_get(data, "title"));
        json_object_set(x, "summary", json_object_get(data, "summary"));
        /* The translations are content too: a reviewer reads what a revision changes in them. */
        json_t *trs = json_array();
        const char *tag;
        json_t *e;
        json_object_foreach(json_object_get(data, "translations"), tag, e)
            json_array_append_new(trs, json_pack("{s:s, s:s, s:s, s:s}", "lang", tag, "name", *kj_i18n_name(tag) ? kj_i18n_name(tag) : tag,
                                                 "title", kj_jstr_or_empty(e, "title"), "summary", kj_jstr_or_empty(e, "summary")));
        json_object_set_new(x, "translations", trs);
    }
    json_object_set_new(h, "listing", l);
    kj_render(req, 200, "listing_history", h);
}

void kj_page_listing_interest(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    if (kj_has_errors(req)) { kj_error(req, 422, "err.eoi.message"); return; }
    char eoi[KJ_ID_LEN + 1];
    kj_err fail = { 0 };
    if (kj_eoi_send(kj_req_db(req), req->user, id, kj_in_str(req, "message"), kj_in_str(req, "related_id"), eoi, &fail)) {
        kj_error(req, kj_err_status(&fail), fail.key);
        return;
    }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/eois/%s?sent=1", eoi));
}

void kj_page_listing_favourite(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    if (!kj_id_valid(id) || kj_favourite_set(kj_req_db(req), req->user, id, kj_in_bool(req, "on"))) {
        kj_error(req, 404, "err.not_found");
        return;
    }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/listings/%s", id));
}

/* ---- lists of mine ---- */

void kj_page_my_listings(kj_req *req)
{
    json_t *items = kj_listing_mine(kj_req_db(req), req->user);
    kj_listing_decorate_all(req, items);
    kj_render(req, 200, "my_listings", json_pack("{s:o, s:s}", "items", items, "page_title", kj_tr(req, "nav.my_listings")));
}

void kj_page_review_queue(kj_req *req)
{
    /* Routed to the lowest covering service center, escalating upward
     * (review/route.h): who submitted, when, where it is, time left. */
    kj_review_policy policy = kj_req_review_policy(req);
    json_t *q = kj_review_listing_queue(kj_req_db(req), req->user, &policy);
    kj_listing_decorate_all(req, json_object_get(q, "items"));
    kj_review_decorate(req, json_object_get(q, "items"));
    json_object_set_new(q, "page_title", json_string(kj_tr(req, "nav.review")));
    json_object_set_new(q, "done", json_boolean(kj_req_query(req, "done") != NULL));
    /* Challenge-list entries wait for the same staff (揭榜挂帅, challenge.c). */
    json_t *entries = kj_review_challenge_queue(kj_req_db(req), req->user, &policy);
    kj_review_decorate(req, entries);
    size_t i;
    json_t *c;
    json_array_foreach(entries, i, c) {
        const char *d = kj_jstr(c, "direction");
        json_object_set_new(c, "direction_label", json_string(kj_tr(req, kj_arena_printf(req->arena, "challenge.direction.%s", d ? d : ""))));
    }
    json_object_set_new(q, "challenges", entries);
    kj_render(req, 200, "review_queue", q);
}

static void label_eois(kj_req *req, json_t *list)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        char key[64];
        snprintf(key, sizeof key, "eoi.status.%s", kj_jstr(e, "status"));
        json_object_set_new(e, "status_label", json_string(kj_tr(req, key)));
        if (kj_jstr(e, "decline_reason")) {
            snprintf(key, sizeof key, "decline.%s", kj_jstr(e, "decline_reason"));
            json_object_set_new(e, "decline_label", json_string(kj_tr(req, key)));
        }
        json_object_set_new(e, "is_pending", json_boolean(!strcmp(kj_jstr(e, "status"), "pending")));
    }
}

void kj_page_eois(kj_req *req)
{
    json_t *d = kj_eoi_lists(kj_req_db(req), req->user);
    label_eois(req, json_object_get(d, "received"));
    label_eois(req, json_object_get(d, "sent"));
    json_object_set_new(d, "threads", kj_thread_list(kj_req_db(req), req->user));
    json_object_set_new(d, "page_title", json_string(kj_tr(req, "nav.eois")));
    kj_render(req, 200, "eois", d);
}

void kj_page_eoi(kj_req *req)
{
    json_t *e = kj_eoi_get(kj_req_db(req), req->user, kj_req_param(req, 0));
    if (!e) { kj_error(req, 404, "err.not_found"); return; }
    kj_fed_eoi_view(kj_req_db(req), e);   /* an EOI about a remote listing: where it went, what came back */
    json_t *list = json_array();
    json_array_append(list, e);
    label_eois(req, list);
    json_decref(list);
    json_t *reasons = json_array();
    for (const char *const *r = kj_decline_reasons; *r; r++) {
        char key[64];
        snprintf(key, sizeof key, "decline.%s", *r);
        json_array_append_new(reasons, json_pack("{s:s, s:s}", "code", *r, "label", kj_tr(req, key)));
    }
    json_object_set_new(e, "decline_reasons", reasons);
    json_object_set_new(e, "sent", json_boolean(kj_req_query(req, "sent") != NULL));
    json_object_set_new(e, "can_decide", json_boolean(json_is_true(json_object_get(e, "is_owner")) && !strcmp(kj_jstr(e, "status"), "pending")));
    /* Once a deal was started from it, the page leads there instead of offering a second start. */
    char *deal = kj_deal_of_eoi(kj_req_db(req), kj_jstr(e, "id"));
    if (deal) json_object_set_new(e, "deal_id", json_string(deal));
    free(deal);
    /* The conversation and the deal are their parties': another member of
     * the listing's studio, who may see the EOI, would follow those links to 404. */
    json_object_set_new(e, "in_thread", json_boolean(kj_thread_is_member(kj_req_db(req), kj_jstr(e, "thread_id"),
                                                                         kj_user_id(req->user))));
    kj_render(req, 200, "eoi_detail", e);
}

void kj_page_eoi_decide(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    if (kj_has_errors(req)) { kj_error(req, 422, "err.form.check"); return; }
    kj_err fail = { 0 };
    bool accept = !strcmp(kj_in_str(req, "decision"), "accept");
    if (kj_eoi_decide(kj_req_db(req), req->user, id, accept, kj_in_str(req, "reason"), kj_in_str(req, "note"), &fail)) {
        kj_error(req, kj_err_status(&fail), fail.key);
        return;
    }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/eois/%s", id));
}

void kj_page_thread(kj_req *req)
{
    /* The newest page; "older" links to the one before (a long thread is
     * never sent whole). */
    const char *before = kj_in_str(req, "before");
    json_t *t = kj_thread_page(kj_req_db(req), req->user, kj_req_param(req, 0), before, KJ_THREAD_PAGE);
    if (!t) { kj_error(req, 404, "err.not_found"); return; }
    json_object_set_new(t, "page_title", json_string(kj_jstr(t, "subject")));
    if (before) json_object_set_new(t, "paged", json_true());
    /* Once a deal runs on this thread, its messages belong on the deal page (and in its log). */
    char *deal = kj_deal_of_thread(kj_req_db(req), kj_jstr(t, "id"));
    if (deal) { json_object_set_new(t, "deal_id", json_string(deal)); free(deal); }
    kj_render(req, 200, "thread", t);
}

void kj_page_thread_post(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    if (kj_has_errors(req)) { kj_error(req, 422, "err.field.required"); return; }
    kj_err fail = { 0 };
    if (kj_thread_post(kj_req_db(req), req->user, id, kj_in_str(req, "body"), NULL, &fail)) {
        kj_error(req, kj_err_status(&fail), fail.key);
        return;
    }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/threads/%s#last", id));
}

void kj_page_favourites(kj_req *req)
{
    json_t *items = kj_favourite_list(kj_req_db(req), req->user);
    kj_listing_decorate_all(req, items);
    kj_render(req, 200, "favourites", json_pack("{s:o, s:s}", "items", items, "page_title", kj_tr(req, "nav.favourites")));
}

void kj_page_notifications(kj_req *req)
{
    json_t *items = kj_notifications(kj_req_db(req), req->user, 100);
    size_t i;
    json_t *n;
    json_array_foreach(items, i, n) {
        char key[64];
        snprintf(key, sizeof key, "notify.%s", kj_jstr(n, "kind"));
        json_object_set_new(n, "text", json_string(kj_trf(req, key, kj_jstr(n, "subject"))));
    }
    /* Best effort: a lost read mark only leaves the notifications shown as new. */
    kj_notifications_mark_read(kj_req_db(req), user_id(req));
    kj_render(req, 200, "notifications", json_pack("{s:o, s:s}", "items", items, "page_title", kj_tr(req, "nav.notifications")));
}

/* ---- attachments ---- */

/* Stores each uploaded file of the form for listing id (owner only).
 * Returns the number stored, or -1 with e. */
int kj_listing_store_uploads(kj_req *req, const char *id, bool confidential, kj_err *e, char *first_id)
{
    kj_app *app = kj_req_app(req);
    int n = 0;
    for (kj_upload *u = req->uploads; u; u = u->next) {
        if (!u->filename || !*u->filename) continue;
        char att[KJ_ID_LEN + 1];
        if (kj_attach_store(kj_req_db(req), app->cfg.data, (size_t)app->cfg.max_upload, user_id(req), id, NULL,
                            u->filename, u->data, u->size, confidential, att, e))
            return -1;
        if (!n && first_id) snprintf(first_id, KJ_ID_LEN + 1, "%s", att);
        n++;
    }
    if (!n) kj_err_set(e, KJ_E_INVALID, "err.attach.empty", "file");
    return n ? n : -1;
}

void kj_page_listing_upload(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *l = own_listing(req, id);
    if (!l) return;
    json_decref(l);
    kj_err err = { 0 };
    if (kj_listing_store_uploads(req, id, kj_in_bool(req, "confidential"), &err, NULL) < 0) {
        kj_error(req, kj_err_status(&err), err.key);   /* the reason as the answer's detail */
        return;
    }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/listings/%s?saved=1", id));
}

void kj_page_listing_attachment_delete(kj_req *req)
{
    const char *id = kj_req_param(req, 0), *att = kj_req_param(req, 1);
    json_t *l = own_listing(req, id);
    if (!l) return;
    json_decref(l);
    json_t *a = kj_id_valid(att) ? kj_attach_get(kj_req_db(req), att) : NULL;
    if (!a || !json_is_string(json_object_get(a, "listing_id")) || strcmp(kj_jstr(a, "listing_id"), id)) {
        json_decref(a);
        kj_error(req, 404, "err.not_found");
        return;
    }
    json_decref(a);
    kj_attach_delete(kj_req_db(req), kj_req_app(req)->cfg.data, att);
    if (kj_wants_json(req)) { req->status = 204; return; }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/listings/%s", id));
}

