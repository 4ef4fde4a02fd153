/* ics.c — iCalendar text (see ics.h). */
#include "event/ics.h"
#include <string.h>
#include <time.h>

#define FOLD 75   /* octets per line, CRLF excluded (RFC 5545 §3.1) */

/* Appends the logical line s (no CRLF) folded: a continuation line starts
 * with one space, which counts towards its 75 octets. */
static int put_folded(kj_buf *b, const char *s, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i < n;) {
        size_t len = 1;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0xF0) len = 4;
        else if (c >= 0xE0) len = 3;
        else if (c >= 0xC0) len = 2;
        if (i + len > n) len = n - i;
        if (col + len > FOLD) {
            if (kj_buf_append(b, "\r\n ", 3)) return -1;
            col = 1;
        }
        if (kj_buf_append(b, s + i, len)) return -1;
        col += len, i += len;
    }
    return kj_buf_append(b, "\r\n", 2);
}

int kj_ics_line(kj_buf *b, const char *name, const char *value, int escape)
{
    kj_buf l = { 0 };
    int rc = kj_buf_puts(&l, name) || kj_buf_puts(&l, ":");
    for (const char *p = value ? value : ""; !rc && *p; p++) {
        char c = *p;
        if (escape && (c == '\\' || c == ';' || c == ',')) rc = kj_buf_append(&l, "\\", 1) || kj_buf_append(&l, p, 1);
        else if (escape && c == '\n') rc = kj_buf_puts(&l, "\\n");
        else if (c == '\r') continue;
        else if ((unsigned char)c < 0x20 && c != '\t') continue;   /* controls are not allowed in TEXT */
        else rc = kj_buf_append(&l, p, 1);
    }
    if (!rc) rc = put_folded(b, l.data ? l.data : "", l.len);
    kj_buf_free(&l);
    return rc ? -1 : 0;
}

static void utc(int64_t ms, char *out, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y%m%dT%H%M%SZ", &tm);
}

int kj_ics_begin(kj_buf *b, const char *calname)
{
    if (kj_ics_line(b, "BEGIN", "VCALENDAR", 0) || kj_ics_line(b, "VERSION", "2.0", 0) ||
        kj_ics_line(b, "PRODID", "-//kejiyun//events//EN", 0) || kj_ics_line(b, "CALSCALE", "GREGORIAN", 0) ||
        kj_ics_line(b, "METHOD", "PUBLISH", 0))
        return -1;
    return calname ? kj_ics_line(b, "X-WR-CALNAME", calname, 1) : 0;
}

int kj_ics_event(kj_buf *b, const char *uid, int64_t stamp_ms, int64_t start_ms, int64_t end_ms, const char *summary,
                 const char *location, const char *description)
{
    char st[20], s0[20], s1[20];
    utc(stamp_ms, st, sizeof st), utc(start_ms, s0, sizeof s0), utc(end_ms, s1, sizeof s1);
    if (kj_ics_line(b, "BEGIN", "VEVENT", 0) || kj_ics_line(b, "UID", uid, 0) || kj_ics_line(b, "DTSTAMP", st, 0) ||
        kj_ics_line(b, "DTSTART", s0, 0) || kj_ics_line(b, "DTEND", s1, 0) || kj_ics_line(b, "SUMMARY", summary, 1))
        return -1;
    if (location && *location && kj_ics_line(b, "LOCATION", location, 1)) return -1;
    if (description && *description && kj_ics_line(b, "DESCRIPTION", description, 1)) return -1;
    return kj_ics_line(b, "END", "VEVENT", 0);
}

int kj_ics_end(kj_buf *b) { return kj_ics_line(b, "END", "VCALENDAR", 0); }
