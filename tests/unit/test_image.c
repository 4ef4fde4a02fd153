/*
 * test_image.c — media/image: header probes, EXIF orientation, variant
 * widths and heights (aspect ratio, no upscaling), upright turn, output
 * format, and clear errors for broken or oversized images.
 */
#include "t.h"
#include "media/image.h"
#include <gd.h>
#include <stdlib.h>
#include <string.h>

/* A w × h image: left half red, right half blue (alpha: fully
 * transparent right half when alpha is set), encoded as JPEG or PNG. */
static unsigned char *make(int w, int h, bool png, bool alpha, int *size)
{
    gdImagePtr im = gdImageCreateTrueColor(w, h);
    gdImageAlphaBlending(im, 0);
    gdImageSaveAlpha(im, 1);
    gdImageFilledRectangle(im, 0, 0, w / 2 - 1, h - 1, gdTrueColorAlpha(255, 0, 0, 0));
    gdImageFilledRectangle(im, w / 2, 0, w - 1, h - 1, gdTrueColorAlpha(0, 0, 255, alpha ? 127 : 0));
    void *p = png ? gdImagePngPtr(im, size) : gdImageJpegPtr(im, size, 90);
    gdImageDestroy(im);
    unsigned char *out = malloc((size_t)*size + 64);
    memcpy(out, p, (size_t)*size);
    gdFree(p);
    return out;
}

/* Inserts an APP1 Exif segment with Orientation = o after SOI. */
static unsigned char *with_orientation(const unsigned char *jpg, int n, int o, int *size)
{
    static const unsigned char head[] = {
        0xFF, 0xE1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
        'M', 'M', 0, 42, 0, 0, 0, 8,                 /* TIFF, big-endian, IFD0 at 8 */
        0, 1,                                        /* one entry */
        0x01, 0x12, 0, 3, 0, 0, 0, 1,                /* Orientation, SHORT, 1 */
    };
    unsigned char *out = malloc((size_t)n + 64);
    memcpy(out, jpg, 2);
    memcpy(out + 2, head, sizeof head);
    size_t k = 2 + sizeof head;
    out[k++] = 0; out[k++] = (unsigned char)o; out[k++] = 0; out[k++] = 0;
    memset(out + k, 0, 4); k += 4;                    /* no next IFD */
    memcpy(out + k, jpg + 2, (size_t)n - 2);
    *size = (int)k + n - 2;
    return out;
}

static gdImagePtr decode(const kj_image_variant *v)
{
    return !strcmp(v->mime, "image/png") ? gdImageCreateFromPngPtr((int)v->data.len, v->data.data)
                                         : gdImageCreateFromJpegPtr((int)v->data.len, v->data.data);
}

static int red_at(gdImagePtr im, int x, int y) { return gdTrueColorGetRed(gdImageGetTrueColorPixel(im, x, y)); }

TEST(image_variants_keep_aspect_and_never_upscale)
{
    int n;
    unsigned char *jpg = make(2000, 1000, false, false, &n);
    int w, h;
    REQUIRE(kj_image_probe(jpg, (size_t)n, "image/jpeg", &w, &h) == 0);
    CHECK_INT(w, 2000);
    CHECK_INT(h, 1000);
    kj_image_set s;
    const char *err = NULL;
    REQUIRE(kj_image_variants(jpg, (size_t)n, "image/jpeg", kj_image_widths, &s, &err) == 0);
    REQUIRE(s.n == 3);
    static const int want[3][2] = { { 360, 180 }, { 720, 360 }, { 1280, 640 } };
    for (int i = 0; i < 3; i++) {
        CHECK_INT(s.v[i].width, want[i][0]);
        CHECK_INT(s.v[i].height, want[i][1]);
        CHECK_STR(s.v[i].mime, "image/jpeg");
        gdImagePtr im = decode(&s.v[i]);
        REQUIRE(im != NULL);
        CHECK_INT(gdImageSX(im), want[i][0]);
        CHECK_INT(gdImageSY(im), want[i][1]);
        CHECK(red_at(im, 2, 2) > 200);                /* left stays red */
        CHECK(red_at(im, gdImageSX(im) - 3, 2) < 60);
        gdImageDestroy(im);
    }
    CHECK(s.v[0].data.len < s.v[2].data.len);
    kj_image_set_free(&s);
    free(jpg);

    /* 1000 wide: the two smaller widths and the original width. */
    jpg = make(1000, 750, false, false, &n);
    REQUIRE(kj_image_variants(jpg, (size_t)n, "image/jpeg", kj_image_widths, &s, &err) == 0);
    REQUIRE(s.n == 3);
    CHECK_INT(s.v[0].width, 360);
    CHECK_INT(s.v[0].height, 270);
    CHECK_INT(s.v[2].width, 1000);
    CHECK_INT(s.v[2].height, 750);
    kj_image_set_free(&s);
    free(jpg);

    /* Smaller than every width: one variant, its own size. */
    jpg = make(200, 100, false, false, &n);
    REQUIRE(kj_image_variants(jpg, (size_t)n, "image/jpeg", kj_image_widths, &s, &err) == 0);
    CHECK_INT(s.n, 1);
    CHECK_INT(s.v[0].width, 200);
    CHECK_INT(s.v[0].height, 100);
    kj_image_set_free(&s);
    free(jpg);
}

TEST(image_exif_orientation_is_applied)
{
    int n, m;
    unsigned char *jpg = make(400, 200, false, false, &n);
    CHECK_INT(kj_image_orientation(jpg, (size_t)n), 1);
    /* 6: turn 90° clockwise — the red left half becomes the top. */
    unsigned char *six = with_orientation(jpg, n, 6, &m);
    CHECK_INT(kj_image_orientation(six, (size_t)m), 6);
    kj_image_set s;
    const char *err = NULL;
    REQUIRE(kj_image_variants(six, (size_t)m, "image/jpeg", kj_image_widths, &s, &err) == 0);
    CHECK_INT(s.orientation, 6);
    CHECK_INT(s.width, 200);
    CHECK_INT(s.height, 400);
    REQUIRE(s.n == 1);
    CHECK_INT(s.v[0].width, 200);
    CHECK_INT(s.v[0].height, 400);
    gdImagePtr im = decode(&s.v[0]);
    REQUIRE(im != NULL);
    CHECK(red_at(im, 100, 5) > 200);
    CHECK(red_at(im, 100, 395) < 60);
    gdImageDestroy(im);
    kj_image_set_free(&s);
    free(six);
    /* 8: 90° counter-clockwise — red at the bottom. */
    unsigned char *eight = with_orientation(jpg, n, 8, &m);
    REQUIRE(kj_image_variants(eight, (size_t)m, "image/jpeg", kj_image_widths, &s, &err) == 0);
    im = decode(&s.v[0]);
    REQUIRE(im != NULL);
    CHECK_INT(gdImageSY(im), 400);
    CHECK(red_at(im, 100, 5) < 60);
    CHECK(red_at(im, 100, 395) > 200);
    gdImageDestroy(im);
    kj_image_set_free(&s);
    free(eight);
    /* 3: upside down; the variants carry no EXIF of their own. */
    unsigned char *three = with_orientation(jpg, n, 3, &m);
    REQUIRE(kj_image_variants(three, (size_t)m, "image/jpeg", kj_image_widths, &s, &err) == 0);
    REQUIRE(s.n == 2);                                /* 360 and its own 400 */
    CHECK_INT(s.v[1].width, 400);
    CHECK_INT(kj_image_orientation(s.v[1].data.data, s.v[1].data.len), 1);
    im = decode(&s.v[1]);
    REQUIRE(im != NULL);
    CHECK(red_at(im, 5, 100) < 60);
    CHECK(red_at(im, 395, 100) > 200);
    gdImageDestroy(im);
    kj_image_set_free(&s);
    free(three);
    free(jpg);
}

TEST(image_transparency_keeps_png)
{
    int n;
    unsigned char *png = make(800, 400, true, true, &n);
    kj_image_set s;
    const char *err = NULL;
    REQUIRE(kj_image_variants(png, (size_t)n, "image/png", kj_image_widths, &s, &err) == 0);
    REQUIRE(s.n == 3);
    CHECK_STR(s.v[0].mime, "image/png");
    CHECK_INT(s.v[2].width, 800);
    gdImagePtr im = decode(&s.v[0]);
    REQUIRE(im != NULL);
    CHECK_INT(gdTrueColorGetAlpha(gdImageGetTrueColorPixel(im, 350, 10)), 127);
    gdImageDestroy(im);
    kj_image_set_free(&s);
    free(png);
    /* An opaque PNG becomes a JPEG (far smaller for photos). */
    png = make(800, 400, true, false, &n);
    REQUIRE(kj_image_variants(png, (size_t)n, "image/png", kj_image_widths, &s, &err) == 0);
    CHECK_STR(s.v[0].mime, "image/jpeg");
    kj_image_set_free(&s);
    free(png);
}

TEST(image_bad_input_is_refused_clearly)
{
    kj_image_set s;
    const char *err = NULL;
    static const unsigned char junk[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0 };
    CHECK(kj_image_variants(junk, sizeof junk, "image/jpeg", kj_image_widths, &s, &err) == -1);
    CHECK_STR(err, "err.image.corrupt");
    kj_image_set_free(&s);
    /* A PNG header claiming 10000 × 10000: refused before decoding. */
    int n;
    unsigned char *png = make(10, 10, true, false, &n);
    png[16] = 0; png[17] = 0; png[18] = 0x27; png[19] = 0x10;
    png[20] = 0; png[21] = 0; png[22] = 0x27; png[23] = 0x10;
    err = NULL;
    CHECK(kj_image_variants(png, (size_t)n, "image/png", kj_image_widths, &s, &err) == -1);
    CHECK_STR(err, "err.image.pixels");
    kj_image_set_free(&s);
    free(png);
    err = NULL;
    CHECK(kj_image_variants("%PDF-1.4", 8, "application/pdf", kj_image_widths, &s, &err) == -1);
    CHECK_STR(err, "err.image.type");
    kj_image_set_free(&s);
}

TEST(image_probe_reads_gif_and_webp_headers)
{
    static const unsigned char gif[] = { 'G', 'I', 'F', '8', '9', 'a', 0x40, 0x01, 0xF0, 0x00, 0, 0, 0 };
    int w = 0, h = 0;
    CHECK(kj_image_probe(gif, sizeof gif, "image/gif", &w, &h) == 0);
    CHECK_INT(w, 320);
    CHECK_INT(h, 240);
    unsigned char webp[32] = { 'R', 'I', 'F', 'F', 24, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'X', 10, 0, 0, 0,
                               0, 0, 0, 0, 0x3F, 0x01, 0, 0xEF, 0, 0 };
    CHECK(kj_image_probe(webp, sizeof webp, "image/webp", &w, &h) == 0);
    CHECK_INT(w, 320);
    CHECK_INT(h, 240);
    CHECK(kj_image_probe(gif, 5, "image/gif", &w, &h) == -1);
}
