/*
 * id.h — record identifiers and randomness.
 *
 * Every record gets a ULID: 48 bits of milliseconds from kj_now_ms() and
 * 80 random bits, written as 26 Crockford base-32 characters. ULIDs sort
 * by creation time and are unique across instances without coordination,
 * which is what federation needs. Within one millisecond, ids from this
 * process stay increasing (the random part is incremented), guarded by a
 * mutex. All randomness comes from libsodium (kj_random_bytes).
 */
#ifndef KJ_ID_H
#define KJ_ID_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define KJ_ID_LEN 26
typedef struct { char s[KJ_ID_LEN + 1]; } kj_id;

/** Initialises libsodium; call once before any thread starts. 0 or -1. */
int  kj_random_init(void);
/** Fills buf with n cryptographically secure random bytes. */
void kj_random_bytes(void *buf, size_t n);
/** A new ULID. */
kj_id kj_id_new(void);
/** True when s is 26 valid Crockford base-32 characters (upper case). */
bool kj_id_valid(const char *s);
/** The creation time (ms) encoded in a valid id. */
int64_t kj_id_time_ms(const char *s);
/** n random bytes as URL-safe base64 without padding into out (size ≥ 4n/3+2). */
void kj_random_token(char *out, size_t out_size, size_t n_bytes);
/** True when a and b (NUL-terminated secrets, either may be NULL) are equal.
 *  Takes the same time wherever they differ, and whatever their lengths:
 *  both are hashed first, then the digests compared in constant time. */
bool kj_secret_equal(const char *a, const char *b);
#endif
