/*
 * test_center.c — service centers (src/center): coverage by the region
 * tree, parents that widen, staff rules and the jurisdiction they write,
 * and the append-only audit log (src/audit).
 */
#include "t.h"
#include "scratch.h"
#include "account/account.h"
#include "audit/audit.h"
#include "center/center.h"
#include "core/id.h"
#include "core/json_util.h"
#include <string.h>

static char *add_user(kj_scratch *s, const char *email, const char *role, char *id)
{
    kj_registration r = { .email = email, .password = "Center-2026!x", .name = email, .role = role };
    kj_err fail = { 0 };
    return kj_account_register(s->db, &r, true, id, &fail) ? NULL : id;
}

static int center(kj_scratch *s, const char *level, const char *region, const char *parent, char *id, kj_err *e)
{
    json_t *c = json_pack("{s:s, s:s, s:s, s:s?}", "name_zh", region, "level", level, "region", region,
                          "parent_id", parent);
    int st = kj_center_create(s->db, NULL, c, id, e);
    json_decref(c);
    return st;
}

TEST(center_covering_follows_the_region_tree)
{
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "center") == 0);
    char sc[27], dy[27], jy[27], x[27];
    kj_err e = { 0 };
    REQUIRE(center(&s, "province", "510000", NULL, sc, &e) == 0);
    REQUIRE(center(&s, "city", "510600", sc, dy, &e) == 0);
    REQUIRE(center(&s, "county", "510603", dy, jy, &e) == 0);
    json_t *c = kj_center_covering(s.db, "510603");
    CHECK_STR(kj_jstr(c, "id"), jy);
    json_decref(c);
    c = kj_center_covering(s.db, "510604");   /* 罗江区: no county center, 德阳's */
    CHECK_STR(kj_jstr(c, "id"), dy);
    json_decref(c);
    c = kj_center_covering(s.db, "510107");   /* 成都: the province's */
    CHECK_STR(kj_jstr(c, "id"), sc);
    json_decref(c);
    CHECK(kj_center_covering(s.db, "630100") == NULL);
    json_t *chain = kj_center_chain(s.db, jy);
    CHECK(json_array_size(chain) == 3);
    CHECK_STR(kj_jstr(json_array_get(chain, 2), "id"), sc);
    json_decref(chain);
    json_t *list = kj_center_list(s.db, "510600", NULL);   /* 德阳 and 旌阳区, not the province */
    CHECK(json_array_size(list) == 2);
    json_decref(list);
    /* A parent must cover the child strictly; one center per region. */
    CHECK(center(&s, "city", "510100", jy, x, &e) == -1 && e.kind == KJ_E_INVALID && !strcmp(e.field, "parent_id"));
    CHECK(center(&s, "county", "510600", dy, x, &e) == -1 && e.kind == KJ_E_INVALID);
    CHECK(center(&s, "city", "510600", sc, x, &e) == -1 && e.kind == KJ_E_CONFLICT);
    CHECK(center(&s, "city", "999999", sc, x, &e) == -1 && !strcmp(e.key, "err.region.unknown"));
    CHECK(center(&s, "village", "510100", sc, x, &e) == -1 && !strcmp(e.field, "level"));
    CHECK(center(&s, "city", "510100", NULL, x, &e) == -1 && !strcmp(e.field, "parent_id"));
    kj_scratch_close(&s);
}

TEST(center_staff_rules_and_jurisdiction)
{
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "center") == 0);
    REQUIRE(kj_scratch_importer(&s) == 0);
    const char *admin = kj_jstr(s.admin, "id");
    char sc[27], dy[27], head[27], staff[27], sci[27], other[27];
    kj_err e = { 0 };
    REQUIRE(center(&s, "province", "510000", NULL, sc, &e) == 0);
    REQUIRE(center(&s, "city", "510600", sc, dy, &e) == 0);
    REQUIRE(add_user(&s, "head@c.test", "operator", head) && add_user(&s, "staff@c.test", "operator", staff));
    REQUIRE(add_user(&s, "sci@c.test", "scientist", sci) && add_user(&s, "other@c.test", "operator", other));
    /* Only operator accounts; the admin appoints the head. */
    CHECK(kj_center_appoint(s.db, admin, dy, sci, "staff", "", &e) == -1 && !strcmp(e.key, "err.center.not_operator"));
    CHECK(kj_center_appoint(s.db, staff, dy, staff, "head", "", &e) == -1 && e.kind == KJ_E_FORBIDDEN);
    REQUIRE(kj_center_appoint(s.db, admin, dy, head, "head", "opening", &e) == 0);
    json_t *u = kj_user_get(s.db, head);
    CHECK_STR(kj_jstr(u, "jurisdiction"), "510600");
    CHECK_STR(kj_jstr(u, "center_id"), dy);
    CHECK_STR(kj_jstr(u, "center_role"), "head");
    json_decref(u);
    /* The head adds staff to their own center, never a head, never elsewhere. */
    CHECK(kj_center_appoint(s.db, head, dy, staff, "head", "", &e) == -1 && e.kind == KJ_E_FORBIDDEN);
    CHECK(kj_center_appoint(s.db, head, sc, staff, "staff", "", &e) == -1 && e.kind == KJ_E_FORBIDDEN);
    REQUIRE(kj_center_appoint(s.db, head, dy, staff, "staff", "", &e) == 0);
    CHECK(kj_center_appoint(s.db, admin, sc, staff, "staff", "", &e) == -1 && e.kind == KJ_E_CONFLICT);
    json_t *list = kj_center_staff(s.db, dy);
    CHECK(json_array_size(list) == 2);
    CHECK_STR(kj_jstr(json_array_get(list, 0), "user_id"), head);
    json_decref(list);
    /* Staff cannot remove anyone; the head removes staff, not themselves. */
    CHECK(kj_center_remove_staff(s.db, staff, head, "", &e) == -1 && e.kind == KJ_E_FORBIDDEN);
    CHECK(kj_center_remove_staff(s.db, head, head, "", &e) == -1 && e.kind == KJ_E_FORBIDDEN);
    REQUIRE(kj_center_remove_staff(s.db, head, staff, "moved", &e) == 0);
    u = kj_user_get(s.db, staff);
    CHECK(kj_jstr(u, "jurisdiction") == NULL && kj_jstr(u, "center_id") == NULL);
    json_decref(u);
    /* Every change is in the audit log, which nothing can edit. */
    json_t *log = kj_audit_list(s.db, "center.staff.", NULL, NULL, NULL, 0, 50);
    CHECK(json_array_size(log) == 3);
    CHECK_STR(kj_jstr(json_array_get(log, 0), "action"), "center.staff.remove");
    CHECK_STR(kj_jstr(json_array_get(log, 0), "reason"), "moved");
    CHECK_STR(kj_jstr(json_object_get(json_array_get(log, 0), "detail"), "center_id"), dy);
    json_decref(log);
    CHECK(kj_db_exec(s.db, "UPDATE audit_log SET reason = 'x'", "") < 0);
    CHECK(kj_db_exec(s.db, "DELETE FROM audit_log", "") < 0);
    CHECK(kj_db_int(s.db, 0, "SELECT count(*) FROM audit_log WHERE action LIKE 'center.%'", "") == 5);
    kj_scratch_close(&s);
}
