/*
 * test_encoding.c — unit tests of src/text/encoding.c. The GBK bytes are
 * from the GB 2312/GBK code table (the same glibc iconv produces, which
 * one test re-checks).
 */
#include "t.h"
#include "text/encoding.h"
#include <iconv.h>
#include <stdlib.h>

#define UTF8_TEXT "四川省成都市,人工智能"
static const char GBK_TEXT[] =
    "\xCB\xC4\xB4\xA8\xCA\xA1\xB3\xC9\xB6\xBC\xCA\xD0" /* 四川省成都市 */
    ","
    "\xC8\xCB\xB9\xA4\xD6\xC7\xC4\xDC";                /* 人工智能 */
#define GBK_LEN (sizeof GBK_TEXT - 1)

TEST(enc_gbk_bytes_match_iconv)
{
    iconv_t cd = iconv_open("GBK", "UTF-8");
    REQUIRE(cd != (iconv_t)-1);
    char in[] = UTF8_TEXT, out[64];
    char *ip = in, *op = out;
    size_t il = strlen(in), ol = sizeof out;
    CHECK(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
    iconv_close(cd);
    CHECK_INT(sizeof out - ol, GBK_LEN);
    CHECK(memcmp(out, GBK_TEXT, GBK_LEN) == 0);
}

TEST(enc_gbk_detected_and_converted)
{
    CHECK_INT(kj_detect_encoding(GBK_TEXT, GBK_LEN), KJ_ENC_GB18030);
    size_t n = 0;
    char *u = kj_to_utf8(GBK_TEXT, GBK_LEN, KJ_ENC_GB18030, &n);
    CHECK_STR(u, UTF8_TEXT);
    CHECK_INT(n, strlen(UTF8_TEXT));
    free(u);
}

TEST(enc_gb18030_four_byte_sequences)
{
    /* U+1F600 and € (A2 E3), and a GB18030 BOM (84 31 95 33) that is dropped */
    static const char gb[] = "\x84\x31\x95\x33\x94\x39\xFC\x36\xA2\xE3";
    CHECK_INT(kj_detect_encoding(gb, sizeof gb - 1), KJ_ENC_GB18030);
    char *u = kj_to_utf8(gb, sizeof gb - 1, KJ_ENC_GB18030, NULL);
    CHECK_STR(u, "😀€");
    free(u);
}

TEST(enc_long_gbk_input_crosses_chunks)
{
    enum { REPS = 1000 };
    char *in = malloc(GBK_LEN * REPS);
    REQUIRE(in);
    for (int i = 0; i < REPS; i++) memcpy(in + i * GBK_LEN, GBK_TEXT, GBK_LEN);
    size_t n = 0;
    char *u = kj_to_utf8(in, GBK_LEN * REPS, KJ_ENC_GB18030, &n);
    REQUIRE(u);
    CHECK_INT(n, strlen(UTF8_TEXT) * REPS);
    CHECK(memcmp(u + n - strlen(UTF8_TEXT), UTF8_TEXT, strlen(UTF8_TEXT)) == 0);
    CHECK_INT(kj_detect_encoding(in, GBK_LEN * REPS), KJ_ENC_GB18030);
    free(u);
    free(in);
}

TEST(enc_utf8_and_ascii)
{
    CHECK_INT(kj_detect_encoding(UTF8_TEXT, strlen(UTF8_TEXT)), KJ_ENC_UTF8);
    CHECK_INT(kj_detect_encoding("plain,ascii\r\n", 13), KJ_ENC_UTF8);
    CHECK_INT(kj_detect_encoding("", 0), KJ_ENC_UTF8);
    CHECK_INT(kj_detect_encoding(NULL, 0), KJ_ENC_UTF8);
    size_t n = 1;
    char *u = kj_to_utf8("abc", 3, KJ_ENC_UTF8, &n);
    CHECK_STR(u, "abc");
    CHECK_INT(n, 3);
    free(u);
    u = kj_to_utf8("", 0, KJ_ENC_UTF8, &n);
    CHECK_STR(u, "");
    CHECK_INT(n, 0);
    free(u);
}

TEST(enc_bom)
{
    static const char in[] = "\xEF\xBB\xBF" UTF8_TEXT;
    CHECK_INT(kj_detect_encoding(in, sizeof in - 1), KJ_ENC_UTF8_BOM);
    CHECK_INT(kj_detect_encoding("\xEF\xBB\xBF", 3), KJ_ENC_UTF8_BOM);
    char *u = kj_to_utf8(in, sizeof in - 1, KJ_ENC_UTF8_BOM, NULL);
    CHECK_STR(u, UTF8_TEXT);
    free(u);
    u = kj_to_utf8("\xEF\xBB\xBF", 3, KJ_ENC_UTF8_BOM, NULL);
    CHECK_STR(u, "");
    free(u);
    u = kj_to_utf8("abc", 3, KJ_ENC_UTF8_BOM, NULL);   /* BOM optional */
    CHECK_STR(u, "abc");
    free(u);
    CHECK(kj_to_utf8("\xEF\xBB\xBF\xFF", 4, KJ_ENC_UTF8_BOM, NULL) == NULL);
}

TEST(enc_invalid_bytes)
{
    static const struct { const char *s; size_t n; } bad[] = {
        {"\xFF\xFE" "a\0b\0", 6},      /* UTF-16LE with BOM */
        {"abc\x80", 4},                /* 0x80 is a lead byte in neither */
        {"\xCB", 1},                   /* GBK truncated at the end */
        {"\xCB\xC4\xB4", 3},
        {"\x81\x20", 2},               /* lead byte, then an invalid trail */
        {"\x81\x30\x81", 3},           /* four-byte form cut short */
        {"\xFF", 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(kj_detect_encoding(bad[i].s, bad[i].n), KJ_ENC_UNKNOWN);
        CHECK(kj_to_utf8(bad[i].s, bad[i].n, KJ_ENC_GB18030, NULL) == NULL);
        CHECK(kj_to_utf8(bad[i].s, bad[i].n, KJ_ENC_UTF8, NULL) == NULL);
        CHECK(kj_to_utf8(bad[i].s, bad[i].n, KJ_ENC_UNKNOWN, NULL) == NULL);
    }
    /* GBK is not UTF-8; overlong and surrogate UTF-8 forms are refused */
    CHECK(kj_to_utf8(GBK_TEXT, GBK_LEN, KJ_ENC_UTF8, NULL) == NULL);
    CHECK(kj_to_utf8("\xC0\xAF", 2, KJ_ENC_UTF8, NULL) == NULL);
    CHECK(kj_to_utf8("\xED\xA0\x80", 3, KJ_ENC_UTF8, NULL) == NULL);
    CHECK(kj_to_utf8(NULL, 1, KJ_ENC_UTF8, NULL) == NULL);
}
