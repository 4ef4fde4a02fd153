/*
 * test_transfer.c — listing import/export (market/transfer.h): the cell
 * codecs (lists, indicators, the formula guard, delimiters, yes/no), and
 * one import against a scratch database (fresh store in a mkdtemp
 * directory, removed afterwards) checking line/column reports, the
 * all-or-nothing rule, partial imports, GBK input and an export → import
 * round trip.
 */
#include "t.h"
#include "scratch.h"
#include "core/config.h"
#include "core/id.h"
#include "market/transfer.h"
#include "search/search.h"
#include "text/analyzer.h"
#include "web/app.h"
#include <stdlib.h>
#include <unistd.h>

static char *join(json_t *items)
{
    kj_buf b = { 0 };
    kj_transfer_join_list(items, &b);
    return kj_buf_steal(&b, NULL);
}

TEST(transfer_list_round_trip)
{
    json_t *items = json_pack("[s, s, s, s]", "plain", "a|b", "back\\slash", "x:y");
    char *cell = join(items);
    CHECK_STR(cell, "plain|a\\|b|back\\\\slash|x:y");
    json_t *back = kj_transfer_split_list(cell);
    CHECK(json_equal(items, back));
    json_decref(back);
    free(cell);
    json_decref(items);

    back = kj_transfer_split_list("  one | two ||three|  ");
    json_t *want = json_pack("[s, s, s]", "one", "two", "three");
    CHECK(json_equal(back, want));
    json_decref(back);
    json_decref(want);
    back = kj_transfer_split_list("");
    CHECK_INT(json_array_size(back), 0);
    json_decref(back);
}

TEST(transfer_indicators)
{
    json_t *ind = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}]", "name", "精度", "target", "0.05", "unit", "mm",
                            "name", "时间:响应", "target", "≤50|60", "unit", "");
    kj_buf b = { 0 };
    REQUIRE(kj_transfer_join_indicators(ind, &b) == 0);
    CHECK_STR(b.data, "精度:0.05:mm|时间\\:响应:≤50\\|60");
    json_t *back = kj_transfer_split_indicators(b.data);
    CHECK(json_equal(back, ind));
    json_decref(back);
    kj_buf_free(&b);
    json_decref(ind);

    back = kj_transfer_split_indicators("name only");
    REQUIRE(back && json_array_size(back) == 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(back, 0), "target")), "");
    json_decref(back);
    CHECK(kj_transfer_split_indicators("a:b:c:d") == NULL);
    back = kj_transfer_split_indicators(" [{\"name\":\"n\",\"target\":\"t\",\"unit\":\"u\"}]");
    CHECK(json_is_array(back) && json_array_size(back) == 1);
    json_decref(back);
    CHECK(kj_transfer_split_indicators("[not json") == NULL);
}

/* Found by tests/fuzz/fuzz_csv_import: an indicator whose name starts with
 * '[' was exported as "[A] speed:10:m", which the import reads as (bad)
 * JSON, so an export could not be imported back. */
TEST(transfer_indicator_name_starting_with_bracket)
{
    json_t *ind = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}]", "name", "[A] speed", "target", "10", "unit", "m/s",
                            "name", "[B]", "target", "[1,2]", "unit", "");
    kj_buf b = { 0 };
    REQUIRE(kj_transfer_join_indicators(ind, &b) == 0);
    CHECK_STR(b.data, "\\[A] speed:10:m/s|[B]:[1,2]");
    json_t *back = kj_transfer_split_indicators(b.data);
    CHECK(back && json_equal(back, ind));
    json_decref(back);
    kj_buf_free(&b);
    json_decref(ind);
}

TEST(transfer_formula_guard)
{
    CHECK(kj_transfer_needs_quote_guard("'=SUM(A1)", 9));
    CHECK(kj_transfer_needs_quote_guard("''", 2));
    CHECK(kj_transfer_needs_quote_guard("'-12", 4));
    CHECK(!kj_transfer_needs_quote_guard("'abc", 4));
    CHECK(!kj_transfer_needs_quote_guard("'", 1));
    CHECK(!kj_transfer_needs_quote_guard("=x", 2));
    CHECK_INT(kj_transfer_unguard("'=x", 3), 1);
    CHECK_INT(kj_transfer_unguard("'+86", 4), 1);
    CHECK_INT(kj_transfer_unguard("'it''s", 6), 0);
    CHECK_INT(kj_transfer_unguard("-12", 3), 0);
}

TEST(transfer_delimiter_and_bool)
{
    CHECK_INT(kj_transfer_sniff_delimiter("a,b,c\n1;2;3;4;5", 15), ',');
    CHECK_INT(kj_transfer_sniff_delimiter("a;b;c\n", 6), ';');
    CHECK_INT(kj_transfer_sniff_delimiter("a\tb\t\"x,y,z\"\n", 12), '\t');
    CHECK_INT(kj_transfer_sniff_delimiter("title\n", 6), ',');
    bool v = true;
    CHECK(kj_transfer_parse_bool("", &v) && !v);
    CHECK(kj_transfer_parse_bool("YES", &v) && v);
    CHECK(kj_transfer_parse_bool("否", &v) && !v);
    CHECK(kj_transfer_parse_bool("是", &v) && v);
    CHECK(!kj_transfer_parse_bool("2", &v));
    kj_export_format f;
    CHECK(kj_export_format_parse("xlsx", &f) && f == KJ_EXPORT_XLSX);
    CHECK(!kj_export_format_parse("xls", &f));
    CHECK_STR(kj_transfer_column(0), "id");
    CHECK(kj_transfer_column(-1) == NULL);
    int n = 0;
    while (kj_transfer_column(n)) n++;
    CHECK_STR(kj_transfer_column(n - 1), "owner_email");
}

/* ---- against a scratch database ---- */

typedef kj_scratch scratch;

static int scratch_open(scratch *s)
{
    return kj_scratch_open(s, "transfer") || kj_scratch_importer(s) ? -1 : 0;
}

static void scratch_close(scratch *s) { kj_scratch_close(s); }

static int64_t count_listings(scratch *s)
{
    return kj_db_int(s->db, -1, "SELECT count(*) FROM listings", "");
}

#define HEADER "kind,title,summary,domain,region,trl,coop_modes,price_kind,price_min,price_max,anonymous\r\n"
#define GOOD   "achievement,一种高导热陶瓷基板制备方法,已完成中试。,D0101,510107,6,transfer|equity,range,10,20.5,0\r\n"

static bool has_error(kj_import_report *rep, long line, const char *column, const char *code)
{
    size_t i;
    json_t *e;
    json_array_foreach(rep->errors, i, e)
        if (json_integer_value(json_object_get(e, "line")) == line && !strcmp(json_string_value(json_object_get(e, "column")), column) &&
            (!code || !strcmp(json_string_value(json_object_get(e, "code")), code))) return true;
    return false;
}

static int sink_buf(void *ctx, const char *p, size_t n) { return kj_buf_append(ctx, p, n); }

/* The rows of a CSV export without the id column, each as one string
 * (cells joined with 0x1f), in sorted order. New ref. */
static json_t *rows_but_ids(const char *csv, size_t len)
{
    kj_csv_reader r;
    kj_csv_reader_init(&r, csv, len, ',');
    kj_csv_row row;
    json_t *rows = json_array();
    while (kj_csv_next_row(&r, &row) == 1) {
        kj_buf b = { 0 };
        for (int i = 1; i < row.nfields; i++) { kj_buf_append(&b, row.fields[i], row.lens[i]); kj_buf_append(&b, "\x1f", 1); }
        json_array_append_new(rows, json_stringn(b.data, b.len));
        kj_buf_free(&b);
    }
    kj_csv_reader_free(&r);
    /* two data rows and a header: a swap is all the sorting needed */
    if (json_array_size(rows) == 3 && strcmp(json_string_value(json_array_get(rows, 1)), json_string_value(json_array_get(rows, 2))) > 0) {
        json_t *t = json_incref(json_array_get(rows, 1));
        json_array_set(rows, 1, json_array_get(rows, 2));
        json_array_set_new(rows, 2, t);
    }
    return rows;
}

static bool same_rows_but_ids(const char *a, size_t alen, const char *b, size_t blen)
{
    json_t *x = rows_but_ids(a, alen), *y = rows_but_ids(b, blen);
    bool same = json_array_size(x) == 3 && json_equal(x, y);
    if (!same) {
        char *dx = json_dumps(x, 0), *dy = json_dumps(y, 0);
        fprintf(stderr, "  %s\n  %s\n", dx, dy);
        free(dx);
        free(dy);
    }
    json_decref(x);
    json_decref(y);
    return same;
}

TEST(transfer_import_reports_every_bad_row)
{
    scratch s;
    REQUIRE(scratch_open(&s) == 0);
    const char *csv = HEADER GOOD
        "achievement,短,已完成中试。,D0101,510107,6,transfer,negotiable,,,0\r\n"          /* line 3: title too short */
        GOOD
        "demand,\"多行\n标题的需求描述\",摘要,D9999,510107,,joint_dev,fixed,abc,,maybe\r\n" /* line 5-6 */
        GOOD;
    kj_import_report rep;
    kj_import_opts strict = { .partial = false };
    int rc = kj_listing_import(s.db, s.admin, csv, strlen(csv), &strict, &rep);
    CHECK_INT(rc, 1);
    CHECK_INT(rep.imported, 0);
    CHECK_INT(rep.rows, 5);
    CHECK_INT(rep.error_rows, 2);
    CHECK(has_error(&rep, 3, "title", "err.field.too_short"));
    CHECK(has_error(&rep, 5, "domain", "err.listing.domain"));
    CHECK(has_error(&rep, 5, "price_min", "err.listing.price"));
    CHECK(has_error(&rep, 5, "anonymous", "err.import.bool"));
    CHECK(has_error(&rep, 5, "indicators", "err.listing.indicators_required"));
    CHECK_INT(count_listings(&s), 0);
    kj_import_report_free(&rep);

    kj_import_opts partial = { .partial = true, .analyzer = s.app.analyzer };
    rc = kj_listing_import(s.db, s.admin, csv, strlen(csv), &partial, &rep);
    CHECK_INT(rc, 1);
    CHECK_INT(rep.imported, 3);
    CHECK_INT(count_listings(&s), 3);
    kj_import_report_free(&rep);
    scratch_close(&s);
}

TEST(transfer_import_header_and_encoding)
{
    scratch s;
    REQUIRE(scratch_open(&s) == 0);
    kj_import_report rep;
    const char *bad_header = "kind,titel,title,title\r\n" GOOD;
    CHECK_INT(kj_listing_import(s.db, s.admin, bad_header, strlen(bad_header), NULL, &rep), 1);
    CHECK(has_error(&rep, 1, "titel", "err.import.unknown_column"));
    CHECK(has_error(&rep, 1, "title", "err.import.duplicate_column"));
    kj_import_report_free(&rep);

    const char *open_quote = HEADER GOOD "achievement,\"never closed\r\n";
    CHECK_INT(kj_listing_import(s.db, s.admin, open_quote, strlen(open_quote), &(kj_import_opts){ .partial = true }, &rep), 1);
    CHECK(has_error(&rep, 3, "", "err.csv.unterminated_quote"));
    CHECK_INT(rep.imported, 0);
    kj_import_report_free(&rep);

    /* "一种高导热陶瓷基板制备方法" etc. in GBK, semicolon-separated as European Excel writes it */
    const char gbk[] = "kind;title;summary;domain;region;trl;coop_modes\r\n"
                       "achievement;\xd2\xbb\xd6\xd6\xb8\xdf\xb5\xbc\xc8\xc8\xcc\xd5\xb4\xc9\xbb\xf9\xb0\xe5;"
                       "\xd6\xd0\xca\xd4\xcd\xea\xb3\xc9;D0101;510107;5;transfer\r\n";
    CHECK_INT(kj_listing_import(s.db, s.admin, gbk, sizeof gbk - 1, NULL, &rep), 0);
    CHECK_INT(rep.imported, 1);
    char *title = kj_db_text(s.db, "SELECT title FROM listings", "");
    CHECK_STR(title, "一种高导热陶瓷基板");
    free(title);
    kj_import_report_free(&rep);

    CHECK_INT(kj_listing_import(s.db, s.admin, "\xff\xfe\x00", 3, NULL, &rep), 1);
    CHECK(has_error(&rep, 1, "", "err.import.encoding"));
    kj_import_report_free(&rep);
    scratch_close(&s);
}

TEST(transfer_export_import_round_trip)
{
    scratch s;
    REQUIRE(scratch_open(&s) == 0);
    const char *json =
        "[{\"kind\":\"demand\",\"title\":\"=HYPERLINK(\\\"x\\\") 需求\",\"summary\":\"摘要 | 竖线\",\"domain\":\"D0101\","
        "\"region\":\"510107\",\"coop_modes\":[\"joint_dev\"],\"indicators\":[{\"name\":\"精度:横向\",\"target\":\"0.05|0.1\",\"unit\":\"mm\"}],"
        "\"price_kind\":\"range\",\"price_min\":\"1.5\",\"price_max\":\"3\",\"anonymous\":true,\"contact_name\":\"李四\","
        "\"contact_phone\":\"13800000000\",\"keywords\":[\"'=c\",\"a|b\"]},"
        " {\"kind\":\"service\",\"title\":\"检测服务一项\",\"summary\":\"s\",\"domain\":\"D0101\",\"region\":\"510107\","
        "\"delivery_mode\":\"remote\",\"duration\":\"2周\",\"trl\":4,\"contact_email\":\"a@b.cn\"}]";
    kj_import_report rep;
    CHECK_INT(kj_listing_import(s.db, s.admin, json, strlen(json), NULL, &rep), 0);
    CHECK_INT(rep.imported, 2);
    kj_import_report_free(&rep);

    kj_listing_query q = { .price_min_fen = -1, .price_max_fen = -1 };
    kj_buf out = { 0 };
    CHECK_INT(kj_listing_export(s.db, &q, KJ_EXPORT_CSV, true, NULL, sink_buf, &out), 2);
    REQUIRE(out.data && !memcmp(out.data, "\xef\xbb\xbf" "id,kind,", 11));
    CHECK(strstr(out.data, "\"'=HYPERLINK(\"\"x\"\") 需求\""));      /* guarded (and quoted for its quotes) */
    CHECK(strstr(out.data, ",''=c|a\\|b,"));                        /* extra guard quote, list escapes */
    CHECK(!strstr(out.data, "13800000000") && !strstr(out.data, "李四"));  /* anonymous: no contact */
    CHECK(strstr(out.data, "a@b.cn"));                              /* privileged: contact of the other */

    kj_buf pub = { 0 };
    CHECK_INT(kj_listing_export(s.db, &q, KJ_EXPORT_JSON, false, NULL, sink_buf, &pub), 2);
    scratch_close(&s);

    /* The CSV goes into a fresh database and comes out the same (ids aside). */
    scratch s2;
    REQUIRE(scratch_open(&s2) == 0);
    CHECK_INT(kj_listing_import(s2.db, s2.admin, out.data, out.len, NULL, &rep), 0);
    CHECK_INT(rep.imported, 2);
    kj_import_report_free(&rep);
    kj_buf again = { 0 };
    CHECK_INT(kj_listing_export(s2.db, &q, KJ_EXPORT_CSV, true, NULL, sink_buf, &again), 2);
    scratch_close(&s2);
    CHECK(same_rows_but_ids(out.data, out.len, again.data, again.len));

    json_t *doc = json_loads(pub.data, 0, NULL);
    CHECK(json_is_array(doc) && json_array_size(doc) == 2);
    size_t i;
    json_t *l;
    json_array_foreach(doc, i, l) {
        CHECK_STR(json_string_value(json_object_get(l, "contact_email")), "");   /* public: no e-mail at all */
        CHECK_STR(json_string_value(json_object_get(l, "owner_email")), "");
    }
    json_decref(doc);
    kj_buf_free(&pub);
    kj_buf_free(&again);
    kj_buf_free(&out);
}
