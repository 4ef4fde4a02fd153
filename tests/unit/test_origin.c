/*
 * test_origin.c — the origin filter every list and search takes
 * (core/origin.h): its values, its SQL and its in-memory form agree.
 */
#include "t.h"
#include "core/origin.h"
#include <string.h>

TEST(origin_filter_values_sql_and_memory_agree)
{
    const char *peer = "01J0000000000000000000PEER";
    CHECK(kj_origin_filter_valid("local") && kj_origin_filter_valid("remote") && kj_origin_filter_valid(peer));
    CHECK(!kj_origin_filter_valid(NULL) && !kj_origin_filter_valid("") && !kj_origin_filter_valid("nowhere") &&
          !kj_origin_filter_valid("LOCAL") && !kj_origin_filter_valid("01J0000000000000000000PEE"));
    kj_buf sql = { 0 };
    json_t *params = json_array();
    kj_origin_filter_sql(&sql, params, "s.origin", NULL);
    kj_origin_filter_sql(&sql, params, "s.origin", "");
    CHECK(sql.len == 0 && json_array_size(params) == 0);
    kj_origin_filter_sql(&sql, params, "s.origin", "local");
    CHECK_STR(sql.data, " AND s.origin = (SELECT value FROM meta WHERE key = 'instance_id')");
    kj_buf_reset(&sql);
    kj_origin_filter_sql(&sql, params, "c.origin", "remote");
    CHECK_STR(sql.data, " AND c.origin <> (SELECT value FROM meta WHERE key = 'instance_id')");
    kj_buf_reset(&sql);
    kj_origin_filter_sql(&sql, params, "l.origin", peer);
    CHECK_STR(sql.data, " AND l.origin = ?");
    CHECK(json_array_size(params) == 1 && !strcmp(json_string_value(json_array_get(params, 0)), peer));
    kj_buf_free(&sql);
    json_decref(params);
    CHECK(kj_origin_filter_keeps(NULL, "x", false) && kj_origin_filter_keeps("", "x", true));
    CHECK(kj_origin_filter_keeps("local", "me", true) && !kj_origin_filter_keeps("local", peer, false));
    CHECK(kj_origin_filter_keeps("remote", peer, false) && !kj_origin_filter_keeps("remote", "me", true));
    CHECK(kj_origin_filter_keeps(peer, peer, false) && !kj_origin_filter_keeps(peer, "01J0000000000000000000OTHR", false));
}
