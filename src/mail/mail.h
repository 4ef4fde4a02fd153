/*
 * mail.h — e-mail notifications: a durable queue in the database, each
 * user's choices per category, daily digests, "milestone due" reminders,
 * and a background worker that sends over SMTP (libcurl) with retries.
 *
 * Requests only ever insert into mail_queue (inside their own
 * transaction), so a slow or unreachable mail server never slows a
 * request, and a queued e-mail survives a restart. The worker is the only
 * sender: one thread, started from `kejiyun serve`.
 *
 * Categories: message, offer, contract, milestone, review, alert, notice,
 * challenge, workorder (服务工单 steps, both sides), verification
 * (organization 实名认证: applications for staff, decisions for the
 * applicant), event (registrations, meetings, changes and cancellation of
 * an event one takes part in; written in the participant's language by
 * event/, see kj_mail_enqueue_text). Per user and
 * category the mode is "each" (default), "digest" (one e-mail a day with
 * everything) or "off".
 */
#ifndef KJ_MAIL_H
#define KJ_MAIL_H
#include "core/config.h"
#include "store/store.h"
#include <stdbool.h>
#include <stdint.h>

/** The categories (NULL-terminated) and modes. */
extern const char *const kj_mail_categories[];
extern const char *const kj_mail_modes[];

/** Queues an e-mail about category for user_id (subject line and body
 *  text, link an absolute path like /deals/ID), honouring the user's
 *  preference: nothing when off, a digest item when digest. Runs in the
 *  caller's transaction if any. 0, or -1 on a storage error (the caller
 *  decides; the in-app notification is independent). */
int kj_mail_enqueue(kj_db *db, const char *user_id, const char *category, const char *subject, const char *link);
/** kj_mail_enqueue with the English line's subject apart (subject_en; NULL
 *  or "": subject): a listing's English title where it has one (issue 17
 *  §1: the e-mail's English line reads in English). */
int kj_mail_enqueue2(kj_db *db, const char *user_id, const char *category, const char *subject, const char *subject_en,
                     const char *link);
/** Like kj_mail_enqueue, with the subject and body the caller wrote (in
 *  the recipient's language, which only the caller knows): the body is
 *  followed by the link. Same preference rules and transaction. 0 or -1
 *  (unknown category, storage error). */
int kj_mail_enqueue_text(kj_db *db, const char *user_id, const char *category, const char *subject, const char *body,
                         const char *link);
/** Queues an account-security e-mail to user_id's current address,
 *  whatever the user's preferences (these cannot be turned off; category
 *  "account.<what>"): what is "verify" (link: the verification link),
 *  "reset" (link: the password reset link) or "signup_again" (someone
 *  tried to register with the address; link: the reset page).
 *  secret_expires_at: 0, or — when link carries a secret — when it stops
 *  serving: the e-mail is then "sensitive": not sent after that time, and
 *  its body is replaced by KJ_MAIL_SECRET_REMOVED once sent, given up or
 *  expired, so that the queue keeps no usable link. Runs in the caller's
 *  transaction if any. 0 or -1. */
int kj_mail_enqueue_account(kj_db *db, const char *user_id, const char *what, const char *link, int64_t secret_expires_at);
/** What a sensitive e-mail's body becomes once it may no longer be sent. */
#define KJ_MAIL_SECRET_REMOVED "[removed: this e-mail carried a one-time link]"
/** Withdraws user_id's queued, unsent sensitive "account.<what>" e-mails
 *  (their link was superseded): status failed, body removed. Runs in the
 *  caller's transaction. 0 or -1. */
int kj_mail_withdraw_account(kj_db *db, const char *user_id, const char *what);
/** The e-mail of a search alert (kj_alert_hook), of an urgent
 *  popular-science notice (kj_popsci_notice_hook) and of a challenge-list
 *  step (kj_challenge_mail_hook): the app's start-up points those hooks
 *  here before serving (mail itself depends on none of those features). */
void kj_mail_alert(kj_db *db, const char *user_id, const char *kind, const char *listing_id);
void kj_mail_notice(kj_db *db, const char *user_id, const char *notice_id);
void kj_mail_challenge(kj_db *db, const char *user_id, const char *kind, const char *subject, const char *link);
/** The user's mode per category: {category: mode}. New ref. */
json_t *kj_mail_prefs(kj_db *db, const char *user_id);
/** Sets the user's mode for category. 0, or -1 for an unknown category
 *  or mode. */
int kj_mail_pref_set(kj_db *db, const char *user_id, const char *category, const char *mode);

/** One pass of the worker's duties, without sending: queues "milestone
 *  due" reminders (open milestones due within 3 days, once each) and
 *  folds each user's digest items older than a day into one e-mail; and
 *  abandons sensitive e-mails whose link expired unsent (body removed).
 *  Returns the number of e-mails queued. */
int kj_mail_housekeeping(kj_db *db);
/** How long a node's claim on an e-mail it sends lasts (ms): longer than
 *  one send can take (smtp.c: 5 s to connect, 30 s in all). */
#define KJ_MAIL_CLAIM_MS (60LL * 1000)
/** Sends up to max due e-mails through cfg's SMTP server; failures are
 *  retried with growing delays (1 min, 2, 4 … up to 1 h; given up after
 *  20 attempts: status failed). Returns the number sent. Does not hold a
 *  transaction while talking to the server. Each e-mail is claimed for
 *  this node (kj_store_node_id, KJ_MAIL_CLAIM_MS) before it is sent, so
 *  two nodes running this at once (a leader change) send it once. */
int kj_mail_send_due(kj_db *db, const kj_config *cfg, int max);

/** Sends one message over SMTP (libcurl). 0, or -1 with a one-line reason
 *  in err. Thread-safe (libcurl easy handle per call; curl_global_init
 *  must have run, see kj_mail_worker_start). */
int kj_smtp_send(const kj_config *cfg, const char *to, const char *subject, const char *body, char *err, size_t errlen);

/* The worker thread. */
typedef struct kj_mail_worker kj_mail_worker;
/** Starts the worker over store with cfg (both must outlive it). Returns
 *  NULL when no SMTP host is configured (e-mails stay queued). */
kj_mail_worker *kj_mail_worker_start(kj_store *store, const kj_config *cfg);
/** Stops the worker (finishes the e-mail in flight) and frees it. NULL is fine. */
void kj_mail_worker_stop(kj_mail_worker *w);
#endif
