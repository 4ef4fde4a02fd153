/* test_indicators.c — one indicator format for demands and 揭榜 entries,
 * as a Chinese input method types it (text/indicators.h). */
#include "t.h"
#include "text/indicators.h"
#include <stdlib.h>
#include <string.h>

static const char *field(json_t *a, size_t i, const char *k)
{
    return json_string_value(json_object_get(json_array_get(a, i), k));
}

TEST(indicators_ascii_and_full_width_bars)
{
    json_t *a = kj_indicators_parse("续航时间 | ≥ 60 | 分钟\n载重｜10｜千克\r\n\n", 3);
    CHECK(json_array_size(a) == 2);
    CHECK_STR(field(a, 0, "name"), "续航时间");
    CHECK_STR(field(a, 0, "target"), "≥ 60");
    CHECK_STR(field(a, 1, "name"), "载重");
    CHECK_STR(field(a, 1, "unit"), "千克");
    CHECK(json_object_get(json_array_get(a, 0), "verification") == NULL);
    json_decref(a);
}

TEST(indicators_colons_semicolons_commas_and_ideographic_space)
{
    json_t *a = kj_indicators_parse("续航时间：≥60：分钟；载重:10:千克;\u3000识别准确率，99.5，%\u3000", 3);
    CHECK(json_array_size(a) == 3);
    CHECK_STR(field(a, 0, "target"), "≥60");
    CHECK_STR(field(a, 1, "name"), "载重");
    CHECK_STR(field(a, 2, "name"), "识别准确率");
    CHECK_STR(field(a, 2, "unit"), "%");
    json_decref(a);
    /* Bars win over colons, which stay in the value. */
    a = kj_indicators_parse("比例尺 | 1:1000 | —", 3);
    CHECK_STR(field(a, 0, "target"), "1:1000");
    json_decref(a);
    /* Extra separators stay in the last field; nothing is dropped. */
    a = kj_indicators_parse("a|b|c|d", 3);
    CHECK_STR(field(a, 0, "unit"), "c|d");
    json_decref(a);
}

TEST(indicators_four_fields_round_trip)
{
    json_t *a = kj_indicators_parse("检测精度｜≤0.05｜mm｜第三方检测报告", 4);
    CHECK_STR(field(a, 0, "verification"), "第三方检测报告");
    char *text = kj_indicators_text(a, 4);
    CHECK_STR(text, "检测精度 | ≤0.05 | mm | 第三方检测报告\n");
    json_t *b = kj_indicators_parse(text, 4);
    CHECK(json_equal(a, b));
    free(text);
    json_decref(a);
    json_decref(b);
    a = kj_indicators_parse(NULL, 3);
    CHECK(json_array_size(a) == 0);
    json_decref(a);
    a = kj_indicators_parse(" | \n", 3);   /* blank: skipped */
    CHECK(json_array_size(a) == 0);
    json_decref(a);
}
