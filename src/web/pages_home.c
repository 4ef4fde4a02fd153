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

enum { HOME_LISTINGS = 4, HOME_CHALLENGE_LISTS = 3, HOME_POPSCI = 4 };

/* A date "YYYY-MM-DD" (China time, as deadlines are kept) in words:
 * "12月20日" this year, "2027年1月5日" another; "20 Dec" / "5 Jan 2027". */
static const char *date_words(kj_req *req, const char *date, int this_year)
{
    int y, m, d;
    if (!date || sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12) return date ? date : "";
    if (!strcmp(req->lang, "en")) {
        static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
        return y == this_year ? kj_arena_printf(req->arena, "%d %s", d, months[m - 1])
                              : kj_arena_printf(req->arena, "%d %s %d", d, months[m - 1], y);
    }
    return y == this_year ? kj_arena_printf(req->arena, "%d月%d日", m, d) : kj_arena_printf(req->arena, "%d年%d月%d日", y, m, d);
}

/* "12月20日截止 · 还有 15 天": the soonest open entry's deadline (the
 * end of that day, UTC+8), else the list's period end. */
static void deadline_words(kj_req *req, json_t *l, int64_t now, int this_year)
{
    const char *date = kj_jstr(l, "next_deadline");
    int64_t end = json_integer_value(json_object_get(l, "next_deadline_ms"));
    if (!date) {
        date = kj_jstr(l, "period_end");
        end = kj_challenge_day_end_ms(date);
    }
    json_object_set_new(l, "deadline_text", json_string(kj_trf(req, "home.deadline", date_words(req, date, this_year))));
    if (end <= now) return;
    int64_t days = (end - now + KJ_DAY_MS - 1) / KJ_DAY_MS;
    char n[24];
    snprintf(n, sizeof n, "%lld", (long long)days);
    json_object_set_new(l, "left_text", json_string(days <= 1 ? kj_tr(req, "home.last_day") : kj_trf(req, "home.days_left", n)));
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
    if (!req->user) json_object_set_new(d, "center_regions", kj_region_options(req, region));
}

void kj_page_region_choose(kj_req *req)
{
    const char *code = kj_in_str(req, "code");
    if (code && *code && !known_region(req, code)) { kj_error(req, 400, "err.region.unknown"); return; }
    if (code && *code) kj_resp_cookie(req, KJ_REGION_COOKIE, code, 365L * 86400, true);
    else kj_resp_cookie(req, KJ_REGION_COOKIE, "", 0, true);
    const char *next = kj_in_str(req, "next");
    if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strpbrk(next, "\r\n")) next = "/#centers-title";
    kj_resp_redirect(req, next);
}

void kj_page_home(kj_req *req)
{
    kj_db *db = kj_req_db(req);
    int64_t now = kj_now_ms();
    /* Dates as people in China read them (UTC+8), as deadlines are kept. */
    char today[16];
    kj_format_date(now + 8 * 3600 * 1000LL, today, sizeof today);
    int this_year = 0;
    sscanf(today, "%4d", &this_year);

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
    json_array_foreach(lists, i, l) deadline_words(req, l, now, this_year);
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

    json_object_set_new(d, "figures", figures(req, today));
    centers(req, d);
    post_links(req, d);
    kj_render(req, 200, "home", d);
}
