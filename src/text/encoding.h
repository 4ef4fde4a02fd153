/*
 * encoding.h — recognising and converting the text encodings users upload
 * (CSV exports, plain-text attachments): UTF-8 with or without a BOM, and
 * GB18030, the superset of GBK/GB2312 that Chinese Excel and Windows write.
 *
 * Conversion uses glibc iconv with a descriptor opened per call, so every
 * function here is safe to call from any thread at once; nothing is global.
 */
#ifndef KJ_ENCODING_H
#define KJ_ENCODING_H
#include <stddef.h>

typedef enum {
    KJ_ENC_UTF8,       /* valid UTF-8 without a byte-order mark (or empty) */
    KJ_ENC_UTF8_BOM,   /* starts with the UTF-8 BOM EF BB BF */
    KJ_ENC_GB18030,    /* not UTF-8, but decodes cleanly as GB18030/GBK */
    KJ_ENC_UNKNOWN,    /* neither */
} kj_encoding;

/**
 * Guesses the encoding of len bytes: a leading UTF-8 BOM gives
 * KJ_ENC_UTF8_BOM (the rest is not checked: kj_to_utf8 will); otherwise
 * strictly valid UTF-8 gives KJ_ENC_UTF8 (so does pure ASCII and len 0);
 * otherwise input that GB18030 decodes without error or truncation gives
 * KJ_ENC_GB18030; anything else KJ_ENC_UNKNOWN. UTF-8 is tried first on
 * purpose: real GBK text is almost never valid UTF-8, while the reverse
 * often decodes as (nonsense) GB18030. buf may be NULL when len is 0.
 */
kj_encoding kj_detect_encoding(const char *buf, size_t len);

/**
 * Converts len bytes in encoding enc to UTF-8 without a BOM. Returns a
 * malloc'd NUL-terminated string the caller frees, its length in *out_len
 * (when out_len is not NULL; the text may itself contain NUL bytes), or
 * NULL when the input is not valid in enc (invalid or truncated sequences;
 * for KJ_ENC_UTF8_BOM a missing BOM is accepted), when enc is
 * KJ_ENC_UNKNOWN, or when memory runs out. A leading U+FEFF produced by a
 * GB18030 BOM (84 31 95 33) is dropped too.
 */
char *kj_to_utf8(const char *buf, size_t len, kj_encoding enc, size_t *out_len);

#endif
