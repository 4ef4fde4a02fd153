/*
 * membership.h — organization membership granted, never claimed; and the
 * operators' jurisdiction, set by administrators only.
 *
 * Membership. users.org_id is an APPROVED membership and users.org_role
 * ("admin" | "member") what it allows inside the organization; every
 * domain check that reads them stays right because nothing but the calls
 * below writes them. Whoever names an existing organization (registration
 * with its credit code, or a later join request) gets an org_request:
 *   pending → approved | refused   (decided by the organization's admins,
 *                                    an operator whose jurisdiction covers
 *                                    its region, or an administrator)
 *   pending → withdrawn            (by the requester)
 * A user has at most one pending request (a unique index, and the filing
 * transaction checks) and may file only while in no organization. Only
 * the organization's admins list members, change their org roles and
 * remove them; an organization never loses its last admin.
 *
 * Jurisdiction. users.jurisdiction is the region an operator reviews for;
 * only administrators set it, and every change is logged (who, whom, old,
 * new, when) in jurisdiction_log.
 *
 * Authority is asked of authz/authz.h, always on the acting user's row as
 * read inside the deciding write transaction (a role or membership taken
 * away a moment ago no longer counts). Functions return 0 on success or -1
 * with *fail (core/err.h) giving the kind of the failure (named below:
 * FORBIDDEN, NOT_FOUND, CONFLICT, INVALID, INTERNAL), the input and the
 * i18n key of the message.
 */
#ifndef KJ_MEMBERSHIP_H
#define KJ_MEMBERSHIP_H
#include "account/account.h"

extern const char *const kj_org_roles[];         /* admin, member */

/** Whether an organization request may act for user_id: the address of
 *  the requester must be verified (kj_account_email_verified). */
bool kj_org_request_user_ok(kj_db *db, const char *user_id);

/** Inside the caller's transaction: files a pending request of user_id to
 *  join org_id. 0, or -1: CONFLICT (a pending request exists) or INTERNAL. */
int kj_org_request_insert(kj_db *db, const char *user_id, const char *org_id, const char *note,
                          char *id_out, kj_err *fail);

/** A signed-in user's request to join the organization with credit_code.
 *  INVALID: unknown or invalid code; CONFLICT: already in an organization
 *  or a request pending; FORBIDDEN: role not allowed (only org_member accounts join
 *  organizations). Writes the request id (27 bytes). */
int kj_org_request_file(kj_db *db, const char *user_id, const char *credit_code, const char *note,
                        char *id_out, kj_err *fail);
/** The user's pending request {id, org_id, org_name, status, created_at}
 *  (new ref) or NULL. */
json_t *kj_org_request_pending(kj_db *db, const char *user_id);
/** One request with its organization and requester (new ref) or NULL. */
json_t *kj_org_request_get(kj_db *db, const char *request_id);
/** Approves (approve = true) or refuses a pending request, as actor_id.
 *  FORBIDDEN when authz says no (or the requester's address is
 *  unverified), NOT_FOUND unknown request, CONFLICT no longer pending / requester already in an
 *  organization. */
int kj_org_request_decide(kj_db *db, const char *actor_id, const char *request_id, bool approve,
                          const char *reason, kj_err *fail);
/** The requester withdraws their own pending request. */
int kj_org_request_withdraw(kj_db *db, const char *user_id, const char *request_id, kj_err *fail);
/** The pending requests to join org_id, oldest first, as seen by user
 *  (new ref), or NULL when user may not see them. */
json_t *kj_org_requests_pending_for(kj_db *db, json_t *user, const char *org_id);
/** The pending requests user may decide, across organizations (operators:
 *  their jurisdiction; administrators: all; org admins: their own). */
json_t *kj_org_requests_decidable(kj_db *db, json_t *user);

/** The members of org_id {id, name, email, org_role, created_at} (new ref)
 *  or NULL when user may not manage them. */
json_t *kj_org_members(kj_db *db, json_t *user, const char *org_id);
/** Sets a member's org role (admin | member), as actor_id. CONFLICT when it
 *  would leave the organization without an admin. */
int kj_org_member_set_role(kj_db *db, const char *actor_id, const char *org_id, const char *member_id,
                           const char *org_role, kj_err *fail);
/** Removes a member from org_id, as actor_id. CONFLICT for the last admin. */
int kj_org_member_remove(kj_db *db, const char *actor_id, const char *org_id, const char *member_id,
                         kj_err *fail);

/** The members of org_id who chose to be shown on its public page
 *  (users.org_public), admins first: [{id, name, title, org_role}] (new
 *  ref; an empty array on error). No e-mail, no phone. */
json_t *kj_org_public_members(kj_db *db, const char *org_id);
/** Whether user_id chose to be shown on their organization's page. */
bool kj_org_member_public(kj_db *db, const char *user_id);
/** The member's own choice to be shown on their organization's page (off
 *  until they turn it on). FORBIDDEN when user_id is in no organization. */
int kj_org_set_public(kj_db *db, const char *user_id, bool shown, kj_err *fail);

/** Inside the caller's transaction, without checks: writes user_id's
 *  jurisdiction and logs the change. Only service-center appointment and
 *  removal call it (center/center.h): nobody sets a jurisdiction directly. */
int kj_jurisdiction_write(kj_db *db, const char *actor_id, const char *user_id, const char *old_region,
                          const char *new_region);
/** The latest jurisdiction changes, newest first, with names (new ref). */
json_t *kj_jurisdiction_log(kj_db *db, int limit);
/** The ids [{id}] of org_id's members (admins first), for notifying them;
 *  NULL on a database error. New ref. */
json_t *kj_org_member_ids(kj_db *db, const char *org_id);
#endif
