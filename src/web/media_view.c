/*
 * media_view.c — responsive <img> markup. See media_view.h.
 */
#include "web/media_view.h"
#include "media/variants.h"
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
