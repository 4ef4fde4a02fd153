/*
 * test_orgverify.c — who may apply for, decide, revoke and see an
 * organization's verification (authz/authz.h), and the published state
 * table of org/verify.h.
 */
#include "t.h"
#include "authz/authz.h"
#include "org/verify.h"
#include <string.h>

/* Coverage follows the region tree's parents (authz.h): the part of it
 * these checks use. */
static bool tree(const char *code, const char **parent)
{
    static const char *const rows[][2] = { { "510000", NULL }, { "510100", "510000" }, { "510107", "510100" },
                                           { "630000", NULL }, { "630100", "630000" } };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        if (!strcmp(rows[i][0], code)) { *parent = rows[i][1]; return true; }
    return false;
}

#define ORG_A "01HORGA0000000000000000000"

static json_t *user(const char *role, const char *jurisdiction, const char *org_id, const char *org_role)
{
    return json_pack("{s:s, s:s, s:s?, s:s?, s:s?}", "id", "01HUSER00000000000000000000", "role", role,
                     "jurisdiction", jurisdiction, "org_id", org_id, "org_role", org_role);
}

TEST(orgverify_who_decides)
{
    kj_authz_set_region_lookup(tree);
    json_t *org = json_pack("{s:s, s:s}", "id", ORG_A, "region", "510107");
    json_t *nowhere = json_pack("{s:s}", "id", ORG_A);          /* an organization without a region */
    json_t *op = user("operator", "510100", NULL, NULL);
    json_t *op_other = user("operator", "630100", NULL, NULL);
    json_t *op_member = user("operator", "510100", ORG_A, "member");  /* staff, but a member of it */
    json_t *admin = user("admin", NULL, NULL, NULL);
    json_t *admin_member = user("admin", NULL, ORG_A, "admin");
    json_t *org_admin = user("org_member", NULL, ORG_A, "admin");
    json_t *plain = user("org_member", NULL, ORG_A, "member");

    CHECK(kj_authz_may_review_org_verification(op, org));
    CHECK(!kj_authz_may_review_org_verification(op_other, org));
    CHECK(!kj_authz_may_review_org_verification(op_member, org));     /* nobody decides on their own */
    CHECK(kj_authz_may_review_org_verification(admin, org));
    CHECK(!kj_authz_may_review_org_verification(admin_member, org));
    CHECK(!kj_authz_may_review_org_verification(org_admin, org));
    CHECK(!kj_authz_may_review_org_verification(NULL, org));
    CHECK(!kj_authz_may_review_org_verification(op, nowhere));        /* no region: administrators only */
    CHECK(kj_authz_may_review_org_verification(admin, nowhere));

    CHECK(kj_authz_may_revoke_org_verification(admin, org));
    CHECK(!kj_authz_may_revoke_org_verification(admin_member, org));
    CHECK(!kj_authz_may_revoke_org_verification(op, org));

    CHECK(kj_authz_may_apply_org_verification(org_admin, ORG_A));
    CHECK(!kj_authz_may_apply_org_verification(plain, ORG_A));
    CHECK(!kj_authz_may_apply_org_verification(op, ORG_A));
    CHECK(!kj_authz_may_apply_org_verification(admin, ORG_A));

    /* The licence: the org's admins and the staff of its region only. */
    CHECK(kj_authz_may_see_org_verification(org_admin, org));
    CHECK(kj_authz_may_see_org_verification(op, org));
    CHECK(kj_authz_may_see_org_verification(admin, org));
    CHECK(!kj_authz_may_see_org_verification(plain, org));
    CHECK(!kj_authz_may_see_org_verification(op_other, org));
    CHECK(!kj_authz_may_see_org_verification(NULL, org));

    json_t *all[] = { org, nowhere, op, op_other, op_member, admin, admin_member, org_admin, plain };
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) json_decref(all[i]);
}

TEST(orgverify_state_table)
{
    json_t *t = kj_orgverify_transitions();
    REQUIRE(json_is_array(t));
    /* Every transition starts and ends in a known state, and each action
     * is known; nothing leaves "pending" by apply, nothing enters "verified"
     * but verify. */
    size_t i;
    json_t *x;
    json_array_foreach(t, i, x) {
        const char *from = json_string_value(json_object_get(x, "from")), *to = json_string_value(json_object_get(x, "to"));
        const char *action = json_string_value(json_object_get(x, "action"));
        bool known_from = false, known_to = false;
        for (const char *const *s = kj_orgverify_states; *s; s++) {
            if (!strcmp(*s, from)) known_from = true;
            if (!strcmp(*s, to)) known_to = true;
        }
        CHECK(known_from && known_to);
        CHECK(strcmp(from, "pending") || strcmp(action, "apply"));
        CHECK(strcmp(from, "verified") || strcmp(action, "apply"));
        CHECK(strcmp(to, "verified") || !strcmp(action, "verify"));
    }
    CHECK_INT((int)json_array_size(t), 6);
    json_decref(t);
}
