/*
 * test_range.c — web/media_view: HTTP Range parsing for video seeking
 * (one range of bytes; suffix, open-ended cut to the chunk, 416 cases,
 * malformed or multiple ranges ignored).
 */
#include "t.h"
#include "web/media_view.h"

TEST(range_parse_cases)
{
    int64_t s = -1, n = -1;
    CHECK_INT(kj_range_parse(NULL, 1000, 0, &s, &n), 0);
    CHECK_INT(kj_range_parse("bytes=0-99", 1000, 0, &s, &n), 1);
    CHECK_INT(s, 0);
    CHECK_INT(n, 100);
    CHECK_INT(kj_range_parse("bytes=990-5000", 1000, 0, &s, &n), 1);
    CHECK_INT(s, 990);
    CHECK_INT(n, 10);
    CHECK_INT(kj_range_parse("bytes=-10", 1000, 0, &s, &n), 1);
    CHECK_INT(s, 990);
    CHECK_INT(n, 10);
    CHECK_INT(kj_range_parse("bytes=-5000", 1000, 0, &s, &n), 1);
    CHECK_INT(s, 0);
    CHECK_INT(n, 1000);
    CHECK_INT(kj_range_parse("bytes=100-", 1000, 300, &s, &n), 1);   /* open end: one chunk */
    CHECK_INT(s, 100);
    CHECK_INT(n, 300);
    CHECK_INT(kj_range_parse("bytes=100-899", 1000, 300, &s, &n), 1); /* asked for: all of it */
    CHECK_INT(n, 800);
    CHECK_INT(kj_range_parse("bytes=1000-", 1000, 0, &s, &n), -1);
    CHECK_INT(kj_range_parse("bytes=-0", 1000, 0, &s, &n), -1);
    CHECK_INT(kj_range_parse("bytes=5-1", 1000, 0, &s, &n), 0);
    CHECK_INT(kj_range_parse("bytes=0-1,5-6", 1000, 0, &s, &n), 0);
    CHECK_INT(kj_range_parse("items=0-1", 1000, 0, &s, &n), 0);
    CHECK_INT(kj_range_parse("bytes=x-1", 1000, 0, &s, &n), 0);
    CHECK_INT(kj_range_parse("bytes=1-2x", 1000, 0, &s, &n), 0);
    CHECK_INT(kj_range_parse("bytes=99999999999999999999-", 1000, 0, &s, &n), 0);
}
