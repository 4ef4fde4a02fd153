/* workdays.c — working-day arithmetic and the holiday calendar (see workdays.h). */
#include "core/workdays.h"
#include <time.h>
#include "core/clock.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t day;     /* days since 1970-01-01 (the local date) */
    bool working;
} cal_day;

struct kj_workcal {
    cal_day *days;   /* sorted by day, one entry per date */
    size_t n;
};

/* Floor division: instants before 1970 must still land on the right day. */
static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/* Day number (days since 1970-01-01 local) of the local instant. */
static int64_t local_day(int64_t at_ms, int offset_min) { return floor_div(at_ms + (int64_t)offset_min * 60000, KJ_DAY_MS); }

/* The weekday rule: 1970-01-01 was a Thursday, day 0 → weekday 4 (0 = Sunday). */
static bool weekday_working(int64_t day)
{
    int64_t wd = ((day % 7) + 7 + 4) % 7;
    return wd >= 1 && wd <= 5;
}

/* The first entry of cal at or after day (cal->n when none). */
static size_t first_at(const kj_workcal *cal, int64_t day)
{
    size_t lo = 0, hi = cal->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->days[mid].day < day) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static bool day_is_working(const kj_workcal *cal, int64_t day)
{
    if (cal && cal->n) {
        size_t i = first_at(cal, day);
        if (i < cal->n && cal->days[i].day == day) return cal->days[i].working;
    }
    return weekday_working(day);
}

/* The UTC instant at which local day `day` begins. */
static int64_t day_start(int64_t day, int offset_min) { return day * KJ_DAY_MS - (int64_t)offset_min * 60000; }

bool kj_workday_is_working(int64_t at_ms, int offset_min, const kj_workcal *cal)
{
    return day_is_working(cal, local_day(at_ms, offset_min));
}

int64_t kj_workdays_elapsed(int64_t from_ms, int64_t to_ms, int offset_min, const kj_workcal *cal)
{
    if (to_ms <= from_ms) return 0;
    int64_t d0 = local_day(from_ms, offset_min), d1 = local_day(to_ms, offset_min);
    if (d0 == d1) return day_is_working(cal, d0) ? to_ms - from_ms : 0;
    int64_t total = 0;
    if (day_is_working(cal, d0)) total += day_start(d0 + 1, offset_min) - from_ms;
    if (day_is_working(cal, d1)) total += to_ms - day_start(d1, offset_min);
    /* Whole days strictly between by the weekday rule (whole weeks have
     * five working days), then the calendar's dates among them. */
    int64_t first = d0 + 1, n = d1 - first;
    if (n > 0) {
        int64_t weeks = n / 7;
        total += weeks * 5 * KJ_DAY_MS;
        for (int64_t d = first + weeks * 7; d < d1; d++)
            if (weekday_working(d)) total += KJ_DAY_MS;
        if (cal)
            for (size_t i = first_at(cal, first); i < cal->n && cal->days[i].day < d1; i++)
                if (cal->days[i].working != weekday_working(cal->days[i].day))
                    total += cal->days[i].working ? KJ_DAY_MS : -KJ_DAY_MS;
    }
    return total;
}

int64_t kj_workdays_add(int64_t from_ms, int64_t working_ms, int offset_min, const kj_workcal *cal)
{
    if (working_ms <= 0) return from_ms;
    int64_t day = local_day(from_ms, offset_min), at = from_ms;
    /* The rest of the first day, then whole weeks, then day by day. */
    if (day_is_working(cal, day)) {
        int64_t rest = day_start(day + 1, offset_min) - at;
        if (working_ms <= rest) return at + working_ms;
        working_ms -= rest;
    }
    day++;
    /* Whole weeks at once only while no calendar date lies in them. */
    for (;;) {
        int64_t weeks = (working_ms - 1) / (5 * KJ_DAY_MS);
        if (!weeks) break;
        size_t i = cal ? first_at(cal, day) : 0;
        bool listed = cal && i < cal->n && cal->days[i].day < day + weeks * 7;
        if (listed) break;
        day += weeks * 7;
        working_ms -= weeks * 5 * KJ_DAY_MS;
    }
    for (;;) {
        if (day_is_working(cal, day)) {
            if (working_ms <= KJ_DAY_MS) return day_start(day, offset_min) + working_ms;
            working_ms -= KJ_DAY_MS;
        }
        day++;
    }
}

/* ---- the calendar ---- */

/* "YYYY-MM-DD" exactly, a real date: its day number. */
static bool parse_date(const char *s, size_t len, int64_t *day)
{
    if (len != 10 || s[4] != '-' || s[7] != '-') return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
    int y = atoi(s), m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap) return false;
    struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d };
    *day = (int64_t)timegm(&tm) / 86400;      /* days since 1970-01-01 (UTC, no zone) */
    return true;
}

static int by_day(const void *a, const void *b)
{
    const cal_day *x = a, *y = b;
    return x->day < y->day ? -1 : x->day > y->day;
}

/* Sets day in cal (replacing an entry for the same date): cal->days stays
 * unsorted while loading; sorted at the end. */
static int put(kj_workcal *cal, size_t *cap, int64_t day, bool working)
{
    for (size_t i = 0; i < cal->n; i++)
        if (cal->days[i].day == day) { cal->days[i].working = working; return 0; }
    if (cal->n == *cap) {
        size_t c = *cap ? *cap * 2 : 128;
        cal_day *grown = realloc(cal->days, c * sizeof *grown);
        if (!grown) return -1;
        cal->days = grown;
        *cap = c;
    }
    cal->days[cal->n++] = (cal_day){ day, working };
    return 0;
}

static int load_file(kj_workcal *cal, size_t *cap, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT) return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[512];
    int no = 0, rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        no++;
        size_t len = strcspn(line, "\r\n");
        line[len] = 0;
        if (!len || line[0] == '#') continue;
        char *tab = strchr(line, '\t');
        int64_t day;
        char *kind = tab ? tab + 1 : NULL, *end = kind ? strchr(kind, '\t') : NULL;
        if (end) *end = 0;
        if (!tab || !parse_date(line, (size_t)(tab - line), &day)) {
            snprintf(err, errlen, "%s:%d: expected a date YYYY-MM-DD, a tab, then off or work", path, no);
            rc = -1;
        } else if (strcmp(kind, "off") && strcmp(kind, "work")) {
            snprintf(err, errlen, "%s:%d: the second field is off (a holiday) or work (a working weekend day), not \"%s\"",
                     path, no, kind);
            rc = -1;
        } else if (put(cal, cap, day, !strcmp(kind, "work"))) {
            snprintf(err, errlen, "%s: out of memory", path);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

kj_workcal *kj_workcal_load(const char *const *paths, size_t n, char *err, size_t errlen)
{
    kj_workcal *cal = calloc(1, sizeof *cal);
    if (!cal) { snprintf(err, errlen, "out of memory"); return NULL; }
    size_t cap = 0;
    for (size_t i = 0; i < n; i++)
        if (paths[i] && *paths[i] && load_file(cal, &cap, paths[i], err, errlen)) {
            kj_workcal_free(cal);
            return NULL;
        }
    if (cal->n) qsort(cal->days, cal->n, sizeof *cal->days, by_day);
    return cal;
}

void kj_workcal_free(kj_workcal *cal)
{
    if (!cal) return;
    free(cal->days);
    free(cal);
}

size_t kj_workcal_count(const kj_workcal *cal) { return cal ? cal->n : 0; }
