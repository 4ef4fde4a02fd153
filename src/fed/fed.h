/*
 * fed.h — the bridge between instances (issue 17 §2): peering, the signed
 * change feed, harvesting it, and the expressions of interest that cross.
 *
 * Decisions (why):
 *  - PULL for shared items. Each instance offers a change feed of what it
 *    shares (GET /api/v1/federation/feed?cursor=), in the order its items
 *    changed; a peer harvests it from a cursor it stores in the same
 *    transaction as the items it took (as OAI-PMH harvesters do). A failed
 *    round repeats from the same cursor and taking an item twice changes
 *    nothing (versions only grow), so every item is applied exactly once
 *    in effect, and an instance that was down catches up by itself. A push
 *    inbox would need delivery queues, retries and ordering on the sender
 *    for every item and every peer.
 *  - PUSH only for what must reach one instance: an expression of interest
 *    (EOI) in a remote listing goes to the listing's origin, and the
 *    owner's decision back to the asker's instance (POST
 *    /api/v1/federation/inbox), each retried from a small outbox until
 *    taken, each idempotent by the EOI's id.
 *  - Trust: every item is signed by its origin (Ed25519 over a canonical
 *    form, kj_fed_item_sign), so a relay or a tampered response cannot
 *    alter it; an item is taken only from the peer whose instance id is its
 *    origin. Every request between instances is signed (HTTP Message
 *    Signatures, RFC 9421, alg ed25519; httpsig.h) with created, expires
 *    and a nonce: a stale or replayed request is refused.
 *  - Peering needs both operators: each adds the other's URL and public key
 *    (`kejiyun peer add URL KEY`, /admin/federation). A peer is 'pending'
 *    until a signed exchange with it succeeds (it added us too), then
 *    'active'; an operator may suspend it (nothing is served to it or taken
 *    from it) and resume it.
 *  - Shared: published, current, non-anonymous listings, without contacts,
 *    patent numbers, owner, studio or attachments; studios' public
 *    profiles; published 科普 content; 揭榜 taking applications (kinds.c).
 *    Never drafts, reviews, confidential fields or anonymous owners. Each
 *    kind has its own feed (?type=) and cursor; which kinds are taken is
 *    chosen per peer.
 *  - Each peer is harvested on its own thread, every request bounded by
 *    fed_timeout_ms, failures backed off (client.c): a slow or unreachable
 *    peer delays nobody else.
 *
 * Domain code: no HTTP types; the API layer hands over the request's
 * method, target URI, headers and body (kj_fed_request).
 */
#ifndef KJ_FED_H
#define KJ_FED_H
#include "core/err.h"
#include "store/store.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- this instance ---- */

/** This instance's federation identity: its id and key pair. Its names
 *  and URL are the instance profile's (instance/instance.h), read when a
 *  document is made, so that an administrator's edit shows at once. */
typedef struct {
    char instance_id[32];
    unsigned char pk[32], sk[64]; /* Ed25519 */
    char pk_b64[48];              /* pk, standard base64 */
} kj_fed_self;

/** Settings (core/config.h [federation]). */
typedef struct {
    int sync_ms;          /* how often each active peer's feed is harvested */
    int window_s;         /* a signed request is valid this long after created (and 30 s of clock skew before) */
    int rate_per_min;     /* requests a peer may make per minute; more are refused (429) */
    int page;             /* items per feed page */
    int timeout_ms;       /* the longest one request to a peer may take (then the round fails, and the peer is backed off) */
} kj_fed_settings;

/** Loads this instance's key pair from DATA/federation.key (0600; created
 *  at first use with a fresh Ed25519 key pair) and remembers its id and the
 *  settings. Called once by the thread that starts the server (or a
 *  command), before any other thread runs; read without a lock after.
 *  0, or -1 with a reason in err. */
int kj_fed_init(const char *data_dir, const char *instance_id, const kj_fed_settings *settings, char *err, size_t errlen);
/** The identity kj_fed_init set (NULL before). */
const kj_fed_self *kj_fed_self_get(void);
const kj_fed_settings *kj_fed_settings_get(void);

/** The public instance document: {instance_id, name: {zh-CN, en}, url,
 *  public_key, shares: [...] (kj_fed_offered), protocol, signature} —
 *  signature over its canonical form, so that a peer adding us can check
 *  it belongs to the key it was given. New ref. */
json_t *kj_fed_instance_doc(kj_db *db);

/* ---- what this instance offers (offer.c) ---- */

/** The kinds this instance shares with every peer (kj_fed_kind_names'
 *  order): all of them until an operator chooses. New ref. */
json_t *kj_fed_offered(kj_db *db);
/** Whether kind type (NULL or "": listing) is offered. */
bool kj_fed_offers(kj_db *db, const char *type);
/** Sets the kinds offered (kinds: an array of kind names, possibly empty;
 *  an unknown name is INVALID "kinds"). Administrators (authz); audited
 *  (fed.offer, from and to). A kind no longer offered: its feed answers
 *  404 err.fed.not_shared and peers drop their copies (kj_fed_drop_kind). */
int kj_fed_set_offered(kj_db *db, json_t *actor, json_t *kinds, const char *reason, kj_err *fail);
/** peer no longer offers type: every item of type held from it is removed
 *  here (listings withdrawn, copies deleted) in one transaction, its
 *  fed_items kept at version 0 (hidden ones stay hidden) and its cursor
 *  reset, so that offered again, everything comes anew. Asked again each
 *  round while the origin keeps the kind off: what is already dropped is
 *  not rewritten, and a round with nothing left to drop takes no write
 *  transaction at all. Items dropped, or -1. */
int kj_fed_drop_kind(kj_db *db, json_t *peer, const char *type);

/* ---- items ---- */

/** Canonical form of an item (without its "signature" member): compact
 *  JSON, keys sorted, UTF-8 unescaped, integers and strings only; prefixed
 *  by "kejiyun-item-v1\n". malloc'd. */
char *kj_fed_item_canonical(json_t *item);
/** Adds "signature" (base64 Ed25519 over the canonical form) to item. */
int kj_fed_item_sign(json_t *item, const unsigned char sk[64]);
/** Whether item's "signature" verifies with pk. */
bool kj_fed_item_verify(json_t *item, const unsigned char pk[32]);
/** Decodes a standard-base64 Ed25519 public key. */
bool kj_fed_key_decode(const char *b64, unsigned char pk[32]);

/* ---- addresses (netguard.c) ---- */

struct sockaddr;
/** Whether a peer request may never connect to sa: link-local (cloud
 *  metadata), 0.0.0.0/8 and ::, multicast, broadcast, Alibaba Cloud's
 *  100.100.100.200, AWS's fd00:ec2::254, and IPv4-mapped forms of these.
 *  Loopback and private networks are allowed (peers inside a province's
 *  network; tests). NULL or another family: refused. */
bool kj_fed_addr_refused(const struct sockaddr *sa);
/** Whether url's host is an IP literal (any spelling a resolver reads,
 *  [v6] included) that kj_fed_addr_refused refuses; a host name is not
 *  (it is checked at connect time); a URL without "://" is. */
bool kj_fed_url_refused(const char *url);

/* ---- peers ---- */

/* Each write below takes the acting user's row (actor; NULL: the command
 * line) and asks authz (kj_authz_may_manage_federation: administrators). */
/** Adds a peer (state pending) by its base URL and public key. Audited (fed.peer.add). Writes the new id
 *  (KJ_ID_LEN + 1). -1 with *fail: INVALID (url, public_key), CONFLICT
 *  (the key is a peer already, or our own). */
int kj_fed_peer_add(kj_db *db, json_t *actor, const char *url, const char *public_key, const char *reason,
                    char *id_out, kj_err *fail);
/** Sets a peer's state: "suspend" or "resume" (back to pending; the next
 *  good exchange makes it active). Audited. */
int kj_fed_peer_set(kj_db *db, json_t *actor, const char *peer_id, const char *action, const char *reason,
                    kj_err *fail);
/** Sets the item types taken from a peer (a subset of "listing"). Audited. */
int kj_fed_peer_kinds(kj_db *db, json_t *actor, const char *peer_id, json_t *kinds, kj_err *fail);
/** Every peer with its state, last sync, item count and recent refusals
 *  and errors (for administrators). New ref. */
json_t *kj_fed_peers(kj_db *db);
json_t *kj_fed_peer_get(kj_db *db, const char *peer_id);
/** An operator hides (hide true) or shows again a remote item here.
 *  Audited (fed.item.hide / fed.item.show). */
int kj_fed_item_hide(kj_db *db, json_t *actor, const char *item_id, bool hide, const char *reason, kj_err *fail);
/** The peers a reader may filter by (origin=<instance id>): those whose
 *  instance id is known, [{instance_id, name}] (name in lang), by name.
 *  New ref (empty on error). */
json_t *kj_fed_peer_names(kj_db *db, const char *lang);
/** The origin of a listing as the API shows it: {instance_id, name, url,
 *  local}. name is in lang ("zh-CN" / "en"). New ref. */
json_t *kj_fed_origin(kj_db *db, const char *origin, const char *lang);
/** kj_fed_origin for the items of a list: *book (NULL at first) is filled
 *  on the first peer's item with every known peer in one query, and
 *  answers the rest, so that a page of N remote items runs one query for
 *  their origins, not N (the caller json_decrefs *book). An item of this
 *  instance needs no query. New ref. */
json_t *kj_fed_origin_in(kj_db *db, json_t **book, const char *origin, const char *lang);
/** The known peers by instance id: {instance_id: {url, name_zh, name_en}}
 *  (kj_fed_origin_in's book). One query. New ref. */
json_t *kj_fed_origin_book(kj_db *db);

/* ---- signed requests received ---- */

typedef struct {
    const char *method;            /* "GET", "POST" */
    const char *target_uri;        /* as this instance is reached: public URL + path + query */
    const char *alt_target_uri;    /* the same with the scheme and Host the request came with (a peer that
                                      was given another address of ours than public_url), or NULL */
    const char *signature_input;   /* headers, or NULL */
    const char *signature;
    const char *content_digest;
    const char *body;
    size_t body_len;
} kj_fed_request;

/** Checks a request from a peer: a signature by a known, not suspended
 *  peer's key over @method, @target-uri (and content-digest when there is
 *  a body, which must match it), created within the window, not expired,
 *  a nonce not seen before, the peer within its rate. Refusals are logged
 *  (fed_events and the log) and returned as *fail (FORBIDDEN: no or bad
 *  signature, unknown key; BAD_REQUEST: stale, malformed; CONFLICT:
 *  replayed; LIMITED: over the rate). On success returns the peer's row
 *  (new ref) and records the nonce. */
json_t *kj_fed_check_request(kj_db *db, const kj_fed_request *r, kj_err *fail);

/* ---- the feed ---- */

/** The kinds of item shared (kinds.c): "listing", "studio" (public
 *  profiles), "popsci" (published 科普 content), "challenge" (揭榜 of lists
 *  taking applications). NULL-terminated. */
extern const char *const kj_fed_kind_names[];
bool kj_fed_kind_known(const char *type);
/** One page of this instance's change feed of type (NULL: listing) after
 *  cursor ("" from the start): {instance_id, type, items: [signed items],
 *  next_cursor, more}. Items changed in the last two seconds wait for the
 *  next page, so that a write still committing with an earlier time is
 *  not skipped. NULL for a bad cursor or an unknown type. */
json_t *kj_fed_feed(kj_db *db, const char *type, const char *cursor, int limit);
/** Records that peer_id was served page's listings (fed_shared, the first
 *  time each; pages without listings write nothing), in one transaction:
 *  the statistics' "shared with" figure. 0 or -1 (nothing recorded; the
 *  page may still be served: losing the count is harmless). */
int kj_fed_note_shared(kj_db *db, const char *peer_id, json_t *page);
/** Takes a page of peer's feed: every item must verify with the peer's
 *  key and name the peer's instance as origin, else nothing is taken
 *  (refusal logged, -1 with *fail). Applies items newer than what is held
 *  and stores next_cursor, in one transaction. Returns items applied.
 *  A page that says more follows is part of a catch-up (a fresh peer's
 *  100,000 listings): its new listings are indexed but their matching is
 *  not queued one by one — the harvester calls kj_fed_ingest_done when the
 *  catch-up ends, which queues it all at once, so that the match queue's
 *  transactions do not contend with the harvest's. */
int kj_fed_ingest(kj_db *db, json_t *peer, const char *type, json_t *page, kj_err *fail);
/** Where the next harvest of peer's feed of type starts. malloc'd ("" from
 *  the start), NULL on a store failure. */
char *kj_fed_cursor(kj_db *db, json_t *peer, const char *type);
/** Remote items of type (not listings) held here and not hidden, newest
 *  first: [{id, type, origin: {instance_id, name, url, local}, data,
 *  received_at}], origin_filter "remote"/NULL (all) or an instance id.
 *  New ref. */
json_t *kj_fed_remote_items(kj_db *db, const char *type, const char *origin_filter, const char *lang, int limit, int offset);
/** The open 揭榜 of peers held here, grouped by the list they belong to
 *  at their origin, for the 揭榜 list page and API beside this instance's
 *  lists: [{id (the list's id at its origin), title, origin: {...},
 *  entries, next_deadline, url (the list at its origin), challenges:
 *  [{id, title, direction, domain, deadline, bounty_fen, org_name, region,
 *  apply_url (the entry at its origin, where one applies)}]}], the list
 *  with the nearest deadline first. origin_filter as kj_fed_remote_items
 *  ("local": none). Read-only here: applying happens at the origin. New
 *  ref. */
json_t *kj_fed_remote_challenge_lists(kj_db *db, const char *origin_filter, const char *lang);
/** The end of a catch-up of peer that began at since_ms and applied count
 *  items: queues the matching of its listings changed since (and compacts
 *  the search index after a large one). 0 or -1. */
int kj_fed_ingest_done(kj_db *db, json_t *peer, int64_t since_ms, int count);
/** Records the outcome of a sync round for peer (error NULL: success,
 *  which also makes a pending peer active and clears its failures). A
 *  failure counts in fed_peers.failures and puts the next round off
 *  (next_sync_at) by sync_ms × 2^failures, at most max(sync_ms, 60 s):
 *  an unreachable peer is asked less and less often, and again within a
 *  minute of coming back. Best effort. */
void kj_fed_sync_result(kj_db *db, const char *peer_id, const char *error);
/** Learns an unknown peer's instance id and names from its instance
 *  document, checked against the key the operator gave. */
int kj_fed_peer_learn(kj_db *db, const char *peer_id, json_t *doc, kj_err *fail);

/* ---- expressions of interest across instances ---- */

/** Messages waiting to be pushed to peer_id: [{peer_id, url, eoi_id, body}] (new
 *  ref): EOIs sent here about remote listings, not yet taken by their
 *  origin, and decisions on EOIs received from peers, not yet sent back. */
json_t *kj_fed_outbox(kj_db *db, const char *peer_id, int limit);
/** Marks an outbox message as taken (ok) or failed (error). */
void kj_fed_outbox_done(kj_db *db, const char *eoi_id, const char *peer_id, const char *kind, const char *error);
/** Handles an inbox message from peer (checked by kj_fed_check_request):
 *  {type: "eoi", ...} creates the EOI on our listing and tells its owner;
 *  {type: "eoi_decision", ...} records the origin's decision on an EOI
 *  sent from here and tells the asker. Idempotent by EOI id. */
int kj_fed_inbox(kj_db *db, json_t *peer, json_t *msg, kj_err *fail);
/** The asker's view of an EOI sent about a remote listing (e as
 *  kj_eoi_get returns it): adds "remote" {name, name_en, url,
 *  delivered_at, reveal} and, once accepted, shows as counterpart what the
 *  owner revealed. Nothing for other EOIs. */
void kj_fed_eoi_view(kj_db *db, json_t *e);

/* ---- questions to a peer's 科普 experts (questions.c) ---- */

/** user asks the experts of the instance that shares 科普 content
 *  content_id (a peer's, published here): a question here (topic: the
 *  content's; region: its first, else this instance's home region),
 *  delivered to that instance by the outbox, answered there by its experts
 *  (who are told), each answer coming back to this question (the asker is
 *  told). Writes the question's id. -1 with *fail: NOT_FOUND (no such
 *  remote content), CONFLICT (its instance suspended), INVALID (title 5–120
 *  characters, body 10–2000). */
int kj_fed_ask(kj_db *db, json_t *user, const char *content_id, const char *title, const char *body, char *id_out, kj_err *fail);
/** Adds "remote" {direction: out|in, delivered_at, name, name_en, url,
 *  instance_id} to question q when it crossed between instances. */
void kj_fed_question_view(kj_db *db, json_t *q);

/* ---- the worker (client.c) ---- */

typedef struct kj_fed_worker kj_fed_worker;
/** Starts the thread that harvests every active or pending peer every
 *  sync_ms and pushes the outbox: each peer's round on a thread of its
 *  own, so that a slow or unreachable peer delays no other (client.c). */
kj_fed_worker *kj_fed_worker_start(kj_store *store);
void kj_fed_worker_stop(kj_fed_worker *w);
/** One round now, on the calling thread (the bench, commands). Returns the
 *  number of items applied, or -1 when a peer failed. */
int kj_fed_sync_once(kj_store *store);
#endif
