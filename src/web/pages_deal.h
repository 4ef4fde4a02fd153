/*
 * pages_deal.h — handlers of the deal pages (pages_deal.c) and of
 * /api/v1/deals (api/api_deal.c). Routes in routes_deal.c.
 * Each handler runs on one request thread; see web/app.h for the pipeline.
 */
#ifndef KJ_PAGES_DEAL_H
#define KJ_PAGES_DEAL_H
#include "http/http.h"
#include <jansson.h>

/** /deals: the user's deals and accepted EOIs that can start one. */
void kj_page_deals(kj_req *req);
/** /deals/process: the state table as a help page (public). */
void kj_page_deal_process(kj_req *req);
/** /deals/{id}: state, parties, actions, offers, contract, milestones, messages, reviews. */
void kj_page_deal(kj_req *req);
/** POST /deals/{id}/act: any action of the table (form field "action"). */
void kj_page_deal_act(kj_req *req);
/** /deals/{id}/contract: the printable contract with its signatures. */
void kj_page_deal_contract(kj_req *req);
/** GET /deals/{id}/contract.pdf and /api/v1/deals/{id}/contract.pdf: the
 *  contract as a PDF download (whoever may see the deal; 409 before terms
 *  are agreed). */
void kj_page_deal_contract_pdf(kj_req *req);
/** POST /deals/{id}/attachments (multipart, field "file"): a file in the
 *  conversation; GET /deals/{id}/files/{att}: its download (members only). */
void kj_page_deal_attach(kj_req *req);
void kj_page_deal_file(kj_req *req);
/** POST /eois/{id}/deal and /listings/{id}/order: start a deal. */
void kj_page_deal_start_eoi(kj_req *req);
void kj_page_deal_order(kj_req *req);
/** The ratings of a studio or an organization (kind "studio", "org") for
 *  its page: count, average ("4.5"), stars ("★★★★☆"), has_reviews, and
 *  the five latest visible reviews with date and stars. New ref. */
json_t *kj_ratings_view(kj_req *req, const char *kind, const char *id);
/** The same without the reviews ({count, average_x100, distribution}),
 *  for the studio and organization API objects. New ref. */
json_t *kj_ratings_summary(kj_req *req, const char *kind, const char *id);
/** /settings/mail: e-mail notification choices per category (each, digest, off). */
void kj_page_mail_prefs(kj_req *req);
void kj_page_mail_prefs_post(kj_req *req);

/** Saves the mail preferences the request sends; 0 or -1 (store failed). */
int kj_mail_prefs_save_req(kj_req *req);
/** Stores the request's first file in deal {0}'s conversation; 0 with the
 *  attachment id in att (KJ_ID_LEN + 1 bytes), or -1 with the error sent. */
int kj_deal_attach_req(kj_req *req, char *att);
#endif
