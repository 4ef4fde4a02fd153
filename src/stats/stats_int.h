/*
 * stats_int.h — SQL fragments shared by the statistics module's files
 * (refresh.c builds the facts with them, figures.c counts live figures).
 */
#ifndef KJ_STATS_INT_H
#define KJ_STATS_INT_H
/* A moment's day (YYYYMMDD): the stats_days row it falls in (NULL outside). */
#define DAY(col) "(SELECT sd.day FROM stats_days sd WHERE sd.start_ms <= " col \
                 " AND sd.end_ms > " col " ORDER BY sd.start_ms DESC LIMIT 1)"
/* A domain code's first level ('' when unknown). The alias is its own
 * (callers' tables are d, s, c ...): PostgreSQL resolves d.domain in the
 * subquery to the inner d, where SQLite looks outward. */
#define DOM1(col) "COALESCE((SELECT COALESCE(NULLIF(dom1.parent, ''), dom1.code) FROM domains dom1 WHERE dom1.code = " col "), '')"
/* A user's home region's city (the region itself above or without a city). */
#define CITY(region) "COALESCE((SELECT u2.anc FROM stats_region_up u2 JOIN regions r2 ON r2.code = u2.anc " \
                     "WHERE u2.region = " region " AND r2.level = 'city'), " region ", '')"
/* The regions with month rows (stats.h, "grains"): the whole instance ('')
 * and these levels. Below them a region's records are few (a county of a
 * 1M-listing instance has a few hundred a year), its day rows are nearly as
 * few as month rows would be, and reading its days is fast: month rows
 * there would only lengthen the rebuild. kj_stats_has_months says the same
 * in C (figures.c); both must agree, or a period would miss its months. */
#define MONTH_LEVELS "('province', 'city')"
#include <stdbool.h>
bool kj_stats_has_months(const char *region);
#endif
