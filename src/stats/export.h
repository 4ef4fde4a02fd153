/*
 * export.h — the statistics tables (kj_stats_tables) as files: one table as
 * CSV, every table as an XLSX workbook (one sheet each), the monthly report
 * as PDF (report_pdf.c). Labels are i18n keys, turned into words by the
 * caller's tr; a suppressed cell (null) is written as the text tr gives for
 * "stats.suppressed" (never a number). No database, no HTTP.
 */
#ifndef KJ_STATS_EXPORT_H
#define KJ_STATS_EXPORT_H
#include "core/buf.h"
#include "core/err.h"
#include "stats/stats.h"
#include "store/store.h"
#include <jansson.h>
#include <stddef.h>

/** Translates an i18n key; never NULL. */
typedef const char *(*kj_stats_tr)(void *ctx, const char *key);

/** A cell as text: integers in decimal, reals with up to two decimals,
 *  strings as they are, {"key"} translated, null as tr("stats.suppressed"). */
void kj_stats_cell_text(json_t *cell, kj_stats_tr tr, void *ctx, kj_buf *out);
/** Table (one element of kj_stats_tables) as UTF-8 CSV with a byte-order
 *  mark, formulas guarded. 0 or -1. */
int kj_stats_csv(json_t *table, kj_stats_tr tr, void *ctx, kj_buf *out);
/** Every table as an XLSX workbook: sheet per table (its title, cut to
 *  Excel's 31 characters), a first sheet "about" with the lines of about
 *  (strings). Numbers stay numbers. Returns the file's bytes (malloc'd,
 *  *len) or NULL. Thread-safe (a temporary file per call). */
unsigned char *kj_stats_xlsx(json_t *tables, json_t *about, kj_stats_tr tr, void *ctx, size_t *len);

/** The monthly report as an A4 PDF (cairo and pango, CJK glyphs embedded):
 *  title and about lines, then each table with a bar per row for its
 *  first numeric column. Returns the bytes (malloc'd, *len) or NULL.
 *  Thread-safe (renders take turns on one lock, as contracts do). */
unsigned char *kj_stats_pdf(const char *title, json_t *about, json_t *tables, kj_stats_tr tr, void *ctx, size_t *len);

/* ---- the monthly report (report.c) ---- */

/** The lines saying what a table set is (title, region, period, domain,
 *  when the figures were built), in lang through tr (new ref). */
json_t *kj_stats_about(json_t *figures, const kj_stats_query *q, const char *lang, kj_stats_tr tr, void *ctx);
/** q's figures as the PDF report (title "monthly report YYYY-MM" of q->to).
 *  Bytes (malloc'd, *len), or NULL with e (the figures' refusals, or
 *  INTERNAL when rendering failed). */
unsigned char *kj_stats_report(kj_db *db, const kj_stats_query *q, const char *lang, kj_stats_tr tr, void *ctx,
                               size_t *len, kj_err *e);
/** The monthly job: writes last month's report (zh-CN) of the whole
 *  instance and of every service center's region that has none yet into
 *  data_dir/reports/, at most max per call, recording each in
 *  stats_reports. Returns how many it wrote, or -1 (tried again later). */
int kj_stats_reports_due(kj_db *db, const char *data_dir, kj_stats_tr tr, void *ctx, int max, const atomic_bool *stop);
/** The stored report of region ("" the whole instance) for month, as a
 *  path under the data directory (malloc'd), or NULL. */
char *kj_stats_report_stored(kj_db *db, const char *region, int month);
/** The stored reports of region, newest first: [{month, size, created_at}]. */
json_t *kj_stats_reports(kj_db *db, const char *region);
#endif
