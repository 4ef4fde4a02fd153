/*
 * export.c — statistics tables as CSV and XLSX (export.h).
 */
#include "stats/export.h"
#include "text/csv.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

void kj_stats_cell_text(json_t *c, kj_stats_tr tr, void *ctx, kj_buf *out)
{
    if (json_is_integer(c)) kj_buf_printf(out, "%lld", (long long)json_integer_value(c));
    else if (json_is_real(c)) {
        double v = json_real_value(c);
        if (v == floor(v) && fabs(v) < 1e15) kj_buf_printf(out, "%.0f", v);
        else kj_buf_printf(out, "%.2f", v);
    } else if (json_is_string(c)) kj_buf_puts(out, json_string_value(c));
    else if (json_is_object(c)) kj_buf_puts(out, tr(ctx, json_string_value(json_object_get(c, "key"))));
    else if (json_is_null(c)) kj_buf_puts(out, tr(ctx, "stats.suppressed"));
}

int kj_stats_csv(json_t *table, kj_stats_tr tr, void *ctx, kj_buf *out)
{
    if (kj_csv_write_bom(kj_buf_sink, out)) return -1;
    json_t *cols = json_object_get(table, "columns");
    size_t n = json_array_size(cols);
    if (!n) return -1;
    const char **f = calloc(n, sizeof *f);
    kj_buf *cells = calloc(n, sizeof *cells);
    int rc = f && cells ? 0 : -1;
    for (size_t i = 0; !rc && i < n; i++) f[i] = tr(ctx, json_string_value(json_array_get(cols, i)));
    if (!rc) rc = kj_csv_write_row(kj_buf_sink, out, f, NULL, (int)n, ',', KJ_CSV_EXPORT);
    size_t r;
    json_t *row;
    json_array_foreach(json_object_get(table, "rows"), r, row) {
        if (rc) break;
        for (size_t i = 0; i < n; i++) {
            kj_buf_reset(&cells[i]);
            kj_stats_cell_text(json_array_get(row, i), tr, ctx, &cells[i]);
            kj_buf_append(&cells[i], "", 1);
            f[i] = cells[i].data;
        }
        rc = kj_csv_write_row(kj_buf_sink, out, f, NULL, (int)n, ',', KJ_CSV_EXPORT);
    }
    for (size_t i = 0; cells && i < n; i++) kj_buf_free(&cells[i]);
    free(cells);
    free(f);
    return rc;
}

/* Excel refuses sheet names over 31 characters or with []:*?/\ . */
static void sheet_name(const char *title, char *out, size_t n, int index)
{
    char buf[128];
    size_t j = 0;
    for (const unsigned char *p = (const unsigned char *)title; *p && j + 4 < sizeof buf; p++)
        if (!strchr("[]:*?/\\", *p)) buf[j++] = (char)*p;
    buf[j] = 0;
    /* Cut at 28 characters (not bytes), leaving room for a number. */
    size_t chars = 0, k = 0;
    for (; buf[k] && chars < 26; chars++) {
        k++;
        while ((buf[k] & 0xC0) == 0x80) k++;
    }
    snprintf(out, n, "%d %.*s", index, (int)k, buf);
}

unsigned char *kj_stats_xlsx(json_t *tables, json_t *about, kj_stats_tr tr, void *ctx, size_t *len)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir || strlen(dir) > 30) dir = "/tmp";
    char path[64];
    snprintf(path, sizeof path, "%s/kejiyun-stats-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) return NULL;
    close(fd);
    lxw_workbook_options o = { .constant_memory = LXW_FALSE, .tmpdir = (char *)dir };
    lxw_workbook *wb = workbook_new_opt(path, &o);
    int rc = wb ? 0 : -1;
    lxw_format *bold = wb ? workbook_add_format(wb) : NULL;
    if (bold) format_set_bold(bold);
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, "about") : NULL;
    if (!ws) rc = -1;
    size_t i;
    json_t *line;
    json_array_foreach(about, i, line)
        if (!rc && worksheet_write_string(ws, (lxw_row_t)i, 0, json_string_value(line), i ? NULL : bold) != LXW_NO_ERROR) rc = -1;
    json_t *t;
    kj_buf text = { 0 };
    json_array_foreach(tables, i, t) {
        if (rc) break;
        char name[160];
        sheet_name(tr(ctx, json_string_value(json_object_get(t, "title"))), name, sizeof name, (int)i + 1);
        ws = workbook_add_worksheet(wb, name);
        if (!ws) { rc = -1; break; }
        size_t c, r;
        json_t *v, *row;
        json_array_foreach(json_object_get(t, "columns"), c, v)
            if (worksheet_write_string(ws, 0, (lxw_col_t)c, tr(ctx, json_string_value(v)), bold) != LXW_NO_ERROR) rc = -1;
        json_array_foreach(json_object_get(t, "rows"), r, row) {
            json_array_foreach(row, c, v) {
                lxw_error e;
                if (json_is_number(v)) e = worksheet_write_number(ws, (lxw_row_t)r + 1, (lxw_col_t)c, json_number_value(v), NULL);
                else {
                    kj_buf_reset(&text);
                    kj_stats_cell_text(v, tr, ctx, &text);
                    kj_buf_append(&text, "", 1);
                    e = worksheet_write_string(ws, (lxw_row_t)r + 1, (lxw_col_t)c, text.data, NULL);
                }
                if (e != LXW_NO_ERROR) rc = -1;
            }
        }
    }
    kj_buf_free(&text);
    if (wb && workbook_close(wb) != LXW_NO_ERROR) rc = -1;
    unsigned char *bytes = NULL;
    FILE *f = rc ? NULL : fopen(path, "rb");
    if (f) {
        kj_buf b = { 0 };
        char chunk[65536];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) kj_buf_append(&b, chunk, n);
        if (!ferror(f)) bytes = (unsigned char *)kj_buf_steal(&b, len);
        kj_buf_free(&b);
        fclose(f);
    }
    unlink(path);
    return bytes;
}
