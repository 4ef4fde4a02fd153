/*
 * demo_events_tsv.c — a demo profile's events as data (events.tsv): each
 * row is an event of a center, created by its head through the event
 * domain's calls at a believable moment on the demo clock (two weeks
 * before a past event, five days ago for an upcoming one), published with
 * registration open, with one section of sessions and the people who
 * registered; the registrants of a past event were checked in on the day.
 *
 * Columns: organizer (e-mail of a center's head), days (the event's day
 * relative to the load: negative in the past, -300..120), name_zh,
 * name_en, summary_zh, summary_en, venue, region, section_zh, section_en,
 * sessions (kind~title_zh~title_en~room~speakers~HH:MM~HH:MM items
 * separated by |), registrants (email=organization items separated by |).
 */
#include "demo/demo.h"
#include "demo/demo_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "event/event.h"

enum { E_ORGANIZER, E_DAYS, E_NAME_ZH, E_NAME_EN, E_SUMMARY_ZH, E_SUMMARY_EN, E_VENUE, E_REGION, E_SECTION_ZH, E_SECTION_EN,
       E_SESSIONS, E_REGISTRANTS, E_NCOLS };
static const char *const event_cols[E_NCOLS] = {
    "organizer", "days", "name_zh", "name_en", "summary_zh", "summary_en", "venue", "region", "section_zh", "section_en",
    "sessions", "registrants",
};

/* "YYYY-MM-DDTHH:MM" in Asia/Shanghai, days from the (demo) clock's now;
 * hm is "HH:MM". */
static const char *local_at(char *buf, size_t n, int days, const char *hm)
{
    time_t t = (time_t)(kj_now_ms() / 1000 + (int64_t)days * 86400 + 8 * 3600);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, n, "%04d-%02d-%02dT%.5s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, hm);
    return buf;
}

/* The sessions cell as the event's one section. NULL when malformed. */
static json_t *sections_of(char **f, int offset)
{
    json_t *sessions = json_array();
    char *save = NULL;
    for (char *item = strtok_r(f[E_SESSIONS], "|", &save); item; item = strtok_r(NULL, "|", &save)) {
        char *p[7];
        int k = 0;
        /* Split on '~' keeping empty fields (a matchmaking slot has no speakers). */
        for (char *x = item; k < 7; k++) {
            p[k] = x;
            char *t = strchr(x, '~');
            if (!t) { k++; break; }
            *t = 0;
            x = t + 1;
        }
        if (k != 7 || strlen(p[5]) != 5 || strlen(p[6]) != 5) { json_decref(sessions); return NULL; }
        char a[64], b[64];
        json_array_append_new(sessions, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kind", p[0], "title_zh", p[1],
                                                  "title_en", p[2], "room", p[3], "speakers", p[4],
                                                  "starts_at", local_at(a, sizeof a, offset, p[5]),
                                                  "ends_at", local_at(b, sizeof b, offset, p[6])));
    }
    return json_pack("[{s:s, s:s, s:o}]", "name_zh", f[E_SECTION_ZH], "name_en", f[E_SECTION_EN], "sessions", sessions);
}

static int event_fail(kj_demo_src *src, const char *what, const kj_err *e)
{
    return kj_demo_fail(src, what, e->key ? e->key : "?");
}

static int event_row(kj_demo_src *src, char **f, void *ctx)
{
    char *end;
    long days = strtol(f[E_DAYS], &end, 10);
    if (!*f[E_DAYS] || *end || days < -300 || days > 120) return kj_demo_fail(src, "days", "err.field.range");
    json_t *org = kj_demo_user(src->db, f[E_ORGANIZER]);
    if (!org) return kj_demo_fail(src, "organizer", "no such account");
    /* Created two weeks before a past event, five days ago for one to come. */
    int created_ago = days < 0 ? (int)-days + 14 : 5, offset = (int)days + created_ago;
    kj_demo_clock(created_ago);
    char a[64], b[64], id[KJ_ID_LEN + 1];
    json_t *sections = sections_of(f, offset);
    if (!sections) { json_decref(org); return kj_demo_fail(src, "sessions", "kind~title_zh~title_en~room~speakers~HH:MM~HH:MM"); }
    json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:o}", "name_zh", f[E_NAME_ZH],
                           "name_en", f[E_NAME_EN], "summary_zh", f[E_SUMMARY_ZH], "summary_en", f[E_SUMMARY_EN],
                           "venue", f[E_VENUE], "region", f[E_REGION], "time_zone", "Asia/Shanghai",
                           "starts_at", local_at(a, sizeof a, offset, "09:00"), "ends_at", local_at(b, sizeof b, offset, "17:30"),
                           "capacity", 200, "sections", sections);
    kj_err e = { 0 };
    int rc = 0;
    if (kj_event_create(src->db, org, in, id, &e)) rc = event_fail(src, "create", &e);
    else if (kj_event_act(src->db, org, id, "publish", NULL, &e) || kj_event_act(src->db, org, id, "open_registration", NULL, &e))
        rc = event_fail(src, "publish", &e);
    json_decref(in);
    /* Registrations a few days after the announcement; a past event's
     * registrants checked in on the day. */
    char *save = NULL;
    json_t *people = json_array();
    kj_demo_clock(created_ago > 3 ? created_ago - 3 : 0);
    for (char *item = strtok_r(f[E_REGISTRANTS], "|", &save); rc == 0 && item; item = strtok_r(NULL, "|", &save)) {
        char *eq = strchr(item, '=');
        if (eq) *eq = 0;
        json_t *u = kj_demo_user(src->db, item);
        if (!u) { rc = kj_demo_fail(src, item, "no such account"); break; }
        char rid[KJ_ID_LEN + 1];
        json_t *r = json_pack("{s:s, s:s, s:o}", "country", "CN", "org_name", eq ? eq + 1 : "", "answers", json_object());
        if (kj_event_register(src->db, u, id, r, rid, &e)) rc = event_fail(src, item, &e);
        json_decref(r);
        json_array_append_new(people, u);
    }
    if (rc == 0 && days < 0) {
        kj_demo_clock((double)-days);
        size_t i;
        json_t *u;
        json_array_foreach(people, i, u) {
            json_t *reg = kj_event_my_registration(src->db, u, id), *who = NULL;
            if (!reg || kj_event_checkin(src->db, org, id, kj_jstr(reg, "ticket_code"), &who, &e)) rc = event_fail(src, "check-in", &e);
            json_decref(reg);
            json_decref(who);
            if (rc) break;
        }
    }
    kj_demo_clock_now();
    json_decref(people);
    json_decref(org);
    if (rc == 0) (*(int *)ctx)++;
    return rc;
}

int kj_demo_events_tsv(kj_demo_src *src, FILE *out)
{
    int n = 0;
    int rc = kj_demo_tsv(src, event_cols, E_NCOLS, event_row, &n);
    kj_demo_clock_now();
    if (rc == 0) fprintf(out, "  %d demo events\n", n);
    return rc;
}
