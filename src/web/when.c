/*
 * when.c — times as people read them (app.h: kj_when_text and friends).
 * One place formats every moment a page shows, in the instance's time zone
 * (core/clock.h) and the request's language, so no page prints UTC or ISO
 * text to a reader.
 */
#include <string.h>
#include "core/clock.h"
#include "core/json_util.h"
#include "core/tz.h"
#include "web/app.h"

static const char *const months_en[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static bool is_en(kj_req *req) { return req->lang && !strcmp(req->lang, "en"); }

const char *kj_when_text(kj_req *req, int64_t ms)
{
    if (ms <= 0) return "";
    struct tm tm;
    kj_local_time(ms, &tm);
    if (is_en(req))
        return kj_arena_printf(req->arena, "%d %s %d, %02d:%02d", tm.tm_mday, months_en[tm.tm_mon],
                               tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
    return kj_arena_printf(req->arena, "%d年%d月%d日 %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                           tm.tm_hour, tm.tm_min);
}

/* ms broken down in zone: the zone's offset at that moment added, read as UTC. */
static void zone_time(int64_t ms, const char *zone, struct tm *tm)
{
    time_t t = (time_t)(ms / 1000 + kj_tz_offset(zone, ms));
    gmtime_r(&t, tm);
}

const char *kj_when_text_in(kj_req *req, int64_t ms, const char *zone)
{
    if (ms <= 0) return "";
    struct tm tm;
    zone_time(ms, zone, &tm);
    if (is_en(req))
        return kj_arena_printf(req->arena, "%d %s %d, %02d:%02d", tm.tm_mday, months_en[tm.tm_mon],
                               tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
    return kj_arena_printf(req->arena, "%d年%d月%d日 %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                           tm.tm_hour, tm.tm_min);
}

const char *kj_clock_text_in(kj_req *req, int64_t ms, const char *zone)
{
    struct tm tm;
    zone_time(ms, zone, &tm);
    return kj_arena_printf(req->arena, "%02d:%02d", tm.tm_hour, tm.tm_min);
}

const char *kj_day_text(kj_req *req, int64_t ms)
{
    if (ms <= 0) return "";
    struct tm tm;
    kj_local_time(ms, &tm);
    if (is_en(req)) return kj_arena_printf(req->arena, "%d %s %d", tm.tm_mday, months_en[tm.tm_mon], tm.tm_year + 1900);
    return kj_arena_printf(req->arena, "%d年%d月%d日", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

const char *kj_left_text(kj_req *req, int64_t ms)
{
    int64_t left = ms - kj_now_ms();
    if (left <= 0) return kj_tr(req, "when.closed");
    const int64_t hour = 3600LL * 1000;
    if (left >= KJ_DAY_MS) {
        int64_t days = (left + KJ_DAY_MS - 1) / KJ_DAY_MS;
        return kj_trf(req, days == 1 ? "when.left.day" : "when.left.days",
                      kj_arena_printf(req->arena, "%lld", (long long)days));
    }
    int64_t hours = (left + hour - 1) / hour;
    return kj_trf(req, hours == 1 ? "when.left.hour" : "when.left.hours",
                  kj_arena_printf(req->arena, "%lld", (long long)hours));
}

void kj_set_when(kj_req *req, json_t *o, const char *key, const char *out_key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) return;
    json_object_set_new(o, out_key, json_string(kj_when_text(req, json_integer_value(v))));
    /* The machine-readable form, for <time datetime="...">. */
    char iso[32];
    kj_format_iso(json_integer_value(v), iso, sizeof iso);
    json_object_set_new(o, kj_arena_printf(req->arena, "%s_iso", out_key), json_string(iso));
}

void kj_set_day(kj_req *req, json_t *o, const char *key, const char *out_key)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v)) json_object_set_new(o, out_key, json_string(kj_day_text(req, json_integer_value(v))));
}
