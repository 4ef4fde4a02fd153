/*
 * image.h — responsive image variants (owns: reading an uploaded image's
 * dimensions from its header, its EXIF orientation, decoding, turning it
 * upright, scaling it down to a few widths and encoding the results).
 *
 * Pure processing over bytes, no storage and no HTTP: the caller stores
 * the variants (media/variants.h) and builds markup (web/media_view.h).
 * Decoding and encoding are libgd's (JPEG, PNG, GIF, WebP in; JPEG or
 * PNG out), the orientation tag is read with libexif (JPEG only: phone
 * cameras write it there). Variants never carry metadata, so GPS
 * positions and camera names of the upload do not survive.
 *
 * Output format: PNG when the image has transparent pixels (kept), else
 * progressive JPEG (quality KJ_IMAGE_JPEG_QUALITY) — the smallest format
 * every browser, old Android ones included, shows.
 *
 * Threading: every function may be called from any thread at once.
 */
#ifndef KJ_MEDIA_IMAGE_H
#define KJ_MEDIA_IMAGE_H
#include "core/buf.h"
#include <stdbool.h>
#include <stddef.h>

#define KJ_IMAGE_MAX_VARIANTS 6
/* Default pixel budget: the largest width × height an upload's header may
 * declare (setting max_image_pixels). 24 MP takes a 6000 × 4000 camera
 * picture and every phone's default photo (12–13 MP: 4032 × 3024,
 * 4080 × 3072) and refuses 6000 × 6000 (36 MP). Decoded, libgd keeps 4
 * bytes a pixel: 96 MiB for 24 MP, and decoding time grows with the
 * pixels, not the file size — a 100 KB PNG of one colour can declare
 * 36 MP and took 12–20 s to decode here. */
#define KJ_IMAGE_DEFAULT_MAX_PIXELS (24L * 1000 * 1000)
#define KJ_IMAGE_JPEG_QUALITY 80

/** Sets the pixel budget (> 0). Call at start-up, before requests are
 *  served; the value is atomic all the same, so a later call is safe. */
void kj_image_set_max_pixels(long max_pixels);
/** The pixel budget in force. */
long kj_image_max_pixels(void);

/** Checks the pixel budget of an image of type mime from its header,
 *  before anything decodes it: 0 when within, else -1 with *err_key
 *  "err.image.pixels" (over the budget) or "err.image.corrupt" (no
 *  readable header). Not an image type: 0 (nothing to decode). */
int kj_image_check_pixels(const void *data, size_t size, const char *mime, const char **err_key);

/** The default widths in CSS pixels, ascending, 0-terminated:
 *  360 (a phone), 720 (a phone at 2× or a tablet), 1280 (desktop). */
extern const int kj_image_widths[];

typedef struct kj_image_variant {
    int width, height;
    const char *mime;      /* "image/jpeg" or "image/png" (static) */
    kj_buf data;           /* the encoded file */
} kj_image_variant;

typedef struct kj_image_set {
    int width, height;     /* of the upright original */
    int orientation;       /* EXIF orientation applied, 1..8 (1 = none) */
    int n;                 /* variants, ascending width */
    kj_image_variant v[KJ_IMAGE_MAX_VARIANTS];
} kj_image_set;

/** Width and height of an image of type mime (image/png, image/jpeg,
 *  image/gif, image/webp) read from its header without decoding, as
 *  stored (before orientation). 0, or -1 when the header is malformed. */
int kj_image_probe(const void *data, size_t size, const char *mime, int *w, int *h);

/** The EXIF orientation (1..8) of a JPEG, 1 when absent or not a JPEG. */
int kj_image_orientation(const void *data, size_t size);

/** Makes the variants of an upload of type mime: upright, one per width
 *  of widths (ascending, 0-terminated) smaller than the upright width,
 *  plus one at the upright width itself when that is not above the
 *  largest of widths; aspect ratio kept, never scaled up. Fills out
 *  (free with kj_image_set_free, also after a failure). Returns 0, or
 *  -1 with *err_key "err.image.type" (not a decodable image type),
 *  "err.image.corrupt", "err.image.pixels" (more than
 *  kj_image_max_pixels(), checked from the header before decoding) or
 *  "err.internal". */
int kj_image_variants(const void *data, size_t size, const char *mime, const int *widths, kj_image_set *out,
                      const char **err_key);

/** Frees the encoded data of every variant; out is zeroed. */
void kj_image_set_free(kj_image_set *s);
#endif
