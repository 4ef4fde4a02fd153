/*
 * origin.c — the origin filter (origin.h).
 */
#include "core/origin.h"
#include "core/id.h"
#include <string.h>

bool kj_origin_filter_valid(const char *v)
{
    return v && (!strcmp(v, "local") || !strcmp(v, "remote") || kj_id_valid(v));
}

void kj_origin_filter_sql(kj_buf *sql, json_t *params, const char *column, const char *origin)
{
    if (!origin || !*origin) return;
    if (!strcmp(origin, "local")) kj_buf_printf(sql, " AND %s = (SELECT value FROM meta WHERE key = 'instance_id')", column);
    else if (!strcmp(origin, "remote")) kj_buf_printf(sql, " AND %s <> (SELECT value FROM meta WHERE key = 'instance_id')", column);
    else {
        kj_buf_printf(sql, " AND %s = ?", column);
        json_array_append_new(params, json_string(origin));
    }
}

bool kj_origin_filter_keeps(const char *filter, const char *item_origin, bool local)
{
    if (!filter || !*filter) return true;
    if (!strcmp(filter, "local")) return local;
    if (!strcmp(filter, "remote")) return !local;
    return item_origin && !strcmp(item_origin, filter);
}
