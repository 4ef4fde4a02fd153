/*
 * pages_search.h — handlers of search, matches and alerts (pages and API).
 */
#ifndef KJ_PAGES_SEARCH_H
#define KJ_PAGES_SEARCH_H
#include "http/http.h"
#include <jansson.h>

/** Explains a match row (as kj_match_list gives it) in the request's
 *  language: reason_lines [{text, agree}], terms, score_pct, kind_label,
 *  is_studio. Also used by the event pages' suggestions. */
void kj_match_explain(kj_req *req, json_t *m);

void kj_page_search(kj_req *req);
void kj_page_matches(kj_req *req);
void kj_page_match_not_relevant(kj_req *req);
void kj_page_subscriptions(kj_req *req);
void kj_page_subscribe(kj_req *req);
void kj_page_unsubscribe(kj_req *req);

void kj_api_search(kj_req *req);
void kj_api_suggest(kj_req *req);
void kj_api_matches(kj_req *req);
void kj_api_match_not_relevant(kj_req *req);
void kj_api_subscriptions(kj_req *req);
void kj_api_subscribe(kj_req *req);
void kj_api_unsubscribe(kj_req *req);
#endif
