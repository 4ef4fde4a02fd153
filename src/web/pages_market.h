/*
 * pages_market.h — handlers of the marketplace pages and API.
 */
#ifndef KJ_PAGES_MARKET_H
#define KJ_PAGES_MARKET_H
#include "core/err.h"
#include "http/http.h"
#include <stdbool.h>

void kj_page_browse_achievements(kj_req *req);
void kj_page_browse_services(kj_req *req);
void kj_page_browse_demands(kj_req *req);
void kj_page_listing_new(kj_req *req);
void kj_page_listing_create(kj_req *req);
void kj_page_listing(kj_req *req);
void kj_page_listing_edit(kj_req *req);
void kj_page_listing_update(kj_req *req);
void kj_page_listing_act(kj_req *req);
void kj_page_listing_history(kj_req *req);
void kj_page_listing_interest(kj_req *req);
void kj_page_listing_favourite(kj_req *req);
void kj_page_my_listings(kj_req *req);
void kj_page_review_queue(kj_req *req);
void kj_page_eois(kj_req *req);
void kj_page_eoi(kj_req *req);
void kj_page_eoi_decide(kj_req *req);
void kj_page_thread(kj_req *req);
void kj_page_thread_post(kj_req *req);
void kj_page_favourites(kj_req *req);
void kj_page_notifications(kj_req *req);
void kj_page_listing_upload(kj_req *req);
void kj_page_listing_attachment_delete(kj_req *req);

/** Stores each uploaded file of the request for listing id (the caller
 *  checked the owner); the number stored (first_id: the first's id), or
 *  -1 with e. */
int kj_listing_store_uploads(kj_req *req, const char *id, bool confidential, kj_err *e, char *first_id);
#endif
