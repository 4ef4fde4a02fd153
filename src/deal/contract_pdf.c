/*
 * contract_pdf.c — owns the PDF rendering of technology contracts: an A4
 * document laid out with pango (line breaking of Chinese text, CJK fonts
 * through fontconfig: WenQuanYi Micro Hei or Noto Sans CJK) and written by
 * cairo's PDF backend into memory (fonts embedded as subsets with their
 * Unicode mapping, so the text can be searched and extracted).
 *
 * Layout: the title, the head of the signed text (number, parties,
 * project), the clauses, then the block of electronic confirmations and
 * the SHA-256 of the contract text; every page has a footer with the
 * contract number and the page number. Paragraphs flow line by line so a
 * clause may continue on the next page.
 *
 * One font map serves every rendering; a mutex makes the renderings take
 * turns (pango objects must not be used by two threads at once).
 */
#include "deal/contract_pdf.h"
#include "core/json_util.h"
#include "core/buf.h"
#include "core/clock.h"
#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A4 in points, and the margins. */
#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN_X 64.0
#define MARGIN_TOP 64.0
#define MARGIN_BOTTOM 72.0
#define TEXT_W (PAGE_W - 2 * MARGIN_X)

#define FONT_FAMILY "WenQuanYi Micro Hei, Noto Sans CJK SC, Noto Sans SC, sans-serif"

/* The kinds of paragraph and how each is set. */
typedef struct para_style {
    double size;          /* points */
    bool bold, center, mono;
    double space_before, space_after;
    double gray;          /* 0 = black */
    double keep;          /* room (points) needed below its start, else a new page: headings stay with their text */
} para_style;

static const para_style S_TITLE = { 20, true, true, false, 0, 14, 0, 0 };
static const para_style S_NOTE = { 9, false, true, false, 0, 12, 0.35, 0 };
static const para_style S_HEAD = { 10.5, false, false, false, 0, 3, 0, 0 };
static const para_style S_HEADING = { 12, true, false, false, 10, 4, 0, 60 };
static const para_style S_SIG_HEADING = { 12, true, false, false, 10, 4, 0, 100 };
static const para_style S_BODY = { 10.5, false, false, false, 0, 2, 0, 0 };
static const para_style S_HASH = { 8.5, false, false, true, 2, 2, 0.2, 0 };
static const para_style S_FOOT = { 8, false, true, false, 0, 0, 0.4, 0 };

typedef struct pdf_doc {
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoContext *pc;
    double y;             /* where the next line starts */
    int page;
    char footer_id[64];
    const kj_contract_pdf_labels *lb;
} pdf_doc;

static pthread_mutex_t render_lock = PTHREAD_MUTEX_INITIALIZER;
static PangoFontMap *font_map;   /* created once, kept for the process */

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int length)
{
    return kj_buf_append(closure, data, length) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

static PangoLayout *make_layout(pdf_doc *d, const para_style *s, const char *text)
{
    PangoLayout *l = pango_layout_new(d->pc);
    PangoFontDescription *fd = pango_font_description_from_string(s->mono ? "DejaVu Sans Mono, monospace" : FONT_FAMILY);
    pango_font_description_set_absolute_size(fd, s->size * PANGO_SCALE);
    pango_font_description_set_weight(fd, s->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(l, (int)(TEXT_W * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, s->center ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
    pango_layout_set_spacing(l, (int)(s->size * 0.35 * PANGO_SCALE));
    pango_layout_set_text(l, text, -1);
    return l;
}

/* Draws the footer of the current page. */
static void footer(pdf_doc *d)
{
    char text[160];
    snprintf(text, sizeof text, "%s · %s %d", d->footer_id, d->lb->page, d->page);
    PangoLayout *l = make_layout(d, &S_FOOT, text);
    cairo_set_source_rgb(d->cr, S_FOOT.gray, S_FOOT.gray, S_FOOT.gray);
    cairo_move_to(d->cr, MARGIN_X, PAGE_H - MARGIN_BOTTOM + 24);
    pango_cairo_show_layout(d->cr, l);
    g_object_unref(l);
}

static void new_page(pdf_doc *d)
{
    footer(d);
    cairo_show_page(d->cr);
    d->page++;
    d->y = MARGIN_TOP;
}

/* Sets one paragraph line by line from d->y on, turning pages as needed. */
static void para(pdf_doc *d, const para_style *s, const char *text)
{
    if (!text || !*text) return;
    PangoLayout *l = make_layout(d, s, text);
    d->y += s->space_before;
    if (s->keep > 0 && d->y + s->keep > PAGE_H - MARGIN_BOTTOM) new_page(d);
    cairo_set_source_rgb(d->cr, s->gray, s->gray, s->gray);
    PangoLayoutIter *it = pango_layout_get_iter(l);
    do {
        PangoRectangle logical;
        pango_layout_iter_get_line_extents(it, NULL, &logical);
        double h = (double)logical.height / PANGO_SCALE;
        if (d->y + h > PAGE_H - MARGIN_BOTTOM) {
            new_page(d);
            cairo_set_source_rgb(d->cr, s->gray, s->gray, s->gray);
        }
        double baseline = (double)(pango_layout_iter_get_baseline(it) - logical.y) / PANGO_SCALE;
        cairo_move_to(d->cr, MARGIN_X + (double)logical.x / PANGO_SCALE, d->y + baseline);
        pango_cairo_show_layout_line(d->cr, pango_layout_iter_get_line_readonly(it));
        d->y += h;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    g_object_unref(l);
    d->y += s->space_after;
}

/* The head of the signed text: the lines after the title up to the first blank line. */
static void head_lines(pdf_doc *d, const char *text)
{
    const char *p = strchr(text, '\n');
    while (p && p[1] && p[1] != '\n') {
        const char *start = p + 1, *end = strchr(start, '\n');
        size_t n = end ? (size_t)(end - start) : strlen(start);
        char *line = strndup(start, n);
        if (line) para(d, &S_HEAD, line);
        free(line);
        p = end;
    }
}

/* "role: name · confirmed at …" (or "not yet confirmed") for one party. */
static void party_line(pdf_doc *d, json_t *deal, const char *role, const char *id_key, const char *name_key)
{
    const char *uid = kj_jstr_or_empty(deal, id_key);
    json_t *sig = NULL, *s;
    size_t i;
    json_array_foreach(json_object_get(deal, "signatures"), i, s)
        if (!strcmp(kj_jstr_or_empty(s, "user_id"), uid)) sig = s;
    kj_buf b = { 0 };
    kj_buf_printf(&b, "%s：%s · ", role, kj_jstr_or_empty(deal, name_key));
    if (sig) {
        char when[48];
        kj_format_local(json_integer_value(json_object_get(sig, "signed_at")), when, sizeof when);
        kj_buf_printf(&b, "%s %s", d->lb->signed_at, when);
    } else {
        kj_buf_puts(&b, d->lb->unsigned_);
    }
    para(d, &S_BODY, b.data);
    kj_buf_free(&b);
}

static void body(pdf_doc *d, json_t *deal)
{
    json_t *c = json_object_get(deal, "contract");
    para(d, &S_TITLE, kj_jstr_or_empty(c, "title"));
    para(d, &S_NOTE, d->lb->note);
    head_lines(d, kj_jstr_or_empty(c, "text"));
    size_t i;
    json_t *cl;
    json_array_foreach(json_object_get(c, "clauses"), i, cl) {
        para(d, &S_HEADING, kj_jstr_or_empty(cl, "heading"));
        para(d, &S_BODY, kj_jstr_or_empty(cl, "text"));
    }
    d->y += 12;
    para(d, &S_SIG_HEADING, d->lb->signatures);
    party_line(d, deal, d->lb->client, "client_id", "client_name");
    party_line(d, deal, d->lb->provider, "provider_id", "provider_name");
    kj_buf h = { 0 };
    kj_buf_printf(&h, "%s: %s", d->lb->hash, kj_jstr_or_empty(deal, "contract_hash"));
    para(d, &S_HASH, h.data);
    kj_buf_free(&h);
}

static void metadata(pdf_doc *d, json_t *deal)
{
    json_t *c = json_object_get(deal, "contract");
    kj_buf t = { 0 };
    const char *number = kj_jstr(deal, "contract_no") ? kj_jstr(deal, "contract_no") : kj_jstr_or_empty(deal, "id");
    kj_buf_printf(&t, "%s %s", kj_jstr_or_empty(c, "title"), number);
    cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_TITLE, t.data);
    cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_SUBJECT, kj_jstr_or_empty(deal, "title"));
    cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATOR, "kejiyun");
    /* The platform's clock (tests shift it), not the wall clock cairo would read. */
    char when[32];
    kj_format_iso(kj_now_ms(), when, sizeof when);
    cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATE_DATE, when);
    kj_buf_free(&t);
}

/* Renders into out; 0 or -1. Called with render_lock held. */
static int render(json_t *deal, const kj_contract_pdf_labels *lb, kj_buf *out)
{
    if (!font_map) font_map = pango_cairo_font_map_new();
    if (!font_map) return -1;
    pdf_doc d = { .page = 1, .y = MARGIN_TOP, .lb = lb };
    snprintf(d.footer_id, sizeof d.footer_id, "%s",
             kj_jstr(deal, "contract_no") ? kj_jstr(deal, "contract_no") : kj_jstr_or_empty(deal, "id"));
    d.surface = cairo_pdf_surface_create_for_stream(to_buf, out, PAGE_W, PAGE_H);
    d.cr = cairo_create(d.surface);
    d.pc = pango_font_map_create_context(font_map);
    pango_cairo_update_context(d.cr, d.pc);
    metadata(&d, deal);
    body(&d, deal);
    footer(&d);
    cairo_show_page(d.cr);
    g_object_unref(d.pc);
    cairo_destroy(d.cr);
    cairo_surface_finish(d.surface);
    int rc = cairo_surface_status(d.surface) == CAIRO_STATUS_SUCCESS ? 0 : -1;
    cairo_surface_destroy(d.surface);
    return rc;
}

unsigned char *kj_contract_pdf(json_t *deal, const kj_contract_pdf_labels *labels, size_t *len)
{
    if (!json_is_object(json_object_get(deal, "contract")) || !labels) return NULL;
    kj_buf out = { 0 };
    pthread_mutex_lock(&render_lock);
    int rc = render(deal, labels, &out);
    pthread_mutex_unlock(&render_lock);
    if (rc || !out.data) { kj_buf_free(&out); return NULL; }
    return (unsigned char *)kj_buf_steal(&out, len);
}
