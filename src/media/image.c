/*
 * image.c — responsive image variants: header probe, EXIF orientation,
 * decode (libgd), upright turn, step-wise downscale, encode. See image.h.
 */
#include "media/image.h"
#include <gd.h>
#include <libexif/exif-data.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

const int kj_image_widths[] = { 360, 720, 1280, 0 };

/* ---- header probe ---- */

static uint32_t be16(const unsigned char *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t le16(const unsigned char *p) { return (uint32_t)p[1] << 8 | p[0]; }
static uint32_t be32(const unsigned char *p) { return be16(p) << 16 | be16(p + 2); }
static uint32_t le24(const unsigned char *p) { return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]; }

static int probe_png(const unsigned char *p, size_t n, uint32_t *w, uint32_t *h)
{
    if (n < 24 || memcmp(p + 12, "IHDR", 4)) return -1;
    *w = be32(p + 16);
    *h = be32(p + 20);
    return 0;
}

static int probe_gif(const unsigned char *p, size_t n, uint32_t *w, uint32_t *h)
{
    if (n < 10) return -1;
    *w = le16(p + 6);
    *h = le16(p + 8);
    return 0;
}

/* Start-of-frame markers: C0..CF without DHT (C4), JPG (C8) and DAC (CC). */
static bool jpeg_sof(unsigned char m) { return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC; }

static int probe_jpeg(const unsigned char *p, size_t n, uint32_t *w, uint32_t *h)
{
    size_t i = 2;
    while (i + 9 < n) {
        if (p[i] != 0xFF) return -1;
        unsigned char m = p[i + 1];
        if (m == 0xFF) { i++; continue; }                  /* fill byte */
        if (m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) { i += 2; continue; }
        if (m == 0xD9 || m == 0xDA) return -1;             /* no frame before the scan */
        if (jpeg_sof(m)) {
            *h = be16(p + i + 5);
            *w = be16(p + i + 7);
            return 0;
        }
        i += 2 + be16(p + i + 2);
    }
    return -1;
}

static int probe_webp(const unsigned char *p, size_t n, uint32_t *w, uint32_t *h)
{
    if (n < 30) return -1;
    if (!memcmp(p + 12, "VP8 ", 4)) {
        *w = le16(p + 26) & 0x3FFF;
        *h = le16(p + 28) & 0x3FFF;
    } else if (!memcmp(p + 12, "VP8L", 4)) {
        const unsigned char *b = p + 21;
        *w = 1 + (b[0] | (uint32_t)(b[1] & 0x3F) << 8);
        *h = 1 + ((uint32_t)b[1] >> 6 | (uint32_t)b[2] << 2 | (uint32_t)(b[3] & 0x0F) << 10);
    } else if (!memcmp(p + 12, "VP8X", 4)) {
        *w = 1 + le24(p + 24);
        *h = 1 + le24(p + 27);
    } else {
        return -1;
    }
    return 0;
}

static int fail(const char **err_key, const char *key) { if (err_key) *err_key = key; return -1; }

typedef gdImagePtr (*decode_fn)(int size, void *data);
typedef int (*probe_fn)(const unsigned char *p, size_t n, uint32_t *w, uint32_t *h);

static gdImagePtr decode_jpeg(int size, void *data) { return gdImageCreateFromJpegPtrEx(size, data, 1); }

static const struct format {
    const char *mime;
    probe_fn probe;
    decode_fn decode;
} formats[] = {
    { "image/png",  probe_png,  gdImageCreateFromPngPtr },
    { "image/jpeg", probe_jpeg, decode_jpeg },
    { "image/gif",  probe_gif,  gdImageCreateFromGifPtr },
    { "image/webp", probe_webp, gdImageCreateFromWebpPtr },
};

static const struct format *format_of(const char *mime)
{
    for (size_t i = 0; mime && i < sizeof formats / sizeof *formats; i++)
        if (!strcmp(formats[i].mime, mime)) return &formats[i];
    return NULL;
}

int kj_image_probe(const void *data, size_t size, const char *mime, int *w, int *h)
{
    const struct format *f = format_of(mime);
    uint32_t pw = 0, ph = 0;
    if (!f || !data || f->probe(data, size, &pw, &ph) || pw == 0 || ph == 0 || pw > 65535 || ph > 65535) return -1;
    *w = (int)pw;
    *h = (int)ph;
    return 0;
}

/* ---- pixel budget ---- */

static _Atomic long max_pixels = KJ_IMAGE_DEFAULT_MAX_PIXELS;

void kj_image_set_max_pixels(long n) { if (n > 0) atomic_store(&max_pixels, n); }
long kj_image_max_pixels(void) { return atomic_load(&max_pixels); }

int kj_image_check_pixels(const void *data, size_t size, const char *mime, const char **err_key)
{
    if (!format_of(mime)) return 0;
    int w, h;
    if (kj_image_probe(data, size, mime, &w, &h)) return fail(err_key, "err.image.corrupt");
    if ((long long)w * h > kj_image_max_pixels()) return fail(err_key, "err.image.pixels");
    return 0;
}

/* ---- orientation ---- */

int kj_image_orientation(const void *data, size_t size)
{
    const unsigned char *p = data;
    if (!p || size < 4 || p[0] != 0xFF || p[1] != 0xD8 || size > UINT32_MAX) return 1;
    ExifData *ed = exif_data_new_from_data(p, (unsigned int)size);
    if (!ed) return 1;
    int o = 1;
    ExifEntry *e = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
    if (e && e->format == EXIF_FORMAT_SHORT && e->components >= 1 && e->size >= 2)
        o = exif_get_short(e->data, exif_data_get_byte_order(ed));
    exif_data_unref(ed);
    return o >= 1 && o <= 8 ? o : 1;
}

/* How orientation o maps an upright pixel (x, y) of a dw × dh image to the
 * stored one: swap takes x from y and y from x; rev_x / rev_y count that
 * source coordinate from the far edge. */
static const struct turn { bool swap, rev_x, rev_y; } turns[9] = {
    [1] = { false, false, false }, [2] = { false, true, false },
    [3] = { false, true, true },   [4] = { false, false, true },
    [5] = { true, false, false },  [6] = { true, false, true },
    [7] = { true, true, true },    [8] = { true, true, false },
};

/* A new upright copy of the stored im (truecolor), or NULL. */
static gdImagePtr turn_upright(gdImagePtr im, int o)
{
    const struct turn *t = &turns[o];
    int sw = gdImageSX(im), sh = gdImageSY(im);
    int dw = t->swap ? sh : sw, dh = t->swap ? sw : sh;
    gdImagePtr d = gdImageCreateTrueColor(dw, dh);
    if (!d) return NULL;
    gdImageAlphaBlending(d, 0);
    gdImageSaveAlpha(d, 1);
    for (int y = 0; y < dh; y++)
        for (int x = 0; x < dw; x++) {
            int sx = t->swap ? y : x, sy = t->swap ? x : y;
            if (t->rev_x) sx = sw - 1 - sx;
            if (t->rev_y) sy = sh - 1 - sy;
            gdImageTrueColorPixel(d, x, y) = gdImageTrueColorPixel(im, sx, sy);
        }
    return d;
}

/* ---- scaling and encoding ---- */

static bool has_alpha(gdImagePtr im)
{
    for (int y = 0; y < gdImageSY(im); y++)
        for (int x = 0; x < gdImageSX(im); x++)
            if (gdTrueColorGetAlpha(gdImageTrueColorPixel(im, x, y)) != gdAlphaOpaque) return true;
    return false;
}

static gdImagePtr scaled(gdImagePtr src, int w, int h)
{
    if (gdImageSX(src) == w && gdImageSY(src) == h) {
        gdImagePtr d = gdImageCreateTrueColor(w, h);
        if (!d) return NULL;
        gdImageAlphaBlending(d, 0);
        gdImageSaveAlpha(d, 1);
        gdImageCopy(d, src, 0, 0, 0, 0, w, h);
        return d;
    }
    gdImagePtr d = gdImageCreateTrueColor(w, h);
    if (!d) return NULL;
    gdImageAlphaBlending(d, 0);
    gdImageSaveAlpha(d, 1);
    gdImageCopyResampled(d, src, 0, 0, 0, 0, w, h, gdImageSX(src), gdImageSY(src));
    return d;
}

static int encode(gdImagePtr im, bool png, kj_image_variant *v)
{
    int size = 0;
    void *bytes;
    if (png) {
        gdImageSaveAlpha(im, 1);
        bytes = gdImagePngPtrEx(im, &size, 9);
    } else {
        gdImageInterlace(im, 1);                          /* progressive: a blurry whole first */
        bytes = gdImageJpegPtr(im, &size, KJ_IMAGE_JPEG_QUALITY);
    }
    if (!bytes || size <= 0) { if (bytes) gdFree(bytes); return -1; }
    int rc = kj_buf_append(&v->data, bytes, (size_t)size);
    gdFree(bytes);
    v->width = gdImageSX(im);
    v->height = gdImageSY(im);
    v->mime = png ? "image/png" : "image/jpeg";
    return rc;
}

/* The widths to make for an upright width uw, ascending; returns count. */
static int plan_widths(const int *widths, int uw, int *out)
{
    int n = 0, largest = 0;
    for (const int *w = widths; *w && n < KJ_IMAGE_MAX_VARIANTS - 1; w++) {
        if (*w > largest) largest = *w;
        if (*w < uw) out[n++] = *w;
    }
    if (uw <= largest || n == 0) out[n++] = uw;
    return n;
}

/* libgd reports problems of broken files on stderr; the caller gets a
 * clear error instead. */
static void quiet(int priority, const char *fmt, va_list args) { (void)priority; (void)fmt; (void)args; }
static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;
static void set_quiet(void) { gdSetErrorMethod(quiet); }

int kj_image_variants(const void *data, size_t size, const char *mime, const int *widths, kj_image_set *out,
                      const char **err_key)
{
    memset(out, 0, sizeof *out);
    pthread_once(&quiet_once, set_quiet);
    const struct format *f = format_of(mime);
    if (!f) return fail(err_key, "err.image.type");
    if (size > INT32_MAX) return fail(err_key, "err.image.corrupt");
    if (kj_image_check_pixels(data, size, mime, err_key)) return -1;
    gdImagePtr im = f->decode((int)size, (void *)data);
    if (!im) return fail(err_key, "err.image.corrupt");
    if (!gdImageTrueColor(im)) gdImagePaletteToTrueColor(im);
    out->orientation = kj_image_orientation(data, size);
    if (out->orientation != 1) {
        gdImagePtr up = turn_upright(im, out->orientation);
        gdImageDestroy(im);
        if (!(im = up)) return fail(err_key, "err.internal");
    }
    out->width = gdImageSX(im);
    out->height = gdImageSY(im);
    bool png = has_alpha(im);
    int plan[KJ_IMAGE_MAX_VARIANTS];
    int n = plan_widths(widths, out->width, plan);
    /* Largest first, each next one from the previous (fewer pixels to
     * read; gdImageCopyResampled averages every source pixel it covers,
     * so any ratio stays free of aliasing). */
    gdImagePtr prev = im;
    for (int i = n - 1; i >= 0; i--) {
        int vw = plan[i];
        int vh = (int)(((long)out->height * vw + out->width / 2) / out->width);
        gdImagePtr v = scaled(prev, vw, vh < 1 ? 1 : vh);
        if (!v || encode(v, png, &out->v[i])) {
            if (v) gdImageDestroy(v);
            gdImageDestroy(prev);
            kj_image_set_free(out);
            return fail(err_key, "err.internal");
        }
        gdImageDestroy(prev);
        prev = v;
        out->n++;
    }
    gdImageDestroy(prev);
    return 0;
}

void kj_image_set_free(kj_image_set *s)
{
    for (int i = 0; i < KJ_IMAGE_MAX_VARIANTS; i++) kj_buf_free(&s->v[i].data);
    memset(s, 0, sizeof *s);
}
