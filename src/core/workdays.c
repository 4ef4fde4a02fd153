/* workdays.c — working-day arithmetic (see workdays.h). */
#include "core/workdays.h"
#include "core/clock.h"

/* Floor division: instants before 1970 must still land on the right day. */
static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/* Day number (days since 1970-01-01 local) of the local instant. */
static int64_t local_day(int64_t at_ms, int offset_min) { return floor_div(at_ms + (int64_t)offset_min * 60000, KJ_DAY_MS); }

/* 1970-01-01 was a Thursday: day 0 → weekday 4 (0 = Sunday). */
static bool day_is_working(int64_t day)
{
    int64_t wd = ((day % 7) + 7 + 4) % 7;
    return wd >= 1 && wd <= 5;
}

/* The UTC instant at which local day `day` begins. */
static int64_t day_start(int64_t day, int offset_min) { return day * KJ_DAY_MS - (int64_t)offset_min * 60000; }

bool kj_workday_is_working(int64_t at_ms, int offset_min) { return day_is_working(local_day(at_ms, offset_min)); }

int64_t kj_workdays_elapsed(int64_t from_ms, int64_t to_ms, int offset_min)
{
    if (to_ms <= from_ms) return 0;
    int64_t d0 = local_day(from_ms, offset_min), d1 = local_day(to_ms, offset_min);
    if (d0 == d1) return day_is_working(d0) ? to_ms - from_ms : 0;
    int64_t total = 0;
    if (day_is_working(d0)) total += day_start(d0 + 1, offset_min) - from_ms;
    if (day_is_working(d1)) total += to_ms - day_start(d1, offset_min);
    /* Whole days strictly between: whole weeks have five working days. */
    int64_t first = d0 + 1, n = d1 - first;
    if (n > 0) {
        int64_t weeks = n / 7;
        total += weeks * 5 * KJ_DAY_MS;
        for (int64_t d = first + weeks * 7; d < d1; d++)
            if (day_is_working(d)) total += KJ_DAY_MS;
    }
    return total;
}

int64_t kj_workdays_add(int64_t from_ms, int64_t working_ms, int offset_min)
{
    if (working_ms <= 0) return from_ms;
    int64_t day = local_day(from_ms, offset_min), at = from_ms;
    /* The rest of the first day, then whole weeks, then day by day. */
    if (day_is_working(day)) {
        int64_t rest = day_start(day + 1, offset_min) - at;
        if (working_ms <= rest) return at + working_ms;
        working_ms -= rest;
    }
    day++;
    int64_t weeks = (working_ms - 1) / (5 * KJ_DAY_MS);
    day += weeks * 7;
    working_ms -= weeks * 5 * KJ_DAY_MS;
    for (;;) {
        if (day_is_working(day)) {
            if (working_ms <= KJ_DAY_MS) return day_start(day, offset_min) + working_ms;
            working_ms -= KJ_DAY_MS;
        }
        day++;
    }
}
