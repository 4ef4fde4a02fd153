/*
 * pages_instance.h — the instance profile's pages and API (issue 17 §1):
 * /admin/instance (administrators: names per language, logo and favicon,
 * colours, footer, home region, languages offered, policy texts), the
 * public description GET /api/v1/instance, the logo and favicon, and the
 * per-language theme stylesheet /theme/<tag>.css. Routes in
 * routes/routes_instance.c; the domain is instance/instance.h, which asks
 * authz again inside each write.
 */
#ifndef KJ_PAGES_INSTANCE_H
#define KJ_PAGES_INSTANCE_H
#include "web/app.h"

void kj_page_admin_instance(kj_req *req);
void kj_page_admin_instance_post(kj_req *req);
void kj_page_admin_instance_names(kj_req *req);
void kj_page_admin_instance_image(kj_req *req);
void kj_page_admin_instance_policy(kj_req *req);
void kj_page_instance_logo(kj_req *req);
void kj_page_instance_favicon(kj_req *req);
void kj_page_theme_css(kj_req *req);
/** The page frame's part of the profile (kj_nav_context calls it for every
 *  page): lang_dir, theme_css (only when colours or the language's fonts
 *  are set), brand_logo, favicon, lang_links (the switcher: offered
 *  languages but the page's) and footer (主办单位, contact, ICP and 公安
 *  备案号, when any is set). */
void kj_instance_frame(kj_req *req, json_t *data);

/** The 用户协议 / 隐私政策 versions in force (the profile's: an
 *  administrator's publication, else the settings file's), arena copies. */
#include "account/privacy.h"
kj_policy_versions kj_req_policy_versions(kj_req *req);

void kj_api_instance(kj_req *req);
void kj_api_admin_instance(kj_req *req);
void kj_api_admin_instance_put(kj_req *req);
void kj_api_admin_instance_policy(kj_req *req);
#endif
