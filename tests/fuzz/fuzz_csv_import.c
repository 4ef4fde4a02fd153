/*
 * fuzz_csv_import — the bulk import's reading of an uploaded file, up to
 * (not including) the database: encoding detection and GB18030/GBK →
 * UTF-8 (src/text/encoding.c), delimiter sniffing, RFC 4180 reading
 * (src/text/csv.c), and the cell codecs of src/market/transfer.c (formula
 * guard, "|"-lists, indicators, yes/no).
 *
 * Properties:
 *   - an encoding kj_detect_encoding names converts; UTF-8 passes unchanged;
 *     the converted text is valid UTF-8;
 *   - the reader ends, its rows re-written by kj_csv_write_row read back
 *     identical (same fields, same bytes);
 *   - trimmed list items joined and split are the same items; indicators
 *     are stable after one join → split;
 *   - export → import is the identity for every cell (what the listing
 *     export writes, with both formula guards, the import reads back as the
 *     original text).
 */
#include "fuzz.h"
#include "core/buf.h"
#include "market/transfer.h"
#include "text/csv.h"
#include "text/encoding.h"
#include <jansson.h>

static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        if (c < 0x80) k = 0;
        else if (c >= 0xC2 && c <= 0xDF) k = 1;
        else if ((c & 0xF0) == 0xE0) k = 2;
        else if (c >= 0xF0 && c <= 0xF4) k = 3;
        else return false;
        if (i + k >= n && k) return false;
        for (size_t j = 1; j <= k; j++) if ((s[i + j] & 0xC0) != 0x80) return false;
        i += k + 1;
    }
    return true;
}

/* All rows of a text: fields copied into one json array of arrays of
 * strings (json_stringn_nocheck keeps any bytes, NUL included). */
static json_t *read_all(const char *text, size_t n, char delim, const char **err_key)
{
    json_t *rows = json_array();
    kj_csv_reader r;
    kj_csv_reader_init(&r, text, n, delim);
    kj_csv_row row;
    int rc;
    size_t count = 0;
    while ((rc = kj_csv_next_row(&r, &row)) == 1) {
        FUZZ_CHECK(++count <= n + 1, "the reader ends");
        FUZZ_CHECK(row.nfields >= 1, "a row has a field");
        json_t *fields = json_array();
        for (int i = 0; i < row.nfields; i++) {
            FUZZ_CHECK(row.fields[i][row.lens[i]] == 0, "fields NUL-terminated");
            json_array_append_new(fields, json_stringn_nocheck(row.fields[i], row.lens[i]));
        }
        json_array_append_new(rows, fields);
    }
    *err_key = rc < 0 ? r.err_key : NULL;
    if (rc < 0) FUZZ_CHECK(r.err_key != NULL && r.err_line >= 1, "an error says what and where");
    kj_csv_reader_free(&r);
    return rows;
}

static bool same_rows(json_t *a, json_t *b)
{
    if (json_array_size(a) != json_array_size(b)) return false;
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *x = json_array_get(a, i), *y = json_array_get(b, i);
        if (json_array_size(x) != json_array_size(y)) return false;
        for (size_t k = 0; k < json_array_size(x); k++) {
            json_t *p = json_array_get(x, k), *q = json_array_get(y, k);
            if (json_string_length(p) != json_string_length(q) ||
                memcmp(json_string_value(p), json_string_value(q), json_string_length(p))) return false;
        }
    }
    return true;
}

static void write_rows(kj_buf *out, json_t *rows, char delim, unsigned flags, bool transfer_guard)
{
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        size_t nf = json_array_size(row);
        const char **f = calloc(nf, sizeof *f);
        size_t *l = calloc(nf, sizeof *l);
        kj_buf cells = { 0 };
        size_t *off = calloc(nf, sizeof *off);
        for (size_t k = 0; k < nf; k++) {
            json_t *s = json_array_get(row, k);
            off[k] = cells.len;
            if (transfer_guard && kj_transfer_needs_quote_guard(json_string_value(s), json_string_length(s)))
                kj_buf_append(&cells, "'", 1);
            kj_buf_append(&cells, json_string_value(s), json_string_length(s));
            l[k] = cells.len - off[k];
        }
        for (size_t k = 0; k < nf; k++) f[k] = cells.data ? cells.data + off[k] : "";
        FUZZ_CHECK(kj_csv_write_row(kj_buf_sink, out, f, l, (int)nf, delim, flags) == 0, "rows written");
        kj_buf_free(&cells);
        free(f); free(l); free(off);
    }
}

static void check_cells(json_t *rows)
{
    size_t i, k;
    json_t *row, *cell;
    json_array_foreach(rows, i, row) json_array_foreach(row, k, cell) {
        const char *s = json_string_value(cell);   /* as the import sees it: up to a NUL */
        json_t *items = kj_transfer_split_list(s);
        size_t m;
        json_t *it;
        json_array_foreach(items, m, it) FUZZ_CHECK(json_string_length(it) > 0, "list items are not empty");
        /* Stored items are trimmed (an escaped blank at an item's end survives
         * a split but not a join): for those, join → split is the identity. */
        json_t *stored = json_array();
        json_array_foreach(items, m, it) {
            const char *p = json_string_value(it);
            size_t a = 0, e = json_string_length(it);
            while (a < e && strchr(" \t\r\n\f\v", p[a])) a++;
            while (e > a && strchr(" \t\r\n\f\v", p[e - 1])) e--;
            if (e > a) json_array_append_new(stored, json_stringn_nocheck(p + a, e - a));
        }
        kj_buf joined = { 0 };
        FUZZ_CHECK(kj_transfer_join_list(stored, &joined) == 0, "list joined");
        json_t *again = kj_transfer_split_list(joined.data ? joined.data : "");
        if (!json_equal(stored, again)) {
            char *a = json_dumps(stored, JSON_COMPACT), *b = json_dumps(again, JSON_COMPACT);
            fprintf(stderr, "cell \"%s\" items %s joined \"%s\" items %s\n", s, a, joined.data, b);
            FUZZ_CHECK(0, "join → split keeps trimmed items");
        }
        json_decref(again);
        json_decref(stored);
        kj_buf_free(&joined);
        json_decref(items);
        json_t *ind = kj_transfer_split_indicators(s);
        if (ind && s[strspn(s, " \t\r\n\f\v")] != '[') {
            kj_buf j = { 0 };
            FUZZ_CHECK(kj_transfer_join_indicators(ind, &j) == 0, "indicators joined");
            json_t *ind2 = kj_transfer_split_indicators(j.data ? j.data : "");
            FUZZ_CHECK(ind2 != NULL, "joined indicators split");
            kj_buf j2 = { 0 };
            FUZZ_CHECK(kj_transfer_join_indicators(ind2, &j2) == 0, "indicators joined");
            json_t *ind3 = kj_transfer_split_indicators(j2.data ? j2.data : "");
            FUZZ_CHECK(ind3 && json_equal(ind2, ind3), "join → split is stable for indicators");
            json_decref(ind3);
            json_decref(ind2);
            kj_buf_free(&j2);
            kj_buf_free(&j);
        }
        json_decref(ind);
        bool b;
        (void)kj_transfer_parse_bool(s, &b);
    }
}

/* What the listing export writes (BOM, header, both guards) and the import
 * reads back (encoding, sniffed delimiter, unguard) must be the cells. */
static void export_import(json_t *rows)
{
    size_t i, k;
    json_t *row, *cell;
    json_array_foreach(rows, i, row) json_array_foreach(row, k, cell)
        if (memchr(json_string_value(cell), 0, json_string_length(cell)) ||
            !valid_utf8((const unsigned char *)json_string_value(cell), json_string_length(cell))) return;
    kj_buf out = { 0 };
    kj_csv_write_bom(kj_buf_sink, &out);
    json_t *all = json_array();
    json_array_append_new(all, json_pack("[s,s,s]", "kind", "title", "summary"));
    json_array_extend(all, rows);
    write_rows(&out, all, ',', KJ_CSV_EXPORT, true);
    kj_encoding enc = kj_detect_encoding(out.data, out.len);
    FUZZ_CHECK(enc == KJ_ENC_UTF8_BOM, "the export is UTF-8 with a BOM");
    size_t n;
    char *text = kj_to_utf8(out.data, out.len, enc, &n);
    FUZZ_CHECK(text != NULL, "the export converts");
    char delim = kj_transfer_sniff_delimiter(text, n);
    FUZZ_CHECK(delim == ',', "the import finds the export's delimiter");
    const char *err;
    json_t *back = read_all(text, n, delim, &err);
    FUZZ_CHECK(err == NULL, "the export reads without error");
    json_array_foreach(back, i, row) json_array_foreach(row, k, cell) {
        size_t skip = kj_transfer_unguard(json_string_value(cell), json_string_length(cell));
        json_array_set_new(row, k, json_stringn_nocheck(json_string_value(cell) + skip, json_string_length(cell) - skip));
    }
    if (!same_rows(all, back)) {
        char *a = json_dumps(all, JSON_COMPACT), *b = json_dumps(back, JSON_COMPACT);
        fprintf(stderr, "exported %s\nimported %s\n", a, b);
        FUZZ_CHECK(0, "export → import keeps every cell");
    }
    json_decref(back);
    json_decref(all);
    free(text);
    kj_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    kj_encoding enc = kj_detect_encoding(size ? in : NULL, size);
    size_t n = 0;
    char *text = kj_to_utf8(size ? in : NULL, size, enc, &n);
    if (enc == KJ_ENC_UTF8 || enc == KJ_ENC_GB18030) FUZZ_CHECK(text != NULL, "a detected encoding converts");
    if (enc == KJ_ENC_UNKNOWN) FUZZ_CHECK(text == NULL, "an unknown encoding does not convert");
    if (enc == KJ_ENC_UTF8) FUZZ_CHECK(n == size && !memcmp(text, in, n), "UTF-8 passes unchanged");
    if (!text) return 0;
    FUZZ_CHECK(text[n] == 0 && valid_utf8((const unsigned char *)text, n), "the text is valid UTF-8");

    char delim = kj_transfer_sniff_delimiter(text, n);
    FUZZ_CHECK(delim == ',' || delim == ';' || delim == '\t', "a known delimiter");
    const char *err;
    json_t *rows = read_all(text, n, delim, &err);
    check_cells(rows);

    /* Re-written rows read back the same (up to the first error). */
    kj_buf out = { 0 };
    write_rows(&out, rows, delim, 0, false);
    const char *err2;
    json_t *again = read_all(out.data ? out.data : "", out.len, delim, &err2);
    FUZZ_CHECK(err2 == NULL, "written rows read without error");
    FUZZ_CHECK(same_rows(rows, again), "write → read keeps every row");
    json_decref(again);
    kj_buf_free(&out);

    export_import(rows);
    json_decref(rows);
    free(text);
    return 0;
}
