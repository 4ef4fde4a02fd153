/*
 * pages_popsci.h — handlers of the popular-science (科普) pages, API,
 * image and Atom routes; routes in routes_popsci.c, domain in
 * popsci/popsci.h.
 *
 * Handlers follow app.h: validated inputs in, domain calls, then a
 * template, a redirect or JSON. Each runs on the request's thread and
 * owns nothing beyond the request.
 */
#ifndef KJ_PAGES_POPSCI_H
#define KJ_PAGES_POPSCI_H
#include "http/http.h"
#include "store/store.h"
#include <jansson.h>

/* Largest accepted image, in bytes. */
#define KJ_POPSCI_IMAGE_MAX (5 * 1024 * 1024)

/* Shared by pages and API (pages_popsci.c). */
/** The request's db with the topic taxonomy loaded. */
kj_db *kj_popsci_db(kj_req *req);
/** Copies domain errors (field → key) into req->errors; returns the key of
 *  "form" (or of the first field) for an error page. Decrefs errors. */
const char *kj_popsci_take_errors(kj_req *req, json_t *errors);
/** The images of one form field, checked and made into their variants. */
typedef struct kj_popsci_images kj_popsci_images;
/** Checks every upload of field — non-empty, ≤ KJ_POPSCI_IMAGE_MAX, an image
 *  by content, within the pixel budget (media/image.h, read from the
 *  header) — and makes its variants (the decoding: seconds for a large
 *  picture). Call it BEFORE the write transaction, never inside: a write
 *  lock held across decoding stalls every other writer. Sets *out (free
 *  with kj_popsci_images_free, also after a failure); records a field
 *  error and returns false on the first bad upload. */
bool kj_popsci_check_images(kj_req *req, const char *field, kj_popsci_images **out);
/** Stores the checked images as images of content_id or question_id (the
 *  first of field "poster" becomes the poster): files and rows only, for
 *  inside the transaction. 0, or -1 with a field error. */
int kj_popsci_store_images(kj_req *req, const kj_popsci_images *imgs, const char *content_id, const char *question_id);
void kj_popsci_images_free(kj_popsci_images *imgs);
/** Adds the reason's text ("因为你关注 水稻种植 · 乐山市") as reason_text to
 *  every feed item. */
void kj_popsci_reason_texts(kj_req *req, json_t *items);

/* Pages (pages_popsci.c). */
void kj_page_popsci_home(kj_req *req);        /* GET  /popsci?topic=&region= */
void kj_page_popsci_new(kj_req *req);         /* GET  /popsci/new */
void kj_page_popsci_create(kj_req *req);      /* POST /popsci (multipart: image*, poster, video) */
void kj_page_popsci_show(kj_req *req);        /* GET  /popsci/{id} */
void kj_page_popsci_edit(kj_req *req);        /* GET  /popsci/{id}/edit */
void kj_page_popsci_edit_post(kj_req *req);   /* POST /popsci/{id}/edit (multipart: image* for drafts) */
void kj_page_popsci_mark(kj_req *req);        /* POST /popsci/{id}/mark kind= */
void kj_page_popsci_review(kj_req *req);      /* POST /popsci/{id}/review action=&reason= */
void kj_page_popsci_correct(kj_req *req);     /* POST /popsci/{id}/correction note= */
void kj_page_popsci_queue(kj_req *req);       /* GET  /popsci/review */
void kj_page_popsci_mine(kj_req *req);        /* GET  /popsci/mine */
void kj_page_popsci_feed(kj_req *req);        /* GET  /popsci/feed */
void kj_page_popsci_profile(kj_req *req);     /* GET  /popsci/profile */
void kj_page_popsci_profile_post(kj_req *req);/* POST /popsci/profile */
void kj_page_popsci_profile_delete(kj_req *req); /* POST /popsci/profile/delete */
void kj_page_popsci_questions(kj_req *req);   /* GET  /popsci/questions */
void kj_page_popsci_ask_form(kj_req *req);    /* GET  /popsci/questions/new */
void kj_page_popsci_ask(kj_req *req);         /* POST /popsci/questions (multipart: photo*) */
void kj_page_popsci_question(kj_req *req);    /* GET  /popsci/questions/{id} */
void kj_page_popsci_answer(kj_req *req);      /* POST /popsci/questions/{id}/answers */
void kj_page_popsci_publish_q(kj_req *req);   /* POST /popsci/questions/{id}/publish */
void kj_page_popsci_accept(kj_req *req);      /* POST /popsci/answers/{id}/accept */
void kj_page_popsci_experts(kj_req *req);     /* GET  /popsci/experts */
void kj_page_popsci_experts_post(kj_req *req);/* POST /popsci/experts */
void kj_page_popsci_notice_form(kj_req *req); /* GET  /popsci/notices/new */
void kj_page_popsci_notice(kj_req *req);      /* POST /popsci/notices */
void kj_page_popsci_teams(kj_req *req);       /* GET  /popsci/teams */
void kj_page_popsci_team(kj_req *req);        /* GET  /popsci/teams/{id} */
void kj_page_popsci_team_follow(kj_req *req); /* POST /popsci/teams/{id}/follow (follow=1|0) */
void kj_page_popsci_team_new(kj_req *req);    /* GET  /popsci/teams/new */
void kj_page_popsci_team_create(kj_req *req); /* POST /popsci/teams name=&intro=&regions= */
void kj_page_popsci_team_member(kj_req *req); /* POST /popsci/teams/{id}/members email= */
void kj_page_popsci_image(kj_req *req);       /* GET  /popsci/images/{id} */
void kj_page_popsci_image_variant(kj_req *req); /* GET /popsci/images/{id}/{width} */
void kj_page_popsci_video(kj_req *req);       /* GET  /popsci/videos/{id} (Range) */
void kj_page_popsci_atom(kj_req *req);        /* GET  /feeds/popsci.atom?topic=&region= */

/* API (api_popsci.c). */
/** The public expert directory: GET /experts and GET /api/v1/experts
 *  (?topic=CODE). */
void kj_page_expert_directory(kj_req *req);
/** The public expert directory of the request's filters (labels: with
 *  display labels for the page). New ref. */
json_t *kj_expert_directory_req(kj_req *req, bool labels);
#endif
