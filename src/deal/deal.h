/*
 * deal.h — deals: from a first contact (accepted EOI, order of a
 * fixed-price service, challenge agreement) through negotiation, a
 * technology contract signed by both sides, milestones and delivery, to
 * completion and mutual reviews; with cancellation by agreement and
 * disputes mediated by an operator.
 *
 * Every change is one action of ONE declarative table (deal.c,
 * kj_deal_transitions): state, action, who may act, next state. An
 * action runs in one transaction together with the entry it appends to
 * the hash-chained deal log (ledger.c), so a crash leaves both consistent.
 *
 * Parties: the provider (supplies the technology or service) and the
 * client (pays). An operator of the deal's region may be invited as broker
 * (科服保姆); from then on the broker is a thread member. Operators of the
 * region and administrators mediate disputes and may hide abusive reviews.
 *
 * Money is integer fen; royalties are integer basis points (1/100 %).
 * Errors: a kj_err (core/err.h): kind FORBIDDEN out of turn, NOT_FOUND not
 * found or not a participant, CONFLICT wrong state / expired / twice,
 * INVALID bad input, TOO_LARGE a file over the limit, INTERNAL;
 * per-field problems go to the caller's errors object (field → key).
 */
#ifndef KJ_DEAL_H
#define KJ_DEAL_H
#include "core/err.h"
#include "store/store.h"
#include <stdbool.h>
#include <stdint.h>

/* Who may perform an action (the "who" column of the table). */
enum kj_deal_who {
    KJ_DW_PARTY,      /* provider or client */
    KJ_DW_PROVIDER,
    KJ_DW_CLIENT,
    KJ_DW_OTHER,      /* the party who did not make the pending offer / cancel request */
    KJ_DW_MEMBER,     /* a party or the broker */
    KJ_DW_STAFF,      /* the broker, an operator of the deal's region, an administrator */
};

typedef struct kj_deal_transition {
    const char *from;     /* state */
    const char *action;
    enum kj_deal_who who;
    const char *to;       /* next state; NULL = unchanged */
} kj_deal_transition;

/** The state table, ending with a zeroed row. Immutable. */
extern const kj_deal_transition kj_deal_transitions[];
/** Every state in process order (NULL-terminated). */
extern const char *const kj_deal_states[];
/** The five technology contract types of the Civil Code (ch. 20):
 *  development 技术开发, transfer 技术转让, license 技术许可,
 *  consulting 技术咨询, service 技术服务. NULL-terminated. */
extern const char *const kj_contract_types[];
/** Price formulas: lump_sum, instalments, royalty (提成), entry_royalty. */
extern const char *const kj_deal_price_kinds[];

/** The table as JSON [{from, action, who, to}] (new ref), for the help
 *  page and GET /api/v1/deals/states. */
json_t *kj_deal_state_table(void);

/** Creates a deal inside the caller's transaction (no begin/commit): for
 *  sources that already hold one (e.g. a challenge agreement accepted).
 *  source: "eoi", "order", "challenge" or "event" (an event meeting,
 *  event/event.h); source_id its record; listing_id
 *  may be NULL; thread_id an existing conversation or NULL (one is
 *  opened); terms: NULL to start at "inquiry", or an offer object
 *  (contract_type, price_kind, amount_fen, instalments, entry_fee_fen,
 *  royalty_bp, scope, duration_days, coop_mode) to start at "agreed" with
 *  that offer accepted and the contract generated. Writes the id (27
 *  bytes). 0, or -1 with *derr. Not thread-safe on the
 *  same db (a kj_db belongs to one thread). */
int kj_deal_create_from(kj_db *db, const char *source, const char *source_id, const char *listing_id,
                        const char *provider_id, const char *client_id, const char *title, const char *domain,
                        const char *region, const char *thread_id, json_t *terms, char *id_out,
                        kj_err *derr);

/** Starts a deal from an accepted EOI (either side may), reusing its
 *  thread; the listing's offerer is the provider (for a demand: the EOI
 *  sender). One deal per EOI. Own transaction. */
int kj_deal_start_from_eoi(kj_db *db, json_t *user, const char *eoi_id, char *id_out,
                           kj_err *derr);
/** Orders a published service with a fixed price: the deal starts at
 *  "agreed" (技术服务 contract, lump sum = the price). Own transaction. */
int kj_deal_order(kj_db *db, json_t *user, const char *listing_id, char *id_out,
                  kj_err *derr);

/** Deals for a signed 揭榜挂帅 task agreement, inside the caller's
 *  transaction (the challenge module calls it when the issuer signs): one
 *  deal per selected application, the applicant providing and client_id
 *  (the signing issuer) paying, starting at "agreed" with a 技术开发
 *  contract generated from agreement {parties, amount_fen, milestones:
 *  [{title, due, criteria}]}: lump sum = the agreed amount when there is
 *  one winner (with several, each winner's own budget, else an equal
 *  share), duration up to the last milestone, and the agreement's
 *  milestones as the deal's (deliverable = acceptance criteria). Each
 *  deal reuses no thread (a new conversation). 0, or -1 with *derr. */
int kj_deal_from_challenge(kj_db *db, const char *challenge_id, const char *client_id, json_t *agreement,
                           kj_err *derr);

/** Performs action on deal_id for user, with the action's inputs in args
 *  (offer fields; body; milestone fields and milestone_id; rating, body,
 *  review_id; broker_id; reason). client_ip is recorded with signatures.
 *  Field problems go to errors (kind INVALID). On success *result_id (may be
 *  NULL) receives the id of a created record (offer, message, milestone,
 *  review), 27 bytes. 0, or -1 with *derr. */
int kj_deal_act(kj_db *db, json_t *user, const char *deal_id, const char *action, json_t *args,
                const char *client_ip, json_t *errors, char *result_id, kj_err *derr);

/** Sends a file in the deal's conversation: stores it with the
 *  attachment rules of listings (market/attach.h: type from content,
 *  size ≤ max_size, image metadata stripped, confidential) and posts a
 *  message naming it — the "message" action of the table, so only
 *  members in a state that allows messages may. Writes the attachment id
 *  (27 bytes). 0, or -1 with *derr (TOO_LARGE, INVALID
 *  type, NOT_FOUND, CONFLICT); a refused file is not kept. */
int kj_deal_attach(kj_db *db, json_t *user, const char *deal_id, const char *data_dir, size_t max_size,
                   const char *filename, const void *data, size_t size, char *att_out,
                   kj_err *derr);
/** The deal's attachment row {id, filename, mime, size, sha256} if
 *  user may download it (a member of the deal's conversation), else NULL. */
json_t *kj_deal_attachment(kj_db *db, json_t *user, const char *deal_id, const char *attachment_id);
/** The deal as user may see it (new ref) or NULL when user may not:
 *  parties, offers, milestones, signatures, contract, reviews, the
 *  actions user may take now ("actions": [names]), and — for thread
 *  members — the newest page (KJ_THREAD_PAGE) of messages with read marks
 *  (reading marks them read) and "messages_older", the cursor of the page
 *  before (null when there is none). */
json_t *kj_deal_get(kj_db *db, json_t *user, const char *deal_id);
/** kj_deal_get with the page of messages chosen as kj_thread_page does:
 *  the newest limit (1..200) messages, or those just before the message
 *  before (a "messages_older" cursor). */
json_t *kj_deal_get_page(kj_db *db, json_t *user, const char *deal_id, const char *before, int limit);
/** The id of the deal that runs on conversation thread_id (its messages
 *  belong on the deal page once there is one). Malloc'd, or NULL. */
char *kj_deal_of_thread(kj_db *db, const char *thread_id);
/** The deals user takes part in (or brokers; administrators: all), newest
 *  first, each with unread message count. New ref. */
json_t *kj_deal_list(kj_db *db, json_t *user);
/** For a service center's desk: open deals without a broker (科服保姆) in
 *  user's jurisdiction ("deals": id, title, state, region, created_at,
 *  provider_name, client_name), and recent matches there that became no
 *  deal yet (accepted expressions of interest: "matches": id, listing_id,
 *  listing_title, region, decided_at), newest first, at most limit each.
 *  New ref {deals, matches}. */
json_t *kj_deal_brokerable(kj_db *db, json_t *user, int limit);
/** The id of the deal started from the EOI eoi_id (malloc'd, caller
 *  frees), or NULL when none was started. Callers have checked that the
 *  user may see the EOI. */
char *kj_deal_of_eoi(kj_db *db, const char *eoi_id);
/** Accepted EOIs of user that have no deal yet (to start one). New ref. */
json_t *kj_deal_startable(kj_db *db, json_t *user);
/** Operators who may be invited as broker of the deal (those whose
 *  region contains the deal's region): [{id, name}]. New ref. */
json_t *kj_deal_broker_candidates(kj_db *db, const char *deal_id);
/** Offers of a deal, oldest first (caller checked visibility). New ref. */
json_t *kj_deal_offers(kj_db *db, const char *deal_id);
/** Milestones of a deal by due date. New ref. */
json_t *kj_deal_milestones(kj_db *db, const char *deal_id);
/** Visible reviews of a deal (hidden ones only when include_hidden). */
json_t *kj_deal_reviews(kj_db *db, const char *deal_id, bool include_hidden);
/** Ratings received by a user, an organization or a studio (kind "user",
 *  "org", "studio"; a studio is rated through deals on its listings, an
 *  organization through its members' deals): {count, average_x100
 *  (integer, the mean × 100 rounded), distribution:[count of 1★ … 5★],
 *  items:[the latest `limit` visible reviews, newest first; limit ≤ 0:
 *  20]}. Hidden reviews count nowhere. NULL for an unknown kind. New ref. */
json_t *kj_deal_ratings(kj_db *db, const char *kind, const char *id, int limit);
/** Deal counts and agreed amounts (fen) by domain, region, contract type
 *  and month (YYYY-MM, UTC), over the deals user may oversee (operators:
 *  their region; administrators: all). New ref. */
json_t *kj_deal_stats(kj_db *db, json_t *user);

/* ---- contracts (contract.c) ---- */

/** Generates a technology contract of type (kj_contract_types) from the
 *  agreed terms: terms holds the offer fields above plus provider,
 *  provider_org, client, client_org, title, deal_id. Returns a new object
 *  {type, title, clauses:[{heading, text}], text} (text: the whole
 *  contract as plain text, what both parties sign), or NULL for an
 *  unknown type. Pure function; thread-safe. */
json_t *kj_contract_generate(const char *type, json_t *terms);
/** Writes the price formula of terms in words (Chinese) into out. */
void kj_contract_price_text(json_t *terms, char *out, size_t n);

/* ---- the tamper-evident log (ledger.c) ---- */

/** Writes the lowercase hex SHA-256 of data into hex (65 bytes). */
void kj_sha256_hex(const void *data, size_t len, char hex[65]);
/** Appends an event to the deal log inside the caller's transaction:
 *  chains it to the last entry's hash. data is borrowed (metadata only:
 *  never message bodies). 0, or -1 on a storage error. */
int kj_ledger_append(kj_db *db, const char *deal_id, const char *actor_id, const char *kind, json_t *data);
/** Checks the whole chain in sequence order: every entry's hash, its
 *  link to the previous hash, and the sequence numbers (gaps reveal a
 *  deleted entry). Returns the number of entries checked when intact, or
 *  -1 with the first broken entry's seq in *bad_seq, its id in bad_id
 *  (27 bytes, may be empty) and a one-line reason in why. */
int64_t kj_ledger_verify(kj_db *db, int64_t *bad_seq, char *bad_id, char *why, size_t whylen);
/** The log entries of one deal, in order (new ref). */
json_t *kj_ledger_events(kj_db *db, const char *deal_id);
/** The prefix of human contract numbers ("KJY" → KJY-2026-000123; setting
 *  contract_prefix). Set once at start, before any thread; read anywhere. */
void kj_deal_set_contract_prefix(const char *prefix);
const char *kj_deal_contract_prefix(void);
#endif
