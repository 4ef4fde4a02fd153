/*
 * test_workdays.c — working-day arithmetic (core/workdays.h): weekends do
 * not count, in the instance's time zone (Beijing, +480 minutes).
 */
#include "t.h"
#include "core/clock.h"
#include "core/workdays.h"

#define H (3600LL * 1000)
#define BJ 480
/* 2026-12-04 is a Friday; 10:00 Beijing time is 02:00 UTC. */
#define FRI_10_BJ (1796349600000LL)

TEST(workdays_weekends_do_not_count)
{
    int64_t fri = FRI_10_BJ;
    CHECK(kj_workday_is_working(fri, BJ));
    CHECK(!kj_workday_is_working(fri + KJ_DAY_MS, BJ));       /* Saturday */
    CHECK(!kj_workday_is_working(fri + 2 * KJ_DAY_MS, BJ));   /* Sunday */
    CHECK(kj_workday_is_working(fri + 3 * KJ_DAY_MS, BJ));    /* Monday */
    /* Friday 23:30 Beijing is still Friday there, though Friday 15:30 UTC. */
    CHECK(kj_workday_is_working(fri + 13 * H + 30 * 60000, BJ));
    /* Saturday 02:00 Beijing is Friday 18:00 UTC: UTC would call it Friday. */
    CHECK(!kj_workday_is_working(fri + 16 * H, BJ));
    CHECK(kj_workday_is_working(fri + 16 * H, 0));
    /* Friday 10:00 + 3 working days = Wednesday 10:00 (5 calendar days). */
    CHECK_INT(kj_workdays_add(fri, 3 * KJ_DAY_MS, BJ), fri + 5 * KJ_DAY_MS);
    CHECK_INT(kj_workdays_elapsed(fri, fri + 5 * KJ_DAY_MS, BJ), 3 * KJ_DAY_MS);
    /* Over the weekend only the 14 hours of Friday count until Monday 00:00. */
    CHECK_INT(kj_workdays_elapsed(fri, fri + 2 * KJ_DAY_MS + 14 * H, BJ), 14 * H);
    CHECK_INT(kj_workdays_elapsed(fri + KJ_DAY_MS, fri + 2 * KJ_DAY_MS, BJ), 0);
    /* Started on a Saturday: the clock begins on Monday 00:00. */
    int64_t sat = fri + KJ_DAY_MS, mon0 = fri + 2 * KJ_DAY_MS + 14 * H;
    CHECK_INT(kj_workdays_add(sat, 1 * H, BJ), mon0 + 1 * H);
    CHECK_INT(kj_workdays_add(sat, 5 * KJ_DAY_MS, BJ), mon0 + 5 * KJ_DAY_MS);
    /* Long spans: whole weeks have five working days. */
    CHECK_INT(kj_workdays_add(fri, 10 * KJ_DAY_MS, BJ), fri + 14 * KJ_DAY_MS);
    CHECK_INT(kj_workdays_elapsed(fri, fri + 14 * KJ_DAY_MS, BJ), 10 * KJ_DAY_MS);
    /* Ten weeks and a day, ending on a Saturday: 50 days and Friday's last 14 hours. */
    CHECK_INT(kj_workdays_elapsed(fri, fri + 71 * KJ_DAY_MS, BJ), 50 * KJ_DAY_MS + 14 * H);
    /* add and elapsed agree for every start hour over two weeks. */
    for (int64_t t = fri; t < fri + 14 * KJ_DAY_MS; t += 7 * H)
        for (int d = 1; d <= 7; d++) {
            int64_t end = kj_workdays_add(t, d * KJ_DAY_MS, BJ);
            CHECK_INT(kj_workdays_elapsed(t, end, BJ), d * KJ_DAY_MS);
        }
    CHECK_INT(kj_workdays_add(fri, 0, BJ), fri);
    CHECK_INT(kj_workdays_elapsed(fri, fri - H, BJ), 0);
}
