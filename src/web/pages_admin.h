/*
 * pages_admin.h — account administration (issue 14 item 5): the pages
 * (pages_admin.c) and the API (api/api_admin.c); routes in
 * routes/routes_admin.c. Administrators only (the route's access), and the
 * domain (account/admin.h) asks authz again inside each write.
 */
#ifndef KJ_PAGES_ADMIN_H
#define KJ_PAGES_ADMIN_H
#include "web/app.h"

void kj_page_admin_users(kj_req *req);
void kj_page_admin_role_post(kj_req *req);
void kj_page_admin_disable(kj_req *req);
void kj_page_admin_enable(kj_req *req);
void kj_page_admin_reset(kj_req *req);
void kj_page_admin_audit(kj_req *req);

#endif
