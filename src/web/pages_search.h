/*
 * pages_search.h — handlers of search, matches and alerts (pages and API).
 */
#ifndef KJ_PAGES_SEARCH_H
#define KJ_PAGES_SEARCH_H
#include "http/http.h"

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
