/*
 * art.c — draws the demo's pictures with cairo (and pango for the video's
 * captions): studio avatars, 科普 illustrations and the frames of the
 * short 科普 video. Built and run by scripts/demo-media.sh; its output is
 * committed under data/demo/media/ (see data/demo/README.md). Every shape
 * is drawn here from simple geometry: no outside image is used.
 *
 *   art avatars DIR          studio-01.png … studio-12.png (256×256)
 *   art posters DIR          popsci-*.png (720×405: the widths a phone and the article column use)
 *   art frames DIR N         frame-0001.png … (640×360), N frames at 12 fps
 */
#define _GNU_SOURCE
#include <cairo.h>
#include <stdbool.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef cairo_t C;

static void rgb(C *c, unsigned hex) { cairo_set_source_rgb(c, (hex >> 16 & 255) / 255.0, (hex >> 8 & 255) / 255.0, (hex & 255) / 255.0); }
static void rgba(C *c, unsigned hex, double a)
{
    cairo_set_source_rgba(c, (hex >> 16 & 255) / 255.0, (hex >> 8 & 255) / 255.0, (hex & 255) / 255.0, a);
}
static void circle(C *c, double x, double y, double r) { cairo_new_sub_path(c); cairo_arc(c, x, y, r, 0, 2 * M_PI); }
static void rrect(C *c, double x, double y, double w, double h, double r)
{
    cairo_new_sub_path(c);
    cairo_arc(c, x + w - r, y + r, r, -M_PI / 2, 0);
    cairo_arc(c, x + w - r, y + h - r, r, 0, M_PI / 2);
    cairo_arc(c, x + r, y + h - r, r, M_PI / 2, M_PI);
    cairo_arc(c, x + r, y + r, r, M_PI, 1.5 * M_PI);
    cairo_close_path(c);
}
static void line(C *c, double x1, double y1, double x2, double y2) { cairo_move_to(c, x1, y1); cairo_line_to(c, x2, y2); }

/* A leaf from (x,y) pointing at angle a, length l, width w. */
static void leaf(C *c, double x, double y, double a, double l, double w)
{
    cairo_save(c);
    cairo_translate(c, x, y);
    cairo_rotate(c, a);
    cairo_move_to(c, 0, 0);
    cairo_curve_to(c, l * 0.3, -w, l * 0.7, -w, l, 0);
    cairo_curve_to(c, l * 0.7, w, l * 0.3, w, 0, 0);
    cairo_restore(c);
}

/* A quadcopter seen from the side-top, centred at (x,y), size s. */
static void drone(C *c, double x, double y, double s, unsigned body, double t)
{
    rgb(c, body);
    rrect(c, x - s * 0.35, y - s * 0.1, s * 0.7, s * 0.22, s * 0.06);
    cairo_fill(c);
    cairo_set_line_width(c, s * 0.05);
    line(c, x - s * 0.35, y, x - s * 0.75, y - s * 0.12);
    line(c, x + s * 0.35, y, x + s * 0.75, y - s * 0.12);
    cairo_stroke(c);
    for (int k = -1; k <= 1; k += 2) {
        double rx = x + k * s * 0.75, ry = y - s * 0.18, w = s * 0.32 * (0.8 + 0.2 * fabs(cos(t * 9 + k)));
        rgba(c, 0x222222, 0.8);
        cairo_save(c);
        cairo_translate(c, rx, ry);
        cairo_scale(c, 1, 0.18);
        circle(c, 0, 0, w + s * 0.05);
        cairo_restore(c);
        cairo_fill(c);
    }
    rgb(c, 0x2b6cb0);   /* the spray tank */
    rrect(c, x - s * 0.15, y + s * 0.1, s * 0.3, s * 0.18, s * 0.05);
    cairo_fill(c);
}

static void rice_plant(C *c, double x, double y, double h, unsigned green, bool grains)
{
    rgb(c, green);
    cairo_set_line_width(c, h * 0.025);
    for (int k = -3; k <= 3; k++) {
        cairo_move_to(c, x, y);
        cairo_curve_to(c, x + k * h * 0.05, y - h * 0.5, x + k * h * 0.12, y - h * 0.8, x + k * h * 0.2, y - h * (0.95 - 0.03 * abs(k)));
        cairo_stroke(c);
    }
    if (grains) {
        rgb(c, 0xd69e2e);
        for (int k = 0; k < 7; k++) {
            cairo_save(c);
            cairo_translate(c, x + h * 0.16 + k * h * 0.025, y - h * 0.92 + k * h * 0.06);
            cairo_rotate(c, 0.6);
            cairo_scale(c, 1, 0.5);
            circle(c, 0, 0, h * 0.028);
            cairo_restore(c);
            cairo_fill(c);
        }
    }
}

static void sky(C *c, int w, int h, unsigned top, unsigned bottom)
{
    cairo_pattern_t *p = cairo_pattern_create_linear(0, 0, 0, h);
    cairo_pattern_add_color_stop_rgb(p, 0, (top >> 16 & 255) / 255.0, (top >> 8 & 255) / 255.0, (top & 255) / 255.0);
    cairo_pattern_add_color_stop_rgb(p, 1, (bottom >> 16 & 255) / 255.0, (bottom >> 8 & 255) / 255.0, (bottom & 255) / 255.0);
    cairo_set_source(c, p);
    cairo_paint(c);
    cairo_pattern_destroy(p);
}

static void paddy(C *c, int w, int h, double horizon, bool grains)
{
    rgb(c, 0x6aa84f);
    cairo_rectangle(c, 0, horizon, w, h - horizon);
    cairo_fill(c);
    rgba(c, 0x9fd3ff, 0.35);   /* water between the rows */
    for (int r = 0; r < 6; r++) {
        double y = horizon + (h - horizon) * (r + 0.5) / 6.0;
        cairo_rectangle(c, 0, y, w, (h - horizon) / 30.0 * (r + 1) * 0.4);
        cairo_fill(c);
    }
    for (int r = 0; r < 4; r++)
        for (int k = 0; k < 12; k++) {
            double y = horizon + 20 + r * (h - horizon) / 4.0, s = 30 + r * 22;
            rice_plant(c, k * w / 11.0 + (r % 2) * 30, y + s, s, r % 2 ? 0x2f855a : 0x38a169, grains);
        }
}

static void text(C *c, const char *s, double x, double y, int px, unsigned color, bool centre)
{
    PangoLayout *l = pango_cairo_create_layout(c);
    char font[64];
    snprintf(font, sizeof font, "WenQuanYi Micro Hei %dpx", px);
    PangoFontDescription *d = pango_font_description_from_string(font);
    pango_layout_set_font_description(l, d);
    pango_layout_set_text(l, s, -1);
    int tw, th;
    pango_layout_get_pixel_size(l, &tw, &th);
    rgb(c, color);
    cairo_move_to(c, centre ? x - tw / 2.0 : x, y - th / 2.0);
    pango_cairo_show_layout(c, l);
    pango_font_description_free(d);
    g_object_unref(l);
}

/* ---- studio avatars ---- */

static const unsigned avatar_bg[12] = { 0x2b6cb0, 0x2f855a, 0xb7791f, 0x38a169, 0xdd6b20, 0x319795,
                                        0x276749, 0xc53030, 0x48bb78, 0x3182ce, 0x5a67d8, 0x2c5282 };

static void avatar(C *c, int i)
{
    const double S = 256;
    rgb(c, avatar_bg[i]);
    rrect(c, 0, 0, S, S, 40);
    cairo_fill(c);
    rgba(c, 0xffffff, 0.12);
    circle(c, S * 0.8, S * 0.15, S * 0.45);
    cairo_fill(c);
    cairo_set_line_cap(c, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_width(c, 12);
    rgb(c, 0xffffff);
    switch (i) {
    case 0:   /* an eye with a scan frame: machine vision */
        cairo_move_to(c, 40, 128); cairo_curve_to(c, 90, 60, 166, 60, 216, 128); cairo_curve_to(c, 166, 196, 90, 196, 40, 128);
        cairo_stroke(c); circle(c, 128, 128, 30); cairo_fill(c);
        rgb(c, avatar_bg[i]); circle(c, 128, 128, 12); cairo_fill(c); rgb(c, 0xffffff);
        cairo_set_line_width(c, 6);
        line(c, 30, 60, 30, 30); line(c, 30, 30, 60, 30); line(c, 226, 196, 226, 226); line(c, 226, 226, 196, 226);
        cairo_stroke(c); break;
    case 1: drone(c, 128, 100, 150, 0xffffff, 0.3);
        rgb(c, 0xbee3f8); for (int k = 0; k < 9; k++) { circle(c, 95 + (k % 3) * 33, 165 + (k / 3) * 22, 6); cairo_fill(c); } break;
    case 2: rice_plant(c, 110, 225, 190, 0xffffff, true); break;
    case 3: rgb(c, 0xffffff); leaf(c, 70, 190, -0.9, 150, 40); cairo_fill(c);
        rgb(c, avatar_bg[i]); cairo_set_line_width(c, 5); line(c, 70, 190, 165, 75); cairo_stroke(c);
        rgb(c, 0xffffff); cairo_move_to(c, 120, 170); cairo_line_to(c, 220, 170); cairo_line_to(c, 200, 225); cairo_line_to(c, 140, 225);
        cairo_close_path(c); cairo_fill(c); break;
    case 4: circle(c, 95, 95, 38); cairo_fill(c);
        for (int k = 0; k < 8; k++) { double a = k * M_PI / 4; line(c, 95 + 52 * cos(a), 95 + 52 * sin(a), 95 + 68 * cos(a), 95 + 68 * sin(a)); }
        cairo_stroke(c);
        cairo_move_to(c, 175, 110); cairo_line_to(c, 140, 175); cairo_line_to(c, 170, 175); cairo_line_to(c, 150, 230);
        cairo_line_to(c, 205, 155); cairo_line_to(c, 175, 155); cairo_line_to(c, 200, 110); cairo_close_path(c); cairo_fill(c); break;
    case 5: for (int k = 0; k < 6; k++) {
            double x = 70 + (k % 3) * 58, y = 95 + (k / 3) * 70 + (k % 2) * 20;
            cairo_new_sub_path(c);
            for (int v = 0; v < 6; v++) cairo_line_to(c, x + 28 * cos(v * M_PI / 3), y + 28 * sin(v * M_PI / 3));
            cairo_close_path(c);
            if (k % 2) cairo_fill(c); else cairo_stroke(c);
        } break;
    case 6: cairo_move_to(c, 20, 200); cairo_line_to(c, 100, 70); cairo_line_to(c, 150, 150); cairo_line_to(c, 180, 110);
        cairo_line_to(c, 240, 200); cairo_close_path(c); cairo_fill(c);
        rgb(c, 0x9ae6b4); cairo_set_line_width(c, 6);
        for (int k = 0; k < 12; k++) { line(c, 25 + k * 18, 230, 20 + k * 18 + (k % 3) * 4, 205); } cairo_stroke(c); break;
    case 7: cairo_move_to(c, 80, 70); cairo_line_to(c, 176, 70); cairo_curve_to(c, 215, 110, 215, 215, 176, 225);
        cairo_line_to(c, 80, 225); cairo_curve_to(c, 41, 215, 41, 110, 80, 70); cairo_fill(c);
        rgb(c, avatar_bg[i]); rrect(c, 70, 45, 116, 28, 8); cairo_fill(c); rgb(c, 0xffffff); rrect(c, 74, 48, 108, 22, 8); cairo_fill(c);
        rgb(c, avatar_bg[i]); for (int k = 0; k < 5; k++) { circle(c, 100 + (k * 37) % 60, 120 + k * 18, 8 + k % 3 * 3); cairo_fill(c); } break;
    case 8: leaf(c, 128, 220, -1.2, 150, 38); cairo_fill(c); leaf(c, 128, 220, -2.1, 120, 32); cairo_fill(c);
        leaf(c, 128, 220, -1.65, 175, 18); cairo_fill(c); break;
    case 9: circle(c, 128, 128, 85); cairo_stroke(c); cairo_set_line_width(c, 30);
        line(c, 128, 80, 128, 176); line(c, 80, 128, 176, 128); cairo_stroke(c); break;
    case 10: cairo_set_line_width(c, 8); cairo_set_dash(c, (double[]){ 14, 12 }, 2, 0);
        cairo_move_to(c, 40, 210); cairo_curve_to(c, 90, 120, 150, 200, 215, 60); cairo_stroke(c); cairo_set_dash(c, NULL, 0, 0);
        circle(c, 40, 210, 16); circle(c, 215, 60, 16); cairo_fill(c);
        cairo_move_to(c, 120, 95); cairo_line_to(c, 165, 120); cairo_line_to(c, 120, 145); cairo_line_to(c, 130, 120); cairo_close_path(c);
        cairo_fill(c); break;
    case 11: rrect(c, 60, 80, 125, 110, 14); cairo_stroke(c); rrect(c, 188, 112, 18, 46, 5); cairo_fill(c);
        rgb(c, 0x9ae6b4); rrect(c, 76, 96, 30, 78, 6); cairo_fill(c); rrect(c, 112, 96, 30, 78, 6); cairo_fill(c);
        rgba(c, 0xffffff, 0.5); rrect(c, 148, 96, 22, 78, 6); cairo_fill(c); break;
    }
}

/* ---- 科普 illustrations ---- */

static void poster_drone(C *c, int w, int h)
{
    sky(c, w, h, 0x9fd3ff, 0xe6f4ff);
    paddy(c, w, h, h * 0.5, false);
    drone(c, w * 0.55, h * 0.28, 170, 0xf7fafc, 0.4);
    rgba(c, 0xbee3f8, 0.55);
    cairo_move_to(c, w * 0.55 - 40, h * 0.34); cairo_line_to(c, w * 0.55 + 40, h * 0.34);
    cairo_line_to(c, w * 0.55 + 110, h * 0.62); cairo_line_to(c, w * 0.55 - 110, h * 0.62); cairo_close_path(c);
    cairo_fill(c);
    rgb(c, 0x1a365d);   /* height marker: 1.5–2 m above the canopy */
    cairo_set_line_width(c, 3);
    line(c, w * 0.85, h * 0.3, w * 0.85, h * 0.55); cairo_stroke(c);
    text(c, "1.5–2 米", w * 0.87, h * 0.42, 26, 0x1a365d, false);
}

static void poster_tiller(C *c, int w, int h)
{
    sky(c, w, h, 0xc6f6d5, 0xf0fff4);
    rgb(c, 0x8b6b4a);
    cairo_rectangle(c, 0, h * 0.72, w, h * 0.28);
    cairo_fill(c);
    rgba(c, 0x90cdf4, 0.6);   /* a shallow water layer */
    cairo_rectangle(c, 0, h * 0.66, w, h * 0.07);
    cairo_fill(c);
    for (int k = 0; k < 4; k++) rice_plant(c, 130 + k * 180, h * 0.75, 260 - k * 10, 0x2f855a, false);
    rgb(c, 0x744210);   /* roots */
    cairo_set_line_width(c, 2);
    for (int k = 0; k < 4; k++)
        for (int r = -4; r <= 4; r++) { cairo_move_to(c, 130 + k * 180, h * 0.75); cairo_curve_to(c, 130 + k * 180 + r * 6, h * 0.82, 130 + k * 180 + r * 12, h * 0.88, 130 + k * 180 + r * 14, h * 0.95); }
    cairo_stroke(c);
}

static void poster_seeds(C *c, int w, int h)
{
    rgb(c, 0xfffaf0);
    cairo_paint(c);
    rgb(c, 0xe2c799);
    rrect(c, w * 0.1, h * 0.55, w * 0.8, h * 0.3, 30);
    cairo_fill(c);
    srand(7);
    for (int k = 0; k < 140; k++) {
        double x = w * 0.14 + rand() % (int)(w * 0.72), y = h * 0.6 + rand() % (int)(h * 0.2);
        cairo_save(c); cairo_translate(c, x, y); cairo_rotate(c, (rand() % 314) / 100.0); cairo_scale(c, 1, 0.45);
        circle(c, 0, 0, 11); cairo_restore(c);
        rgb(c, k % 5 ? 0xd69e2e : 0xb7791f); cairo_fill(c);
    }
    for (int k = 0; k < 3; k++) {   /* seedlings growing from the seeds */
        double x = w * (0.25 + k * 0.25);
        rgb(c, 0x38a169); cairo_set_line_width(c, 6);
        line(c, x, h * 0.6, x, h * 0.25); cairo_stroke(c);
        leaf(c, x, h * 0.35, -0.5, 90, 18); cairo_fill(c);
        leaf(c, x, h * 0.42, M_PI + 0.5, 80, 16); cairo_fill(c);
    }
}

static void poster_storm(C *c, int w, int h)
{
    sky(c, w, h, 0x2d3748, 0x718096);
    rgb(c, 0x4a5568);
    for (int k = 0; k < 6; k++) { circle(c, 80 + k * 130, 90 + (k % 2) * 25, 80); cairo_fill(c); }
    rgb(c, 0xfefcbf);
    cairo_move_to(c, 420, 120); cairo_line_to(c, 360, 260); cairo_line_to(c, 410, 260); cairo_line_to(c, 370, 400);
    cairo_line_to(c, 480, 220); cairo_line_to(c, 430, 220); cairo_line_to(c, 470, 120); cairo_close_path(c); cairo_fill(c);
    rgba(c, 0xbee3f8, 0.7);
    cairo_set_line_width(c, 3);
    for (int k = 0; k < 60; k++) { double x = (k * 97) % w, y = 160 + (k * 53) % 250; line(c, x, y, x - 8, y + 25); }
    cairo_stroke(c);
    rgb(c, 0x2b6cb0);   /* rising water at the bottom */
    cairo_rectangle(c, 0, h * 0.88, w, h * 0.12);
    cairo_fill(c);
}

static void poster_pills(C *c, int w, int h)
{
    rgb(c, 0xfff5f5);
    cairo_paint(c);
    rgb(c, 0xe2e8f0);
    rrect(c, 250, 110, 200, 260, 20);
    cairo_fill(c);
    rgb(c, 0x805ad5);
    rrect(c, 265, 70, 170, 50, 10);
    cairo_fill(c);
    text(c, "量子", 350, 230, 56, 0x805ad5, true);
    for (int k = 0; k < 6; k++) {
        cairo_save(c); cairo_translate(c, 520 + (k % 3) * 70, 300 + (k / 3) * 50); cairo_rotate(c, 0.4 * k);
        rgb(c, k % 2 ? 0xf6ad55 : 0x63b3ed); rrect(c, -30, -12, 60, 24, 12); cairo_fill(c); cairo_restore(c);
    }
    rgb(c, 0xe53e3e);
    cairo_set_line_width(c, 26);
    cairo_set_line_cap(c, CAIRO_LINE_CAP_ROUND);
    line(c, 220, 80, 480, 400); line(c, 480, 80, 220, 400);
    cairo_stroke(c);
}

/* The phone that photographs a diseased leaf: shared by the video poster
 * and every video frame. p in [0,1]: how far the scan has gone. */
static void phone_scene(C *c, int w, int h, double p, bool captions)
{
    sky(c, w, h, 0xe6fffa, 0xf0fff4);
    double s = h / 360.0;
    rgb(c, 0x38a169);   /* the leaf, with lesions */
    leaf(c, w * 0.18, h * 0.75, -0.45, w * 0.55, h * 0.16);
    cairo_fill(c);
    rgb(c, 0x22543d);
    cairo_set_line_width(c, 3 * s);
    line(c, w * 0.18, h * 0.75, w * 0.18 + w * 0.55 * cos(-0.45), h * 0.75 + w * 0.55 * sin(-0.45));
    cairo_stroke(c);
    double lx[3] = { 0.38, 0.47, 0.56 }, ly[3] = { 0.6, 0.52, 0.5 };
    for (int k = 0; k < 3; k++) {
        rgb(c, 0x975a16); circle(c, w * lx[k], h * ly[k], 13 * s); cairo_fill(c);
        rgb(c, 0xd69e2e); circle(c, w * lx[k], h * ly[k], 6 * s); cairo_fill(c);
    }
    double px = w * (0.78 - 0.12 * fmin(p * 2, 1)), py = h * 0.5;   /* the phone slides in */
    rgb(c, 0x1a202c);
    rrect(c, px - 70 * s, py - 130 * s, 140 * s, 260 * s, 18 * s);
    cairo_fill(c);
    rgb(c, 0xf7fafc);
    rrect(c, px - 60 * s, py - 112 * s, 120 * s, 224 * s, 8 * s);
    cairo_fill(c);
    rgb(c, 0x38a169);   /* the leaf on the screen */
    leaf(c, px - 50 * s, py + 30 * s, -0.5, 110 * s, 30 * s);
    cairo_fill(c);
    rgb(c, 0x975a16);
    circle(c, px, py - 2 * s, 9 * s);
    cairo_fill(c);
    if (p > 0.3) {   /* scanning line, then the box */
        double q = fmin((p - 0.3) / 0.3, 1);
        rgba(c, 0x3182ce, 0.8);
        cairo_set_line_width(c, 3 * s);
        line(c, px - 58 * s, py - 110 * s + q * 220 * s, px + 58 * s, py - 110 * s + q * 220 * s);
        cairo_stroke(c);
    }
    if (p > 0.6) {
        rgb(c, 0xe53e3e);
        cairo_set_line_width(c, 3 * s);
        cairo_rectangle(c, px - 22 * s, py - 24 * s, 44 * s, 44 * s);
        cairo_stroke(c);
        rgb(c, 0xe53e3e);
        rrect(c, px - 56 * s, py + 60 * s, 112 * s, 36 * s, 6 * s);
        cairo_fill(c);
        char pct[64];
        snprintf(pct, sizeof pct, "稻瘟病 %d%%", (int)(60 + 32 * fmin((p - 0.6) / 0.3, 1)));
        text(c, pct, px, py + 78 * s, (int)(17 * s), 0xffffff, true);
    }
    if (captions) {
        const char *cap = p < 0.3 ? "① 对准病斑，拍清正面" : p < 0.6 ? "② 模型逐块比对病斑特征" : "③ 给出病害和可信度，再到田间核实";
        rgba(c, 0x1a202c, 0.72);
        cairo_rectangle(c, 0, h - 52 * s, w, 52 * s);
        cairo_fill(c);
        text(c, cap, w / 2.0, h - 26 * s, (int)(24 * s), 0xffffff, true);
    }
}

static int save(cairo_surface_t *s, const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (cairo_surface_write_to_png(s, path) != CAIRO_STATUS_SUCCESS) { fprintf(stderr, "art: cannot write %s\n", path); return 1; }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: art avatars|posters|frames DIR [N]\n"); return 2; }
    const char *what = argv[1], *dir = argv[2];
    int rc = 0;
    if (!strcmp(what, "avatars")) {
        for (int i = 0; i < 12 && !rc; i++) {
            cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 256, 256);
            C *c = cairo_create(s);
            avatar(c, i);
            char name[32];
            snprintf(name, sizeof name, "studio-%02d.png", i + 1);
            rc = save(s, dir, name);
            cairo_destroy(c);
            cairo_surface_destroy(s);
        }
    } else if (!strcmp(what, "posters")) {
        static const struct { const char *name; void (*draw)(C *, int, int); } posters[] = {
            { "popsci-drone.png", poster_drone }, { "popsci-tiller.png", poster_tiller }, { "popsci-seeds.png", poster_seeds },
            { "popsci-storm.png", poster_storm }, { "popsci-pills.png", poster_pills },
        };
        for (size_t i = 0; i <= sizeof posters / sizeof *posters && !rc; i++) {
            cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 720, 405);
            C *c = cairo_create(s);
            cairo_scale(c, 0.9, 0.9);   /* drawn on an 800×450 plan */
            if (i < sizeof posters / sizeof *posters) { posters[i].draw(c, 800, 450); rc = save(s, dir, posters[i].name); }
            else { phone_scene(c, 800, 450, 0.9, false); rc = save(s, dir, "popsci-ai-scan.png"); }
            cairo_destroy(c);
            cairo_surface_destroy(s);
        }
    } else if (!strcmp(what, "frames") && argc > 3) {
        int n = atoi(argv[3]);
        for (int i = 0; i < n && !rc; i++) {
            cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 640, 360);
            C *c = cairo_create(s);
            phone_scene(c, 640, 360, (double)i / (n - 1), true);
            char name[32];
            snprintf(name, sizeof name, "frame-%04d.png", i + 1);
            rc = save(s, dir, name);
            cairo_destroy(c);
            cairo_surface_destroy(s);
        }
    } else {
        fprintf(stderr, "art: unknown command %s\n", what);
        return 2;
    }
    return rc;
}
