/*
 * account.h — users, organizations, sessions and login rate limits.
 *
 * The domain of issue "accounts and organizations". Functions take a
 * borrowed store connection and plain values; they never see HTTP. Errors
 * come back as a kj_err (core/err.h: kind, field, message key) so the web
 * and API layers can show them next to the right input in the right
 * language, with the status they choose for the kind.
 *
 * Roles: "scientist", "org_member", "resident" (self-registration),
 * "operator" and "admin" (granted by an administrator or `kejiyun user add`).
 * Organization membership (users.org_id, org_role) is granted, never
 * claimed: see account/membership.h. An operator's jurisdiction is set by
 * an administrator; the profile's region is only the home region. Who may
 * act where is answered by authz/authz.h.
 */
#ifndef KJ_ACCOUNT_H
#define KJ_ACCOUNT_H
#include "core/err.h"
#include "store/store.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const char *email, *password, *name, *role;       /* required */
    const char *region;                                 /* optional */
    /* org_member only: the organization. A new credit code creates it with
     * the registrant as its admin; an existing one files a pending request
     * to join it (no membership until its admins approve). */
    const char *org_name, *org_type, *org_region, *org_credit_code;
    /* No jurisdiction: an operator's comes only from appointment to a
     * service center (center/center.h). */
    /* optional: kj_password_hash(password) made by the caller, stored
     * instead of hashing again. Only the demo loader sets it: its many
     * accounts share three passwords, and one argon2id hash per password
     * (about 75 ms each) keeps `kejiyun demo` quick. The password itself
     * is still checked against the policy. */
    const char *password_hash;
    /* The 用户协议 and 隐私政策 versions the registrant accepted (shown
     * on the form, account/privacy.h); recorded with the account. NULL:
     * none recorded (asked at the first sign-in). */
    const char *terms_version, *privacy_version;
} kj_registration;

/** The instance id (origin of records created here); generated on first use. */
const char *kj_instance_id(kj_db *db);

/** Hashes a password with argon2id (libsodium, interactive limits). The
 *  result is written into out (≥ 128 bytes). 0 or -1 (out of memory).
 *  Hash and verify wait at the password hash gate (core/heavy.h); CPU
 *  heavy: call them from a KJ_HEAVY route or a command, never inside a
 *  write transaction. */
int kj_password_hash(const char *password, char *out, size_t n);
/** True when password matches the stored hash. */
bool kj_password_verify(const char *hash, const char *password);
/** Password policy: 8–128 characters, not all digits, and not guessable
 *  (password.c: a dictionary and pattern estimate, libzxcvbn). NULL or a
 *  message key. */
const char *kj_password_problem(const char *password);
/** The same, also refusing passwords built on the account's own words
 *  (the e-mail address's parts, the name; either may be NULL). */
const char *kj_password_problem_for(const char *password, const char *email, const char *name);

/** Creates a user (and organization, or a pending request to join an
 *  existing one), all in one transaction. On success writes the id to
 *  id_out (27 bytes) and returns 0; otherwise fills *fail and returns -1.
 *  Roles operator/admin are accepted here only when
 *  allow_staff is true (the command line); the web and API pass false. */
int kj_account_register(kj_db *db, const kj_registration *r, bool allow_staff, char *id_out, kj_err *fail);

/** True when user_id's e-mail address is verified (a link sent to it was
 *  followed; accounts made by the command line or demo loader, and those
 *  that existed before verification, count as verified). Whatever acts for
 *  an address (studio invitations, organization requests) asks this. */
bool kj_account_email_verified(kj_db *db, const char *user_id);

enum kj_login_result { KJ_LOGIN_OK, KJ_LOGIN_BAD, KJ_LOGIN_LIMITED, KJ_LOGIN_ERROR, KJ_LOGIN_DISABLED };
/** Failed-login throttling (throttle.c explains the design). */
typedef struct {
    long per_pair;      /* free failures per (account, address) pair */
    long per_ip;        /* free failures per address, any account */
    long per_account;   /* free failures per account from all addresses;
                           beyond, only addresses that have failed are slowed */
    long window_s;      /* a counter forgets after this long without failures;
                           also the longest wait */
    long delay_s;       /* first wait beyond the free failures; doubles with each further one */
} kj_login_limits;
/** Checks credentials under the throttle. On OK writes the user id. On
 *  LIMITED (no password was checked), *retry_after_s says when to try
 *  again. ERROR: the store failed. DISABLED: the password was right but an
 *  administrator disabled the account (told only to whoever knows the
 *  password). The result never tells whether an account exists. */
enum kj_login_result kj_account_login(kj_db *db, const char *email, const char *password, const char *ip,
                                      const kj_login_limits *limits, char *user_id_out, long *retry_after_s);

/** Starts a session for user_id; writes the token (for the cookie or a
 *  bearer header) into token_out (≥ 64 bytes). kind is "web" or "api";
 *  ip and user_agent (may be NULL) are shown in the user's session list. */
int kj_session_create(kj_db *db, const char *user_id, const char *kind, long ttl_s, const char *ip,
                      const char *user_agent, char *token_out);
/** The user of a live session, without secrets (new ref), or NULL. Notes
 *  the session's use (last_seen_at) at most once a minute. With policy
 *  (the 用户协议 / 隐私政策 versions in force; NULL: not asked) the row
 *  also carries "consented_now", how many of them the user accepted, read
 *  in the same statement (account/privacy.h, kj_consent_needed_for). */
struct kj_policy_versions;
json_t *kj_session_user(kj_db *db, const char *token, const struct kj_policy_versions *policy);
/** Ends a session. */
int kj_session_delete(kj_db *db, const char *token);
/** Number of live sessions (for /metrics). */
int64_t kj_session_count(kj_db *db);

/** A user without secrets, with their organization embedded (new ref) or NULL. */
json_t *kj_user_get(kj_db *db, const char *user_id);
/** A session started in place of the one that asked (kj_account_change_password). */
typedef struct kj_session_renewal {
    const char *kind;           /* "web" or "api", as the session it replaces */
    long ttl_s;
    const char *ip, *user_agent;
    char *token_out;            /* ≥ 64 bytes: the new session's token */
} kj_session_renewal;
/** Changes a password after checking the old one. Every session of the
 *  account ends, the one that asked too: a thief holding a copy of that
 *  very cookie or token is out as well (the reason people change a
 *  password). With renew (NULL: none) a new session for the same client
 *  starts in the same transaction, its token in renew->token_out. */
int kj_account_change_password(kj_db *db, const char *user_id, const char *old_pw, const char *new_pw,
                               const kj_session_renewal *renew, kj_err *fail);
/** Updates the editable profile fields (NULL leaves a field unchanged).
 *  region is the home region: it grants no authority (jurisdiction does). */
int kj_account_update_profile(kj_db *db, const char *user_id, const char *name, const char *phone,
                              const char *title, const char *bio, const char *region, kj_err *fail);
/* Administration (find, disable, roles, reset links): account/admin.h. */
/** Public organization profile {id, name, type, region, credit_code, intro,
 *  verified, verified_at, created_at} (new ref) or NULL. */
json_t *kj_org_get(kj_db *db, const char *org_id);
/** True when code is a region code known to this instance. */
bool kj_region_exists(kj_db *db, const char *code);
/** A region's full name in lang (ref/regions.h: kj_region_full_name, "成都市武侯区"), malloc'd, or NULL. */
char *kj_region_label(kj_db *db, const char *code, const char *lang);

extern const char *const kj_roles[];           /* all roles */
extern const char *const kj_self_roles[];      /* roles open to self-registration */
extern const char *const kj_org_types[];
#endif
