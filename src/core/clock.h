/*
 * clock.h — the one source of time in kejiyun.
 *
 * Every timestamp, deadline and expiry is read from kj_now_ms(). Tests
 * shift or freeze it (kj_clock_set_offset / kj_clock_freeze) so that
 * deadlines can be tested without sleeping. The state is two atomics, so
 * any thread may read or change it.
 */
#ifndef KJ_CLOCK_H
#define KJ_CLOCK_H
#include <stdint.h>
#include <stddef.h>
#include <time.h>

/** One day in milliseconds. */
#define KJ_DAY_MS (86400LL * 1000)

/** Milliseconds since the Unix epoch, as this instance sees them. */
int64_t kj_now_ms(void);
/** Seconds since the epoch (kj_now_ms()/1000). */
int64_t kj_now_s(void);
/** Adds offset_ms to the real clock from now on (0 restores it). */
void kj_clock_set_offset(int64_t offset_ms);
/** Freezes the clock at at_ms (0 unfreezes). */
void kj_clock_freeze(int64_t at_ms);
/** Monotonic microseconds for measuring durations (never shifted). */
int64_t kj_mono_us(void);
/** Formats ms as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into out (≥ 21 bytes). */
void kj_format_iso(int64_t ms, char *out, size_t n);
/** Formats ms as "YYYY-MM-DD" (UTC) into out (≥ 11 bytes). */
void kj_format_date(int64_t ms, char *out, size_t n);

/** Sets the instance's time zone (setting time_zone: an IANA name such as
 *  "Asia/Shanghai", or a POSIX TZ rule such as "CST-8"), in which people
 *  are shown times and working days are counted. Call once at start,
 *  before any thread exists (it sets TZ for the process; localtime_r is
 *  thread-safe afterwards). When the system has no zone database, the
 *  zones China uses fall back to their fixed rule (China has had no
 *  daylight saving time since 1991). 0, or -1 with the reason in err for
 *  an unknown zone. */
int kj_clock_set_zone(const char *zone, char *err, size_t errlen);
/** Formats ms as "YYYY-MM-DD HH:MM (UTC+08:00)" in the instance's time
 *  zone, for documents that must say the offset (a signed contract). */
void kj_format_local(int64_t ms, char *out, size_t n);
/** ms broken down in the instance's time zone. Thread-safe. */
void kj_local_time(int64_t ms, struct tm *out);
#endif
