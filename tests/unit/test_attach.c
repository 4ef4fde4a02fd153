/*
 * test_attach.c — attachments: the JPEG/PNG/WebP metadata strippers,
 * type detection by content, stored file names and Content-Disposition.
 */
#include "t.h"
#include "market/attach.h"
#include <stdlib.h>
#include <string.h>

/* Bytes assembled piece by piece. */
typedef struct { unsigned char b[4096]; size_t n; } bytes;

static void add(bytes *x, const void *p, size_t n) { memcpy(x->b + x->n, p, n); x->n += n; }
static void add_s(bytes *x, const char *s) { add(x, s, strlen(s)); }
static void add_u8(bytes *x, unsigned v) { x->b[x->n++] = (unsigned char)v; }
static void add_be16(bytes *x, unsigned v) { add_u8(x, v >> 8); add_u8(x, v & 0xFF); }
static void add_be32(bytes *x, unsigned v) { add_be16(x, v >> 16); add_be16(x, v & 0xFFFF); }
static void add_le32(bytes *x, unsigned v) { for (int i = 0; i < 4; i++) add_u8(x, (v >> (8 * i)) & 0xFF); }

static bool contains(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++) if (!memcmp(hay + i, needle, m)) return true;
    return false;
}

/* A JPEG segment: marker, length, payload. */
static void jpeg_seg(bytes *x, unsigned marker, const char *payload, size_t n)
{
    add_u8(x, 0xFF); add_u8(x, marker); add_be16(x, (unsigned)n + 2); add(x, payload, n);
}

TEST(attach_jpeg_drops_exif_xmp_comments_and_trailer)
{
    bytes in = { .n = 0 }, want = { .n = 0 };
    static const char jfif[] = "JFIF\0\1\1\0\0\1\0\1\0\0";
    static const char exif[] = "Exif\0\0GPS 30.65N 104.06E owner Zhang Wei";
    static const char xmp[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>creator Li Na</x:xmpmeta>";
    static const char dqt[] = "\0\1\2\3\4\5\6\7";
    static const char sos[] = "\1\1\0\0\77\0";
    static const char scan[] = { 0x12, 0x34, (char)0xFF, 0x00, 0x56, (char)0xFF, (char)0xD0, 0x78 };
    add_u8(&in, 0xFF); add_u8(&in, 0xD8);
    jpeg_seg(&in, 0xE0, jfif, sizeof jfif - 1);
    jpeg_seg(&in, 0xE1, exif, sizeof exif - 1);
    jpeg_seg(&in, 0xE1, xmp, sizeof xmp - 1);
    jpeg_seg(&in, 0xFE, "author: Zhang", 13);
    jpeg_seg(&in, 0xDB, dqt, sizeof dqt - 1);
    jpeg_seg(&in, 0xDA, sos, sizeof sos - 1);
    add(&in, scan, sizeof scan);
    jpeg_seg(&in, 0xED, "Photoshop 3.0 IPTC name", 23);  /* between scans (progressive) */
    add_u8(&in, 0xFF); add_u8(&in, 0xFF);                 /* a fill byte */
    add_u8(&in, 0xFF); add_u8(&in, 0xD9);
    add_s(&in, "trailing secret");

    add_u8(&want, 0xFF); add_u8(&want, 0xD8);
    jpeg_seg(&want, 0xE0, jfif, sizeof jfif - 1);
    jpeg_seg(&want, 0xDB, dqt, sizeof dqt - 1);
    jpeg_seg(&want, 0xDA, sos, sizeof sos - 1);
    add(&want, scan, sizeof scan);
    add_u8(&want, 0xFF); add_u8(&want, 0xD9);

    kj_buf out = { 0 };
    REQUIRE(kj_attach_strip_jpeg(in.b, in.n, &out) == 0);
    CHECK_INT(out.len, want.n);
    CHECK(out.len == want.n && !memcmp(out.data, want.b, want.n));
    CHECK(!contains(out.data, out.len, "Exif"));
    CHECK(!contains(out.data, out.len, "Zhang"));
    CHECK(!contains(out.data, out.len, "xmpmeta"));
    CHECK(!contains(out.data, out.len, "IPTC"));
    CHECK(!contains(out.data, out.len, "secret"));
    kj_buf_free(&out);
}

TEST(attach_jpeg_malformed)
{
    static const unsigned char not_jpeg[] = "GIF89a....";
    static const unsigned char bad_len[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0x40, 0x00, 'J', 'F' };
    static const unsigned char short_len[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01, 0xFF, 0xD9 };
    static const unsigned char no_eoi[] = { 0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x11, 0x22, 0x33 };
    static const unsigned char junk[] = { 0xFF, 0xD8, 0x12, 0x34, 0xFF, 0xD9 };
    const struct { const unsigned char *p; size_t n; } cases[] = {
        { not_jpeg, sizeof not_jpeg }, { bad_len, sizeof bad_len }, { short_len, sizeof short_len },
        { no_eoi, sizeof no_eoi }, { junk, sizeof junk },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        kj_buf out = { 0 };
        CHECK_INT(kj_attach_strip_jpeg(cases[i].p, cases[i].n, &out), -1);
        kj_buf_free(&out);
    }
}

static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };

static void png_chunk(bytes *x, const char *type, const char *data, size_t n)
{
    add_be32(x, (unsigned)n); add(x, type, 4); add(x, data, n); add_be32(x, 0x12345678); /* CRC: not checked */
}

TEST(attach_png_drops_text_and_exif)
{
    bytes in = { .n = 0 }, want = { .n = 0 };
    static const char ihdr[] = "\0\0\0\1\0\0\0\1\10\2\0\0\0";
    static const char idat[] = "x\234c\370\17\0\1\1\1\0";
    add(&in, png_sig, 8);
    png_chunk(&in, "IHDR", ihdr, 13);
    png_chunk(&in, "tEXt", "Author\0Zhang Wei", 16);
    png_chunk(&in, "iTXt", "Comment\0\0\0\0\0GPS", 16);
    png_chunk(&in, "zTXt", "Software\0\0xx", 12);
    png_chunk(&in, "eXIf", "MM\0*secret", 10);
    png_chunk(&in, "tIME", "\7\350\1\1\0\0\0", 7);
    png_chunk(&in, "IDAT", idat, sizeof idat - 1);
    png_chunk(&in, "IEND", "", 0);
    add_s(&in, "appended zip");

    add(&want, png_sig, 8);
    png_chunk(&want, "IHDR", ihdr, 13);
    png_chunk(&want, "IDAT", idat, sizeof idat - 1);
    png_chunk(&want, "IEND", "", 0);

    kj_buf out = { 0 };
    REQUIRE(kj_attach_strip_png(in.b, in.n, &out) == 0);
    CHECK_INT(out.len, want.n);
    CHECK(out.len == want.n && !memcmp(out.data, want.b, want.n));
    CHECK(!contains(out.data, out.len, "Zhang"));
    CHECK(!contains(out.data, out.len, "secret"));
    CHECK(!contains(out.data, out.len, "appended"));
    kj_buf_free(&out);
}

TEST(attach_png_malformed)
{
    bytes huge = { .n = 0 }, no_iend = { .n = 0 }, bad_type = { .n = 0 };
    add(&huge, png_sig, 8); add_be32(&huge, 0xFFFFFFF0u); add_s(&huge, "IDAT"); add_be32(&huge, 0);
    add(&no_iend, png_sig, 8); png_chunk(&no_iend, "IHDR", "0123456789abc", 13);
    add(&bad_type, png_sig, 8); png_chunk(&bad_type, "I\1DR", "", 0); png_chunk(&bad_type, "IEND", "", 0);
    const bytes *cases[] = { &huge, &no_iend, &bad_type };
    for (size_t i = 0; i < 3; i++) {
        kj_buf out = { 0 };
        CHECK_INT(kj_attach_strip_png(cases[i]->b, cases[i]->n, &out), -1);
        kj_buf_free(&out);
    }
    kj_buf out = { 0 };
    CHECK_INT(kj_attach_strip_png((const unsigned char *)"\x89PNG", 4, &out), -1);
    kj_buf_free(&out);
}

static void riff_chunk(bytes *x, const char *fourcc, const char *data, size_t n)
{
    add(x, fourcc, 4); add_le32(x, (unsigned)n); add(x, data, n);
    if (n & 1) add_u8(x, 0);
}

TEST(attach_webp_drops_exif_xmp_and_flags)
{
    bytes body = { .n = 0 }, in = { .n = 0 };
    static const char vp8x[10] = { 0x0C | 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0 };  /* EXIF, XMP, alpha */
    riff_chunk(&body, "VP8X", vp8x, 10);
    riff_chunk(&body, "VP8L", "\x2f\0\0\0\0", 5);                          /* odd: padded */
    riff_chunk(&body, "EXIF", "MM\0*GPS secret", 14);
    riff_chunk(&body, "XMP ", "<x:xmpmeta>Li Na</x:xmpmeta>", 28);
    add_s(&in, "RIFF"); add_le32(&in, (unsigned)(4 + body.n)); add_s(&in, "WEBP"); add(&in, body.b, body.n);

    kj_buf out = { 0 };
    REQUIRE(kj_attach_strip_webp(in.b, in.n, &out) == 0);
    const unsigned char *o = (const unsigned char *)out.data;
    CHECK(!contains(out.data, out.len, "secret") && !contains(out.data, out.len, "xmpmeta"));
    CHECK_INT(out.len, 12 + 18 + 14);
    CHECK_INT(o[4] | o[5] << 8 | o[6] << 16 | (unsigned)o[7] << 24, out.len - 8);
    CHECK_INT(o[20], 0x10);                                                 /* only alpha left */
    CHECK(!memcmp(out.data + 30, "VP8L", 4));
    kj_buf_free(&out);
    static const unsigned char lying[] = "RIFF\xff\xff\0\0WEBPVP8 ";
    kj_buf bad = { 0 };
    CHECK_INT(kj_attach_strip_webp(lying, sizeof lying - 1, &bad), -1);
    kj_buf_free(&bad);
}

TEST(attach_sniff_by_content)
{
    bytes png = { .n = 0 };
    add(&png, png_sig, 8);
    png_chunk(&png, "IHDR", "\0\0\0\1\0\0\0\1\10\2\0\0\0", 13);
    kj_err e = { 0 };
    CHECK_STR(kj_attach_sniff(png.b, png.n, &e), "image/png");
    static const char pdf[] = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
    CHECK_STR(kj_attach_sniff(pdf, sizeof pdf - 1, &e), "application/pdf");
    CHECK_INT(e.kind, KJ_E_NONE);
    static const char text[] = "just some text pretending to be a picture\n";
    CHECK(kj_attach_sniff(text, sizeof text - 1, &e) == NULL);
    CHECK_STR(e.key, "err.attach.type");
    CHECK_INT(e.kind, KJ_E_INVALID);
    static const char html[] = "<!doctype html><html><script>alert(1)</script></html>";
    e = (kj_err){ 0 };
    CHECK(kj_attach_sniff(html, sizeof html - 1, &e) == NULL);
    CHECK_STR(e.key, "err.attach.type");
}

TEST(attach_clean_name)
{
    char out[KJ_ATTACH_NAME_MAX + 16];
    kj_attach_clean_name("../../etc/passwd", "application/pdf", out, sizeof out);
    CHECK_STR(out, "passwd.pdf");
    kj_attach_clean_name("C:\\Users\\张伟\\成果介绍.PDF", "application/pdf", out, sizeof out);
    CHECK_STR(out, "成果介绍.PDF");
    kj_attach_clean_name("photo.jpeg", "image/jpeg", out, sizeof out);
    CHECK_STR(out, "photo.jpeg");
    kj_attach_clean_name("a\x01\x1b" "b.png", "image/png", out, sizeof out);
    CHECK_STR(out, "ab.png");
    kj_attach_clean_name("", "image/png", out, sizeof out);
    CHECK_STR(out, "file.png");
    kj_attach_clean_name(NULL, "image/gif", out, sizeof out);
    CHECK_STR(out, "file.gif");
    kj_attach_clean_name(".htaccess", "image/png", out, sizeof out);
    CHECK_STR(out, "htaccess.png");
    kj_attach_clean_name("bad\xff\xfe.pdf", "application/pdf", out, sizeof out);
    CHECK_STR(out, "file.pdf");
    kj_attach_clean_name("page.html", "application/pdf", out, sizeof out);
    CHECK_STR(out, "page.html.pdf");
    char longname[400];
    for (int i = 0; i < 133; i++) memcpy(longname + 3 * i, "\xe5\x9b\xbe", 3);   /* 图 × 133 = 399 bytes */
    longname[399] = 0;
    kj_attach_clean_name(longname, "image/png", out, sizeof out);
    CHECK(strlen(out) <= KJ_ATTACH_NAME_MAX + 4);
    CHECK_INT(strlen(out), 198 + 4);                                         /* 66 whole characters */
    CHECK(!strcmp(out + strlen(out) - 4, ".png"));
}

TEST(attach_disposition)
{
    kj_buf b = { 0 };
    kj_attach_disposition(&b, "application/pdf", "报告 v1.pdf");
    CHECK_STR(b.data, "attachment; filename=\"__ v1.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%20v1.pdf");
    kj_buf_reset(&b);
    kj_attach_disposition(&b, "image/png", "a\"b;c%.png");
    CHECK_STR(b.data, "inline; filename=\"a_b;c_.png\"; filename*=UTF-8''a%22b%3Bc%25.png");
    kj_buf_free(&b);
    CHECK_STR(kj_attach_ext("image/jpeg"), "jpg");
    CHECK_STR(kj_attach_ext("text/html"), "bin");
    CHECK(kj_attach_is_inline("image/webp") && !kj_attach_is_inline("application/pdf"));
}
