/*
 * test_csv.c — unit tests of src/text/csv.c: RFC 4180 reading (quotes,
 * line ends, BOM, line numbers, errors), writing (quoting, formula guard)
 * and write→read round trips.
 */
#include "t.h"
#include "text/csv.h"
#include "core/buf.h"
#include <stdlib.h>

/* Reads all of s and renders the rows as "line:f1|f2\n..." for compact
 * comparison; an error appends "!line:key". Returns a static buffer. */
static const char *dump(const char *s, size_t len, char delim)
{
    static char out[4096];
    size_t o = 0;
    kj_csv_reader r;
    kj_csv_row row;
    int rc;
    kj_csv_reader_init(&r, s, len, delim);
    while ((rc = kj_csv_next_row(&r, &row)) == 1) {
        o += (size_t)snprintf(out + o, sizeof out - o, "%zu:", row.line);
        for (int i = 0; i < row.nfields; i++) {
            if (i) out[o++] = '|';
            memcpy(out + o, row.fields[i], row.lens[i]);
            o += row.lens[i];
            if (row.fields[i][row.lens[i]] != 0) o += (size_t)snprintf(out + o, 8, "<noNUL>");
        }
        out[o++] = '\n';
    }
    if (rc < 0) o += (size_t)snprintf(out + o, sizeof out - o, "!%zu:%s", r.err_line, r.err_key);
    out[o] = 0;
    kj_csv_reader_free(&r);
    return out;
}
#define DUMP(s) dump(s, strlen(s), ',')

TEST(csv_reads_simple_rows)
{
    CHECK_STR(DUMP("a,b,c\n1,2,3\n"), "1:a|b|c\n2:1|2|3\n");
    CHECK_STR(DUMP("a,b\r\n1,2\r\n"), "1:a|b\n2:1|2\n");
    CHECK_STR(DUMP("a,b\n1,2"), "1:a|b\n2:1|2\n");            /* no final newline */
    CHECK_STR(DUMP("a\rb\r"), "1:a\n2:b\n");                  /* old Mac line ends */
    CHECK_STR(DUMP(""), "");
    CHECK_STR(DUMP("\n\r\n\n"), "");
}

TEST(csv_empty_fields_and_blank_lines)
{
    CHECK_STR(DUMP(",,\n"), "1:||\n");
    CHECK_STR(DUMP("a,\n,b"), "1:a|\n2:|b\n");
    CHECK_STR(DUMP("a,"), "1:a|\n");
    CHECK_STR(DUMP("a\n\n\nb\n"), "1:a\n4:b\n");
    CHECK_STR(DUMP("\"\"\n"), "1:\n");
    CHECK_STR(DUMP("\"\",\"\""), "1:|\n");
}

TEST(csv_quoted_fields)
{
    CHECK_STR(DUMP("\"a,b\",\"say \"\"hi\"\"\",c\n"), "1:a,b|say \"hi\"|c\n");
    CHECK_STR(DUMP("\"\"\"\"\n"), "1:\"\n");
    CHECK_STR(DUMP("x\"y,z\n"), "1:x\"y|z\n");                /* bare quote is text */
    CHECK_STR(DUMP(" \"a\" ,b"), "1: \"a\" |b\n");
}

TEST(csv_embedded_newlines_and_line_numbers)
{
    CHECK_STR(DUMP("id,text\n1,\"two\nlines\"\n2,\"three\r\nphysical\r\nlines\"\n3,x\n"),
              "1:id|text\n2:1|two\nlines\n4:2|three\r\nphysical\r\nlines\n7:3|x\n");
    CHECK_STR(DUMP("\"a\r\"\"b\"\nc"), "1:a\r\"b\n3:c\n");
}

TEST(csv_bom_is_skipped)
{
    CHECK_STR(DUMP("\xEF\xBB\xBF名称,金额\n专利,12.5\n"), "1:名称|金额\n2:专利|12.5\n");
    CHECK_STR(DUMP("\xEF\xBB\xBF"), "");
    CHECK_STR(DUMP("a,\xEF\xBB\xBF"), "1:a|\xEF\xBB\xBF\n");  /* only at the start */
}

TEST(csv_tsv_and_other_delimiters)
{
    CHECK_STR(dump("a\tb,c\t\"d\te\"\n", 12, '\t'), "1:a|b,c|d\te\n");
    CHECK_STR(dump("a;b\n", 4, ';'), "1:a|b\n");
}

TEST(csv_embedded_nul)
{
    kj_csv_reader r;
    kj_csv_row row;
    kj_csv_reader_init(&r, "a\0b,c", 5, ',');
    REQUIRE(kj_csv_next_row(&r, &row) == 1);
    CHECK_INT(row.nfields, 2);
    CHECK_INT(row.lens[0], 3);
    CHECK(memcmp(row.fields[0], "a\0b", 3) == 0);
    CHECK_INT(kj_csv_next_row(&r, &row), 0);
    CHECK_INT(kj_csv_next_row(&r, &row), 0);
    kj_csv_reader_free(&r);
}

TEST(csv_errors)
{
    CHECK_STR(DUMP("a,b\n1,\"open\nstill open\n"), "1:a|b\n!2:err.csv.unterminated_quote");
    CHECK_STR(DUMP("\"abc\"def,x\n"), "!1:err.csv.text_after_quote");
    CHECK_STR(DUMP("ok\n\"a\nb\"c"), "1:ok\n!3:err.csv.text_after_quote");
    CHECK_STR(dump("a", 1, '"'), "!1:err.csv.bad_delimiter");
    CHECK_STR(dump("a", 1, '\n'), "!1:err.csv.bad_delimiter");

    kj_csv_reader r;
    kj_csv_row row;
    kj_csv_reader_init(&r, "\"x", 2, ',');
    CHECK_INT(kj_csv_next_row(&r, &row), -1);
    CHECK_INT(kj_csv_next_row(&r, &row), -1);    /* sticky */
    CHECK_STR(r.err_key, "err.csv.unterminated_quote");
    kj_csv_reader_free(&r);
}

TEST(csv_many_fields_and_long_rows)
{
    kj_buf in = {0};
    for (int i = 0; i < 1000; i++) kj_buf_printf(&in, "%s\"field %d with, comma\"", i ? "," : "", i);
    kj_buf_puts(&in, "\nend\n");
    kj_csv_reader r;
    kj_csv_row row;
    kj_csv_reader_init(&r, in.data, in.len, ',');
    REQUIRE(kj_csv_next_row(&r, &row) == 1);
    CHECK_INT(row.nfields, 1000);
    CHECK_STR(row.fields[0], "field 0 with, comma");
    CHECK_STR(row.fields[999], "field 999 with, comma");
    REQUIRE(kj_csv_next_row(&r, &row) == 1);
    CHECK_STR(row.fields[0], "end");
    CHECK_INT(row.line, 2);
    kj_csv_reader_free(&r);
    kj_buf_free(&in);
}

/* ---- writer ------------------------------------------------------------ */

static const char *write_row(const char *const *f, int n, unsigned flags)
{
    static kj_buf b;
    kj_buf_reset(&b);
    if (kj_csv_write_row(kj_buf_sink, &b, f, NULL, n, ',', flags)) return "(failed)";
    return b.data ? b.data : "";
}

TEST(csv_writer_quotes_only_when_needed)
{
    const char *plain[] = {"a", "四川", "12.5"};
    CHECK_STR(write_row(plain, 3, 0), "a,四川,12.5\r\n");
    const char *tricky[] = {"a,b", "say \"hi\"", "two\nlines", "cr\r", " lead", "trail\t", "", NULL};
    CHECK_STR(write_row(tricky, 8, 0),
              "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",\" lead\",\"trail\t\",,\r\n");
    const char *one_empty[] = {""};
    CHECK_STR(write_row(one_empty, 1, 0), "\"\"\r\n");
    CHECK_STR(write_row(plain, 1, KJ_CSV_LF), "a\n");
    CHECK_STR(write_row(plain, 0, 0), "\r\n");
}

/* Found by tests/fuzz/fuzz_csv_import: a first field starting with U+FEFF
 * was written bare, and the reader skipped it as a byte-order mark. */
TEST(csv_writer_quotes_a_leading_bom_character)
{
    const char *f[] = {"\xEF\xBB\xBFx", "y"};
    const char *out = write_row(f, 2, 0);
    CHECK_STR(out, "\"\xEF\xBB\xBFx\",y\r\n");
    CHECK_STR(DUMP(out), "1:\xEF\xBB\xBFx|y\n");
}

TEST(csv_writer_guards_formulas)
{
    const char *evil[] = {"=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                          "\t=1", "\r=1"};
    CHECK_STR(write_row(evil, 6, KJ_CSV_EXPORT),
              "\"'=HYPERLINK(\"\"http://x\"\")\",'+cmd|' /C calc'!A0,'-2+3,'@SUM(A1),"
              "\"'\t=1\",\"'\r=1\"\r\n");
    CHECK_STR(write_row(evil + 3, 1, 0), "@SUM(A1)\r\n");       /* guard off */
    const char *numbers[] = {"-12.5", "+86", "-0", "3", "-", "-.5", "1.", "a=b"};
    CHECK_STR(write_row(numbers, 8, KJ_CSV_EXPORT), "-12.5,+86,-0,3,'-,'-.5,1.,a=b\r\n");
}

static int failing_sink(void *ctx, const char *p, size_t n)
{
    int *budget = ctx;
    return (*budget -= (int)n) < 0 ? -1 : 0;
}

TEST(csv_writer_reports_sink_failure)
{
    const char *f[] = {"abc", "d\"ef"};
    int budget = 5;
    CHECK_INT(kj_csv_write_row(failing_sink, &budget, f, NULL, 2, ',', 0), -1);
    budget = 100;
    CHECK_INT(kj_csv_write_row(failing_sink, &budget, f, NULL, 2, ',', 0), 0);
}

TEST(csv_bom_writer)
{
    kj_buf b = {0};
    CHECK_INT(kj_csv_write_bom(kj_buf_sink, &b), 0);
    CHECK_STR(b.data, "\xEF\xBB\xBF");
    kj_buf_free(&b);
}

/* ---- round trip -------------------------------------------------------- */

/* Which of the round-trip values the formula guard prefixes. */
static int guarded(const char *s)
{
    return s[0] && strchr("=+@\t\r", s[0]) ? 1 : s[0] == '-' && !(s[1] >= '0' && s[1] <= '9');
}

TEST(csv_round_trip)
{
    static const char *rows[][4] = {
        {"编号", "名称", "说明", "金额(万元)"},
        {"1", "AI 专利, 转让", "含 \"引号\"\r\n和换行", "-12.5"},
        {"", "", "", ""},
        {" 空格 ", "\t", "\"", "a\nb\rc"},
        {"=1+1", "@x", "+y", "-z"},
    };
    const size_t nrows = sizeof rows / sizeof rows[0];
    for (int guard = 0; guard < 2; guard++) {
        for (char delim = ','; delim; delim = delim == ',' ? '\t' : 0) {
            kj_buf b = {0};
            kj_csv_write_bom(kj_buf_sink, &b);
            for (size_t i = 0; i < nrows; i++)
                REQUIRE(kj_csv_write_row(kj_buf_sink, &b, rows[i], NULL, 4, delim,
                                         guard ? KJ_CSV_EXPORT : 0) == 0);
            const char *single[] = {""};
            kj_csv_write_row(kj_buf_sink, &b, single, NULL, 1, delim, KJ_CSV_LF);
            kj_csv_reader r;
            kj_csv_row row;
            kj_csv_reader_init(&r, b.data, b.len, delim);
            for (size_t i = 0; i < nrows; i++) {
                REQUIRE(kj_csv_next_row(&r, &row) == 1);
                REQUIRE(row.nfields == 4);
                for (int j = 0; j < 4; j++) {
                    const char *want = rows[i][j];
                    if (guard && guarded(want)) CHECK(row.fields[j][0] == '\'' && !strcmp(row.fields[j] + 1, want));
                    else CHECK_STR(row.fields[j], want);
                }
            }
            REQUIRE(kj_csv_next_row(&r, &row) == 1);
            CHECK_INT(row.nfields, 1);
            CHECK_INT(row.lens[0], 0);
            CHECK_INT(kj_csv_next_row(&r, &row), 0);
            kj_csv_reader_free(&r);
            kj_buf_free(&b);
        }
    }
}
