/*
 * workdays.h — working-day arithmetic for deadlines that must not run over
 * a weekend or a public holiday (review escalation, issue 14 §2).
 *
 * A working day is Monday to Friday in the instance's time zone, given as
 * a fixed offset from UTC in minutes (China: +480, no daylight saving),
 * unless a calendar says otherwise for that date: a public holiday (放假)
 * is not a working day, a weekend day worked instead (调休上班) is.
 * Working time is the part of an interval that falls on working days, so
 * "3 working days" from Friday 10:00 ends on Wednesday 10:00, and the
 * clock started on a Saturday begins on Monday 00:00.
 *
 * The calendar is data (data/holidays.tsv for mainland China, an
 * instance's DATA/holidays.tsv over it): one line per date,
 * "YYYY-MM-DD<TAB>off|work<TAB>name", # comments and blank lines ignored.
 * A date no file lists follows the Monday-to-Friday rule, so a year not
 * yet published still counts weekdays.
 *
 * The arithmetic functions are pure functions of their arguments (callers
 * pass kj_now_ms() and the calendar, NULL for Monday to Friday only): no
 * state, thread-safe. A calendar is immutable once loaded.
 */
#ifndef KJ_WORKDAYS_H
#define KJ_WORKDAYS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kj_workcal kj_workcal;

/** Loads the calendar files paths[0..n) in order, a later file's line
 *  overriding an earlier one's for the same date. A path that does not
 *  exist (or is NULL or "") is skipped; a malformed line fails the load
 *  with "file:line: why" in err. Never NULL on success (possibly empty). */
kj_workcal *kj_workcal_load(const char *const *paths, size_t n, char *err, size_t errlen);
void kj_workcal_free(kj_workcal *cal);
/** How many dates the calendar lists. */
size_t kj_workcal_count(const kj_workcal *cal);

/** True when the instant at_ms falls on a working day at offset_min. */
bool kj_workday_is_working(int64_t at_ms, int offset_min, const kj_workcal *cal);
/** Working milliseconds in [from_ms, to_ms) (0 when to <= from). */
int64_t kj_workdays_elapsed(int64_t from_ms, int64_t to_ms, int offset_min, const kj_workcal *cal);
/** The first instant at which working_ms of working time have elapsed
 *  since from_ms (from_ms itself when working_ms <= 0). */
int64_t kj_workdays_add(int64_t from_ms, int64_t working_ms, int offset_min, const kj_workcal *cal);
#endif
