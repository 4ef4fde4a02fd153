/*
 * authz.h — who may act where: the one module every domain asks.
 *
 * Every answer is computed from a user as the store knows it (a users row
 * as kj_session_user or kj_user_get return it, or as a domain reloads it
 * inside its write transaction) and never from a field its holder can
 * edit:
 *   role          set by an administrator (or `kejiyun user add`);
 *                 self-registration offers only scientist / org_member /
 *                 resident
 *   org_id        an APPROVED membership only (a claim is an org_request,
 *                 see account/membership.h); NULL otherwise
 *   org_role      "admin" or "member" inside org_id, set by the
 *                 organization's admins
 *   jurisdiction  the region an operator reviews for: their service
 *                 center's region, written only when the center appoints
 *                 or removes them (center/center.h; logged); the
 *                 profile's "region" is the home region and grants nothing
 *   center_id,    the service center an operator works at and their role
 *   center_role   there ("head" | "staff"), from center_staff (written by
 *                 administrators and the center's head only)
 *
 * Regions form a tree by their parent, never by code prefixes: a province
 * ("510000") covers its cities, counties and townships, a county
 * ("510603") its townships ("510603101"), a township only itself; an
 * instance's own divisions (regions.d, codes of any shape) by their own
 * parents. The tree is the reference cache's, handed over once by
 * kj_authz_set_region_lookup.
 *
 * Pure functions of their arguments and that lookup: no database, no
 * HTTP, thread-safe.
 * A domain that decides a write with them calls them on a user row it
 * read inside that write's transaction.
 */
#ifndef KJ_AUTHZ_H
#define KJ_AUTHZ_H
#include <jansson.h>
#include <stdbool.h>

/** Answers whether code is a known region and, if so, its parent (NULL
 *  at the top level). Must be thread-safe (ref/regions.h's is). */
typedef bool (*kj_region_lookup_fn)(const char *code, const char **parent);
/** Sets the lookup kj_authz_region_covers follows. Called by the thread
 *  that opens the application before any other thread starts (and by
 *  unit tests); read without a lock afterwards. NULL: no region is known. */
void kj_authz_set_region_lookup(kj_region_lookup_fn fn);
/** True when region outer is inner or one of inner's ancestors. False
 *  when either is NULL or empty, or inner is not a known region (an
 *  unknown code is covered by nothing, not even a look-alike prefix). */
bool kj_authz_region_covers(const char *outer, const char *inner);

/** An administrator (role "admin"). */
bool kj_authz_is_admin(json_t *user);
/** An operator (role "operator"), whatever their jurisdiction. */
bool kj_authz_is_operator(json_t *user);
/** Staff who may review in region: administrators everywhere; operators
 *  whose jurisdiction covers region. An operator without a jurisdiction
 *  reviews nowhere. */
bool kj_authz_can_review_region(json_t *user, const char *region);

/** An approved member (any org role) of organization org_id. */
bool kj_authz_is_org_member(json_t *user, const char *org_id);
/** An approved member of org_id whose org role is "admin". */
bool kj_authz_is_org_admin(json_t *user, const char *org_id);
/** May approve or refuse requests to join org (an object with "id" and
 *  "region"): its org admins, operators whose jurisdiction covers the
 *  organization's region, administrators. Nobody decides their own. */
bool kj_authz_may_decide_org_request(json_t *user, json_t *org, const char *requester_id);
/** May list the members of org_id, change their org roles and remove
 *  them: the organization's admins only. */
bool kj_authz_may_manage_members(json_t *user, const char *org_id);
/** May see an organization's pending requests: whoever may decide them. */
bool kj_authz_may_see_org_requests(json_t *user, json_t *org);
/* Verification of organizations (实名认证, org/verify.h). org is an
 * object with "id" and "region". Nobody decides on an organization they
 * are a member of, whatever their role. */
/** May apply for org_id's verification: its org admins. */
bool kj_authz_may_apply_org_verification(json_t *user, const char *org_id);
/** May verify or refuse org's application: staff who may review its
 *  region (kj_authz_can_review_region), unless a member of it. An
 *  organization without a region: administrators only. */
bool kj_authz_may_review_org_verification(json_t *user, json_t *org);
/** May revoke org's verification: administrators, unless a member of it. */
bool kj_authz_may_revoke_org_verification(json_t *user, json_t *org);
/** May see org's applications and their licence files (never public): its
 *  org admins and the staff who may review its region. */
bool kj_authz_may_see_org_verification(json_t *user, json_t *org);
/** May set an operator's jurisdiction and read its log: administrators. */
bool kj_authz_may_set_jurisdiction(json_t *user);

/** May create service centers and appoint their heads: administrators. */
bool kj_authz_may_manage_centers(json_t *user);
/** Works at center_id (any center role). */
bool kj_authz_is_center_staff(json_t *user, const char *center_id);
/** Heads center_id. */
bool kj_authz_is_center_head(json_t *user, const char *center_id);
/** May edit center_id's contact details: administrators and its head. */
bool kj_authz_may_edit_center(json_t *user, const char *center_id);
/** May appoint (or remove) someone as role ("head" | "staff") at
 *  center_id: administrators any role; the center's head "staff" only. */
bool kj_authz_may_appoint_staff(json_t *user, const char *center_id, const char *role);
/** May post a listing of kind: demands ("demand") by organization members
 *  and administrators; offers ("achievement", "service") by scientists,
 *  organization members and administrators. Operators post none (they
 *  review). Pages ask it to show "发布需求" / "发布成果" only to those who
 *  may; the market asks it when a listing is written. */
bool kj_authz_may_post_listing(json_t *user, const char *kind);
/** May find users, disable and re-enable accounts, set roles and the
 *  expert flag, send reset links, and read the audit log: administrators. */
bool kj_authz_may_administer_users(json_t *user);
/** May edit the instance profile (names, logo, colours, footer, home
 *  region, languages, policies: instance/instance.h), back up or export
 *  it: administrators. */
bool kj_authz_may_configure_instance(json_t *user);

/** May create and manage events (科创会, 对接会; event/event.h) organized
 *  by center_id: its staff (any center role) and administrators. */
bool kj_authz_may_manage_event(json_t *user, const char *center_id);

/** May peer with other instances, suspend peers, choose what is taken
 *  from them and hide remote items (fed/fed.h): administrators. */
bool kj_authz_may_manage_federation(json_t *user);

/** May see the statistics of region (stats/stats.h; NULL or "": the whole
 *  instance): administrators everywhere (the province page, 科协); center
 *  staff in their jurisdiction's subtree. The public data page needs no
 *  permission. */
bool kj_authz_may_see_stats(json_t *user, const char *region);

/** A resident (城乡群众, role "resident"): the public's light account. */
bool kj_authz_is_resident(json_t *user);
/** May publish on the marketplace: create listings, studios, 揭榜 lists
 *  and entries (and apply to them), express interest and so enter deals.
 *  Every account role but "resident" (residents read 科普, ask experts,
 *  follow volunteer teams and open work orders). Each domain that creates
 *  such a thing asks this inside its write and refuses with
 *  kj_authz_publish_refusal's message key (FORBIDDEN). */
bool kj_authz_may_publish(json_t *user);
/** The message key explaining why user may not publish (for a resident:
 *  "err.resident.no_publish"). */
const char *kj_authz_publish_refusal(json_t *user);
#endif
