/*
 * api_transfer.c — listing export (/api/v1/export.csv|xlsx|json) and
 * import (/api/v1/import) over the API.
 *
 * Exports are attachments named listings-YYYYMMDD.<ext>; the body is built
 * in the response buffer row by row (the HTTP layer sends whole bodies).
 * Import answers {imported, rows, error_rows, errors: [{line, column,
 * code, message}]}: 200 when listings were imported or nothing was wrong,
 * 422 when errors stopped the import.
 */
#include "core/clock.h"
#include "api/api.h"
#include "web/app.h"
#include "web/market_view.h"
#include "web/pages_transfer.h"
#include <stdio.h>
#include <string.h>

static void export_as(kj_req *req, kj_export_format fmt)
{
    kj_listing_query q;
    kj_listing_query_from(req, &q, NULL);
    bool privileged = kj_req_role(req) == KJ_R_ADMIN;
    kj_buf_reset(&req->body);
    long n = kj_listing_export(kj_req_db(req), &q, fmt, privileged, req->user, kj_buf_sink, &req->body);
    if (n < 0) {
        kj_buf_reset(&req->body);
        kj_error(req, 500, "err.export.failed");
        return;
    }
    char date[16], count[24];
    kj_format_date(kj_now_ms(), date, sizeof date);
    snprintf(count, sizeof count, "%ld", n);
    req->status = 200;
    req->content_type = kj_export_mime(fmt);
    req->no_gzip = fmt == KJ_EXPORT_XLSX;   /* already a zip */
    kj_resp_header(req, "Content-Disposition", kj_arena_printf(req->arena, "attachment; filename=\"listings-%.4s%.2s%.2s.%s\"",
                                                               date, date + 5, date + 8, kj_export_ext(fmt)));
    kj_resp_header(req, "X-Total-Count", count);
    kj_resp_header(req, "Cache-Control", "no-store");
}

void kj_api_export_csv(kj_req *req)  { export_as(req, KJ_EXPORT_CSV); }
void kj_api_export_xlsx(kj_req *req) { export_as(req, KJ_EXPORT_XLSX); }
void kj_api_export_json(kj_req *req) { export_as(req, KJ_EXPORT_JSON); }

static void respond(kj_req *req, int rc, kj_import_report *rep)
{
    json_t *body = json_pack("{s:I, s:I, s:I, s:o}", "imported", (json_int_t)rep->imported, "rows", (json_int_t)rep->rows,
                             "error_rows", (json_int_t)rep->error_rows, "errors", kj_import_errors_view(req, rep));
    int status = kj_import_status(rc, rep);
    kj_import_report_free(rep);
    kj_resp_json(req, status, body);
}

void kj_api_import(kj_req *req)
{
    kj_import_opts opts = { .partial = kj_in_bool(req, "partial"), .analyzer = kj_req_app(req)->analyzer };
    kj_import_report rep;
    const kj_upload *file = NULL;
    for (const kj_upload *u = req->uploads; u && !file; u = u->next) file = u;
    json_t *items = json_object_get(req->in, "items");
    int rc;
    if (file) {
        rc = kj_listing_import(kj_req_db(req), req->user, file->data, file->size, &opts, &rep);
    } else if (json_is_array(items)) {
        rc = kj_listing_import_items(kj_req_db(req), req->user, items, &opts, &rep);
    } else {
        memset(&rep, 0, sizeof rep);
        rep.errors = json_pack("[{s:i, s:s, s:s}]", "line", 0, "column", json_object_get(req->in, "items") ? "items" : "file",
                               "code", "err.import.no_file");
        rc = 1;
    }
    respond(req, rc, &rep);
}
