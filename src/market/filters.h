/*
 * filters.h — the browse filters, described once (issue 13 item 5).
 *
 * The filters that browse, search, export and saved searches share
 * (domain, region, TRL range, cooperation mode, price range, recency) are
 * the rows of KJ_LISTING_FILTERS below. From it come:
 *  - the route fields and their validator bounds (web/filter_fields.h
 *    expands the list into kj_field entries at compile time);
 *  - the filter SQL (kj_listing_filter_sql appends each row's fragment, in
 *    this order);
 *  - reading a request or a saved search into a kj_listing_query (each
 *    row's set function);
 *  - the parameter lists pages carry through pager, export and facet links,
 *    and the facet groups each filter belongs to.
 * Adding a filter: a row here and in kj_listing_filters (filters.c), a
 * member of kj_listing_query, its SQL fragment and, for search in memory,
 * doc_attrs.c's kj_doc_filter.
 *
 * The kind is not a row: each route has its own set of kinds (search adds
 * "studio"; the browse pages take it from their path). Paging, sort and
 * the text query are not filters.
 */
#ifndef KJ_MARKET_FILTERS_H
#define KJ_MARKET_FILTERS_H
#include "core/buf.h"
#include "market/market.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* X(name, value, min, max): value is TEXT (a string of at most max
 * bytes), INT (an integer in min..max) or MONEY (万元 as a decimal string
 * of at most max bytes, read as fen). */
#define KJ_LISTING_FILTERS(X) \
    X(domain,    TEXT,  0, 10)   \
    X(region,    TEXT,  0, 32)   \
    X(trl_min,   INT,   1, 9)    \
    X(trl_max,   INT,   1, 9)    \
    X(mode,      TEXT,  0, 40)   \
    X(price_min, MONEY, 0, 20)   \
    X(price_max, MONEY, 0, 20)   \
    X(within,    INT,   1, 3650)  \
    X(origin,    TEXT,  0, 32)

/* The number of filters (rows of KJ_LISTING_FILTERS). */
#define KJ_FILTER_COUNT_ONE(name, value, lo, hi) +1
enum { KJ_NLISTING_FILTERS = 0 KJ_LISTING_FILTERS(KJ_FILTER_COUNT_ONE) };

typedef enum { KJ_FILTER_TEXT, KJ_FILTER_INT, KJ_FILTER_MONEY } kj_filter_value;

typedef struct {
    const char *name;          /* the request parameter (and saved-search key) */
    kj_filter_value value;
    int min, max;              /* as in KJ_LISTING_FILTERS */
    const char *facet;         /* the search facet group a facet link of which replaces it; NULL: none */
    bool saved;                /* kept with a saved search (alerts) */
    /** Whether q filters on it. */
    bool (*active)(const kj_listing_query *q);
    /** Sets q's member from a valid value: text for TEXT, number for INT,
     *  fen for MONEY. */
    void (*set)(kj_listing_query *q, const char *text, int64_t number);
    /** Appends " AND <fragment>" over the alias l (listings) and its
     *  parameter when q filters on it. */
    void (*sql)(const kj_listing_query *q, kj_buf *sql, json_t *params);
} kj_listing_filter;

/** The filters in KJ_LISTING_FILTERS order (KJ_NLISTING_FILTERS of them);
 *  ends with a NULL name. */
extern const kj_listing_filter kj_listing_filters[];

/** Sets q's filter members from a JSON object of parameters (a saved
 *  search's filters: strings, integers), leaving the others alone; a value
 *  of the wrong type or out of bounds is ignored. */
void kj_listing_filters_from_json(kj_listing_query *q, json_t *in);
#endif
