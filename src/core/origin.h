/*
 * origin.h — the origin filter of lists and search (federation, issue 17
 * §2): origin=local|remote|<instance id> on listings, studios, 科普 and
 * 揭榜, and on site search. One parser and one SQL form, so that every
 * list takes the same values and means the same by them.
 *
 * "local" is this instance's own items (their origin is the meta row
 * instance_id), "remote" those taken from peers, an instance id (a ULID)
 * those of that instance.
 */
#ifndef KJ_CORE_ORIGIN_H
#define KJ_CORE_ORIGIN_H
#include "core/buf.h"
#include <jansson.h>
#include <stdbool.h>

/** Whether v is an origin filter: "local", "remote" or an instance id. */
bool kj_origin_filter_valid(const char *v);
/** Appends " AND <column> ..." for origin (NULL or "": nothing) to sql,
 *  its parameter (if any) to params. origin must be valid. */
void kj_origin_filter_sql(kj_buf *sql, json_t *params, const char *column, const char *origin);
/** Whether an item of origin item_origin (local: it is this instance's)
 *  passes filter (NULL or "": everything). */
bool kj_origin_filter_keeps(const char *filter, const char *item_origin, bool local);
#endif
