/*
 * pages_challenge.h — handlers of the challenge-list (揭榜挂帅) pages
 * (pages_challenge.c) and JSON API (api/api_challenge.c). Each takes the
 * request after the pipeline (session, access, CSRF, declared inputs) and
 * fills its response; none keeps state between requests.
 */
#ifndef KJ_PAGES_CHALLENGE_H
#define KJ_PAGES_CHALLENGE_H
#include "challenge/challenge.h"
#include "http/http.h"

/** Sends a domain refusal: 422 as field errors, others as problem+json
 *  with errors [{field, code, message}] (API) or an error page (HTML). */
void kj_challenge_fail(kj_req *req, const kj_err *e);

/* Pages. */
void kj_page_challenge_lists(kj_req *req);
/** The 揭榜 lists for the page and the API: this instance's (each with its
 *  origin) and its peers' open 揭榜 grouped by list (fed.h:
 *  kj_fed_remote_challenge_lists; is_remote, url, challenges[].apply_url),
 *  filtered by origin=local|remote|<instance id>. NULL after a bad origin
 *  (the field error is set). New ref. */
json_t *kj_challenge_lists_with_remote(kj_req *req);
void kj_page_challenge_list_create(kj_req *req);
void kj_page_challenge_list(kj_req *req);
void kj_page_challenge_new(kj_req *req);
void kj_page_challenge_create(kj_req *req);
void kj_page_challenge(kj_req *req);
void kj_page_challenge_act(kj_req *req);
void kj_page_challenge_apply(kj_req *req);
void kj_page_challenge_object(kj_req *req);
void kj_page_challenge_reviewers(kj_req *req);
void kj_page_challenge_declare(kj_req *req);
void kj_page_challenge_score(kj_req *req);
void kj_page_challenge_withdraw(kj_req *req);
void kj_page_challenge_answer(kj_req *req);
void kj_page_challenge_report(kj_req *req);
void kj_page_challenge_decide(kj_req *req);
void kj_page_challenge_edit(kj_req *req);
void kj_page_challenge_update(kj_req *req);
void kj_page_challenge_app_update(kj_req *req);
void kj_page_challenge_app_attach(kj_req *req);
void kj_page_challenge_app_detach(kj_req *req);
void kj_page_challenge_file(kj_req *req);

/* API. */

/** True when the application in the path (param 1) belongs to the entry
 *  in the path (param 0); otherwise answers 404 and returns false. */
bool kj_challenge_app_in_path(kj_req *req);
/** Attaches the request's uploaded files, one by one, to application
 *  app_id; the first one's id goes to first (KJ_ID_LEN + 1 bytes, may be
 *  NULL). 0, or -1 with e (files stored before the refusal stay). */
int kj_challenge_attach_uploads(kj_req *req, const char *app_id, char *first, kj_err *e);
#endif
