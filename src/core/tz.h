/*
 * tz.h — offsets of named time zones (IANA names such as "Europe/Berlin"),
 * for things that happen in a zone other than the instance's (an event in
 * Germany run from Chengdu). Reads the system's zone database
 * (/usr/share/zoneinfo, Debian's tzdata: TZif files) once per zone and
 * keeps what it read (under a lock; at most KJ_TZ_CACHE zones that exist;
 * names it cannot find are looked up again each time). Beyond the
 * last transition a file lists (2037 for Debian's files), its last offset
 * holds. "UTC" and "Etc/UTC" need no file.
 */
#ifndef KJ_TZ_H
#define KJ_TZ_H
#include <stdbool.h>
#include <stdint.h>
#define KJ_TZ_CACHE 64

/** True when name is a zone the database knows (letters, digits, '/',
 *  '_', '-', '+'; no "..", at most 64 characters). */
bool kj_tz_valid(const char *name);
/** The zone's offset from UTC in seconds at ms (east positive); 0 for an
 *  unknown zone. */
int kj_tz_offset(const char *name, int64_t ms);
/** Sets the zone database's directory (tests); default /usr/share/zoneinfo.
 *  Call before any thread uses this module. */
void kj_tz_set_dir(const char *dir);
#endif
