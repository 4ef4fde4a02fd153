/*
 * security.h — e-mail verification and the user's own sessions (issue 12,
 * items 3 and 6). Part of the account domain (account.h): plain values in,
 * no HTTP.
 *
 * Registration answers the same way whether or not the address is
 * already registered (no account enumeration): kj_account_signup either
 * creates the account and mails a verification link, or mails the
 * address's owner that someone tried to register with it. Signing in
 * before verifying is allowed; what acts for an address (studio
 * invitations, organization requests) waits for kj_account_email_verified.
 */
#ifndef KJ_ACCOUNT_SECURITY_H
#define KJ_ACCOUNT_SECURITY_H
#include "account/account.h"

/** How long a verification link serves, and how soon another may be sent. */
#define KJ_VERIFY_TTL_MS (48LL * 3600 * 1000)
#define KJ_VERIFY_RESEND_MS (60LL * 1000)

/** Registers r (as kj_account_register, self-registration roles only)
 *  and queues the verification e-mail; when the address already has an
 *  account, queues instead a notice to its owner. Both return 0 and take
 *  about as long (the password is hashed either way). -1 with *fail for
 *  invalid input (the same whether or not the address is taken) or a
 *  storage error (fail->key "err.internal"). */
int kj_account_signup(kj_db *db, const kj_registration *r, kj_err *fail);

/** What following an e-mail link (verification or password reset) gave;
 *  KJ_VERIFY_INVALID: a reset's new password was refused (*fail says why: kind INVALID, key, field). */
enum kj_verify_result { KJ_VERIFY_OK, KJ_VERIFY_UNKNOWN, KJ_VERIFY_USED, KJ_VERIFY_EXPIRED, KJ_VERIFY_INVALID, KJ_VERIFY_ERROR };
/** Follows a verification link: marks the token used and the user's
 *  address verified, in one transaction. A token serves once, until it
 *  expires, and only while the account still has the address it was sent
 *  to. */
enum kj_verify_result kj_email_verify(kj_db *db, const char *token);

enum kj_resend_result { KJ_RESEND_SENT, KJ_RESEND_ALREADY, KJ_RESEND_TOO_SOON, KJ_RESEND_ERROR };
/** Sends a new verification link to user_id's address (older links stop
 *  serving). At most one per KJ_VERIFY_RESEND_MS. */
enum kj_resend_result kj_email_verification_resend(kj_db *db, const char *user_id);

/* Password reset by e-mail (reset.c). */
/** How long a reset link serves, and how often one goes to an address. */
#define KJ_RESET_TTL_MS (3600LL * 1000)
#define KJ_RESET_EVERY_MS (5LL * 60 * 1000)
/** Someone forgot the password of email: when the address belongs to an
 *  enabled account and no link went to it within KJ_RESET_EVERY_MS, older
 *  reset links stop serving and a new one is mailed (its token stored as a
 *  hash only). Does the same work, in one transaction, whether or not the
 *  address has an account, so the caller answers identically: 0 either
 *  way (also when throttled), -1 on a storage error only. */
int kj_password_forgot(kj_db *db, const char *email);
/** Inside the caller's transaction: voids user_id's older reset links
 *  and queues a new one to addr (the account's address). No throttle:
 *  kj_password_forgot and an administrator's "send a reset link"
 *  (account/admin.h) decide when. 0 or -1. */
int kj_password_reset_issue(kj_db *db, const char *user_id, const char *addr);
/** Whether a reset link still serves: KJ_VERIFY_OK, _UNKNOWN (also for
 *  a link sent to an address the account no longer has), _USED,
 *  _EXPIRED or _ERROR. Changes nothing. */
enum kj_verify_result kj_password_reset_check(kj_db *db, const char *token);
/** Follows a reset link: new_pw must pass the password policy (else
 *  KJ_VERIFY_INVALID with *fail); then, in one transaction, the token is
 *  used (once), the password replaced, the address marked verified (the
 *  link proves it), every session of the user ended and the user's other
 *  reset links voided. The password is hashed before the transaction
 *  (slow: call from a KJ_HEAVY route). */
enum kj_verify_result kj_password_reset(kj_db *db, const char *token, const char *new_pw, kj_err *fail);

/** The user's live sessions, newest use first: [{id, kind, ip, device,
 *  user_agent, created_at, last_seen_at, current}] where current marks
 *  current_token's session and device summarises the User-Agent ("" when
 *  unknown). New ref, or NULL on a storage error. */
json_t *kj_session_list(kj_db *db, const char *user_id, const char *current_token);
/** Ends user_id's session session_id. 1 when ended, 0 when the user has
 *  no such session (another user's id included), -1 on a storage error. */
int kj_session_end(kj_db *db, const char *user_id, const char *session_id);
/** Ends every session of user_id except current_token's. The number
 *  ended, or -1. */
int kj_session_end_others(kj_db *db, const char *user_id, const char *current_token);
/* Login throttling (throttle.c), used by kj_account_login. */
/** Takes an attempt for (account, ip) under limits, counted as a failure
 *  before the password is checked: the check of the counters and their
 *  increment happen in one write transaction, so concurrent attempts
 *  cannot all pass a check made before any of them counted. KJ_LOGIN_OK:
 *  go ahead and check the password; KJ_LOGIN_LIMITED with
 *  *retry_after_s; KJ_LOGIN_ERROR. */
enum kj_login_result kj_login_reserve(kj_db *db, const char *account, const char *ip, const kj_login_limits *limits,
                                      long *retry_after_s);
/** The password was right: the pair's counter is cleared and the
 *  reserved failure taken back from the address's and the account's
 *  (which are not cleared: logging in to one's own account must not wipe
 *  out failures against others). 0 or -1. */
int kj_login_succeeded(kj_db *db, const char *account, const char *ip);

/* Per-address limits (address_limit.c). */
/** Counts a hit of kind ("register", "forgot") from client address ip:
 *  0 when it may go ahead (counted), 1 when ip has had max hits in the
 *  current window of window_s (*retry_after_s: until the window ends;
 *  nothing counted), -1 on a storage error. max <= 0: no limit (0). */
int kj_address_limit_take(kj_db *db, const char *kind, const char *ip, long max, long window_s, long *retry_after_s);

/** The stored form of a session or verification token: hex BLAKE2b-256. */
void kj_token_hash(const char *token, char out[65]);
/** A short description of a User-Agent ("Firefox · Windows", "curl") into
 *  out; "" when nothing is recognised. Pure function. */
void kj_user_agent_summary(const char *ua, char *out, size_t n);
#endif
