/*
 * encoding.c — encoding detection and conversion to UTF-8 (contracts in
 * encoding.h).
 */
#include "text/encoding.h"
#include "core/buf.h"
#include "core/validate.h"
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

static const char UTF8_BOM[] = "\xEF\xBB\xBF";

static int has_bom(const char *buf, size_t len)
{
    return len >= 3 && memcmp(buf, UTF8_BOM, 3) == 0;
}

enum { CONV_OK = 0, CONV_INVALID = -1, CONV_NOMEM = -2 };

/* Decodes GB18030 in chunks through a stack buffer, appending the UTF-8
 * to out, or only checking validity when out is NULL. */
static int gb18030_decode(const char *buf, size_t len, kj_buf *out)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1) return CONV_NOMEM;   /* glibc always has GB18030 */
    char *in = (char *)buf;                     /* iconv does not write it */
    size_t in_left = len;
    int rc = CONV_OK;
    for (;;) {
        char chunk[4096], *o = chunk;
        size_t o_left = sizeof chunk;
        size_t r = in_left ? iconv(cd, &in, &in_left, &o, &o_left)
                           : iconv(cd, NULL, NULL, &o, &o_left);
        int err = r == (size_t)-1 ? errno : 0;
        if (out && kj_buf_append(out, chunk, sizeof chunk - o_left)) { rc = CONV_NOMEM; break; }
        if (err == E2BIG) continue;
        if (err) rc = CONV_INVALID;   /* EILSEQ, or EINVAL: truncated at the end */
        if (err || in_left == 0) break;
    }
    iconv_close(cd);
    return rc;
}

kj_encoding kj_detect_encoding(const char *buf, size_t len)
{
    if (has_bom(buf, len)) return KJ_ENC_UTF8_BOM;
    if (kj_valid_utf8(buf, len)) return KJ_ENC_UTF8;
    if (gb18030_decode(buf, len, NULL) == CONV_OK) return KJ_ENC_GB18030;
    return KJ_ENC_UNKNOWN;
}

static char *copy_utf8(const char *buf, size_t len, size_t *out_len)
{
    if (!kj_valid_utf8(buf, len)) return NULL;
    char *p = malloc(len + 1);
    if (!p) return NULL;
    if (len) memcpy(p, buf, len);
    p[len] = 0;
    if (out_len) *out_len = len;
    return p;
}

static char *gb18030_to_utf8(const char *buf, size_t len, size_t *out_len)
{
    kj_buf b = {0};
    if (gb18030_decode(buf, len, &b) != CONV_OK) { kj_buf_free(&b); return NULL; }
    if (has_bom(b.data, b.len)) {   /* U+FEFF from a GB18030 BOM */
        memmove(b.data, b.data + 3, b.len - 3 + 1);
        b.len -= 3;
    }
    return kj_buf_steal(&b, out_len);
}

char *kj_to_utf8(const char *buf, size_t len, kj_encoding enc, size_t *out_len)
{
    if (!buf && len) return NULL;
    switch (enc) {
    case KJ_ENC_UTF8:
        return copy_utf8(buf, len, out_len);
    case KJ_ENC_UTF8_BOM:
        return has_bom(buf, len) ? copy_utf8(buf + 3, len - 3, out_len)
                                 : copy_utf8(buf, len, out_len);
    case KJ_ENC_GB18030:
        return gb18030_to_utf8(buf, len, out_len);
    default:
        return NULL;
    }
}
