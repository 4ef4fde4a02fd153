/*
 * admin.h — account administration (issue 14, item 5): find users,
 * disable and re-enable accounts, set roles and the expert flag, send a
 * password-reset link; every action written to the audit log with who,
 * when, what and why, in the action's own transaction (audit/audit.h,
 * the log every module shares).
 *
 * actor_id is the acting administrator's id, or NULL for the command line
 * (recorded as actor "cli"; whoever can run the command owns the
 * database). Each call reloads the actor inside its write transaction and
 * asks authz/authz.h (kj_authz_may_administer_users), so a session that
 * was an administrator's a moment ago proves nothing.
 *
 * Plain values in, kj_err out (core/err.h); no HTTP.
 */
#ifndef KJ_ACCOUNT_ADMIN_H
#define KJ_ACCOUNT_ADMIN_H
#include "core/err.h"
#include "store/store.h"
#include <stdbool.h>
#include <stdint.h>

/** Longest reason an administrator may give (characters). */
#define KJ_ADMIN_REASON_MAX 500

/** A search of the user list. Every filter may be NULL or "" (no filter). */
typedef struct {
    const char *q;        /* part of the name or e-mail address (case-insensitive) */
    const char *org;      /* part of the organization's name, or its id */
    const char *role;     /* one of kj_roles */
    const char *region;   /* a region code: users whose home region lies in its subtree */
    const char *status;   /* "active", "disabled" or "deleted" */
    int page, per_page;   /* 1-based; per_page 1..100 */
} kj_user_filter;

extern const char *const kj_user_statuses[];

/** A page of users matching f, newest first, each {id, email, name, role,
 *  org_id, org_name, org_role, region, jurisdiction, is_expert, disabled,
 *  deleted, email_verified_at, created_at}; *total: all matches. New ref,
 *  NULL on a storage error. INVALID (with *fail) for an unknown role or
 *  status. */
json_t *kj_admin_users_find(kj_db *db, const kj_user_filter *f, int64_t *total, kj_err *fail);

/** One user as kj_admin_users_find lists them (new ref) or NULL. */
json_t *kj_admin_user_get(kj_db *db, const char *user_id);

/** Disables (disabled = true) or re-enables user_id. Disabling needs a
 *  reason (INVALID field "reason"), ends every session of the user at once
 *  and voids unused reset links; a disabled user cannot sign in (told so
 *  when the password was right). CONFLICT: an administrator disabling
 *  themself, a deleted account, or no change; NOT_FOUND; FORBIDDEN. */
int kj_admin_set_disabled(kj_db *db, const char *actor_id, const char *user_id, bool disabled, const char *reason,
                          kj_err *fail);

/** Sets user_id's role and expert flag (is_expert < 0: unchanged). A role
 *  change needs a reason (INVALID field "reason"); an administrator cannot
 *  change their own role (CONFLICT). The audit entry holds old and new. */
int kj_admin_set_role(kj_db *db, const char *actor_id, const char *user_id, const char *role, int is_expert,
                      const char *reason, kj_err *fail);

/** Mails user_id a password-reset link (the forgot-password link: single
 *  use, expires; older ones stop serving). CONFLICT for a disabled or
 *  deleted account. */
int kj_admin_send_reset(kj_db *db, const char *actor_id, const char *user_id, kj_err *fail);

/** The user id of an e-mail address or id (command line), malloc'd, or NULL. */
char *kj_admin_user_lookup(kj_db *db, const char *email_or_id);

/** A filter of the audit log; NULL or "" fields do not filter. */
typedef struct {
    const char *action;   /* exact, or a prefix ending in '.' ("user.") */
    const char *actor;    /* an actor id, or "cli" */
    const char *target;   /* a target id */
    int page, per_page;
} kj_audit_filter;

/** A page of audit entries, newest first: {id, at, actor, actor_id,
 *  actor_name, action, target_kind, target_id, target_name, reason,
 *  detail}; *total: all matches. New ref, NULL on a storage error. */
json_t *kj_admin_audit_list(kj_db *db, const kj_audit_filter *f, int64_t *total);

#endif
