/*
 * json_text.c — compact JSON text of a jansson value (see json_text.h).
 *
 * Strings in jansson are valid UTF-8 already, so only '"', '\\' and the
 * control characters below 0x20 need escapes; everything else, multi-byte
 * sequences included, is copied as it is, a run at a time. Escapes use
 * the same spelling as jansson (\b \f \n \r \t, else \u00XX) so that the
 * text is the same whichever writer produced it.
 */
#include "core/json_text.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 2048   /* jansson's JSON_PARSER_MAX_DEPTH */

static bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

static int put_escape(kj_buf *out, unsigned char c)
{
    static const char short_form[] = { ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
                                       ['"'] = '"', ['\\'] = '\\' };
    if (c < sizeof short_form && short_form[c]) {
        char e[2] = { '\\', short_form[c] };
        return kj_buf_append(out, e, 2);
    }
    char e[8];
    snprintf(e, sizeof e, "\\u%04X", c);
    return kj_buf_append(out, e, 6);
}

static int put_string(kj_buf *out, const char *s, size_t n)
{
    if (kj_buf_append(out, "\"", 1)) return -1;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!needs_escape(c)) continue;
        if (kj_buf_append(out, s + run, i - run) || put_escape(out, c)) return -1;
        run = i + 1;
    }
    return kj_buf_append(out, s + run, n - run) || kj_buf_append(out, "\"", 1) ? -1 : 0;
}

static int put_value(kj_buf *out, const json_t *v, int depth);

static int put_object(kj_buf *out, const json_t *v, int depth)
{
    const char *key;
    size_t klen;
    json_t *item;
    bool first = true;
    if (kj_buf_append(out, "{", 1)) return -1;
    json_object_keylen_foreach((json_t *)v, key, klen, item) {
        if ((!first && kj_buf_append(out, ",", 1)) || put_string(out, key, klen) || kj_buf_append(out, ":", 1) ||
            put_value(out, item, depth + 1))
            return -1;
        first = false;
    }
    return kj_buf_append(out, "}", 1);
}

static int put_array(kj_buf *out, const json_t *v, int depth)
{
    if (kj_buf_append(out, "[", 1)) return -1;
    for (size_t i = 0; i < json_array_size(v); i++)
        if ((i && kj_buf_append(out, ",", 1)) || put_value(out, json_array_get(v, i), depth + 1)) return -1;
    return kj_buf_append(out, "]", 1);
}

static int put_real(kj_buf *out, const json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    int rc = text ? kj_buf_puts(out, text) : -1;
    free(text);
    return rc;
}

static int put_value(kj_buf *out, const json_t *v, int depth)
{
    if (depth > MAX_DEPTH) return -1;
    switch (json_typeof(v)) {
    case JSON_OBJECT:  return put_object(out, v, depth);
    case JSON_ARRAY:   return put_array(out, v, depth);
    case JSON_STRING:  return put_string(out, json_string_value(v), json_string_length(v));
    case JSON_INTEGER: return kj_buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    case JSON_REAL:    return put_real(out, v);
    case JSON_TRUE:    return kj_buf_puts(out, "true");
    case JSON_FALSE:   return kj_buf_puts(out, "false");
    case JSON_NULL:    return kj_buf_puts(out, "null");
    }
    return -1;
}

int kj_json_text(kj_buf *out, const json_t *v)
{
    return v ? put_value(out, v, 0) : -1;
}
