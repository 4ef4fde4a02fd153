/*
 * privacy.h — personal information (个人信息保护法, issue 14 item 7):
 * consent to the instance's 用户协议 (terms) and 隐私政策 (privacy
 * policy), the user's copy of their data, and the deletion of an account.
 *
 * The documents are versioned by the settings terms_version and
 * privacy_version (core/config.h); their texts are Markdown files,
 * DATA/policies/<doc>.<lang>.md when the instance has its own, else the
 * defaults shipped in ROOT/data/policies/. Consents are rows (user,
 * document, version, time) and are never deleted: they prove what was
 * agreed. A user who has not accepted the versions in force is asked
 * again (web/app.c asks kj_consent_needed on each signed-in request).
 *
 * Deletion keeps what must be kept and says so (KJ_DELETION_KEEPS): the
 * deals the user is a party to with their signed contracts and the
 * hash-chained deal log (deal/ledger.c, never touched), the audit log, and
 * the consents; the account row stays as "已注销用户" so that those
 * records still name a party, with every personal field emptied, the
 * address freed and the password unusable. Everything else personal is
 * removed or anonymized (see kj_account_delete).
 */
#ifndef KJ_ACCOUNT_PRIVACY_H
#define KJ_ACCOUNT_PRIVACY_H
#include "core/err.h"
#include "store/store.h"
#include <stdbool.h>

/** The versions in force (strings from the settings). */
typedef struct kj_policy_versions { const char *terms, *privacy; } kj_policy_versions;

/** The documents, for loops and the consents' CHECK. */
extern const char *const kj_policy_docs[];   /* "terms", "privacy" */

/** The name a deleted account goes by. */
#define KJ_DELETED_NAME "已注销用户"

/** The text of doc ("terms" or "privacy") in lang ("zh-CN", "en"; any
 *  other falls back to zh-CN), Markdown, malloc'd; NULL when neither the
 *  instance's nor the default file can be read. */
char *kj_policy_text(const char *data_dir, const char *root, const char *doc, const char *lang);

/** Inside the caller's transaction: user_id accepts both documents at
 *  versions v (already accepted ones are kept as they are). 0 or -1. */
int kj_consent_write(kj_db *db, const char *user_id, const kj_policy_versions *v);
/** The same in a transaction of its own (0, or -1 with *fail). */
int kj_consent_accept(kj_db *db, const char *user_id, const kj_policy_versions *v, kj_err *fail);
/** Whether user_id has yet to accept a version in force (either document). */
bool kj_consent_needed(kj_db *db, const char *user_id, const kj_policy_versions *v);
/** The same from a session's user row read with v (kj_session_user's
 *  "consented_now": the documents whose version in force the user
 *  accepted, compared in SQL with bound values, so a version may hold any
 *  character — a comma or colon once broke a joined-string check). A
 *  document with an empty version is not asked. Pure function. */
bool kj_consent_needed_for(json_t *session_user, const kj_policy_versions *v);
/** user_id's consents, newest first: [{document, version, accepted_at}]. New ref. */
json_t *kj_consent_list(kj_db *db, const char *user_id);
/** Every account without any consent accepts v (the demo loader's
 *  accounts: whoever loads the demo speaks for them). The number, or -1. */
int kj_consent_accept_missing(kj_db *db, const kj_policy_versions *v);

/** All of user_id's personal data as one JSON object: profile,
 *  organization membership and requests, consents, sessions, listings
 *  they own, interest they expressed, messages they sent, deals they are
 *  a party to (the deal's own fields; another party appears only by role,
 *  never by name or address), 科普 activity (needs profile, reading
 *  events, questions, answers, teams), favourites, subscriptions,
 *  notifications, 揭榜 applications. Nothing another user wrote. New ref,
 *  or NULL on a storage error or an unknown user. */
json_t *kj_account_export(kj_db *db, const char *user_id);

/** What deletion keeps, as i18n keys (for the page and the API). */
extern const char *const kj_deletion_keeps[];

/** Deletes user_id's account after checking password (slow: call from a
 *  KJ_HEAVY route or a command, outside any transaction). In one
 *  transaction: the row anonymized (name KJ_DELETED_NAME, address
 *  "deleted-<id>@deleted.invalid" so the real one is free again, password
 *  unusable, personal fields empty, disabled, deleted_at); sessions, links,
 *  pending requests, the 科普 profile, reading events, expert and team
 *  entries, favourites, subscriptions, notifications, queued mail and
 *  throttle rows removed; messages and interest notes they wrote blanked
 *  (except in deals with a signed contract); their unpublished listings
 *  withdrawn. Refused: a wrong password (INVALID "password"), staff
 *  (operator, admin: CONFLICT, an administrator changes the role first),
 *  the last admin of an organization that has other members (CONFLICT),
 *  an account already deleted (NOT_FOUND). */
int kj_account_delete(kj_db *db, const char *user_id, const char *password, kj_err *fail);
#endif
