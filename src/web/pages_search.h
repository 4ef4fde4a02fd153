/*
 * pages_search.h — the pages of search, matches and alerts, and the request
 * helpers their JSON API (api/api_search.c) shares with them.
 */
#ifndef KJ_PAGES_SEARCH_H
#define KJ_PAGES_SEARCH_H
#include "core/err.h"
#include "http/http.h"
#include "search/search.h"
#include <jansson.h>

void kj_page_search(kj_req *req);
void kj_page_matches(kj_req *req);
void kj_page_match_not_relevant(kj_req *req);
void kj_page_subscriptions(kj_req *req);
void kj_page_subscribe(kj_req *req);
void kj_page_unsubscribe(kj_req *req);

/** The search a request asks for (q, kind, the browse filters, page). */
void kj_search_query_from(kj_req *req, kj_search_query *q);
/** A hit's snippet without the \x02 … \x03 match markers (for JSON). */
void kj_search_hit_plain(json_t *hit);
/** Adds reason_lines, terms, score_pct, kind_label, is_studio to a match. */
void kj_match_explain(kj_req *req, json_t *m);
/** Listing id as the actor may see it (published, or their own); NULL
 *  with *status 404 otherwise. New ref. */
json_t *kj_match_listing_visible(kj_req *req, const char *id, int *status);
/** Marks match {1} of listing {0} not relevant; 0, or -1 after answering 404. */
int kj_match_feedback_req(kj_req *req);
/** Saves the subscription the request describes; 0 with its id, or -1 with e. */
int kj_subscribe_req(kj_req *req, char *id, kj_err *e);
#endif
