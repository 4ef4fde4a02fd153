/*
 * filter_fields.h — the browse filters (market/filters.h) as route fields:
 * KJ_FILTER_FIELDS expands to one kj_field per filter, in the table's
 * order, with the table's bounds, for use inside a route's field array:
 *
 *   static const kj_field f[] = { { "kind", ... }, KJ_FILTER_FIELDS, KJ_FIELDS_END };
 *
 * Money is taken as text here (its length bounded); kj_listing_query_from
 * parses it and refuses what is not a sum of 万元.
 */
#ifndef KJ_WEB_FILTER_FIELDS_H
#define KJ_WEB_FILTER_FIELDS_H
#include "market/filters.h"
#include "web/app.h"

#define KJ_FILTER_F_TEXT KJ_F_TEXT
#define KJ_FILTER_F_INT KJ_F_INT
#define KJ_FILTER_F_MONEY KJ_F_TEXT
#define KJ_FILTER_FIELD(name, value, lo, hi) { #name, KJ_FILTER_F_##value, 0, lo, hi, NULL },
#define KJ_FILTER_FIELDS KJ_LISTING_FILTERS(KJ_FILTER_FIELD)
#endif
