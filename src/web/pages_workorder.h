/*
 * pages_workorder.h — handlers of the work-order (服务工单) pages
 * (pages_workorder.c) and JSON API (api/api_workorder.c). Each takes the
 * request after the pipeline (session, access, CSRF, declared inputs) and
 * translates between it and workorder/workorder.h; none keeps state.
 */
#ifndef KJ_PAGES_WORKORDER_H
#define KJ_PAGES_WORKORDER_H
#include "http/http.h"
#include "core/err.h"
#include <stdint.h>

/** Sends a domain refusal: 422 as field errors, others as problem+json
 *  with errors [{field, code, message}] (API) or an error page (HTML). */
void kj_workorder_fail(kj_req *req, const kj_err *e);
/** The first-response window in ms (setting workorder_first_response_hours). */
int64_t kj_workorder_window_ms(kj_req *req);
/** Stores the request's uploads on work order id (internal: staff only);
 *  the first attachment id goes to first (may be NULL). */
int kj_workorder_attach_uploads(kj_req *req, const char *id, bool internal, char *first, kj_err *e);

/* Pages. */
void kj_page_workorders(kj_req *req);
void kj_page_workorder_queue(kj_req *req);
void kj_page_workorder_new(kj_req *req);
void kj_page_workorder_create(kj_req *req);
void kj_page_workorder(kj_req *req);
void kj_page_workorder_act(kj_req *req);
void kj_page_workorder_attach(kj_req *req);
void kj_page_workorder_file(kj_req *req);

/* API. */
#endif
