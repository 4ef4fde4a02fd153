/*
 * pages_org.h — handlers of organization membership:
 * pages (pages_org.c) and API (api/api_org.c); routes in routes_org.c.
 */
#ifndef KJ_PAGES_ORG_H
#define KJ_PAGES_ORG_H
#include "web/app.h"

void kj_page_org_request(kj_req *req);
void kj_page_org_request_post(kj_req *req);
void kj_page_org_request_withdraw(kj_req *req);
void kj_page_org_requests(kj_req *req);
void kj_page_org_request_approve(kj_req *req);
void kj_page_org_request_refuse(kj_req *req);
void kj_page_org_members(kj_req *req);
void kj_page_org_member_role(kj_req *req);
void kj_page_org_member_remove(kj_req *req);

/** The signed-in user's pending organization request as /me and pages
 *  show it: {org_id, org_name, status: "pending"} (new ref) or NULL. */
json_t *kj_org_request_view(kj_req *req);
#endif
