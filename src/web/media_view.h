/*
 * media_view.h — responsive <img> markup for images with variants
 * (media/variants.h), for any domain's pages.
 *
 * The template engine refuses srcset attributes (their URL lists cannot
 * be checked tag by tag), so the whole tag is built here from trusted
 * parts only: the base URL the caller serves the image at, decimal
 * widths, and escaped alt text. Templates print it raw as *_html.
 *
 * Markup: src is the SMALLEST variant (browsers without srcset are old
 * phones), srcset lists every variant with its width ("…/360 360w"),
 * sizes is the caller's layout hint, width/height give the aspect ratio
 * before the bytes arrive; loading="lazy". An image without variants
 * gets src=base only.
 */
#ifndef KJ_WEB_MEDIA_VIEW_H
#define KJ_WEB_MEDIA_VIEW_H
#include "core/buf.h"
#include "store/store.h"
#include <stdint.h>

/* The layout hint of images in a content column (.narrow, 560 px). */
#define KJ_IMG_SIZES_COLUMN "(max-width: 600px) 100vw, 560px"

/** Appends the <img> tag of image attach_id served at base (e.g.
 *  "/popsci/images/ID"; variant W at base + "/W") to out. base must be
 *  a trusted path (no quotes or spaces); alt and cls may be NULL. */
void kj_img_html(kj_db *db, kj_buf *out, const char *base, const char *attach_id, const char *alt,
                 const char *sizes, const char *cls);

/** Appends the srcset/sizes/width/height attributes (leading space,
 *  empty when attach_id has no variants) and returns the smallest
 *  variant's width (0 when none): for rewriting an <img> written by
 *  someone else (the Markdown renderer). */
int kj_img_attrs(kj_db *db, kj_buf *out, const char *base, const char *attach_id, const char *sizes);
/* Most bytes sent for an open-ended range ("bytes=N-"): a player asks
 * again for the next part, so seeking never loads a whole video. */
#define KJ_RANGE_CHUNK (2 * 1024 * 1024)

/** Parses a Range header value for a resource of size bytes (RFC 9110,
 *  one range of "bytes"; several ranges or another unit are ignored).
 *  Returns 0 for "send it all" (no or ignored header), 1 with *start and
 *  *len set for a partial answer (an open-ended range is cut to cap
 *  bytes), -1 when the range cannot be satisfied (416). */
int kj_range_parse(const char *h, int64_t size, int64_t cap, int64_t *start, int64_t *len);
#endif
