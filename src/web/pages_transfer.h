/*
 * pages_transfer.h — handlers of listing import and export: the admin
 * import page (pages_transfer.c) and the export/import API
 * (api/api_transfer.c); routes in routes_transfer.c.
 *
 * Handlers follow app.h: validated inputs in, one call into
 * market/transfer.h, then a template or a response body. Each runs on the
 * request's thread and owns nothing beyond the request.
 */
#ifndef KJ_PAGES_TRANSFER_H
#define KJ_PAGES_TRANSFER_H
#include "http/http.h"
#include "market/transfer.h"
#include <jansson.h>

/* Pages (pages_transfer.c), administrators only. */
void kj_page_admin_import(kj_req *req);        /* GET  /admin/import */
void kj_page_admin_import_post(kj_req *req);   /* POST /admin/import (multipart: file, partial) */

/* API (api_transfer.c). Exports are public: published listings only, with
 * the browse filters and kind; administrators also get the contact
 * columns of non-anonymous listings. */

/** The errors of an import report for display: a new array of
 *  {line, column, code, message} with messages in req's language. */
json_t *kj_import_errors_view(kj_req *req, const kj_import_report *rep);
/** The HTTP status for an import result: 200 when something was imported
 *  or nothing was wrong, 422 when errors stopped everything, 500 when the
 *  database failed (rc < 0). */
int kj_import_status(int rc, const kj_import_report *rep);
#endif
