/*
 * pages_transfer.c — the admin import page (/admin/import): upload a CSV
 * or JSON file of listings, optionally keeping only the good rows, and
 * see every problem in a table. Also the report helpers shared with the
 * import API (pages_transfer.h).
 */
#include "web/app.h"
#include "web/pages_transfer.h"
#include <stdio.h>

json_t *kj_import_errors_view(kj_req *req, const kj_import_report *rep)
{
    json_t *out = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(rep->errors, i, e) {
        const char *code = json_string_value(json_object_get(e, "code"));
        json_t *item = json_deep_copy(e);
        json_object_set_new(item, "message", json_string(kj_tr(req, code)));
        json_array_append_new(out, item);
    }
    return out;
}

int kj_import_status(int rc, const kj_import_report *rep)
{
    if (rc < 0) return 500;
    return rep->imported > 0 || rc == 0 ? 200 : 422;
}

/* The first uploaded file of the request, or NULL. */
static const kj_upload *first_file(kj_req *req)
{
    for (const kj_upload *u = req->uploads; u; u = u->next)
        if (u->filename && *u->filename) return u;
    return NULL;
}

static void render_page(kj_req *req, int status, json_t *data)
{
    kj_render(req, status, "admin_import", data);
}

void kj_page_admin_import(kj_req *req)
{
    render_page(req, 200, json_object());
}

void kj_page_admin_import_post(kj_req *req)
{
    const kj_upload *file = first_file(req);
    bool partial = kj_in_bool(req, "partial");
    if (!file) {
        kj_field_error(req, "file", "err.import.no_file");
        render_page(req, 422, json_pack("{s:b}", "partial", partial));
        return;
    }
    kj_import_opts opts = { .partial = partial, .analyzer = kj_req_app(req)->analyzer };
    kj_import_report rep;
    int rc = kj_listing_import(kj_req_db(req), req->user, file->data, file->size, &opts, &rep);
    json_t *errors = kj_import_errors_view(req, &rep);
    /* Line 0 and column "" mean "the whole file": shown as a dash. */
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e) {
        json_int_t line = json_integer_value(json_object_get(e, "line"));
        json_object_set_new(e, "line_text", json_string(line > 0 ? kj_arena_printf(req->arena, "%lld", (long long)line) : "\xe2\x80\x94"));
        const char *col = json_string_value(json_object_get(e, "column"));
        json_object_set_new(e, "column_text", json_string(col && *col ? col : "\xe2\x80\x94"));
    }
    json_t *data = json_pack("{s:b, s:b, s:I, s:I, s:I, s:o, s:b, s:s}",
        "has_result", 1, "partial", partial, "imported", (json_int_t)rep.imported, "rows", (json_int_t)rep.rows,
        "error_rows", (json_int_t)rep.error_rows, "import_errors", errors, "has_import_errors", json_array_size(errors) > 0,
        "filename", file->filename);
    json_object_set_new(data, "nothing_imported", json_boolean(rep.imported == 0 && json_array_size(errors) > 0));
    int status = kj_import_status(rc, &rep);
    kj_import_report_free(&rep);
    render_page(req, status, data);
}
