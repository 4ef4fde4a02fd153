/*
 * pages_center.h — service centers (issue 14 §2, §8): the public
 * directory and center pages, the administrators' and heads' forms
 * (create, edit contact details, appoint and remove staff), and the
 * center staff's desk. Pages in pages_center.c, API in api/api_center.c,
 * routes in routes/routes_center.c.
 *
 * Who may act is decided by center/center.h (asking authz/authz.h inside
 * its write); these handlers render the answer.
 */
#ifndef KJ_PAGES_CENTER_H
#define KJ_PAGES_CENTER_H
#include "web/app.h"
#include "review/route.h"

void kj_page_centers(kj_req *req);             /* GET  /centers */
void kj_page_center(kj_req *req);              /* GET  /centers/{id} */
void kj_page_center_new(kj_req *req);          /* GET  /centers/new (administrators) */
void kj_page_center_create(kj_req *req);       /* POST /centers (administrators) */
void kj_page_center_manage(kj_req *req);       /* GET  /centers/{id}/manage */
void kj_page_center_edit(kj_req *req);         /* POST /centers/{id}/edit */
void kj_page_center_staff_add(kj_req *req);    /* POST /centers/{id}/staff */
void kj_page_center_staff_remove(kj_req *req); /* POST /centers/{id}/staff/{uid}/remove */
void kj_page_admin_user_center(kj_req *req);   /* POST /admin/users/{id}/center */
void kj_page_desk(kj_req *req);                /* GET  /desk */


/** A center as pages and the API show it to req's user (new ref), or NULL
 *  when unknown: the public fields, its chain of parents, its children,
 *  its head's and staff's names; with manage (administrators, its own
 *  staff) also the staff's e-mail addresses and phones. */
json_t *kj_center_view(kj_req *req, const char *id, bool manage);
/** Adds c["figures"]: the center's public work-order figures
 *  (workorder/workorder.h kj_workorder_center_figures) and, for pages,
 *  rating_text. For the center's page and GET /api/v1/service-centers/{id}. */
void kj_center_add_figures(kj_req *req, json_t *c);
/** True when req's user may see a center's staff list with contacts:
 *  administrators and the center's own staff. */
bool kj_center_may_see_staff(kj_req *req, const char *center_id);
/** The review routing policy for req (setting review_escalate_days, now). */
struct kj_review_policy kj_req_review_policy(kj_req *req);
/** Adds what a review queue shows about routed items (review/route.h):
 *  submitted_text (when), center_name and origin_name in req's language,
 *  left_text (working time left in words, or overdue), due_text. */
void kj_review_decorate(kj_req *req, json_t *items);

/** Every center as select options {id, label, selected} (selected: the
 *  one whose id is selected), for the users page's appointment form. */
json_t *kj_center_choices(kj_req *req, const char *selected);

/** A section of the center staff's desk (GET /desk): fills its key of
 *  desk for center_id (NULL: an administrator, or an operator in no
 *  center). Features add theirs to kj_desk_sections (pages_center.c). */
typedef void (*kj_desk_section_fn)(kj_req *req, const char *center_id, json_t *desk);
extern const kj_desk_section_fn kj_desk_sections[];

/** Checks a region filter or field: NULL/"" or a known region code. */
bool kj_center_region_ok(kj_req *req, const char *code);
/** The desk's data for the request's actor (GET /desk, GET /api/v1/desk). New ref. */
json_t *kj_desk_data(kj_req *req);
#endif
