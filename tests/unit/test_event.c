/*
 * test_event.c — events (src/event): the meeting scheduler under random
 * requests and cancellations (never a conflict for a participant or a
 * table; every accepted meeting placed when a slot free for both exists;
 * placed meetings never move; a freed slot goes to a waiting meeting),
 * iCalendar text (CRLF, folding at 75 octets without splitting a UTF-8
 * character, TEXT escaping, UTC times), the life-cycle tables' shape
 * (every state reachable, one row per action and state), named time
 * zones (offsets with and without daylight saving, local times parsed in
 * the event's zone), ISO 3166 country codes and the ticket's QR code.
 */
#include "t.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "core/country.h"
#include "core/json_util.h"
#include "core/tz.h"
#include "event/event.h"
#include "event/ics.h"
#include "event/scheduler.h"
#include "event/ticket.h"

/* ---- the scheduler ---- */

/* A small deterministic generator: the runs are repeatable. */
static unsigned rnd_state = 12345;
static unsigned rnd(unsigned n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) % n;
}

/* Whether meeting i (unplaced) has a slot with both sides and a table free. */
static bool could_fit(kj_sched_meeting *m, size_t n, size_t i, int np, int ns, int nt)
{
    return kj_sched_fits(m, n, i, np, ns, nt);
}

TEST(event_scheduler_random_requests_and_cancellations)
{
    for (int round = 0; round < 200; round++) {
        int np = 2 + (int)rnd(12), ns = 1 + (int)rnd(6), nt = 1 + (int)rnd(4);
        size_t cap = 64, n = 0;
        kj_sched_meeting m[64];
        for (int step = 0; step < 60; step++) {
            if (n < cap && (rnd(3) || n == 0)) {
                /* A new accepted meeting between two different people. */
                int a = (int)rnd((unsigned)np), b = (int)rnd((unsigned)np - 1);
                if (b >= a) b++;
                m[n] = (kj_sched_meeting){ .a = a, .b = b, .preferred = rnd(2) ? (int)rnd((unsigned)ns + 1) - 1 : -1, .slot = -1, .table = -1 };
                n++;
            } else {
                /* A cancellation: the meeting leaves the grid (and the list). */
                size_t k = rnd((unsigned)n);
                m[k] = m[n - 1];
                n--;
            }
            kj_sched_meeting before[64];
            memcpy(before, m, n * sizeof *m);
            int placed = kj_sched_place(m, n, np, ns, nt);
            REQUIRE(placed >= 0);
            /* Never a conflict. */
            CHECK(kj_sched_valid(m, n, np, ns, nt));
            int newly = 0;
            for (size_t i = 0; i < n; i++) {
                /* Placed meetings stay where they were. */
                if (before[i].slot >= 0) CHECK(m[i].slot == before[i].slot && m[i].table == before[i].table);
                else if (m[i].slot >= 0) newly++;
            }
            CHECK(newly == placed);
            /* Every meeting left waiting has no slot free for both. */
            for (size_t i = 0; i < n; i++)
                if (m[i].slot < 0) CHECK(!could_fit(m, n, i, np, ns, nt));
        }
    }
}

TEST(event_scheduler_reschedules_into_freed_slot)
{
    /* One slot, one table: 0-1 placed, 2-3 waits; cancelling 0-1 frees it. */
    kj_sched_meeting m[2] = { { 0, 1, -1, -1, -1 }, { 2, 3, -1, -1, -1 } };
    CHECK_INT(kj_sched_place(m, 2, 4, 1, 1), 1);
    CHECK_INT(m[0].slot, 0);
    CHECK_INT(m[1].slot, -1);
    m[0] = m[1];   /* 0-1 cancelled */
    CHECK_INT(kj_sched_place(m, 1, 4, 1, 1), 1);
    CHECK_INT(m[0].slot, 0);
    CHECK_INT(m[0].table, 0);
}

TEST(event_scheduler_keeps_each_side_to_one_meeting_a_slot)
{
    /* Person 0 meets 1, 2 and 3; two slots, many tables: two placed, one waits. */
    kj_sched_meeting m[3] = { { 0, 1, -1, -1, -1 }, { 0, 2, -1, -1, -1 }, { 0, 3, -1, -1, -1 } };
    CHECK_INT(kj_sched_place(m, 3, 4, 2, 10), 2);
    CHECK(m[0].slot != m[1].slot);
    CHECK_INT(m[2].slot, -1);
    /* The preferred slot is taken when free. */
    kj_sched_meeting p[2] = { { 0, 1, 3, -1, -1 }, { 2, 3, 3, -1, -1 } };
    CHECK_INT(kj_sched_place(p, 2, 4, 4, 1), 2);
    CHECK_INT(p[0].slot, 3);
    CHECK_INT(p[1].slot, 0);   /* table of slot 3 taken: the earliest free */
}

TEST(event_scheduler_refuses_broken_input)
{
    kj_sched_meeting dup[2] = { { 0, 1, -1, 0, 0 }, { 0, 2, -1, 0, 1 } };   /* 0 twice in slot 0 */
    CHECK_INT(kj_sched_place(dup, 2, 3, 2, 2), -1);
    CHECK(!kj_sched_valid(dup, 2, 3, 2, 2));
    kj_sched_meeting table[2] = { { 0, 1, -1, 0, 0 }, { 2, 3, -1, 0, 0 } };   /* table 0 twice */
    CHECK(!kj_sched_valid(table, 2, 4, 2, 2));
    kj_sched_meeting self[1] = { { 1, 1, -1, -1, -1 } };
    CHECK_INT(kj_sched_place(self, 1, 2, 2, 2), -1);
    kj_sched_meeting off[1] = { { 0, 1, -1, 5, 0 } };
    CHECK(!kj_sched_valid(off, 1, 2, 2, 2));
    /* No grid: nothing placed, nothing broken. */
    kj_sched_meeting one[1] = { { 0, 1, -1, -1, -1 } };
    CHECK_INT(kj_sched_place(one, 1, 2, 0, 0), 0);
}

/* ---- iCalendar ---- */

TEST(event_ics_crlf_folding_escaping)
{
    kj_buf b = { 0 };
    /* A long summary of 3-byte characters: folding must not split one. */
    char summary[400] = "Fair, with; specials\\ and\nnewline ";
    for (int i = 0; i < 40; i++) strcat(summary, "洽");
    REQUIRE(kj_ics_begin(&b, "日程") == 0);
    REQUIRE(kj_ics_event(&b, "m-1@example", 1780000000000LL, 1780000000000LL, 1780001200000LL, summary, "Table 3, Hall A", NULL) == 0);
    REQUIRE(kj_ics_end(&b) == 0);
    const char *s = b.data;
    CHECK(!strncmp(s, "BEGIN:VCALENDAR\r\n", 17));
    CHECK(strstr(s, "DTSTART:20260528T202640Z\r\n") != NULL);
    CHECK(strstr(s, "DTEND:20260528T204640Z\r\n") != NULL);
    /* Every line ends with CRLF, is at most 75 octets and starts on a
     * character boundary (a continuation begins with one space). */
    const char *line = s;
    while (*line) {
        const char *end = strstr(line, "\r\n");
        REQUIRE(end != NULL);
        CHECK(end - line <= 75);
        const char *first = line[0] == ' ' ? line + 1 : line;
        CHECK(((unsigned char)*first & 0xC0) != 0x80);
        for (const char *p = line; p < end; p++) CHECK(*p != '\n' && *p != '\r');
        line = end + 2;
    }
    /* Unfolded, the escaping is there. */
    kj_buf u = { 0 };
    for (const char *p = s; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') { p += 2; continue; }
        kj_buf_append(&u, p, 1);
    }
    CHECK(strstr(u.data, "SUMMARY:Fair\\, with\\; specials\\\\ and\\nnewline 洽洽") != NULL);
    CHECK(strstr(u.data, "LOCATION:Table 3\\, Hall A\r\n") != NULL);
    CHECK(strstr(u.data, "UID:m-1@example\r\n") != NULL);
    CHECK(strstr(u.data, "END:VCALENDAR\r\n") != NULL);
    kj_buf_free(&u);
    kj_buf_free(&b);
}

/* ---- life-cycle tables ---- */

static bool in_states(json_t *states, const char *s)
{
    size_t i;
    json_t *x;
    json_array_foreach(states, i, x) if (!strcmp(json_string_value(x), s)) return true;
    return false;
}

TEST(event_lifecycle_tables_shape)
{
    json_t *lc = kj_event_lifecycle();
    const char *names[] = { "events", "registrations", "meetings" };
    for (int k = 0; k < 3; k++) {
        json_t *t = json_object_get(lc, names[k]), *states = json_object_get(t, "states"), *rows = json_object_get(t, "transitions");
        REQUIRE(json_array_size(rows) > 3);
        size_t i, j;
        json_t *r, *q;
        json_array_foreach(rows, i, r) {
            CHECK(in_states(states, kj_jstr(r, "from")) && in_states(states, kj_jstr(r, "to")));
            CHECK(json_array_size(json_object_get(r, "roles")) > 0);
            CHECK(kj_event_allowed(names[k], kj_jstr(r, "action"), kj_jstr(r, "from")));
            json_array_foreach(rows, j, q) if (j > i) CHECK(strcmp(kj_jstr(r, "action"), kj_jstr(q, "action")) ||
                                                           strcmp(kj_jstr(r, "from"), kj_jstr(q, "from")));
        }
        /* Every state but the first is the "to" of some row (reachable). */
        json_t *s;
        json_array_foreach(states, i, s) {
            if (!i) continue;
            bool reached = false;
            json_array_foreach(rows, j, r) reached = reached || !strcmp(kj_jstr(r, "to"), json_string_value(s));
            CHECK(reached);
        }
    }
    /* Exhaustively: the tables answer "no" for every pair they do not list. */
    const char *meeting_actions[] = { "accept", "decline", "cancel", "schedule", "record", "start_deal" };
    for (const char *const *st = kj_event_meeting_states; *st; st++)
        for (size_t a = 0; a < sizeof meeting_actions / sizeof *meeting_actions; a++) {
            bool listed = false;
            size_t i;
            json_t *r;
            json_array_foreach(json_object_get(json_object_get(lc, "meetings"), "transitions"), i, r)
                listed = listed || (!strcmp(kj_jstr(r, "action"), meeting_actions[a]) && !strcmp(kj_jstr(r, "from"), *st));
            CHECK(kj_event_allowed("meetings", meeting_actions[a], *st) == listed);
        }
    /* Terminal states: nothing leaves declined or cancelled meetings, or
     * declined, cancelled registrations; a checked-in registration is
     * cancelled only by the system (the event cancelled). */
    for (const char *const *a = meeting_actions; a < meeting_actions + 6; a++) {
        CHECK(!kj_event_allowed("meetings", *a, "declined"));
        CHECK(!kj_event_allowed("meetings", *a, "cancelled"));
    }
    CHECK(kj_event_allowed("registrations", "cancel", "checked_in"));
    size_t k;
    json_t *row;
    json_t *regs_rows = json_object_get(json_object_get(lc, "registrations"), "transitions");
    json_array_foreach(regs_rows, k, row) if (!strcmp(kj_jstr(row, "action"), "cancel") && !strcmp(kj_jstr(row, "from"), "checked_in")) {
        CHECK_INT(json_array_size(json_object_get(row, "roles")), 1);
        CHECK(!strcmp(json_string_value(json_array_get(json_object_get(row, "roles"), 0)), "system"));
    }
    for (const char *const *st = kj_event_reg_states; *st; st++)
        if (!strcmp(*st, "declined") || !strcmp(*st, "cancelled")) CHECK(!kj_event_allowed("registrations", "cancel", *st));
    CHECK(!kj_event_allowed("registrations", "check_in", "checked_in"));
    CHECK(!kj_event_allowed("registrations", "check_in", "pending"));
    CHECK(!kj_event_allowed("nosuch", "cancel", "pending"));
    json_decref(lc);
}

/* ---- time zones, countries, QR ---- */

TEST(event_time_zones)
{
    /* 2027-01-15 12:00 UTC and 2027-07-15 12:00 UTC. */
    int64_t winter = 1800014400000LL, summer = 1815652800000LL;
    CHECK_INT(kj_tz_offset("Asia/Shanghai", winter), 8 * 3600);
    CHECK_INT(kj_tz_offset("Asia/Shanghai", summer), 8 * 3600);
    CHECK_INT(kj_tz_offset("Europe/Berlin", winter), 3600);
    CHECK_INT(kj_tz_offset("Europe/Berlin", summer), 7200);
    CHECK_INT(kj_tz_offset("America/New_York", summer), -4 * 3600);
    CHECK_INT(kj_tz_offset("UTC", summer), 0);
    CHECK(kj_tz_valid("Europe/Berlin") && kj_tz_valid("UTC"));
    CHECK(!kj_tz_valid("Mars/Olympus") && !kj_tz_valid("../etc/passwd") && !kj_tz_valid("/etc/passwd") && !kj_tz_valid(""));
    /* Names that do not exist are not kept: a hundred of them leave room
     * for a real zone asked for afterwards. */
    for (int i = 0; i < 100; i++) {
        char bad[32];
        snprintf(bad, sizeof bad, "Nowhere/Place_%d", i);
        CHECK(!kj_tz_valid(bad));
    }
    CHECK(kj_tz_valid("Asia/Tokyo"));
    CHECK_INT(kj_tz_offset("Asia/Tokyo", summer), 9 * 3600);
    /* Local text of the event's zone. */
    CHECK_INT(kj_event_parse_local("2027-07-01T09:00", "Europe/Berlin"), 1814425200000LL);   /* 07:00 UTC */
    CHECK_INT(kj_event_parse_local("2027-07-01T09:00", "Asia/Shanghai"), 1814403600000LL);   /* 01:00 UTC */
    CHECK_INT(kj_event_parse_local("2027-02-30T09:00", "UTC"), -1);
    CHECK_INT(kj_event_parse_local("2027-07-01 09:00", "UTC"), -1);
    CHECK_INT(kj_event_parse_local("2027-07-01T25:00", "UTC"), -1);
    CHECK_INT(kj_event_parse_local(NULL, "UTC"), -1);
}

TEST(event_countries_and_qr)
{
    CHECK(kj_country_valid("CN") && kj_country_valid("DE") && kj_country_valid("KE"));
    CHECK(!kj_country_valid("XX") && !kj_country_valid("cn") && !kj_country_valid("CHN") && !kj_country_valid("") && !kj_country_valid(NULL));
    CHECK_STR(kj_country_name("DE"), "Germany");
    CHECK_INT(kj_country_count(), 249);
    const char *prev = "";
    for (size_t i = 0; i < kj_country_count(); i++) {   /* sorted: the search relies on it */
        const char *c = kj_country_at(i, NULL);
        CHECK(strcmp(prev, c) < 0);
        prev = c;
    }
    kj_buf b = { 0 };
    REQUIRE(kj_ticket_qr_svg(&b, "ABCDE23456") == 0);
    CHECK(!strncmp(b.data, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 29 29\"", 58));   /* version 1: 21 + quiet zone */
    CHECK(strstr(b.data, "</svg>") != NULL);
    kj_buf_free(&b);
}
