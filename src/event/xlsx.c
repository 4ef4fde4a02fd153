/* xlsx.c — tables to an XLSX workbook (see xlsx.h). */
#include "event/xlsx.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

int kj_xlsx_tables(json_t *sheets, kj_buf *out)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir || strlen(dir) > 30) dir = "/tmp";
    char path[64];
    snprintf(path, sizeof path, "%s/kejiyun-report-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    close(fd);
    int rc = 0;
    lxw_workbook *wb = workbook_new(path);
    lxw_format *bold = wb ? workbook_add_format(wb) : NULL;
    if (!wb || !bold) rc = -1;
    else format_set_bold(bold);
    size_t i, r, c;
    json_t *sheet, *row, *cell;
    json_array_foreach(sheets, i, sheet) {
        if (rc) break;
        char name[32];
        snprintf(name, sizeof name, "%s", json_string_value(json_object_get(sheet, "name")) ? json_string_value(json_object_get(sheet, "name")) : "sheet");
        lxw_worksheet *ws = workbook_add_worksheet(wb, name);
        if (!ws) { rc = -1; break; }
        json_array_foreach(json_object_get(sheet, "rows"), r, row) json_array_foreach(row, c, cell) {
            lxw_error e = LXW_NO_ERROR;
            if (json_is_number(cell)) e = worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)c, json_number_value(cell), r ? NULL : bold);
            else if (json_is_string(cell)) e = worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, json_string_value(cell), r ? NULL : bold);
            if (e != LXW_NO_ERROR) rc = -1;
        }
    }
    if (wb && workbook_close(wb) != LXW_NO_ERROR) rc = -1;
    FILE *f = rc == 0 ? fopen(path, "rb") : NULL;
    if (rc == 0 && !f) rc = -1;
    char chunk[65536];
    size_t n;
    while (f && rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0) rc = kj_buf_append(out, chunk, n);
    if (f && ferror(f)) rc = -1;
    if (f) fclose(f);
    unlink(path);
    return rc;
}
