/*
 * pages_privacy.h — residents and personal information (issue 14 items 6
 * and 7): the 用户协议 / 隐私政策 pages, accepting a new version, the
 * user's privacy page (data export, account deletion), following a
 * volunteer team. Pages in pages_privacy.c, API in api/api_privacy.c,
 * routes in routes/routes_people.c; the domain is account/privacy.h and
 * popsci/follow.h.
 */
#ifndef KJ_PAGES_PRIVACY_H
#define KJ_PAGES_PRIVACY_H
#include "web/app.h"

void kj_page_terms(kj_req *req);
void kj_page_privacy_policy(kj_req *req);
void kj_page_consent(kj_req *req);
void kj_page_consent_post(kj_req *req);
void kj_page_privacy_center(kj_req *req);
void kj_page_account_export(kj_req *req);
void kj_page_account_delete(kj_req *req);


#endif
