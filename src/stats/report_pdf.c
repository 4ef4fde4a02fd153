/*
 * report_pdf.c — the monthly statistics report as an A4 PDF (export.h):
 * the title, the lines saying what, where and when, then every table with
 * its header, its rows and, for tables with a chart, a bar per row for the
 * first numeric column. Laid out with pango (CJK line breaking and fonts
 * through fontconfig), written by cairo's PDF backend into memory.
 *
 * One font map serves every rendering of this file; a mutex makes the
 * renderings take turns (pango's font map is not shared across threads
 * otherwise) — the same rule as deal/contract_pdf.c, with its own map.
 */
#include "stats/export.h"
#include "core/clock.h"
#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN 48.0
#define TEXT_W (PAGE_W - 2 * MARGIN)
#define FONT "WenQuanYi Micro Hei, Noto Sans CJK SC, Noto Sans SC, sans-serif"

static pthread_mutex_t render_lock = PTHREAD_MUTEX_INITIALIZER;
static PangoFontMap *font_map;   /* created once under render_lock, kept for the process */

typedef struct {
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoContext *pc;
    double y;
    int page;
    kj_stats_tr tr;
    void *ctx;
} doc;

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int length)
{
    return kj_buf_append(closure, data, length) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

static PangoLayout *layout(doc *d, double size, bool bold, double width, const char *text)
{
    PangoLayout *l = pango_layout_new(d->pc);
    PangoFontDescription *fd = pango_font_description_from_string(FONT);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(l, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    pango_layout_set_height(l, -2);   /* at most two lines */
    pango_layout_set_text(l, text, -1);
    return l;
}

static void footer(doc *d)
{
    char t[32];
    snprintf(t, sizeof t, "— %d —", d->page);
    PangoLayout *l = layout(d, 8, false, TEXT_W, t);
    pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
    cairo_set_source_rgb(d->cr, 0.4, 0.4, 0.4);
    cairo_move_to(d->cr, MARGIN, PAGE_H - 30);
    pango_cairo_show_layout(d->cr, l);
    g_object_unref(l);
    cairo_set_source_rgb(d->cr, 0, 0, 0);
}

static void need(doc *d, double h)
{
    if (d->y + h <= PAGE_H - MARGIN - 20) return;
    footer(d);
    cairo_show_page(d->cr);
    d->page++;
    d->y = MARGIN;
}

/* Writes text at (x, d->y) in width; returns its height. */
static double text_at(doc *d, double x, double width, double size, bool bold, const char *text)
{
    PangoLayout *l = layout(d, size, bold, width, text);
    int w, h;
    pango_layout_get_size(l, &w, &h);
    cairo_move_to(d->cr, x, d->y);
    pango_cairo_show_layout(d->cr, l);
    g_object_unref(l);
    return (double)h / PANGO_SCALE;
}

static void para(doc *d, double size, bool bold, const char *text, double after)
{
    PangoLayout *l = layout(d, size, bold, TEXT_W, text);
    pango_layout_set_height(l, -10);
    int w, h;
    pango_layout_get_size(l, &w, &h);
    need(d, (double)h / PANGO_SCALE);
    cairo_move_to(d->cr, MARGIN, d->y);
    pango_cairo_show_layout(d->cr, l);
    g_object_unref(l);
    d->y += (double)h / PANGO_SCALE + after;
}

static void table(doc *d, json_t *t)
{
    json_t *cols = json_object_get(t, "columns"), *rows = json_object_get(t, "rows");
    size_t nc = json_array_size(cols);
    if (!nc) return;
    bool chart = *json_string_value(json_object_get(t, "chart")) == 'b';
    need(d, 60);
    d->y += 8;
    para(d, 12, true, d->tr(d->ctx, json_string_value(json_object_get(t, "title"))), 4);
    /* First column wider (labels); a bar column on the right for charts. */
    double bar_w = chart ? 110 : 0, label_w = nc > 1 ? (TEXT_W - bar_w) * 0.38 : TEXT_W - bar_w;
    double col_w = nc > 1 ? (TEXT_W - bar_w - label_w) / (double)(nc - 1) : 0;
    double max = 0;
    size_t i, c;
    json_t *r;
    json_array_foreach(rows, i, r) {
        json_t *v = json_array_get(r, 1);
        if (json_is_number(v) && json_number_value(v) > max) max = json_number_value(v);
    }
    double h = 0, hh;
    for (c = 0; c < nc; c++) {
        hh = text_at(d, MARGIN + (c ? label_w + (double)(c - 1) * col_w : 0), c ? col_w - 4 : label_w - 4, 8.5, true,
                     d->tr(d->ctx, json_string_value(json_array_get(cols, c))));
        if (hh > h) h = hh;
    }
    d->y += h + 3;
    kj_buf cell = { 0 };
    json_array_foreach(rows, i, r) {
        need(d, 24);
        h = 0;
        for (c = 0; c < nc; c++) {
            kj_buf_reset(&cell);
            kj_stats_cell_text(json_array_get(r, c), d->tr, d->ctx, &cell);
            hh = text_at(d, MARGIN + (c ? label_w + (double)(c - 1) * col_w : 0), c ? col_w - 4 : label_w - 4, 9, false,
                         cell.data ? cell.data : "");
            if (hh > h) h = hh;
        }
        json_t *v = json_array_get(r, 1);
        if (chart && max > 0 && json_is_number(v) && json_number_value(v) > 0) {
            cairo_set_source_rgb(d->cr, 0.16, 0.44, 0.74);
            cairo_rectangle(d->cr, PAGE_W - MARGIN - bar_w, d->y + 2, (bar_w - 4) * json_number_value(v) / max, 8);
            cairo_fill(d->cr);
            cairo_set_source_rgb(d->cr, 0, 0, 0);
        }
        d->y += h + 2;
    }
    if (!json_array_size(rows)) para(d, 9, false, d->tr(d->ctx, "stats.empty"), 0);
    kj_buf_free(&cell);
}

static int render(const char *title, json_t *about, json_t *tables, kj_stats_tr tr, void *ctx, kj_buf *out)
{
    if (!font_map) font_map = pango_cairo_font_map_new();
    if (!font_map) return -1;
    doc d = { .y = MARGIN, .page = 1, .tr = tr, .ctx = ctx };
    d.surface = cairo_pdf_surface_create_for_stream(to_buf, out, PAGE_W, PAGE_H);
    d.cr = cairo_create(d.surface);
    d.pc = pango_font_map_create_context(font_map);
    pango_cairo_update_context(d.cr, d.pc);
    cairo_pdf_surface_set_metadata(d.surface, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(d.surface, CAIRO_PDF_METADATA_CREATOR, "kejiyun");
    /* The platform's clock (tests shift it), not the wall clock cairo would read. */
    char when[32];
    kj_format_iso(kj_now_ms(), when, sizeof when);
    cairo_pdf_surface_set_metadata(d.surface, CAIRO_PDF_METADATA_CREATE_DATE, when);
    para(&d, 18, true, title, 8);
    size_t i;
    json_t *v;
    json_array_foreach(about, i, v) if (i) para(&d, 9.5, false, json_string_value(v), 2);
    d.y += 6;
    json_array_foreach(tables, i, v) table(&d, v);
    footer(&d);
    cairo_show_page(d.cr);
    g_object_unref(d.pc);
    cairo_destroy(d.cr);
    cairo_surface_finish(d.surface);
    int rc = cairo_surface_status(d.surface) == CAIRO_STATUS_SUCCESS ? 0 : -1;
    cairo_surface_destroy(d.surface);
    return rc;
}

unsigned char *kj_stats_pdf(const char *title, json_t *about, json_t *tables, kj_stats_tr tr, void *ctx, size_t *len)
{
    kj_buf out = { 0 };
    pthread_mutex_lock(&render_lock);
    int rc = render(title, about, tables, tr, ctx, &out);
    pthread_mutex_unlock(&render_lock);
    if (rc || !out.data) { kj_buf_free(&out); return NULL; }
    return (unsigned char *)kj_buf_steal(&out, len);
}
