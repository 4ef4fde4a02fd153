/*
 * nav.h — what every page's frame (templates/_head.html, _foot.html) needs
 * beyond the user: the site's name in the page's language and which tab of
 * the phone tab bar the page belongs to.
 */
#ifndef KJ_WEB_NAV_H
#define KJ_WEB_NAV_H
#include "http/http.h"
#include <jansson.h>

/** Sets data's "site_name" (and "instance_name", its older name) from the
 *  configuration in req's language, and "tab": {home|tech|demands|popsci|me:
 *  true} for the tab whose section req's path is in (none for other
 *  pages). Called by kj_render for every page. */
void kj_nav_context(kj_req *req, json_t *data);
/** Where a "发布需求" / "发布成果" button for a listing kind leads req's
 *  visitor: the form, for those who may post that kind (authz); sign-in and
 *  back to the form, for visitors not signed in; NULL (no button) for the
 *  others. An arena string. */
const char *kj_post_href(kj_req *req, const char *kind);
#endif
