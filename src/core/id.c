/*
 * id.c — ULIDs and random tokens (see id.h).
 */
#include "core/id.h"
#include "core/clock.h"
#include <pthread.h>
#include <sodium.h>
#include <string.h>

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Last id handed out, so ids minted in the same millisecond stay ordered. */
static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t last_ms;
static uint8_t last_rand[10];

int kj_random_init(void) { return sodium_init() < 0 ? -1 : 0; }

void kj_random_bytes(void *buf, size_t n) { randombytes_buf(buf, n); }

static void increment_random(uint8_t r[10])
{
    for (int i = 9; i >= 0; i--)
        if (++r[i] != 0) break;
}

kj_id kj_id_new(void)
{
    uint8_t bytes[16];
    int64_t ms = kj_now_ms();
    pthread_mutex_lock(&id_lock);
    if (ms <= last_ms) {
        ms = last_ms;
        increment_random(last_rand);
    } else {
        last_ms = ms;
        randombytes_buf(last_rand, sizeof last_rand);
    }
    memcpy(bytes + 6, last_rand, 10);
    pthread_mutex_unlock(&id_lock);
    for (int i = 5; i >= 0; i--) { bytes[i] = (uint8_t)(ms & 0xff); ms >>= 8; }

    /* 128 bits → 26 base-32 digits: the first digit carries the top 3 bits. */
    kj_id id;
    int bit = -2; /* 130 bits of output for 128 of input: two leading zeros */
    for (int c = 0; c < KJ_ID_LEN; c++) {
        int v = 0;
        for (int k = 0; k < 5; k++, bit++) {
            int b = 0;
            if (bit >= 0) b = (bytes[bit / 8] >> (7 - bit % 8)) & 1;
            v = (v << 1) | b;
        }
        id.s[c] = crockford[v];
    }
    id.s[KJ_ID_LEN] = 0;
    return id;
}

bool kj_id_valid(const char *s)
{
    if (!s || strlen(s) != KJ_ID_LEN) return false;
    if (s[0] > '7') return false;
    for (int i = 0; i < KJ_ID_LEN; i++)
        if (!strchr(crockford, s[i]) || s[i] == 0) return false;
    return true;
}

int64_t kj_id_time_ms(const char *s)
{
    int64_t ms = 0;
    for (int i = 0; i < 10; i++) ms = (ms << 5) | (int64_t)(strchr(crockford, s[i]) - crockford);
    return ms;
}

void kj_random_token(char *out, size_t out_size, size_t n_bytes)
{
    uint8_t raw[64];
    if (n_bytes > sizeof raw) n_bytes = sizeof raw;
    randombytes_buf(raw, n_bytes);
    sodium_bin2base64(out, out_size, raw, n_bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool kj_secret_equal(const char *a, const char *b)
{
    if (!a || !b) return false;
    unsigned char ha[32], hb[32];
    crypto_generichash(ha, sizeof ha, (const unsigned char *)a, strlen(a), NULL, 0);
    crypto_generichash(hb, sizeof hb, (const unsigned char *)b, strlen(b), NULL, 0);
    return sodium_memcmp(ha, hb, sizeof ha) == 0;
}
