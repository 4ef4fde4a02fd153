/*
 * market.h — the marketplace domain: listings (achievements, services,
 * demands), their life cycle and review, confidentiality, expressions of
 * interest (EOI), conversation threads, favourites and notifications.
 *
 * Listings are exchanged as jansson objects whose field names are the
 * same in web forms, API JSON and the listings table:
 *   title, summary, description (Markdown), domain, keywords[], region,
 *   valid_until, contact_name, contact_phone, contact_email, anonymous,
 *   studio_id, subtype ("" or "problem", demands)
 *   offers:   trl, ip_type, ip_numbers[], coop_modes[], price_kind,
 *             price_min, price_max (万元 as decimal strings),
 *             delivery_mode, duration (services)
 *   demands:  indicators[] ({name, target, unit}), coop_modes[], trl_min,
 *             deadline, price_kind, price_min, price_max (the budget)
 * Money is stored in integer fen (price_min_fen, price_max_fen).
 *
 * Life cycle (one table in listing.c, enforced here):
 *   draft → submitted → published | rejected(reason) ; published → expired
 *   (valid_until passed) / withdrawn / closed ; an edit of a published
 *   listing stays online and waits for review as a pending revision.
 * Reviewers: administrators, and operators whose jurisdiction contains
 * the listing's region (authz/authz.h decides).
 *
 * Errors come back as (field → i18n key) pairs in a json object.
 */
#ifndef KJ_MARKET_H
#define KJ_MARKET_H
#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"
#include <stdbool.h>
#include <stdint.h>

extern const char *const kj_listing_kinds[];     /* achievement, service, demand */
extern const char *const kj_listing_statuses[];
extern const char *const kj_decline_reasons[];    /* too_early, benefit_unclear, ... */
extern const char *const kj_price_kinds[];        /* fixed, range, negotiable */
extern const char *const kj_delivery_modes[];     /* onsite, remote, hybrid */

/* ---- who is looking ---- */

/** True when user owns the listing or is an active member of its studio. */
bool kj_listing_is_owner(kj_db *db, json_t *listing, json_t *user);
/** True when user may see the owner's identity, contact details and
 *  confidential attachments of listing: the owner, its reviewers, and the
 *  sender of an accepted EOI. */
bool kj_listing_can_see_private(kj_db *db, json_t *listing, json_t *user);

/* ---- listings ---- */

/** Checks a listing's content for kind; adds field → message key pairs to
 *  errors. Returns the number of problems. */
int kj_listing_check(kj_db *db, const char *kind, json_t *in, json_t *user, json_t *errors);
/** A list field (keywords, coop_modes, ip_numbers) as a listing stores it:
 *  from a JSON array of strings or one string, split on newlines, commas,
 *  semicolons and 、, trimmed, empty items and duplicates dropped. New ref. */
json_t *kj_listing_list_items(json_t *v);
/** Creates a listing owned by user (draft, or submitted when submit).
 *  Returns 0 and writes the id (27 bytes), or -1 with errors filled. */
int kj_listing_create(kj_db *db, json_t *user, const char *kind, json_t *in, bool submit, char *id_out, json_t *errors);
/** Starts (on) or ends (off) a bulk load on the calling thread: until it
 *  ends, reference codes found once (domains, regions, modes, IP types)
 *  are not looked up again. For imports; a thread's own state. */
void kj_listing_bulk(bool on);
/** Like kj_listing_create with an explicit status (draft, submitted or
 *  published — the last for trusted imports and demo data), inside the
 *  caller's transaction (no begin/commit here). */
int kj_listing_insert(kj_db *db, json_t *user, const char *kind, json_t *in, const char *status,
                      char *id_out, json_t *errors);
/** 代发布 (issue 14 §3): marks draft listing_id as prepared by staff_id
 *  from work order workorder_id, inside the caller's transaction. Only its
 *  owner (a member of its organization) submits it for review. 0, or -1
 *  when it is no draft or the write failed. (market/prepared.c) */
int kj_listing_mark_prepared(kj_db *db, const char *listing_id, const char *staff_id, const char *workorder_id);
/** Edits a listing's content. Drafts and rejected listings change in
 *  place; a published listing keeps its live content and the edit waits
 *  for review. Returns 0, or -1 with errors (a "form" key for refusals). */
int kj_listing_update(kj_db *db, json_t *user, const char *id, json_t *in, bool submit, json_t *errors);
/** The listing row with JSON columns decoded, or NULL. New ref. */
json_t *kj_listing_get(kj_db *db, const char *id);
/** The listing as viewer may see it (new ref), or NULL when it is absent
 *  or not visible to viewer (drafts of others): "not found" either way. Anonymous
 *  listings lose owner, studio, organization and contact fields unless
 *  the viewer may see them. Adds "can_edit", "can_review", "can_see_private". */
json_t *kj_listing_view(kj_db *db, const char *id, json_t *viewer);
/** The listing life cycle as data (for the API and the docs): a new array
 *  of {action, from, to, who}. */
json_t *kj_listing_transitions(void);
/** Performs a life-cycle action (submit, withdraw, close, extend, approve,
 *  reject, approve_edit, reject_edit, open_interest, close_interest,
 *  reopen). Returns 0, or -1 with *fail (kind FORBIDDEN, NOT_FOUND, CONFLICT,
 *  INVALID or INTERNAL). */
int kj_listing_act(kj_db *db, json_t *user, const char *id, const char *action, const char *reason,
                   kj_err *fail);
/** Revisions and events of a listing, oldest first (owner and reviewers only). */
json_t *kj_listing_history(kj_db *db, const char *id);

/* A browse query; NULL / 0 fields are not filtered on. */
typedef struct {
    const char *kind, *domain, *region, *mode, *q_title, *sort; /* sort: newest, deadline, price_asc, price_desc */
    int trl_min, trl_max, within_days;
    int64_t price_min_fen, price_max_fen;  /* -1 = unset */
    const char *studio_id, *org_id, *owner_id, *status; /* status: only for owner views */
    const char *origin;   /* "local", "remote" or an instance id (federation) */
    int page, per_page;
    bool fresh;   /* count afresh, not from the memo (the visitor sent Cache-Control: no-cache) */
    bool region_defaulted;   /* region is the instance's home region, the request named none (web/home_region.h) */
} kj_listing_query;

/** Appends q's filters as " AND ..." SQL fragments over the alias l
 *  (listings) to sql and their values to params (a JSON array). */
void kj_listing_filter_sql(const kj_listing_query *q, kj_buf *sql, json_t *params);
/** Removes what identifies an anonymous listing's owner (and contacts,
 *  and its patent/registration numbers) unless can_see_private; then,
 *  where the organization is still shown, adds org: {id, name, verified}
 *  and makes org_verified a boolean (the verified-organization badge). */
void kj_listing_redact(json_t *l, bool can_see_private);
/** Where a listing comes from (federation, issue 17 §2): listings whose
 *  origin is another instance are copies taken from a peer's feed. The
 *  columns a query adds over the alias l for kj_listing_redact to build
 *  "origin": {instance_id, name, name_en, url, local}. */
#define KJ_LISTING_ORIGIN_COLUMNS \
    "l.origin, (SELECT json_object('zh', fp.name_zh, 'en', fp.name_en, 'url', fp.url) FROM fed_peers fp " \
    "WHERE fp.instance_id = l.origin) AS origin_remote__json"

/** Where a local listing's origin takes this instance's name (in lang)
 *  and URL from (the instance profile, which the market does not include:
 *  the profile depends on the market). Writes into out, returns out. */
typedef const char *(*kj_origin_text_fn)(const char *lang, char *out, size_t n);
/** Set once at start-up, before threads serve (read without a lock after);
 *  unset, local listings name only their instance id. */
void kj_listing_origin_source(kj_origin_text_fn name, kj_origin_text_fn url);

/* ---- translations (issue 17 §1) ----
 * A listing may carry its title and summary in other offered languages than
 * the one it was written in (the instance's default language): content
 * field "translations": {tag: {title, summary}} in forms, the API and
 * revisions. Readers see their language's text where there is one and the
 * original otherwise; search indexes both. */

/** Where the offered languages (comma-separated tags) and the original's
 *  tag come from (the instance profile, which the market does not include).
 *  Writes into the buffers. Set once at start-up, before threads serve;
 *  unset: zh-CN, with en offered beside it. */
typedef void (*kj_listing_langs_fn)(char *offered, size_t on, char *original, size_t gn);
void kj_listing_language_source(kj_listing_langs_fn fn);
/** The instance's default language: what a listing is written in when its
 *  author names none (and what rows older than the column were written in). */
const char *kj_listing_original_lang(char *out, size_t n);
/** The language listing l's title and summary are written in: its "lang"
 *  (column listings.lang, migration 051) when set, else the instance's
 *  default (a peer's item that named none). Writes into out, returns out. */
const char *kj_listing_lang_of(json_t *l, char *out, size_t n);
/** Whether tag is one of the instance's offered languages (exact tag). */
bool kj_listing_lang_offered(const char *tag);
/** The offered languages in menu order, as an array of tags. New ref. */
json_t *kj_listing_offered_langs(void);
/** The tags a translation may be in: the offered ones but original (NULL:
 *  the instance's default), in menu order. New ref. */
json_t *kj_listing_translation_langs(const char *original);
/** Stamps local listings whose lang is still empty (written before
 *  migration 051) with lang, the instance's default language; run once at
 *  start (an index keeps it a look-up when none is left). Rows changed, or
 *  -1 on a failed write. */
int kj_listing_lang_stamp(kj_db *db, const char *lang);
#define KJ_LISTING_MAX_TRANSLATIONS 8
/** A peer's translations of a listing it shares (federation), as this
 *  instance keeps them: {tag: {title, summary}} entries whose tag is 1–15
 *  letters, digits or '-', title 1–100 characters and summary at most 300
 *  of valid UTF-8 without control characters (newlines allowed in a
 *  summary); others dropped, at most KJ_LISTING_MAX_TRANSLATIONS. The
 *  languages are the peer's: a reader here sees theirs where it matches.
 *  New ref ({} for anything else). */
json_t *kj_listing_translations_sanitize(json_t *in);
/** Replaces listing id's translations by translations (as sanitized),
 *  inside the caller's transaction; for copies of a peer's listings. 0/-1. */
int kj_listing_translations_replace(kj_db *db, const char *id, json_t *translations);
/** Listing id's translations {tag: {title, summary}} ({} when none), NULL
 *  on a failed read. New ref. */
json_t *kj_listing_translations(kj_db *db, const char *id);
/** Sets "translations" on every item of items (objects with "id") that has
 *  none yet, from one read; only lang's when lang is not NULL. 0 or -1. */
int kj_listing_translations_attach(kj_db *db, json_t *items, const char *lang);

/** Published, current listings matching q, as public summaries (anonymous
 *  ones redacted). *total is the count without paging. New ref. */
json_t *kj_listing_browse(kj_db *db, const kj_listing_query *q, int64_t *total);
/** The newest published, current listings of each kind in kinds (NULL-
 *  terminated, at most 3), per_kind of each (1..20), as public summaries
 *  like kj_listing_browse's, in one statement: {kind: [summary, ...]},
 *  every kind present (an empty array when none). For the home page.
 *  New ref. */
json_t *kj_listing_newest(kj_db *db, const char *const *kinds, int per_kind);
/** How long kj_listing_browse may reuse a count (browse_memo.c), in ms;
 *  0 (the default) never. Set once before serving: the response cache's
 *  time to live (page_cache_ms), whose rules the memo follows. */
void kj_listing_count_memo_ttl(int64_t ms);
/** A user's own listings, every status. */
json_t *kj_listing_mine(kj_db *db, json_t *user);
/** The review queue for user: submitted listings and pending edits in the
 *  reviewer's regions, with counts by kind. New ref {items, counts}. */
json_t *kj_review_queue(kj_db *db, json_t *user);
/** Expires listings past valid_until and sends 14-day reminders. Returns
 *  the number of listings changed. */
int kj_market_tick(kj_db *db);

/* ---- expressions of interest and threads ---- */

/** Sends an EOI from user about listing id. Returns 0 with the EOI id, or
 *  -1 with *fail. */
int kj_eoi_send(kj_db *db, json_t *user, const char *listing_id, const char *message, const char *related_id,
                char *id_out, kj_err *fail);
/** The listing owner accepts (opening a thread; both sides then see each
 *  other's contacts) or declines (reason from kj_decline_reasons). */
int kj_eoi_decide(kj_db *db, json_t *user, const char *eoi_id, bool accept, const char *reason,
                  const char *note, kj_err *fail);
/** EOIs user received and sent: {received: [...], sent: [...]}. New ref. */
json_t *kj_eoi_lists(kj_db *db, json_t *user);
/** One EOI as user may see it, or NULL (404). */
json_t *kj_eoi_get(kj_db *db, json_t *user, const char *eoi_id);

/** Most messages on one page of a thread. */
#define KJ_THREAD_PAGE 50
/** One page of a thread, if user is a member (marks it read): the newest
 *  limit messages (1..200), or, with before (a message id from "older"),
 *  the limit messages just before that one; oldest first in "messages".
 *  "older" names the cursor for the page before, when there is one; a
 *  before that is no message of this thread gives an empty page. */
json_t *kj_thread_page(kj_db *db, json_t *user, const char *thread_id, const char *before, int limit);
/** Posts a message; 0 with its id in id_out (KJ_ID_LEN + 1 bytes, may be
 *  NULL), or -1 with *fail. */
int kj_thread_post(kj_db *db, json_t *user, const char *thread_id, const char *body, char *id_out,
                   kj_err *fail);
/** Whether user_id takes part in thread_id's conversation (the EOI's sender
 *  and whoever accepted it; the listing's owner; a deal's broker). Another
 *  member of the listing's studio sees the EOI but not its conversation. */
bool kj_thread_is_member(kj_db *db, const char *thread_id, const char *user_id);
/** One message of a thread user is a member of, or NULL. */
json_t *kj_thread_message(kj_db *db, json_t *user, const char *message_id);
/** The user's threads with unread counts. */
json_t *kj_thread_list(kj_db *db, json_t *user);

/* ---- favourites ---- */

int kj_favourite_set(kj_db *db, json_t *user, const char *listing_id, bool on);
json_t *kj_favourite_list(kj_db *db, json_t *user);
/* ---- listing changes, for whoever keeps a copy ----
 * The market publishes every change of a listing's live content or
 * visibility (and of a studio's) to the listeners registered at start-up,
 * without knowing who they are: the search index registers one
 * (kj_search_listen, called by the app's start-up), so the market does not
 * depend on search. A listener runs inside the caller's transaction, and
 * its failure fails the change (the index never disagrees with the
 * listings). */
typedef enum {
    KJ_LISTING_CHANGED,   /* id: live content or visibility changed; notify: it was just approved */
    KJ_LISTING_ADDED,     /* id, row: inserted already published in this transaction (bulk paths: imports, demo) */
    KJ_STUDIO_CHANGED,    /* id: a studio created or edited */
    KJ_LISTINGS_LOADED,   /* a large import committed (id NULL): a time to compact what follows the listings;
                             or (id: an origin) a federation catch-up ended: the listings of that origin
                             changed since row.since were ADDED with match_later, their matching is queued
                             now (and, when row.count is large, the index compacted) */
} kj_listing_change;

typedef struct {
    kj_listing_change what;
    const char *id;
    json_t *row;          /* KJ_LISTING_ADDED: status, valid_until, title, keywords, summary, description */
    bool notify;          /* raise alerts for a newly published listing */
    bool match_later;     /* KJ_LISTING_ADDED: indexed now, matching not queued (a bulk loader queues it at its end,
                             KJ_LISTINGS_LOADED with its origin), so that matching does not contend with the load */
} kj_listing_event;

typedef int (*kj_listing_listener)(void *ctx, kj_db *db, const kj_listing_event *ev);

/** Registers fn (with ctx) to hear every listing event. Start-up only,
 *  before any thread serves or works (the registry is then read-only, read
 *  without a lock); registering the same fn and ctx again changes nothing.
 *  0, or -1 when the registry is full (KJ_LISTING_LISTENERS_MAX). */
#define KJ_LISTING_LISTENERS_MAX 8
int kj_listing_listen(kj_listing_listener fn, void *ctx);
/** Calls every listener in the order registered, stopping at the first
 *  that fails. 0, or -1 when one failed. */
int kj_listing_publish(kj_db *db, const kj_listing_event *ev);
/** The text a listing's keywords (JSON array of strings) are indexed and
 *  analyzed as: each string followed by a space. malloc'd; NULL when there
 *  are none. */
char *kj_listing_keywords_text(json_t *keywords);
#endif
