/*
 * pages_search.c — the search page, the matches of a listing with their
 * reasons, "not relevant" feedback, and alerts (pages; their JSON API is
 * api/api_search.c, which shares the request helpers declared in
 * pages_search.h).
 */
#include "web/pages_fed.h"
#include "web/pages_search.h"
#include "core/json_util.h"
#include "core/id.h"
#include "market/filters.h"
#include "search/search.h"
#include "popsci/popsci.h"
#include "web/app.h"
#include "web/region_picker.h"
#include "web/market_view.h"
#include "web/chips.h"
#include "ref/refcache.h"
#include <stdlib.h>
#include <string.h>

void kj_search_query_from(kj_req *req, kj_search_query *q)
{
    memset(q, 0, sizeof *q);
    q->q = kj_in_str(req, "q");
    kj_listing_query_from(req, &q->filters, NULL);
    /* Search is not narrowed to the home region (web/home_region.h): a typed
     * query, and where peers' items are found. */
    if (q->filters.region_defaulted) { q->filters.region = NULL; q->filters.region_defaulted = false; }
    q->filters.q_title = NULL;   /* q is the full-text query here, not a title filter */
    q->include_studios = true;
    q->exact = kj_in_bool(req, "exact");
    q->page = q->filters.page;
    q->per_page = q->filters.per_page;
}

/* Snippet text carries \x02 … \x03 around matched terms: escape it for HTML,
 * then turn the markers into <mark>. */
static void snippet_html(json_t *hit)
{
    const char *s = kj_jstr(hit, "snippet");
    if (!s) return;
    kj_buf b = { 0 };
    for (; *s; s++) {
        if (*s == '\x02') kj_buf_puts(&b, "<mark>");
        else if (*s == '\x03') kj_buf_puts(&b, "</mark>");
        else { char c[2] = { *s, 0 }; kj_buf_html(&b, c); }
    }
    json_object_set_new(hit, "snippet_html", json_string(b.data ? b.data : ""));
    kj_buf_free(&b);
}

void kj_search_hit_plain(json_t *hit)
{
    const char *s = kj_jstr(hit, "snippet");
    if (!s) return;
    char *copy = strdup(s), *o = copy;
    for (const char *p = s; *p; p++) if (*p != '\x02' && *p != '\x03') *o++ = *p;
    *o = 0;
    json_object_set_new(hit, "snippet", json_string(copy));
    free(copy);
}

/* The active search parameters as [{name, value}], leaving out those of
 * facet group facet (NULL: none) and always the page: pager and facet links
 * keep the user's filters. */
static json_t *active_params(kj_req *req, const char *facet)
{
    /* The text and kind, the browse filters (market/filters.h), the page size. */
    const char *names[2 + KJ_NLISTING_FILTERS + 1] = { "q", "kind" };
    for (int i = 0; i < KJ_NLISTING_FILTERS; i++) names[2 + i] = kj_listing_filters[i].name;
    names[2 + KJ_NLISTING_FILTERS] = "per_page";
    json_t *out = json_array();
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        /* A facet link replaces the filters of its group (the kind's: the kind). */
        bool skipped = facet && !strcmp(facet, "kind") && !strcmp(names[i], "kind");
        for (int f = 0; facet && f < KJ_NLISTING_FILTERS; f++)
            if (kj_listing_filters[f].facet && !strcmp(kj_listing_filters[f].facet, facet) && !strcmp(kj_listing_filters[f].name, names[i]))
                skipped = true;
        json_t *v = json_object_get(req->in, names[i]);
        if (skipped || !v) continue;
        char num[32];
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        if (json_is_integer(v)) { snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v)); s = num; }
        if (s && *s) json_array_append_new(out, json_pack("{s:s, s:s}", "name", names[i], "value", s));
    }
    return out;
}

/* What a facet link of group sets: each filter of the group (market/filters.h)
 * to the facet's code (TRL n: trl_min = trl_max = n). */
static void facet_params(json_t *params, const char *group, const char *code)
{
    for (const kj_listing_filter *k = kj_listing_filters; k->name; k++)
        if (k->facet && !strcmp(k->facet, group))
            json_array_append_new(params, json_pack("{s:s, s:s}", "name", k->name, "value", code));
}

/* Facet groups: (group, parameters it sets, label source). A facet link
 * keeps every other active filter and replaces its own. */
static void label_facets(kj_req *req, json_t *facets)
{
    /* The groups kj_search returns; each replaces the filters of its group
     * (market/filters.h: the facet of each filter). */
    static const char *const groups[] = { "kind", "domain", "region", "trl" };
    for (size_t g = 0; g < sizeof groups / sizeof *groups; g++) {
        json_t *list = json_object_get(facets, groups[g]);
        size_t i;
        json_t *f;
        json_array_foreach(list, i, f) {
            json_t *c = json_object_get(f, "code");
            char code[32];
            if (json_is_integer(c)) snprintf(code, sizeof code, "%lld", (long long)json_integer_value(c));
            else snprintf(code, sizeof code, "%s", json_is_string(c) ? json_string_value(c) : "");
            json_t *params = active_params(req, groups[g]);
            const char *group = groups[g];
            if (!strcmp(group, "kind")) {
                char key[64];
                snprintf(key, sizeof key, "kind.%s", code);
                json_object_set_new(f, "label", json_string(kj_tr(req, key)));
                json_array_append_new(params, json_pack("{s:s, s:s}", "name", "kind", "value", code));
            } else if (!strcmp(group, "trl")) {
                json_object_set_new(f, "label", json_sprintf("TRL %s", code));
                facet_params(params, group, code);
            } else {
                /* From memory (refcache.h): a query per facet made a results
                 * page 34 statements. */
                const char *name = kj_refcache_name(kj_req_app(req)->ref, !strcmp(group, "domain") ? KJ_REF_DOMAINS : KJ_REF_REGIONS,
                                                    code, req->lang);
                json_object_set_new(f, "label", json_string(name ? name : code));
                facet_params(params, group, code);
            }
            json_object_set_new(f, "params", params);
        }
    }
}

void kj_page_search(kj_req *req)
{
    kj_search_query q;
    kj_search_query_from(req, &q);
    if (q.per_page > 50) q.per_page = 50;
    json_t *d = NULL;
    kj_err err = { 0 };
    if (!kj_has_errors(req) && q.q && *q.q) d = kj_search(kj_req_db(req), &q, &err);
    if (d) {   /* where the search's time went, as the API says it */
        char timing[256];
        kj_search_timing_header(timing, sizeof timing);
        kj_resp_header(req, "Server-Timing", timing);
    }
    if (!d) d = json_pack("{s:[], s:i, s:{}}", "items", "total", 0, "facets");
    size_t i;
    json_t *h;
    kj_listing_localize_all(req, json_object_get(d, "items"));
    json_array_foreach(json_object_get(d, "items"), i, h) {
        if (strcmp(kj_jstr(h, "doc_kind"), "studio")) kj_listing_decorate(req, h, false);
        else {
            char original[32];
            json_object_set_new(h, "is_studio", json_true());
            json_object_set_new(h, "title_lang", json_string(kj_listing_original_lang(original, sizeof original)));
            kj_origin_label(req, h);   /* a peer's studio: "来自 X" */
        }
        snippet_html(h);
    }
    label_facets(req, json_object_get(d, "facets"));
    json_object_set_new(d, "params", active_params(req, NULL));
    if (json_object_get(d, "corrected_query")) {
        /* "已按 X 搜索": and a link to the text as typed, with the same filters. */
        kj_buf href = { 0 };
        kj_buf_puts(&href, "/search?exact=1");
        size_t pi;
        json_t *pv;
        json_array_foreach(json_object_get(d, "params"), pi, pv) {
            kj_buf_printf(&href, "&%s=", kj_jstr(pv, "name"));
            kj_url_encode(&href, kj_jstr(pv, "value"));
        }
        json_object_set_new(d, "original_href", json_string(href.data));
        kj_buf_free(&href);
    }
    json_t *chips = kj_filter_chips(req, "/search", json_object_get(d, "params"), true);
    if (json_array_size(chips)) json_object_set_new(d, "filters_n", json_integer((json_int_t)json_array_size(chips)));
    json_object_set_new(d, "chips", chips);
    json_object_set_new(d, "q", json_string(q.q ? q.q : ""));
    json_object_set_new(d, "searched", json_boolean(q.q && *q.q));
    /* 科普 and questions too (issue 15 item 7), on the first page of a
     * search not narrowed to the market's kinds, domains, regions or TRL. */
    bool narrowed = (kj_in_str(req, "kind") && *kj_in_str(req, "kind")) || (kj_in_str(req, "domain") && *kj_in_str(req, "domain")) ||
                    (kj_in_str(req, "region") && *kj_in_str(req, "region")) || (kj_in_str(req, "trl_min") && *kj_in_str(req, "trl_min"));
    if (q.q && *q.q && q.page <= 1 && !narrowed && !kj_has_errors(req)) {
        json_t *ps = kj_popsci_search(kj_req_db(req), kj_req_app(req)->analyzer, q.q, 5);
        kj_fed_label_filter(req, json_object_get(ps, "items"), q.filters.origin);
        json_t *it;
        size_t k;
        json_array_foreach(json_object_get(ps, "items"), k, it)
            json_object_set_new(it, "is_question", json_boolean(!strcmp(kj_jstr_or_empty(it, "kind"), "question")));
        json_object_set_new(d, "popsci", ps);
    }
    json_object_set_new(d, "page", json_integer(q.page > 0 ? q.page : 1));
    int64_t total = json_integer_value(json_object_get(d, "total"));
    int per = q.per_page > 0 ? q.per_page : 20, page = q.page > 0 ? q.page : 1;
    if (page > 1) json_object_set_new(d, "prev_page", json_integer(page - 1));
    if ((int64_t)page * per < total && page * per < KJ_SEARCH_MAX_RANKED) json_object_set_new(d, "next_page", json_integer(page + 1));
    json_object_set_new(d, "page_title", json_string(kj_tr(req, "search.title")));
    json_object_set_new(d, "domains", kj_ref_options(req, "domains", json_object_get(req->in, "domain")));
    json_object_set_new(d, "region_picker", kj_region_filter_picker(req, "region", kj_in_str(req, "region"), "field.region"));
    static const char *const kinds[] = { "achievement", "service", "demand", "studio", NULL };
    json_t *kind_opts = json_array();
    for (const char *const *k = kinds; *k; k++) {
        char key[32];
        snprintf(key, sizeof key, "kind.%s", *k);
        json_array_append_new(kind_opts, json_pack("{s:s, s:s, s:b}", "code", *k, "label", kj_tr(req, key),
                                                   "selected", kj_in_str(req, "kind") && !strcmp(kj_in_str(req, "kind"), *k)));
    }
    json_object_set_new(d, "kinds", kind_opts);
    kj_render(req, kj_has_errors(req) ? 400 : 200, "search", d);
}

/* ---- matches ---- */

void kj_match_explain(kj_req *req, json_t *m)
{
    json_t *r = json_object_get(m, "reasons");
    json_t *lines = json_array();
    const char *sides[] = { "agree", "disagree" };
    for (int s = 0; s < 2; s++) {
        size_t i;
        json_t *x;
        json_array_foreach(json_object_get(r, sides[s]), i, x) {
            char key[96];
            snprintf(key, sizeof key, "match.%s.%s", kj_jstr(x, "field"), kj_jstr(x, "code"));
            json_array_append_new(lines, json_pack("{s:s, s:b}", "text", kj_tr(req, key), "agree", s == 0));
        }
    }
    json_object_set_new(m, "reason_lines", lines);
    json_object_set(m, "terms", json_object_get(r, "terms"));
    json_object_set_new(m, "score_pct", json_integer((json_int_t)(json_real_value(json_object_get(m, "score")) * 100 + 0.5)));
    char key[32];
    snprintf(key, sizeof key, "kind.%s", kj_jstr(m, "kind"));
    json_object_set_new(m, "kind_label", json_string(kj_tr(req, key)));
    kj_origin_label(req, m);
    json_object_set_new(m, "is_studio", json_boolean(!strcmp(kj_jstr(m, "kind"), "studio")));
}

json_t *kj_match_listing_visible(kj_req *req, const char *id, int *status)
{
    json_t *l = kj_listing_view(kj_req_db(req), id, req->user);
    if (!l) *status = 404;
    if (l && strcmp(kj_jstr(l, "status"), "published") && !json_is_true(json_object_get(l, "is_owner"))) {
        json_decref(l);
        *status = 404;
        return NULL;
    }
    return l;
}

void kj_page_matches(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    int status = 0;
    json_t *l = kj_match_listing_visible(req, id, &status);
    if (!l) { kj_error(req, status ? status : 404, "err.not_found"); return; }
    json_t *items = kj_match_list(kj_req_db(req), id, 50);
    size_t i;
    json_t *m;
    /* In the reader's language where a listing has it (issue 17 §1). */
    kj_listing_localize(req, l);
    kj_listing_localize_all(req, items);
    json_array_foreach(items, i, m) {
        if (!json_object_get(m, "title_lang")) {   /* a studio: its own text */
            char original[32];
            json_object_set_new(m, "title_lang", json_string(kj_listing_original_lang(original, sizeof original)));
        }
        kj_match_explain(req, m);
        json_object_set(m, "lid", json_object_get(l, "id"));
    }
    json_t *d = json_pack("{s:o, s:o, s:s, s:O}", "listing", l, "items", items, "page_title", kj_tr(req, "match.title"),
                          "is_owner", json_object_get(l, "is_owner"));
    kj_render(req, 200, "matches", d);
}

int kj_match_feedback_req(kj_req *req)
{
    const char *id = kj_req_param(req, 0), *other = kj_req_param(req, 1);
    if (!kj_id_valid(id) || !kj_id_valid(other) || kj_match_feedback(kj_req_db(req), req->user, id, other)) {
        kj_error(req, 404, "err.not_found");
        return -1;
    }
    return 0;
}

void kj_page_match_not_relevant(kj_req *req)
{
    if (kj_match_feedback_req(req) == 0) kj_resp_redirect(req, kj_arena_printf(req->arena, "/listings/%s/matches", kj_req_param(req, 0)));
}

/* ---- alerts ---- */

static json_t *filters_of(kj_req *req)
{
    /* The kind and the filters a saved search keeps (market/filters.h). */
    json_t *f = json_object();
    json_t *kind = json_object_get(req->in, "kind");
    if (kind) json_object_set(f, "kind", kind);
    for (const kj_listing_filter *k = kj_listing_filters; k->name; k++) {
        json_t *v = k->saved ? json_object_get(req->in, k->name) : NULL;
        if (v) json_object_set(f, k->name, v);
    }
    return f;
}

int kj_subscribe_req(kj_req *req, char *id, kj_err *err)
{
    double threshold = kj_in_str(req, "threshold") ? atof(kj_in_str(req, "threshold")) : 0.5;
    json_t *f = filters_of(req);
    int rc = kj_subscribe(kj_req_db(req), req->user, kj_in_str(req, "type"), kj_in_str(req, "q"), f,
                          kj_in_str(req, "listing_id"), threshold, id, err);
    json_decref(f);
    return rc;
}

void kj_page_subscribe(kj_req *req)
{
    char id[KJ_ID_LEN + 1];
    kj_err err = { 0 };
    if (kj_has_errors(req)) { kj_error(req, 422, "err.form.check"); return; }
    if (kj_subscribe_req(req, id, &err)) { kj_answer_err(req, &err); return; }
    kj_resp_redirect(req, "/subscriptions?saved=1");
}

void kj_page_subscriptions(kj_req *req)
{
    json_t *items = kj_subscriptions(kj_req_db(req), req->user);
    size_t i;
    json_t *s;
    json_array_foreach(items, i, s) json_object_set_new(s, "is_search", json_boolean(!strcmp(kj_jstr(s, "kind"), "search")));
    kj_render(req, 200, "subscriptions", json_pack("{s:o, s:s, s:b}", "items", items, "page_title", kj_tr(req, "alert.title"),
                                                   "saved", kj_req_query(req, "saved") != NULL));
}

void kj_page_unsubscribe(kj_req *req)
{
    if (!kj_id_valid(kj_req_param(req, 0)) || kj_unsubscribe(kj_req_db(req), req->user, kj_req_param(req, 0))) {
        kj_error(req, 404, "err.not_found");
        return;
    }
    kj_resp_redirect(req, "/subscriptions");
}
