/*
 * authz.c — who may act where (see authz.h).
 */
#include "authz/authz.h"
#include "core/json_util.h"
#include <string.h>

static bool same(const char *a, const char *b) { return a && b && *a && !strcmp(a, b); }

/* Written once before threads start (authz.h). */
static kj_region_lookup_fn region_lookup;

void kj_authz_set_region_lookup(kj_region_lookup_fn fn) { region_lookup = fn; }

bool kj_authz_region_covers(const char *outer, const char *inner)
{
    if (!outer || !inner || !*outer || !*inner || !region_lookup) return false;
    /* Up from inner; the bound only guards a cycle in data. */
    const char *code = inner;
    for (int depth = 0; code && depth < 32; depth++) {
        const char *parent = NULL;
        if (!region_lookup(code, &parent)) return false;
        if (!strcmp(code, outer)) return true;
        code = parent;
    }
    return false;
}

bool kj_authz_is_admin(json_t *user) { return user && !strcmp(kj_jstr_or_empty(user, "role"), "admin"); }

bool kj_authz_is_operator(json_t *user) { return user && !strcmp(kj_jstr_or_empty(user, "role"), "operator"); }

bool kj_authz_can_review_region(json_t *user, const char *region)
{
    if (kj_authz_is_admin(user)) return true;
    /* jurisdiction, never "region": the home region is the holder's to edit. */
    return kj_authz_is_operator(user) && kj_authz_region_covers(kj_jstr_or_empty(user, "jurisdiction"), region);
}

bool kj_authz_is_org_member(json_t *user, const char *org_id)
{
    return user && same(kj_jstr_or_empty(user, "org_id"), org_id);
}

bool kj_authz_is_org_admin(json_t *user, const char *org_id)
{
    return kj_authz_is_org_member(user, org_id) && !strcmp(kj_jstr_or_empty(user, "org_role"), "admin");
}

bool kj_authz_may_decide_org_request(json_t *user, json_t *org, const char *requester_id)
{
    if (!user || !org || same(kj_jstr_or_empty(user, "id"), requester_id)) return false;
    if (kj_authz_is_admin(user) || kj_authz_is_org_admin(user, kj_jstr_or_empty(org, "id"))) return true;
    /* An organization without a region belongs to no center: admins decide. */
    return kj_authz_is_operator(user) && kj_authz_can_review_region(user, kj_jstr_or_empty(org, "region"));
}

bool kj_authz_may_manage_members(json_t *user, const char *org_id) { return kj_authz_is_org_admin(user, org_id); }

bool kj_authz_may_see_org_requests(json_t *user, json_t *org)
{
    return kj_authz_may_decide_org_request(user, org, NULL);
}

bool kj_authz_may_set_jurisdiction(json_t *user) { return kj_authz_is_admin(user); }

bool kj_authz_may_manage_centers(json_t *user) { return kj_authz_is_admin(user); }

bool kj_authz_is_center_staff(json_t *user, const char *center_id)
{
    const char *c = kj_jstr(user, "center_id");
    return center_id && c && kj_authz_is_operator(user) && !strcmp(c, center_id);
}

bool kj_authz_is_center_head(json_t *user, const char *center_id)
{
    return kj_authz_is_center_staff(user, center_id) && !strcmp(kj_jstr_or_empty(user, "center_role"), "head");
}

bool kj_authz_may_edit_center(json_t *user, const char *center_id)
{
    return kj_authz_is_admin(user) || kj_authz_is_center_head(user, center_id);
}

bool kj_authz_may_appoint_staff(json_t *user, const char *center_id, const char *role)
{
    if (kj_authz_is_admin(user)) return true;
    return role && !strcmp(role, "staff") && kj_authz_is_center_head(user, center_id);
}

bool kj_authz_may_apply_org_verification(json_t *user, const char *org_id) { return kj_authz_is_org_admin(user, org_id); }

bool kj_authz_may_review_org_verification(json_t *user, json_t *org)
{
    if (!user || !org || kj_authz_is_org_member(user, kj_jstr_or_empty(org, "id"))) return false;
    /* kj_authz_can_review_region answers false for a NULL region unless admin. */
    return kj_authz_can_review_region(user, kj_jstr(org, "region"));
}

bool kj_authz_may_revoke_org_verification(json_t *user, json_t *org)
{
    return org && kj_authz_is_admin(user) && !kj_authz_is_org_member(user, kj_jstr_or_empty(org, "id"));
}

bool kj_authz_may_see_org_verification(json_t *user, json_t *org)
{
    if (!user || !org) return false;
    return kj_authz_is_org_admin(user, kj_jstr_or_empty(org, "id")) || kj_authz_can_review_region(user, kj_jstr(org, "region"));
}

bool kj_authz_may_administer_users(json_t *user) { return kj_authz_is_admin(user); }

bool kj_authz_may_manage_federation(json_t *user) { return kj_authz_is_admin(user); }

bool kj_authz_may_configure_instance(json_t *user) { return kj_authz_is_admin(user); }

bool kj_authz_is_resident(json_t *user) { return user && !strcmp(kj_jstr_or_empty(user, "role"), "resident"); }

bool kj_authz_may_publish(json_t *user)
{
    static const char *const publishers[] = { "scientist", "org_member", "operator", "admin", NULL };
    return user && kj_in_list(publishers, kj_jstr_or_empty(user, "role"));
}

const char *kj_authz_publish_refusal(json_t *user)
{
    return kj_authz_is_resident(user) ? "err.resident.no_publish" : "err.auth.forbidden";
}

bool kj_authz_may_post_listing(json_t *user, const char *kind)
{
    const char *role = user ? kj_jstr_or_empty(user, "role") : "";
    if (!kind) return false;
    if (!strcmp(kind, "demand")) return !strcmp(role, "org_member") || !strcmp(role, "admin");
    if (!strcmp(kind, "achievement") || !strcmp(kind, "service"))
        return !strcmp(role, "scientist") || !strcmp(role, "org_member") || !strcmp(role, "admin");
    return false;
}

bool kj_authz_may_manage_event(json_t *user, const char *center_id)
{
    return kj_authz_is_admin(user) || kj_authz_is_center_staff(user, center_id);
}

bool kj_authz_may_see_stats(json_t *user, const char *region)
{
    if (kj_authz_is_admin(user)) return true;
    return region && *region && kj_authz_can_review_region(user, region);
}
