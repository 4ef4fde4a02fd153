/*
 * media_view.c — responsive <img> markup. See media_view.h.
 */
#include "web/media_view.h"
#include "media/variants.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int kj_img_attrs(kj_db *db, kj_buf *out, const char *base, const char *attach_id, const char *sizes)
{
    json_t *vs = kj_media_variants(db, attach_id);
    size_t n = json_array_size(vs);
    if (!n) { json_decref(vs); return 0; }
    int smallest = (int)json_integer_value(json_object_get(json_array_get(vs, 0), "width"));
    json_t *big = json_array_get(vs, n - 1);
    kj_buf_puts(out, " srcset=\"");
    for (size_t i = 0; i < n; i++) {
        json_int_t w = json_integer_value(json_object_get(json_array_get(vs, i), "width"));
        kj_buf_printf(out, "%s%s/%lld %lldw", i ? ", " : "", base, (long long)w, (long long)w);
    }
    kj_buf_puts(out, "\" sizes=\"");
    kj_buf_html(out, sizes ? sizes : KJ_IMG_SIZES_COLUMN);
    kj_buf_printf(out, "\" width=\"%lld\" height=\"%lld\"", (long long)json_integer_value(json_object_get(big, "width")),
                  (long long)json_integer_value(json_object_get(big, "height")));
    json_decref(vs);
    return smallest;
}

void kj_img_html(kj_db *db, kj_buf *out, const char *base, const char *attach_id, const char *alt,
                 const char *sizes, const char *cls)
{
    kj_buf attrs = { 0 };
    int smallest = kj_img_attrs(db, &attrs, base, attach_id, sizes);
    kj_buf_puts(out, "<img src=\"");
    kj_buf_puts(out, base);
    if (smallest) kj_buf_printf(out, "/%d", smallest);
    kj_buf_puts(out, "\"");
    if (attrs.len) kj_buf_append(out, attrs.data, attrs.len);
    kj_buf_puts(out, " alt=\"");
    kj_buf_html(out, alt ? alt : "");
    kj_buf_puts(out, "\"");
    if (cls && *cls) {
        kj_buf_puts(out, " class=\"");
        kj_buf_html(out, cls);
        kj_buf_puts(out, "\"");
    }
    kj_buf_puts(out, " loading=\"lazy\">");
    kj_buf_free(&attrs);
}

/* Reads decimal digits at *p into *v; false when there are none or too many. */
static bool digits(const char **p, int64_t *v)
{
    const char *s = *p;
    int64_t x = 0;
    int n = 0;
    while (isdigit((unsigned char)*s) && n < 18) { x = x * 10 + (*s - '0'); s++; n++; }
    if (!n || isdigit((unsigned char)*s)) return false;
    *v = x;
    *p = s;
    return true;
}

int kj_range_parse(const char *h, int64_t size, int64_t cap, int64_t *start, int64_t *len)
{
    if (!h || strncmp(h, "bytes=", 6) || strchr(h, ',')) return 0;
    const char *p = h + 6;
    int64_t a = 0, b = -1;
    bool open_end = false;
    if (*p == '-') {                                  /* suffix: the last n bytes */
        p++;
        int64_t n;
        if (!digits(&p, &n) || *p) return 0;
        if (n == 0 || size == 0) return -1;
        a = n >= size ? 0 : size - n;
        b = size - 1;
    } else {
        if (!digits(&p, &a) || *p++ != '-') return 0;
        if (*p && (!digits(&p, &b) || *p)) return 0;
        if (b >= 0 && b < a) return 0;
        if (a >= size) return -1;
        open_end = b < 0;
        if (b < 0 || b >= size) b = size - 1;
    }
    if (open_end && cap > 0 && b - a + 1 > cap) b = a + cap - 1;
    *start = a;
    *len = b - a + 1;
    return 1;
}
