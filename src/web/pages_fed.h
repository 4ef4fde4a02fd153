/*
 * pages_fed.h — federation (issue 17 §2) over HTTP: the administrator's
 * page (pages_fed.c) and the API (api/api_fed.c), including the endpoints
 * other instances call (instance document, signed feed, signed inbox).
 * Routes in routes/routes_fed.c; the domain is fed/fed.h.
 */
#ifndef KJ_PAGES_FED_H
#define KJ_PAGES_FED_H
#include "web/app.h"

void kj_page_fed_admin(kj_req *req);
void kj_page_fed_peer_add(kj_req *req);
void kj_page_fed_peer_suspend(kj_req *req);
void kj_page_fed_peer_resume(kj_req *req);
void kj_page_fed_item_hide(kj_req *req);
void kj_page_fed_item_show(kj_req *req);

void kj_api_fed_instance(kj_req *req);
void kj_api_fed_feed(kj_req *req);
void kj_api_fed_inbox(kj_req *req);
void kj_api_fed_peers(kj_req *req);
void kj_api_fed_peer_add(kj_req *req);
void kj_api_fed_peer_suspend(kj_req *req);
void kj_api_fed_peer_resume(kj_req *req);
void kj_api_fed_peer_kinds(kj_req *req);
void kj_api_fed_item_hide(kj_req *req);
void kj_api_fed_item_show(kj_req *req);

/** Federation's label on anything that may come from a peer (a studio,
 *  科普 content, a search hit): replaces o's "origin" (an instance id) by
 *  {instance_id, name, url, local} (fed.h: kj_fed_origin, in the reader's
 *  language) and sets is_remote, and for a peer's item origin_label (its
 *  instance's name) for the templates' "来自 X". Nothing without origin. */
void kj_fed_label(kj_req *req, json_t *o);
/** kj_fed_label on every item of a list: one query for all the peers'
 *  names, however many of its items are remote (fed.h: kj_fed_origin_in). */
void kj_fed_label_all(kj_req *req, json_t *items);
/** kj_fed_label on every item of items (one query, as kj_fed_label_all), dropping those not of origin
 *  ("local", "remote", an instance id; NULL keeps all). */
void kj_fed_label_filter(kj_req *req, json_t *items, const char *origin);
/** The origin filter of a list or search request ("origin":
 *  local|remote|<instance id>, core/origin.h): NULL when absent or empty;
 *  anything else is a field error (err.fed.origin) and NULL. The one
 *  reader of the parameter for listings, studios, 科普, 揭榜 and search. */
const char *kj_fed_origin_param(kj_req *req);
/** Sets d's "origin_options" ([{value, label, selected}]: every origin,
 *  this instance, peers, each peer by name) and "origin_filter" (true when
 *  there is a peer, so that a page without peers shows no such control),
 *  for templates/_origin_filter.html. */
void kj_fed_origin_options(kj_req *req, json_t *d, const char *selected);
/** GET /federation/challenges and /api/v1/federation/challenges: the open
 *  揭榜 of peers held here (origin=remote|<instance id>). */
void kj_page_fed_challenges(kj_req *req);
void kj_api_fed_challenges(kj_req *req);
void kj_page_fed_peer_kinds(kj_req *req);
/** POST /admin/federation/shares and /api/v1/federation/shares: what this
 *  instance shares with every peer (fed.h: kj_fed_set_offered). */
void kj_page_fed_shares(kj_req *req);
void kj_api_fed_shares(kj_req *req);
/** POST /popsci/{id}/ask-origin and /api/v1/popsci/{id}/ask-origin: a
 *  question to the experts of the instance a 科普 item comes from (fed.h:
 *  kj_fed_ask). */
void kj_page_fed_ask(kj_req *req);
void kj_api_fed_ask(kj_req *req);

/** The URI a request was sent to, as a signer names it (@target-uri):
 *  public_url (or the scheme and Host header when it is unset), the path,
 *  and the query rebuilt with its keys sorted and values percent-encoded.
 *  Arena string. A request whose signature covers the scheme and Host it
 *  came with is accepted too (a peer given another of our addresses). */
const char *kj_fed_target_uri(kj_req *req);
#endif
