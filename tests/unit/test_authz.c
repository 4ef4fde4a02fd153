/*
 * test_authz.c — who may act where (src/authz) and the migration that
 * split membership and jurisdiction from editable fields (018).
 */
#include "t.h"
#include "authz/authz.h"
#include "store/store.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *user(const char *role, const char *region, const char *jurisdiction, const char *org_id, const char *org_role)
{
    return json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "id", "01HUSER00000000000000000000", "role", role,
                     "region", region, "jurisdiction", jurisdiction, "org_id", org_id, "org_role", org_role);
}

/* A small tree as the reference cache would hand it over: Chinese codes
 * down to a township, and an instance's own (foreign) divisions whose
 * codes share no digits with their parents. */
static const char *const tree[][2] = {
    { "510000", NULL }, { "510100", "510000" }, { "510107", "510100" }, { "510107001", "510107" },
    { "511100", "510000" }, { "511102", "511100" }, { "511000", "510000" }, { "511002", "511000" },
    { "630000", NULL }, { "630100", "630000" },
    { "KZ", NULL }, { "KZ-ALA", "KZ" }, { "ALA-MED", "KZ-ALA" },
};

static bool fake_lookup(const char *code, const char **parent)
{
    for (size_t i = 0; i < sizeof tree / sizeof *tree; i++)
        if (!strcmp(tree[i][0], code)) { *parent = tree[i][1]; return true; }
    *parent = NULL;
    return false;
}

static void with_tree(void) { kj_authz_set_region_lookup(fake_lookup); }

TEST(authz_region_covers_townships_and_foreign_chains)
{
    with_tree();
    /* A township is covered by its county, city and province. */
    CHECK(kj_authz_region_covers("510107", "510107001"));
    CHECK(kj_authz_region_covers("510100", "510107001"));
    CHECK(kj_authz_region_covers("510000", "510107001"));
    CHECK(kj_authz_region_covers("510107001", "510107001"));
    CHECK(!kj_authz_region_covers("510107001", "510107"));
    CHECK(!kj_authz_region_covers("511102", "510107001"));
    /* Foreign codes by their own parents, not by prefixes. */
    CHECK(kj_authz_region_covers("KZ", "ALA-MED"));
    CHECK(kj_authz_region_covers("KZ-ALA", "ALA-MED"));
    CHECK(!kj_authz_region_covers("510000", "ALA-MED"));
    CHECK(!kj_authz_region_covers("ALA-MED", "KZ-ALA"));
    /* An unknown code is covered by nothing, however its digits look. */
    CHECK(!kj_authz_region_covers("510000", "510199"));
    CHECK(!kj_authz_region_covers("510107", "510107999"));
    CHECK(!kj_authz_region_covers("510199", "510199"));
    /* Two districts named 市中区, one in each city. */
    CHECK(kj_authz_region_covers("511100", "511102"));
    CHECK(!kj_authz_region_covers("511000", "511102"));
    /* No tree: nothing is known. */
    kj_authz_set_region_lookup(NULL);
    CHECK(!kj_authz_region_covers("510000", "510107"));
    with_tree();
}

TEST(authz_region_tree)
{
    with_tree();
    CHECK(kj_authz_region_covers("510000", "510107"));
    CHECK(kj_authz_region_covers("510000", "510100"));
    CHECK(kj_authz_region_covers("510100", "510107"));
    CHECK(kj_authz_region_covers("510107", "510107"));
    CHECK(!kj_authz_region_covers("510100", "511102"));
    CHECK(!kj_authz_region_covers("510107", "510100"));
    CHECK(!kj_authz_region_covers("630000", "510107"));
    CHECK(!kj_authz_region_covers(NULL, "510107"));
    CHECK(!kj_authz_region_covers("51", "510107"));
}

TEST(authz_review_uses_jurisdiction_never_home_region)
{
    with_tree();
    json_t *op = user("operator", "630100", "510100", NULL, NULL);
    CHECK(kj_authz_can_review_region(op, "510107"));
    CHECK(!kj_authz_can_review_region(op, "630100"));   /* the home region grants nothing */
    json_t *none = user("operator", "510100", NULL, NULL, NULL);
    CHECK(!kj_authz_can_review_region(none, "510100"));
    json_t *sci = user("scientist", "510100", "510100", NULL, NULL);
    CHECK(!kj_authz_can_review_region(sci, "510100"));  /* jurisdiction counts for operators only */
    json_t *admin = user("admin", NULL, NULL, NULL, NULL);
    CHECK(kj_authz_can_review_region(admin, "630100"));
    CHECK(!kj_authz_can_review_region(NULL, "510100"));
    json_decref(op), json_decref(none), json_decref(sci), json_decref(admin);
}

TEST(authz_org_roles_and_decisions)
{
    with_tree();
    json_t *org = json_pack("{s:s, s:s}", "id", "01HORGA0000000000000000000", "region", "510100");
    json_t *adm = user("org_member", NULL, NULL, "01HORGA0000000000000000000", "admin");
    json_t *mem = user("org_member", NULL, NULL, "01HORGA0000000000000000000", "member");
    json_t *other = user("org_member", NULL, NULL, "01HORGB0000000000000000000", "admin");
    json_t *op = user("operator", NULL, "510000", NULL, NULL);
    json_t *op2 = user("operator", "510100", "630100", NULL, NULL);
    json_t *pending = user("org_member", NULL, NULL, NULL, NULL);
    CHECK(kj_authz_is_org_member(mem, "01HORGA0000000000000000000"));
    CHECK(!kj_authz_is_org_member(pending, "01HORGA0000000000000000000"));
    CHECK(kj_authz_is_org_admin(adm, "01HORGA0000000000000000000"));
    CHECK(!kj_authz_is_org_admin(mem, "01HORGA0000000000000000000"));
    CHECK(!kj_authz_is_org_admin(other, "01HORGA0000000000000000000"));
    CHECK(kj_authz_may_manage_members(adm, "01HORGA0000000000000000000"));
    CHECK(!kj_authz_may_manage_members(mem, "01HORGA0000000000000000000"));
    CHECK(!kj_authz_may_manage_members(op, "01HORGA0000000000000000000"));
    CHECK(kj_authz_may_decide_org_request(adm, org, "01HREQUESTER00000000000000"));
    CHECK(kj_authz_may_decide_org_request(op, org, "01HREQUESTER00000000000000"));
    CHECK(!kj_authz_may_decide_org_request(op2, org, "01HREQUESTER00000000000000"));
    CHECK(!kj_authz_may_decide_org_request(mem, org, "01HREQUESTER00000000000000"));
    CHECK(!kj_authz_may_decide_org_request(other, org, "01HREQUESTER00000000000000"));
    CHECK(!kj_authz_may_decide_org_request(adm, org, "01HUSER00000000000000000000"));  /* never one's own */
    CHECK(!kj_authz_may_set_jurisdiction(op));
    json_decref(org), json_decref(adm), json_decref(mem), json_decref(other);
    json_decref(op), json_decref(op2), json_decref(pending);
}

/* Migration 018 on a database that has memberships and operators: the
 * earliest member of each organization becomes its admin, the others stay
 * members, operators keep reviewing where their region said. */
TEST(authz_migration_018_keeps_memberships)
{
    char dir[] = "/tmp/kj-authz-XXXXXX", cmd[512], err[200], file[128], path[128];
    REQUIRE(mkdtemp(dir));
    /* 018 needs only the accounts and the regions (001, 002); later ones
     * need the search tokenizer, which a bare store does not register. */
    snprintf(cmd, sizeof cmd, "mkdir -p %s/m && cp migrations/sqlite/001_*.sql migrations/sqlite/002_*.sql %s/m/", dir, dir);
    REQUIRE(system(cmd) == 0);
    snprintf(file, sizeof file, "%s/t.db", dir);   /* the store keeps this path: a buffer of its own */
    kj_store *store = kj_store_open(&kj_sqlite_backend, file, 1, NULL, NULL, err, sizeof err);
    REQUIRE(store);
    snprintf(path, sizeof path, "%s/m", dir);
    int n = kj_store_migrate(store, path, err, sizeof err);
    if (n < 2) fprintf(stderr, "  migrate: %d %s\n", n, err);
    CHECK(n == 2);
    kj_db *db = kj_store_acquire(store);
    CHECK(kj_db_run_script(db,
        "INSERT OR IGNORE INTO regions VALUES ('510000', NULL, 'province', '四川省', 'Sichuan');"
        "INSERT OR IGNORE INTO regions VALUES ('510100', '510000', 'city', '成都市', 'Chengdu');"
        "INSERT INTO orgs(id, origin, name, type, region, credit_code, created_at, updated_at) "
        " VALUES ('O1', 'X', 'A', 'enterprise', '510100', 'C1', 1, 1);"
        "INSERT INTO users(id, origin, email, name, password_hash, role, org_id, region, created_at, updated_at) VALUES "
        " ('U2', 'X', 'b@x', 'B', 'h', 'org_member', 'O1', NULL, 2, 2),"
        " ('U1', 'X', 'a@x', 'A', 'h', 'org_member', 'O1', NULL, 1, 1),"
        " ('U3', 'X', 'c@x', 'C', 'h', 'operator', NULL, '510100', 3, 3),"
        " ('U4', 'X', 'd@x', 'D', 'h', 'scientist', NULL, '510000', 4, 4)") == 0);
    kj_store_release(store, db);
    snprintf(cmd, sizeof cmd, "cp migrations/sqlite/018_*.sql %s/m/", dir);
    REQUIRE(system(cmd) == 0);
    CHECK(kj_store_migrate(store, path, err, sizeof err) == 1);
    db = kj_store_acquire(store);
    char *r1 = kj_db_text(db, "SELECT org_id || ':' || org_role FROM users WHERE id = 'U1'", "");
    char *r2 = kj_db_text(db, "SELECT org_id || ':' || org_role FROM users WHERE id = 'U2'", "");
    char *j3 = kj_db_text(db, "SELECT jurisdiction FROM users WHERE id = 'U3'", "");
    CHECK_STR(r1, "O1:admin");
    CHECK_STR(r2, "O1:member");
    CHECK_STR(j3, "510100");
    CHECK_INT(kj_db_int(db, -1, "SELECT count(*) FROM users WHERE id = 'U4' AND jurisdiction IS NULL", ""), 1);
    free(r1), free(r2), free(j3);
    kj_store_release(store, db);
    kj_store_close(store);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "  could not remove %s\n", dir);
}
