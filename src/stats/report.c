/*
 * report.c — the monthly report (export.h): one region's figures of one
 * month as a PDF, made on demand or by the monthly job, which writes last
 * month's report of the whole instance and of every service center's
 * region into DATA/reports/ once (table stats_reports says which exist).
 */
#include "stats/export.h"
#include "stats/stats.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "core/log.h"
#include "ref/regions.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

json_t *kj_stats_about(json_t *f, const kj_stats_query *q, const char *lang, kj_stats_tr tr, void *ctx)
{
    bool en = lang && !strcmp(lang, "en");
    json_t *about = json_array();
    json_array_append_new(about, json_string(tr(ctx, q->public_view ? "stats.public.title" : "stats.title")));
    char line[384];
    json_t *scope = json_object_get(f, "scope");
    const char *name = kj_jstr(scope, en ? "name_en" : "name_zh");
    snprintf(line, sizeof line, "%s: %s", tr(ctx, "stats.filter.region"),
             q->region && *q->region ? (name && *name ? name : q->region) : tr(ctx, "stats.everywhere"));
    json_array_append_new(about, json_string(line));
    snprintf(line, sizeof line, "%s: %04d-%02d-%02d – %04d-%02d-%02d", tr(ctx, "stats.filter.period"), q->from / 10000,
             q->from / 100 % 100, q->from % 100, q->to / 10000, q->to / 100 % 100, q->to % 100);
    json_array_append_new(about, json_string(line));
    json_t *dom = json_object_get(f, "domain");
    snprintf(line, sizeof line, "%s: %s", tr(ctx, "stats.filter.domain"),
             json_is_object(dom) ? kj_jstr_or_empty(dom, en ? "name_en" : "name_zh") : tr(ctx, "stats.filter.all_domains"));
    json_array_append_new(about, json_string(line));
    int64_t built = json_integer_value(json_object_get(json_object_get(f, "freshness"), "built_at"));
    char when[64] = "";
    if (built) kj_format_local(built, when, sizeof when);
    snprintf(line, sizeof line, "%s %s", tr(ctx, "stats.fresh"), built ? when : tr(ctx, "stats.fresh.never"));
    json_array_append_new(about, json_string(line));
    return about;
}

unsigned char *kj_stats_report(kj_db *db, const kj_stats_query *q, const char *lang, kj_stats_tr tr, void *ctx,
                               size_t *len, kj_err *e)
{
    json_t *f = kj_stats_figures(db, q, e);
    if (!f) return NULL;
    json_t *tables = kj_stats_tables(f, lang), *about = kj_stats_about(f, q, lang, tr, ctx);
    json_decref(f);
    char title[160];
    snprintf(title, sizeof title, "%s %04d-%02d", tr(ctx, "stats.report.title"), q->to / 10000, q->to / 100 % 100);
    unsigned char *pdf = kj_stats_pdf(title, about, tables, tr, ctx, len);
    json_decref(tables);
    json_decref(about);
    if (!pdf) kj_err_set(e, KJ_E_INTERNAL, "err.internal", NULL);
    return pdf;
}

/* The file of a stored report, under data_dir: reports/stats-REGION-YYYYMM.pdf
 * ("all" for the whole instance; region codes are digits or an instance's
 * own codes, checked against the tree before they get here). */
static void report_file(char *out, size_t n, const char *region, int month)
{
    snprintf(out, n, "reports/stats-%s-%06d.pdf", region && *region ? region : "all", month);
}

char *kj_stats_report_stored(kj_db *db, const char *region, int month)
{
    return kj_db_text(db, "SELECT path FROM stats_reports WHERE region = ? AND month = ?", "si", region ? region : "",
                      (int64_t)month);
}

/* Writes bytes to data_dir/rel (through a temporary name: a reader never
 * sees half a file). 0 or -1. */
static int write_file(const char *data_dir, const char *rel, const unsigned char *bytes, size_t len)
{
    char dir[1024], path[1100], tmp[1120];
    snprintf(dir, sizeof dir, "%s/reports", data_dir);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) return -1;
    snprintf(path, sizeof path, "%s/%s", data_dir, rel);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *fp = fopen(tmp, "wb");
    if (!fp) return -1;
    bool ok = fwrite(bytes, 1, len, fp) == len;
    ok = fclose(fp) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return -1;
    }
    return 0;
}

int kj_stats_reports_due(kj_db *db, const char *data_dir, kj_stats_tr tr, void *ctx, int max, const atomic_bool *stop)
{
    int month = kj_stats_month_add(kj_stats_month_of(kj_now_ms()), -1);
    json_t *regions = kj_db_rows(db, "SELECT '' AS region UNION SELECT DISTINCT region FROM service_centers "
                                     "EXCEPT SELECT region FROM stats_reports WHERE month = ? ORDER BY region", "i",
                                 (int64_t)month);
    if (!regions) return -1;
    int made = 0;
    size_t i;
    json_t *r;
    json_array_foreach(regions, i, r) {
        if (made >= max || (stop && atomic_load(stop))) break;   /* a shutdown waits for one report at most */
        const char *region = kj_jstr_or_empty(r, "region");
        if (*region && !kj_regions_get(kj_regions_current(), region)) continue;
        kj_stats_query q = { .region = region, .from = month * 100 + 1, .to = kj_stats_month_last_day(month) };
        kj_err e = { 0 };
        size_t len = 0;
        unsigned char *pdf = kj_stats_report(db, &q, "zh-CN", tr, ctx, &len, &e);
        char rel[128];
        report_file(rel, sizeof rel, region, month);
        int rc = pdf ? write_file(data_dir, rel, pdf, len) : -1;
        free(pdf);
        if (!rc && kj_db_exec(db, "INSERT INTO stats_reports(region, month, path, size, created_at) VALUES (?,?,?,?,?) "
                                  "ON CONFLICT (region, month) DO NOTHING", "sisii", region, (int64_t)month, rel,
                              (int64_t)len, kj_now_ms()) < 0)
            rc = -1;
        if (rc) {
            kj_log_error("stats: the monthly report of %s for %06d could not be written (tried again later)",
                         *region ? region : "the instance", month);
            break;
        }
        made++;
    }
    json_decref(regions);
    return made;
}

json_t *kj_stats_reports(kj_db *db, const char *region)
{
    json_t *rows = kj_db_rows(db, "SELECT month, size, created_at FROM stats_reports WHERE region = ? ORDER BY month DESC "
                                  "LIMIT 24", "s", region ? region : "");
    return rows ? rows : json_array();
}
