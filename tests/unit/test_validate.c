/*
 * test_validate.c — unit tests of src/core/validate.c.
 * Numbers marked "published" are real identifiers found in public sources,
 * checked here to show the algorithms match the authorities'; the rest were
 * computed by validate.c itself and documented in validate.h.
 */
#include "t.h"
#include "core/validate.h"
#include <stdint.h>

/* ---- credit codes ---- */

TEST(credit_code_accepts_examples_and_published_codes)
{
    static const char *good[] = {
        "91510100MA61RE0Q7E", "91510107MA6CFJ3P6C", "12630000MB1K7T2N9R",
        "91630100MA7527HJ8N",
        "914403001922038216",   /* published: 华为技术有限公司 */
        "91440300708461136T",   /* published: 深圳市腾讯计算机系统有限公司 */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const char *why = "unset";
        CHECK(kj_valid_credit_code(good[i], &why));
        CHECK(why == NULL);
    }
    CHECK(kj_valid_credit_code("91510100MA61RE0Q7E", NULL));
}

TEST(credit_code_rejects_with_reason)
{
    static const struct { const char *code, *why; } bad[] = {
        { "",                    "err.credit_code.length" },
        { "91510100MA61RE0Q7",   "err.credit_code.length" },
        { "91510100MA61RE0Q7EE", "err.credit_code.length" },
        { "91510100MA61RE0Q7e",  "err.credit_code.charset" },    /* not normalised */
        { "91510100MA61RI0Q7E",  "err.credit_code.charset" },    /* I is excluded */
        { "91510100MA61RE0O7E",  "err.credit_code.charset" },    /* O is excluded */
        { "91510100MA61RE0Q7Z",  "err.credit_code.charset" },
        { "91510100MA61RE0Q-E",  "err.credit_code.charset" },
        { "B1510100MA61RE0Q7E",  "err.credit_code.authority" },
        { "90510100MA61RE0Q7E",  "err.credit_code.category" },
        { "9151A100MA61RE0Q7E",  "err.credit_code.division" },
        { "91510100MA61RE0Q7F",  "err.credit_code.check_digit" },
        { "91510107MA61RE0Q7E",  "err.credit_code.check_digit" }, /* one digit changed */
        { "91510100AM61RE0Q7E",  "err.credit_code.check_digit" }, /* transposition */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why = NULL;
        CHECK(!kj_valid_credit_code(bad[i].code, &why));
        CHECK_STR(why, bad[i].why);
    }
    const char *why = NULL;
    CHECK(!kj_valid_credit_code(NULL, &why));
    CHECK_STR(why, "err.credit_code.length");
}

TEST(credit_code_normalize)
{
    char a[] = "  91510100ma61re0q7e\t";
    kj_normalize_credit_code(a);
    CHECK_STR(a, "91510100MA61RE0Q7E");
    CHECK(kj_valid_credit_code(a, NULL));

    /* Full-width digits/letters and ideographic spaces from a Chinese IME. */
    char b[] = "\xE3\x80\x80\xEF\xBC\x99\xEF\xBC\x91" "510100MA61RE0Q7\xEF\xBD\x85\xE3\x80\x80 ";
    kj_normalize_credit_code(b);
    CHECK_STR(b, "91510100MA61RE0Q7E");

    char c[] = "   ";
    kj_normalize_credit_code(c);
    CHECK_STR(c, "");
    char d[] = "\xE3\x80";      /* truncated, left alone rather than overread */
    kj_normalize_credit_code(d);
    CHECK_STR(d, "\xE3\x80");
    kj_normalize_credit_code(NULL);
}

/* ---- patent application numbers ---- */

TEST(patent_published_numbers)
{
    kj_patent_type t = KJ_PATENT_UNKNOWN;
    /* published examples of the CNIPA check-digit rule */
    CHECK(kj_valid_cn_patent_app_no("200310102344.5", &t, NULL));
    CHECK_INT(t, KJ_PATENT_INVENTION);
    CHECK(kj_valid_cn_patent_app_no("201710601862.3", &t, NULL));
    CHECK_INT(t, KJ_PATENT_INVENTION);
    CHECK(kj_valid_cn_patent_app_no("97101765.4", &t, NULL));
    CHECK_INT(t, KJ_PATENT_INVENTION);
}

TEST(patent_examples_and_types)
{
    static const struct { const char *no; kj_patent_type type; } good[] = {
        { "202310456789.0",     KJ_PATENT_INVENTION },
        { "CN202310456789.0",   KJ_PATENT_INVENTION },
        { "ZL202310456789.0",   KJ_PATENT_INVENTION },
        { "ZL 202310456789.0",  KJ_PATENT_INVENTION },
        { "cn2023104567890",    KJ_PATENT_INVENTION },
        { "202220123456.7",     KJ_PATENT_UTILITY },
        { "202130567890.5",     KJ_PATENT_DESIGN },
        { "202180012345.7",     KJ_PATENT_INVENTION },
        { "202410512343.X",     KJ_PATENT_INVENTION },
        { "202410512343x",      KJ_PATENT_INVENTION },
        { "02123456.6",         KJ_PATENT_INVENTION },
        { "CN021234566",        KJ_PATENT_INVENTION },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        kj_patent_type t = KJ_PATENT_UNKNOWN;
        const char *why = "unset";
        CHECK(kj_valid_cn_patent_app_no(good[i].no, &t, &why));
        CHECK_INT(t, good[i].type);
        CHECK(why == NULL);
    }
    CHECK(kj_valid_cn_patent_app_no("202220123456.7", NULL, NULL));
}

TEST(patent_rejects_with_reason)
{
    static const struct { const char *no, *why; } bad[] = {
        { "",                   "err.patent_no.format" },
        { "20231045678.0",      "err.patent_no.format" },   /* 11 digits */
        { "2023104567890.0",    "err.patent_no.format" },   /* 13 digits before dot */
        { "202310456789.",      "err.patent_no.format" },
        { "202310456789.0 ",    "err.patent_no.format" },
        { "202310456789.00",    "err.patent_no.format" },
        { "US202310456789.0",   "err.patent_no.format" },
        { "CN  202310456789.0", "err.patent_no.format" },
        { "200210456789.0",     "err.patent_no.year" },     /* 12-digit before 2003 */
        { "84123456.0",         "err.patent_no.year" },
        { "202340456789.0",     "err.patent_no.type" },
        { "202310456789.1",     "err.patent_no.check_digit" },
        { "202310456798.0",     "err.patent_no.check_digit" },
        { "202410512343.0",     "err.patent_no.check_digit" },
        { "200310102344.X",     "err.patent_no.check_digit" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kj_patent_type t = KJ_PATENT_DESIGN;
        const char *why = NULL;
        CHECK(!kj_valid_cn_patent_app_no(bad[i].no, &t, &why));
        CHECK_INT(t, KJ_PATENT_UNKNOWN);
        CHECK_STR(why, bad[i].why);
    }
    CHECK(!kj_valid_cn_patent_app_no(NULL, NULL, NULL));
}

/* ---- e-mail ---- */

TEST(email_valid_and_invalid)
{
    static const char *good[] = {
        "a@b.cn", "zhang.san@scu.edu.cn", "first+tag@example-corp.com.cn",
        "o'brien@mail.example.org", "user@example.xn--fiqs8s", "张三@例子.中国",
        "x@sub.domain123.io",
    };
    static const char *bad[] = {
        "", "plain", "@b.cn", "a@", "a@b", "a@@b.cn", "a@b@c.cn", "a b@c.cn",
        "a@b .cn", ".a@b.cn", "a.@b.cn", "a..b@c.cn", "a@-b.cn", "a@b-.cn",
        "a@b..cn", "a@b.cn.", "a@1.2.3.4", "a\t@b.cn", "a@b.c\n",
        "a\xE3\x80\x80@b.cn", "a\xC2\xA0@b.cn", "a\xFF@b.cn", "\"a\"@b.cn",
        "a(b)@c.cn",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) CHECK(kj_valid_email(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(!kj_valid_email(bad[i]));
    CHECK(!kj_valid_email(NULL));

    char long_local[80], long_total[300];
    memset(long_local, 'a', 65); strcpy(long_local + 65, "@b.cn");
    CHECK(!kj_valid_email(long_local));
    long_local[64] = '@'; strcpy(long_local + 65, "b.cn");   /* exactly 64 */
    CHECK(kj_valid_email(long_local));
    /* 64 + "@" + 4 labels of 45 plus dots + "cn" = 251 bytes; 5 more pass 254 */
    size_t n = 0;
    memset(long_total, 'a', 64); n = 64; long_total[n++] = '@';
    for (int l = 0; l < 4; l++) { memset(long_total + n, 'b', 45); n += 45; long_total[n++] = '.'; }
    strcpy(long_total + n, "cn");
    CHECK(kj_valid_email(long_total));
    strcpy(long_total + n, "cnnnnnn");
    CHECK(!kj_valid_email(long_total));
}

/* ---- UTF-8 ---- */

TEST(utf8_strict)
{
    static const struct { const char *s; size_t n; bool ok; } cases[] = {
        { "", 0, true },
        { "abc", 3, true },
        { "天府科技云", 15, true },
        { "\xC2\x80", 2, true },                 /* U+0080, smallest 2-byte */
        { "\xF0\x9F\x9A\x80", 4, true },         /* U+1F680 */
        { "\xF4\x8F\xBF\xBF", 4, true },         /* U+10FFFF */
        { "\xEE\x80\x80", 3, true },             /* U+E000, just after surrogates */
        { "a\0b", 3, true },
        { "\x80", 1, false },                    /* stray continuation */
        { "\xC0\xAF", 2, false },                /* overlong '/' */
        { "\xC1\xBF", 2, false },
        { "\xE0\x80\xAF", 3, false },            /* overlong */
        { "\xE0\x9F\xBF", 3, false },            /* overlong U+07FF */
        { "\xF0\x8F\xBF\xBF", 4, false },        /* overlong U+FFFF */
        { "\xED\xA0\x80", 3, false },            /* U+D800 */
        { "\xED\xBF\xBF", 3, false },            /* U+DFFF */
        { "\xF4\x90\x80\x80", 4, false },        /* U+110000 */
        { "\xF5\x80\x80\x80", 4, false },
        { "\xFF", 1, false },
        { "\xE5\xA4", 2, false },                /* truncated 天 */
        { "\xE5\xA4" "a", 3, false },
        { "\xF0\x9F\x9A", 3, false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (kj_valid_utf8(cases[i].s, cases[i].n) != cases[i].ok) {
            fprintf(stderr, "  utf8 case %zu\n", i);
            CHECK(0);
        }
    }
    CHECK(kj_valid_utf8(NULL, 0));
    /* Truncation at the very end must not read past len. */
    CHECK(!kj_valid_utf8("\xE5\xA4\xA9", 2));
}

TEST(utf8_chars_counts_code_points)
{
    CHECK_INT(kj_utf8_chars("", 0), 0);
    CHECK_INT(kj_utf8_chars("abc", 3), 3);
    CHECK_INT(kj_utf8_chars("天府科技云", 15), 5);
    CHECK_INT(kj_utf8_chars("青海a\xF0\x9F\x9A\x80", 11), 4);
}

/* ---- dates ---- */

TEST(dates)
{
    static const char *good[] = {
        "2024-02-29", "2000-02-29", "2023-12-31", "0001-01-01", "9999-12-31",
        "2025-04-30",
    };
    static const char *bad[] = {
        "2023-02-29", "1900-02-29", "2024-02-30", "2025-04-31", "2025-13-01",
        "2025-00-10", "2025-01-00", "0000-01-01", "2025-1-01", "2025/01/01",
        "20250101", "2025-01-011", "2025-01-0a", "", " 2025-01-01", "+025-01-01",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) CHECK(kj_valid_date(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(!kj_valid_date(bad[i]));
    CHECK(!kj_valid_date(NULL));
}

/* ---- money ---- */

TEST(money_parse)
{
    static const struct { const char *s; int64_t fen; } good[] = {
        { "0", 0 }, { "12.5", INT64_C(12500000) }, { "300", INT64_C(300000000) },
        { "0.000001", 1 }, { "1.000001", INT64_C(1000001) }, { "007", INT64_C(7000000) },
        { "9223372036854.775807", INT64_MAX },
        { "0.01", INT64_C(10000) },               /* 100 元 */
    };
    static const char *bad[] = {
        "", "-1", "+1", "1.", ".5", "1.2.3", "1,000", "1e3", " 1", "1 ", "12.5万",
        "0.0000001", "9223372036854.775808", "9223372036855", "99999999999999999999",
        "abc", "1.x",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t fen = -1;
        CHECK(kj_parse_money_wan(good[i].s, &fen));
        CHECK_INT(fen, good[i].fen);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t fen = 42;
        CHECK(!kj_parse_money_wan(bad[i], &fen));
        CHECK_INT(fen, 42);
    }
    int64_t fen = 0;
    CHECK(!kj_parse_money_wan(NULL, &fen));
}

TEST(money_format_round_trip)
{
    char buf[32];
    static const struct { int64_t fen; const char *s; } cases[] = {
        { 0, "0" }, { INT64_C(12500000), "12.5" }, { INT64_C(1000000), "1" },
        { 1, "0.000001" }, { INT64_C(10000), "0.01" }, { INT64_C(1000001), "1.000001" },
        { INT64_C(-12500000), "-12.5" }, { INT64_MAX, "9223372036854.775807" },
        { INT64_MIN, "-9223372036854.775808" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(kj_format_fen_as_wan(cases[i].fen, buf, sizeof buf));
        CHECK_STR(buf, cases[i].s);
        int64_t back = 0;
        if (cases[i].fen >= 0) {
            CHECK(kj_parse_money_wan(buf, &back));
            CHECK_INT(back, cases[i].fen);
        }
    }
    char small[22];
    CHECK(kj_format_fen_as_wan(INT64_MIN, small, sizeof small));   /* 22 is enough */
    CHECK(!kj_format_fen_as_wan(INT64_C(12500000), small, 4));      /* "12.5" needs 5 */
    CHECK_STR(small, "");
    CHECK(kj_format_fen_as_wan(INT64_C(12500000), small, 5));
    CHECK(!kj_format_fen_as_wan(1, NULL, 0));
}
