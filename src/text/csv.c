/*
 * csv.c — RFC 4180 reader and writer (contracts in csv.h).
 */
#include "text/csv.h"
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- reader: storage --------------------------------------------------- */

static const char BOM[] = "\xEF\xBB\xBF";

void kj_csv_reader_init(kj_csv_reader *r, const char *buf, size_t len, char delim)
{
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->len = buf ? len : 0;
    r->delim = delim;
    r->line = 1;
    if (r->len >= 3 && memcmp(buf, BOM, 3) == 0) r->pos = 3;
}

void kj_csv_reader_free(kj_csv_reader *r)
{
    free(r->data);
    free(r->offs);
    free(r->lens);
    free(r->ptrs);
    r->data = NULL; r->offs = r->lens = NULL; r->ptrs = NULL;
    r->data_len = r->data_cap = r->field_cap = 0;
}

static int fail(kj_csv_reader *r, size_t line, const char *key)
{
    r->err_line = line;
    r->err_key = key;
    return -1;
}

static bool data_append(kj_csv_reader *r, const char *p, size_t n)
{
    if (r->data_len + n + 1 > r->data_cap) {
        size_t cap = r->data_cap ? r->data_cap : 256;
        while (cap < r->data_len + n + 1) cap *= 2;
        char *d = realloc(r->data, cap);
        if (!d) return false;
        r->data = d;
        r->data_cap = cap;
    }
    if (n) memcpy(r->data + r->data_len, p, n);
    r->data_len += n;
    return true;
}

/* Closes field number i, which started at data offset start. */
static bool field_end(kj_csv_reader *r, size_t i, size_t start)
{
    if (i >= r->field_cap) {
        size_t cap = r->field_cap ? r->field_cap * 2 : 16;
        size_t *o = realloc(r->offs, cap * sizeof *o);
        if (o) r->offs = o;
        size_t *l = realloc(r->lens, cap * sizeof *l);
        if (l) r->lens = l;
        const char **p = realloc(r->ptrs, cap * sizeof *p);
        if (p) r->ptrs = p;
        if (!o || !l || !p) return false;
        r->field_cap = cap;
    }
    r->offs[i] = start;
    r->lens[i] = r->data_len - start;
    return data_append(r, "", 1);   /* the NUL after each field */
}

/* ---- reader: parsing --------------------------------------------------- */

static bool at_line_end(const kj_csv_reader *r)
{
    return r->pos < r->len && (r->buf[r->pos] == '\n' || r->buf[r->pos] == '\r');
}

/* Consumes one CRLF, LF or lone CR. */
static void skip_line_end(kj_csv_reader *r)
{
    if (r->buf[r->pos] == '\r' && r->pos + 1 < r->len && r->buf[r->pos + 1] == '\n') r->pos++;
    r->pos++;
    r->line++;
}

/* Line breaks inside a quoted field still advance the physical line
 * count; CRLF counts once. */
static void count_lines(kj_csv_reader *r, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\n' || (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'))) r->line++;
}

/* Reads a quoted field from just after its opening quote. */
static int read_quoted(kj_csv_reader *r)
{
    size_t open_line = r->line;
    for (;;) {
        const char *q = memchr(r->buf + r->pos, '"', r->len - r->pos);
        if (!q) return fail(r, open_line, "err.csv.unterminated_quote");
        size_t run = (size_t)(q - (r->buf + r->pos));
        count_lines(r, r->buf + r->pos, run);
        if (!data_append(r, r->buf + r->pos, run)) return fail(r, r->line, "err.csv.out_of_memory");
        r->pos += run + 1;
        if (r->pos < r->len && r->buf[r->pos] == '"') {
            if (!data_append(r, "\"", 1)) return fail(r, r->line, "err.csv.out_of_memory");
            r->pos++;
            continue;
        }
        if (r->pos == r->len || r->buf[r->pos] == r->delim || at_line_end(r)) return 0;
        return fail(r, r->line, "err.csv.text_after_quote");
    }
}

static int read_unquoted(kj_csv_reader *r)
{
    size_t end = r->pos;
    while (end < r->len) {
        char c = r->buf[end];
        if (c == r->delim || c == '\n' || c == '\r') break;
        end++;
    }
    if (!data_append(r, r->buf + r->pos, end - r->pos)) return fail(r, r->line, "err.csv.out_of_memory");
    r->pos = end;
    return 0;
}

int kj_csv_next_row(kj_csv_reader *r, kj_csv_row *row)
{
    if (r->err_key) return -1;
    if (!r->delim || r->delim == '"' || r->delim == '\n' || r->delim == '\r')
        return fail(r, r->line, "err.csv.bad_delimiter");
    while (at_line_end(r)) skip_line_end(r);   /* blank lines */
    if (r->pos >= r->len) return 0;

    size_t first_line = r->line, n = 0;
    r->data_len = 0;
    for (;;) {
        size_t start = r->data_len;
        int rc;
        if (r->buf[r->pos] == '"') { r->pos++; rc = read_quoted(r); }
        else rc = read_unquoted(r);
        if (rc) return rc;
        if (n >= INT_MAX || !field_end(r, n++, start)) return fail(r, r->line, "err.csv.out_of_memory");
        if (r->pos < r->len && r->buf[r->pos] == r->delim) {
            r->pos++;
            if (r->pos < r->len) continue;
            /* a delimiter right at the end of input: one more empty field */
            if (!field_end(r, n++, r->data_len)) return fail(r, r->line, "err.csv.out_of_memory");
        }
        break;
    }
    if (at_line_end(r)) skip_line_end(r);

    /* data may have moved while growing: pointers are made only now */
    for (size_t i = 0; i < n; i++) r->ptrs[i] = r->data + r->offs[i];
    row->nfields = (int)n;
    row->fields = r->ptrs;
    row->lens = r->lens;
    row->line = first_line;
    return 1;
}

/* ---- writer ------------------------------------------------------------ */

/* -12.5 or +86: numbers are what spreadsheets expect in those columns and
 * cannot hold a formula, so the guard leaves them alone. */
static bool is_plain_number(const char *p, size_t n)
{
    size_t i = (n && (p[0] == '+' || p[0] == '-')) ? 1 : 0, digits = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9') { i++; digits++; }
    if (i < n && p[i] == '.') {
        i++;
        size_t frac = 0;
        while (i < n && p[i] >= '0' && p[i] <= '9') { i++; frac++; }
        if (!frac) return false;
    }
    return digits && i == n;
}

static bool needs_guard(const char *p, size_t n)
{
    return n && memchr("=+-@\t\r", p[0], 6) && !is_plain_number(p, n);
}

static bool needs_quotes(const char *p, size_t n, char delim)
{
    if (n && (p[0] == ' ' || p[0] == '\t' || p[n - 1] == ' ' || p[n - 1] == '\t')) return true;
    /* A first field starting with U+FEFF would be read as a byte-order mark
     * and lose it (found by tests/fuzz/fuzz_csv_import): quote it. */
    if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) return true;
    for (size_t i = 0; i < n; i++)
        if (p[i] == delim || p[i] == '"' || p[i] == '\r' || p[i] == '\n') return true;
    return false;
}

static int emit(kj_csv_sink sink, void *ctx, const char *p, size_t n)
{
    return n && sink(ctx, p, n) ? -1 : 0;
}

/* Writes p with every '"' doubled. */
static int emit_doubling_quotes(kj_csv_sink sink, void *ctx, const char *p, size_t n)
{
    const char *q;
    while ((q = memchr(p, '"', n)) != NULL) {
        size_t run = (size_t)(q - p) + 1;   /* through the quote */
        if (emit(sink, ctx, p, run) || emit(sink, ctx, "\"", 1)) return -1;
        p += run;
        n -= run;
    }
    return emit(sink, ctx, p, n);
}

int kj_csv_write_field(kj_csv_sink sink, void *ctx, const char *p, size_t n,
                       char delim, unsigned flags)
{
    if (!p) n = 0;
    bool guard = (flags & KJ_CSV_GUARD_FORMULAS) && needs_guard(p, n);
    bool quote = needs_quotes(p, n, delim);
    if (quote && emit(sink, ctx, "\"", 1)) return -1;
    if (guard && emit(sink, ctx, "'", 1)) return -1;
    if (emit_doubling_quotes(sink, ctx, p ? p : "", n)) return -1;
    return quote ? emit(sink, ctx, "\"", 1) : 0;
}

static int emit_line_end(kj_csv_sink sink, void *ctx, unsigned flags)
{
    return flags & KJ_CSV_LF ? emit(sink, ctx, "\n", 1) : emit(sink, ctx, "\r\n", 2);
}

int kj_csv_write_row(kj_csv_sink sink, void *ctx, const char *const *fields,
                     const size_t *lens, int n, char delim, unsigned flags)
{
    for (int i = 0; i < n; i++) {
        const char *p = fields[i];
        size_t len = !p ? 0 : lens ? lens[i] : strlen(p);
        if (i && emit(sink, ctx, &delim, 1)) return -1;
        if (n == 1 && len == 0) {   /* else it would read back as a blank line */
            if (emit(sink, ctx, "\"\"", 2)) return -1;
        } else if (kj_csv_write_field(sink, ctx, p, len, delim, flags)) {
            return -1;
        }
    }
    return emit_line_end(sink, ctx, flags);
}

int kj_csv_write_bom(kj_csv_sink sink, void *ctx) { return emit(sink, ctx, BOM, 3); }
