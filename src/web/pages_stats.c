/*
 * pages_stats.c — the statistics pages (issue 18): /stats for center staff
 * (their jurisdiction) and administrators (the province page and any
 * region, drill-down province → city → county), /data (公开数据, the
 * public aggregates), their CSV / XLSX / PDF exports, and GET /api/v1/stats
 * (JSON) and /api/v1/stats.xlsx. Figures and tables come from stats/; this
 * file turns tables into SVG charts (geometry only: the template draws
 * them) and text tables beside them.
 */
#include "web/pages_stats.h"
#include "web/i18n.h"
#include "web/region_picker.h"
#include "authz/authz.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "ref/regions.h"
#include "stats/export.h"
#include "stats/stats.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the query ---- */

/* Reads the filters into q; the region defaults to the operator's
 * jurisdiction (the whole instance for administrators and the public
 * page). 0, or -1 after answering the refusal. */
int kj_stats_req_query(kj_req *req, kj_stats_query *q, bool public_view)
{
    memset(q, 0, sizeof *q);
    q->public_view = public_view;
    /* A filter the route refused (too long, a table missing): said, not ignored. */
    if (kj_has_errors(req)) {
        if (kj_wants_json(req)) kj_api_invalid(req);
        else kj_error(req, 422, "err.stats.invalid");
        return -1;
    }
    const char *region = kj_in_str(req, "region");
    if (!region && !public_view && !kj_authz_is_admin(req->user)) region = kj_jstr(req->user, "jurisdiction");
    q->region = region && *region ? region : "";
    const char *domain = kj_in_str(req, "domain");
    q->domain = domain && *domain ? domain : NULL;
    kj_err e = { 0 };
    if (kj_stats_period(q, kj_in_str(req, "from"), kj_in_str(req, "to"), &e)) {
        kj_answer_err(req, &e);
        return -1;
    }
    if (!public_view && !kj_stats_may_see(req->user, q->region)) {
        kj_err f = { 0 };
        kj_err_set(&f, KJ_E_FORBIDDEN, "err.stats.forbidden", "region");
        kj_answer_err(req, &f);
        return -1;
    }
    return 0;
}

json_t *kj_stats_req_figures(kj_req *req, const kj_stats_query *q)
{
    kj_err e = { 0 };
    json_t *f = kj_stats_figures_cached(kj_req_db(req), q, &e);
    if (!f) kj_answer_err(req, &e);
    return f;
}

/* ---- charts: geometry for the template's SVG ---- */

#define CHART_W 360
#define BAR_MAX 250

static bool numeric(json_t *v) { return json_is_number(v); }

static void fmt_cell(kj_req *req, json_t *c, kj_buf *out)
{
    if (json_is_null(c)) { kj_buf_puts(out, kj_trf(req, "stats.suppressed_k", "5")); return; }
    kj_stats_cell_text(c, kj_i18n_translate, (void *)req->lang, out);
}

static const char *cell_str(kj_req *req, json_t *c)
{
    kj_buf b = { 0 };
    fmt_cell(req, c, &b);
    char *s = kj_arena_strdup(req->arena, b.data ? b.data : "");
    kj_buf_free(&b);
    return s;
}

/* Horizontal grouped bars: one block per row (its label, then a bar per
 * numeric column), so that long Chinese labels never squeeze the bars on a
 * 390 px phone. */
static json_t *bar_chart(kj_req *req, json_t *t)
{
    json_t *rows = json_object_get(t, "rows"), *cols = json_object_get(t, "columns");
    size_t ncol = json_array_size(cols);
    double max = 0;
    size_t i, c;
    json_t *r;
    json_array_foreach(rows, i, r)
        for (c = 1; c < ncol; c++) {
            json_t *v = json_array_get(r, c);
            if (numeric(v) && json_number_value(v) > max) max = json_number_value(v);
        }
    if (!json_array_size(rows)) return NULL;
    json_t *bars = json_array(), *labels = json_array(), *legend = json_array();
    int y = 0, series = 0;
    for (c = 1; c < ncol; c++) {
        json_array_append_new(legend, json_pack("{s:s, s:i}", "text", kj_tr(req, json_string_value(json_array_get(cols, c))),
                                                "series", (int)c - 1));
        series++;
    }
    json_array_foreach(rows, i, r) {
        y += 14;
        json_array_append_new(labels, json_pack("{s:i, s:i, s:s}", "x", 0, "y", y - 3, "text", cell_str(req, json_array_get(r, 0))));
        for (c = 1; c < ncol; c++) {
            json_t *v = json_array_get(r, c);
            double val = numeric(v) ? json_number_value(v) : 0;
            int w = max > 0 ? (int)lround(val / max * BAR_MAX) : 0;
            if (val > 0 && w < 1) w = 1;
            json_array_append_new(bars, json_pack("{s:i, s:i, s:i, s:i, s:i}", "x", 0, "y", y, "w", w, "h", 10,
                                                  "series", (int)c - 1));
            json_array_append_new(labels, json_pack("{s:i, s:i, s:s, s:b}", "x", w + 4, "y", y + 9, "text",
                                                    cell_str(req, v), "value", 1));
            y += 13;
        }
        y += 4;
    }
    if (series < 2) json_array_clear(legend);   /* one series: the table's heading says what it is */
    return json_pack("{s:i, s:i, s:o, s:o, s:o, s:b}", "w", CHART_W, "h", y + 2, "bars", bars, "labels", labels,
                     "legend", legend, "bar", 1);
}

/* Trends: one small chart per figure, a column per month. */
static json_t *trend_charts(kj_req *req, json_t *t)
{
    json_t *rows = json_object_get(t, "rows"), *cols = json_object_get(t, "columns"), *out = json_array();
    size_t n = json_array_size(rows), ncol = json_array_size(cols);
    if (!n) return out;
    for (size_t c = 1; c < ncol; c++) {
        double max = 0;
        for (size_t i = 0; i < n; i++) {
            json_t *v = json_array_get(json_array_get(rows, i), c);
            if (numeric(v) && json_number_value(v) > max) max = json_number_value(v);
        }
        json_t *bars = json_array(), *labels = json_array();
        double slot = (double)(CHART_W - 10) / (double)n;
        for (size_t i = 0; i < n; i++) {
            json_t *v = json_array_get(json_array_get(rows, i), c);
            double val = numeric(v) ? json_number_value(v) : 0;
            int h = max > 0 ? (int)lround(val / max * 80) : 0;
            if (val > 0 && h < 1) h = 1;
            json_array_append_new(bars, json_pack("{s:i, s:i, s:i, s:i, s:i}", "x", (int)(5 + i * slot), "y", 92 - h, "w",
                                                  slot > 3 ? (int)slot - 2 : 1, "h", h, "series", (int)c - 1));
        }
        json_array_append_new(labels, json_pack("{s:i, s:i, s:s}", "x", 5, "y", 108, "text",
                                                json_string_value(json_array_get(json_array_get(rows, 0), 0))));
        json_array_append_new(labels, json_pack("{s:i, s:i, s:s, s:b}", "x", CHART_W - 60, "y", 108, "text",
                                                json_string_value(json_array_get(json_array_get(rows, n - 1), 0)), "end", 1));
        char maxs[32];
        snprintf(maxs, sizeof maxs, "%.0f", max);
        json_array_append_new(labels, json_pack("{s:i, s:i, s:s}", "x", 5, "y", 10, "text", kj_arena_strdup(req->arena, maxs)));
        json_array_append_new(out, json_pack("{s:s, s:i, s:i, s:o, s:o, s:o}", "caption",
                                             kj_tr(req, json_string_value(json_array_get(cols, c))), "w", CHART_W, "h", 112,
                                             "bars", bars, "labels", labels, "legend", json_array()));
    }
    return out;
}

/* A table as the page shows it: title, chart(s), header and text cells. */
static json_t *table_view(kj_req *req, json_t *t, const char *csv_base)
{
    json_t *v = json_object();
    const char *id = kj_jstr_or_empty(t, "id");
    json_object_set_new(v, "id", json_string(id));
    json_object_set_new(v, "title", json_string(kj_tr(req, kj_jstr_or_empty(t, "title"))));
    json_t *head = json_array(), *body = json_array();
    size_t i;
    json_t *c, *r;
    json_array_foreach(json_object_get(t, "columns"), i, c) json_array_append_new(head, json_string(kj_tr(req, json_string_value(c))));
    json_array_foreach(json_object_get(t, "rows"), i, r) {
        json_t *cells = json_array();
        size_t j;
        json_t *x;
        json_array_foreach(r, j, x) json_array_append_new(cells, json_pack("{s:s, s:b}", "text", cell_str(req, x), "num", numeric(x) || json_is_null(x)));
        json_array_append_new(body, json_pack("{s:o}", "cells", cells));
    }
    json_object_set_new(v, "head", head);
    json_object_set_new(v, "rows", body);
    json_object_set_new(v, "empty", json_boolean(!json_array_size(body)));
    const char *chart = kj_jstr_or_empty(t, "chart");
    json_t *charts = json_array();
    if (!strcmp(chart, "bar")) {
        json_t *b = bar_chart(req, t);
        if (b) {
            json_object_set_new(b, "caption", json_string(json_string_value(json_object_get(v, "title"))));
            json_array_append_new(charts, b);
        }
    } else if (!strcmp(chart, "line")) {
        json_decref(charts);
        charts = trend_charts(req, t);
    }
    json_object_set_new(v, "charts", charts);
    char link[512];
    snprintf(link, sizeof link, "%s%stable=%s", csv_base, strchr(csv_base, '?') ? "&" : "?", id);
    json_object_set_new(v, "csv", json_string(link));
    return v;
}

/* The filters as a query string (without "?"), for export and drill links. */
static void filter_qs(kj_buf *b, const kj_stats_query *q, const char *region)
{
    kj_buf_printf(b, "from=%04d-%02d-%02d&to=%04d-%02d-%02d", q->from / 10000, q->from / 100 % 100, q->from % 100,
                  q->to / 10000, q->to / 100 % 100, q->to % 100);
    if (region && *region) { kj_buf_puts(b, "&region="); kj_url_encode(b, region); }
    if (q->domain) { kj_buf_puts(b, "&domain="); kj_url_encode(b, q->domain); }
}

static const char *link_to(kj_req *req, const char *path, const kj_stats_query *q, const char *region)
{
    kj_buf b = { 0 };
    kj_buf_puts(&b, path);
    kj_buf_puts(&b, "?");
    filter_qs(&b, q, region);
    char *s = kj_arena_strdup(req->arena, b.data);
    kj_buf_free(&b);
    return s;
}

static const char *region_name(kj_req *req, json_t *ref)
{
    const char *n = kj_jstr(ref, !strcmp(req->lang, "en") ? "name_en" : "name_zh");
    return n && *n ? n : kj_jstr_or_empty(ref, "name_zh");
}

static void render_page(kj_req *req, const kj_stats_query *q, json_t *f, bool public_view)
{
    const char *base = public_view ? "/data" : "/stats";
    json_t *d = json_object();
    json_t *scope = json_object_get(f, "scope");
    const char *scope_name = *q->region ? region_name(req, scope) : kj_tr(req, "stats.everywhere");
    json_object_set_new(d, "page_title", json_string(kj_tr(req, public_view ? "stats.public.title" : "stats.title")));
    json_object_set_new(d, "scope_name", json_string(scope_name));
    json_object_set_new(d, "public", json_boolean(public_view));
    json_object_set_new(d, "base", json_string(base));
    /* Breadcrumb up, and the children to drill into. */
    /* A region above the viewer's jurisdiction is named, not linked: its
     * page would refuse them (403), and the whole instance's would fall
     * back to their own region. */
    json_t *crumbs = json_array();
    if (*q->region) {
        bool all = public_view || kj_stats_may_see(req->user, "");
        json_array_append_new(crumbs, json_pack("{s:s, s:s?}", "name", kj_tr(req, "stats.everywhere"), "href",
                                                all ? link_to(req, base, q, "") : NULL));
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(scope, "parents"), i, p) {
            const char *code = kj_jstr_or_empty(p, "code");
            bool may = public_view || kj_stats_may_see(req->user, code);
            json_array_append_new(crumbs, json_pack("{s:s, s:s?}", "name", region_name(req, p), "href",
                                                    may ? link_to(req, base, q, code) : NULL));
        }
    }
    json_object_set_new(d, "crumbs", crumbs);
    json_t *kids = json_array();
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(f, "drill"), i, k)
        json_array_append_new(kids, json_pack("{s:s, s:s}", "name", region_name(req, k), "href",
                                              link_to(req, base, q, kj_jstr_or_empty(k, "code"))));
    json_object_set_new(d, "children", kids);
    /* Filters. */
    char from[16], to[16];
    snprintf(from, sizeof from, "%04d-%02d-%02d", q->from / 10000, q->from / 100 % 100, q->from % 100);
    snprintf(to, sizeof to, "%04d-%02d-%02d", q->to / 10000, q->to / 100 % 100, q->to % 100);
    json_object_set_new(d, "from", json_string(from));
    json_object_set_new(d, "to", json_string(to));
    json_object_set_new(d, "region_picker", kj_region_filter_picker(req, "region", q->region, "stats.filter.region"));
    json_t *domains = kj_stats_domains(kj_req_db(req)), *opts = json_array();
    json_array_foreach(domains, i, k) {
        const char *code = kj_jstr_or_empty(k, "code");
        json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "code", code, "label",
                                              kj_jstr_or_empty(k, !strcmp(req->lang, "en") ? "name_en" : "name_zh"),
                                              "selected", q->domain && !strcmp(q->domain, code)));
    }
    json_decref(domains);
    json_object_set_new(d, "domains", opts);
    /* Quick periods (days, both included): this month so far, last month,
     * the last 30 days, this year so far, the last 12 calendar months. */
    int today = kj_stats_day_of(kj_now_ms()), now = today / 100, last = kj_stats_month_add(now, -1);
    struct { const char *key; int from, to; } quick[] = {
        { "stats.period.this_month", now * 100 + 1, today },
        { "stats.period.last_month", last * 100 + 1, kj_stats_month_last_day(last) },
        { "stats.period.last_30", kj_stats_day_add(today, -29), today },
        { "stats.period.this_year", (today / 10000) * 10000 + 101, today },
        { "stats.period.last_12", kj_stats_month_add(now, -11) * 100 + 1, today },
    };
    json_t *periods = json_array();
    for (size_t p = 0; p < sizeof quick / sizeof *quick; p++) {
        kj_stats_query qq = *q;
        qq.from = quick[p].from;
        qq.to = quick[p].to;
        json_array_append_new(periods, json_pack("{s:s, s:s, s:b}", "label", kj_tr(req, quick[p].key), "href",
                                                 link_to(req, base, &qq, q->region), "current",
                                                 qq.from == q->from && qq.to == q->to));
    }
    json_object_set_new(d, "periods", periods);
    /* Freshness: when the pre-counted figures were built. */
    json_t *fr = json_object_get(f, "freshness");
    int64_t built = json_integer_value(json_object_get(fr, "built_at"));
    json_object_set_new(d, "fresh_text", json_string(built ? kj_when_text(req, built) : kj_tr(req, "stats.fresh.never")));
    char every[16];
    snprintf(every, sizeof every, "%ld", kj_req_app(req)->cfg.stats_refresh_minutes);
    json_object_set_new(d, "fresh_every", json_string(kj_arena_strdup(req->arena, every)));
    json_object_set_new(d, "suppressed", json_object_get(f, "suppressed") ? json_incref(json_object_get(f, "suppressed")) : json_integer(0));
    /* Tables with their charts. */
    json_t *tables = kj_stats_tables(f, req->lang), *views = json_array();
    const char *csv = link_to(req, public_view ? "/data.csv" : "/stats.csv", q, q->region);
    json_t *t;
    json_array_foreach(tables, i, t) json_array_append_new(views, table_view(req, t, csv));
    json_decref(tables);
    json_object_set_new(d, "tables", views);
    json_object_set_new(d, "xlsx", json_string(link_to(req, public_view ? "/data.xlsx" : "/stats.xlsx", q, q->region)));
    if (!public_view) {
        /* The report of the month the period ends in. */
        kj_stats_query month = *q;
        month.from = q->to / 100 * 100 + 1;
        month.to = kj_stats_month_last_day(q->to / 100);
        json_object_set_new(d, "pdf", json_string(link_to(req, "/stats/report.pdf", &month, q->region)));
        /* The monthly job's reports of this region. */
        json_t *stored = kj_stats_reports(kj_req_db(req), q->region), *links = json_array();
        json_t *rep;
        json_array_foreach(stored, i, rep) {
            int ym = (int)json_integer_value(json_object_get(rep, "month"));
            kj_stats_query m = { .region = q->region, .from = ym * 100 + 1, .to = kj_stats_month_last_day(ym) };
            char label[16];
            snprintf(label, sizeof label, "%04d-%02d", ym / 100 % 10000, ym % 100);
            json_array_append_new(links, json_pack("{s:s, s:s}", "label", kj_arena_strdup(req->arena, label), "href",
                                                   link_to(req, "/stats/report.pdf", &m, q->region)));
        }
        json_decref(stored);
        json_object_set_new(d, "reports", links);
    }
    json_decref(f);
    kj_render(req, 200, "stats", d);
}

void kj_page_stats(kj_req *req)
{
    kj_stats_query q;
    if (kj_stats_req_query(req, &q, false)) return;
    json_t *f = kj_stats_req_figures(req, &q);
    if (f) render_page(req, &q, f, false);
}

void kj_page_stats_public(kj_req *req)
{
    kj_stats_query q;
    if (kj_stats_req_query(req, &q, true)) return;
    json_t *f = kj_stats_req_figures(req, &q);
    if (f) render_page(req, &q, f, true);
}

/* ---- exports ---- */

static void send_csv(kj_req *req, bool public_view)
{
    kj_stats_query q;
    if (kj_stats_req_query(req, &q, public_view)) return;
    json_t *f = kj_stats_req_figures(req, &q);
    if (!f) return;
    json_t *tables = kj_stats_tables(f, req->lang), *t, *found = NULL;
    json_decref(f);
    const char *want = kj_in_str(req, "table");
    size_t i;
    json_array_foreach(tables, i, t) if (want && !strcmp(want, kj_jstr_or_empty(t, "id"))) found = t;
    if (!found) {
        json_decref(tables);
        kj_err e = { 0 };
        kj_err_set(&e, KJ_E_NOT_FOUND, "err.stats.table", "table");
        kj_answer_err(req, &e);
        return;
    }
    kj_buf out = { 0 };
    if (kj_stats_csv(found, kj_i18n_translate, (void *)req->lang, &out)) {
        kj_buf_free(&out);
        json_decref(tables);
        kj_error(req, 500, "err.internal");
        return;
    }
    char disp[160];
    snprintf(disp, sizeof disp, "attachment; filename=\"kejiyun-stats-%s.csv\"", want);
    kj_resp_header(req, "Content-Disposition", kj_arena_strdup(req->arena, disp));
    kj_resp_text(req, 200, "text/csv; charset=utf-8", out.data, out.len);
    kj_buf_free(&out);
    json_decref(tables);
}

void kj_page_stats_csv(kj_req *req) { send_csv(req, false); }
void kj_page_stats_public_csv(kj_req *req) { send_csv(req, true); }

void kj_stats_send_xlsx(kj_req *req, bool public_view)
{
    kj_stats_query q;
    if (kj_stats_req_query(req, &q, public_view)) return;
    json_t *f = kj_stats_req_figures(req, &q);
    if (!f) return;
    json_t *tables = kj_stats_tables(f, req->lang), *about = kj_stats_about(f, &q, req->lang, kj_i18n_translate, (void *)req->lang);
    json_decref(f);
    size_t len = 0;
    unsigned char *x = kj_stats_xlsx(tables, about, kj_i18n_translate, (void *)req->lang, &len);
    json_decref(tables);
    json_decref(about);
    if (!x) { kj_error(req, 500, "err.internal"); return; }
    kj_resp_header(req, "Content-Disposition", "attachment; filename=\"kejiyun-stats.xlsx\"");
    kj_resp_text(req, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (const char *)x, len);
    free(x);
}

void kj_page_stats_xlsx(kj_req *req) { kj_stats_send_xlsx(req, false); }
void kj_page_stats_public_xlsx(kj_req *req) { kj_stats_send_xlsx(req, true); }

/* The monthly report: the stored one when the monthly job wrote it (a
 * whole past month of the whole scope), made now otherwise. */
void kj_page_stats_pdf(kj_req *req)
{
    kj_stats_query q;
    if (kj_stats_req_query(req, &q, false)) return;
    kj_app *app = kj_req_app(req);
    /* A whole calendar month: the stored report, when there is one. */
    bool whole_month = q.from == q.to / 100 * 100 + 1 && q.to == kj_stats_month_last_day(q.to / 100);
    char *stored = whole_month && !q.domain ? kj_stats_report_stored(kj_req_db(req), q.region, q.to / 100) : NULL;
    unsigned char *pdf = NULL;
    size_t len = 0;
    if (stored) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", app->cfg.data, stored);
        FILE *fp = fopen(path, "rb");
        kj_buf b = { 0 };
        char chunk[65536];
        size_t n;
        while (fp && (n = fread(chunk, 1, sizeof chunk, fp)) > 0) kj_buf_append(&b, chunk, n);
        if (fp && !ferror(fp) && b.len) pdf = (unsigned char *)kj_buf_steal(&b, &len);
        if (fp) fclose(fp);
        kj_buf_free(&b);
        free(stored);
    }
    if (!pdf) {
        kj_err e = { 0 };
        pdf = kj_stats_report(kj_req_db(req), &q, req->lang, kj_i18n_translate, (void *)req->lang, &len, &e);
        if (!pdf) { kj_answer_err(req, &e); return; }
    }
    char disp[96];
    if (whole_month) snprintf(disp, sizeof disp, "attachment; filename=\"kejiyun-report-%04d-%02d.pdf\"", q.to / 10000, q.to / 100 % 100);
    else snprintf(disp, sizeof disp, "attachment; filename=\"kejiyun-report-%08d-%08d.pdf\"", q.from, q.to);
    kj_resp_header(req, "Content-Disposition", kj_arena_strdup(req->arena, disp));
    kj_resp_text(req, 200, "application/pdf", (const char *)pdf, len);
    free(pdf);
}

