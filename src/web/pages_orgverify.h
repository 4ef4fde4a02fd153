/*
 * pages_orgverify.h — handlers of verified organizations (实名认证):
 * pages (pages_orgverify.c) and API (api/api_orgverify.c); routes in
 * routes/routes_orgverify.c.
 */
#ifndef KJ_PAGES_ORGVERIFY_H
#define KJ_PAGES_ORGVERIFY_H
#include "web/app.h"
#include "org/verify.h"

void kj_page_orgverify(kj_req *req);
void kj_page_orgverify_apply(kj_req *req);
void kj_page_orgverify_act(kj_req *req);
void kj_page_orgverify_queue(kj_req *req);
void kj_page_orgverify_licence(kj_req *req);

void kj_page_org_public(kj_req *req);


/** The licence a form or multipart API body carries: the first file of
 *  field "licence" (data NULL when none), with the upload limit and data
 *  directory of the application. */
kj_orgverify_licence_in kj_orgverify_licence_of(kj_req *req);
#endif
