/*
 * verify.h — verified organizations (实名认证, issue 14 §4).
 *
 * An organization's admin applies with the organization's business licence
 * (an image or a PDF, sniffed and size-limited like every upload) and the
 * legal representative's name; the unified social credit code is the one
 * already on the organization (a code alone proves nothing: anybody can
 * type one). An operator whose jurisdiction covers the organization's
 * region, or an administrator, verifies or refuses with a reason; an
 * administrator may revoke a verification with a reason. Nobody decides on
 * an organization they are a member of. Who may do what is asked of
 * authz/authz.h on the actor's row read inside the deciding transaction.
 *
 * The life cycle of an organization's verification, one state table
 * (published by kj_orgverify_transitions, GET
 * /api/v1/org-verification/lifecycle):
 *   none    --apply-->  pending      (org admin)
 *   refused --apply-->  pending      (org admin: re-apply after a refusal)
 *   revoked --apply-->  pending      (org admin)
 *   pending --verify--> verified     (staff of its region, administrators)
 *   pending --refuse--> refused      (the same; a reason is required)
 *   verified --revoke--> revoked     (administrators; a reason is required)
 * Every other action in a state is refused (CONFLICT,
 * err.orgverify.state). Each application is one row of org_verifications;
 * the organization's state is its latest row's status ("none" without
 * one), and orgs.verified_at is set exactly while it is "verified" (the
 * badge every page shows reads it).
 *
 * Every decision (verify, refuse, revoke) notifies the applicant and is
 * written to the audit log in its transaction.
 *
 * The licence file lives under <data>/files like every upload but has no
 * attachments row: /files/{id} never serves it. Only its org's admins and
 * the staff who may review its region read it (kj_orgverify_licence).
 *
 * Functions return 0 (or a new reference) on success; on failure -1 (or
 * NULL) with *fail (core/err.h) saying why: INVALID (a field), FORBIDDEN,
 * NOT_FOUND, CONFLICT, TOO_LARGE (the file), INTERNAL.
 */
#ifndef KJ_ORG_VERIFY_H
#define KJ_ORG_VERIFY_H
#include "core/err.h"
#include "store/store.h"
#include <stddef.h>

/** The states, NULL-terminated: none, pending, verified, refused, revoked. */
extern const char *const kj_orgverify_states[];
/** The actions taken through kj_orgverify_act, NULL-terminated: verify,
 *  refuse, revoke ("apply" is kj_orgverify_apply: it carries a file). */
extern const char *const kj_orgverify_actions[];

/** The state table [{action, from, to, roles: [...], via}] (new ref). */
json_t *kj_orgverify_transitions(void);

/** A licence as uploaded. data_dir is where files live; max_size the
 *  upload limit in bytes. */
typedef struct {
    const char *data_dir;
    size_t max_size;
    const char *filename;   /* as the client sent it */
    const void *data;
    size_t size;
} kj_orgverify_licence_in;

/** actor_id applies for org_id's verification. INVALID legal_rep (1–60
 *  characters) or licence (err.attach.*: empty, wrong type, corrupt);
 *  TOO_LARGE licence; FORBIDDEN unless an org admin of org_id with a
 *  verified address; NOT_FOUND unknown organization; CONFLICT when the
 *  state allows no application (pending or verified). Writes the new
 *  application's id (KJ_ID_LEN + 1 bytes). */
int kj_orgverify_apply(kj_db *db, const char *actor_id, const char *org_id, const char *legal_rep,
                       const kj_orgverify_licence_in *licence, char *id_out, kj_err *fail);

/** actor_id takes action (verify | refuse | revoke) on org_id's
 *  verification. INVALID unknown action or a missing reason (refuse and
 *  revoke); FORBIDDEN (err.orgverify.own for a member of the organization);
 *  NOT_FOUND unknown organization; CONFLICT the state does not allow it. */
int kj_orgverify_act(kj_db *db, const char *actor_id, const char *org_id, const char *action,
                     const char *reason, kj_err *fail);

/** The verification of org_id as user sees it (new ref):
 *  {org: {id, name, region, credit_code, verified, verified_at}, state,
 *   application: {...} | absent, history: [...], actions: [what user may
 *   do now]}. NOT_FOUND unknown organization; FORBIDDEN unless user may
 *  see it (kj_authz_may_see_org_verification). */
json_t *kj_orgverify_view(kj_db *db, json_t *user, const char *org_id, kj_err *fail);

/** The public status of org_id {state: verified | none, verified_at} —
 *  only whether it is verified now and since when (new ref), or NULL for
 *  an unknown organization. */
json_t *kj_orgverify_public(kj_db *db, const char *org_id);

/** The pending applications user may decide, oldest first (new ref; an
 *  empty array for anyone else). */
json_t *kj_orgverify_queue(kj_db *db, json_t *user);

/** The licence of application verification_id, for user: {file, name,
 *  mime, size, sha256} (new ref) or NULL with NOT_FOUND (unknown, or
 *  user may not see it: never disclosed). */
json_t *kj_orgverify_licence(kj_db *db, json_t *user, const char *verification_id, kj_err *fail);
#endif
