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
 *   art qinghai-avatars DIR  qh-studio-01.png … qh-studio-03.png: the qinghai profile's studios
 *   art qinghai-posters DIR  qh-*.png: its 科普 posters (牦牛补饲, 藏药材, 光伏清雪, 黑土滩, 冰湖,
 *                            青稞, 盐湖提锂, 冷水鱼, and the poster of its video 光伏治沙)
 *   art qinghai-frames DIR N the frames of its video (光伏治沙: 板上发电、板下种草、板间放羊)
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

/* A layout of s in the demo's font at px pixels; *d is freed by the caller. */
static PangoLayout *layout_of(C *c, const char *s, int px, PangoFontDescription **d)
{
    PangoLayout *l = pango_cairo_create_layout(c);
    char font[64];
    snprintf(font, sizeof font, "WenQuanYi Micro Hei %dpx", px);
    *d = pango_font_description_from_string(font);
    pango_layout_set_font_description(l, *d);
    pango_layout_set_text(l, s, -1);
    return l;
}

static void text(C *c, const char *s, double x, double y, int px, unsigned color, bool centre)
{
    PangoFontDescription *d;
    PangoLayout *l = layout_of(c, s, px, &d);
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

/* ---- the qinghai profile (data/demo/qinghai/): its studios' avatars,
 * its 科普 posters and the frames of its video ---- */

/* Mountains along base_y: peaks at the given x (fractions of w) and
 * heights; snow caps when snow. */
static void mountains(C *c, int w, double base_y, const double *px, const double *ph, int n, unsigned color, bool snow)
{
    rgb(c, color);
    cairo_move_to(c, 0, base_y);
    for (int k = 0; k < n; k++) {
        double x = px[k] * w, half = ph[k] * 0.9;
        cairo_line_to(c, x - half, base_y);
        cairo_line_to(c, x, base_y - ph[k]);
        cairo_line_to(c, x + half, base_y);
    }
    cairo_line_to(c, w, base_y);
    cairo_close_path(c);
    cairo_fill(c);
    if (!snow) return;
    rgb(c, 0xf7fafc);
    for (int k = 0; k < n; k++) {
        double x = px[k] * w, t = ph[k] * 0.28;
        cairo_move_to(c, x, base_y - ph[k]);
        cairo_line_to(c, x - t * 0.9, base_y - ph[k] + t);
        cairo_line_to(c, x - t * 0.3, base_y - ph[k] + t * 0.8);
        cairo_line_to(c, x, base_y - ph[k] + t * 1.1);
        cairo_line_to(c, x + t * 0.4, base_y - ph[k] + t * 0.75);
        cairo_line_to(c, x + t * 0.9, base_y - ph[k] + t);
        cairo_close_path(c);
        cairo_fill(c);
    }
}

/* A yak standing at (x,y) (its hooves), size s, facing right (dir 1) or
 * left (-1): a dark body with a hump, a fringe of long hair, horns. */
static void yak(C *c, double x, double y, double s, int dir, unsigned coat)
{
    cairo_save(c);
    cairo_translate(c, x, y);
    cairo_scale(c, dir * s / 100.0, s / 100.0);
    rgb(c, coat);
    for (int k = 0; k < 4; k++) { rrect(c, -42 + k * 22 + (k > 1 ? 8 : 0), -38, 11, 38, 4); cairo_fill(c); }   /* legs */
    cairo_save(c); cairo_translate(c, 0, -62); cairo_scale(c, 1, 0.55); circle(c, 0, 0, 55); cairo_restore(c); cairo_fill(c);
    cairo_save(c); cairo_translate(c, 28, -82); cairo_scale(c, 1, 0.7); circle(c, 0, 0, 30); cairo_restore(c); cairo_fill(c);   /* hump */
    cairo_move_to(c, -55, -55);   /* long hair along the belly */
    for (int k = 0; k <= 10; k++) cairo_line_to(c, -55 + k * 11, -30 + (k % 2) * 8);
    cairo_line_to(c, 55, -55);
    cairo_close_path(c);
    cairo_fill(c);
    cairo_save(c); cairo_translate(c, 62, -66); cairo_rotate(c, 0.5); cairo_scale(c, 1, 0.72); circle(c, 0, 0, 22); cairo_restore(c); cairo_fill(c);   /* head */
    cairo_set_line_width(c, 6);
    cairo_set_line_cap(c, CAIRO_LINE_CAP_ROUND);
    rgb(c, 0xe2e8f0);   /* horns */
    cairo_move_to(c, 56, -80); cairo_curve_to(c, 44, -96, 52, -108, 64, -108); cairo_stroke(c);
    cairo_move_to(c, 70, -80); cairo_curve_to(c, 80, -94, 86, -100, 94, -98); cairo_stroke(c);
    rgb(c, coat);
    cairo_set_line_width(c, 5);
    cairo_move_to(c, -54, -66); cairo_curve_to(c, -70, -60, -72, -40, -66, -28); cairo_stroke(c);   /* tail */
    cairo_restore(c);
}

/* A Tibetan sheep at (x,y), size s: a white fleece, a dark face. */
static void sheep(C *c, double x, double y, double s, int dir)
{
    cairo_save(c);
    cairo_translate(c, x, y);
    cairo_scale(c, dir * s / 100.0, s / 100.0);
    rgb(c, 0x4a5568);
    for (int k = 0; k < 4; k++) { rrect(c, -34 + k * 20, -30, 8, 30, 3); cairo_fill(c); }
    rgb(c, 0xf7fafc);
    for (int k = 0; k < 7; k++) { circle(c, -40 + k * 13, -50 + (k % 2) * 8, 20); cairo_fill(c); }
    cairo_save(c); cairo_translate(c, 0, -48); cairo_scale(c, 1, 0.55); circle(c, 0, 0, 46); cairo_restore(c); cairo_fill(c);
    rgb(c, 0x2d3748);
    cairo_save(c); cairo_translate(c, 52, -62); cairo_rotate(c, 0.6); cairo_scale(c, 1, 0.6); circle(c, 0, 0, 18); cairo_restore(c); cairo_fill(c);
    rgb(c, 0xd69e2e);
    cairo_set_line_width(c, 5);
    cairo_new_sub_path(c); cairo_arc(c, 46, -74, 9, M_PI * 0.9, M_PI * 2.2); cairo_stroke(c);   /* a curled horn */
    cairo_restore(c);
}

/* A photovoltaic panel: its lower edge from (x,y), width w, tilted up by
 * height h; a grid of cells; a post to the ground at ground_y. */
static void pv_panel(C *c, double x, double y, double w, double h, double ground_y)
{
    rgb(c, 0x718096);
    cairo_set_line_width(c, 4);
    line(c, x + w * 0.3, y - h * 0.4, x + w * 0.3, ground_y); line(c, x + w * 0.75, y - h * 0.4, x + w * 0.75, ground_y);
    cairo_stroke(c);
    cairo_move_to(c, x, y); cairo_line_to(c, x + w * 0.12, y - h); cairo_line_to(c, x + w * 1.12, y - h); cairo_line_to(c, x + w, y);
    cairo_close_path(c);
    rgb(c, 0x1e3a8a);
    cairo_fill_preserve(c);
    rgb(c, 0xcbd5e0);
    cairo_set_line_width(c, 2);
    cairo_stroke(c);
    rgba(c, 0x93c5fd, 0.7);
    cairo_set_line_width(c, 1.2);
    for (int k = 1; k < 6; k++) line(c, x + w * k / 6.0, y, x + w * k / 6.0 + w * 0.12, y - h);
    for (int k = 1; k < 3; k++) line(c, x + w * 0.12 * k / 3.0, y - h * k / 3.0, x + w + w * 0.12 * k / 3.0, y - h * k / 3.0);
    cairo_stroke(c);
}

/* An ear of 青稞 (hulless barley) on its stalk from (x,y), height h: two
 * rows of grains and the long awns that set barley apart. */
static void barley(C *c, double x, double y, double h, double lean)
{
    rgb(c, 0x9c7a2b);
    cairo_set_line_width(c, h * 0.02);
    double tx = x + lean * h * 0.25, ty = y - h * 0.62;
    cairo_move_to(c, x, y); cairo_curve_to(c, x, y - h * 0.3, tx, ty + h * 0.1, tx, ty); cairo_stroke(c);
    for (int k = 0; k < 9; k++) {
        for (int side = -1; side <= 1; side += 2) {
            double gx = tx + lean * k * h * 0.03 + side * h * 0.025, gy = ty - k * h * 0.038;
            cairo_save(c); cairo_translate(c, gx, gy); cairo_rotate(c, side * 0.5 + lean * 0.3); cairo_scale(c, 0.55, 1);
            circle(c, 0, 0, h * 0.028); cairo_restore(c);
            rgb(c, 0xe9c46a); cairo_fill(c);
            rgb(c, 0xc9a227); cairo_set_line_width(c, h * 0.006);
            line(c, gx, gy - h * 0.02, gx + side * h * 0.06 + lean * h * 0.12, gy - h * 0.28); cairo_stroke(c);
        }
    }
}

/* A rainbow trout at (x,y), length s, facing right. */
static void trout(C *c, double x, double y, double s)
{
    cairo_save(c);
    cairo_translate(c, x, y);
    cairo_scale(c, s / 100.0, s / 100.0);
    cairo_move_to(c, -40, 0); cairo_line_to(c, -62, -16); cairo_line_to(c, -58, 0); cairo_line_to(c, -62, 16); cairo_close_path(c);
    rgb(c, 0x6b8e9e); cairo_fill(c);
    cairo_save(c); cairo_scale(c, 1, 0.32); circle(c, 0, 0, 48); cairo_restore(c);
    rgb(c, 0x8fb3c0); cairo_fill(c);
    rgba(c, 0xf687b3, 0.85);   /* the pink band */
    cairo_save(c); cairo_scale(c, 1, 0.08); circle(c, 0, 10, 42); cairo_restore(c); cairo_fill(c);
    rgb(c, 0x2d3748);
    for (int k = 0; k < 9; k++) { circle(c, -30 + k * 7, -8 + (k % 3) * 3, 1.6); cairo_fill(c); }
    circle(c, 34, -3, 3.2); cairo_fill(c);
    cairo_restore(c);
}

/* A big-leafed 大黄 (rhubarb) plant at (x,y), size s. */
static void rhubarb(C *c, double x, double y, double s)
{
    for (int k = 0; k < 5; k++) {
        double a = -M_PI / 2 + (k - 2) * 0.55;
        rgb(c, 0xc53030);
        cairo_set_line_width(c, s * 0.03);
        line(c, x, y, x + cos(a) * s * 0.55, y + sin(a) * s * 0.55); cairo_stroke(c);
        rgb(c, k % 2 ? 0x2f855a : 0x38a169);
        leaf(c, x + cos(a) * s * 0.35, y + sin(a) * s * 0.35, a, s * 0.6, s * 0.22); cairo_fill(c);
    }
}

static void label_box(C *c, const char *s, double x, double y, int px, unsigned fg, unsigned bg)
{
    PangoFontDescription *d;
    PangoLayout *l = layout_of(c, s, px, &d);
    int tw, th;
    pango_layout_get_pixel_size(l, &tw, &th);
    rgba(c, bg, 0.85);
    rrect(c, x - 10, y - th / 2.0 - 6, tw + 20, th + 12, 8);
    cairo_fill(c);
    pango_font_description_free(d);
    g_object_unref(l);
    text(c, s, x, y, px, fg, false);
}

static const unsigned qh_avatar_bg[3] = { 0x744210, 0x2c7a7b, 0x2b6cb0 };

static void qh_avatar(C *c, int i)
{
    const double S = 256;
    rgb(c, qh_avatar_bg[i]);
    rrect(c, 0, 0, S, S, 40);
    cairo_fill(c);
    rgba(c, 0xffffff, 0.12);
    circle(c, S * 0.8, S * 0.15, S * 0.45);
    cairo_fill(c);
    cairo_set_line_cap(c, CAIRO_LINE_CAP_ROUND);
    switch (i) {
    case 0:   /* 牦牛藏羊: a yak before a snow peak, a sheep beside it */
        mountains(c, 256, 150, (double[]){ 0.3, 0.72 }, (double[]){ 90, 70 }, 2, 0xa0aec0, true);
        yak(c, 112, 212, 120, 1, 0x1a202c);
        sheep(c, 200, 222, 58, -1);
        break;
    case 1:   /* 盐湖提锂: brine ponds, a crystal, Li */
        rgb(c, 0x81e6d9);
        for (int k = 0; k < 3; k++) { rrect(c, 28 + k * 70, 176, 60, 40, 8); cairo_fill(c); }
        rgb(c, 0xffffff);
        cairo_move_to(c, 128, 28); cairo_line_to(c, 178, 78); cairo_line_to(c, 128, 160); cairo_line_to(c, 78, 78); cairo_close_path(c);
        cairo_fill(c);
        rgb(c, qh_avatar_bg[i]);
        cairo_set_line_width(c, 3);
        line(c, 78, 78, 178, 78); line(c, 128, 28, 108, 78); line(c, 128, 28, 148, 78); line(c, 108, 78, 128, 160); line(c, 148, 78, 128, 160);
        cairo_stroke(c);
        text(c, "Li", 128, 104, 34, qh_avatar_bg[i], true);
        break;
    case 2:   /* 光伏与储能: the sun, a panel, a battery */
        rgb(c, 0xfbd38d);
        circle(c, 70, 64, 28); cairo_fill(c);
        cairo_set_line_width(c, 8);
        for (int k = 0; k < 8; k++) { double a = k * M_PI / 4; line(c, 70 + 38 * cos(a), 64 + 38 * sin(a), 70 + 50 * cos(a), 64 + 50 * sin(a)); }
        cairo_stroke(c);
        pv_panel(c, 40, 180, 120, 60, 214);
        rgb(c, 0xffffff);
        cairo_set_line_width(c, 8);
        rrect(c, 178, 120, 46, 90, 8); cairo_stroke(c);
        rrect(c, 192, 108, 18, 12, 3); cairo_fill(c);
        rgb(c, 0x9ae6b4);
        for (int k = 0; k < 3; k++) { rrect(c, 186, 182 - k * 24, 30, 18, 3); cairo_fill(c); }
        break;
    }
}

static void qh_poster_yak(C *c, int w, int h)
{
    sky(c, w, h, 0xbee3f8, 0xebf8ff);
    mountains(c, w, h * 0.55, (double[]){ 0.15, 0.42, 0.7, 0.92 }, (double[]){ 120, 170, 130, 100 }, 4, 0x718096, true);
    rgb(c, 0xf7fafc);   /* snowy winter pasture */
    cairo_rectangle(c, 0, h * 0.55, w, h * 0.45);
    cairo_fill(c);
    rgb(c, 0xd69e2e);
    cairo_set_line_width(c, 2);
    for (int k = 0; k < 70; k++) { double x = (k * 83) % w, y = h * 0.6 + (k * 37) % (int)(h * 0.38); line(c, x, y, x + 3, y - 10); }
    cairo_stroke(c);
    rgb(c, 0xc05621);   /* the warm shed (暖棚) with its plastic roof */
    cairo_rectangle(c, w * 0.7, h * 0.48, w * 0.26, h * 0.2);
    cairo_fill(c);
    rgba(c, 0xe2e8f0, 0.9);
    cairo_move_to(c, w * 0.68, h * 0.49); cairo_curve_to(c, w * 0.75, h * 0.36, w * 0.9, h * 0.36, w * 0.98, h * 0.49); cairo_close_path(c);
    cairo_fill(c);
    rgb(c, 0xecc94b);   /* oat hay */
    cairo_move_to(c, w * 0.36, h * 0.86); cairo_curve_to(c, w * 0.4, h * 0.7, w * 0.52, h * 0.7, w * 0.56, h * 0.86); cairo_close_path(c);
    cairo_fill(c);
    rgb(c, 0xb7791f);
    cairo_set_line_width(c, 2);
    for (int k = 0; k < 14; k++) line(c, w * 0.38 + k * 10, h * 0.84, w * 0.4 + k * 9, h * 0.76);
    cairo_stroke(c);
    rgb(c, 0xe2e8f0);   /* a lick block */
    rrect(c, w * 0.6, h * 0.8, 40, 26, 4);
    cairo_fill(c);
    yak(c, w * 0.2, h * 0.9, 150, 1, 0x1a202c);
    yak(c, w * 0.72, h * 0.93, 120, -1, 0x2d3748);
    label_box(c, "燕麦青干草 2–3 公斤/头·天", w * 0.04, h * 0.1, 24, 0x1a365d, 0xffffff);
}

static void qh_poster_herbs(C *c, int w, int h)
{
    sky(c, w, h, 0x90cdf4, 0xe6fffa);
    mountains(c, w, h * 0.45, (double[]){ 0.25, 0.6, 0.88 }, (double[]){ 110, 150, 90 }, 3, 0x4a5568, true);
    rgb(c, 0x68d391);
    cairo_rectangle(c, 0, h * 0.45, w, h * 0.55);
    cairo_fill(c);
    for (int k = 0; k < 40; k++) {   /* alpine flowers */
        rgb(c, k % 3 ? 0xf6e05e : 0x9f7aea);
        circle(c, (k * 97) % w, h * 0.5 + (k * 53) % (int)(h * 0.45), 3);
        cairo_fill(c);
    }
    rhubarb(c, w * 0.3, h * 0.85, 240);   /* a big plant dug, a seed plant kept */
    rhubarb(c, w * 0.62, h * 0.8, 120);
    rhubarb(c, w * 0.78, h * 0.88, 90);
    rgb(c, 0x744210);   /* the hole filled back */
    cairo_save(c); cairo_translate(c, w * 0.3, h * 0.9); cairo_scale(c, 1, 0.25); circle(c, 0, 0, 60); cairo_restore(c);
    cairo_fill(c);
    label_box(c, "采大留小 · 挖后回填 · 以种代采", w * 0.04, h * 0.1, 24, 0x22543d, 0xffffff);
}

static void qh_poster_snow_pv(C *c, int w, int h)
{
    sky(c, w, h, 0xa0aec0, 0xe2e8f0);
    rgb(c, 0xf7fafc);
    cairo_rectangle(c, 0, h * 0.8, w, h * 0.2);
    cairo_fill(c);
    rgb(c, 0xc4a484);   /* the house */
    cairo_rectangle(c, w * 0.18, h * 0.5, w * 0.5, h * 0.3);
    cairo_fill(c);
    rgb(c, 0x744210);
    rrect(c, w * 0.4, h * 0.62, w * 0.07, h * 0.18, 4);
    cairo_fill(c);
    rgb(c, 0x7b341e);   /* the roof slope, panels on it */
    cairo_move_to(c, w * 0.12, h * 0.52); cairo_line_to(c, w * 0.3, h * 0.22); cairo_line_to(c, w * 0.76, h * 0.22); cairo_line_to(c, w * 0.74, h * 0.52);
    cairo_close_path(c);
    cairo_fill(c);
    for (int k = 0; k < 3; k++) {
        double x0 = w * (0.18 + k * 0.17);
        cairo_move_to(c, x0, h * 0.48); cairo_line_to(c, x0 + w * 0.1, h * 0.26); cairo_line_to(c, x0 + w * 0.26, h * 0.26); cairo_line_to(c, x0 + w * 0.16, h * 0.48);
        cairo_close_path(c);
        rgb(c, 0x1e3a8a);
        cairo_fill(c);
    }
    rgb(c, 0xffffff);   /* snow still on the upper part, pushed off the lower */
    cairo_move_to(c, w * 0.28, h * 0.26); cairo_line_to(c, w * 0.72, h * 0.26); cairo_line_to(c, w * 0.7, h * 0.34); cairo_line_to(c, w * 0.25, h * 0.34);
    cairo_close_path(c);
    cairo_fill(c);
    for (int k = 0; k < 5; k++) { circle(c, w * 0.12 + k * 14, h * 0.8, 10); cairo_fill(c); }
    rgb(c, 0x2d3748);   /* the long soft pusher from the ground */
    cairo_set_line_width(c, 6);
    line(c, w * 0.86, h * 0.8, w * 0.6, h * 0.36);
    cairo_stroke(c);
    rgb(c, 0xed8936);
    cairo_save(c); cairo_translate(c, w * 0.6, h * 0.36); cairo_rotate(c, -1.0); rrect(c, -40, -8, 80, 16, 6); cairo_restore(c);
    cairo_fill(c);
    rgb(c, 0x2b6cb0);   /* the person holding it */
    circle(c, w * 0.9, h * 0.6, 16); cairo_fill(c);
    rrect(c, w * 0.87, h * 0.64, 44, 70, 12); cairo_fill(c);
    rgb(c, 0xffffff);
    for (int k = 0; k < 50; k++) { circle(c, (k * 131) % w, (k * 71) % (int)(h * 0.75), 2.5); cairo_fill(c); }
    label_box(c, "软推子 · 从上往下 · 不踩组件", w * 0.04, h * 0.1, 24, 0x1a365d, 0xffffff);
}

static void qh_poster_black_beach(C *c, int w, int h)
{
    sky(c, w, h, 0x90cdf4, 0xebf8ff);
    mountains(c, w, h * 0.4, (double[]){ 0.2, 0.55, 0.85 }, (double[]){ 80, 110, 70 }, 3, 0x718096, true);
    rgb(c, 0x48bb78);
    cairo_rectangle(c, 0, h * 0.4, w, h * 0.6);
    cairo_fill(c);
    rgb(c, 0x2d2a26);   /* the black-soil patches */
    for (int k = 0; k < 6; k++) {
        cairo_save(c); cairo_translate(c, w * (0.1 + k * 0.16), h * (0.58 + (k % 3) * 0.12)); cairo_scale(c, 1, 0.35);
        circle(c, 0, 0, 50 + (k % 2) * 25); cairo_restore(c); cairo_fill(c);
    }
    for (int k = 0; k < 5; k++) {   /* pika burrows and a pika */
        double x = w * (0.12 + k * 0.18), y = h * (0.6 + (k % 2) * 0.14);
        rgb(c, 0x1a1a1a); cairo_save(c); cairo_translate(c, x, y); cairo_scale(c, 1, 0.5); circle(c, 0, 0, 9); cairo_restore(c); cairo_fill(c);
    }
    rgb(c, 0xa0785a);
    cairo_save(c); cairo_translate(c, w * 0.42, h * 0.66); cairo_scale(c, 1, 0.75); circle(c, 0, 0, 14); cairo_restore(c); cairo_fill(c);
    circle(c, w * 0.42 + 10, h * 0.66 - 9, 7); cairo_fill(c);
    rgb(c, 0x744210);   /* an eagle perch (招鹰架) with its eagle */
    cairo_set_line_width(c, 6);
    line(c, w * 0.8, h * 0.82, w * 0.8, h * 0.28); line(c, w * 0.76, h * 0.3, w * 0.84, h * 0.3);
    cairo_stroke(c);
    rgb(c, 0x4a3728);
    cairo_save(c); cairo_translate(c, w * 0.8, h * 0.25); cairo_scale(c, 0.7, 1); circle(c, 0, 0, 16); cairo_restore(c); cairo_fill(c);
    rgb(c, 0xf7fafc); circle(c, w * 0.8, h * 0.2, 7); cairo_fill(c);
    rgb(c, 0x9ae6b4);   /* reseeded grass on one patch */
    cairo_set_line_width(c, 2.5);
    for (int k = 0; k < 18; k++) { double x = w * 0.55 + k * 6; line(c, x, h * 0.82, x + (k % 3 - 1) * 3, h * 0.77); }
    cairo_stroke(c);
    label_box(c, "以草定畜 · 免耕补播 · 招鹰控鼠", w * 0.04, h * 0.1, 24, 0x22543d, 0xffffff);
}

static void qh_poster_glacier(C *c, int w, int h)
{
    sky(c, w, h, 0x4a5568, 0xa0aec0);
    mountains(c, w, h * 0.6, (double[]){ 0.12, 0.4, 0.7, 0.95 }, (double[]){ 170, 220, 200, 150 }, 4, 0x4a5568, true);
    rgb(c, 0x63b3ed);   /* the glacier lake, its dam breached */
    cairo_save(c); cairo_translate(c, w * 0.55, h * 0.5); cairo_scale(c, 1, 0.25); circle(c, 0, 0, 90); cairo_restore(c);
    cairo_fill(c);
    rgb(c, 0x8b6b4a);
    cairo_rectangle(c, 0, h * 0.6, w, h * 0.4);
    cairo_fill(c);
    rgba(c, 0x4299e1, 0.9);   /* the flood down the valley */
    cairo_move_to(c, w * 0.5, h * 0.55); cairo_curve_to(c, w * 0.45, h * 0.7, w * 0.35, h * 0.8, w * 0.2, h);
    cairo_line_to(c, w * 0.55, h); cairo_curve_to(c, w * 0.55, h * 0.8, w * 0.6, h * 0.7, w * 0.62, h * 0.55);
    cairo_close_path(c);
    cairo_fill(c);
    rgb(c, 0xfaf089);   /* tents moved up, an arrow to high ground */
    cairo_move_to(c, w * 0.8, h * 0.72); cairo_line_to(c, w * 0.85, h * 0.64); cairo_line_to(c, w * 0.9, h * 0.72); cairo_close_path(c);
    cairo_fill(c);
    rgb(c, 0x48bb78);
    cairo_set_line_width(c, 10);
    cairo_set_line_cap(c, CAIRO_LINE_CAP_ROUND);
    line(c, w * 0.66, h * 0.92, w * 0.8, h * 0.78);
    cairo_stroke(c);
    cairo_move_to(c, w * 0.84, h * 0.74); cairo_line_to(c, w * 0.76, h * 0.76); cairo_line_to(c, w * 0.82, h * 0.84); cairo_close_path(c);
    cairo_fill(c);
    label_box(c, "河水变浑、水位猛涨：立即向高处转移", w * 0.04, h * 0.1, 24, 0x742a2a, 0xffffff);
}

static void qh_poster_barley(C *c, int w, int h)
{
    sky(c, w, h, 0xfefcbf, 0xfffaf0);
    rgb(c, 0xf6ad55);   /* the sun: seeds dried 2–3 days */
    circle(c, w * 0.85, h * 0.2, 40);
    cairo_fill(c);
    for (int k = 0; k < 7; k++) barley(c, w * (0.08 + k * 0.07), h * 1.0, h * (0.8 + (k % 3) * 0.06), (k - 3) * 0.15);
    rgb(c, 0xa0785a);   /* a tray of seed */
    rrect(c, w * 0.58, h * 0.62, w * 0.36, h * 0.22, 18);
    cairo_fill(c);
    srand(11);
    for (int k = 0; k < 90; k++) {
        double x = w * 0.6 + rand() % (int)(w * 0.32), y = h * 0.65 + rand() % (int)(h * 0.16);
        cairo_save(c); cairo_translate(c, x, y); cairo_rotate(c, (rand() % 314) / 100.0); cairo_scale(c, 1, 0.5);
        circle(c, 0, 0, 7); cairo_restore(c);
        rgb(c, k % 4 ? 0x4a5568 : 0x718096);   /* 黑青稞 and grey grains */
        cairo_fill(c);
    }
    label_box(c, "发芽率 ≥ 85% · 晒种 2–3 天 · 种衣剂拌种", w * 0.04, h * 0.1, 24, 0x744210, 0xffffff);
}

static void qh_poster_lithium(C *c, int w, int h)
{
    sky(c, w, h, 0x90cdf4, 0xf0fff4);
    mountains(c, w, h * 0.42, (double[]){ 0.2, 0.5, 0.82 }, (double[]){ 60, 80, 55 }, 3, 0xa0785a, false);
    rgb(c, 0xf7fafc);   /* the salt flat with its brine ponds */
    cairo_rectangle(c, 0, h * 0.42, w, h * 0.58);
    cairo_fill(c);
    for (int k = 0; k < 4; k++) {
        rgb(c, k % 2 ? 0x81e6d9 : 0x4fd1c5);
        cairo_move_to(c, w * (0.02 + k * 0.12), h * 0.48); cairo_line_to(c, w * (0.13 + k * 0.12), h * 0.48);
        cairo_line_to(c, w * (0.1 + k * 0.12), h * 0.6); cairo_line_to(c, w * (-0.01 + k * 0.12), h * 0.6);
        cairo_close_path(c);
        cairo_fill(c);
    }
    rgb(c, 0x718096);   /* the adsorption column */
    rrect(c, w * 0.58, h * 0.3, w * 0.1, h * 0.52, 16);
    cairo_fill(c);
    rgb(c, 0xe2e8f0);
    rrect(c, w * 0.6, h * 0.36, w * 0.06, h * 0.4, 10);
    cairo_fill(c);
    for (int k = 0; k < 12; k++) {   /* Li+ held by the adsorbent */
        rgb(c, k % 3 ? 0x38b2ac : 0xed8936);
        circle(c, w * 0.615 + (k % 2) * w * 0.03, h * 0.4 + k * h * 0.03, 6);
        cairo_fill(c);
    }
    rgb(c, 0x4a5568);   /* pipes: brine in, lithium solution out */
    cairo_set_line_width(c, 8);
    line(c, w * 0.45, h * 0.55, w * 0.58, h * 0.55); line(c, w * 0.68, h * 0.7, w * 0.8, h * 0.7);
    cairo_stroke(c);
    rgb(c, 0x2f855a);   /* a battery: where it goes */
    rrect(c, w * 0.82, h * 0.58, w * 0.12, h * 0.24, 8);
    cairo_fill(c);
    rrect(c, w * 0.86, h * 0.54, w * 0.04, h * 0.04, 3);
    cairo_fill(c);
    text(c, "Li⁺", w * 0.88, h * 0.7, 30, 0xffffff, true);
    label_box(c, "卤水 → 吸附 → 解吸 → 碳酸锂", w * 0.04, h * 0.1, 24, 0x234e52, 0xffffff);
}

static void qh_poster_coldfish(C *c, int w, int h)
{
    sky(c, w, h, 0x90cdf4, 0xe6fffa);
    mountains(c, w, h * 0.4, (double[]){ 0.15, 0.45, 0.8 }, (double[]){ 100, 130, 90 }, 3, 0xa0785a, true);
    cairo_pattern_t *p = cairo_pattern_create_linear(0, h * 0.4, 0, h);   /* the reservoir, deep and cold */
    cairo_pattern_add_color_stop_rgb(p, 0, 0.25, 0.6, 0.8);
    cairo_pattern_add_color_stop_rgb(p, 1, 0.05, 0.2, 0.4);
    cairo_set_source(c, p);
    cairo_rectangle(c, 0, h * 0.4, w, h * 0.6);
    cairo_fill(c);
    cairo_pattern_destroy(p);
    for (int k = 0; k < 3; k++) {   /* round net cages at the surface, their nets below */
        double x = w * (0.2 + k * 0.28);
        rgb(c, 0xed8936);
        cairo_set_line_width(c, 6);
        cairo_save(c); cairo_translate(c, x, h * 0.46); cairo_scale(c, 1, 0.18); circle(c, 0, 0, 80); cairo_restore(c);
        cairo_stroke(c);
        rgba(c, 0xe2e8f0, 0.45);
        cairo_set_line_width(c, 1.5);
        for (int m = -4; m <= 4; m++) line(c, x + m * 19, h * 0.47, x + m * 15, h * 0.8);
        line(c, x - 70, h * 0.6, x + 70, h * 0.6); line(c, x - 62, h * 0.72, x + 62, h * 0.72);
        cairo_stroke(c);
        trout(c, x - 20, h * 0.6, 70);
        trout(c, x + 25, h * 0.72, 60);
    }
    label_box(c, "冷水鱼：水温 8–18 °C 长得最好", w * 0.04, h * 0.1, 24, 0x1a365d, 0xffffff);
}

/* 光伏治沙, the scene of the video and its poster: p in [0,1] runs from
 * bare sand through the panels to grass and grazing sheep. */
static void pv_desert_scene(C *c, int w, int h, double p, bool captions)
{
    double s = h / 360.0;
    sky(c, w, h, 0x90cdf4, 0xfefcbf);
    double ground = h * 0.55;
    double green = fmax(0, fmin((p - 0.55) / 0.3, 1));
    unsigned sand = 0xe9c46a;
    rgb(c, sand);
    cairo_rectangle(c, 0, ground, w, h - ground);
    cairo_fill(c);
    rgba(c, 0xd4a373, 1.0);   /* dunes */
    for (int k = 0; k < 4; k++) {
        cairo_move_to(c, w * (k * 0.3 - 0.1), ground + 10 * s);
        cairo_curve_to(c, w * (k * 0.3), ground - 28 * s, w * (k * 0.3 + 0.12), ground - 28 * s, w * (k * 0.3 + 0.25), ground + 10 * s);
        cairo_close_path(c);
        cairo_fill(c);
    }
    if (green > 0) {   /* grass spreading under the panels */
        rgba(c, 0x48bb78, 0.85 * green);
        cairo_rectangle(c, 0, ground + 10 * s, w, h - ground);
        cairo_fill(c);
    }
    if (p < 0.35) {   /* wind carrying sand */
        rgba(c, 0xb7791f, 0.6);
        cairo_set_line_width(c, 2 * s);
        for (int k = 0; k < 24; k++) {
            double x = fmod(k * 53 + p * 900, w), y = ground - 40 * s + (k * 29) % (int)(90 * s);
            line(c, x, y, x + 30 * s, y - 3 * s);
        }
        cairo_stroke(c);
    }
    double rise = fmax(0, fmin((p - 0.25) / 0.25, 1));   /* panels come row by row */
    for (int r = 0; r < 3; r++) {
        for (int k = 0; k < 4; k++) {
            if (rise * 12 < r * 4 + k + 1) continue;
            double x = w * (0.04 + k * 0.25) + r * 18 * s, y = ground + (40 + r * 55) * s;
            pv_panel(c, x, y, 120 * s * (1 - r * 0.08), 34 * s, y + 18 * s);
        }
        if (r == 0 && green > 0.3)   /* sheep between the first two rows */
            for (int k = 0; k < 3; k++) sheep(c, w * (0.2 + k * 0.3) + (k % 2) * 20 * s, ground + 82 * s, 40 * s, k % 2 ? -1 : 1);
    }
    rgb(c, 0xf6ad55);
    circle(c, w * 0.88, h * 0.14, 26 * s);
    cairo_fill(c);
    if (captions) {
        const char *cap = p < 0.3 ? "① 风大沙多，草难扎根" : p < 0.6 ? "② 光伏板挡风遮阴，地表少蒸发" : "③ 板下长草，板间放羊：发电、治沙、增收";
        rgba(c, 0x1a202c, 0.72);
        cairo_rectangle(c, 0, h - 52 * s, w, 52 * s);
        cairo_fill(c);
        text(c, cap, w / 2.0, h - 26 * s, (int)(24 * s), 0xffffff, true);
    }
}

static void qh_poster_pv_desert(C *c, int w, int h) { pv_desert_scene(c, w, h, 0.95, false); }

static int save(cairo_surface_t *s, const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (cairo_surface_write_to_png(s, path) != CAIRO_STATUS_SUCCESS) { fprintf(stderr, "art: cannot write %s\n", path); return 1; }
    return 0;
}

typedef struct { const char *name; void (*draw)(C *, int, int); } poster_def;

/* n avatars, 256 x 256, named by fmt (with the 1-based number). */
static int avatars(const char *dir, int n, const char *fmt, void (*draw)(C *, int))
{
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 256, 256);
        C *c = cairo_create(s);
        draw(c, i);
        char name[32];
        snprintf(name, sizeof name, fmt, i + 1);
        rc = save(s, dir, name);
        cairo_destroy(c);
        cairo_surface_destroy(s);
    }
    return rc;
}

/* Posters at 720 x 405, each drawn on an 800 x 450 plan. */
static int posters(const char *dir, const poster_def *p, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 720, 405);
        C *c = cairo_create(s);
        cairo_scale(c, 0.9, 0.9);
        p[i].draw(c, 800, 450);
        rc = save(s, dir, p[i].name);
        cairo_destroy(c);
        cairo_surface_destroy(s);
    }
    return rc;
}

/* n video frames at 640 x 360 of a scene drawn at progress 0..1. */
static int frames(const char *dir, int n, void (*scene)(C *, int, int, double, bool))
{
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 640, 360);
        C *c = cairo_create(s);
        scene(c, 640, 360, n > 1 ? (double)i / (n - 1) : 1.0, true);
        char name[32];
        snprintf(name, sizeof name, "frame-%04d.png", i + 1);
        rc = save(s, dir, name);
        cairo_destroy(c);
        cairo_surface_destroy(s);
    }
    return rc;
}

static void poster_ai_scan(C *c, int w, int h) { phone_scene(c, w, h, 0.9, false); }

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: art avatars|posters|frames|qinghai-avatars|qinghai-posters|qinghai-frames DIR [N]\n"); return 2; }
    const char *what = argv[1], *dir = argv[2];
    static const poster_def sichuan[] = {
        { "popsci-drone.png", poster_drone }, { "popsci-tiller.png", poster_tiller }, { "popsci-seeds.png", poster_seeds },
        { "popsci-storm.png", poster_storm }, { "popsci-pills.png", poster_pills }, { "popsci-ai-scan.png", poster_ai_scan },
    };
    static const poster_def qinghai[] = {
        { "qh-yak.png", qh_poster_yak }, { "qh-herbs.png", qh_poster_herbs }, { "qh-snow-pv.png", qh_poster_snow_pv },
        { "qh-black-beach.png", qh_poster_black_beach }, { "qh-glacier.png", qh_poster_glacier },
        { "qh-barley.png", qh_poster_barley }, { "qh-lithium.png", qh_poster_lithium },
        { "qh-coldfish.png", qh_poster_coldfish }, { "qh-pv-desert.png", qh_poster_pv_desert },
    };
    if (!strcmp(what, "avatars")) return avatars(dir, 12, "studio-%02d.png", avatar);
    if (!strcmp(what, "qinghai-avatars")) return avatars(dir, 3, "qh-studio-%02d.png", qh_avatar);
    if (!strcmp(what, "posters")) return posters(dir, sichuan, sizeof sichuan / sizeof *sichuan);
    if (!strcmp(what, "qinghai-posters")) return posters(dir, qinghai, sizeof qinghai / sizeof *qinghai);
    if (!strcmp(what, "frames") && argc > 3) return frames(dir, atoi(argv[3]), phone_scene);
    if (!strcmp(what, "qinghai-frames") && argc > 3) return frames(dir, atoi(argv[3]), pv_desert_scene);
    fprintf(stderr, "art: unknown command %s\n", what);
    return 2;
}
