/*
 * pages_stats.h — the statistics pages and exports (issue 18): /stats (center
 * staff: their jurisdiction; administrators: any region), /data (公开数据,
 * public), CSV of one table, XLSX of all, the monthly PDF report; and the
 * API handlers of api/api_stats.c. Figures from stats/stats.h; who may see
 * a region is kj_stats_may_see (asking authz).
 */
#ifndef KJ_PAGES_STATS_H
#define KJ_PAGES_STATS_H
#include "web/app.h"
#include "stats/stats.h"

void kj_page_stats(kj_req *req);              /* GET /stats */
void kj_page_stats_csv(kj_req *req);          /* GET /stats.csv?table= */
void kj_page_stats_xlsx(kj_req *req);         /* GET /stats.xlsx */
void kj_page_stats_pdf(kj_req *req);          /* GET /stats/report.pdf */
void kj_page_stats_public(kj_req *req);       /* GET /data */
void kj_page_stats_public_csv(kj_req *req);   /* GET /data.csv?table= */
void kj_page_stats_public_xlsx(kj_req *req);  /* GET /data.xlsx */
void kj_api_stats(kj_req *req);               /* GET /api/v1/stats */
void kj_api_stats_xlsx(kj_req *req);          /* GET /api/v1/stats.xlsx */
void kj_api_stats_public(kj_req *req);        /* GET /api/v1/stats/public */

/** Reads the filters (region, from, to, domain) into q: the region
 *  defaults to an operator's jurisdiction; outside what the user may see
 *  (kj_stats_may_see) is refused. 0, or -1 after answering the error. */
int kj_stats_req_query(kj_req *req, kj_stats_query *q, bool public_view);
/** The figures for q, or NULL after answering the error. */
json_t *kj_stats_req_figures(kj_req *req, const kj_stats_query *q);
/** Answers every table for the request's filters as an XLSX workbook. */
void kj_stats_send_xlsx(kj_req *req, bool public_view);
#endif
