/*
 * test_workdays.c — working-day arithmetic (core/workdays.h): weekends do
 * not count, in the instance's time zone (Beijing, +480 minutes).
 */
#include "t.h"
#include "core/clock.h"
#include "core/workdays.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define H (3600LL * 1000)
#define BJ 480
/* 2026-12-04 is a Friday; 10:00 Beijing time is 02:00 UTC. */
#define FRI_10_BJ (1796349600000LL)

TEST(workdays_weekends_do_not_count)
{
    int64_t fri = FRI_10_BJ;
    CHECK(kj_workday_is_working(fri, BJ, NULL));
    CHECK(!kj_workday_is_working(fri + KJ_DAY_MS, BJ, NULL));       /* Saturday */
    CHECK(!kj_workday_is_working(fri + 2 * KJ_DAY_MS, BJ, NULL));   /* Sunday */
    CHECK(kj_workday_is_working(fri + 3 * KJ_DAY_MS, BJ, NULL));    /* Monday */
    /* Friday 23:30 Beijing is still Friday there, though Friday 15:30 UTC. */
    CHECK(kj_workday_is_working(fri + 13 * H + 30 * 60000, BJ, NULL));
    /* Saturday 02:00 Beijing is Friday 18:00 UTC: UTC would call it Friday. */
    CHECK(!kj_workday_is_working(fri + 16 * H, BJ, NULL));
    CHECK(kj_workday_is_working(fri + 16 * H, 0, NULL));
    /* Friday 10:00 + 3 working days = Wednesday 10:00 (5 calendar days). */
    CHECK_INT(kj_workdays_add(fri, 3 * KJ_DAY_MS, BJ, NULL), fri + 5 * KJ_DAY_MS);
    CHECK_INT(kj_workdays_elapsed(fri, fri + 5 * KJ_DAY_MS, BJ, NULL), 3 * KJ_DAY_MS);
    /* Over the weekend only the 14 hours of Friday count until Monday 00:00. */
    CHECK_INT(kj_workdays_elapsed(fri, fri + 2 * KJ_DAY_MS + 14 * H, BJ, NULL), 14 * H);
    CHECK_INT(kj_workdays_elapsed(fri + KJ_DAY_MS, fri + 2 * KJ_DAY_MS, BJ, NULL), 0);
    /* Started on a Saturday: the clock begins on Monday 00:00. */
    int64_t sat = fri + KJ_DAY_MS, mon0 = fri + 2 * KJ_DAY_MS + 14 * H;
    CHECK_INT(kj_workdays_add(sat, 1 * H, BJ, NULL), mon0 + 1 * H);
    CHECK_INT(kj_workdays_add(sat, 5 * KJ_DAY_MS, BJ, NULL), mon0 + 5 * KJ_DAY_MS);
    /* Long spans: whole weeks have five working days. */
    CHECK_INT(kj_workdays_add(fri, 10 * KJ_DAY_MS, BJ, NULL), fri + 14 * KJ_DAY_MS);
    CHECK_INT(kj_workdays_elapsed(fri, fri + 14 * KJ_DAY_MS, BJ, NULL), 10 * KJ_DAY_MS);
    /* Ten weeks and a day, ending on a Saturday: 50 days and Friday's last 14 hours. */
    CHECK_INT(kj_workdays_elapsed(fri, fri + 71 * KJ_DAY_MS, BJ, NULL), 50 * KJ_DAY_MS + 14 * H);
    /* add and elapsed agree for every start hour over two weeks. */
    for (int64_t t = fri; t < fri + 14 * KJ_DAY_MS; t += 7 * H)
        for (int d = 1; d <= 7; d++) {
            int64_t end = kj_workdays_add(t, d * KJ_DAY_MS, BJ, NULL);
            CHECK_INT(kj_workdays_elapsed(t, end, BJ, NULL), d * KJ_DAY_MS);
        }
    CHECK_INT(kj_workdays_add(fri, 0, BJ, NULL), fri);
    CHECK_INT(kj_workdays_elapsed(fri, fri - H, BJ, NULL), 0);
}

/* The shipped calendar (data/holidays.tsv): the 国庆 week of 2026 (1–7
 * October off, Sunday 20 September and Saturday 10 October worked). */
#define WED_0930_10_BJ (1790733600000LL)   /* 2026-09-30 10:00 Beijing */
#define FRI_250926_10_BJ (1758852000000LL) /* 2025-09-26 10:00 Beijing */

static kj_workcal *china(void)
{
    char err[256] = "";
    const char *paths[] = { "data/holidays.tsv" };
    kj_workcal *cal = kj_workcal_load(paths, 1, err, sizeof err);
    if (!cal) fprintf(stderr, "  %s\n", err);
    return cal;
}

TEST(workdays_guoqing_week)
{
    kj_workcal *cal = china();
    REQUIRE(cal && kj_workcal_count(cal) > 50);
    int64_t wed = WED_0930_10_BJ;
    CHECK(!kj_workday_is_working(wed + 1 * KJ_DAY_MS, BJ, cal));   /* Thursday 1 October */
    CHECK(kj_workday_is_working(wed + 1 * KJ_DAY_MS, BJ, NULL));
    CHECK(!kj_workday_is_working(wed + 5 * KJ_DAY_MS, BJ, cal));   /* Monday 5 October */
    CHECK(kj_workday_is_working(wed + 10 * KJ_DAY_MS, BJ, cal));   /* Saturday 10 October, 调休上班 */
    CHECK(!kj_workday_is_working(wed + 10 * KJ_DAY_MS, BJ, NULL));
    /* Three working days from Wednesday 30 September, 10:00: 14 hours that
     * day, Thursday 8 and Friday 9 October, and 10 hours of the worked
     * Saturday: due Saturday 10 October 10:00 (Monday 5 October without
     * the calendar). */
    CHECK_INT(kj_workdays_add(wed, 3 * KJ_DAY_MS, BJ, cal), wed + 10 * KJ_DAY_MS);
    CHECK_INT(kj_workdays_add(wed, 3 * KJ_DAY_MS, BJ, NULL), wed + 5 * KJ_DAY_MS);
    /* A week after: one working day has passed (the holiday counts nothing). */
    CHECK_INT(kj_workdays_elapsed(wed, wed + 8 * KJ_DAY_MS, BJ, cal), KJ_DAY_MS);
    CHECK_INT(kj_workdays_elapsed(wed, wed + 8 * KJ_DAY_MS, BJ, NULL), 6 * KJ_DAY_MS);
    /* 2025: Sunday 28 September worked, 1–8 October off. From Friday 26
     * September 10:00, three working days end Tuesday 30 September 10:00. */
    int64_t fri = FRI_250926_10_BJ;
    CHECK_INT(kj_workdays_add(fri, 3 * KJ_DAY_MS, BJ, cal), fri + 4 * KJ_DAY_MS);
    /* add and elapsed agree over both holiday seasons, every 5 hours, for
     * up to 12 working days (spans that the whole-week step would cross). */
    const int64_t starts[] = { wed - 14 * KJ_DAY_MS, fri - 14 * KJ_DAY_MS };
    for (int k = 0; k < 2; k++)
        for (int64_t t = starts[k]; t < starts[k] + 30 * KJ_DAY_MS; t += 5 * H)
            for (int d = 1; d <= 12; d++) {
                int64_t end = kj_workdays_add(t, d * KJ_DAY_MS, BJ, cal);
                CHECK_INT(kj_workdays_elapsed(t, end, BJ, cal), d * KJ_DAY_MS);
            }
    kj_workcal_free(cal);
}

/* An instance's file overrides the shipped one date by date; a bad line
 * stops the load with file:line. */
TEST(workdays_calendar_override_and_errors)
{
    char dir[] = "/tmp/kj-cal-XXXXXX", own[64], bad[64], err[256] = "";
    REQUIRE(mkdtemp(dir));
    snprintf(own, sizeof own, "%s/own.tsv", dir);
    snprintf(bad, sizeof bad, "%s/bad.tsv", dir);
    FILE *f = fopen(own, "w");
    REQUIRE(f);
    fputs("# the province works on National Day 2026 and rests on 9 October\n2026-10-01\twork\t加班\n2026-10-09\toff\t地方假日\n", f);
    fclose(f);
    f = fopen(bad, "w");
    REQUIRE(f);
    fputs("2026-10-01\twork\n2026-02-30\toff\tno such date\n", f);
    fclose(f);
    const char *paths[] = { "data/holidays.tsv", own, "/nonexistent/holidays.tsv" };
    kj_workcal *cal = kj_workcal_load(paths, 3, err, sizeof err);
    REQUIRE(cal);
    int64_t wed = WED_0930_10_BJ;
    CHECK(kj_workday_is_working(wed + 1 * KJ_DAY_MS, BJ, cal));     /* 1 October: overridden */
    CHECK(!kj_workday_is_working(wed + 2 * KJ_DAY_MS, BJ, cal));    /* 2 October: still off */
    CHECK(!kj_workday_is_working(wed + 9 * KJ_DAY_MS, BJ, cal));    /* 9 October: the instance's own */
    kj_workcal_free(cal);
    const char *wrong[] = { bad };
    CHECK(kj_workcal_load(wrong, 1, err, sizeof err) == NULL);
    CHECK(strstr(err, "bad.tsv:2:") != NULL);
    remove(own);
    remove(bad);
    rmdir(dir);
}
