/*
 * workdays.h — working-day arithmetic for deadlines that must not run over
 * a weekend (review escalation, issue 14 §2).
 *
 * A working day is Monday to Friday in the instance's time zone, given as
 * a fixed offset from UTC in minutes (China: +480, no daylight saving).
 * Working time is the part of an interval that falls on working days, so
 * "3 working days" from Friday 10:00 ends on Wednesday 10:00, and the
 * clock started on a Saturday begins on Monday 00:00. Public holidays are
 * not known here (a later calendar table can feed them in).
 *
 * Pure functions of their arguments (callers pass kj_now_ms()): no state,
 * thread-safe.
 */
#ifndef KJ_WORKDAYS_H
#define KJ_WORKDAYS_H
#include <stdbool.h>
#include <stdint.h>

/** True when the instant at_ms falls on a working day at offset_min. */
bool kj_workday_is_working(int64_t at_ms, int offset_min);
/** Working milliseconds in [from_ms, to_ms) (0 when to <= from). */
int64_t kj_workdays_elapsed(int64_t from_ms, int64_t to_ms, int offset_min);
/** The first instant at which working_ms of working time have elapsed
 *  since from_ms (from_ms itself when working_ms <= 0). */
int64_t kj_workdays_add(int64_t from_ms, int64_t working_ms, int offset_min);
#endif
