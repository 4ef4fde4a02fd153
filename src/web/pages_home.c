/*
 * pages_home.c — the home page: what a first visitor sees without signing
 * in (issue 15): a search box with suggestions, the newest achievements
 * and demands, open 揭榜挂帅 lists with their deadlines in words, 科普
 * picks, live figures, the service center to turn to, and where to post.
 *
 * Every read goes through a domain function (no SQL here), each one
 * statement: newest listings (market), open challenge lists (challenge),
 * 科普 picks (popsci), figures (ops, remembered until the next write),
 * service centers (center). An
 * anonymous visitor's page is also kept in the response cache (the route
 * is KJ_CACHE), so the first page of most visits costs no statement.
 */
#include "web/app.h"
#include "core/validate.h"
#include "web/region_picker.h"
#include "web/home_region.h"
#include "center/center.h"
#include "challenge/challenge.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "market/market.h"
#include "ops/figures.h"
#include "popsci/popsci.h"
#include "web/market_view.h"
#include "web/nav.h"
#include "ref/refcache.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { HOME_LISTINGS = 4, HOME_CHALLENGE_LISTS = 3, HOME_POPSCI = 4 };

/* "2026年12月20日截止 · 还剩 15 天", in the instance's time zone (when.c):
 * the soonest open entry's deadline (the end of that day, UTC+8, as
 * challenges keep it), else the end of the list's period. */
static void deadline_words(kj_req *req, json_t *l)
{
    int64_t end = json_integer_value(json_object_get(l, "next_deadline_ms"));
    if (!kj_jstr(l, "next_deadline")) end = kj_challenge_day_end_ms(kj_jstr(l, "period_end"));
    if (end <= 0) return;
    /* The end of a day is the first moment of the next: show the day itself. */
    json_object_set_new(l, "deadline_text", json_string(kj_trf(req, "home.deadline", kj_day_text(req, end - 1))));
    if (end > kj_now_ms()) json_object_set_new(l, "left_text", json_string(kj_left_text(req, end)));
}

/* "发布需求" / "发布成果" where they lead this visitor (nav.h). */
static void post_links(kj_req *req, json_t *d)
{
    static const struct { const char *kind, *key; } kinds[] = { { "demand", "post_demand" }, { "achievement", "post_offer" } };
    json_t *post = json_object();
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        const char *href = kj_post_href(req, kinds[i].kind);
        if (href) json_object_set_new(post, kinds[i].key, json_string(href));
    }
    json_object_set_new(d, "post", post);
}

static json_t *figures(kj_req *req, const char *today)
{
    kj_home_figures f = kj_figures_home(kj_req_db(req), today);
    static const struct { const char *key, *href; } rows[] = {
        { "home.fig.listings", "/achievements" }, { "home.fig.matches", "/demands" },
        { "home.fig.deals", "/deals" }, { "home.fig.readers", "/popsci" },
    };
    int64_t values[] = { f.listings, f.matches, f.deals, f.readers };
    json_t *out = json_array();
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:s}", "n", (json_int_t)values[i], "label", kj_tr(req, rows[i].key),
                                             "href", rows[i].href, "id", rows[i].key + 9));
    return out;
}

/* A region code the visitor may have sent (the kj_region cookie): six
 * digits naming a region this instance knows, else NULL. */
static const char *known_region(kj_req *req, const char *code)
{
    if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6) return NULL;
    return kj_refcache_name(kj_req_app(req)->ref, KJ_REF_REGIONS, code, req->lang) ? code : NULL;
}

/* The service centers for the visitor's region: the signed-in user's
 * region, else the one they chose (cookie), else the province centers.
 * One statement either way. */
static void centers(kj_req *req, json_t *d)
{
    kj_db *db = kj_req_db(req);
    const char *region = req->user ? known_region(req, kj_jstr(req->user, "region")) : NULL;
    if (!req->user) region = known_region(req, kj_req_cookie(req, KJ_REGION_COOKIE));
    /* Nobody said where they are: the instance's home region (issue 17 §1). */
    char home[32];
    if (!region && *kj_home_region(home, sizeof home) && kj_refcache_name(kj_req_app(req)->ref, KJ_REF_REGIONS, home, req->lang))
        region = kj_arena_strdup(req->arena, home);
    json_t *list = NULL;
    if (region) {
        json_t *c = kj_center_covering(db, region);
        if (c) { list = json_array(); json_array_append_new(list, c); }
        json_object_set_new(d, "center_region", json_string(kj_refcache_name(kj_req_app(req)->ref, KJ_REF_REGIONS, region, req->lang)));
    }
    if (!list) list = kj_center_list(db, NULL, "province");
    bool en = !strcmp(req->lang, "en");
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
        const char *name = kj_jstr(c, en ? "name_en" : "name_zh");
        json_object_set_new(c, "name", json_string(name && *name ? name : kj_jstr_or_empty(c, "name_zh")));
    }
    json_object_set_new(d, "centers", list ? list : json_array());
    /* The one cascading picker (its "下一级" step also lands here: /region
     * keeps the deeper choice and comes back). */
    if (!req->user) json_object_set_new(d, "center_picker", kj_region_picker(req, "code", region, "home.center_choose"));
}

void kj_page_region_choose(kj_req *req)
{
    const char *code = kj_in_str(req, "code");
    if (code && *code && !known_region(req, code)) { kj_error(req, 400, "err.region.unknown"); return; }
    if (code && *code) kj_resp_cookie(req, KJ_REGION_COOKIE, code, 365L * 86400, true);
    else kj_resp_cookie(req, KJ_REGION_COOKIE, "", 0, true);
    kj_resp_redirect(req, kj_local_path(kj_in_str(req, "next"), "/#centers-title"));
}

void kj_page_home(kj_req *req)
{
    kj_db *db = kj_req_db(req);
    int64_t now = kj_now_ms();
    /* Today in the instance's time zone, as people there read it. */
    struct tm tm;
    kj_local_time(now, &tm);
    char today[40];
    snprintf(today, sizeof today, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);

    json_t *d = json_object();
    static const char *const kinds[] = { "achievement", "demand", NULL };
    json_t *newest = kj_listing_newest(db, kinds, HOME_LISTINGS);
    const char *k;
    json_t *list;
    json_object_foreach(newest, k, list) kj_listing_decorate_all(req, list);
    json_object_set_new(d, "newest", newest);

    json_t *lists = kj_challenge_lists_open(db, now, today, HOME_CHALLENGE_LISTS);
    size_t i;
    json_t *l;
    json_array_foreach(lists, i, l) deadline_words(req, l);
    json_object_set_new(d, "challenge_lists", lists);

    const char *region = req->user ? kj_jstr(req->user, "region") : NULL;
    json_t *picks = kj_popsci_list(db, NULL, region, HOME_POPSCI, 0);
    bool en = !strcmp(req->lang, "en");
    json_array_foreach(picks, i, l) {
        json_object_set_new(l, "kind_label", json_string(kj_tr(req, kj_arena_printf(req->arena, "popsci.kind.%s", kj_jstr_or_empty(l, "kind")))));
        const char *topic = kj_jstr(l, en ? "topic_en" : "topic_zh");
        if (topic) json_object_set_new(l, "topic_label", json_string(topic));
    }
    json_object_set_new(d, "popsci", picks);

    /* Listings count as current the way browse counts them (market/browse.c). */
    char utc_today[16];
    kj_format_date(now, utc_today, sizeof utc_today);
    json_object_set_new(d, "figures", figures(req, utc_today));
    centers(req, d);
    post_links(req, d);
    kj_render(req, 200, "home", d);
}
