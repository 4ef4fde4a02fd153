/*
 * ics.h — iCalendar (RFC 5545) text for a personal agenda: CRLF line
 * ends, lines folded at 75 octets (never inside a UTF-8 character), TEXT
 * values escaped (backslash, semicolon, comma, newline), times in UTC
 * ("...Z" form, so no VTIMEZONE is needed; calendars show them in the
 * reader's zone). Pure: no database, no clock; thread-safe.
 */
#ifndef KJ_EVENT_ICS_H
#define KJ_EVENT_ICS_H
#include <stdint.h>
#include "core/buf.h"

/** BEGIN:VCALENDAR with VERSION, PRODID and the calendar's name. */
int kj_ics_begin(kj_buf *b, const char *calname);
/** One VEVENT. uid is globally unique (id@host); stamp_ms the DTSTAMP;
 *  location and description may be NULL. */
int kj_ics_event(kj_buf *b, const char *uid, int64_t stamp_ms, int64_t start_ms, int64_t end_ms,
                 const char *summary, const char *location, const char *description);
/** END:VCALENDAR. */
int kj_ics_end(kj_buf *b);
/** Appends "NAME:value" (value escaped as TEXT when escape) folded and
 *  ended with CRLF. */
int kj_ics_line(kj_buf *b, const char *name, const char *value, int escape);
#endif
