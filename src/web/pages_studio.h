/*
 * pages_studio.h — handlers of the studio pages and API, and of file
 * downloads (/files/{id}); routes in routes_studio.c.
 *
 * Handlers follow app.h: validated inputs in, one domain call
 * (market/studio.h, market/attach.h), then a template, a redirect or JSON.
 * Each runs on the request's thread and owns nothing beyond the request.
 */
#ifndef KJ_PAGES_STUDIO_H
#define KJ_PAGES_STUDIO_H
#include "http/http.h"
#include <jansson.h>

/* Pages (pages_studio.c). */
void kj_page_studios(kj_req *req);          /* GET  /studios?region=&page= */
void kj_page_studio_new(kj_req *req);       /* GET  /studios/new */
void kj_page_studio_create(kj_req *req);    /* POST /studios */
void kj_page_studios_mine(kj_req *req);     /* GET  /studios/mine */
void kj_page_studio(kj_req *req);           /* GET  /studios/{id} */
void kj_page_studio_edit(kj_req *req);      /* GET  /studios/{id}/edit */
void kj_page_studio_update(kj_req *req);    /* POST /studios/{id}/edit */
void kj_page_studio_invite(kj_req *req);    /* POST /studios/{id}/members */
void kj_page_studio_remove(kj_req *req);    /* POST /studios/{id}/members/remove */
void kj_page_studio_join(kj_req *req);      /* POST /studios/{id}/join */
void kj_page_studio_avatar(kj_req *req);    /* POST /studios/{id}/avatar (multipart "avatar") */
/** GET /files/{id}: an attachment, if the viewer may see it (studio
 *  avatars: anyone; listing files: published and not confidential, or
 *  kj_listing_can_see_private; files not attached yet: their uploader);
 *  otherwise 404. Anonymous listings' file names are replaced for those
 *  who may not know the owner. */
void kj_page_file(kj_req *req);

/* API (api_studio.c). */

/** The public studio as pages and the API show it: kj_studio_get plus
 *  region_label and listings (published, non-anonymous; with kind_label
 *  and published_date), in req's language. NULL when there is no such
 *  studio. New ref. */
json_t *kj_studio_view(kj_req *req, const char *id);
/** Adds kind_label and published_date (req's language) to showcase rows
 *  from kj_studio_listings / kj_org_listings. */
void kj_showcase_decorate(kj_req *req, json_t *rows);
/** Copies a domain errors object (field → key) into req's field errors;
 *  returns the key for the whole request ("form", else the first one). */
const char *kj_studio_take_errors(kj_req *req, json_t *errors);
#endif
