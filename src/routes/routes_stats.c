/*
 * routes_stats.c — the statistics routes (issue 18): the staff page and its
 * exports, the public data page (公开数据) and its exports, and the API.
 * Route-level checks are types and lengths; the period, region and domain
 * are checked by stats/ (err.stats.*), who may see a region by
 * kj_stats_may_see.
 */
#include "web/app.h"
#include "routes/routes.h"
#include "web/pages_stats.h"

/* Dates (YYYY-MM-DD or YYYY-MM) are read by stats/ (kj_stats_period: 400 when
 * malformed); the length here only bounds what reaches it. */
#define FILTERS \
    { "region", KJ_F_TEXT, 0, 0, 12, NULL }, { "from", KJ_F_TEXT, 0, 0, 40, NULL }, \
    { "to", KJ_F_TEXT, 0, 0, 40, NULL }, { "domain", KJ_F_TEXT, 0, 0, 10, NULL }

static const kj_field filter_fields[] = { FILTERS, KJ_FIELDS_END };
static const kj_field table_fields[] = { FILTERS, { "table", KJ_F_TEXT, KJ_REQUIRED, 1, 40, NULL }, KJ_FIELDS_END };

const kj_route kj_routes_stats[] = {
    { KJ_GET, "/stats",                 kj_page_stats,             KJ_STAFF,  0, filter_fields, "stats" },
    { KJ_GET, "/stats.csv",             kj_page_stats_csv,         KJ_STAFF,  0, table_fields, "stats_csv" },
    { KJ_GET, "/stats.xlsx",            kj_page_stats_xlsx,        KJ_STAFF,  0, filter_fields, "stats_xlsx" },
    { KJ_GET, "/stats/report.pdf",      kj_page_stats_pdf,         KJ_STAFF,  KJ_HEAVY, filter_fields, "stats_pdf" },
    { KJ_GET, "/data",                  kj_page_stats_public,      KJ_PUBLIC, 0, filter_fields, "data" },
    { KJ_GET, "/data.csv",              kj_page_stats_public_csv,  KJ_PUBLIC, 0, table_fields, "data_csv" },
    { KJ_GET, "/data.xlsx",             kj_page_stats_public_xlsx, KJ_PUBLIC, 0, filter_fields, "data_xlsx" },
    { KJ_GET, "/api/v1/stats",          kj_api_stats,              KJ_STAFF,  KJ_API, filter_fields, "api_stats" },
    { KJ_GET, "/api/v1/stats.xlsx",     kj_api_stats_xlsx,         KJ_STAFF,  KJ_API, filter_fields, "api_stats_xlsx" },
    { KJ_GET, "/api/v1/stats/public",   kj_api_stats_public,       KJ_PUBLIC, KJ_API, filter_fields, "api_stats_public" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};
